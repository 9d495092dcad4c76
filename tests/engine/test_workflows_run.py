"""The pipelines' own commands, run for real: the `run:` steps of preview.yml, deploy.yml and drift.yml as the files
write them (tests/engine/actions_runner.py), with the real engine, the fake Telnyx on loopback, the state in
PostgreSQL (`PULUMI_BACKEND_URL` a `postgres://` URL) and a stand-in for `gh` (tests/engine/gh_stand_in.py).

Each scenario is one repository's history: the runs happen once, in the fixture, and each test reads one behaviour
off them. The runner machine's environment carries one thing the workflows do not pass: `TELNYX_BASE_URL` (the
fake's address: a real pipeline talks to api.telnyx.com, the provider's default). The PostgreSQL password is the
repository secret `PGPASSWORD`, which the workflows pass to every `pulumi` step (never in the URL variable).
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from ..support.stack_files import PROJECT
from .actions_expressions import condition, evaluate, substitute
from .actions_runner import ActionsRunner, Context, WorkflowRun, repository
from .gh_stand_in import GitHubStandIn
from .harness import API_KEY, CLI, PASSPHRASE
from .postgres import PostgresCluster

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="the gh stand-in filters with jq, as gh --jq does")

STACK_ORDER = ["dev", "staging", "prod"]
PULL_REQUEST = 12
RUN_URL = "https://github.com/acme/telnyx/actions/runs/7"
WRITES = ("POST", "PATCH", "DELETE")


class Pipeline:
    """One repository on GitHub (its secrets, variables, comments and issues), its Telnyx account and its state."""

    def __init__(self, folder: Path, fake: FakeTelnyxServer, backend_url: str, backend_password: str) -> None:
        assert CLI is not None
        self.fake, self.backend_url = fake, backend_url
        self.source = repository(folder / "repository")
        self.github = GitHubStandIn(folder)
        tools = folder / "runner-tools"
        self.github.install(tools)
        (folder / "runner-home").mkdir()
        machine = {"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(folder / "runner-home"), "LANG": "C.UTF-8"}
        self.runner = ActionsRunner(folder / "runs", self.source, {**machine, "TELNYX_BASE_URL": fake.base_url}, CLI)
        self.secrets = {"TELNYX_API_KEY": API_KEY, "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, "PGPASSWORD": backend_password}

    def context(self, event_name: str, event: dict[str, Any] | None = None, **secrets: str) -> Context:
        return Context(event_name, event or {}, {**self.secrets, **secrets}, {"PULUMI_BACKEND_URL": self.backend_url})

    def deploy(self) -> WorkflowRun:
        """A push to main."""
        return self.runner.run("deploy.yml", self.context("push"))

    def preview(self) -> WorkflowRun:
        """A push to pull request 12, from a branch of this repository."""
        event = {"pull_request": {"number": PULL_REQUEST, "head": {"repo": {"full_name": "acme/telnyx"}}}}
        return self.runner.run("preview.yml", self.context("pull_request", event))

    def drift_check(self, **secrets: str) -> WorkflowRun:
        """The daily schedule."""
        return self.runner.run("drift.yml", self.context("schedule", **secrets))

    def commit(self, stack: str, change: Callable[[dict[str, Any]], object]) -> None:
        """Change a stack file's `applications` map in the repository, as a commit does."""
        path = self.source / "stacks" / f"Pulumi.{stack}.yaml"
        document = yaml.safe_load(path.read_text())
        change(document["config"][f"{PROJECT}:applications"])
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    def applications(self, stack: str) -> dict[str, dict[str, Any]]:
        """The stack's applications in the account (by the stack's tag), by Telnyx name."""
        found = self.fake.backend.applications.values()
        return {app["application_name"]: copy.deepcopy(app) for app in found if stack in app.get("tags", [])}

    def application(self, stack: str, name: str) -> dict[str, Any]:
        return self.applications(stack)[name]

    def writes(self) -> list[Any]:
        """The API writes so far, in order."""
        return [call for call in self.fake.backend.calls() if call.method in WRITES]


@contextmanager
def pipeline(folder: Path, cluster: PostgresCluster) -> Iterator[Pipeline]:
    """A pipeline whose state is a fresh PostgreSQL database, whose account is a fresh fake."""
    with FakeTelnyxServer(TelnyxBackend(api_key=API_KEY)) as fake:
        yield Pipeline(folder, fake, cluster.url(cluster.database()), cluster.password)


