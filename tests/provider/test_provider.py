"""CallControlApplicationProvider called directly, against the in-process fake."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import dill
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.output import Unknown

from provider import CallControlApplicationProvider
from provider.creates import CreateNotFinishedError
from provider.settings import resolve_settings
from provider.writes import ApplicationWriter
from telnyx_client import TelnyxApiError
from telnyx_fake import TelnyxBackend, mock_telnyx

REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://hooks.example.com/telnyx"}


def configured(config: dict[str, Any]) -> CallControlApplicationProvider:
    provider = CallControlApplicationProvider()
    provider.configure(ConfigureRequest(Config(config, "telnyx-call-control")))
    return provider


@pytest.fixture
def backend() -> Iterator[TelnyxBackend]:
    with mock_telnyx() as mocked:
        yield mocked


@pytest.fixture
def provider(backend: TelnyxBackend) -> CallControlApplicationProvider:
    return configured({"telnyx:apiKey": backend.api_key})


def created(provider: CallControlApplicationProvider, program: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = provider.create(provider.check({}, program).inputs)
    assert result.outs is not None
    return result.id, result.outs


# --- check ---------------------------------------------------------------------------------------


def test_check_normalises_inputs(provider: CallControlApplicationProvider) -> None:
    result = provider.check({}, {**REQUIRED, "anchorsite_override": '"Sydney, Australia"', "webhook_timeout_secs": 20.0})
    assert result.failures == []
    assert result.inputs["anchorsite_override"] == "Sydney, Australia"
    assert result.inputs["webhook_timeout_secs"] == 20 and type(result.inputs["webhook_timeout_secs"]) is int


def test_check_refuses_read_only_fields(provider: CallControlApplicationProvider) -> None:
    [failure] = provider.check({}, {**REQUIRED, "record_type": "x"}).failures
    assert failure.reason.startswith("record_type is read-only")


def test_check_keeps_the_serialised_provider_out_of_validation(provider: CallControlApplicationProvider) -> None:
    assert provider.check({}, {**REQUIRED, "__provider": "opaque"}).failures == []


def test_check_and_diff_need_no_key_and_make_no_call(backend: TelnyxBackend) -> None:
    provider = configured({})
    assert provider.check({}, REQUIRED).failures == []
    assert provider.diff("1", REQUIRED, REQUIRED).changes is False
    assert provider.diff("1", REQUIRED, {**REQUIRED, "active": False}).changes is True
    assert backend.calls() == []


# --- diff ----------------------------------------------------------------------------------------


def api_object(**changes: Any) -> dict[str, Any]:
    """A live application as the API returns it, with server defaults filled in."""
    backend = TelnyxBackend()
    return backend.add_from_portal({**REQUIRED, **changes})


@pytest.mark.parametrize(
    ("live", "program", "changes"),
    [
        ({}, {}, False),
        ({"webhook_timeout_secs": 25}, {"webhook_timeout_secs": 25.0}, False),
        ({"anchorsite_override": "Latency"}, {"anchorsite_override": '"Latency"'}, False),
        ({"webhook_api_version": "2"}, {"webhook_api_version": 2}, False),
        ({"tags": ["b", "a"]}, {"tags": ["a", "b", "a"]}, False),
        ({"dtmf_type": "Inband"}, {}, True),
        ({}, {"dtmf_type": "Inband"}, True),
        ({"inbound": {"channel_limit": 5}}, {"inbound": {"channel_limit": 5.0}}, False),
        ({"inbound": {"channel_limit": 5}}, {"inbound": {}}, True),
        ({"webhook_event_failover_url": "https://b.example.com"}, {}, True),
        ({}, {"webhook_event_failover_url": ""}, False),
    ],
)
def test_diff_compares_live_outputs_with_the_declared_state(
    provider: CallControlApplicationProvider, live: dict[str, Any], program: dict[str, Any], changes: bool
) -> None:
    olds = api_object(**live)
    news = provider.check({}, {**REQUIRED, **program}).inputs
    result = provider.diff(olds["id"], olds, news)
    assert result.changes is changes
    assert result.replaces == []


def test_diff_treats_the_api_documented_quoted_spelling_as_equal(provider: CallControlApplicationProvider) -> None:
    olds = {**api_object(), "anchorsite_override": '"Latency"'}
    assert provider.diff(olds["id"], olds, REQUIRED).changes is False


def test_an_unknown_value_is_a_change(provider: CallControlApplicationProvider) -> None:
    olds = api_object()
    assert provider.diff(olds["id"], olds, {**REQUIRED, "webhook_event_url": Unknown()}).changes is True
    assert provider.diff(olds["id"], olds, {**REQUIRED, "inbound": {"channel_limit": Unknown()}}).changes is True


# --- create / read / update / delete -------------------------------------------------------------


def test_outputs_are_the_normalised_api_object_without_the_id(provider: CallControlApplicationProvider, backend: TelnyxBackend) -> None:
    app_id, _ = created(provider, REQUIRED)
    backend.applications[app_id]["anchorsite_override"] = '"Latency"'  # the spelling the API reference shows
    result = provider.read(app_id, {})
    assert result.outs is not None and result.inputs is not None
    assert result.outs["anchorsite_override"] == "Latency"
    assert "id" not in result.outs and "id" not in result.inputs
    assert {"record_type", "created_at", "updated_at"} <= set(result.outs)
    assert not {"record_type", "created_at", "updated_at"} & set(result.inputs)


def test_create_looks_the_name_up_posts_all_but_tags_then_sets_them_with_one_patch(
    provider: CallControlApplicationProvider, backend: TelnyxBackend
) -> None:
    _, outputs = created(provider, {**REQUIRED, "tags": ["prod"], "dtmf_type": "Inband"})
    assert outputs["tags"] == ["prod"] and outputs["active"] is True and outputs["dtmf_type"] == "Inband"
    assert [r.method for r in backend.calls()] == ["GET", "POST", "PATCH"]
    post = backend.calls("POST")[0].body
    assert "tags" not in post and post["dtmf_type"] == "Inband" and post["inbound"]["channel_limit"] is None


def test_create_without_tags_is_one_lookup_and_one_post(provider: CallControlApplicationProvider, backend: TelnyxBackend) -> None:
    created(provider, REQUIRED)
    assert [r.method for r in backend.calls()] == ["GET", "POST"]


def test_a_bug_after_the_post_still_rolls_the_create_back_and_says_it_is_a_bug(
    provider: CallControlApplicationProvider, backend: TelnyxBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(ApplicationWriter, "finish_create", broken)
    with pytest.raises(CreateNotFinishedError) as caught:
        created(provider, REQUIRED)
    assert caught.value.deleted and backend.applications == {}
    assert [r.method for r in backend.calls()] == ["GET", "POST", "DELETE"]
    assert "unexpected RuntimeError: boom; this is a bug in the provider, please report it" in caught.value.message


def test_read_of_a_vanished_application_returns_an_empty_id(provider: CallControlApplicationProvider) -> None:
    result = provider.read("1293384261075731499", {})
    assert result.id == "" and result.outs == {}


def test_read_raises_other_errors(provider: CallControlApplicationProvider, backend: TelnyxBackend) -> None:
    from telnyx_fake import Fault

    backend.inject(Fault(status=500))
    with pytest.raises(TelnyxApiError, match="HTTP 500"):
        provider.read("1", {})


def test_delete_of_a_vanished_application_succeeds(provider: CallControlApplicationProvider, backend: TelnyxBackend) -> None:
    provider.delete("1293384261075731499", {})  # raises nothing
    assert [(r.method, r.status) for r in backend.calls()] == [("DELETE", 404)]


def test_update_puts_a_removed_field_back_to_its_default(provider: CallControlApplicationProvider, backend: TelnyxBackend) -> None:
    app_id, outputs = created(provider, {**REQUIRED, "outbound": {"channel_limit": 3}})
    news = provider.check({}, REQUIRED).inputs
    result = provider.update(app_id, outputs, news)
    assert result.outs is not None and result.outs["outbound"]["channel_limit"] is None
    assert backend.applications[app_id]["outbound"]["channel_limit"] is None


def test_create_refuses_invalid_inputs_before_any_request(provider: CallControlApplicationProvider, backend: TelnyxBackend) -> None:
    with pytest.raises(ValueError, match="dtmf_type"):
        provider.create({**REQUIRED, "dtmf_type": "Pulse"})
    assert backend.calls() == []


# --- configure, secrets and serialisation --------------------------------------------------------


def test_a_missing_key_fails_at_the_first_api_call_with_how_to_set_one() -> None:
    provider = configured({})
    with pytest.raises(TelnyxApiError, match=r"TELNYX_API_KEY.*telnyx:apiKey"):
        provider.create(REQUIRED)


def test_an_unsafe_base_url_fails_at_the_first_api_call() -> None:
    provider = configured({"telnyx:apiKey": "k", "telnyx:baseUrl": "http://api.example.com/v2"})
    assert provider.check({}, REQUIRED).failures == []
    with pytest.raises(TelnyxApiError, match="plain http"):
        provider.read("1", {})


def test_settings_prefer_stack_config_over_the_environment() -> None:
    config = {"telnyx:apiKey": "from-config", "telnyx:baseUrl": "https://config.example.com/v2"}
    environ = {"TELNYX_API_KEY": "from-env", "TELNYX_BASE_URL": "https://env.example.com/v2"}
    settings = resolve_settings(config.get, environ)
    assert (settings.api_key, settings.base_url) == ("from-config", "https://config.example.com/v2")
    fallback = resolve_settings({}.get, environ)
    assert (fallback.api_key, fallback.base_url) == ("from-env", "https://env.example.com/v2")
    default = resolve_settings({}.get, {})
    assert (default.api_key, default.base_url) == (None, "https://api.telnyx.com/v2")


def test_pacing_and_the_retry_backoff_come_from_the_environment() -> None:
    default = resolve_settings({}.get, {})
    assert (default.pace_by_rate_limit_headers, default.backoff_factor) == (True, 0.5)
    tuned = resolve_settings({}.get, {"TELNYX_PACE_BY_RATE_LIMIT": "0", "TELNYX_RETRY_BACKOFF": "0.05"})
    assert (tuned.pace_by_rate_limit_headers, tuned.backoff_factor) == (False, 0.05)


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("1", True), ("true", True), ("0", False), (" False ", False), ("off", False)])
def test_telnyx_refresh_by_list_turns_listing_on_and_off(value: str | None, expected: bool) -> None:
    environ = {} if value is None else {"TELNYX_REFRESH_BY_LIST": value}
    assert resolve_settings({}.get, environ).refresh_by_list is expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TELNYX_PACE_BY_RATE_LIMIT", "sometimes"), ("TELNYX_REFRESH_BY_LIST", "sometimes"), ("TELNYX_RETRY_BACKOFF", "fast"), ("TELNYX_RETRY_BACKOFF", "-1"), ("TELNYX_RETRY_BACKOFF", "nan")],
)
def test_a_pacing_or_backoff_value_that_is_not_understood_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"^{variable}={value!r} is not understood"):
        resolve_settings({}.get, {variable: value})


def test_the_provider_paces_its_client_unless_the_environment_says_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    assert configured({"telnyx:apiKey": "k"})._api().pacer is not None
    monkeypatch.setenv("TELNYX_PACE_BY_RATE_LIMIT", "false")
    assert configured({"telnyx:apiKey": "k"})._api().pacer is None


def test_settings_never_show_the_key() -> None:
    settings = resolve_settings({"telnyx:apiKey": "very-secret-key"}.get, {})
    assert "very-secret-key" not in repr(settings) and "very-secret-key" not in str(settings)


def test_a_configured_provider_pickles_without_its_key(provider: CallControlApplicationProvider, backend: TelnyxBackend) -> None:
    created(provider, REQUIRED)  # the client now exists inside the provider
    for dump in (pickle.dumps(provider), dill.dumps(provider, recurse=True)):
        assert backend.api_key.encode() not in dump
    assert isinstance(pickle.loads(pickle.dumps(provider)), CallControlApplicationProvider)


@pytest.mark.parametrize("call", ["read", "delete"])
def test_an_unconfigured_provider_says_so(call: str) -> None:
    with pytest.raises(TelnyxApiError, match="not configured"):
        getattr(CallControlApplicationProvider(), call)("1", {})


def test_check_returns_every_field_so_the_engine_compares_like_with_like(provider: CallControlApplicationProvider) -> None:
    result = provider.check({}, {**REQUIRED, "inbound": {"channel_limit": 3}})
    assert result.inputs["dtmf_type"] == "RFC 2833" and result.inputs["active"] is True
    assert result.inputs["inbound"] == {
        "channel_limit": 3,
        "shaken_stir_enabled": False,
        "sip_subdomain": None,
        "sip_subdomain_receive_settings": "from_anyone",
    }
    read_inputs = provider.read(created(provider, REQUIRED)[0], {}).inputs
    assert read_inputs is not None and set(read_inputs) == set(result.inputs) | {"__application_id"}


def test_unknowns_inside_a_list_or_in_place_of_a_group_pass_check(provider: CallControlApplicationProvider) -> None:
    result = provider.check({}, {**REQUIRED, "tags": ["ivr", Unknown()], "outbound": Unknown()})
    assert result.failures == []
    assert isinstance(result.inputs["outbound"], Unknown)


def test_a_malformed_url_is_a_check_failure_not_a_crash(provider: CallControlApplicationProvider) -> None:
    [failure] = provider.check({}, {**REQUIRED, "webhook_event_failover_url": "http://[::1"}).failures
    assert failure.reason.startswith("webhook_event_failover_url is not a valid webhook URL: its host in brackets")
