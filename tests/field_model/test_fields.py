"""The field model: normalisation, validation, defaults, and what counts as a difference."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from field_model import fields
from field_model.fields import (
    FIELDS_BY_PATH,
    FieldError,
    desired_state,
    differing_paths,
    live_state,
    normalise,
    validate,
)

from ..support.hostile_values import BAD_IDS, BAD_NAMES, BAD_URLS, VALID_URLS

REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://example.com"}


def spec(path: str) -> fields.Field:
    return FIELDS_BY_PATH[path]


@pytest.mark.parametrize("site", fields.ANCHORSITES)
def test_anchorsite_accepts_both_spellings_and_keeps_the_unquoted_one(site: str) -> None:
    assert normalise(spec("anchorsite_override"), site) == site
    assert normalise(spec("anchorsite_override"), f'"{site}"') == site


@pytest.mark.parametrize("value", [1, 2, 1.0, 2.0, "1", "2"])
def test_webhook_api_version_accepts_numbers_and_strings(value: Any) -> None:
    assert normalise(spec("webhook_api_version"), value) == str(int(float(value)))


@pytest.mark.parametrize("value", [3, "v2", True, 1.5])
def test_webhook_api_version_rejects_other_values(value: Any) -> None:
    with pytest.raises(FieldError, match="'1', '2'"):
        normalise(spec("webhook_api_version"), value)


def test_integral_floats_from_the_wire_become_integers() -> None:
    value = normalise(spec("webhook_timeout_secs"), 25.0)
    assert value == 25 and isinstance(value, int)


@pytest.mark.parametrize("value", [25.5, float("nan"), float("inf"), "25", True])
def test_non_integers_are_rejected(value: Any) -> None:
    with pytest.raises(FieldError) as caught:
        normalise(spec("webhook_timeout_secs"), value)
    assert caught.value.path == "webhook_timeout_secs"
    assert "from 0 to 30" in caught.value.reason


@pytest.mark.parametrize(("path", "value"), [("webhook_timeout_secs", 31), ("webhook_timeout_secs", -1), ("inbound.channel_limit", -1)])
def test_out_of_range_integers_are_rejected(path: str, value: int) -> None:
    with pytest.raises(FieldError, match="out of range"):
        normalise(spec(path), value)


@pytest.mark.parametrize("url", VALID_URLS)
def test_a_webhook_url_the_api_accepts_is_kept_as_written(url: str) -> None:
    assert normalise(spec("webhook_event_url"), url) == url


@pytest.mark.parametrize("kind", list(BAD_URLS))
def test_a_bad_webhook_url_is_refused_naming_the_rule_and_never_quoting_it(kind: str) -> None:
    url, rule = BAD_URLS[kind]
    for path in fields.CREDENTIAL_PATHS:
        with pytest.raises(FieldError) as caught:
            normalise(spec(path), url)
        allowed = spec(path).allowed()
        assert rule in caught.value.reason and caught.value.reason.endswith(f"expected {allowed}")
        said = str(caught.value).removesuffix(allowed)
        assert url not in said and repr(url) not in said


@pytest.mark.parametrize("value", [42, True, ["https://hooks.example.org"], {"url": "https://hooks.example.org"}])
def test_a_webhook_url_that_is_not_text_is_refused_without_quoting_it(value: Any) -> None:
    with pytest.raises(FieldError) as caught:
        normalise(spec("webhook_event_url"), value)
    assert "not text" in caught.value.reason and "42" not in caught.value.reason and "example.org" not in caught.value.reason


def test_the_name_and_the_webhook_url_are_required_in_every_create_and_patch() -> None:
    assert fields.REQUIRED_PATHS == ("application_name", "webhook_event_url")


def test_the_webhook_urls_are_the_settings_that_may_carry_a_credential() -> None:
    assert fields.CREDENTIAL_PATHS == fields.URL_PATHS == ("webhook_event_url", "webhook_event_failover_url")


@pytest.mark.parametrize("name", ["call-router", "Call Router (EU) ☎", "ルーター", "👨\u200d👩\u200d👧 team"])
def test_a_name_may_hold_any_printable_text(name: str) -> None:
    assert normalise(spec("application_name"), name) == name
    assert normalise(spec("tags"), [name]) == [name]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_with_a_control_character_or_line_break_is_refused(name: str) -> None:
    for path, value in (("application_name", name), ("tags", ["ok", name])):
        with pytest.raises(FieldError, match="control character or line break") as caught:
            normalise(spec(path), value)
        assert "without control characters" in caught.value.reason


@pytest.mark.parametrize("subdomain", ["acme-ivr", "a", "ivr2", "A" * 63])
def test_a_sip_subdomain_is_a_dns_label(subdomain: str) -> None:
    assert normalise(spec("inbound.sip_subdomain"), subdomain) == subdomain


@pytest.mark.parametrize("subdomain", ["acme ivr", "acme.ivr", "-acme", "acme-", "acme_ivr", "ivr\n", "", "a" * 64, "bücher"])
def test_a_sip_subdomain_that_is_no_dns_label_is_refused(subdomain: str) -> None:
    with pytest.raises(FieldError, match="a DNS label"):
        normalise(spec("inbound.sip_subdomain"), subdomain)


def test_failover_url_may_be_empty_or_null_which_are_the_same() -> None:
    assert normalise(spec("webhook_event_failover_url"), "") == ""
    assert normalise(spec("webhook_event_failover_url"), None) == ""


def test_tags_are_a_set() -> None:
    assert normalise(spec("tags"), ["prod", "ivr", "prod"]) == ["ivr", "prod"]


def test_outbound_voice_profile_id_must_be_a_string_of_digits() -> None:
    assert normalise(spec("outbound.outbound_voice_profile_id"), "1293384261075731499") == "1293384261075731499"
    with pytest.raises(FieldError, match="as a string"):
        normalise(spec("outbound.outbound_voice_profile_id"), 1.2933842610757315e18)


def test_validate_reports_every_failure_with_its_path() -> None:
    result = validate(
        {
            "application_name": "x",
            "dtmf_type": "Pulse",
            "webhook_timeout_secs": 99,
            "inbound": {"channel_limit": 2.5, "sip_subdomian": "x"},
            "id": "123",
        }
    )
    paths = sorted(f.path for f in result.failures)
    assert paths == ["dtmf_type", "id", "inbound.channel_limit", "inbound.sip_subdomian", "webhook_event_url", "webhook_timeout_secs"]


def test_an_unknown_field_names_the_closest_valid_one() -> None:
    [failure] = validate({**REQUIRED, "webhook_timout_secs": 5}).failures
    assert failure.path == "webhook_timout_secs"
    assert "did you mean 'webhook_timeout_secs'?" in failure.reason


def test_an_unknown_nested_field_names_the_closest_valid_one() -> None:
    [failure] = validate({**REQUIRED, "inbound": {"chanel_limit": 5}}).failures
    assert failure.path == "inbound.chanel_limit"
    assert "did you mean 'channel_limit'?" in failure.reason


def test_a_group_that_is_not_an_object_is_a_failure() -> None:
    [failure] = validate({**REQUIRED, "inbound": 5}).failures
    assert failure.path == "inbound" and "channel_limit" in failure.reason


def test_placeholders_pass_through_validation() -> None:
    unknown = object()
    result = validate(
        {"application_name": "x", "webhook_event_url": unknown, "inbound": {"channel_limit": unknown}},
        is_placeholder=lambda v: v is unknown,
    )
    assert result.failures == []
    assert result.properties["webhook_event_url"] is unknown


def test_desired_state_fills_every_omitted_field_with_its_api_default() -> None:
    state = desired_state(validate(REQUIRED).properties)
    assert state["active"] is True and state["dtmf_type"] == "RFC 2833"
    assert state["anchorsite_override"] == "Latency" and state["webhook_timeout_secs"] is None
    assert state["inbound"] == {
        "channel_limit": None,
        "shaken_stir_enabled": False,
        "sip_subdomain": None,
        "sip_subdomain_receive_settings": "from_anyone",
    }
    assert state["outbound"] == {"channel_limit": None, "outbound_voice_profile_id": None}
    assert set(state) == {f.name for f in fields.top_level_fields()} | set(fields.GROUPS)


def test_live_state_normalises_the_api_spelling() -> None:
    live = live_state({**REQUIRED, "anchorsite_override": '"Chicago, IL"', "webhook_timeout_secs": 25.0})
    assert live["anchorsite_override"] == "Chicago, IL" and live["webhook_timeout_secs"] == 25


def test_equal_spellings_make_no_difference() -> None:
    desired = desired_state(validate({**REQUIRED, "anchorsite_override": "Latency", "webhook_api_version": 2.0}).properties)
    live = live_state({**REQUIRED, "anchorsite_override": '"Latency"', "webhook_api_version": "2"})
    assert differing_paths(desired, live) == []


def test_a_nested_change_is_named_by_its_path() -> None:
    desired = desired_state(validate({**REQUIRED, "inbound": {"channel_limit": 10}}).properties)
    assert differing_paths(desired, live_state(REQUIRED)) == ["inbound.channel_limit"]


def test_every_field_documents_its_default_and_what_is_allowed() -> None:
    for field in fields.FIELDS:
        assert field.description and field.allowed()
        if field.default not in (None, ()):
            assert normalise(field, field.default) == fields.default_of(field)


@pytest.mark.parametrize("field", [f for f in fields.FIELDS if f.kind is fields.Kind.BOOL], ids=lambda f: f.path)
def test_a_boolean_setting_says_it_takes_true_or_false(field: fields.Field) -> None:
    # The words reach the docs' argument table, the stack-file schema and every check failure.
    assert field.allowed() == "true or false"
    with pytest.raises(FieldError) as caught:
        normalise(field, "yes")
    assert caught.value.reason == "got 'yes'; expected true or false"


@given(st.integers(min_value=0, max_value=30))
def test_an_integer_and_its_float_twin_are_the_same(value: int) -> None:
    assert normalise(spec("webhook_timeout_secs"), value) == normalise(spec("webhook_timeout_secs"), float(value))


@given(st.sampled_from(fields.FIELDS).flatmap(lambda f: st.tuples(st.just(f), _valid_values(f))))
def test_normalising_twice_changes_nothing(case: tuple[fields.Field, Any]) -> None:
    field, value = case
    once = normalise(field, value)
    assert normalise(field, once) == once


def _valid_values(field: fields.Field) -> st.SearchStrategy[Any]:
    kind = fields.Kind
    if field.kind is kind.BOOL:
        return st.booleans()
    if field.kind is kind.INT:
        return st.integers(min_value=field.minimum or 0, max_value=field.maximum or 10_000)
    if field.kind is kind.ENUM:
        return st.sampled_from(list(field.choices) + list(field.aliases))
    if field.kind is kind.STRING_LIST:
        return st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=8))
    if field.kind is kind.URL:
        return st.from_regex(r"https://[a-z]{1,10}\.example\.com/[a-z]{0,5}", fullmatch=True)
    if field.kind is kind.ID:
        return st.from_regex(r"[1-9][0-9]{18}", fullmatch=True)
    if field.kind is kind.SUBDOMAIN:
        return st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
    return st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20).filter(str.strip)


@pytest.mark.parametrize("value", ["1293384261075731499", "0"])
def test_an_id_is_a_string_of_ascii_digits(value: str) -> None:
    assert fields.is_id(value)


@pytest.mark.parametrize("value", [*BAD_IDS, 12, None])
def test_other_digits_and_non_strings_are_not_ids(value: object) -> None:
    assert not fields.is_id(value)


def test_value_at_reads_top_level_and_nested_paths() -> None:
    state = {"dtmf_type": "Inband", "inbound": {"channel_limit": 4}, "outbound": None}
    assert fields.value_at(state, "dtmf_type") == "Inband"
    assert fields.value_at(state, "inbound.channel_limit") == 4
    assert fields.value_at(state, "outbound.channel_limit") is None