def assert_succeeded(run: WorkflowRun) -> None:
    assert run.conclusion == "success", run.log()


def stack_of_write(call: Any, pipeline: Pipeline) -> str:
    """The stack a write was for, by the tags of the application it wrote (a create names it, the others its id)."""
    apps = pipeline.fake.backend.applications
    if call.method == "POST":
        app = next(a for a in apps.values() if a["application_name"] == call.body["application_name"])
    else:
        app = apps[call.path.rstrip("/").rsplit("/", 1)[-1]]
    return next(stack for stack in STACK_ORDER if stack in app["tags"])


def in_order(stacks: list[str]) -> list[str]:
    """`stacks` with repeats in a row folded: the order the stacks were written in."""
    return [s for i, s in enumerate(stacks) if i == 0 or stacks[i - 1] != s]


# --- The runner reads expressions as GitHub does -------------------------------------------------------------------


def test_an_unset_secret_equals_the_empty_string_as_github_compares_them() -> None:
    assert evaluate("secrets.MISSING != '' && vars.SET != ''", {"secrets": {}, "vars": {"SET": "x"}}) is False
    assert evaluate("github.actor == 'DEPENDABOT[bot]'", {"github": {"actor": "dependabot[bot]"}}) is True


def test_an_if_without_a_status_function_runs_only_after_success() -> None:
    steps = {"steps": {"review": {"outputs": {"drift": "found"}}}}
    assert condition("steps.review.outputs.drift == 'found'", steps, "success")
    assert not condition("steps.review.outputs.drift == 'found'", steps, "failure")
    assert condition("${{ always() }}", steps, "failure")


def test_an_expression_in_text_becomes_its_value() -> None:
    contexts = {"github": {"server_url": "https://github.com", "run_id": 7}, "matrix": {"stack": "prod"}}
    assert substitute("${{ github.server_url }}/runs/${{ github.run_id }}:${{ matrix.stack }}", contexts) == "https://github.com/runs/7:prod"


# --- deploy.yml ----------------------------------------------------------------------------------------------------


@dataclass
class Deployed:
    """One deploy run, the stack of each of its writes in order, and each stack's applications after it."""

    run: WorkflowRun
    writes: list[str]
    after: dict[str, dict[str, Any]]


def deploy(pipeline: Pipeline) -> Deployed:
    pipeline.fake.backend.clear_requests()
    run = pipeline.deploy()
    writes = [stack_of_write(call, pipeline) for call in pipeline.writes()]
    return Deployed(run, writes, {stack: pipeline.applications(stack) for stack in STACK_ORDER})


@dataclass
class Deploys:
    """A first deploy, then a push changing every stack whose prod change breaks a mandatory policy."""

    pipeline: Pipeline
    first: Deployed
    prod_violation: Deployed


def same_failover_host(apps: dict[str, Any]) -> None:
    """prod's call-router with its failover on the primary's host: the mandatory `prod-failover-on-another-host`."""
    apps["call-router"]["webhook_event_failover_url"] = "https://hooks.example.com/telnyx/call-router-failover"


@pytest.fixture(scope="module")
def deploys(tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster) -> Iterator[Deploys]:
    with pipeline(tmp_path_factory.mktemp("deploys"), postgres_cluster) as p:
        first = deploy(p)
        p.commit("dev", lambda apps: apps["call-router"]["inbound"].update(channel_limit=3))
        p.commit("staging", lambda apps: apps["call-router"]["inbound"].update(channel_limit=20))
        p.commit("prod", lambda apps: apps["ivr"]["inbound"].update(channel_limit=120))  # a compliant change …
        p.commit("prod", same_failover_host)  # … in the same push as a violation
        yield Deploys(p, first, deploy(p))


@pytest.fixture(scope="module")
def staging_violation(deploys: Deploys) -> Deployed:
    """The next push: prod's violation fixed, and a mandatory one (an http:// webhook URL) in staging."""
    p = deploys.pipeline
    p.commit("prod", lambda apps: apps["call-router"].update(webhook_event_failover_url="https://failover.hooks.example.com/telnyx/call-router"))
    p.commit("staging", lambda apps: apps["ivr"].update(webhook_event_url="http://staging.hooks.example.com/telnyx/ivr"))
    return deploy(p)


