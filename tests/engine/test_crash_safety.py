"""`pulumi up` killed at every interesting point, on the file backend and on PostgreSQL, then recovered exactly as the
messages the user sees say: afterwards exactly the declared applications are in Telnyx, each once and each in the
state, none that no state holds, no pending operation, and a preview with no changes.

A kill is the whole run at once: the CLI and every plugin it started. The engine starts each plugin in a process group
of its own (`cmdutil.RegisterProcessGroup`), so a SIGKILL to the CLI's group alone leaves the provider running, and it
finishes the request in flight (`test_a_kill_of_the_cli_group_alone_leaves_the_provider_to_finish_its_create`). The
fake holds the answer of the request a kill point is about (`Fault(hold=True)`: applied, then held), so each point is
reached deterministically; "after the answer" stops the engine first, lets the answer reach the provider, then kills.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from provider.creates import STATE_BACKUP, import_line
from stack_files.loader import default_application_name
from telnyx_fake import Fault

from .harness import Engine
from .processes import WAIT, gone, kill_the_whole_run, process_tree, stop_engine, wait_until

STACK = "dev"
HOLD = 300.0  # a held answer outlives the test; each test lets it go itself
UP, CANCEL = "pulumi up --yes", "pulumi cancel --yes"
EXPORT = f"pulumi stack export --file {STATE_BACKUP}"
CLEAR = "pulumi refresh --clear-pending-creates --yes"
VOICEMAIL = {"webhook_event_url": "https://dev.hooks.example.com/telnyx/voicemail"}
LOCKED = "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`."
PENDING = "Attempting to deploy or update resources with 1 pending operations from previous deployment."
REFRESH_CLEARS = "you can repair your stack using `pulumi refresh`"
CREATE_NEEDS_INTERACTIVE = "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations."


def add_voicemail(applications: dict[str, Any]) -> None:
    applications["voicemail"] = dict(VOICEMAIL)


def change_ivr(applications: dict[str, Any]) -> None:
    applications["ivr"]["dtmf_type"] = "SIP INFO"


def remove_call_router(applications: dict[str, Any]) -> None:
    del applications["call-router"]


@dataclass(frozen=True)
class KillPoint:
    """Where `pulumi up` dies: the change it deploys, the request whose answer the fake holds when the kill comes,
    and whether that answer first reaches the provider (with the engine stopped, so it can save nothing)."""

    change: Callable[[dict[str, Any]], None]
    held: str
    pending: tuple[str, str]  # the operation the kill leaves pending: (type, logical name)
    recovery: tuple[str, ...]  # what the user runs, led by the messages
    answer_first: bool = False


ADOPT = (UP, CANCEL, UP, EXPORT, 'stack file: add `import_id: "<id>"` to voicemail', CLEAR, UP, "stack file: remove the import_id line")
KILL_POINTS = {
    # The engine has recorded the pending create; the create's first request (its name lookup) waits: nothing written.
    "before-any-request": KillPoint(add_voicemail, "GET", ("creating", "voicemail"), (UP, CANCEL, UP, CLEAR)),
    # The POST made the application; its answer never arrived, so no tags PATCH either.
    "create-post-applied-answer-held": KillPoint(
        add_voicemail,
        "POST",
        ("creating", "voicemail"),
        (UP, CANCEL, UP, EXPORT, 'stack file: add `import_id: "<id>"` to voicemail, declaring tags as it has them', CLEAR, UP,
         "stack file: put voicemail back as it was", UP),
    ),
    # The create's last answer (its tags PATCH's) reached the provider; the engine never saw the create finish.
    "create-answered-not-saved": KillPoint(add_voicemail, "PATCH", ("creating", "voicemail"), ADOPT, answer_first=True),
    # The tags PATCH that follows the POST was applied; its answer waits.
    "create-tags-patch": KillPoint(add_voicemail, "PATCH", ("creating", "voicemail"), ADOPT),
    "update-patch": KillPoint(change_ivr, "PATCH", ("updating", "ivr"), (UP, CANCEL, UP)),
    "delete": KillPoint(remove_call_router, "DELETE", ("deleting", "call-router"), (UP, CANCEL, UP)),
}


# --- killing the whole run ------------------------------------------------------------------------------------


def kill_up(engine: Engine, point: KillPoint) -> None:
    """`pulumi up` of `point.change`, killed whole where `point` says."""
    engine.edit_applications(STACK, point.change)
    backend = engine.fake.backend
    backend.inject(Fault(hold=True, hold_timeout=HOLD, times=1, method=point.held))
    try:
        with engine.started("up", "--yes") as cli:
            held = backend.wait_for_held(WAIT)
            if point.answer_first:
                stop_engine(cli)
                held.release()
                assert held.wait_until_answered(WAIT), "the held answer was never written"
            kill_the_whole_run(cli)
    finally:
        backend.release_held()
        backend.clear_faults()


# --- what the user sees and does ---------------------------------------------------------------------------------


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def pending_operations(engine: Engine) -> list[tuple[str, str]]:
    """The state's pending operations, as (type, logical name), from `pulumi stack export`."""
    deployment = engine.export(STACK)["deployment"]
    return [(op["type"], op["resource"]["urn"].rpartition("::")[2]) for op in deployment.get("pending_operations") or []]


