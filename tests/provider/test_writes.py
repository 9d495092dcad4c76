"""`provider/writes.py`: minimal PATCH bodies and the reconciliation of the API's answer, against the
in-process fake in both PATCH modes, and against an API that does not keep a value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from field_model import fields
from provider.writes import ALL_PATHS, ApplicationWriter, NotKeptError, create_body, flatten, patch_body, reconcile
from telnyx_client import TelnyxClient
from telnyx_fake import TelnyxBackend, mock_telnyx

from ..conftest import FAST_BACKOFF

REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://hooks.example.com/telnyx"}
DECLARED = {**REQUIRED, "dtmf_type": "Inband", "tags": ["ivr"], "inbound": {"channel_limit": 5}}


def desired(**changes: Any) -> dict[str, Any]:
    return fields.desired_state(fields.validate({**DECLARED, **changes}).properties)


@pytest.fixture
def client(backend: TelnyxBackend) -> Iterator[TelnyxClient]:
    with mock_telnyx(backend):
        yield TelnyxClient(backend.api_key, backoff_factor=FAST_BACKOFF)


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def writer(client: TelnyxClient, warnings: list[str]) -> ApplicationWriter:
    return ApplicationWriter(client, warnings.append)


def created(backend: TelnyxBackend) -> tuple[str, dict[str, Any]]:
    app = backend.add_from_portal(DECLARED)
    backend.clear_requests()
    return app["id"], fields.live_state(app)


def test_the_patch_body_is_the_changed_fields_and_the_two_required_ones() -> None:
    last_known = desired()
    assert patch_body(desired(active=False, inbound={"channel_limit": 6}), last_known) == {
        **REQUIRED,
        "active": False,
        "inbound": {"channel_limit": 6},
    }


def test_unchanged_required_fields_come_from_the_last_known_state() -> None:
    last_known = {**desired(), "webhook_event_url": "https://live.example.com/hooks"}
    body = patch_body({**desired(), "webhook_event_url": "https://live.example.com/hooks"}, last_known)
    assert body == {**REQUIRED, "webhook_event_url": "https://live.example.com/hooks"}


def test_the_create_body_carries_every_field_but_tags() -> None:
    body = create_body(desired())
    assert set(flatten(body)) == set(ALL_PATHS) - {"tags"}
    assert body["dtmf_type"] == "Inband" and body["inbound"]["channel_limit"] == 5


def test_a_create_the_api_kept_as_sent_without_tags_needs_no_patch(writer: ApplicationWriter, backend: TelnyxBackend) -> None:
    untagged = desired(tags=[])
    answer = backend.create(create_body(untagged))
    assert writer.finish_create(answer["id"], create_body(untagged), untagged, answer) == answer
    assert backend.calls("PATCH") == []


def test_the_full_state_body_carries_every_field() -> None:
    body = patch_body(desired(active=False), desired(), full_state=True)
    assert body == {**desired(), "active": False}


def test_a_merging_api_gets_one_patch_and_no_warning(
    writer: ApplicationWriter, backend: TelnyxBackend, warnings: list[str]
) -> None:
    app_id, last_known = created(backend)
    answer = writer.update(app_id, desired(active=False), last_known)
    assert answer["active"] is False and answer["dtmf_type"] == "Inband"
    assert len(backend.calls("PATCH")) == 1
    assert warnings == [] and not writer.sends_full_state


def test_a_resetting_api_gets_one_corrective_full_patch_one_warning_and_full_state_from_then_on(
    writer: ApplicationWriter, backend: TelnyxBackend, warnings: list[str]
) -> None:
    app_id, last_known = created(backend)
    backend.set_patch_mode("reset")
    answer = writer.update(app_id, desired(active=False), last_known)
    assert fields.differing_paths(desired(active=False), fields.live_state(answer)) == []
    first, corrective = (r.body for r in backend.calls("PATCH"))
    assert first == {**REQUIRED, "active": False}
    assert corrective == desired(active=False)
    assert len(warnings) == 1 and "dtmf_type, tags, inbound.channel_limit" in warnings[0]

    answer = writer.update(app_id, desired(), fields.live_state(answer))
    assert [r.body for r in backend.calls("PATCH")][2:] == [desired()]  # one PATCH, already full
    assert fields.differing_paths(desired(), fields.live_state(answer)) == []
    assert len(warnings) == 1 and writer.sends_full_state


def test_a_difference_in_an_omitted_field_that_is_not_a_default_is_someone_elses_edit_and_stays(
    writer: ApplicationWriter, backend: TelnyxBackend
) -> None:
    app_id, last_known = created(backend)
    backend.applications[app_id]["anchorsite_override"] = "Chicago, IL"  # a portal edit since the last read
    answer = writer.update(app_id, desired(active=False), last_known)
    assert answer["anchorsite_override"] == "Chicago, IL"
    assert len(backend.calls("PATCH")) == 1


def test_the_corrective_patch_keeps_someone_elses_edit_while_it_restores_reset_fields(
    writer: ApplicationWriter, backend: TelnyxBackend
) -> None:
    app_id, last_known = created(backend)
    backend.set_patch_mode("reset")
    original_update = backend.update

    def portal_edit_then_patch(target: str, body: Any) -> dict[str, Any]:
        # Someone changes the site in the portal while our first PATCH is on its way.
        answer = original_update(target, body)
        if len(backend.calls("PATCH")) == 0:
            backend.applications[target]["anchorsite_override"] = "Chicago, IL"
            answer["anchorsite_override"] = "Chicago, IL"
        return answer

    backend.update = portal_edit_then_patch  # type: ignore[method-assign]
    answer = writer.update(app_id, desired(active=False), last_known)
    assert answer["anchorsite_override"] == "Chicago, IL" and answer["dtmf_type"] == "Inband"


def test_a_portal_edit_back_to_the_default_among_omitted_fields_the_api_kept_is_left_as_it_is(
    writer: ApplicationWriter, backend: TelnyxBackend, warnings: list[str]
) -> None:
    app_id, last_known = created(backend)
    backend.applications[app_id]["dtmf_type"] = "RFC 2833"  # the default, set in the portal since the last read
    answer = writer.update(app_id, desired(active=False), last_known)
    assert answer["dtmf_type"] == "RFC 2833" and answer["inbound"]["channel_limit"] == 5
    assert [r.body for r in backend.calls("PATCH")] == [{**REQUIRED, "active": False}]
    assert warnings == [] and not writer.sends_full_state


def test_an_omitted_field_kept_at_another_value_shows_the_api_merges() -> None:
    last_known = desired()
    answer = {**desired(dtmf_type="RFC 2833", tags=[]), "inbound": {**desired()["inbound"], "channel_limit": 6}}
    found = reconcile({**REQUIRED, "active": False}, last_known, {**answer, "active": False})
    assert found.reset == [] and not found.api_resets_omitted and not found.needs_correction


def test_every_omitted_field_that_was_not_a_default_back_at_its_default_proves_a_resetting_api() -> None:
    answer = {**desired(dtmf_type="RFC 2833", tags=[]), "inbound": {**desired()["inbound"], "channel_limit": None}}
    found = reconcile(REQUIRED, desired(), answer)
    assert found.reset == ["dtmf_type", "tags", "inbound.channel_limit"] and found.api_resets_omitted


def test_a_single_omitted_field_back_at_its_default_is_written_back_with_a_note_and_no_switch_to_full_state(
    writer: ApplicationWriter, backend: TelnyxBackend, warnings: list[str]
) -> None:
    app = backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband"})
    app_id, last_known = app["id"], fields.live_state(app)
    one_setting = fields.desired_state(fields.validate({**REQUIRED, "dtmf_type": "Inband", "active": False}).properties)
    backend.applications[app_id]["dtmf_type"] = "RFC 2833"  # a portal edit, or what a resetting API would do
    backend.clear_requests()

    answer = writer.update(app_id, one_setting, last_known)
    assert answer["dtmf_type"] == "Inband" and answer["active"] is False
    first, corrective = (r.body for r in backend.calls("PATCH"))
    assert first == {**REQUIRED, "active": False} and corrective == one_setting
    [note] = warnings
    assert note.startswith(f"dtmf_type of call control application {app_id} came back at its default")
    assert ApplicationWriter.RESET_WARNING.split(":")[0] not in note
    assert not writer.sends_full_state


def test_a_resetting_api_with_one_declared_setting_costs_a_corrective_patch_per_update_and_ends_right(
    writer: ApplicationWriter, backend: TelnyxBackend, warnings: list[str]
) -> None:
    app = backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband"})
    app_id, last_known = app["id"], fields.live_state(app)
    backend.set_patch_mode("reset")
    backend.clear_requests()
    expected_bodies = []
    for active in (False, True):
        meant = fields.desired_state(fields.validate({**REQUIRED, "dtmf_type": "Inband", "active": active}).properties)
        last_known = fields.live_state(writer.update(app_id, meant, last_known))
        assert fields.differing_paths(meant, last_known) == []
        expected_bodies += [{**REQUIRED, "active": active}, meant]  # minimal, then the full state
    assert [r.body for r in backend.calls("PATCH")] == expected_bodies
    assert len(warnings) == 2 and not writer.sends_full_state


def test_a_field_sent_but_not_kept_gets_one_corrective_patch_then_fails_naming_it(
    writer: ApplicationWriter, backend: TelnyxBackend
) -> None:
    app_id, last_known = created(backend)
    original_update = backend.update

    def ignores_dtmf_type(target: str, body: Any) -> dict[str, Any]:
        return original_update(target, {k: v for k, v in body.items() if k != "dtmf_type"})

    backend.update = ignores_dtmf_type  # type: ignore[method-assign]
    with pytest.raises(NotKeptError) as caught:
        writer.update(app_id, desired(dtmf_type="SIP INFO"), last_known)
    assert "dtmf_type: sent 'SIP INFO', kept 'Inband'" in caught.value.message
    assert [len(r.body) for r in backend.calls("PATCH")] == [3, len(desired())]  # minimal, then the full state


def test_a_field_kept_on_the_second_try_is_no_failure(writer: ApplicationWriter, backend: TelnyxBackend) -> None:
    app_id, last_known = created(backend)
    original_update = backend.update
    tries: list[int] = []

    def drops_it_once(target: str, body: Any) -> dict[str, Any]:
        tries.append(1)
        return original_update(target, body if len(tries) > 1 else {k: v for k, v in body.items() if k != "active"})

    backend.update = drops_it_once  # type: ignore[method-assign]
    answer = writer.update(app_id, desired(active=False), last_known)
    assert answer["active"] is False and len(tries) == 2


def test_an_unkept_webhook_url_is_named_without_its_value() -> None:
    sent = {**REQUIRED, "webhook_event_url": "https://user:secret@hooks.example.com/new"}
    answer = {**desired(), "id": "1"}
    [item] = reconcile(sent, desired(), answer).not_kept
    assert item.path == "webhook_event_url" and "secret" not in item.describe()
