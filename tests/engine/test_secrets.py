"""Secrets through the real engine: a webhook URL carrying a token, stored with `pulumi config set --secret --path`,
and the API key, from the environment or `pulumi config set --secret telnyx:apiKey`. None of them may be readable in
any file of the state folder (checkpoints, backups, history) or in anything a command prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from .account import edit_in_portal, patched_fields, writes
from .display import APPLICATION_TYPE, block
from .harness import API_KEY, PASSPHRASE, Engine

STACK = "dev"
TOKEN = "tok-5ecd0e9b3c71"  # the credential the tests look for, not a real one
SECRET_URL = f"https://dev.hooks.example.com/telnyx/call-router?token={TOKEN}"
URL_KEY = "telnyx-call-control:applications.call-router.webhook_event_url"
NEVER_SHOWN = {"the URL's token": TOKEN, "the API key": API_KEY, "the passphrase": PASSPHRASE}


@pytest.fixture
def secret_url(engine: Engine) -> str:
    """The dev stack with call-router's webhook URL set as a secret, as docs/stack-files.md says to store one."""
    engine.select(STACK)
    engine.run("config", "set", "--secret", "--path", URL_KEY, SECRET_URL, "--stack", STACK)
    return SECRET_URL


def readable(texts: dict[str, str]) -> list[tuple[str, str]]:
    """(where, what) for each value of NEVER_SHOWN that one of `texts` holds in plain text."""
    return [(where, what) for where, text in texts.items() for what, value in NEVER_SHOWN.items() if value in text]


def state_texts(engine: Engine) -> Iterator[tuple[str, str]]:
    """(path under the state folder, text) of every file there: checkpoints, backups, history, their attributes."""
    for path in engine.state_files():
        yield str(path.relative_to(engine.state)), path.read_text(errors="replace")


def steps_by_name(preview_json: str) -> dict[str, dict[str, Any]]:
    """The application steps of `pulumi preview --json`, by logical name."""
    steps = json.loads(preview_json)["steps"]
    return {s["urn"].rsplit("::", 1)[1]: s for s in steps if s["urn"].split("::")[2] == APPLICATION_TYPE}


def test_a_secret_webhook_url_is_encrypted_in_the_stack_file(engine: Engine, secret_url: str) -> None:
    stack_file = engine.stack_file(STACK).read_text()

    assert TOKEN not in stack_file
    assert engine.declared(STACK)["call-router"]["webhook_event_url"].keys() == {"secure"}


def test_no_state_file_holds_a_secret_webhook_url_the_api_key_or_the_passphrase(engine: Engine, secret_url: str) -> None:
    engine.run("up", "--stack", STACK, "--yes")
    engine.run("refresh", "--stack", STACK, "--yes")  # a read's inputs and outputs pass through the state too
    engine.edit_applications(STACK, lambda apps: apps["call-router"].update(dtmf_type="Inband"))
    engine.run("up", "--stack", STACK, "--yes", "--refresh")

    files = dict(state_texts(engine))
    assert any("/history/" in name for name in files) and any("/backups/" in name for name in files)
    assert readable(files) == []


def test_no_command_output_holds_a_secret_webhook_url_the_api_key_or_the_passphrase(engine: Engine, secret_url: str) -> None:
    outputs: dict[str, str] = {}

    def run(label: str, *arguments: str) -> str:
        result = engine.run(*arguments)
        outputs[f"{label} (stdout)"], outputs[f"{label} (stderr)"] = result.stdout, result.stderr
        return result.stdout

    run("preview --json", "preview", "--stack", STACK, "--json")
    run("up", "up", "--stack", STACK, "--yes")
    engine.edit_applications(STACK, lambda apps: apps["call-router"].update(dtmf_type="Inband"))
    diff = run("preview --diff --refresh", "preview", "--stack", STACK, "--diff", "--refresh")
    run("up --refresh", "up", "--stack", STACK, "--yes", "--refresh")

    assert readable(outputs) == []
    assert block(diff, "call-router", "update").shows("webhook_event_url : [secret]")


def test_a_secret_webhook_url_makes_every_webhook_url_secret_and_nothing_else(engine: Engine, secret_url: str) -> None:
    preview = engine.run("preview", "--stack", STACK, "--json")

    inputs = {name: step["newState"]["inputs"] for name, step in steps_by_name(preview.stdout).items()}
    assert {name: given["webhook_event_url"] for name, given in inputs.items()} == {"call-router": "[secret]", "ivr": "[secret]"}
    assert inputs["ivr"]["dtmf_type"] == "Inband" and inputs["call-router"]["inbound"]["channel_limit"] == 2


def test_a_portal_edit_of_a_secret_webhook_url_previews_as_an_update_with_no_field_marked(engine: Engine, secret_url: str) -> None:
    # The engine masks every secret as the same "[secret]" before it compares for display (pkg/engine/events.go).
    engine.run("up", "--stack", STACK, "--yes")
    (app_id,) = [i for i, app in engine.fake.backend.applications.items() if app["application_name"] == "call-router-dev"]
    edit_in_portal(engine.fake.backend, app_id, webhook_event_url="https://dev.hooks.example.com/telnyx/elsewhere")
    engine.fake.backend.clear_requests()

    preview = engine.run("preview", "--stack", STACK, "--diff", "--refresh")
    engine.run("up", "--stack", STACK, "--yes", "--refresh")

    assert block(preview.stdout, "call-router", "update").marked() == []
    assert "~ 1 to update" in preview.stdout
    assert [patched_fields(w) for w in writes(engine.fake.backend)] == [set()]  # the URL, one of the two always sent
    assert engine.fake.backend.applications[app_id]["webhook_event_url"] == SECRET_URL


def test_an_api_key_set_with_config_secret_is_encrypted_in_the_stack_file_and_the_state(engine: Engine) -> None:
    engine.select(STACK)
    engine.run("config", "set", "--secret", "telnyx:apiKey", API_KEY, "--stack", STACK)

    engine.run("up", "--stack", STACK, "--yes", env={"TELNYX_API_KEY": ""})  # so the key in the config is the one used

    assert engine.fake.backend.applications  # the fake answers only its own key
    assert API_KEY not in engine.stack_file(STACK).read_text()
    (provider,) = [r for r in engine.export(STACK)["deployment"]["resources"] if r["type"] == "pulumi:providers:pulumi-python"]
    assert set(provider["inputs"]["telnyx:apiKey"]) >= {"ciphertext"}  # the stack config, kept as the provider's inputs
    assert readable(dict(state_texts(engine))) == []


def test_a_check_failure_on_a_webhook_url_prints_neither_the_url_nor_its_token(engine: Engine) -> None:
    engine.select(STACK)
    (engine.project / "__main__.py").write_text(
        "from provider import CallControlApplication\n\n"
        f"CallControlApplication('call-router', {{'webhook_event_url': {SECRET_URL + ' x'!r}}})\n"
    )

    preview = engine.run("preview", "--stack", STACK, "--diff", check=False)

    assert preview.returncode != 0
    assert (
        f"error: {APPLICATION_TYPE} resource 'call-router' has a problem: webhook_event_url is not a valid webhook URL: "
        "it holds whitespace, a control character or an invisible character; expected an http or https URL"
    ) in preview.stderr
    assert readable({"preview": preview.stdout + preview.stderr}) == []
