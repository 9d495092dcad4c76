"""What a reviewer reads in a preview is what `up` does, over the provider protocol against the fake on loopback.

An update writes only what changes (and survives an API that resets what a PATCH omits); after a
refresh the state's inputs differ from the program exactly where the live application drifted;
`import_id` never shows as a change; an adoption is checked in the preview, with one GET.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from field_model import fields
from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from ..conftest import PROTOCOL_API_KEY
from ..support.dynamic_host import DIFF_NONE, DIFF_SOME, UNKNOWN, DynamicProviderHost, secret, with_provider

REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://hooks.example.com/telnyx"}
RESET_WARNING = "This Telnyx API resets the fields a PATCH leaves out"
RESTORED_NOTE = "came back at its default after a PATCH that left it out"


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


@contextmanager
def own_host(fake: FakeTelnyxServer, *, with_key: bool = True) -> Iterator[tuple[DynamicProviderHost, list[str]]]:
    """A provider host process of its own (so what it learns stays in it); yields it and, after, its stderr."""
    host = DynamicProviderHost()
    stderr: list[str] = []
    try:
        key = {"telnyx:apiKey": secret(PROTOCOL_API_KEY)} if with_key else {}
        host.configure({**key, "telnyx:baseUrl": fake.base_url})
        yield host, stderr
    finally:
        stderr.append(host.close())


def switch_active_off_and_on(
    host: DynamicProviderHost, app_id: str, outputs: dict[str, Any], inputs: dict[str, Any], program: dict[str, Any]
) -> None:
    """Two unrelated updates (`active` off, then on again), as two `up`s would run them, ending with no diff."""
    switched_off, _ = host.check(with_provider({**program, "active": False}), olds=inputs)
    outputs = host.update(app_id, outputs, switched_off)
    switched_on, _ = host.check(with_provider(program), olds=switched_off)
    outputs = host.update(app_id, outputs, switched_on)
    assert host.diff(app_id, outputs, switched_on).changes == DIFF_NONE


def patch_bodies(backend: TelnyxBackend) -> list[Any]:
    return [r.body for r in backend.calls("PATCH")]


def ignoring(program: dict[str, Any], old_inputs: dict[str, Any], *paths: str) -> dict[str, Any]:
    """The news the engine sends Check under `ignore_changes`: each ignored path set back to its old
    input value (pulumi/pulumi pkg/resource/deploy/step_generator.go, processIgnoreChanges)."""
    news = copy.deepcopy(program)
    for path in paths:
        group, _, name = path.rpartition(".")
        source, target = (old_inputs[group], news.setdefault(group, {})) if group else (old_inputs, news)
        target[name] = source[name]
    return news


def differing_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every key whose value differs between two property bags, nested settings as `inbound.channel_limit`:
    what the engine's input-against-input display marks."""
    keys = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if isinstance(before, dict) and isinstance(after, dict) and key != "__provider":
            keys += [f"{key}.{name}" for name in differing_keys(before, after)]
        elif before != after:
            keys.append(key)
    return keys


# --- an update writes only what changes ------------------------------------------------------------


