"""The review of a real `pulumi preview --refresh --json`: the engine's own output, not a fixture.

Needs the Pulumi CLI, like tests/test_e2e_automation.py (whose fixtures it uses), and skips without it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts.review_comment.changes import stack_changes
from scripts.review_comment.comment import render_comment
from scripts.review_comment.preview_json import parse_preview
from telnyx_fake import FakeTelnyxServer

from .test_e2e_automation import CLI, edit_dev_stack, fake, project, stack  # noqa: F401 - pytest fixtures

pytestmark = pytest.mark.skipif(
    CLI is None,
    reason="the Pulumi CLI is not installed on this machine (no package registry carries it, and its release "
    "site is out of reach); this end-to-end test runs wherever `pulumi` is on PATH or `make up` installed it",
)


def test_the_review_of_a_real_preview_lists_exactly_the_changed_settings(stack: Any, project: Path, fake: FakeTelnyxServer) -> None:  # noqa: F811
    stack.up()

    def change(apps: dict[str, Any]) -> None:
        apps["ivr"]["dtmf_type"] = "SIP INFO"
        apps["call-router"]["inbound"]["channel_limit"] = 1

    edit_dev_stack(project, change)
    assert CLI is not None
    env = {**os.environ, **stack.workspace.env_vars, "PATH": f"{CLI.parent}{os.pathsep}{os.environ['PATH']}"}  # its plugins sit beside it
    result = subprocess.run(
        [str(CLI), "preview", "--stack", "dev", "--refresh", "--json"], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    changes = stack_changes(parse_preview(json.loads(result.stdout), "dev.json"))
    settings = {(c.operation, c.logical_name, s.path, s.old, s.new) for c in changes.applications for s in c.settings}
    assert settings == {("update", "ivr", "dtmf_type", "Inband", "SIP INFO"), ("update", "call-router", "inbound.channel_limit", 2, 1)}
    assert changes.unchanged == 0
    assert "`inbound.channel_limit` `2` → `1` **is lowered**" in render_comment([changes])
