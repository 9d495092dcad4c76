"""A workflow's jobs run on this machine as GitHub's runner runs them, the `run:` steps as they are written.

Jobs go in `needs:` order (one instance per `strategy.matrix` combination, one after the other), each in a fresh,
empty workspace, as every job gets a fresh runner; a job whose needs did not all succeed is skipped. Each step's
`if:` is evaluated (with GitHub's implicit `success()`), its `${{ }}` expressions substituted (github, secrets,
vars, env, matrix, steps, needs), its environment the runner machine's, then GitHub's own variables, then what
earlier steps wrote to `$GITHUB_ENV`, then the workflow's, job's and step's `env:`. A `run:` step runs from a
script file with `bash --noprofile --norc -eo pipefail`, in the workspace, and `$GITHUB_OUTPUT`,
`$GITHUB_STEP_SUMMARY`, `$GITHUB_ENV` and `$GITHUB_PATH` are read after it.

A `uses:` step is not run: the few the workflows use have stand-ins that leave what the action would.
`actions/checkout` copies the repository (`Repository`) into the workspace; the project's setup action links
both virtual environments to this one's (the setup action builds them from the same requirements) and puts a
`pulumi` on PATH, as `pulumi/actions` does: the real engine, run through `python -m scripts.pulumi_cli` (the
engine here is built without a Python language host, so the program is served to it). Any other action fails the
step, so a workflow cannot lean on something this runner pretends.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..support.stack_files import ROOT
from .actions_expressions import condition, substitute
from .harness import COPIED_FOLDERS, copy_files

REPOSITORY_FOLDERS = (*COPIED_FOLDERS, "scripts", ".github")
STEP_TIMEOUT = 240  # seconds: under the tests' 300 s, and far above what one step takes against the fake


def repository(destination: Path) -> Path:
    """A checkout of the project as a pull request or a push would have it: the files, none of the environments."""
    copy_files(destination, REPOSITORY_FOLDERS)
    return destination


@dataclass
class Context:
    """What GitHub hands one run: the event and its payload, the repository's secrets and variables."""

    event_name: str
    event: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    repository: str = "acme/telnyx"
    actor: str = "octocat"
    run_id: str = "7"
    ref: str = "refs/heads/main"

    def github(self, job: str, workspace: Path) -> dict[str, Any]:
        """The `github` context of one job."""
        return {
            "event_name": self.event_name, "event": self.event, "repository": self.repository,
            "repository_owner": self.repository.split("/")[0], "actor": self.actor, "run_id": self.run_id,
            "run_number": "1", "run_attempt": "1", "ref": self.ref, "sha": "0" * 40, "job": job, "workflow": "",
            "server_url": "https://github.com", "api_url": "https://api.github.com", "workspace": str(workspace),
            "token": "ghs_stand-in-token-of-this-run",
        }


@dataclass
class StepResult:
    """One step: `outcome` is success, failure or skipped; `stood_in` when a stand-in played a `uses:` action."""

    name: str
    id: str | None
    outcome: str
    stood_in: bool = False
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    seconds: float = 0.0


@dataclass
class JobResult:
    """One job (one matrix instance), its steps in order and its workspace as the job left it."""

    name: str
    key: str
    matrix: dict[str, Any]
    status: str
    steps: list[StepResult]
    workspace: Path
    outputs: dict[str, str] = field(default_factory=dict)

    def step(self, name: str) -> StepResult:
        """The step whose name starts with `name`."""
        return next(s for s in self.steps if s.name.startswith(name))

    @property
    def summary(self) -> str:
        """The job's summary: every step's, in order."""
        return "".join(s.summary for s in self.steps)

    def log(self) -> str:
        """Every step's output, for an assertion's message."""
        return "\n".join(f"--- {s.name}: {s.outcome} ({s.exit_code}, {s.seconds:.1f} s)\n{s.stdout}\n{s.stderr}" for s in self.steps)


@dataclass
class WorkflowRun:
    """The jobs of one run, in the order they ran (skipped ones included, with no steps run)."""

    jobs: list[JobResult]

    def job(self, name: str) -> JobResult:
        """The job (or matrix instance: `drift (prod)`) of that name."""
        return next(j for j in self.jobs if j.name == name)

    @property
    def conclusion(self) -> str:
        """`failure` if any job failed, else `success`."""
        return "failure" if any(j.status == "failure" for j in self.jobs) else "success"

    def log(self) -> str:
        return "\n".join(f"=== {j.name}: {j.status}\n{j.log()}" for j in self.jobs)


def read_workflow(path: Path) -> dict[str, Any]:
    """A workflow file, `on` read as `on` (YAML 1.1 reads the key as true)."""
    document = yaml.safe_load(path.read_text())
    document["on"] = document.pop(True, document.get("on"))
    return dict(document)


