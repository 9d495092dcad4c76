"""What the engine's `pulumi preview --json` holds for this project, statement by statement.

The committed fixtures are held to the engine's JSON as a whole (test_preview_fixtures.py); these are the
statements the review (scripts/review_comment/) and its fixtures rest on, each tried on its own.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts.review_comment.preview_json import SECRET, UNKNOWN

from .harness import Engine

PROVIDER_TYPE = "::pulumi:providers:pulumi-python::"


def preview_json(engine: Engine, stack: str, *flags: str) -> dict[str, Any]:
    result = engine.run("preview", "--stack", stack, *flags, "--json", check=False)
    return dict(json.loads(result.stdout))


def step(digest: dict[str, Any], op: str, name: str) -> dict[str, Any]:
    (found,) = [s for s in digest["steps"] if s["op"] == op and s["urn"].endswith(f"::{name}")]
    return dict(found)


def test_the_default_provider_has_no_step_and_no_count_even_when_the_stack_config_changes(engine: Engine) -> None:
    engine.select("staging")
    engine.run("up", "--stack", "staging", "--yes")
    engine.edit_applications("staging", lambda apps: apps["ivr"].update(dtmf_type="SIP INFO"))
    digest = preview_json(engine, "staging", "--refresh")
    assert not any(PROVIDER_TYPE in s["urn"] for s in digest["steps"])
    assert digest["changeSummary"] == {"same": 2, "update": 1}  # the root stack and call-router; ivr


def test_a_first_preview_names_the_default_provider_by_an_unknown_id(engine: Engine) -> None:
    engine.select("dev")
    create = step(preview_json(engine, "dev"), "create", "ivr")
    assert create["provider"].endswith(f"{PROVIDER_TYPE}default::{UNKNOWN}")
    assert "id" not in create["newState"] and "outputs" not in create["newState"]


def test_a_refresh_step_holds_the_state_from_before_the_refresh_and_the_update_the_refreshed_one(engine: Engine) -> None:
    engine.select("staging")
    engine.run("up", "--stack", "staging", "--yes")
    ids = engine.outputs("staging")["application_ids"]
    engine.fake.backend.update(ids["ivr"], {"application_name": "ivr-staging", "webhook_event_url": "https://staging.hooks.example.com/telnyx/ivr", "inbound": {"channel_limit": 3}})
    digest = preview_json(engine, "staging", "--refresh")
    refresh, update = step(digest, "refresh", "ivr"), step(digest, "update", "ivr")
    assert refresh["oldState"] == refresh["newState"] and refresh["oldState"]["outputs"]["inbound"]["channel_limit"] == 10
    assert update["oldState"]["outputs"]["inbound"]["channel_limit"] == 3 and update["oldState"]["inputs"]["__application_id"] == ids["ivr"]
    assert update["detailedDiff"] is None and "diffReasons" not in update


@pytest.mark.parametrize("show_secrets", [False, True], ids=["default", "show-secrets"])
def test_a_secret_is_written_as_secret_in_every_state_even_with_show_secrets(engine: Engine, show_secrets: bool) -> None:
    engine.select("dev")
    url = "https://dev.hooks.example.com/telnyx/ivr"
    engine.run("config", "set", "--stack", "dev", "--path", "--secret", "applications.ivr.webhook_event_url", url)
    engine.run("up", "--stack", "dev", "--yes")
    engine.edit_applications("dev", lambda apps: apps["ivr"].update(dtmf_type="SIP INFO"))
    digest = preview_json(engine, "dev", *(["--show-secrets"] if show_secrets else []))
    update = step(digest, "update", "ivr")
    assert update["oldState"]["outputs"]["webhook_event_url"] == update["newState"]["inputs"]["webhook_event_url"] == SECRET
    assert url not in json.dumps(digest)  # the config's JSON text too: `"webhook_event_url":"[secret]"`
