"""A fixture's `Situation` (tests/support/preview_fixtures.py) made with the real CLI, and its `pulumi preview --json`.

As a user makes it: the stack file as the last `up` deployed it (a secret set with `pulumi config set --path
--secret`), `pulumi up`, applications made in the Telnyx portal, the stack file as the pull request changes it
(or a program declaring its applications in code), then the preview.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from typing import Any

import yaml

from field_model import fields

from ..support.preview_fixtures import Situation
from .harness import Engine

# A program that declares its applications in code rather than reading them from the stack file.
PROGRAM_IN_CODE = '''"""The applications declared in code."""

import json

from provider import CallControlApplication

for name, arguments in json.loads({declared!r}).items():
    CallControlApplication(name, arguments)
'''


def write_stack_file(engine: Engine, stack: str, config: Mapping[str, Any]) -> None:
    """The stack file with this `config:` map and nothing else."""
    engine.stack_file(stack).write_text(yaml.safe_dump({"config": dict(config)}, sort_keys=False))


def set_secret(engine: Engine, situation: Situation, applications: Mapping[str, Any]) -> None:
    """`pulumi config set --path --secret <path> <value>`: the value the stack file has there, encrypted in place."""
    value: Any = applications
    for part in situation.secret_path.split(".")[1:]:
        value = value[part]
    engine.run("config", "set", "--stack", situation.stack, "--path", "--secret", situation.secret_path, str(value))


def make(engine: Engine, situation: Situation) -> dict[str, str]:
    """Bring the project copy and the fake account to the situation; the application ids the fake gave."""
    stack = situation.stack
    engine.select(stack)
    ids: dict[str, str] = {}
    if situation.deployed is not None:
        write_stack_file(engine, stack, situation.stack_config(situation.deployed, {}))
        if situation.secret_path:
            set_secret(engine, situation, situation.deployed)
        engine.run("up", "--stack", stack, "--yes")
        ids.update(engine.outputs(stack)["application_ids"])
    for name, arguments in situation.adopted_arguments().items():
        ids[name] = str(engine.fake.backend.add_from_portal(api_body(arguments))["id"])
    write_stack_file(engine, stack, situation.stack_config(situation.previewed, ids))
    if situation.secret_path:
        set_secret(engine, situation, situation.previewed)
    if situation.declared_in_code is not None:
        (engine.project / "__main__.py").write_text(PROGRAM_IN_CODE.format(declared=json.dumps(situation.declared_in_code)))
    return ids


def api_body(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """An application's settings as the API takes them: every field, defaults filled in."""
    return fields.desired_state(fields.validate(arguments).properties)


def preview(engine: Engine, situation: Situation, *more: str) -> subprocess.CompletedProcess[str]:
    """`pulumi preview --stack <stack> [--refresh] --json`, as the situation runs it."""
    refresh = ("--refresh",) if situation.refresh else ()
    return engine.run("preview", "--stack", situation.stack, *refresh, "--json", *more, check=False)