def application_name(logical_name: str, entry: dict[str, Any]) -> str:
    return str(entry.get("application_name") or default_application_name(STACK, logical_name))


class User:
    """Someone recovering the stack after the kill, who runs only what the last message named; `ran` says what."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ran: list[str] = []

    def pulumi(self, *arguments: str, succeeds: bool = True) -> subprocess.CompletedProcess[str]:
        self.ran.append(" ".join(("pulumi", *arguments)))
        result = self.engine.run(*arguments, check=False)
        if succeeds:
            assert result.returncode == 0, f"`pulumi {' '.join(arguments)}` failed:\n{output(result)}"
        return result

    def edit(self, what: str, change: Callable[[dict[str, Any]], object]) -> None:
        self.ran.append(f"stack file: {what}")
        self.engine.edit_applications(STACK, change)


def recover(user: User) -> None:
    """Re-run `pulumi up`, then do what each message says, until an `up` succeeds and nothing is pending."""
    locked = user.pulumi("up", "--yes", succeeds=False)
    assert locked.returncode != 0 and LOCKED in locked.stderr, output(locked)
    user.pulumi("cancel", "--yes")
    up = user.pulumi("up", "--yes", succeeds=False)
    assert PENDING in up.stdout and REFRESH_CLEARS in up.stdout, output(up)  # the engine warns on the run after a kill
    if up.returncode != 0:
        follow_the_refusal(user, refusal(up))
    elif "interrupted while creating" in up.stdout:
        # The pending create outlives a successful `up`; the non-interactive form of refresh's "clear" choice drops it.
        assert CREATE_NEEDS_INTERACTIVE in up.stdout
        user.pulumi("refresh", "--clear-pending-creates", "--yes")


def refusal(up: subprocess.CompletedProcess[str]) -> str:
    """The provider's one-line refusal of a create whose name is taken."""
    lines = [line for line in up.stdout.splitlines() if "NameTakenError: " in line]
    assert len(lines) == 1, output(up)
    return lines[0].partition("NameTakenError: ")[2]


def follow_the_refusal(user: User, message: str) -> None:
    """Adopt the application the refusal names, in the order it names, declaring what it says differs."""
    found = re.search(r"call control application (\d+) already has the name '([^']+)'", message)
    assert found is not None, message
    app_id, name = found.groups()
    order = [EXPORT, "add the `import_id` line", CLEAR, UP]
    positions = [message.find(f"`{step}`" if step.startswith("pulumi") else step) for step in order]
    assert -1 not in positions and positions == sorted(positions), message
    assert import_line(app_id) in message, message
    declared = user.engine.declared(STACK)
    [entry] = [logical for logical, value in declared.items() if application_name(logical, value) == name]
    differing = re.findall(r"([a-z_.]+): the application has ", message.partition("It differs from this declaration in: ")[2])
    live = user.engine.fake.backend.applications[app_id]  # what the Telnyx portal shows of it

    user.pulumi("stack", "export", "--file", STATE_BACKUP)
    as_it_is = {path: live[path] for path in differing}
    what = f'add `import_id: "<id>"` to {entry}' + (f", declaring {', '.join(differing)} as it has them" if differing else "")
    user.edit(what, lambda applications: applications[entry].update(import_id=app_id, **as_it_is))
    user.pulumi("refresh", "--clear-pending-creates", "--yes")
    user.pulumi("up", "--yes")
    if differing:
        assert message.endswith("then put the entry back as it was, without the `import_id` line, and run `pulumi up --yes` again (it changes what was declared only to adopt the application)")
        user.edit(f"put {entry} back as it was", lambda applications: applications.update({entry: declared[entry]}))
        user.pulumi("up", "--yes")
    else:
        assert message.endswith("then remove the `import_id` line"), message
        user.edit("remove the import_id line", lambda applications: applications[entry].pop("import_id"))


# --- the test -------------------------------------------------------------------------------------------------


@pytest.fixture(params=["file", "postgres"])
def backend(request: pytest.FixtureRequest, engine: Engine) -> str:
    """The state backend: the folder the harness gives, or a fresh database of the session's PostgreSQL cluster."""
    if request.param == "postgres":
        cluster = request.getfixturevalue("postgres_cluster")
        engine.env["PULUMI_BACKEND_URL"] = cluster.url(cluster.database())
        engine.env["PGPASSWORD"] = cluster.password
    return str(request.param)