def statuses(run: WorkflowRun) -> list[tuple[str, str]]:
    return [(job.name, job.status) for job in run.jobs]


def test_deploy_brings_up_dev_then_staging_then_prod(deploys: Deploys) -> None:
    first = deploys.first
    assert statuses(first.run) == [(s, "success") for s in STACK_ORDER], first.run.log()
    assert in_order(first.writes) == STACK_ORDER
    assert {s: len(apps) for s, apps in first.after.items()} == {"dev": 2, "staging": 2, "prod": 3}


def test_a_mandatory_violation_in_prod_fails_the_prod_job_naming_the_policy(deploys: Deploys) -> None:
    run = deploys.prod_violation.run
    assert statuses(run) == [("dev", "success"), ("staging", "success"), ("prod", "failure")], run.log()
    up = run.job("prod").step("pulumi up")
    assert up.outcome == "failure" and "prod-failover-on-another-host" in up.stdout + up.stderr


def test_a_mandatory_violation_in_prod_changes_nothing_of_prod(deploys: Deploys) -> None:
    assert "prod" not in deploys.prod_violation.writes
    # not even the push's compliant prod change (ivr's channel limit)
    assert deploys.prod_violation.after["prod"] == deploys.first.after["prod"]


def test_dev_and_staging_get_the_push_before_a_prod_violation_stops_it(deploys: Deploys) -> None:
    assert in_order(deploys.prod_violation.writes) == ["dev", "staging"]
    after = deploys.prod_violation.after
    assert after["dev"]["call-router-dev"]["inbound"]["channel_limit"] == 3
    assert after["staging"]["call-router-staging"]["inbound"]["channel_limit"] == 20


def test_a_mandatory_violation_in_staging_keeps_the_prod_job_from_running(deploys: Deploys, staging_violation: Deployed) -> None:
    run = staging_violation.run
    assert statuses(run) == [("dev", "success"), ("staging", "failure"), ("prod", "skipped")], run.log()
    assert "webhook-urls-use-https" in run.job("staging").step("pulumi up").stdout
    assert staging_violation.writes == []  # dev had nothing left to change; staging and prod wrote nothing
    assert staging_violation.after["prod"] == deploys.prod_violation.after["prod"]


# --- preview.yml ---------------------------------------------------------------------------------------------------


@dataclass
class Previews:
    """After a deploy, the first push to a pull request changing staging and prod, and the account before it."""

    pipeline: Pipeline
    account_before: dict[str, Any]
    run: WorkflowRun
    comments: list[dict[str, Any]]


@dataclass
class Push:
    """A later push to the pull request: its run, then the comments and every `gh` call so far."""

    run: WorkflowRun
    comments: list[dict[str, Any]]
    calls: list[dict[str, Any]]


def add_fax_router(apps: dict[str, Any]) -> None:
    apps["fax-router"] = {
        "application_name": "acme-fax-router",
        "webhook_event_url": "https://hooks.example.com/telnyx/fax-router",
        "webhook_event_failover_url": "https://failover.hooks.example.com/telnyx/fax-router",
        "inbound": {"channel_limit": 10},
    }


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster) -> Iterator[Previews]:
    with pipeline(tmp_path_factory.mktemp("previews"), postgres_cluster) as p:
        assert_succeeded(p.deploy())
        account_before = copy.deepcopy(p.fake.backend.applications)
        p.fake.backend.clear_requests()
        p.commit("staging", lambda apps: apps["call-router"]["inbound"].update(channel_limit=20))
        p.commit("prod", add_fax_router)
        p.commit("prod", lambda apps: apps["ivr"].update(first_command_timeout_secs=30))
        run = p.preview()
        yield Previews(p, account_before, run, p.github.comments(PULL_REQUEST))


def push(pipeline: Pipeline) -> Push:
    run = pipeline.preview()
    return Push(run, pipeline.github.comments(PULL_REQUEST), pipeline.github.calls)


@pytest.fixture(scope="module")
def second_push(previews: Previews) -> Push:
    """The pull request's next push: a dev change too."""
    previews.pipeline.commit("dev", lambda apps: apps["ivr"]["inbound"].update(channel_limit=4))
    return push(previews.pipeline)


