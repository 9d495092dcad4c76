"""`provider/writes.py`: minimal PATCH bodies and the reconciliation of the API's answer, against the
in-process fake in both PATCH modes, and against an API that does not keep a value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from provider import TelnyxClient, fields
from provider.writes import ALL_PATHS, ApplicationWriter, NotKeptError, create_body, flatten, patch_body, reconcile
from telnyx_fake import TelnyxBackend, mock_telnyx

from .conftest import FAST_BACKOFF

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