def deploy(engine: Engine) -> Engine:
    """The dev stack selected and deployed once, cleanly."""
    engine.select(STACK)
    engine.run("up", "--yes")
    return engine


@pytest.fixture
def deployed(engine: Engine, backend: str) -> Engine:
    """The dev stack deployed on the backend of the parameter."""
    return deploy(engine)


def names(engine: Engine) -> list[str]:
    return sorted(app["application_name"] for app in engine.fake.backend.applications.values())


@pytest.mark.parametrize("point", list(KILL_POINTS.values()), ids=list(KILL_POINTS))
def test_a_killed_up_is_recovered_by_what_its_messages_say_to_exactly_the_declared_applications(
    deployed: Engine, backend: str, point: KillPoint, request: pytest.FixtureRequest
) -> None:
    engine = deployed
    kill_up(engine, point)
    intended = engine.declared(STACK)
    left = names(engine)
    pending_left = pending_operations(engine)
    assert pending_left == [point.pending]  # the kill point was reached: the engine saved nothing after it

    user = User(engine)
    recover(user)

    assert user.ran == list(point.recovery)
    declared = engine.declared(STACK)
    assert declared == intended
    expected = sorted(application_name(logical, entry) for logical, entry in declared.items())
    assert names(engine) == expected  # each declared application once, and no other
    in_state = {resource["id"] for resource in engine.resources(STACK)}
    assert in_state == set(engine.fake.backend.applications)  # each in the state; none that no state holds
    assert pending_operations(engine) == []
    engine.run("preview", "--expect-no-changes")
    print(json.dumps({  # a row of the crash table (pytest -rA shows it)
        "test": request.node.callspec.id,
        "backend": backend, "ran": user.ran, "left by the kill": left, "pending after the kill": pending_left,
        "after recovery": names(engine), "duplicates": len(names(engine)) - len(set(names(engine))),
        "orphans": len(set(engine.fake.backend.applications) - in_state), "pending after recovery": pending_operations(engine),
    }))


# --- what the engine does, which the recovery relies on -----------------------------------------------------------


def test_a_kill_of_the_cli_group_alone_leaves_the_provider_to_finish_its_create(engine: Engine) -> None:
    deploy(engine)
    engine.edit_applications(STACK, add_voicemail)
    backend = engine.fake.backend
    backend.clear_requests()  # the deploy's own tags PATCHes are not the one this test waits for
    backend.inject(Fault(hold=True, hold_timeout=HOLD, times=1, method="POST"))
    with engine.started("up", "--yes") as cli:
        held = backend.wait_for_held(WAIT)
        tree = process_tree(cli.pid)
        try:
            os.killpg(cli.pid, signal.SIGKILL)
            wait_until(lambda: gone(cli.pid), "the CLI died")
            assert [pid for pid in tree if not gone(pid)] != []  # the provider plugin, in a process group of its own
            held.release()
            wait_until(lambda: bool(backend.calls("PATCH")), "the provider that outlived the kill sent the tags PATCH")
        finally:
            for pid in tree:  # the survivors this test made, by pid
                if not gone(pid):
                    os.kill(pid, signal.SIGKILL)
            backend.release_held()
    [voicemail] = [app for app in backend.applications.values() if app["application_name"] == "voicemail-dev"]
    assert voicemail["tags"] == ["dev", "managed-by-pulumi"]


def test_a_pending_create_outlives_a_successful_up(engine: Engine) -> None:
    kill_up(deploy(engine), KILL_POINTS["before-any-request"])
    engine.run("cancel", "--yes")
    engine.run("up", "--yes")
    assert "voicemail" in {resource["urn"].rpartition("::")[2] for resource in engine.resources(STACK)}
    assert pending_operations(engine) == [("creating", "voicemail")]


def test_a_refresh_without_clear_pending_creates_keeps_a_pending_create(engine: Engine) -> None:
    kill_up(deploy(engine), KILL_POINTS["before-any-request"])
    engine.run("cancel", "--yes")
    engine.run("refresh", "--yes")  # not interactive, so nobody is asked what to do with it
    assert pending_operations(engine) == [("creating", "voicemail")]


def test_import_pending_creates_drops_the_pending_create_and_adopts_nothing(engine: Engine) -> None:
    kill_up(deploy(engine), KILL_POINTS["create-tags-patch"])
    engine.run("cancel", "--yes")
    [made] = [app_id for app_id, app in engine.fake.backend.applications.items() if app["application_name"] == "voicemail-dev"]
    urn = next(op["resource"]["urn"] for op in engine.export(STACK)["deployment"]["pending_operations"])
    engine.run("refresh", "--yes", "--import-pending-creates", urn, "--import-pending-creates", made)
    assert pending_operations(engine) == []
    assert made not in {resource["id"] for resource in engine.resources(STACK)}
