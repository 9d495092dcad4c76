"""The stack declaration schema: merging defaults and reporting every mistake with stack, application and key."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stack_files import loader as stack_config
from stack_files.loader import StackConfigError, load_applications, load_config, merge, resource_options

from ..support.hostile_values import BAD_IDS, BAD_NAMES, BAD_URLS

URL = "https://hooks.example.com/telnyx"


def test_defaults_merge_under_each_application_and_groups_merge_key_by_key() -> None:
    defaults = {"dtmf_type": "Inband", "tags": ["dev"], "inbound": {"channel_limit": 2, "shaken_stir_enabled": True}}
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "tags": ["ivr"], "inbound": {"channel_limit": 5}}}, defaults)
    assert spec.arguments["dtmf_type"] == "Inband"
    assert spec.arguments["tags"] == ["ivr"]
    assert spec.arguments["inbound"] == {"channel_limit": 5, "shaken_stir_enabled": True}


def test_application_name_defaults_to_logical_name_and_stack() -> None:
    [spec] = load_applications("staging", {"ivr": {"webhook_event_url": URL}})
    assert spec.logical_name == "ivr" and spec.arguments["application_name"] == "ivr-staging"


def test_an_explicit_application_name_wins() -> None:
    [spec] = load_applications("prod", {"ivr": {"webhook_event_url": URL, "application_name": "acme-ivr"}})
    assert spec.arguments["application_name"] == "acme-ivr"


def test_import_id_is_kept_apart_from_the_arguments() -> None:
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "import_id": "1293384261075731499"}})
    assert spec.import_id == "1293384261075731499" and "import_id" not in spec.arguments


def test_values_are_normalised() -> None:
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "webhook_api_version": 2, "anchorsite_override": '"Latency"'}})
    assert spec.arguments["webhook_api_version"] == "2" and spec.arguments["anchorsite_override"] == "Latency"


def test_every_mistake_names_the_stack_the_application_and_the_key() -> None:
    applications = {
        "router": {"webhook_event_url": URL, "dtmf_typ": "Inband"},
        "ivr": {"inbound": {"channel_limit": "ten"}},
    }
    with pytest.raises(StackConfigError) as caught:
        load_applications("prod", applications)
    lines = str(caught.value).splitlines()
    assert any("stack 'prod': application 'router': key 'dtmf_typ'" in line and "did you mean 'dtmf_type'?" in line for line in lines)
    assert any("stack 'prod': application 'ivr': key 'webhook_event_url' is required" in line for line in lines)
    assert any("stack 'prod': application 'ivr': key 'inbound.channel_limit'" in line and "'ten'" in line for line in lines)
    assert len(lines) == 3


def test_a_bad_default_is_reported_for_each_application_it_reaches() -> None:
    with pytest.raises(StackConfigError) as caught:
        load_applications("dev", {"a": {"webhook_event_url": URL}, "b": {"webhook_event_url": URL}}, {"active": "yes"})
    assert str(caught.value).count("key 'active'") == 2


@pytest.mark.parametrize("key", ["application_name", "import_id"])
def test_per_application_keys_cannot_be_defaults(key: str) -> None:
    with pytest.raises(StackConfigError, match=f"key '{key}' cannot be a default"):
        load_applications("dev", {"a": {"webhook_event_url": URL}}, {key: "1"})


@pytest.mark.parametrize(
    ("applications", "defaults", "message"),
    [
        (None, None, "key 'telnyx-call-control:applications' declares no applications (it is missing or null)"),
        (["a"], None, "key 'telnyx-call-control:applications' must be a map of logical names to arguments"),
        ({"a": {"webhook_event_url": URL}}, ["x"], "key 'telnyx-call-control:defaults' must be a map of argument names"),
        ({"a": "https://example.com"}, None, "application 'a': must be a map of arguments"),
        ({"a b": {"webhook_event_url": URL}}, None, "the logical name may hold only"),
        ({"a": {"webhook_event_url": URL, "import_id": 12}}, None, "key 'import_id'"),
    ],
)
def test_malformed_declarations_are_refused(applications: object, defaults: object, message: str) -> None:
    with pytest.raises(StackConfigError, match=re.escape(message)):
        load_applications("dev", applications, defaults)


WRONG_TYPES = {"a string": "oops", "a number": 5, "a boolean": True, "a list": ["call-router"], "null": None}
ENTRY = {"webhook_event_url": URL}


def raw(value: Any) -> str:
    """A stack-file value as the engine hands it to the program: JSON text, or the text itself for a bare string."""
    return value if isinstance(value, str) else json.dumps(value)


@pytest.mark.parametrize("words", list(WRONG_TYPES))
def test_applications_of_any_other_type_are_a_named_error(words: str) -> None:
    with pytest.raises(StackConfigError) as caught:
        load_config("dev", {"applications": raw(WRONG_TYPES[words])}.get)
    if words == "null":
        assert str(caught.value).startswith(
            "stack 'dev': key 'telnyx-call-control:applications' declares no applications (it is missing or null); "
            "add it to the stack file as a map of logical names to arguments"
        )
    else:
        assert str(caught.value) == (
            "stack 'dev': key 'telnyx-call-control:applications' must be a map of logical names to arguments, "
            f"such as `call-router: {{webhook_event_url: https://…}}`; got {words}"
        )


@pytest.mark.parametrize("words", list(WRONG_TYPES))
def test_defaults_of_any_other_type_are_a_named_error(words: str) -> None:
    texts = {"applications": raw({"ivr": ENTRY}), "defaults": raw(WRONG_TYPES[words])}
    with pytest.raises(StackConfigError) as caught:
        load_config("dev", texts.get)
    assert str(caught.value) == (
        "stack 'dev': key 'telnyx-call-control:defaults' must be a map of argument names to values, "
        f'such as `webhook_api_version: "2"`; got {words}'
    )


@pytest.mark.parametrize("words", list(WRONG_TYPES))
def test_an_application_entry_of_any_other_type_is_a_named_error(words: str) -> None:
    texts = {"applications": raw({"ivr": ENTRY, "router": WRONG_TYPES[words]})}
    with pytest.raises(StackConfigError) as caught:
        load_config("dev", texts.get)
    assert str(caught.value) == (
        f"stack 'dev': application 'router': must be a map of arguments, such as `webhook_event_url: https://…`; got {words}"
    )


def test_an_entry_written_as_a_bare_url_is_not_quoted() -> None:
    with pytest.raises(StackConfigError) as caught:
        load_applications("dev", {"router": "https://hooks.example.com/?token=s3cr3t"})
    assert "s3cr3t" not in str(caught.value) and "got a string" in str(caught.value)


def test_both_keys_of_the_wrong_type_are_reported_together() -> None:
    with pytest.raises(StackConfigError) as caught:
        load_config("dev", {"applications": "oops", "defaults": "[1]"}.get)
    assert [line.split(" must be")[0] for line in str(caught.value).splitlines()] == [
        "stack 'dev': key 'telnyx-call-control:applications'",
        "stack 'dev': key 'telnyx-call-control:defaults'",
    ]


def test_the_raw_config_loads_like_the_parsed_one() -> None:
    texts = {"applications": raw({"ivr": {**ENTRY, "dtmf_type": "Inband"}}), "defaults": raw({"tags": ["dev"]})}
    [spec] = load_config("dev", texts.get)
    assert spec.arguments["dtmf_type"] == "Inband" and spec.arguments["tags"] == ["dev"]
    assert load_config("dev", {"applications": texts["applications"]}.get)[0].arguments.get("tags") is None


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_no_stack_file_content_raises_anything_but_a_named_error(content: Any) -> None:
    for applications, defaults in (
        (content, None),
        ({"ivr": content}, None),
        ({"ivr": ENTRY}, content),
        ({"ivr": {**ENTRY, "inbound": content, "tags": content}}, {"outbound": content}),
    ):
        texts = {"applications": json.dumps(applications), "defaults": None if defaults is None else json.dumps(defaults)}
        try:
            load_config("dev", texts.get)
        except StackConfigError as error:
            assert str(error).startswith("stack 'dev': ")


def test_two_explicit_equal_names_are_one_error_naming_both_and_the_fix() -> None:
    applications = {"router": {**ENTRY, "application_name": "acme-router"}, "router-eu": {**ENTRY, "application_name": "acme-router"}}
    with pytest.raises(StackConfigError) as caught:
        load_applications("prod", applications)
    assert str(caught.value) == (
        "stack 'prod': applications 'router' and 'router-eu' would both have the application_name 'acme-router', "
        "and nobody could tell them apart in Telnyx; give one of them another application_name"
    )


def test_an_explicit_name_equal_to_another_entrys_default_is_refused() -> None:
    applications = {"ivr": {**ENTRY, "application_name": "router-dev"}, "router": ENTRY}
    with pytest.raises(StackConfigError) as caught:
        load_applications("dev", applications)
    assert str(caught.value) == (
        "stack 'dev': applications 'ivr' and 'router' (by default, as <logical name>-<stack>) would both have the "
        "application_name 'router-dev', and nobody could tell them apart in Telnyx; give one of them another application_name"
    )


def test_three_entries_sharing_a_name_are_one_error() -> None:
    applications = {name: {**ENTRY, "application_name": "shared"} for name in ("a", "b", "c")}
    with pytest.raises(StackConfigError) as caught:
        load_applications("dev", {**applications, "d": ENTRY})
    [line] = str(caught.value).splitlines()
    assert "applications 'a', 'b' and 'c' would all have the application_name 'shared'" in line
    assert line.endswith("give all but one of them another application_name")


def test_names_that_differ_in_case_are_different_names() -> None:
    # The portal shows them apart, and `make adopt` writes entries for such live applications.
    specs = load_applications("dev", {"a": {**ENTRY, "application_name": "Router"}, "b": {**ENTRY, "application_name": "router"}})
    assert len(specs) == 2


def test_distinct_names_pass() -> None:
    specs = load_applications("dev", {"router": ENTRY, "ivr": ENTRY, "eu": {**ENTRY, "application_name": "router-eu-dev"}})
    assert sorted(s.arguments["application_name"] for s in specs) == ["ivr-dev", "router-dev", "router-eu-dev"]


def test_merge_replaces_non_group_values() -> None:
    assert merge({"tags": ["a"], "inbound": {"x": 1}}, {"tags": ["b"], "inbound": {"y": 2}}) == {"tags": ["b"], "inbound": {"x": 1, "y": 2}}


def test_a_null_puts_a_field_back_to_its_api_default_despite_the_defaults() -> None:
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "webhook_timeout_secs": None}}, {"webhook_timeout_secs": 10})
    assert "webhook_timeout_secs" not in spec.arguments


def test_an_entrys_application_name_is_its_own_or_logical_name_dash_stack() -> None:
    assert stack_config.application_name_of("prod", "ivr", {"application_name": "acme-ivr"}) == "acme-ivr"
    assert stack_config.application_name_of("prod", "ivr", {"webhook_event_url": "https://x.example.com"}) == "ivr-prod"


def test_resource_options_default_to_pulumis_and_stay_out_of_the_arguments() -> None:
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL}})
    assert (spec.protect, spec.retain_on_delete, spec.ignore_changes) == (False, False, ())
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "protect": True, "ignore_changes": ["tags"]}})
    assert spec.protect is True and spec.ignore_changes == ("tags",)
    assert not {"protect", "ignore_changes"} & set(spec.arguments)


def test_an_applications_own_option_replaces_the_defaults_and_null_restores_pulumis_default() -> None:
    defaults = {"protect": True, "retain_on_delete": True, "ignore_changes": ["tags", "active"]}
    applications = {
        "kept": {"webhook_event_url": URL},
        "own": {"webhook_event_url": URL, "protect": False, "ignore_changes": ["inbound.channel_limit"]},
        "reset": {"webhook_event_url": URL, "retain_on_delete": None, "ignore_changes": None},
    }
    kept, own, reset = load_applications("prod", applications, defaults)
    assert (kept.protect, kept.retain_on_delete, kept.ignore_changes) == (True, True, ("tags", "active"))
    assert (own.protect, own.retain_on_delete, own.ignore_changes) == (False, True, ("inbound.channel_limit",))
    assert (reset.protect, reset.retain_on_delete, reset.ignore_changes) == (True, False, ())


def test_ignore_changes_takes_field_paths_and_whole_groups() -> None:
    paths = ["webhook_event_url", "inbound.channel_limit", "outbound", "webhook_event_url"]
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "ignore_changes": paths}})
    assert spec.ignore_changes == ("webhook_event_url", "inbound.channel_limit", "outbound")


def test_every_option_mistake_is_reported_at_once_with_the_closest_path() -> None:
    declared = {
        "webhook_event_url": URL,
        "protect": "yes",
        "retain_on_delete": 1,
        "ignore_changes": ["inbound.chanel_limit", "webhook_event_url", 7],
    }
    with pytest.raises(StackConfigError) as caught:
        load_applications("prod", {"ivr": declared})
    lines = str(caught.value).splitlines()
    assert lines[0] == "stack 'prod': application 'ivr': key 'protect': got 'yes'; expected true or false"
    assert lines[1] == "stack 'prod': application 'ivr': key 'retain_on_delete': got 1; expected true or false"
    assert "key 'ignore_changes': 'inbound.chanel_limit' is not a field" in lines[2]
    assert "did you mean 'inbound.channel_limit'?" in lines[2]
    assert "key 'ignore_changes': 7 is not a field" in lines[3]
    assert len(lines) == 4


def test_ignore_changes_must_be_a_list() -> None:
    with pytest.raises(StackConfigError, match=r"key 'ignore_changes': got 'tags'; expected a list of setting paths"):
        load_applications("dev", {"ivr": {"webhook_event_url": URL, "ignore_changes": "tags"}})


def test_a_bad_option_in_the_defaults_is_reported_for_each_application() -> None:
    with pytest.raises(StackConfigError) as caught:
        load_applications("dev", {"a": {"webhook_event_url": URL}, "b": {"webhook_event_url": URL}}, {"protect": "on"})
    assert str(caught.value).count("key 'protect': got 'on'") == 2


def test_resource_options_carry_the_declaration_to_pulumi() -> None:
    [spec] = load_applications(
        "prod",
        {"ivr": {"webhook_event_url": URL, "import_id": "1293384261075731499", "retain_on_delete": True, "ignore_changes": ["tags"]}},
        {"protect": True},
    )
    options = resource_options(spec)
    assert (options.import_, options.protect, options.retain_on_delete) == ("1293384261075731499", True, True)
    assert options.ignore_changes == ["tags"]
    [plain] = load_applications("dev", {"ivr": {"webhook_event_url": URL}})
    plain_options = resource_options(plain)
    assert (plain_options.import_, plain_options.protect, plain_options.ignore_changes) == (None, False, None)


@pytest.mark.parametrize("kind", list(BAD_URLS))
def test_the_loader_refuses_a_bad_webhook_url_by_the_field_models_rule_without_quoting_it(kind: str) -> None:
    url, rule = BAD_URLS[kind]
    with pytest.raises(StackConfigError) as caught:
        load_applications("prod", {"router": {"webhook_event_url": url}})
    [line] = str(caught.value).splitlines()
    assert line.startswith("stack 'prod': application 'router': key 'webhook_event_url' is not a valid webhook URL: ")
    assert rule in line and url not in line.split("; expected ")[0]


@pytest.mark.parametrize("value", BAD_IDS)
def test_the_loader_refuses_ids_that_are_not_ascii_digits(value: str) -> None:
    entry = {**ENTRY, "import_id": value, "outbound": {"outbound_voice_profile_id": value}}
    with pytest.raises(StackConfigError) as caught:
        load_applications("dev", {"ivr": entry})
    keys = sorted(line.split("key ")[1].split(" ")[0].rstrip(":") for line in str(caught.value).splitlines())
    assert keys == ["'import_id'", "'outbound.outbound_voice_profile_id'"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_loader_refuses_names_with_control_characters(name: str) -> None:
    with pytest.raises(StackConfigError, match="control character or line break"):
        load_applications("dev", {"ivr": {**ENTRY, "application_name": name}})
