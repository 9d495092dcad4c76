"""The provider over Pulumi's own provider protocol, against the fake Telnyx served on loopback.

Every scenario goes through `python -m pulumi.dynamic` and gRPC, as the engine's calls do,
and counts the requests that reach the fake.
"""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from ..conftest import PROTOCOL_API_KEY
from ..support.dynamic_host import (
    DIFF_NONE,
    DIFF_SOME,
    SERIALISED_PROVIDER,
    UNKNOWN,
    DynamicProviderHost,
    secret,
    with_provider,
)

API_KEY = PROTOCOL_API_KEY
REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://hooks.example.com/telnyx"}


@pytest.fixture
def fake(protocol_fake: FakeTelnyxServer) -> FakeTelnyxServer:
    protocol_fake.backend.reset()
    return protocol_fake


@pytest.fixture
def host(protocol_host: DynamicProviderHost, fake: FakeTelnyxServer) -> DynamicProviderHost:
    return protocol_host


@pytest.fixture
def backend(fake: FakeTelnyxServer) -> TelnyxBackend:
    return fake.backend


def methods(backend: TelnyxBackend) -> list[str]:
    return [r.method for r in backend.calls()]


def test_create_with_only_the_required_fields_then_no_diff(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, _ = host.deploy(REQUIRED)
    assert methods(backend) == ["GET", "POST"]  # the name looked up, then created
    assert outputs["dtmf_type"] == "RFC 2833" and outputs["record_type"] == "call_control_application"
    assert backend.applications[app_id]["application_name"] == "call-router"

    inputs, _ = host.check(with_provider(REQUIRED))
    assert host.diff(app_id, outputs, inputs).changes == DIFF_NONE
    assert methods(backend) == ["GET", "POST"], "check and diff must not call the API"


def test_integers_arrive_as_floats_and_still_go_out_as_json_integers(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    program = {**REQUIRED, "webhook_timeout_secs": 25, "inbound": {"channel_limit": 10}}
    app_id, outputs, inputs = host.deploy(program)
    assert inputs["webhook_timeout_secs"] == 25.0  # what the wire makes of 25
    stored = backend.applications[app_id]
    assert stored["webhook_timeout_secs"] == 25 and type(stored["webhook_timeout_secs"]) is int
    assert host.diff(app_id, outputs, inputs).changes == DIFF_NONE


def test_changing_a_field_updates_in_place_with_one_patch(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, _ = host.deploy(REQUIRED)
    changed, _ = host.check(with_provider({**REQUIRED, "dtmf_type": "Inband"}))
    diff = host.diff(app_id, outputs, changed)
    assert diff.changes == DIFF_SOME and list(diff.replaces) == []

    new_outputs = host.update(app_id, outputs, changed)
    assert new_outputs["dtmf_type"] == "Inband"
    assert backend.applications[app_id]["dtmf_type"] == "Inband"
    assert methods(backend) == ["GET", "POST", "PATCH"]
    assert host.diff(app_id, new_outputs, changed).changes == DIFF_NONE


def test_removing_a_field_resets_it_to_the_api_default(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    program = {**REQUIRED, "dtmf_type": "SIP INFO", "inbound": {"channel_limit": 5}, "tags": ["ivr"]}
    app_id, outputs, _ = host.deploy(program)
    removed, _ = host.check(with_provider(REQUIRED))
    assert host.diff(app_id, outputs, removed).changes == DIFF_SOME

    host.update(app_id, outputs, removed)
    stored = backend.applications[app_id]
    assert stored["dtmf_type"] == "RFC 2833"
    assert stored["inbound"]["channel_limit"] is None and stored["tags"] == []


def test_equivalent_spellings_show_no_diff(host: DynamicProviderHost) -> None:
    app_id, outputs, _ = host.deploy({**REQUIRED, "anchorsite_override": "Chicago, IL", "webhook_api_version": "2"})
    respelled, _ = host.check(with_provider({**REQUIRED, "anchorsite_override": '"Chicago, IL"', "webhook_api_version": 2}))
    assert host.diff(app_id, outputs, respelled).changes == DIFF_NONE


def test_drift_behind_pulumis_back_is_found_by_read_and_put_back(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, inputs = host.deploy(REQUIRED)
    backend.applications[app_id]["active"] = False  # someone switched it off in the portal

    read_id, live, read_inputs = host.read(app_id, outputs, inputs)
    assert read_id == app_id and live["active"] is False and read_inputs["active"] is False
    assert methods(backend) == ["GET", "POST", "GET"]

    diff = host.diff(app_id, live, inputs)
    assert diff.changes == DIFF_SOME
    host.update(app_id, live, inputs)
    assert backend.applications[app_id]["active"] is True


def test_the_engines_own_import_read_cannot_reach_a_dynamic_provider(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    """Pins pulumi/pulumi#16175: an import Read carries no state and no inputs, so the host cannot find
    `__provider`. If this starts passing, the engine's import works and `import_` can use it directly."""
    existing = backend.create(REQUIRED)
    with pytest.raises(grpc.RpcError) as caught:
        host.read(existing["id"], {}, {})
    assert "__provider" in caught.value.details()


def test_get_reads_an_existing_application_and_fails_on_a_missing_one(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    # What `CallControlApplication.get()` registers reaches Read as its properties (ReadStep sends the
    # registered inputs as the state). An empty id would leave the program a resource with no outputs.
    registered = with_provider({"__lookup": True})
    existing = backend.create({**REQUIRED, "dtmf_type": "Inband"})
    read_id, live, _ = host.read(existing["id"], registered, registered)
    assert read_id == existing["id"] and live["dtmf_type"] == "Inband"

    missing = "1293384261075731499"
    with pytest.raises(grpc.RpcError) as caught:
        host.read(missing, registered, registered)
    assert caught.value.details().rstrip().splitlines()[-1] == (
        f"telnyx_client.errors.TelnyxApiError: Could not read call control application {missing}: Telnyx API GET "
        f"/call_control_applications/{missing} failed with HTTP 404: not found (it does not exist, or was deleted)"
    )
    # A later refresh of a read resource sends the outputs Read returned: gone is dropped, as for any other.
    assert host.read(missing, live, registered)[0] == ""


def test_import_adopts_an_existing_application_that_matches_with_a_get_in_check_and_one_in_create(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    existing = backend.create({**REQUIRED, "dtmf_type": "Inband", "anchorsite_override": '"Ashburn, VA"'})
    backend.clear_requests()
    program = {**REQUIRED, "dtmf_type": "Inband", "anchorsite_override": "Ashburn, VA"}

    app_id, outputs, inputs = host.deploy({**program, "import_id": existing["id"]})
    assert app_id == existing["id"] and outputs["dtmf_type"] == "Inband"
    assert methods(backend) == ["GET", "GET"]  # check, then create; no write
    assert backend.applications[app_id]["updated_at"] == existing["updated_at"]  # adopted, not changed

    without_import, _ = host.check(with_provider(program), olds=inputs)
    assert host.diff(app_id, outputs, inputs).changes == DIFF_NONE
    assert host.diff(app_id, outputs, without_import).changes == DIFF_NONE  # dropping import_ later is no change


def test_import_refuses_an_application_that_differs_in_check_and_in_create_and_changes_nothing(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    existing = backend.create({**REQUIRED, "dtmf_type": "Inband", "inbound": {"channel_limit": 4}})
    backend.clear_requests()
    checked, failures = host.check(with_provider({**REQUIRED, "import_id": existing["id"]}))
    reasons = [f.reason for f in failures]
    assert len(reasons) == 2 and {f.property for f in failures} == {"import_id"}
    assert "dtmf_type: the application has 'Inband', the program declares 'RFC 2833'" in reasons[0]
    assert "inbound.channel_limit: the application has 4, the program declares None" in reasons[1]

    with pytest.raises(grpc.RpcError) as caught:  # create checks again: the application may change after the preview
        host.create(checked)
    details = caught.value.details()
    assert "must declare what it has today" in details
    assert "dtmf_type: the application has 'Inband', the program declares 'RFC 2833'" in details
    assert "inbound.channel_limit: the application has 4, the program declares None" in details
    assert methods(backend) == ["GET", "GET"]


def test_import_of_a_missing_application_says_so_and_to_remove_the_line(host: DynamicProviderHost) -> None:
    checked, failures = host.check(with_provider({**REQUIRED, "import_id": "1293384261075731499"}))
    [failure] = failures
    assert failure.property == "import_id"
    assert "call control application 1293384261075731499 does not exist" in failure.reason
    assert "remove the `import_id` line" in failure.reason
    with pytest.raises(grpc.RpcError) as caught:
        host.create(checked)
    details = caught.value.details()
    assert "Cannot import: call control application 1293384261075731499 does not exist" in details
    assert "remove the `import_id` line" in details and "needed only for the first `up`" in details


def test_an_import_id_must_be_an_id(host: DynamicProviderHost) -> None:
    _, failures = host.check(with_provider({**REQUIRED, "import_id": "call-router"}))
    assert [f.property for f in failures] == ["import_id"]


def test_delete_then_delete_again_then_read_after_delete(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, _ = host.deploy(REQUIRED)
    host.delete(app_id, outputs)
    assert backend.applications == {}
    host.delete(app_id, outputs)  # already gone: not an error
    read_id, live, _ = host.read(app_id, outputs)
    assert read_id == "" and set(live) == {"__provider"}
    assert [(r.method, r.status) for r in backend.calls()][1:] == [("POST", 201), ("DELETE", 200), ("DELETE", 404), ("GET", 404)]


def test_invalid_input_is_rejected_by_check_property_by_property_without_any_request(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    program = {
        "application_name": "call-router",
        "webhook_event_url": "hooks.example.com",
        "webhook_timeout_secs": 25.5,
        "dtmf_type": "Pulse",
        "inbound": {"channel_limt": 5},
    }
    _, failures = host.check(with_provider(program))
    by_property = {f.property: f.reason for f in failures if f.property}
    assert set(by_property) == {"webhook_timeout_secs", "dtmf_type"}
    assert "not a whole number" in by_property["webhook_timeout_secs"]
    assert "'RFC 2833', 'Inband', 'SIP INFO'" in by_property["dtmf_type"]
    # The engine prints a named property's value and finds only top-level ones: these name their path in the reason.
    by_path = {f.reason.split(" ", 1)[0]: f.reason for f in failures if not f.property}
    assert set(by_path) == {"webhook_event_url", "inbound.channel_limt"}
    assert "does not start with http:// or https://" in by_path["webhook_event_url"]
    assert "did you mean 'channel_limit'?" in by_path["inbound.channel_limt"]
    assert backend.calls() == []


def test_unknown_values_during_preview_pass_check_and_count_as_a_change(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, _ = host.deploy(REQUIRED)
    preview = {**REQUIRED, "webhook_event_url": UNKNOWN, "inbound": {"channel_limit": UNKNOWN}}
    checked, failures = host.check(with_provider(preview))
    assert failures == []
    assert host.diff(app_id, outputs, checked).changes == DIFF_SOME
    assert methods(backend) == ["GET", "POST"]


def test_secret_inputs_arrive_wrapped_and_work(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    program = {**REQUIRED, "webhook_event_url": secret("https://hooks.example.com/private-token")}
    checked, failures = host.check(with_provider(program))
    assert failures == []
    app_id, outputs = host.create(checked)
    assert backend.applications[app_id]["webhook_event_url"] == "https://hooks.example.com/private-token"
    assert host.diff(app_id, outputs, checked).changes == DIFF_NONE


def test_create_is_a_lookup_and_a_post_and_the_other_operations_one_request_each(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    app_id, outputs, _ = host.deploy(REQUIRED)
    changed, _ = host.check(with_provider({**REQUIRED, "active": False}))
    host.diff(app_id, outputs, changed)
    outputs = host.update(app_id, outputs, changed)
    host.read(app_id, outputs, changed)
    host.delete(app_id, outputs)
    assert methods(backend) == ["GET", "POST", "PATCH", "GET", "DELETE"]


def test_concurrent_creates_through_the_host(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    programs = [{**REQUIRED, "application_name": f"app-{n}"} for n in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(lambda p: host.create(with_provider(p), name=p["application_name"]), programs))
    assert len({app_id for app_id, _ in created}) == 12
    assert sorted(a["application_name"] for a in backend.applications.values()) == sorted(p["application_name"] for p in programs)


def test_the_api_key_appears_in_no_response_and_not_in_the_serialised_provider(host: DynamicProviderHost) -> None:
    app_id, outputs, inputs = host.deploy(REQUIRED)
    _, live, read_inputs = host.read(app_id, outputs, inputs)
    updated = host.update(app_id, outputs, inputs)
    for bag in (outputs, inputs, live, read_inputs, updated):
        assert API_KEY not in repr(bag)
    assert API_KEY.encode() not in base64.b64decode(SERIALISED_PROVIDER)


def test_the_serialised_provider_is_small_and_by_reference() -> None:
    raw = base64.b64decode(SERIALISED_PROVIDER)
    assert len(SERIALISED_PROVIDER) < 400, len(SERIALISED_PROVIDER)
    assert b"provider.dynamic_provider" in raw and b"CallControlApplicationProvider" in raw
    assert b"def " not in raw and b"requests" not in raw


def test_preview_works_without_a_key_and_the_first_api_call_says_how_to_set_one(fake: FakeTelnyxServer) -> None:
    host = DynamicProviderHost()
    try:
        host.configure({"telnyx:baseUrl": fake.base_url})
        checked, failures = host.check(with_provider(REQUIRED))
        assert failures == []
        assert host.diff("1", with_provider({**REQUIRED, "active": True}), checked).changes == DIFF_NONE
        with pytest.raises(grpc.RpcError) as caught:
            host.create(checked)
        assert "No Telnyx API key is set" in caught.value.details()
        assert "telnyx:apiKey" in caught.value.details() and "TELNYX_API_KEY" in caught.value.details()
    finally:
        host.close()


def test_the_key_may_come_from_the_environment(fake: FakeTelnyxServer) -> None:
    fake.backend.reset()
    host = DynamicProviderHost(env={"TELNYX_API_KEY": API_KEY, "TELNYX_BASE_URL": fake.base_url})
    try:
        host.configure({})
        app_id, _ = host.create(with_provider(REQUIRED))
        assert app_id in fake.backend.applications
    finally:
        host.close()


def test_stack_config_wins_over_the_environment(fake: FakeTelnyxServer) -> None:
    fake.backend.reset()
    host = DynamicProviderHost(env={"TELNYX_API_KEY": "stale-env-key", "TELNYX_BASE_URL": "http://127.0.0.1:9/v2"})
    try:
        host.configure({"telnyx:apiKey": secret(API_KEY), "telnyx:baseUrl": fake.base_url})
        app_id, _ = host.create(with_provider(REQUIRED))
        assert app_id in fake.backend.applications
    finally:
        host.close()


def test_an_api_error_reaches_the_user_without_the_key(fake: FakeTelnyxServer) -> None:
    host = DynamicProviderHost()
    try:
        host.configure({"telnyx:apiKey": secret("refused-key-123456"), "telnyx:baseUrl": fake.base_url})
        with pytest.raises(grpc.RpcError) as caught:
            host.create(with_provider(REQUIRED))
        details = caught.value.details()
        assert "HTTP 401" in details and "the API key was refused" in details
        assert "refused-key-123456" not in details
    finally:
        assert "refused-key-123456" not in host.close()
