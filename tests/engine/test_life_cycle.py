"""Each stack through the life cycle Pulumi's own provider tests use (pkg/testing/integration): preview, up, a
preview and an up that must change nothing, a refresh that must change nothing, export and import, destroy."""

from __future__ import annotations

import json

import pytest

from ..support.stack_files import STACKS
from .harness import Engine


def unprotect(engine: Engine, stack: str) -> None:
    """`protect: false` in the stack's defaults and an `up`, as docs/guardrails.md says before deleting a protected stack."""
    engine.edit_config(stack, lambda config: config.setdefault("telnyx-call-control:defaults", {}).update(protect=False))
    engine.run("up", "--stack", stack, "--yes", "--refresh")


@pytest.mark.parametrize("stack", STACKS)
def test_a_stack_goes_through_the_life_cycle_with_no_change_after_up_or_refresh(engine: Engine, stack: str) -> None:
    engine.select(stack)
    declared = engine.declared(stack)

    preview = engine.run("preview", "--stack", stack, "--diff")
    assert f"+ {len(declared) + 1} to create" in preview.stdout
    assert engine.fake.backend.applications == {}  # a preview writes nothing

    engine.run("up", "--stack", stack, "--yes")
    ids = engine.outputs(stack)["application_ids"]
    assert set(ids) == set(declared) and set(ids.values()) == set(engine.fake.backend.applications)

    engine.fake.backend.clear_requests()
    engine.run("preview", "--stack", stack, "--expect-no-changes")
    engine.run("up", "--stack", stack, "--yes", "--expect-no-changes")
    assert [call.method for call in engine.fake.backend.calls()] == []  # neither reads nor writes without --refresh
    engine.run("refresh", "--stack", stack, "--yes", "--expect-no-changes")
    assert {call.method for call in engine.fake.backend.calls()} == {"GET"}

    exported = engine.run("stack", "export", "--stack", stack).stdout
    state = engine.project / "exported.json"
    state.write_text(exported)
    engine.run("stack", "import", "--stack", stack, "--file", str(state))
    assert engine.export(stack)["deployment"]["resources"] == json.loads(exported)["deployment"]["resources"]
    engine.run("preview", "--stack", stack, "--refresh", "--expect-no-changes")

    if stack == "prod":  # every prod application is protected: destroy refuses until that is lifted
        refused = engine.run("destroy", "--stack", stack, "--yes", check=False)
        assert refused.returncode != 0 and "protect" in refused.stdout + refused.stderr
        assert set(engine.fake.backend.applications) == set(ids.values())
        unprotect(engine, stack)
    engine.run("destroy", "--stack", stack, "--yes")
    assert engine.fake.backend.applications == {}
