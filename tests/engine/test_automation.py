"""The dev stack end to end through the Pulumi Automation API, on the harness's engine and the fake Telnyx.

The program is inline (tests/engine/automation.py): no Python language host is needed, so these run on the CLI
built from its Go modules as on a release. Up, preview, update, refresh, adoption, protection, retention, the
policy pack, secrets, and the program's own errors.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from pulumi import automation as auto

from scripts.diy_backend import stack_checkpoint

from ..support.stack_files import PROJECT
from .automation import inline_stack
from .harness import Engine


def changes(result: auto.UpResult) -> dict[str, int]:
    """The update's count of resources per operation ("create", "update", "same", …)."""
    return cast(dict[str, int], result.summary.resource_changes or {})


POLICY_PACK = "telnyx-call-control-guardrails"  # policies/__main__.py's PACK_NAME


@pytest.fixture
def stack(engine: Engine) -> auto.Stack:
    """The dev stack of the engine's project copy, driven through the Automation API."""
    return inline_stack(engine, "dev")


def test_up_creates_everything_then_preview_reports_no_changes(stack: auto.Stack, engine: Engine) -> None:
    result = stack.up()
    expected = set(engine.declared("dev"))
    assert changes(result).get("create") == len(expected) + 1  # + the stack itself
    ids = result.outputs["application_ids"].value
    assert set(ids) == expected and set(ids.values()) == set(engine.fake.backend.applications)

    engine.fake.backend.clear_requests()
    preview = stack.preview()
    assert set(preview.change_summary) == {"same"}
    assert engine.fake.backend.calls() == []


def test_a_changed_stack_file_updates_in_place(stack: auto.Stack, engine: Engine) -> None:
    ids = stack.up().outputs["application_ids"].value
    engine.edit_applications("dev", lambda apps: apps["ivr"].update(dtmf_type="SIP INFO"))
    result = stack.up()
    assert changes(result).get("update") == 1
    assert result.outputs["application_ids"].value == ids
    assert engine.fake.backend.applications[ids["ivr"]]["dtmf_type"] == "SIP INFO"


def test_drift_is_found_by_refresh_and_put_back_by_up(stack: auto.Stack, engine: Engine) -> None:
    ids = stack.up().outputs["application_ids"].value
    engine.fake.backend.applications[ids["call-router"]]["active"] = False
    stack.refresh()
    result = stack.up()
    assert changes(result).get("update") == 1
    assert engine.fake.backend.applications[ids["call-router"]]["active"] is True


def test_an_existing_application_is_adopted_with_import(stack: auto.Stack, engine: Engine) -> None:
    stack.up()  # the dev stack's own applications
    # An application made by hand earlier, with what the dev stack's defaults ask for.
    existing = engine.fake.backend.add_from_portal(
        {
            "application_name": "legacy-dev",
            "webhook_event_url": "https://legacy.example.com/hooks",
            "dtmf_type": "Inband",
            "webhook_api_version": "2",
            "webhook_timeout_secs": 10,
            "tags": ["dev", "managed-by-pulumi"],
        }
    )
    declaration = {"import_id": existing["id"], "webhook_event_url": "https://legacy.example.com/hooks", "dtmf_type": "Inband"}
    engine.edit_applications("dev", lambda apps: apps.update(legacy=declaration))
    before = engine.fake.backend.applications[existing["id"]]["updated_at"]
    result = stack.up()
    # Adopted at create (the engine's own import cannot reach a dynamic provider): one GET, no change.
    assert changes(result).get("create") == 1
    assert result.outputs["application_ids"].value["legacy"] == existing["id"]
    assert len(engine.fake.backend.applications) == len(engine.declared("dev"))
    assert engine.fake.backend.applications[existing["id"]]["updated_at"] == before
    assert set(stack.preview().change_summary) == {"same"}


def test_destroy_leaves_the_fake_empty(stack: auto.Stack, engine: Engine) -> None:
    stack.up()
    assert engine.fake.backend.applications
    stack.destroy()
    assert engine.fake.backend.applications == {}


def test_a_protected_application_is_deleted_only_after_it_is_unprotected(stack: auto.Stack, engine: Engine) -> None:
    engine.edit_applications("dev", lambda apps: apps["ivr"].update(protect=True))
    ivr = stack.up().outputs["application_ids"].value["ivr"]
    removed: dict[str, Any] = {}
    engine.edit_applications("dev", lambda apps: removed.update(apps.pop("ivr")))
    with pytest.raises(auto.CommandError, match="protect"):
        stack.up()
    assert ivr in engine.fake.backend.applications
    # On purpose, as docs/guardrails.md says: `protect: false` and an `up` (no API call), then remove it.
    engine.edit_applications("dev", lambda apps: apps.update(ivr={**removed, "protect": False}))
    engine.fake.backend.clear_requests()
    stack.up()
    assert [call for call in engine.fake.backend.calls() if call.method != "GET"] == []
    engine.edit_applications("dev", lambda apps: apps.pop("ivr"))
    stack.up()
    assert ivr not in engine.fake.backend.applications


