"""The real `pulumi` CLI run in a copy of the project, as a user types it, against the fake Telnyx on loopback.

The CLI is the one `make test` prepares first (`make engine`: on PATH at the pinned version or newer, else
`.pulumi-cli/`, downloaded or built from the Go modules); a test never builds it, so the 300 s per-test timeout
never meets a cold build. The program is served the way `make up` serves it (scripts/program_host.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import program_host, pulumi_env
from scripts.install_pulumi import cli_version, installed_cli, pinned_version, version_key
from telnyx_fake import FakeTelnyxServer

from ..support.stack_files import PROJECT, ROOT
from .processes import kill_the_whole_run

PASSPHRASE = "e2e passphrase: correct horse battery staple"
API_KEY = "e2e-fake-telnyx-key-93b1"
COPIED = ("Pulumi.yaml", "__main__.py", "requirements.txt")
COPIED_FOLDERS = (*program_host.PROGRAM_PACKAGES, "stacks", "policies")


def find_cli() -> Path | None:
    """The engine to test: a usable `pulumi` on PATH, else the project's own in `.pulumi-cli/`."""
    on_path = shutil.which("pulumi")
    if on_path:
        found = cli_version(Path(on_path))
        if found and version_key(found) >= version_key(pinned_version()):
            return Path(on_path)
    return installed_cli(pinned_version())


CLI = find_cli()
needs_engine = pytest.mark.skipif(
    CLI is None,
    reason="no Pulumi CLI at the pinned version: none on PATH or in .pulumi-cli/, and a test never builds one "
    "(`make engine` builds it from its Go modules where `go` is on PATH; `make test` does that first)",
)


def copy_files(destination: Path, folders: tuple[str, ...]) -> None:
    """The project's top-level files (COPIED) and `folders` copied into `destination`, without caches or environments."""
    destination.mkdir(parents=True)
    for name in COPIED:
        shutil.copy(ROOT / name, destination / name)
    for folder in folders:
        shutil.copytree(ROOT / folder, destination / folder, ignore=shutil.ignore_patterns("__pycache__", "venv"))


def copy_project(destination: Path) -> Path:
    """A copy of the project (program, provider, stacks, policy pack) whose virtual environments are this one's."""
    copy_files(destination, COPIED_FOLDERS)
    (destination / ".venv").symlink_to(ROOT / ".venv")
    (destination / "policies" / "venv").symlink_to(ROOT / ".venv")  # the dev environment holds the pack's SDK too
    return destination


class Engine:
    """One project copy, one state folder and one fake Telnyx account, driven with real `pulumi` commands."""

    def __init__(self, project: Path, state: Path, fake: FakeTelnyxServer, home: Path) -> None:
        assert CLI is not None
        self.project, self.state, self.fake = project, state, fake
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TELNYX_", "PULUMI_"))}
        base.update(
            PULUMI_BACKEND_URL=state.as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            PULUMI_HOME=str(home),
            TELNYX_API_KEY=API_KEY,
            TELNYX_BASE_URL=fake.base_url,
        )
        self.env = pulumi_env.engine_environment(CLI, base, ROOT / ".venv" / "bin" / "python")

    @contextmanager
    def program_served(self, env: dict[str, str] | None = None) -> Iterator[str]:
        """The project's program served from a process of its own (`python -m scripts.program_host`), with the
        engine's environment, the copy's `provider/` first on its path; yield the `--client` address."""
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "scripts.program_host", str(self.project / "__main__.py")],
            cwd=self.project,
            env={**self.env, **(env or {}), "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            address = server.stdout.readline().strip()
            assert address, f"the program host exited {server.wait()} before serving"
            # What the program prints goes to this pipe too: drain it, or a talkative program blocks the run.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            yield address
        finally:
            assert server.stdin is not None
            server.stdin.close()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def _program_for(self, arguments: tuple[str, ...], env: dict[str, str] | None) -> AbstractContextManager[str]:
        """The program served when the command runs it (preview, up), else nothing to serve."""
        return self.program_served(env) if program_host.runs_program(list(arguments)) else nullcontext("")

    def run(self, *arguments: str, check: bool = True, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`pulumi <arguments>` in the project; the program served when the command runs it."""
        assert CLI is not None
        with self._program_for(arguments, env) as address:
            result = subprocess.run(
                [str(CLI), *program_host.with_client(list(arguments), address)],
                cwd=self.project,
                env={**self.env, **(env or {})},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        if check and result.returncode != 0:
            raise AssertionError(f"`pulumi {' '.join(arguments)}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    @contextmanager
    def started(self, *arguments: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
        """`pulumi <arguments>` started in a process group of its own (for `os.killpg`), its output piped; the
        program is served until the block ends, and a process still running then is killed with its group."""
        assert CLI is not None
        with self._program_for(arguments, env) as address:
            process = subprocess.Popen(
                [str(CLI), *program_host.with_client(list(arguments), address)],
                cwd=self.project,
                env={**self.env, **(env or {})},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            try:
                yield process
            finally:
                if process.poll() is None:
                    kill_the_whole_run(process)  # the plugins too: each has a process group of its own
                process.communicate(timeout=60)

    def select(self, stack: str) -> None:
        """`pulumi stack select --create <stack>`."""
        self.run("stack", "select", "--create", stack)

    def export(self, stack: str) -> dict[str, Any]:
        """`pulumi stack export`: the stack's deployment."""
        return dict(json.loads(self.run("stack", "export", "--stack", stack).stdout))

    def outputs(self, stack: str) -> dict[str, Any]:
        """`pulumi stack output --json`."""
        return dict(json.loads(self.run("stack", "output", "--json", "--stack", stack).stdout))

    def stack_file(self, stack: str) -> Path:
        return self.project / "stacks" / f"Pulumi.{stack}.yaml"

    def edit_applications(self, stack: str, change: Callable[[dict[str, Any]], object]) -> None:
        """Change the stack file's `applications` map in place (the way a pull request does)."""
        self.edit_config(stack, lambda config: change(config[f"{PROJECT}:applications"]))

    def edit_config(self, stack: str, change: Callable[[dict[str, Any]], object]) -> None:
        """Change the stack file's `config:` map in place."""
        path = self.stack_file(stack)
        document = yaml.safe_load(path.read_text())
        change(document["config"])
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    def declared(self, stack: str) -> dict[str, Any]:
        """The stack file's `applications` map as it is now."""
        return dict(yaml.safe_load(self.stack_file(stack).read_text())["config"][f"{PROJECT}:applications"])

    def resources(self, stack: str) -> list[dict[str, Any]]:
        """The stack's call control applications as the state holds them."""
        deployment = self.export(stack)["deployment"]
        return [r for r in deployment.get("resources", []) if r["type"].endswith(":CallControlApplication")]

    def state_files(self) -> list[Path]:
        """Every file under the state folder: checkpoints, their backups and the history."""
        return sorted(path for path in self.state.rglob("*") if path.is_file())