def needs_of(job: Mapping[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def job_order(jobs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The jobs in an order that honours every `needs:`, file order between jobs free to run together."""
    order: list[str] = []
    while len(order) < len(jobs):
        ready = [k for k, job in jobs.items() if k not in order and set(needs_of(job)) <= set(order)]
        if not ready:
            raise ValueError(f"the jobs' needs form a cycle or name a missing job: {sorted(set(jobs) - set(order))}")
        order.append(ready[0])
    return order


def matrix_of(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per combination of the job's `strategy.matrix` (a job without one: a single empty dict)."""
    matrix = dict(job.get("strategy", {}).get("matrix", {}))
    if {"include", "exclude"} & set(matrix):
        raise NotImplementedError("matrix include/exclude: no workflow of the project uses them")
    keys = list(matrix)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(matrix[k] for k in keys))]


def read_file_commands(path: Path) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as $GITHUB_OUTPUT and $GITHUB_ENV hold them."""
    lines = path.read_text().splitlines() if path.exists() else []
    found: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index)
            found[name] = "\n".join(lines[index:end])
            index = end + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
        elif line.strip():
            raise ValueError(f"{path.name}: a line that is neither name=value nor name<<DELIMITER: {line!r}")
    return found


class ActionsRunner:
    """Runs workflows of the project on this machine; `machine_env` is the runner machine's environment (its PATH
    holds the tools a hosted runner has, such as `gh`), `cli` the engine `pulumi` stands for."""

    def __init__(self, folder: Path, source: Path, machine_env: Mapping[str, str], cli: Path) -> None:
        self.folder, self.source, self.machine_env = folder, source, dict(machine_env)
        self.tool_cache = folder / "tool-cache" / "pulumi"
        self.tool_cache.mkdir(parents=True, exist_ok=True)
        shim = self.tool_cache / "pulumi"
        shim.write_text(
            "#!/bin/sh\n# pulumi/actions' CLI: the real engine, with the program served to it (scripts/pulumi_cli.py)\n"
            f'exec env PATH="{cli.parent}:$PATH" PYTHONPATH="$GITHUB_WORKSPACE" '
            '"$GITHUB_WORKSPACE/.venv/bin/python" -m scripts.pulumi_cli "$@"\n'
        )
        shim.chmod(0o755)
        self.runs = 0

    def run(self, workflow: str, context: Context) -> WorkflowRun:
        """Run every job of the repository's `.github/workflows/<workflow>` for `context`."""
        self.runs += 1
        document = read_workflow(self.source / ".github" / "workflows" / workflow)
        jobs: dict[str, Any] = document["jobs"]
        results: list[JobResult] = []
        done: dict[str, dict[str, Any]] = {}
        for key in job_order(jobs):
            job = jobs[key]
            needs = {n: done[n] for n in needs_of(job)}
            instances = [self._job(document, key, matrix, needs, context) for matrix in matrix_of(job)]
            results.extend(instances)
            status = "failure" if any(i.status == "failure" for i in instances) else instances[0].status
            if len(instances) == 1:
                done[key] = {"result": status, "outputs": instances[0].outputs}
            else:
                done[key] = {"result": status, "outputs": {}}
        return WorkflowRun(results)

    def _job(self, document: Mapping[str, Any], key: str, matrix: dict[str, Any], needs: dict[str, dict[str, Any]], context: Context) -> JobResult:
        job = document["jobs"][key]
        name = f"{key} ({', '.join(map(str, matrix.values()))})" if matrix else key
        home = self.folder / f"run-{self.runs}" / name.replace(" ", "_").replace(",", "").replace("(", "").replace(")", "")
        workspace, temp = home / "workspace", home / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        contexts: dict[str, Any] = {
            "github": context.github(key, workspace), "secrets": context.secrets, "vars": context.vars,
            "matrix": matrix, "needs": needs, "inputs": {}, "runner": {"os": "Linux", "temp": str(temp)},
        }
        needs_status = "success" if all(n["result"] == "success" for n in needs.values()) else "failure"
        contexts["env"] = {}
        if not condition(job.get("if"), contexts, needs_status):
            return JobResult(name, key, matrix, "skipped", [], workspace)
        workflow_env = self._env(document.get("env", {}), contexts)
        contexts["env"] = workflow_env
        job_env = self._env(job.get("env", {}), contexts)
        timeout = min(STEP_TIMEOUT, 60 * float(job.get("timeout-minutes", 360)))
        state = _JobState(workspace, temp, contexts, {**workflow_env, **job_env})
        for number, step in enumerate(job["steps"]):
            state.steps.append(self._step(state, number, step, key, timeout))
        outputs = {k: substitute(str(v), contexts) for k, v in job.get("outputs", {}).items()}
        return JobResult(name, key, matrix, state.status, state.steps, workspace, outputs)

    @staticmethod
    def _env(env: Mapping[str, Any], contexts: Mapping[str, Any]) -> dict[str, str]:
        return {name: substitute(str(value), contexts) for name, value in (env or {}).items()}

    def _step(self, state: _JobState, number: int, step: Mapping[str, Any], job_key: str, timeout: float) -> StepResult:
        name = str(step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0])
        contexts = {**state.contexts, "env": {**state.declared_env, **state.github_env}, "steps": state.steps_context()}
        contexts["job"] = {"status": state.status}
        if not condition(step.get("if"), contexts, state.status):
            return StepResult(name, step.get("id"), "skipped")
        files = {kind: state.temp / f"{kind}-{number}" for kind in ("output", "summary", "env", "path")}
        for file in files.values():
            file.touch()
        env = {
            **self.machine_env,
            **self._github_variables(state, job_key, files),
            **state.github_env,
            **state.declared_env,
            **self._env(step.get("env", {}), contexts),
        }
        env["PATH"] = ":".join([*reversed(state.path), env["PATH"]])
        started = time.monotonic()
        if "uses" in step:
            result = self._stand_in(name, step, state, files)
        else:
            result = self._run(name, step, substitute(str(step["run"]), contexts), env, state.workspace, files, timeout)
        result.seconds = time.monotonic() - started
        result.outputs = read_file_commands(files["output"])
        result.summary = files["summary"].read_text()
        state.github_env.update(read_file_commands(files["env"]))
        state.path.extend(line for line in files["path"].read_text().splitlines() if line.strip())
        if result.outcome == "failure" and not step.get("continue-on-error"):
            state.status = "failure"
        return result

    def _github_variables(self, state: _JobState, job_key: str, files: Mapping[str, Path]) -> dict[str, str]:
        github = state.contexts["github"]
        event_path = state.temp / "event.json"
        event_path.write_text(json.dumps(github["event"]))
        return {
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(state.workspace), "GITHUB_JOB": job_key,
            "GITHUB_REPOSITORY": github["repository"], "GITHUB_REPOSITORY_OWNER": github["repository_owner"],
            "GITHUB_EVENT_NAME": github["event_name"], "GITHUB_EVENT_PATH": str(event_path), "GITHUB_ACTOR": github["actor"],
            "GITHUB_SERVER_URL": github["server_url"], "GITHUB_API_URL": github["api_url"], "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_REF": github["ref"], "GITHUB_SHA": github["sha"], "RUNNER_OS": "Linux", "RUNNER_TEMP": str(state.temp),
            "GITHUB_OUTPUT": str(files["output"]), "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "GITHUB_ENV": str(files["env"]), "GITHUB_PATH": str(files["path"]),
        }

    @staticmethod
    def _run(name: str, step: Mapping[str, Any], script: str, env: dict[str, str], workspace: Path, files: Mapping[str, Path], timeout: float) -> StepResult:
        if step.get("shell", "bash") != "bash":
            raise NotImplementedError(f"step {name!r}: shell {step['shell']!r}")
        script_file = files["output"].parent / f"{uuid.uuid4()}.sh"
        script_file.write_text(script)
        cwd = workspace / step["working-directory"] if "working-directory" in step else workspace
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )
        outcome = "success" if done.returncode == 0 else "failure"
        return StepResult(name, step.get("id"), outcome, exit_code=done.returncode, stdout=done.stdout, stderr=done.stderr)

    def _stand_in(self, name: str, step: Mapping[str, Any], state: _JobState, files: Mapping[str, Path]) -> StepResult:
        action = str(step["uses"]).split("@", 1)[0]
        if action == "actions/checkout":
            shutil.copytree(self.source, state.workspace, dirs_exist_ok=True, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        elif action == "./.github/actions/setup":
            if not (state.workspace / "requirements.txt").exists():
                return StepResult(name, step.get("id"), "failure", True, 1, stderr="the setup action needs the checkout first")
            (state.workspace / ".venv").symlink_to(ROOT / ".venv")
            (state.workspace / "policies" / "venv").symlink_to(ROOT / ".venv")  # the dev environment holds the pack's SDK
            files["path"].write_text(f"{self.tool_cache}\n")
        else:
            return StepResult(name, step.get("id"), "failure", True, 1, stderr=f"no stand-in for the action {action!r}")
        return StepResult(name, step.get("id"), "success", True, 0)


@dataclass
class _JobState:
    workspace: Path
    temp: Path
    contexts: dict[str, Any]
    declared_env: dict[str, str]
    status: str = "success"
    steps: list[StepResult] = field(default_factory=list)
    github_env: dict[str, str] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)

    def steps_context(self) -> dict[str, Any]:
        return {s.id: {"outputs": s.outputs, "outcome": s.outcome, "conclusion": s.outcome} for s in self.steps if s.id}
