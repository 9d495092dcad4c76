"""The on-ramp with the real engine (Automation API): adopt, preview, up, preview.

Skipped, with the reason, where the Pulumi CLI is not installed (as every engine test is);
the same path is proven at the provider boundary in `test_adopt.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.adopt import main
from telnyx_fake import FakeTelnyxServer

# The engine fixtures, and the same skip for the same reason.
from .test_e2e_automation import API_KEY, fake, project, pytestmark, stack  # noqa: F401

HAND_MADE = {
    "billing-dev": {"webhook_event_url": "https://hooks.example.com/telnyx/billing"},
    "Support Line": {"webhook_event_url": "https://hooks.example.com/telnyx/support", "anchorsite_override": '"Chicago, IL"',
                     "inbound": {"channel_limit": 5}, "tags": ["support"]},
}


def test_after_adopt_preview_shows_one_adoption_per_entry_up_writes_nothing_and_then_nothing_changes(
    stack: Any, project: Path, fake: FakeTelnyxServer, monkeypatch: pytest.MonkeyPatch  # noqa: F811 - fixtures
) -> None:
    stack.up()  # the dev stack's own applications
    for name, settings in HAND_MADE.items():
        fake.backend.add_from_portal({"application_name": name, **settings})
    monkeypatch.setenv("TELNYX_API_KEY", API_KEY)
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    assert main(["--stack", "dev", "--stack-file", str(project / "stacks" / "Pulumi.dev.yaml")]) == 0

    preview = stack.preview()
    assert preview.change_summary.get("create") == len(HAND_MADE)
    assert set(preview.change_summary) == {"create", "same"}

    before = {app_id: dict(app) for app_id, app in fake.backend.applications.items()}
    fake.backend.clear_requests()
    result = stack.up()
    assert result.summary.resource_changes.get("create") == len(HAND_MADE)
    assert {call.method for call in fake.backend.calls()} <= {"GET"}
    assert fake.backend.applications == before

    assert set(stack.preview().change_summary) == {"same"}
