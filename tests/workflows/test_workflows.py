"""The GitHub Actions workflows: valid against GitHub's schemas, wired as docs/pipelines.md says, and their shell steps work.

Validation uses check-jsonschema's built-in `vendor.github-workflows` / `vendor.github-actions`
schemas (shipped inside the package: no network). The steps' shell scripts run here as the runner
runs them (`bash --noprofile --norc -eo pipefail`), with stand-ins for `pulumi` and `gh` on PATH.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.program_host import PROGRAM_PACKAGES
from scripts.review_comment.comment import MARKER

from ..support.preview_fixtures import PREVIEWS
from ..support.stack_files import ROOT, STACKS

WORKFLOWS = ROOT / ".github" / "workflows"
SETUP_ACTION = ROOT / ".github" / "actions" / "setup" / "action.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
STACK_ORDER = ["dev", "staging", "prod"]


def workflow(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return dict(document)


def step(document: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    return next(s for s in document["jobs"][job]["steps"] if s.get("name", "").startswith(name))


def check_schema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True, timeout=120)


def test_every_workflow_is_valid_against_the_github_workflows_schema() -> None:
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert {f.name for f in files} >= {"preview.yml", "deploy.yml", "drift.yml"}
    result = check_schema("vendor.github-workflows", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_shared_setup_action_is_valid_against_the_github_actions_schema() -> None:
    result = check_schema("vendor.github-actions", SETUP_ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_refuses_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = check_schema("vendor.github-workflows", broken)
    assert result.returncode == 1 and "stepz" in result.stdout


def test_every_action_is_pinned_to_a_full_commit() -> None:
    texts = [p.read_text() for p in [*WORKFLOWS.glob("*.yml"), SETUP_ACTION]]
    uses = [u for text in texts for u in re.findall(r"uses:\s*(\S+)", text)]
    remote = [u for u in uses if not u.startswith("./")]
    assert remote and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in remote), remote


def test_the_setup_action_builds_both_environments_pulumi_runs() -> None:
    steps = yaml.safe_load(SETUP_ACTION.read_text())["runs"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    virtualenv = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]["options"]["virtualenv"]
    pack = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())["runtime"]["options"]["virtualenv"]
    assert f"python -m venv {virtualenv} && {virtualenv}/bin/pip" in runs and "-r requirements.txt" in runs
    assert f"python -m venv policies/{pack} && policies/{pack}/bin/pip" in runs and "-r policies/requirements.txt" in runs


def test_the_setup_action_installs_the_cli_at_the_sdks_version(tmp_path: Path) -> None:
    action = yaml.safe_load(SETUP_ACTION.read_text())
    script = next(s["run"] for s in action["runs"]["steps"] if s.get("id") == "version")
    out = tmp_path / "output"
    subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=ROOT, env={**os.environ, "GITHUB_OUTPUT": str(out)}, check=True)
    pinned = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned and out.read_text().strip() == f"pulumi={pinned.group(1)}"


@pytest.mark.parametrize(("name", "event"), [("preview.yml", "pull_request"), ("deploy.yml", "push")])
def test_preview_and_deploy_run_when_anything_the_stacks_deploy_changes(name: str, event: str) -> None:
    paths = set(workflow(name)["on"][event]["paths"])
    loaded = {f"{package}/**" for package in (*PROGRAM_PACKAGES, "stacks", "policies")}
    assert loaded | {"__main__.py", "Pulumi.yaml"} <= paths


def test_every_workflow_covers_every_stack_file_in_order() -> None:
    assert sorted(STACK_ORDER) == STACKS, "a stack file was added or removed: update the workflows and STACK_ORDER"
    assert workflow("preview.yml")["env"]["STACKS"].split() == STACK_ORDER
    assert workflow("drift.yml")["jobs"]["drift"]["strategy"]["matrix"]["stack"] == STACK_ORDER


def test_deploy_runs_up_with_refresh_on_dev_then_staging_then_prod_behind_an_approval() -> None:
    deploy = workflow("deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    jobs = deploy["jobs"]
    assert list(jobs) == STACK_ORDER
    assert "needs" not in jobs["dev"] and jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"
    assert jobs["prod"]["environment"] == "prod"
    for stack, job in jobs.items():
        assert job["env"]["STACK"] == stack
        assert 'pulumi up --stack "$STACK" --refresh --yes --policy-pack policies' in job["steps"][-1]["run"]
    assert deploy["concurrency"] == {"group": "deploy", "cancel-in-progress": False}


def test_secrets_come_from_github_secrets_only() -> None:
    for name in ("preview.yml", "deploy.yml", "drift.yml"):
        text = (WORKFLOWS / name).read_text()
        keys = re.findall(r"TELNYX_API_KEY: (.*)", text)
        passphrases = re.findall(r"PULUMI_CONFIG_PASSPHRASE: (.*)", text)
        assert keys and all(k.startswith("${{ secrets.TELNYX_API_KEY }}") for k in keys), name
        assert passphrases and all(p == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" for p in passphrases), name
        # A postgres:// backend's password comes from a secret wherever the backend's URL (a variable) is set.
        backends, passwords = re.findall(r"PULUMI_BACKEND_URL: (.*)", text), re.findall(r"PGPASSWORD: (\$\{\{[^}]*\}\})", text)
        assert len(passwords) == len(backends) and all(p == "${{ secrets.PGPASSWORD }}" for p in passwords), name


# --- The steps' shell scripts, run ---------------------------------------------------------------

STAND_IN = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import json, os, sys
    name = os.path.basename(sys.argv[0])
    with open(os.environ["STAND_IN_LOG"], "a") as log:
        log.write(json.dumps([name, *sys.argv[1:]]) + "\\n")
    if name == "pulumi" and sys.argv[1] == "preview":
        stack = sys.argv[sys.argv.index("--stack") + 1]
        source = os.path.join(os.environ["PREVIEWS"], stack + ".json")
        if os.path.exists(source):
            sys.stdout.write(open(source).read())
        sys.exit(int(os.environ.get("PULUMI_EXIT", "0")))
    if name == "gh" and (sys.argv[1:3] == ["issue", "list"] or sys.argv[1] == "api" and "--paginate" in sys.argv):
        sys.stdout.write(os.environ.get("GH_FOUND", ""))
    """
)