def test_an_update_patches_only_the_changed_fields_and_the_two_required_ones(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    program = {**REQUIRED, "dtmf_type": "Inband", "tags": ["ivr"], "inbound": {"channel_limit": 5, "sip_subdomain": "acme"}}
    app_id, outputs, inputs = host.deploy(program)
    backend.clear_requests()  # the create's own PATCH set the tags
    changed, _ = host.check(with_provider({**program, "active": False, "inbound": {"channel_limit": 9, "sip_subdomain": "acme"}}), olds=inputs)
    host.update(app_id, outputs, changed)
    assert patch_bodies(backend) == [{**REQUIRED, "active": False, "inbound": {"channel_limit": 9}}]
    assert backend.applications[app_id]["inbound"] == {**backend.applications[app_id]["inbound"], "channel_limit": 9, "sip_subdomain": "acme"}


def test_a_field_removed_from_the_program_is_patched_back_to_its_default(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, inputs = host.deploy({**REQUIRED, "dtmf_type": "SIP INFO", "tags": ["ivr"], "active": False})
    backend.clear_requests()  # the create's own PATCH set the tags
    removed, _ = host.check(with_provider({**REQUIRED, "active": False}), olds=inputs)
    host.update(app_id, outputs, removed)
    assert patch_bodies(backend) == [{**REQUIRED, "dtmf_type": "RFC 2833", "tags": []}]


def test_a_changed_name_is_sent_from_the_program(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, inputs = host.deploy(REQUIRED)
    renamed, _ = host.check(with_provider({**REQUIRED, "application_name": "router-2"}), olds=inputs)
    host.update(app_id, outputs, renamed)
    assert patch_bodies(backend) == [{**REQUIRED, "application_name": "router-2"}]


def test_an_ignored_field_is_never_written_from_the_program(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, inputs = host.deploy({**REQUIRED, "dtmf_type": "Inband"})
    program = {**REQUIRED, "dtmf_type": "SIP INFO", "active": False}  # the program edits an ignored field
    checked, _ = host.check(with_provider(ignoring(program, inputs, "dtmf_type")), olds=inputs)
    host.update(app_id, outputs, checked)
    [body] = patch_bodies(backend)
    assert body == {**REQUIRED, "active": False}
    assert backend.applications[app_id]["dtmf_type"] == "Inband"


def test_an_ignored_webhook_url_is_sent_back_as_the_api_last_returned_it(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, inputs = host.deploy(REQUIRED)
    backend.applications[app_id]["webhook_event_url"] = "https://portal.example.com/hooks"  # set in the portal
    _, live, read_inputs = host.read(app_id, outputs, inputs)  # --refresh
    program = {**REQUIRED, "webhook_event_url": "https://program.example.com/hooks", "active": False}
    checked, _ = host.check(with_provider(ignoring(program, read_inputs, "webhook_event_url")), olds=read_inputs)
    host.update(app_id, live, checked)
    assert patch_bodies(backend) == [{**REQUIRED, "webhook_event_url": "https://portal.example.com/hooks", "active": False}]
    assert backend.applications[app_id]["webhook_event_url"] == "https://portal.example.com/hooks"


def test_a_portal_edit_to_a_field_the_change_does_not_touch_survives_an_update_without_refresh(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    app_id, outputs, inputs = host.deploy(REQUIRED)
    backend.applications[app_id]["dtmf_type"] = "SIP INFO"  # edited in the portal; the state does not know
    changed, _ = host.check(with_provider({**REQUIRED, "active": False}), olds=inputs)
    host.update(app_id, outputs, changed)
    assert backend.applications[app_id]["dtmf_type"] == "SIP INFO" and backend.applications[app_id]["active"] is False


@pytest.mark.parametrize("mode", ["merge", "reset"])
def test_an_update_leaves_every_untouched_field_as_it_was_whatever_the_api_does_with_omitted_fields(
    fake: FakeTelnyxServer, mode: str
) -> None:
    backend = fake.backend
    backend.set_patch_mode(mode)
    program = {
        **REQUIRED,
        "dtmf_type": "Inband",
        "tags": ["ivr", "prod"],
        "webhook_timeout_secs": 20,
        "webhook_event_failover_url": "https://failover.example.com/telnyx",
        "inbound": {"channel_limit": 5, "sip_subdomain": "acme"},
        "outbound": {"outbound_voice_profile_id": "1293384261075731499"},
    }
    try:
        with own_host(fake) as (host, stderr):
            app_id, outputs, inputs = host.deploy(program)
            backend.clear_requests()  # the create's own PATCH set the tags, with the full state
            switch_active_off_and_on(host, app_id, outputs, inputs, program)
    finally:
        backend.set_patch_mode("merge")

    live = fields.live_state(backend.applications[app_id])
    assert fields.differing_paths(fields.desired_state(fields.validate(program).properties), live) == []
    bodies = patch_bodies(backend)
    if mode == "merge":
        assert bodies == [{**REQUIRED, "active": False}, {**REQUIRED, "active": True}]
        assert RESET_WARNING not in stderr[0]
    else:
        # The first PATCH lost the omitted fields; one corrective PATCH put them back with the full
        # state, and from then on every update sends the full state at once.
        full_state = {"application_name", "webhook_event_url", *fields.GROUPS, *(f.name for f in fields.top_level_fields())}
        assert len(bodies) == 3
        assert bodies[0] == {**REQUIRED, "active": False}
        assert set(bodies[1]) == set(bodies[2]) == full_state
        assert bodies[1]["active"] is False and bodies[2]["active"] is True
        assert bodies[1]["inbound"]["channel_limit"] == 5 and bodies[2]["dtmf_type"] == "Inband"
        assert stderr[0].count(RESET_WARNING) == 1
        assert "dtmf_type" in stderr[0] and "inbound.channel_limit" in stderr[0]


def test_a_portal_edit_back_to_the_default_survives_an_unrelated_update_when_the_api_kept_the_other_omitted_fields(
    fake: FakeTelnyxServer,
) -> None:
    backend = fake.backend
    program = {**REQUIRED, "dtmf_type": "Inband", "webhook_timeout_secs": 20, "inbound": {"channel_limit": 5}}
    with own_host(fake) as (host, stderr):
        app_id, outputs, inputs = host.deploy(program)
        backend.applications[app_id]["dtmf_type"] = "RFC 2833"  # back to the default in the portal; no refresh
        switched_off, _ = host.check(with_provider({**program, "active": False}), olds=inputs)
        outputs = host.update(app_id, outputs, switched_off)
        assert host.diff(app_id, outputs, switched_off).changes == DIFF_SOME  # the next preview shows the edit

    assert patch_bodies(backend) == [{**REQUIRED, "active": False}]
    assert backend.applications[app_id]["dtmf_type"] == "RFC 2833" and outputs["dtmf_type"] == "RFC 2833"
    assert backend.applications[app_id]["inbound"]["channel_limit"] == 5
    assert RESET_WARNING not in stderr[0] and RESTORED_NOTE not in stderr[0]


@pytest.mark.parametrize("mode", ["merge", "reset"])
def test_a_single_omitted_setting_back_at_its_default_is_written_back_with_a_note_and_switches_nothing_to_full_state(
    fake: FakeTelnyxServer, mode: str
) -> None:
    # One declared setting back at its default cannot tell a resetting API from a portal edit: it is
    # written back (what the program says), noted, and later updates still send only what changes.
    backend = fake.backend
    program = {**REQUIRED, "dtmf_type": "Inband"}
    backend.set_patch_mode(mode)
    try:
        with own_host(fake) as (host, stderr):
            app_id, outputs, inputs = host.deploy(program)
            if mode == "merge":
                backend.applications[app_id]["dtmf_type"] = "RFC 2833"  # back to the default in the portal
            switch_active_off_and_on(host, app_id, outputs, inputs, program)
    finally:
        backend.set_patch_mode("merge")

    live = fields.live_state(backend.applications[app_id])
    assert fields.differing_paths(fields.desired_state(fields.validate(program).properties), live) == []
    # Each update starts with only what changes; a corrective PATCH follows each one that came back reset.
    updates = [(False, True), (True, mode == "reset")]
    bodies = iter(patch_bodies(backend))
    for active, corrected in updates:
        assert next(bodies) == {**REQUIRED, "active": active}
        if corrected:
            corrective = next(bodies)
            assert corrective["dtmf_type"] == "Inband" and corrective["active"] is active
    assert next(bodies, None) is None
    assert stderr[0].count(RESTORED_NOTE) == (2 if mode == "reset" else 1)
    assert f"dtmf_type of call control application {app_id} {RESTORED_NOTE}" in stderr[0]
    assert RESET_WARNING not in stderr[0]


# --- display = plan: after a refresh the state's inputs are the live settings ---------------------


def test_after_drift_and_a_refresh_the_state_inputs_differ_from_the_program_in_the_drifted_field_only(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    program = {**REQUIRED, "dtmf_type": "Inband", "inbound": {"channel_limit": 5}}
    app_id, outputs, inputs = host.deploy(program)
    backend.applications[app_id]["inbound"]["channel_limit"] = 50  # raised in the portal

    _, live, read_inputs = host.read(app_id, outputs, inputs)  # refresh
    checked, failures = host.check(with_provider(program), olds=read_inputs)  # the unchanged program
    assert failures == []
    assert differing_keys(read_inputs, checked) == ["inbound.channel_limit"]  # what the reviewer sees
    assert host.diff(app_id, live, checked).changes == DIFF_SOME  # what up does
    host.update(app_id, live, checked)
    assert patch_bodies(backend) == [{**REQUIRED, "inbound": {"channel_limit": 5}}]


def test_without_drift_a_refresh_leaves_nothing_to_show(host: DynamicProviderHost) -> None:
    program = {**REQUIRED, "tags": ["b", "a"], "anchorsite_override": '"Chicago, IL"', "webhook_timeout_secs": 20}
    app_id, outputs, inputs = host.deploy(program)
    _, live, read_inputs = host.read(app_id, outputs, inputs)
    checked, _ = host.check(with_provider(program), olds=read_inputs)
    assert differing_keys(read_inputs, checked) == []
    assert host.diff(app_id, live, checked).changes == DIFF_NONE


# --- import_id never invents a change ------------------------------------------------------------


def adopted(host: DynamicProviderHost, backend: TelnyxBackend, program: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    existing = backend.add_from_portal(program)
    return host.deploy({**program, "import_id": existing["id"]})


def test_refresh_then_check_of_an_adopted_application_gives_equal_inputs_with_and_without_the_import_id_line(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    program = {**REQUIRED, "dtmf_type": "Inband"}
    app_id, outputs, inputs = adopted(host, backend, program)
    _, live, read_inputs = host.read(app_id, outputs, inputs)
    assert "import_id" not in read_inputs and "import_id" not in live
    backend.clear_requests()

    for declared in ({**program, "import_id": app_id}, program):
        checked, failures = host.check(with_provider(declared), olds=read_inputs)
        assert failures == []
        assert checked == read_inputs
        assert host.diff(app_id, live, checked).changes == DIFF_NONE
    assert backend.calls() == []


def test_before_a_refresh_the_line_is_kept_as_it_was_and_removing_it_is_no_change(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    program = {**REQUIRED, "dtmf_type": "Inband"}
    app_id, outputs, inputs = adopted(host, backend, program)
    backend.clear_requests()

    kept, failures = host.check(with_provider({**program, "import_id": app_id}), olds=inputs)
    assert failures == [] and kept == inputs
    removed, failures = host.check(with_provider(program), olds=inputs)
    assert failures == [] and differing_keys(inputs, removed) == ["import_id"]
    assert host.diff(app_id, outputs, removed).changes == DIFF_NONE
    assert backend.calls() == []


@pytest.mark.parametrize("history", ["adopted", "adopted then refreshed", "created then refreshed"])
def test_an_import_id_naming_another_application_than_the_one_in_state_fails_check_naming_both(
    host: DynamicProviderHost, backend: TelnyxBackend, history: str
) -> None:
    other = backend.add_from_portal({**REQUIRED, "application_name": "other"})["id"]
    if history.startswith("adopted"):
        app_id, outputs, olds = adopted(host, backend, REQUIRED)
    else:
        app_id, outputs, olds = host.deploy(REQUIRED)
    if history.endswith("refreshed"):
        olds = host.read(app_id, outputs, olds)[2]
    backend.clear_requests()

    _, failures = host.check(with_provider({**REQUIRED, "import_id": other}), olds=olds)
    [failure] = failures
    assert failure.property == "import_id"
    assert f"names call control application {other}" in failure.reason
    assert f"already manages application {app_id}" in failure.reason
    assert backend.calls() == []


def test_an_import_id_on_an_application_in_state_that_was_never_refreshed_is_dropped(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    app_id, _, inputs = host.deploy(REQUIRED)  # created, so the state holds no id yet
    backend.clear_requests()
    checked, failures = host.check(with_provider({**REQUIRED, "import_id": app_id}), olds=inputs)
    assert failures == [] and checked == inputs
    assert backend.calls("GET") == []


# --- adoption is checked in the preview ---------------------------------------------------------


def test_check_of_an_adoption_with_a_key_makes_one_get_and_names_each_mismatch(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    existing = backend.add_from_portal(
        {
            **REQUIRED,
            "dtmf_type": "Inband",
            "tags": ["legacy"],
            "webhook_event_failover_url": "https://user:hunter2@failover.example.com/telnyx",
            "outbound": {"channel_limit": 7},
        }
    )
    backend.clear_requests()
    declared = {
        **REQUIRED,
        "import_id": existing["id"],
        "tags": ["legacy"],
        "webhook_event_failover_url": "https://user:hunter3@failover.example.com/telnyx",
    }
    _, failures = host.check(with_provider(declared))
    assert [r.method for r in backend.calls()] == ["GET"]
    assert {f.property for f in failures} == {"import_id"}
    reasons = "\n".join(f.reason for f in failures)
    assert len(failures) == 3
    assert "dtmf_type: the application has 'Inband', the program declares 'RFC 2833'" in reasons
    assert "outbound.channel_limit: the application has 7, the program declares None" in reasons
    assert (
        "webhook_event_failover_url: the application has https://failover.example.com/…, the program declares "
        "https://failover.example.com/… (only scheme and host are shown)" in reasons
    )
    assert "hunter" not in reasons  # a webhook URL may carry credentials: never quoted
    assert f"call control application {existing['id']} is adopted only as it is" in reasons


def test_check_of_an_adoption_compares_only_what_is_known_during_a_preview(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    existing = backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband", "inbound": {"channel_limit": 3}})
    backend.clear_requests()
    preview = {**REQUIRED, "import_id": existing["id"], "webhook_event_url": UNKNOWN, "inbound": {"channel_limit": UNKNOWN}}
    _, failures = host.check(with_provider(preview))
    assert [f.reason.split(":")[0] for f in failures] == ["dtmf_type"]
    assert len(backend.calls()) == 1


def test_check_of_an_adoption_without_a_key_makes_no_call(fake: FakeTelnyxServer) -> None:
    existing = fake.backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband"})
    fake.backend.clear_requests()
    with own_host(fake, with_key=False) as (host, _):
        checked, failures = host.check(with_provider({**REQUIRED, "import_id": existing["id"]}))
    assert failures == [] and checked["import_id"] == existing["id"]
    assert fake.backend.calls() == []


def test_an_adoption_costs_two_gets_in_up_and_no_write(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    existing = backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband"})
    backend.clear_requests()
    host.deploy({**REQUIRED, "dtmf_type": "Inband", "import_id": existing["id"]})
    assert [r.method for r in backend.calls()] == ["GET", "GET"]


def test_no_other_check_calls_the_api(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    app_id, outputs, inputs = adopted(host, backend, REQUIRED)
    _, _, read_inputs = host.read(app_id, outputs, inputs)
    backend.clear_requests()
    host.check(with_provider(REQUIRED))  # a create without import_id
    host.check(with_provider({**REQUIRED, "active": False}), olds=inputs)  # an update
    host.check(with_provider({**REQUIRED, "import_id": app_id}), olds=inputs)  # in state, line still there
    host.check(with_provider({**REQUIRED, "import_id": app_id}), olds=read_inputs)  # the same after a refresh
    host.check(with_provider({**REQUIRED, "import_id": "not-an-id"}))  # an invalid id
    assert backend.calls() == []