def test_retain_on_delete_keeps_the_application_in_telnyx(stack: auto.Stack, engine: Engine) -> None:
    engine.edit_applications("dev", lambda apps: apps["ivr"].update(retain_on_delete=True))
    ivr = stack.up().outputs["application_ids"].value["ivr"]
    engine.edit_applications("dev", lambda apps: apps.pop("ivr"))
    result = stack.up()
    assert changes(result).get("delete") == 1
    assert ivr in engine.fake.backend.applications


def test_the_policy_pack_passes_the_dev_stack(stack: auto.Stack, engine: Engine) -> None:
    preview = stack.preview(policy_packs=[str(engine.project / "policies")])
    assert f"✅ {POLICY_PACK}@" in preview.stdout  # the engine ran the pack, and every policy passed


def test_the_policy_pack_stops_a_plain_http_webhook(stack: auto.Stack, engine: Engine) -> None:
    engine.edit_applications("dev", lambda apps: apps["ivr"].update(webhook_event_url="http://dev.hooks.example.com/telnyx/ivr"))
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(policy_packs=[str(engine.project / "policies")])
    assert "webhook-urls-use-https" in str(caught.value)
    assert "application 'ivr': webhook_event_url must be an https URL" in str(caught.value)


SECRET_URL = "https://dev.hooks.example.com/telnyx/call-router?token=e2e-s3cr3t-t0ken"
SECRET_KEY = f"{PROJECT}:applications.call-router.webhook_event_url"


def test_a_webhook_url_stored_as_a_secret_reaches_telnyx_but_is_encrypted_in_state(stack: auto.Stack, engine: Engine) -> None:
    # As docs/stack-files.md says: `pulumi config set --path --secret 'telnyx-call-control:applications.call-router.webhook_event_url' …`
    stack.set_config(SECRET_KEY, auto.ConfigValue(SECRET_URL, secret=True), path=True)
    ids = stack.up().outputs["application_ids"].value
    assert engine.fake.backend.applications[ids["call-router"]]["webhook_event_url"] == SECRET_URL
    # The checkpoint the engine wrote (the Automation API's export_stack decrypts: it passes --show-secrets).
    checkpoint = stack_checkpoint(engine.state, PROJECT, "dev")
    assert checkpoint is not None
    state = checkpoint.read_text()
    assert "e2e-s3cr3t-t0ken" not in state
    assert "call-router-dev" in state  # names stay plain


def test_a_changed_secret_webhook_url_is_masked_in_the_preview(stack: auto.Stack) -> None:
    stack.set_config(SECRET_KEY, auto.ConfigValue(SECRET_URL, secret=True), path=True)
    stack.up()
    stack.set_config(SECRET_KEY, auto.ConfigValue(SECRET_URL + "2", secret=True), path=True)
    preview = stack.preview(diff=True)
    assert "e2e-s3cr3t-t0ken" not in preview.stdout and "[secret]" in preview.stdout


def test_a_bad_webhook_url_fails_the_preview_without_printing_it(stack: auto.Stack, engine: Engine) -> None:
    engine.edit_applications("dev", lambda apps: apps["ivr"].update(webhook_event_url="https://dev.hooks.example.com:0/?token=e2e-s3cr3t-t0ken"))
    with pytest.raises(auto.CommandError) as caught:
        stack.preview()
    # The stack-file loader refuses it by the field model's rule, before the provider's check would.
    assert "key 'webhook_event_url' is not a valid webhook URL: its port is not a number from 1 to 65535" in str(caught.value)
    assert "e2e-s3cr3t-t0ken" not in str(caught.value)


def test_applications_written_as_a_string_fail_without_a_traceback(stack: auto.Stack, engine: Engine) -> None:
    engine.edit_config("dev", lambda config: config.update({f"{PROJECT}:applications": "oops"}))
    with pytest.raises(auto.CommandError) as caught:
        stack.preview()
    assert f"stack 'dev': key '{PROJECT}:applications' must be a map of logical names to arguments" in str(caught.value)
    assert "Traceback" not in str(caught.value)
