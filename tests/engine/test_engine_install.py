"""The engine the project runs: its version, the plugins beside it, and which plugin the engine picks."""

from __future__ import annotations

import subprocess
from pathlib import Path

from scripts import pulumi_env
from scripts.install_pulumi import pinned_version

from .harness import CLI, Engine

STRAY = "#!/bin/sh\necho stray plugin ran >> {marker}\nexit 1\n"


def test_the_engine_reports_the_pinned_version() -> None:
    assert CLI is not None
    printed = subprocess.run([str(CLI), "version"], env=pulumi_env.engine_environment(CLI, {}), capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == f"v{pinned_version()}"


def test_the_dynamic_provider_plugin_sits_beside_the_engine_and_is_executable() -> None:
    assert CLI is not None
    plugin = CLI.parent / "pulumi-resource-pulumi-python"
    assert plugin.is_file() and plugin.stat().st_mode & 0o100


def stray_folder(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding a `pulumi-resource-pulumi-python` that only records that it ran, and its record."""
    folder, marker = tmp_path / "stray", tmp_path / "stray-ran"
    folder.mkdir()
    (folder / "pulumi-resource-pulumi-python").write_text(STRAY.format(marker=marker))
    (folder / "pulumi-resource-pulumi-python").chmod(0o755)
    return folder, marker


def test_a_stray_plugin_earlier_on_path_than_the_engine_is_the_one_the_engine_runs(engine: Engine, tmp_path: Path) -> None:
    folder, marker = stray_folder(tmp_path)
    engine.select("dev")
    failed = engine.run("up", "--stack", "dev", "--yes", check=False, env={"PATH": f"{folder}:{engine.env['PATH']}"})
    assert failed.returncode != 0 and marker.read_text() == "stray plugin ran\n"
    assert engine.fake.backend.applications == {}


def test_with_the_engines_folder_first_on_path_a_stray_plugin_is_never_run(engine: Engine, tmp_path: Path) -> None:
    folder, marker = stray_folder(tmp_path)
    engine.select("dev")
    assert CLI is not None
    environment = pulumi_env.engine_environment(CLI, {**engine.env, "PATH": f"{folder}:{engine.env['PATH']}"})
    engine.run("up", "--stack", "dev", "--yes", env={"PATH": environment["PATH"]})
    assert not marker.exists() and len(engine.fake.backend.applications) == len(engine.declared("dev"))
