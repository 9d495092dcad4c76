"""The fake Telnyx account as these tests touch it: edits made in the portal behind Pulumi's back, and what was written."""

from __future__ import annotations

from typing import Any

from field_model.fields import REQUIRED_PATHS
from telnyx_fake import RequestRecord, TelnyxBackend


def edit_in_portal(backend: TelnyxBackend, app_id: str, **changes: Any) -> None:
    """Change settings of an application as someone in the Telnyx portal would: no API request is logged."""
    app = backend.applications[app_id]
    backend.update(app_id, {"application_name": app["application_name"], "webhook_event_url": app["webhook_event_url"], **changes})


def writes(backend: TelnyxBackend) -> list[RequestRecord]:
    """Every request since the log was last cleared that could change the account (all but the reads)."""
    return [call for call in backend.calls() if call.method != "GET"]


def patched_fields(record: RequestRecord) -> set[str]:
    """The keys a PATCH carried besides the two the API requires in every PATCH (`application_name`, `webhook_event_url`)."""
    assert record.method == "PATCH" and isinstance(record.body, dict), record
    assert set(REQUIRED_PATHS) <= set(record.body), f"a PATCH without {REQUIRED_PATHS}: {record.body}"
    return set(record.body) - set(REQUIRED_PATHS)


def path_of(app_id: str) -> str:
    """The API path of one application."""
    return f"/v2/call_control_applications/{app_id}"