@pytest.fixture(scope="module")
def broken_push(second_push: Push, previews: Previews) -> Push:
    """The push after: a channel limit the stack file's rules refuse."""
    previews.pipeline.commit("staging", lambda apps: apps["ivr"]["inbound"].update(channel_limit=-1))
    return push(previews.pipeline)


def test_the_preview_comment_lists_the_real_changes_of_each_stack(previews: Previews) -> None:
    assert_succeeded(previews.run)
    [comment] = previews.comments
    body = comment["body"]
    assert body.startswith("<!-- telnyx-call-control:review -->")
    assert "### `dev`: no changes (2 unchanged)" in body
    assert "### `staging`: 1 to update · 1 unchanged" in body
    assert "- **update** `call-router` — `call-router-staging`\n  - `inbound.channel_limit`: `10` → `20`" in body
    assert "### `prod` (production): 1 to create · 1 to update · 2 unchanged" in body
    assert "- **create** `fax-router` — `acme-fax-router`" in body
    assert "- **update** `ivr` — `acme-ivr`\n  - `first_command_timeout_secs`: `20` → `30`" in body


def test_the_runs_summary_holds_the_uncut_review(previews: Previews) -> None:
    summary = previews.run.job("preview").summary
    assert "### `staging`: 1 to update" in summary and "`acme-fax-router`" in summary


def test_a_second_push_edits_the_one_comment_in_place(previews: Previews, second_push: Push) -> None:
    assert_succeeded(second_push.run)
    [first] = previews.comments
    [comment] = second_push.comments
    assert (comment["id"], comment["edits"]) == (first["id"], 1)
    assert "- **update** `ivr` — `ivr-dev`\n  - `inbound.channel_limit`: `2` → `4`" in comment["body"]
    writes = [call["argv"][:4] for call in second_push.calls if "--method" in call["argv"]]
    assert writes == [
        ["api", "--method", "POST", f"repos/acme/telnyx/issues/{PULL_REQUEST}/comments"],
        ["api", "--method", "PATCH", f"repos/acme/telnyx/issues/comments/{first['id']}"],
    ]


def test_a_failed_preview_is_reported_in_the_comment_and_fails_the_run(broken_push: Push) -> None:
    job = broken_push.run.job("preview")
    assert job.status == "failure" and job.step("Preview every stack").outputs == {"status": "1"}
    assert job.step("Create or update the one review comment").outcome == "success"
    assert job.step("Fail when a preview failed").outcome == "failure"
    [comment] = broken_push.comments
    staging = comment["body"].split("### `staging`", 1)[1].split("### `prod`", 1)[0]
    assert "'inbound.channel_limit' got -1" in staging


def test_previewing_writes_nothing_to_the_account(previews: Previews, broken_push: Push) -> None:
    assert previews.pipeline.writes() == []
    assert previews.pipeline.fake.backend.applications == previews.account_before


def test_a_pull_request_from_a_fork_previews_nothing_and_posts_nothing(tmp_path: Path, fake: FakeTelnyxServer) -> None:
    p = Pipeline(tmp_path, fake, "", "")
    event = {"pull_request": {"number": PULL_REQUEST, "head": {"repo": {"full_name": "someone/telnyx"}}}}
    run = p.runner.run("preview.yml", Context("pull_request", event, {}, {}))
    job = run.job("preview")
    assert job.status == "success", job.log()
    assert [s.outcome for s in job.steps] == ["success"] + ["skipped"] * (len(job.steps) - 1)
    assert job.step("Check that").stdout.startswith("::notice title=No preview::") and "fork" in job.summary
    assert p.github.calls == [] and fake.backend.calls() == []


# --- drift.yml -----------------------------------------------------------------------------------------------------


@dataclass
class Check:
    """One drift check: its run, the repository's issues after it, and the `gh` calls it made."""

    run: WorkflowRun
    issues: list[dict[str, Any]]
    calls: list[dict[str, Any]]


def drift_check(pipeline: Pipeline, **secrets: str) -> Check:
    before = len(pipeline.github.calls)
    run = pipeline.drift_check(**secrets)
    return Check(run, pipeline.github.issues(), pipeline.github.calls[before:])


