"""The main job's wiring (`make up` / `make preview` / `make destroy` run scripts/run_stack.py).

Each test runs in a fresh copy of the project, committed to its own git repository, so what a
run writes can be compared with what is tracked. The `pulumi` on PATH is tests/pulumi_stand_in.py:
it records how it was called and keeps state, stack files and secrets salts where the real CLI
does (its docstring cites the engine code each behaviour comes from). The real CLI is exercised by
the Automation API tests where it is installed. No test here reaches the internet: the CLI's
download URL always points at loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.install_pulumi import archive_name, release_platform
from scripts.run_stack import NO_KEY_PREVIEW, uses_real_api

from .project_copy import clone_project, git
from .release_server import VERSION, closed_url, serve, write_release
from .stack_files import PROJECT

STAND_IN = f"#!{sys.executable}\n" + (Path(__file__).parent / "pulumi_stand_in.py").read_text()
REAL_KEY = "real-key-not-used"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh clone of the project as it is now, committed to its own git repository."""
    return clone_project(tmp_path / "project")


class Runner:
    """Runs `python -m scripts.run_stack` (or the stand-in directly) in the project copy."""

    def __init__(self, project: Path, tmp_path: Path) -> None:
        self.project = project
        self.bin = tmp_path / "bin"
        self.log = tmp_path / "calls.jsonl"
        self.bin.mkdir()

    def install_stand_in(self) -> None:
        cli = self.bin / "pulumi"
        cli.write_text(STAND_IN)
        cli.chmod(0o755)

    def environment(self, env: dict[str, str] | None) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELNYX_", "PULUMI_"))}
        environment.update(PATH=f"{self.bin}:/usr/bin:/bin", STAND_IN_LOG=str(self.log), PULUMI_CLI_DOWNLOAD_URL=closed_url())
        environment.update(env or {})
        return environment

    def make(self, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scripts.run_stack", *command],
            cwd=self.project, env=self.environment(env), capture_output=True, text=True, timeout=60,
        )

    def pulumi(self, *command: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """A `pulumi` command typed by hand in the project directory."""
        return subprocess.run(
            ["pulumi", *command], cwd=cwd or self.project, env=self.environment(env), capture_output=True, text=True, timeout=60
        )

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []


@pytest.fixture
def runner(project: Path, tmp_path: Path) -> Runner:
    runner = Runner(project, tmp_path)
    runner.install_stand_in()
    return runner


def real(passphrase: str = "real-passphrase", **env: str) -> dict[str, str]:
    return {"TELNYX_API_KEY": REAL_KEY, "PULUMI_CONFIG_PASSPHRASE": passphrase, **env}


def test_up_without_a_key_runs_the_demo_against_the_local_fake_with_refresh(runner: Runner, project: Path) -> None:
    result = runner.make("up", "--stack", "dev")
    assert result.returncode == 0, result.stderr
    select, up = runner.calls()
    assert select["argv"] == ["stack", "select", "--create", "dev"] and select["cwd"] == str(project / ".fake-telnyx")
    demo_file = project / ".fake-telnyx" / "stacks" / "Pulumi.dev.yaml"
    assert up["argv"] == ["up", "--refresh", "--stack", "dev", "--config-file", str(demo_file), "--yes"]
    assert up["cwd"] == str(project)
    assert up["backend_url"] == (project / ".fake-telnyx" / "state").as_uri()
    assert up["base_url"].startswith("http://127.0.0.1:") and up["api_status"] == 200
    assert up["passphrase"] == ""
    assert "using the local fake Telnyx" in result.stdout


def test_the_demo_reads_the_tracked_declarations_and_keeps_its_own_salt(runner: Runner, project: Path) -> None:
    runner.make("up")
    demo_file = project / ".fake-telnyx" / "stacks" / "Pulumi.dev.yaml"
    salt = yaml.safe_load(demo_file.read_text())["encryptionsalt"]
    tracked = yaml.safe_load((project / "stacks" / "Pulumi.dev.yaml").read_text())
    tracked["config"][f"{PROJECT}:applications"]["ivr"]["dtmf_type"] = "SIP INFO"
    (project / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(tracked))
    assert runner.make("up").returncode == 0
    demo = yaml.safe_load(demo_file.read_text())
    assert demo["encryptionsalt"] == salt
    assert demo["config"] == tracked["config"]


def test_the_demo_leaves_every_tracked_file_unchanged(runner: Runner, project: Path) -> None:
    for command in (["up"], ["preview"], ["up"], ["preview", "--stack", "staging"], ["destroy"]):
        result = runner.make(*command)
        assert result.returncode == 0, result.stderr
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert "encryptionsalt" in (project / ".fake-telnyx" / "stacks" / "Pulumi.dev.yaml").read_text()
    assert (project / ".fake-telnyx" / "state" / ".pulumi" / "stacks" / PROJECT / "dev.json").exists()


def test_a_real_run_after_the_demo_uses_its_own_passphrase(runner: Runner, project: Path) -> None:
    assert runner.make("up", "--stack", "dev").returncode == 0
    result = runner.make("--yes", "up", "--stack", "dev", env=real("a-real-passphrase"))
    assert result.returncode == 0, result.stderr
    assert "incorrect passphrase" not in result.stderr
    # The real stack's salt is the one the team commits, in the tracked file; the demo's stays apart.
    real_salt = yaml.safe_load((project / "stacks" / "Pulumi.dev.yaml").read_text())["encryptionsalt"]
    demo_salt = yaml.safe_load((project / ".fake-telnyx" / "stacks" / "Pulumi.dev.yaml").read_text())["encryptionsalt"]
    assert real_salt != demo_salt


def test_the_stand_in_refuses_a_salt_made_with_another_passphrase(runner: Runner) -> None:
    # What the demo used to do: create its stack in the project with an empty passphrase, which put
    # the demo's salt into the tracked stack file, so a real run failed. The stand-in must show that.
    demo = {"PULUMI_BACKEND_URL": "file://./.fake-telnyx/state?create_dir=true", "PULUMI_CONFIG_PASSPHRASE": ""}
    assert runner.pulumi("stack", "select", "--create", "dev", env=demo).returncode == 0
    refused = runner.make("up", "--stack", "dev", env=real("a-real-passphrase"))
    assert refused.returncode != 0 and "incorrect passphrase" in refused.stderr


def test_with_a_key_it_uses_the_projects_state_refreshes_and_asks_before_changing_anything(runner: Runner, project: Path) -> None:
    result = runner.make("up", "--stack", "prod", env=real())
    assert result.returncode == 0, result.stderr
    select, up = runner.calls()
    assert select["cwd"] == up["cwd"] == str(project)
    assert up["argv"] == ["up", "--refresh", "--stack", "prod"]
    assert up["base_url"] is None and up["passphrase"] == "real-passphrase"
    assert up["backend_url"] is None  # Pulumi.yaml's backend.url decides, as for a command typed by hand
    assert up["state"] == str(project / ".pulumi-state" / ".pulumi" / "stacks" / PROJECT / "prod.json")
    assert "Pulumi state: file://./.pulumi-state" in result.stdout


def test_pulumi_commands_typed_in_the_project_use_the_state_make_up_made(runner: Runner, project: Path) -> None:
    assert runner.make("up", "--stack", "prod", env=real()).returncode == 0
    typed = runner.pulumi("config", "set", "--secret", "telnyx:apiKey", "KEY", "--stack", "prod", env={"PULUMI_CONFIG_PASSPHRASE": "real-passphrase"})
    assert typed.returncode == 0, typed.stderr
    assert runner.calls()[-1]["state"] == str(project / ".pulumi-state" / ".pulumi" / "stacks" / PROJECT / "prod.json")
    assert "secure" in yaml.safe_load((project / "stacks" / "Pulumi.prod.yaml").read_text())["config"]["telnyx:apiKey"]


def test_pulumi_backend_url_overrides_the_projects_state(runner: Runner, tmp_path: Path) -> None:
    shared = tmp_path / "shared-state"
    shared.mkdir()
    result = runner.make("up", "--stack", "prod", env=real(PULUMI_BACKEND_URL=shared.as_uri()))
    assert result.returncode == 0, result.stderr
    assert runner.calls()[-1]["state"] == str(shared / ".pulumi" / "stacks" / PROJECT / "prod.json")


def test_yes_skips_the_prompt_against_the_real_api(runner: Runner) -> None:
    runner.make("--yes", "up", "--stack", "prod", env=real())
    assert runner.calls()[-1]["argv"] == ["up", "--refresh", "--stack", "prod", "--yes"]


def test_preview_refreshes_first_when_a_key_is_available(runner: Runner) -> None:
    result = runner.make("preview", "--stack", "staging", env=real())
    assert result.returncode == 0, result.stderr
    assert runner.calls()[-1]["argv"] == ["preview", "--diff", "--refresh", "--stack", "staging"]
    assert NO_KEY_PREVIEW not in result.stdout


def test_preview_without_a_key_skips_the_refresh_and_says_so_in_one_line(runner: Runner, tmp_path: Path) -> None:
    shared = tmp_path / "shared-state"
    shared.mkdir()
    env = {"PULUMI_BACKEND_URL": shared.as_uri(), "PULUMI_CONFIG_PASSPHRASE": "real-passphrase"}
    result = runner.make("preview", "--stack", "prod", env=env)
    assert result.returncode == 0, result.stderr
    assert runner.calls()[-1]["argv"] == ["preview", "--diff", "--stack", "prod"]
    assert runner.calls()[-1]["base_url"] is None  # the real state is never previewed against the fake
    assert result.stdout.count("without --refresh") == 1 and NO_KEY_PREVIEW + "\n" in result.stdout


@pytest.mark.parametrize("command", ["up", "destroy"])
def test_changing_a_real_stack_without_a_key_is_refused_before_pulumi_runs(runner: Runner, tmp_path: Path, command: str) -> None:
    result = runner.make(command, "--stack", "prod", env={"PULUMI_BACKEND_URL": (tmp_path / "state").as_uri()})
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "needs the Telnyx API key" in result.stderr
    assert runner.calls() == []


def test_which_stacks_are_real() -> None:
    assert not uses_real_api({}, {f"{PROJECT}:applications": {}}, in_project_state=False)
    assert uses_real_api({"TELNYX_API_KEY": "k"}, {}, in_project_state=False)
    assert uses_real_api({}, {"telnyx:apiKey": {"secure": "v1:abc"}}, in_project_state=False)
    assert uses_real_api({}, {"telnyx:baseUrl": "https://api.telnyx.com/v2"}, in_project_state=False)
    assert uses_real_api({"PULUMI_BACKEND_URL": "s3://state"}, {}, in_project_state=False)  # a chosen backend holds real state
    assert uses_real_api({}, {}, in_project_state=True)  # the stack is in .pulumi-state/: made by a real run


PASSPHRASE = {"PULUMI_CONFIG_PASSPHRASE": "real-passphrase"}


def project_checkpoint(project: Path, stack: str, suffix: str = ".json") -> Path:
    return project / ".pulumi-state" / ".pulumi" / "stacks" / PROJECT / f"{stack}{suffix}"


def make_prod_real(runner: Runner, how: str) -> None:
    """Give prod state in .pulumi-state/: by an earlier `make up` with the key, or by a typed `pulumi stack init`."""
    if how == "make up with the key":
        done = runner.make("--yes", "up", "--stack", "prod", env=real())
    else:
        done = runner.pulumi("stack", "init", "prod", env=PASSPHRASE)
    assert done.returncode == 0, done.stderr
    assert project_checkpoint(runner.project, "prod").is_file()
    runner.log.unlink()


@pytest.mark.parametrize("how", ["make up with the key", "typed stack init"])
def test_preview_without_a_key_of_a_stack_in_the_projects_state_previews_that_stack_without_refresh(
    runner: Runner, project: Path, how: str
) -> None:
    make_prod_real(runner, how)
    result = runner.make("preview", "--stack", "prod", env=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    preview = runner.calls()[-1]
    assert preview["argv"] == ["preview", "--diff", "--stack", "prod"]
    assert preview["state"] == str(project_checkpoint(project, "prod"))
    assert preview["backend_url"] is None and preview["base_url"] is None  # prod's own state, never the fake
    assert result.stdout.count("without --refresh") == 1 and NO_KEY_PREVIEW + "\n" in result.stdout
    assert "local fake" not in result.stdout and not (project / ".fake-telnyx").exists()


@pytest.mark.parametrize("command", ["up", "destroy"])
def test_changing_a_stack_in_the_projects_state_without_a_key_is_refused_before_pulumi_runs(runner: Runner, command: str) -> None:
    make_prod_real(runner, "typed stack init")
    result = runner.make(command, "--stack", "prod", env=PASSPHRASE)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "needs the Telnyx API key" in result.stderr
    assert "no state in the project's backend" in result.stderr
    assert runner.calls() == []


@pytest.mark.parametrize(
    ("layout", "checkpoint"),
    [
        ({"PULUMI_DIY_BACKEND_GZIP": "true"}, Path(".pulumi", "stacks", PROJECT, "prod.json.gz")),
        ({"PULUMI_DIY_BACKEND_LEGACY_LAYOUT": "1"}, Path(".pulumi", "stacks", "prod.json")),
    ],
    ids=["gzipped", "legacy layout"],
)
def test_a_stack_saved_gzipped_or_in_the_legacy_layout_is_found_in_the_projects_state(
    runner: Runner, project: Path, layout: dict[str, str], checkpoint: Path
) -> None:
    assert runner.pulumi("stack", "init", "prod", env={**PASSPHRASE, **layout}).returncode == 0
    assert (project / ".pulumi-state" / checkpoint).is_file()
    result = runner.make("preview", "--stack", "prod", env={**PASSPHRASE, **layout})
    assert result.returncode == 0, result.stderr
    assert runner.calls()[-1]["argv"] == ["preview", "--diff", "--stack", "prod"]
    assert runner.calls()[-1]["state"] == str(project / ".pulumi-state" / checkpoint)


def test_a_stack_removed_with_stack_rm_is_the_demo_again(runner: Runner, project: Path) -> None:
    make_prod_real(runner, "typed stack init")
    assert runner.pulumi("stack", "rm", "prod", "--yes", "--preserve-config", env=PASSPHRASE).returncode == 0
    assert project_checkpoint(project, "prod", ".json.bak").is_file()  # what `stack rm` leaves: not a stack
    result = runner.make("preview", "--stack", "prod")
    assert result.returncode == 0, result.stderr
    assert runner.calls()[-1]["backend_url"] == (project / ".fake-telnyx" / "state").as_uri()


def test_only_a_stack_with_state_in_the_project_is_real_the_demo_never_makes_one(runner: Runner, project: Path) -> None:
    make_prod_real(runner, "typed stack init")
    demo_state = (project / ".fake-telnyx" / "state").as_uri()
    for command in ("up", "preview"):  # the demo's own state is apart, so its stack stays the demo
        result = runner.make(command, "--stack", "dev")
        assert result.returncode == 0, result.stderr
        assert runner.calls()[-1]["backend_url"] == demo_state and runner.calls()[-1]["api_status"] == 200
    assert not project_checkpoint(project, "dev").exists()


def test_the_demo_preview_refreshes_against_the_fake(runner: Runner, project: Path) -> None:
    runner.make("preview", "--stack", "staging")
    assert runner.calls()[-1]["argv"] == [
        "preview", "--diff", "--refresh", "--stack", "staging",
        "--config-file", str(project / ".fake-telnyx" / "stacks" / "Pulumi.staging.yaml"),
    ]


def test_an_unknown_stack_is_refused(runner: Runner) -> None:
    result = runner.make("up", "--stack", "qa")
    assert result.returncode == 2 and "stacks/Pulumi.qa.yaml" in result.stderr and runner.calls() == []
    assert "choose one of dev, prod, staging" in result.stderr


def test_without_the_cli_and_without_network_it_fails_in_one_line_naming_the_download(project: Path, tmp_path: Path) -> None:
    runner = Runner(project, tmp_path)
    result = runner.make("up")
    assert result.returncode == 127
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: the Pulumi CLI is not on PATH and downloading {archive_name(VERSION, *release_platform())} failed")
    assert f"/pulumi-{VERSION}-checksums.txt: Connection refused" in line
    assert "install it by hand" in line
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""


def test_without_the_cli_up_installs_the_pinned_release_and_uses_it(project: Path, tmp_path: Path) -> None:
    runner = Runner(project, tmp_path)
    write_release(tmp_path / "release", {"pulumi/pulumi": STAND_IN}, platform=release_platform())
    with serve(tmp_path / "release") as url:
        result = runner.make("up", env={"PULUMI_CLI_DOWNLOAD_URL": url})
    assert result.returncode == 0, result.stderr
    assert f"downloading {url}{archive_name(VERSION, *release_platform())}" in result.stderr
    installed = project / ".pulumi-cli" / f"v{VERSION}" / "bin" / "pulumi"
    assert installed.is_file()
    assert [call["argv"][0] for call in runner.calls()] == ["version", "stack", "up"]
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    # Once installed, no download is tried again.
    assert runner.make("preview", env={"PULUMI_CLI_DOWNLOAD_URL": closed_url()}).returncode == 0


def test_preview_can_write_the_engines_json_to_a_file_for_the_review(runner: Runner, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dev.json"
    result = runner.make("preview", "--stack", "dev", "--json-out", str(out))
    assert result.returncode == 0, result.stderr
    demo_file = project / ".fake-telnyx" / "stacks" / "Pulumi.dev.yaml"
    assert runner.calls()[-1]["argv"] == ["preview", "--refresh", "--stack", "dev", "--config-file", str(demo_file), "--json"]
    assert out.exists() and "Pulumi state:" in result.stdout and "Pulumi state:" not in out.read_text()


def test_a_real_preview_writes_its_json_refreshed(runner: Runner, tmp_path: Path) -> None:
    out = tmp_path / "prod.json"
    assert runner.make("preview", "--stack", "prod", "--json-out", str(out), env=real()).returncode == 0
    assert runner.calls()[-1]["argv"] == ["preview", "--refresh", "--stack", "prod", "--json"]


def test_json_out_goes_with_preview_only(runner: Runner, tmp_path: Path) -> None:
    result = runner.make("up", "--json-out", str(tmp_path / "x.json"))
    assert result.returncode == 2 and "--json-out goes with preview only" in result.stderr and runner.calls() == []
