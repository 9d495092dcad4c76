"""The layers' import contracts (pyproject.toml, `lint-imports` in `make lint`) hold, and break on a violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from .support.stack_files import ROOT

IMPORT_LINTER = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES = IMPORT_LINTER["root_packages"]
CONTRACTS = [contract["name"] for contract in IMPORT_LINTER["contracts"]]


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--config", "pyproject.toml", "--no-cache"],
        cwd=project, env={**os.environ, "PYTHONPATH": str(project)}, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The packages the contracts name and pyproject.toml, copied."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    return tmp_path


def test_the_contracts_hold(project: Path) -> None:
    result = lint_imports(project)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("telnyx_client/pacing.py", "import pulumi", "know nothing of Pulumi"),
        ("field_model/fields.py", "from provider import wire", "Commands over the program's pieces"),
        ("provider/wire.py", "from scripts import review", "Commands over the program's pieces"),
        ("telnyx_fake/api.py", "from field_model import fields", "imports none of ours"),
        ("provider/writes.py", "import telnyx_fake", "never reaches for the fake"),
    ],
)
def test_a_layer_violation_breaks_its_contract(project: Path, module: str, line: str, broken: str) -> None:
    path = project / module
    path.write_text(f"{path.read_text()}\n{line}  # noqa\n")
    result = lint_imports(project)
    assert result.returncode != 0
    report = " ".join(result.stdout.split())
    (name,) = [name for name in CONTRACTS if broken in name]
    assert f"{name} BROKEN" in report