@dataclass
class Drifts:
    """A deployed repository, and its first daily check (no drift)."""

    pipeline: Pipeline
    clean: Check


@pytest.fixture(scope="module")
def drifts(tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster) -> Iterator[Drifts]:
    with pipeline(tmp_path_factory.mktemp("drifts"), postgres_cluster) as p:
        assert_succeeded(p.deploy())
        yield Drifts(p, drift_check(p))


@pytest.fixture(scope="module")
def drifted(drifts: Drifts) -> Check:
    """prod's ivr changed behind Pulumi's back (its inbound channel limit 100 → 5, in the account), then a check."""
    p = drifts.pipeline
    ivr = p.application("prod", "acme-ivr")
    p.fake.backend.update(ivr["id"], {"application_name": "acme-ivr", "webhook_event_url": ivr["webhook_event_url"], "inbound": {"channel_limit": 5}})
    return drift_check(p)


@pytest.fixture(scope="module")
def next_day(drifted: Check, drifts: Drifts) -> Check:
    """The next day's check, the drift still there."""
    return drift_check(drifts.pipeline)


@pytest.fixture(scope="module")
def drift_gone(next_day: Check, drifts: Drifts) -> Check:
    """A deploy (which puts the account back as the code has it), then a check."""
    assert_succeeded(drifts.pipeline.deploy())
    return drift_check(drifts.pipeline)


@pytest.fixture(scope="module")
def failed_check(drift_gone: Check, drifts: Drifts) -> Check:
    """A check with a key the account refuses: no stack can be previewed."""
    return drift_check(drifts.pipeline, TELNYX_API_KEY="not-the-accounts-key")


def drift_outputs(run: WorkflowRun) -> dict[str, str]:
    return {job.matrix["stack"]: job.step("Render the review").outputs.get("drift", "") for job in run.jobs}


def test_without_drift_every_stack_passes_and_no_issue_is_opened(drifts: Drifts) -> None:
    assert_succeeded(drifts.clean.run)
    assert drift_outputs(drifts.clean.run) == dict.fromkeys(STACK_ORDER, "none")
    assert drifts.clean.issues == []


def test_drift_is_found_in_the_stack_that_drifted_and_the_run_still_passes(drifted: Check) -> None:
    assert_succeeded(drifted.run)
    assert drift_outputs(drifted.run) == {"dev": "none", "staging": "none", "prod": "found"}


def test_drift_opens_one_issue_holding_the_review_of_the_drifted_stack(drifted: Check) -> None:
    [issue] = drifted.issues
    assert (issue["title"], issue["labels"], issue["state"]) == ("Drift: the prod stack differs from its code", ["drift"], "open")
    assert issue["body"].startswith("<!-- telnyx-call-control:drift:prod -->\n\n## Drift: the prod stack differs from its code")
    assert "- **update** `ivr` — `acme-ivr`\n  - `inbound.channel_limit`: `5` → `100`" in issue["body"]


def test_the_same_drift_the_next_day_updates_the_one_issue(next_day: Check) -> None:
    assert_succeeded(next_day.run)
    writes = [call["argv"][:3] for call in next_day.calls if call["argv"][:2] != ["issue", "list"]]
    assert writes == [["issue", "edit", "1"]]
    assert [issue["state"] for issue in next_day.issues] == ["open"]


def test_the_issue_is_closed_once_the_stack_matches_its_code_again(drift_gone: Check) -> None:
    assert_succeeded(drift_gone.run)
    assert drift_outputs(drift_gone.run) == dict.fromkeys(STACK_ORDER, "none")
    [issue] = drift_gone.issues
    assert issue["state"] == "closed"
    assert issue["comments"] == [f"The drift is gone: the prod stack matches its code again ({RUN_URL})."]


def test_a_drift_check_that_cannot_preview_fails_every_stack_and_touches_no_issue(failed_check: Check) -> None:
    run = failed_check.run
    assert statuses(run) == [(f"drift ({s})", "failure") for s in STACK_ORDER], run.log()
    assert drift_outputs(run) == dict.fromkeys(STACK_ORDER, "error")
    assert run.job("drift (prod)").step("Fail when the preview failed").stdout.startswith("::error::The drift check of prod failed")
    assert failed_check.calls == []
