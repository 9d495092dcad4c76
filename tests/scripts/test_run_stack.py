"""scripts/run_stack.py's own decisions, which need no Pulumi CLI: which stacks are real, and the command lines
it refuses before any `pulumi` runs (an unknown stack, `--json-out` without preview, no CLI to be had).

What the commands do with the engine (the demo, a real stack's state, refresh, the key and the passphrase, the CLI
installed when missing) is tests/engine/test_run_stack.py, on the real CLI in a git clone of the project.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.install_pulumi import archive_name, pinned_version, release_platform
from scripts.run_stack import main, uses_real_api

from ..support.project_copy import clone_project, git
from ..support.release_server import closed_url
from ..support.stack_files import PROJECT


def test_which_stacks_are_real() -> None:
    assert not uses_real_api({}, {f"{PROJECT}:applications": {}}, in_project_state=False)
    assert uses_real_api({"TELNYX_API_KEY": "k"}, {}, in_project_state=False)
    assert uses_real_api({}, {"telnyx:apiKey": {"secure": "v1:abc"}}, in_project_state=False)
    assert uses_real_api({}, {"telnyx:baseUrl": "https://api.telnyx.com/v2"}, in_project_state=False)
    assert uses_real_api({"PULUMI_BACKEND_URL": "s3://state"}, {}, in_project_state=False)  # a chosen backend holds real state
    assert uses_real_api({}, {}, in_project_state=True)  # the stack is in .pulumi-state/: made by a real run


def test_an_unknown_stack_is_refused_naming_the_stacks_there_are(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "--stack", "qa"]) == 2
    error = capsys.readouterr().err
    assert "there is no stacks/Pulumi.qa.yaml; choose one of dev, prod, staging" in error


def test_json_out_goes_with_preview_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["up", "--json-out", str(tmp_path / "x.json")])
    assert exited.value.code == 2
    assert "--json-out goes with preview only" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_without_the_cli_and_without_network_it_fails_in_one_line_naming_the_download(tmp_path: Path) -> None:
    project = clone_project(tmp_path / "project")  # a clone has no .pulumi-cli/
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELNYX_", "PULUMI_"))}
    environment.update(PATH=f"/usr/bin{os.pathsep}/bin", PULUMI_CLI_DOWNLOAD_URL=closed_url(), PULUMI_CLI_BUILD="0")
    result = subprocess.run(
        [sys.executable, "-m", "scripts.run_stack", "up"], cwd=project, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 127
    (line,) = result.stderr.strip().splitlines()
    version = pinned_version()
    assert line.startswith(f"error: no Pulumi CLI v{version}: downloading the release's {archive_name(version, *release_platform())} failed")
    assert f"/pulumi-{version}-checksums.txt: Connection refused" in line and "install it by hand" in line
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
