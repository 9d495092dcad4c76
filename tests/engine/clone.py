"""A git clone of the project and the commands a user types in it: `make …` (as `python -m scripts.run_stack`, or
as real `make`), `pulumi …` as docs/getting-started.md's shell line defines it, and any shell line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from scripts.diy_backend import stack_checkpoint

from ..support.project_copy import clone_project, git
from ..support.release_server import closed_url
from ..support.stack_files import PROJECT, ROOT
from .harness import CLI


class Clone:
    """A git clone of the project whose `.venv` is this one's, and the commands a user runs in it."""

    def __init__(self, path: Path) -> None:
        assert CLI is not None
        self.path = clone_project(path)
        (self.path / ".venv").symlink_to(ROOT / ".venv")
        with (self.path / ".git" / "info" / "exclude").open("a") as exclude:
            exclude.write("/.venv\n")  # a symlink: .gitignore's `.venv/` matches folders only
        self.path_variable = f"{CLI.parent}{os.pathsep}/usr/bin{os.pathsep}/bin"

    def environment(self, env: dict[str, str] | None) -> dict[str, str]:
        """A shell with the CLI on PATH and no Telnyx key, backend or passphrase of its own; never a download or a build."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELNYX_", "PULUMI_"))}
        environment.update(PATH=self.path_variable, PULUMI_CLI_DOWNLOAD_URL=closed_url(), PULUMI_CLI_BUILD="0")
        environment.update(env or {})
        return environment

    def make(self, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`make <command>`: `python -m scripts.run_stack <command>`, not in a terminal."""
        return self._run([sys.executable, "-m", "scripts.run_stack", *command], env)

    def pulumi(self, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """A `pulumi` command typed in the project directory."""
        result = self._run([sys.executable, "-m", "scripts.pulumi_cli", *command], env)
        assert result.returncode == 0, f"`pulumi {' '.join(command)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        return result

    def _run(self, command: list[str], env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=self.path, env=self.environment(env), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=600, check=False,
        )

    def status(self) -> str:
        """`git status --porcelain --untracked-files=all`: empty when every tracked file is as committed."""
        return git(self.path, "status", "--porcelain", "--untracked-files=all")

    def checkpoint(self, stack: str, state: str = ".pulumi-state") -> Path | None:
        """The stack's checkpoint in a state folder of the clone (the project's by default)."""
        return stack_checkpoint(self.path / state, PROJECT, stack)

    def demo_applications(self, stack: str = "dev") -> dict[str, Any]:
        """The applications the demo's fake Telnyx keeps for the stack (`.fake-telnyx/<stack>.json`)."""
        return dict(json.loads((self.path / ".fake-telnyx" / f"{stack}.json").read_text())["applications"])

    def edit_demo_applications(self, change: Any, stack: str = "dev") -> None:
        """Change an application in the demo's fake account between runs, as someone in the portal would."""
        data_file = self.path / ".fake-telnyx" / f"{stack}.json"
        snapshot = json.loads(data_file.read_text())
        change(snapshot["applications"])
        data_file.write_text(json.dumps(snapshot))

    def salt(self, stack_file: str) -> str:
        """The `encryptionsalt` of a stack file of the clone."""
        return str(yaml.safe_load((self.path / stack_file).read_text())["encryptionsalt"])

    def declared(self, stack: str) -> dict[str, Any]:
        """The tracked stack file's `applications` map."""
        return dict(yaml.safe_load((self.path / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"][f"{PROJECT}:applications"])

    def shell(self, line: str) -> subprocess.CompletedProcess[str]:
        """A shell line as typed in the project directory, real `make` included (outside this test's own make)."""
        environment = {k: v for k, v in self.environment(None).items() if not k.startswith("MAKE")}
        return subprocess.run(
            ["bash", "-c", line], cwd=self.path, env=environment, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=600, check=False,
        )
