"""The on-ramp through the real engine: `python -m scripts.adopt` writes the account's undeclared applications into
the stack file, then `pulumi preview` shows one adoption per entry, `pulumi up` writes nothing to Telnyx, and
nothing changes afterwards. The command's own choices are tests/scripts/test_adopt.py's, at the provider boundary."""

from __future__ import annotations

import pytest

from scripts.adopt import main
from telnyx_fake import FakeTelnyxServer

from .harness import API_KEY, Engine

STACK = "dev"
HAND_MADE = {
    "billing-dev": {"webhook_event_url": "https://hooks.example.com/telnyx/billing"},
    "Support Line": {
        "webhook_event_url": "https://hooks.example.com/telnyx/support",
        "anchorsite_override": '"Chicago, IL"',
        "inbound": {"channel_limit": 5},
        "tags": ["support"],
    },
}


def test_after_adopt_preview_shows_one_adoption_per_entry_up_writes_nothing_and_then_nothing_changes(
    engine: Engine, fake: FakeTelnyxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.select(STACK)
    engine.run("up", "--stack", STACK, "--yes")  # the dev stack's own applications
    for name, settings in HAND_MADE.items():
        fake.backend.add_from_portal({"application_name": name, **settings})
    monkeypatch.setenv("TELNYX_API_KEY", API_KEY)
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    assert main(["--stack", STACK, "--stack-file", str(engine.stack_file(STACK))]) == 0

    preview = engine.run("preview", "--stack", STACK)
    assert f"+ {len(HAND_MADE)} to create" in preview.stdout
    assert "to update" not in preview.stdout and "to delete" not in preview.stdout

    before = {app_id: dict(app) for app_id, app in fake.backend.applications.items()}
    fake.backend.clear_requests()
    up = engine.run("up", "--stack", STACK, "--yes")
    assert f"+ {len(HAND_MADE)} created" in up.stdout
    assert {call.method for call in fake.backend.calls()} <= {"GET"}
    assert fake.backend.applications == before

    engine.run("preview", "--stack", STACK, "--expect-no-changes")
