"""scripts/diy_backend.py against state the real engine wrote: the file it names is the stack's checkpoint.

The proof of "the" checkpoint: with the file diy_backend names deleted, the engine no longer has the stack (a backup
or a sidecar beside it would not do that). The path rules on their own are tests/scripts/test_diy_backend.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.diy_backend import folder, stack_checkpoint

from ..support.stack_files import PROJECT
from .harness import Engine

LAYOUTS = {
    "plain": ({}, Path(".pulumi", "stacks", PROJECT, "prod.json")),
    "gzip": ({"PULUMI_DIY_BACKEND_GZIP": "true"}, Path(".pulumi", "stacks", PROJECT, "prod.json.gz")),
    "zstd": ({"PULUMI_DIY_BACKEND_ZSTD": "true"}, Path(".pulumi", "stacks", PROJECT, "prod.json.zst")),
    # The engine opens the legacy layout only when told to ignore its deprecation.
    "legacy layout": (
        {"PULUMI_DIY_BACKEND_LEGACY_LAYOUT": "true", "PULUMI_DIY_BACKEND_IGNORE_DEPRECATION_ERROR": "true"},
        Path(".pulumi", "stacks", "prod.json"),
    ),
}


def stacks(engine: Engine, env: dict[str, str] | None = None) -> list[str]:
    """The stack names `pulumi stack ls` lists."""
    return [entry["name"] for entry in json.loads(engine.run("stack", "ls", "--json", env=env).stdout)]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_checkpoint_found_is_the_one_the_engine_keeps_the_stack_in(engine: Engine, layout: str) -> None:
    env, where = LAYOUTS[layout]
    engine.run("stack", "init", "prod", env=env)
    checkpoint = stack_checkpoint(engine.state, PROJECT, "prod")
    assert checkpoint == engine.state / where
    assert checkpoint.with_name(checkpoint.name + ".bak").is_file()  # the engine's backup beside it is not the stack
    checkpoint.unlink()
    assert stacks(engine, env) == []


def test_a_stack_the_engine_removed_is_not_found_though_its_backup_stays(engine: Engine) -> None:
    engine.run("stack", "init", "prod")
    engine.run("stack", "rm", "prod", "--yes")
    assert stack_checkpoint(engine.state, PROJECT, "prod") is None
    assert (engine.state / ".pulumi" / "stacks" / PROJECT / "prod.json.bak").is_file()


def test_a_checkpoint_after_an_up_is_found_and_holds_the_stack(engine: Engine) -> None:
    engine.select("dev")
    engine.run("up", "--stack", "dev", "--yes")
    checkpoint = stack_checkpoint(engine.state, PROJECT, "dev")
    assert checkpoint is not None
    saved = json.loads(checkpoint.read_text())["checkpoint"]["latest"]["resources"]
    assert [r["urn"] for r in saved] == [r["urn"] for r in engine.export("dev")["deployment"]["resources"]]


def test_a_relative_file_url_is_the_folder_the_engine_resolves_from_its_working_directory(engine: Engine) -> None:
    url = "file://./relative-state?create_dir=true"
    engine.run("stack", "init", "prod", env={"PULUMI_BACKEND_URL": url})
    state = folder(url, engine.project)
    assert state is not None and state.resolve() == (engine.project / "relative-state").resolve()
    assert stack_checkpoint(state, PROJECT, "prod") is not None
