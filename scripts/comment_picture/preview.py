"""The review comment of a real preview of a small change, made in a scratch copy of the project.

The copy is the project as it is now (tracked files and new ones git does not ignore) with this one's `.venv/` and
Pulumi CLI linked in, so nothing of the project is touched: not `stacks/`, not the demo's `.fake-telnyx/`. In it, each
stack is deployed (`make up`), its stack file changed as `CHANGE` says, and previewed as `make review` does
(`scripts.run_stack preview --json-out`); the comment is what `python -m scripts.review` prints of the previews.

It never reaches a real account: the copy's commands run without any Telnyx or Pulumi variable (no key, backend or
passphrase) and its stack files without `telnyx:apiKey` or `telnyx:baseUrl`, so each is the demo against a fake
Telnyx on loopback (scripts/run_stack.py), with its state inside the copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from stack_files.loader import APPLICATIONS_KEY, DEFAULTS_KEY

from ..project_files import copy_project_files
from . import progress

ROOT = Path(__file__).resolve().parents[2]
CHANGE = "every DTMF type Inband becomes SIP INFO (the README tour's change) and every channel limit is halved"
# What would point the copy's stacks at a real account; the previews are the demo's.
REAL_ACCOUNT_CONFIG = ("telnyx:apiKey", "telnyx:baseUrl")
# Shared with the copy, not copied: the environment the commands run in, and the pinned CLI (`make engine`).
LINKED = (".venv", ".pulumi-cli")
TIMEOUT_SECONDS = 600


def review_comment(stacks: Sequence[str], scratch: Path) -> str:
    """The comment `make review` would print for `stacks` after the change, each deployed before it; made in `scratch`."""
    progress(f"in a scratch copy of the project, each stack deployed to a fake Telnyx, then this change previewed: {CHANGE}")
    copy = project_copy(scratch / "project")
    env = demo_environment(os.environ)
    previews = []
    for stack in stacks:
        progress(f"{stack}: make up, the change, make review's preview (a few seconds)")
        _run(copy, env, "scripts.run_stack", "up", "--stack", stack, "--yes")
        edit_config(copy / "stacks" / f"Pulumi.{stack}.yaml", make_change)
        previews.append(scratch / f"{stack}.json")
        _run(copy, env, "scripts.run_stack", "preview", "--stack", stack, "--json-out", str(previews[-1]))
    return _run(copy, env, "scripts.review", *map(str, previews))


def project_copy(copy: Path) -> Path:
    """The project as it is now, in `copy`, its `.venv/` and CLI linked, its stack files the demo's only; `copy`."""
    copy_project_files(ROOT, copy)
    for name in LINKED:
        if (ROOT / name).exists():
            (copy / name).symlink_to(ROOT / name)
    for stack_file in (copy / "stacks").glob("Pulumi.*.yaml"):
        edit_config(stack_file, demo_only)
    return copy


def demo_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less every Telnyx and Pulumi variable: no key, no backend, no passphrase, so a stack runs the demo."""
    return {name: value for name, value in environ.items() if not name.startswith(("TELNYX_", "PULUMI_"))}


def demo_only(config: dict[str, Any]) -> None:
    """A stack's config without what would point it at a real account."""
    for key in REAL_ACCOUNT_CONFIG:
        config.pop(key, None)


def make_change(config: dict[str, Any]) -> None:
    """`CHANGE`, made to the stack's defaults and to each application it declares."""
    declared = config.get(APPLICATIONS_KEY)
    for settings in [config.get(DEFAULTS_KEY), *(declared.values() if isinstance(declared, dict) else [])]:
        if not isinstance(settings, dict):
            continue
        if settings.get("dtmf_type") == "Inband":
            settings["dtmf_type"] = "SIP INFO"
        for direction in ("inbound", "outbound"):
            limits = settings.get(direction)
            if isinstance(limits, dict) and isinstance(limits.get("channel_limit"), int) and limits["channel_limit"] > 1:
                limits["channel_limit"] //= 2


def edit_config(stack_file: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite `stack_file` with its `config:` map edited in place by `edit` (comments are not kept: it is a copy)."""
    document = yaml.safe_load(stack_file.read_text()) or {}
    edit(document.setdefault("config", {}))
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def _run(copy: Path, env: dict[str, str], module: str, *arguments: str) -> str:
    """`python -m module arguments` in the copy; what it printed on stdout. A failure stops here, its output shown."""
    command = [sys.executable, "-m", module, *arguments]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"error: a step in the scratch copy exited {result.returncode} (its output is above); no picture was made")
    return result.stdout