class Runner:
    """Runs one workflow step's `run` script in a scratch workspace, as GitHub's runner would."""

    def __init__(self, tmp_path: Path, previews: dict[str, Path]) -> None:
        self.work = tmp_path / "work"
        self.work.mkdir()
        (self.work / ".venv").symlink_to(ROOT / ".venv")
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for tool in ("pulumi", "gh"):
            (bin_dir / tool).write_text(STAND_IN)
            (bin_dir / tool).chmod(0o755)
        (tmp_path / "previews").mkdir()
        for stack, source in previews.items():
            (tmp_path / "previews" / f"{stack}.json").write_text(source.read_text())
        self.log = tmp_path / "calls"
        self.output = tmp_path / "output"
        self.summary = tmp_path / "summary"
        self.env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "STAND_IN_LOG": str(self.log),
            "PREVIEWS": str(tmp_path / "previews"),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_REPOSITORY": "acme/telnyx",
            "RUN_URL": "https://github.com/acme/telnyx/actions/runs/7",
        }

    def run(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.work, env={**self.env, **env}, capture_output=True, text=True, timeout=120,
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text().splitlines() if self.output.exists() else []
        return dict(line.split("=", 1) for line in lines)

    def calls(self, tool: str) -> list[list[str]]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return [call[1:] for call in map(json.loads, lines) if call[0] == tool]


PREVIEW_FIXTURES = {"dev": PREVIEWS / "dev-no-changes.json", "staging": PREVIEWS / "staging-updates.json", "prod": PREVIEWS / "prod-mixed.json"}


@pytest.fixture
def preview_workflow() -> dict[str, Any]:
    return workflow("preview.yml")


def test_a_pull_request_from_a_fork_gets_one_clear_line_and_no_failure(tmp_path: Path, preview_workflow: dict[str, Any]) -> None:
    runner = Runner(tmp_path, {})
    result = runner.run(step(preview_workflow, "preview", "Check that this run has the secrets")["run"], FROM_FORK="true", HAS_SECRETS="false")
    assert result.returncode == 0 and runner.outputs() == {"ready": "false"}
    assert len(result.stdout.strip().splitlines()) == 1 and result.stdout.startswith("::notice title=No preview::")
    assert "fork" in result.stdout and "fork" in runner.summary.read_text()
    later = preview_workflow["jobs"]["preview"]["steps"][1:]
    assert all("steps.secrets.outputs.ready == 'true'" in s["if"] for s in later)


def test_a_repository_without_the_secrets_fails_saying_which_to_set(tmp_path: Path, preview_workflow: dict[str, Any]) -> None:
    runner = Runner(tmp_path, {})
    result = runner.run(step(preview_workflow, "preview", "Check that this run has the secrets")["run"], FROM_FORK="false", HAS_SECRETS="false")
    assert result.returncode == 1 and result.stdout.startswith("::error") and "TELNYX_API_KEY" in result.stdout


def test_the_preview_step_previews_every_stack_with_refresh_as_json(tmp_path: Path, preview_workflow: dict[str, Any]) -> None:
    runner = Runner(tmp_path, PREVIEW_FIXTURES)
    result = runner.run(step(preview_workflow, "preview", "Preview every stack")["run"], STACKS="dev staging prod")
    assert result.returncode == 0, result.stderr
    previews = [call for call in runner.calls("pulumi") if call[0] == "preview"]
    assert previews == [["preview", "--stack", s, "--refresh", "--json", "--policy-pack", "policies"] for s in STACK_ORDER]
    assert (runner.work / "preview-prod.json").read_text() == PREVIEW_FIXTURES["prod"].read_text()
    assert runner.outputs() == {"status": "0"}


def test_a_failed_preview_still_gets_its_comment_and_then_fails_the_job(tmp_path: Path, preview_workflow: dict[str, Any]) -> None:
    runner = Runner(tmp_path, PREVIEW_FIXTURES)
    result = runner.run(step(preview_workflow, "preview", "Preview every stack")["run"], STACKS="dev staging prod", PULUMI_EXIT="255")
    assert result.returncode == 0 and runner.outputs() == {"status": "1"}
    assert "steps.preview.outputs.status != '0'" in step(preview_workflow, "preview", "Fail when a preview failed")["if"]


@pytest.mark.parametrize(("found", "method"), [("", "POST"), ("4242\n", "PATCH")])
def test_the_review_is_one_comment_created_once_then_edited_in_place(tmp_path: Path, preview_workflow: dict[str, Any], found: str, method: str) -> None:
    runner = Runner(tmp_path, {})
    for stack, source in PREVIEW_FIXTURES.items():
        (runner.work / f"preview-{stack}.json").write_text(source.read_text())
    env = {"STACKS": "dev staging prod", "MARKER": preview_workflow["env"]["MARKER"], "PR": "12", "GH_FOUND": found}
    rendered = runner.run(step(preview_workflow, "preview", "Render the review comment")["run"], **env)
    assert rendered.returncode == 0, rendered.stderr
    comment = (runner.work / "comment.md").read_text()
    assert comment.startswith(f"<!-- {MARKER} -->") and "### `prod`" in comment
    assert "### `prod`" in runner.summary.read_text()
    posted = runner.run(step(preview_workflow, "preview", "Create or update the one review comment")["run"], **env)
    assert posted.returncode == 0, posted.stderr
    lookup, write = runner.calls("gh")
    assert lookup[:3] == ["api", "--paginate", "repos/acme/telnyx/issues/12/comments"] and f"<!-- {MARKER} -->" in lookup[-1]
    target = "repos/acme/telnyx/issues/comments/4242" if found else "repos/acme/telnyx/issues/12/comments"
    assert write == ["api", "--method", method, target, "-F", "body=@comment.md"]


def test_the_comment_marker_is_the_renderers() -> None:
    assert workflow("preview.yml")["env"]["MARKER"] == MARKER


@pytest.fixture
def drift_workflow() -> dict[str, Any]:
    return workflow("drift.yml")


def test_drift_runs_daily_and_by_hand_with_expect_no_changes(drift_workflow: dict[str, Any]) -> None:
    assert drift_workflow["on"]["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]
    assert "workflow_dispatch" in drift_workflow["on"]
    script = step(drift_workflow, "drift", "Preview against the live account")["run"]
    assert 'pulumi preview --stack "$STACK" --refresh --expect-no-changes --json > drift.json' in script


@pytest.mark.parametrize(("fixture", "drift"), [("dev-no-changes.json", "none"), ("prod-mixed.json", "found"), ("staging-failed.json", "error")])
def test_the_drift_review_tells_drift_from_none_from_failure(tmp_path: Path, drift_workflow: dict[str, Any], fixture: str, drift: str) -> None:
    runner = Runner(tmp_path, {})
    (runner.work / "drift.json").write_text((PREVIEWS / fixture).read_text())
    result = runner.run(step(drift_workflow, "drift", "Render the review")["run"], STACK="prod", MARKER="telnyx-call-control:drift:prod")
    assert result.returncode == 0, result.stderr
    assert runner.outputs() == {"drift": drift}
    body = (runner.work / "drift.md").read_text()
    assert body.startswith("<!-- telnyx-call-control:drift:prod -->\n\n## Drift: the prod stack differs from its code")


@pytest.mark.parametrize(("found", "expected"), [("", ["issue", "create"]), ("31\n", ["issue", "edit", "31", "--body-file", "drift.md"])])
def test_drift_opens_one_issue_per_stack_or_updates_it(tmp_path: Path, drift_workflow: dict[str, Any], found: str, expected: list[str]) -> None:
    runner = Runner(tmp_path, {})
    (runner.work / "drift.md").write_text("<!-- telnyx-call-control:drift:prod -->\n")
    result = runner.run(step(drift_workflow, "drift", "Open or update the drift issue")["run"], STACK="prod", MARKER="telnyx-call-control:drift:prod", GH_FOUND=found)
    assert result.returncode == 0, result.stderr
    calls = runner.calls("gh")
    assert calls[0][:2] == ["issue", "list"] and "<!-- telnyx-call-control:drift:prod -->" in calls[0][-1]
    assert calls[-1][: len(expected)] == expected
    if not found:
        assert calls[-1] == ["issue", "create", "--title", "Drift: the prod stack differs from its code", "--label", "drift", "--body-file", "drift.md"]


@pytest.mark.parametrize("found", ["", "31\n"])
def test_the_drift_issue_is_closed_when_the_drift_is_gone(tmp_path: Path, drift_workflow: dict[str, Any], found: str) -> None:
    runner = Runner(tmp_path, {})
    result = runner.run(step(drift_workflow, "drift", "Close the drift issue")["run"], STACK="prod", MARKER="telnyx-call-control:drift:prod", GH_FOUND=found)
    assert result.returncode == 0, result.stderr
    closes = [call for call in runner.calls("gh") if call[:2] == ["issue", "close"]]
    assert closes == ([["issue", "close", "31", "--comment", f"The drift is gone: the prod stack matches its code again ({runner.env['RUN_URL']})."]] if found else [])


@pytest.mark.parametrize("name", ["preview.yml", "deploy.yml", "drift.yml"])
def test_every_step_that_runs_pulumi_checks_the_backend_url_first(name: str) -> None:
    scripts = [step.get("run", "") for job in workflow(name)["jobs"].values() for step in job["steps"]]
    running = [script for script in scripts if re.search(r"^\s*pulumi ", script, re.M)]
    assert running
    for script in running:
        check, first_pulumi = script.find("python -m scripts.backend_url"), re.search(r"^\s*pulumi ", script, re.M)
        assert first_pulumi and 0 <= check < first_pulumi.start(), script
