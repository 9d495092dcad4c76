"""`pulumi preview --policy-pack policies` with the real engine, on the prod stack.

The engine runs the pack through `pulumi-analyzer-policy-python` (a build from the Go modules has no Python
language host); the pack is the project's own (policies/, rules in policies/rules.py). What the engine prints, in
its text display:

    Policies:
        ❌ telnyx-call-control-guardrails@v0.0.1 (local: <project>/policies, a long path's middle as `...`)
            - [mandatory]  prod-failover-on-another-host  (pulumi-python:dynamic/telnyx:CallControlApplication: ivr)
              In a production stack, every application has a webhook failover URL on another host than its primary URL.
              application 'ivr': webhook_event_failover_url is not set; in stack 'prod' every application needs …

and, under Diagnostics, `error: preview failed`. A passing pack is `✅ telnyx-call-control-guardrails@v0.0.1`, one
with only advisory results `⚠️`. `preview --json` holds none of it: its only trace is that error.
"""

from __future__ import annotations

import json
import re
import subprocess

from .harness import Engine

PACK = "telnyx-call-control-guardrails@v0.0.1"
APPLICATION_TYPE = "pulumi-python:dynamic/telnyx:CallControlApplication"
FAILOVER_MESSAGE = (
    "application 'ivr': webhook_event_failover_url is not set; in stack 'prod' every application needs a failover URL "
    "on another host than webhook_event_url"
)


def preview_with_pack(engine: Engine, *flags: str) -> subprocess.CompletedProcess[str]:
    """`pulumi preview --stack prod --policy-pack policies`, in the project copy."""
    return engine.run("preview", "--stack", "prod", *flags, "--policy-pack", str(engine.project / "policies"), check=False)


def without_failover(engine: Engine) -> None:
    """The prod stack file with ivr's failover URL removed: a mandatory violation."""
    engine.select("prod")
    engine.edit_applications("prod", lambda apps: apps["ivr"].pop("webhook_event_failover_url"))


def test_a_mandatory_violation_in_prod_fails_the_preview(engine: Engine) -> None:
    without_failover(engine)
    assert preview_with_pack(engine).returncode != 0


def test_a_mandatory_violation_is_printed_under_policies_with_its_level_rule_resource_description_and_message(engine: Engine) -> None:
    without_failover(engine)
    out = preview_with_pack(engine).stdout
    policies = out[out.index("Policies:\n") :]
    assert re.match(rf"Policies:\n    ❌ {PACK} \(local: [^\n]*/policies\)\n", policies)  # the engine may elide the path's middle
    assert (
        f"        - [mandatory]  prod-failover-on-another-host  ({APPLICATION_TYPE}: ivr)\n"
        "          In a production stack, every application has a webhook failover URL on another host than its primary URL.\n"
        f"          {FAILOVER_MESSAGE}\n"
    ) in policies
    assert "    error: preview failed\n" in out[out.index("Diagnostics:") :]


def test_a_good_prod_stack_passes_the_policy_pack(engine: Engine) -> None:
    engine.select("prod")
    result = preview_with_pack(engine)
    assert result.returncode == 0, result.stdout
    assert re.search(rf"Policies:\n    ✅ {PACK} \(local: [^\n]*/policies\)\n", result.stdout)
    assert "[mandatory]" not in result.stdout and "[advisory]" not in result.stdout


def test_an_advisory_violation_is_printed_and_the_preview_passes(engine: Engine) -> None:
    engine.select("prod")
    engine.edit_applications("prod", lambda apps: apps["ivr"].pop("inbound"))
    result = preview_with_pack(engine)
    assert result.returncode == 0, result.stdout
    assert f"    ⚠️ {PACK}" in result.stdout
    assert f"        - [advisory]  prod-channel-limits  ({APPLICATION_TYPE}: ivr)\n" in result.stdout


def test_preview_json_holds_no_policy_result_only_the_engines_preview_failed(engine: Engine) -> None:
    without_failover(engine)
    result = preview_with_pack(engine, "--json")
    digest = json.loads(result.stdout)
    assert result.returncode != 0
    assert [d["message"] for d in digest["diagnostics"] if d["severity"] == "error"] == ["error: preview failed\n"]
    assert "prod-failover-on-another-host" not in result.stdout and "mandatory" not in result.stdout


def test_up_with_a_mandatory_violation_stops_before_any_telnyx_call(engine: Engine) -> None:
    without_failover(engine)
    result = engine.run("up", "--stack", "prod", "--yes", "--policy-pack", str(engine.project / "policies"), check=False)
    assert result.returncode != 0 and "[mandatory]  prod-failover-on-another-host" in result.stdout
    assert engine.fake.backend.applications == {} and engine.fake.backend.calls("POST") == []
