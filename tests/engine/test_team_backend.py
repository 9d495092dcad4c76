"""PostgreSQL as the team's backend, on the real engine against the fake: a stack's life in the table, the `table=`
option, the table's first creation, runs of one stack locked out of each other (and on the file backend, whose locks
are the same code), two stacks at once, a preview during an `up`, a runner killed holding its lock, and PostgreSQL
stopped in the middle of an `up`.

What the engine does, as read in pulumi/pulumi `pkg/backend/diy` at v3.260.0 and observed here:
- The URL `postgres://user@host:port/db?…` opens a table (`pulumi_state`, or `?table=`) through lib/pq, which takes
  the password from PGPASSWORD and defaults to `sslmode=require`. Every open runs `CREATE TABLE IF NOT EXISTS` and
  `CREATE INDEX IF NOT EXISTS` (postgres/bucket.go, schema.sql). A row per file, keyed by its path under the
  database's name (the URL's path is the bucket's folder), its bytes base64 in a JSON `data`.
- `Lock` (lock.go) lists the stack's lock folder, writes its own lock (pid, user, host, time), then lists again and
  gives up (removing its own) if it finds another: so of two runs started together at most one runs, and both can be
  refused. `up`, `refresh`, `destroy` and `stack import` lock; `preview` does not (backend.go).
- `pulumi cancel` (`CancelCurrentUpdate`) deletes every lock of the stack, a running update's too, and stops nothing.
- A checkpoint write is retried 10 times over about 30 s (state.go `saveStack`); the lock's delete 3 times in 140 ms.
- The engine starts its plugins in process groups of their own (`cmdutil.RegisterProcessGroup`), so a killed runner
  is modelled here by killing the `pulumi` process and every process under it, as a lost CI machine would.

A run is held in its middle with the fake's held answers (`Fault(hold=True)`): the request is served, its answer
waits until the test lets it go. Every wait is for a condition, with a deadline.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import secrets
import socket
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from stack_files.loader import application_name_of
from telnyx_fake import FakeTelnyxServer, Fault, TelnyxBackend

from ..support.stack_files import PROJECT
from .harness import Engine
from .postgres import PIPELINE_USER, PostgresCluster
from .processes import WAIT, kill_the_whole_run, wait_until

STACK = "dev"
LOCKED = "the stack is currently locked by"
USER = pwd.getpwuid(os.getuid()).pw_name  # what the engine's lock records (Go's user.Current, os.Hostname)
HOST = socket.gethostname()
# pkg/backend/diy/postgres/schema.sql for the default table: what docs/reliability.md's "PostgreSQL, once" runs.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pulumi_state (key TEXT PRIMARY KEY, data JSON NOT NULL, "
    "updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now());\n"
    "CREATE INDEX IF NOT EXISTS pulumi_state_key_prefix_idx ON pulumi_state (key text_pattern_ops);"
)
# The runbook's query (docs/reliability.md) of whose lock a stack has (the lock's JSON, as the engine wrote it).
WHOSE_LOCK = (
    "SELECT key, convert_from(decode(data->>'data', 'base64'), 'UTF8') FROM pulumi_state "
    "WHERE key LIKE '%/.pulumi/locks/%' ORDER BY updated_at"
)


# --- where the state is --------------------------------------------------------------------------------------------


class Locks(Protocol):
    def locks(self, stack: str) -> list[str]:
        """The stack's lock files now."""


def lock_folder(stack: str) -> str:
    """Where the diy backend keeps a stack's locks, under its `.pulumi/` (`stackLockDir`)."""
    return f".pulumi/locks/organization/{PROJECT}/{stack}/"


@dataclass
class StateTable:
    """The diy backend's table in one database, read as the server's superuser."""

    cluster: PostgresCluster
    database: str
    name: str = "pulumi_state"

    def rows(self, columns: str) -> list[list[str]]:
        return [
            line.split("|")
            for line in self.cluster.sql(f"SELECT {columns} FROM {self.name} ORDER BY key", self.database).splitlines()
        ]

    def keys(self) -> list[str]:
        return [key for (key,) in self.rows("key")]

    def files(self) -> dict[str, str]:
        """Every row as the file the engine wrote (its key, and its `data` decoded)."""
        return {key: base64.b64decode(data).decode() for key, data in self.rows("key, data->>'data'")}

    def written(self) -> dict[str, str]:
        """When each row was last written."""
        return dict((key, updated) for key, updated in self.rows("key, updated_at"))

    def locks(self, stack: str) -> list[str]:
        return [key for key in self.keys() if f"/{lock_folder(stack)}" in key]


@dataclass
class StateFolder:
    """The file backend's folder."""

    folder: Path

    def locks(self, stack: str) -> list[str]:
        return sorted(str(path) for path in (self.folder / lock_folder(stack)).glob("*.json"))


def point_at(engine: Engine, cluster: PostgresCluster, url: str) -> None:
    """Use the backend at `url`, the password in PGPASSWORD as docs/reliability.md says."""
    engine.env["PULUMI_BACKEND_URL"] = url
    engine.env["PGPASSWORD"] = cluster.password


@pytest.fixture
def cluster(postgres_cluster: PostgresCluster) -> Iterator[PostgresCluster]:
    """The session's server, running again after a test that stopped it, whatever happened in the test."""
    yield postgres_cluster
    if not postgres_cluster.running():
        postgres_cluster.resume()


@pytest.fixture
def table(engine: Engine, cluster: PostgresCluster) -> StateTable:
    """A fresh database owned by the pipeline's user, and the engine's state in it."""
    database = cluster.database()
    point_at(engine, cluster, cluster.url(database))
    return StateTable(cluster, database)


@pytest.fixture(params=["postgres", "file"])
def state(request: pytest.FixtureRequest, engine: Engine) -> Locks:
    """The state on PostgreSQL, or in the engine's own folder (the same locking code)."""
    if request.param == "postgres":
        found: StateTable = request.getfixturevalue("table")
        return found
    return StateFolder(engine.state)


# --- runs, held in their middle ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A finished `pulumi` command."""

    pid: int
    returncode: int
    output: str  # stdout, then stderr


def finish(process: subprocess.Popen[str], timeout: float = 240) -> Run:
    stdout, stderr = process.communicate(timeout=timeout)
    return Run(process.pid, process.returncode, stdout + stderr)


def kill_runner(process: subprocess.Popen[str]) -> None:
    """SIGKILL the `pulumi` process and everything it started: a runner lost mid-run."""
    kill_the_whole_run(process)
    process.wait(timeout=30)


@contextmanager
def running(engine: Engine, *arguments: str) -> Iterator[subprocess.Popen[str]]:
    """`pulumi <arguments>` started; if it still runs when the block ends, it is killed with its plugins."""
    with engine.started(*arguments) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                kill_runner(process)


@contextmanager
def answers_held(fake: FakeTelnyxServer, method: str) -> Iterator[TelnyxBackend]:
    """Every `method` request served, its answer held back until `let_go` (or the block's end)."""
    fake.backend.inject(Fault(hold=True, method=method))
    try:
        yield fake.backend
    finally:
        let_go(fake.backend)


@contextmanager
def up_held_at_its_creates(engine: Engine) -> Iterator[tuple[TelnyxBackend, subprocess.Popen[str]]]:
    """`pulumi up` of the stack started and held with every create's answer waiting (each POST applied)."""
    engine.select(STACK)
    wanted = declared_names(engine, STACK)
    with answers_held(engine.fake, "POST") as backend, running(engine, "up", "--stack", STACK, "--yes") as up:
        wait_until(lambda: len(backend.held()) == wanted.total(), "create of the up answered")
        yield backend, up


def let_go(backend: TelnyxBackend) -> None:
    backend.clear_faults()
    backend.release_held()


def declared_names(engine: Engine, stack: str) -> Counter[str]:
    """The Telnyx names the stack file declares, once each."""
    return Counter(application_name_of(stack, logical, spec) for logical, spec in engine.declared(stack).items())


def names_in_account(fake: FakeTelnyxServer) -> Counter[str]:
    return Counter(app["application_name"] for app in fake.backend.applications.values())


def owner(pid: int) -> str:
    """How a refused run names the lock of the `pulumi` process `pid`."""
    return f"created by {USER}@{HOST} (pid {pid}) at "


def pending_operations(engine: Engine, stack: str) -> list[object]:
    return list(engine.export(stack)["deployment"].get("pending_operations") or [])


# --- a stack's life in the table -----------------------------------------------------------------------------------


def test_a_stack_deployed_to_postgres_lives_in_the_table_and_previews_with_no_change(
    engine: Engine, table: StateTable
) -> None:
    engine.select(STACK)
    engine.run("up", "--stack", STACK, "--yes")
    engine.run("preview", "--stack", STACK, "--refresh", "--expect-no-changes")

    files = table.files()
    checkpoint = json.loads(files[f"{table.database}/.pulumi/stacks/{PROJECT}/{STACK}.json"])
    ids = {
        r["id"]
        for r in checkpoint["checkpoint"]["latest"]["resources"]
        if r["type"].endswith(":CallControlApplication")
    }
    assert ids == set(engine.fake.backend.applications)
    assert f"{table.database}/.pulumi/meta.yaml" in files
    assert any(key.startswith(f"{table.database}/.pulumi/history/{PROJECT}/{STACK}/") for key in files)
    assert table.locks(STACK) == []


def test_the_password_is_in_no_row_and_no_output(engine: Engine, table: StateTable, cluster: PostgresCluster) -> None:
    outputs = [
        engine.run("stack", "select", "--create", STACK),
        engine.run("up", "--stack", STACK, "--yes"),
        engine.run("preview", "--stack", STACK, "--refresh", "--diff"),
        engine.run("stack", "export", "--stack", STACK),
        engine.run("stack", "ls"),
    ]
    assert all(cluster.password not in run.stdout + run.stderr for run in outputs)
    assert all(cluster.password not in key + text for key, text in table.files().items())


def test_the_table_option_keeps_the_state_in_that_table_alone(engine: Engine, cluster: PostgresCluster) -> None:
    database = cluster.database()
    point_at(engine, cluster, cluster.url(database, table="telnyx_state"))
    engine.select(STACK)
    engine.run("up", "--stack", STACK, "--yes")

    named = StateTable(cluster, database, "telnyx_state")
    assert f"{database}/.pulumi/stacks/{PROJECT}/{STACK}.json" in named.keys()
    assert cluster.sql("SELECT to_regclass('public.pulumi_state') IS NULL", database).strip() == "t"


# --- the table's first creation ------------------------------------------------------------------------------------


def test_a_database_the_pipeline_does_not_own_refuses_it_the_table(engine: Engine, cluster: PostgresCluster) -> None:
    if int(cluster.sql("SHOW server_version_num")) < 150000:
        pytest.skip("before PostgreSQL 15 every user may create in the public schema")
    database = f"not_owned_{secrets.token_hex(4)}"
    cluster.sql(f"CREATE DATABASE {database}")  # owned by the server's superuser, as a DBA's default would be
    point_at(engine, cluster, cluster.url(database))

    refused = engine.run("stack", "ls", check=False)
    assert refused.returncode != 0
    assert "failed to create table pulumi_state: pq: permission denied for schema public" in refused.stderr


@contextmanager
def uncommitted(cluster: PostgresCluster, database: str, statements: str) -> Iterator[Callable[[], None]]:
    """A session of the pipeline's user that ran `statements` in a transaction and has not committed: another
    pipeline's first run caught in the middle. The block gets the function that commits."""
    psql = subprocess.Popen(
        [str(cluster.bin / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
         f"host=127.0.0.1 port={cluster.port} dbname={database} user={PIPELINE_USER} sslmode=disable"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PGPASSWORD": cluster.password},
    )  # fmt: skip
    assert psql.stdin is not None and psql.stdout is not None

    def commit() -> None:
        assert psql.stdin is not None
        psql.stdin.write("COMMIT;\n")
        psql.stdin.close()
        assert psql.wait(timeout=WAIT) == 0, psql.communicate()

    try:
        psql.stdin.write(f"BEGIN;\n{statements}\nSELECT 'ran';\n")
        psql.stdin.flush()
        assert psql.stdout.readline().strip() == "ran", psql.communicate()
        yield commit
    finally:
        if psql.poll() is None:
            psql.kill()
            psql.wait(timeout=WAIT)


def sessions_waiting_on_a_lock(cluster: PostgresCluster, database: str) -> int:
    return int(
        cluster.sql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND wait_event_type = 'Lock'")
    )


def test_two_first_runs_racing_to_create_the_table_can_fail(engine: Engine, cluster: PostgresCluster) -> None:
    database = cluster.database()
    point_at(engine, cluster, cluster.url(database))
    with uncommitted(cluster, database, SCHEMA) as commit, running(engine, "stack", "ls") as second:
        wait_until(
            lambda: sessions_waiting_on_a_lock(cluster, database) == 1, "engine session waiting on the other's table"
        )
        commit()
        refused = finish(second)
    assert refused.returncode != 0
    assert "failed to create table pulumi_state: pq: duplicate key value violates unique constraint" in refused.output


def test_once_the_table_exists_first_runs_starting_together_do_not_conflict(
    engine: Engine, cluster: PostgresCluster
) -> None:
    database = cluster.database()
    point_at(engine, cluster, cluster.url(database))
    engine.run("stack", "ls")  # docs/reliability.md's "PostgreSQL, once": any command makes the table
    with uncommitted(cluster, database, SCHEMA) as commit:
        listed = engine.run("stack", "ls", check=False)
        commit()
    assert listed.returncode == 0, listed.stderr


# --- runs of one stack lock each other out -------------------------------------------------------------------------


def test_an_up_started_while_another_runs_is_refused_naming_the_running_one(engine: Engine, state: Locks) -> None:
    wanted = declared_names(engine, STACK)
    with up_held_at_its_creates(engine) as (backend, first):
        requests_before = len(backend.calls())
        second = engine.run("up", "--stack", STACK, "--yes", check=False)
        requests_after = len(backend.calls())
        let_go(backend)
        first_run = finish(first)

    assert second.returncode != 0
    assert f"{LOCKED} 1 lock(s)" in second.stderr and owner(first.pid) in second.stderr
    assert lock_folder(STACK) in second.stderr
    assert requests_after == requests_before  # refused before it sent Telnyx anything
    assert first_run.returncode == 0, first_run.output
    assert names_in_account(engine.fake) == wanted


def test_two_ups_of_one_stack_started_together_never_both_run_and_a_retry_converges(
    engine: Engine, state: Locks
) -> None:
    engine.select(STACK)
    wanted = declared_names(engine, STACK)
    with (
        answers_held(engine.fake, "POST") as backend,
        running(engine, "up", "--stack", STACK, "--yes") as one,
        running(engine, "up", "--stack", STACK, "--yes") as other,
    ):
        # The one that got the lock is held at its creates until the other has tried for the lock and ended.
        def settled() -> bool:
            ended = [process for process in (one, other) if process.poll() is not None]
            return len(ended) == 2 or (len(ended) == 1 and len(backend.held()) == wanted.total())

        wait_until(settled, "end of the refused run(s)")
        let_go(backend)
        runs = [finish(one), finish(other)]

    assert sum(run.returncode == 0 for run in runs) <= 1
    for refused, rival in ((runs[0], runs[1]), (runs[1], runs[0])):
        if refused.returncode != 0:
            assert LOCKED in refused.output and owner(rival.pid) in refused.output, refused.output
    assert state.locks(STACK) == []
    engine.run("up", "--stack", STACK, "--yes")
    assert names_in_account(engine.fake) == wanted
    engine.run("preview", "--stack", STACK, "--refresh", "--expect-no-changes")


def test_dev_and_staging_deployed_at_the_same_moment_into_one_database_and_account_keep_apart(
    engine: Engine, table: StateTable
) -> None:
    stacks = ("dev", "staging")
    for stack in stacks:
        engine.select(stack)
    wanted = {stack: declared_names(engine, stack) for stack in stacks}
    with (
        answers_held(engine.fake, "POST") as backend,
        running(engine, "up", "--stack", "dev", "--yes") as dev,
        running(engine, "up", "--stack", "staging", "--yes") as staging,
    ):
        wait_until(lambda: all(table.locks(stack) for stack in stacks), "moment with both stacks locked")
        let_go(backend)
        runs = [finish(dev), finish(staging)]

    assert [run.returncode for run in runs] == [0, 0], [run.output for run in runs]
    assert names_in_account(engine.fake) == wanted["dev"] + wanted["staging"]
    for stack in stacks:
        ids = engine.outputs(stack)["application_ids"].values()
        assert Counter(engine.fake.backend.applications[i]["application_name"] for i in ids) == wanted[stack]
        engine.run("preview", "--stack", stack, "--refresh", "--expect-no-changes")


def test_a_preview_during_an_up_takes_no_lock_writes_nothing_and_shows_the_last_saved_state(
    engine: Engine, table: StateTable
) -> None:
    wanted = declared_names(engine, STACK)
    with up_held_at_its_creates(engine) as (backend, up):
        locks, written = table.locks(STACK), table.written()
        preview = engine.run("preview", "--stack", STACK, "--refresh", check=False)
        assert (table.locks(STACK), table.written()) == (locks, written) and up.poll() is None
        let_go(backend)
        up_run = finish(up)

    assert preview.returncode == 0, preview.stderr
    # The up's creates were not yet in the checkpoint the preview read, though Telnyx had made them.
    assert f"+ {wanted.total()} to create" in preview.stdout
    assert up_run.returncode == 0, up_run.output
    assert names_in_account(engine.fake) == wanted
    engine.run("preview", "--stack", STACK, "--refresh", "--expect-no-changes")


# --- a runner killed holding its lock ------------------------------------------------------------------------------


def kill_an_up_mid_run(engine: Engine) -> int:
    """`pulumi up` of a new stack killed, with its plugins, while its creates' name lookups are being answered (no
    create has reached Telnyx yet); return the killed CLI's pid."""
    engine.select(STACK)
    wanted = declared_names(engine, STACK)
    with answers_held(engine.fake, "GET") as backend, running(engine, "up", "--stack", STACK, "--yes") as up:
        wait_until(lambda: len(backend.held()) == wanted.total(), "name lookup of the up")
        kill_runner(up)
    assert engine.fake.backend.applications == {}
    return up.pid


def test_a_killed_runners_lock_stays_and_a_later_up_is_refused_naming_it(engine: Engine, table: StateTable) -> None:
    killed = kill_an_up_mid_run(engine)

    refused = engine.run("up", "--stack", STACK, "--yes", check=False)
    assert refused.returncode != 0
    assert f"{LOCKED} 1 lock(s)" in refused.stderr and owner(killed) in refused.stderr
    ((key, lock),) = (row.split("|", 1) for row in table.cluster.sql(WHOSE_LOCK, table.database).splitlines())
    assert key in table.locks(STACK) and json.loads(lock)["pid"] == killed
    assert engine.fake.backend.applications == {}


def test_pulumi_cancel_clears_a_killed_runners_lock_and_the_next_up_converges(
    engine: Engine, table: StateTable
) -> None:
    kill_an_up_mid_run(engine)

    cancelled = engine.run("cancel", "--stack", STACK, "--yes")
    assert f"The currently running update for '{STACK}' has been canceled!" in cancelled.stdout
    assert table.locks(STACK) == []
    engine.run("refresh", "--stack", STACK, "--clear-pending-creates", "--yes")
    engine.run("up", "--stack", STACK, "--yes")
    assert names_in_account(engine.fake) == declared_names(engine, STACK)
    engine.run("preview", "--stack", STACK, "--refresh", "--expect-no-changes")
    assert pending_operations(engine, STACK) == []


def test_pulumi_cancel_deletes_the_lock_of_an_up_still_running_and_stops_nothing(
    engine: Engine, table: StateTable
) -> None:
    wanted = declared_names(engine, STACK)
    with up_held_at_its_creates(engine) as (backend, up):
        engine.run("cancel", "--stack", STACK, "--yes")
        assert table.locks(STACK) == [] and up.poll() is None  # a second up would no longer be refused
        let_go(backend)
        up_run = finish(up)

    assert up_run.returncode == 0
    assert "there was a problem deleting the lock" in up_run.output  # its own lock was gone when it ended
    assert names_in_account(engine.fake) == wanted


# --- PostgreSQL stopped in the middle of an up ---------------------------------------------------------------------


def up_through_an_outage(engine: Engine, cluster: PostgresCluster) -> Run:
    """`pulumi up` of a new stack with PostgreSQL stopped while its creates are answered, and kept stopped until the
    up ends (started again before this returns)."""
    with up_held_at_its_creates(engine) as (backend, up):
        cluster.pause()
        try:
            let_go(backend)
            return finish(up)
        finally:
            cluster.resume()


def test_postgres_stopped_mid_up_fails_it_naming_the_backend_without_the_password_and_duplicating_nothing(
    engine: Engine, table: StateTable, cluster: PostgresCluster
) -> None:
    up = up_through_an_outage(engine, cluster)

    assert up.returncode != 0
    assert "failed to save snapshot: An IO error occurred while writing the new snapshot file" in up.output
    assert "connect: connection refused" in up.output
    masked_url = f"postgres://****:****@127.0.0.1:{cluster.port}/{table.database}/{lock_folder(STACK)}"
    assert f"there was a problem deleting the lock at {masked_url}" in up.output
    assert cluster.password not in up.output
    assert names_in_account(engine.fake) == declared_names(engine, STACK)
    assert len(engine.fake.backend.calls("POST")) == declared_names(engine, STACK).total()


def test_after_postgres_is_back_the_recovery_converges(
    engine: Engine, table: StateTable, cluster: PostgresCluster
) -> None:
    up = up_through_an_outage(engine, cluster)
    made = {app["application_name"]: app_id for app_id, app in engine.fake.backend.applications.items()}

    # 1. The failed up could not delete its lock: the next run names it; that up has ended, so cancel is safe.
    refused = engine.run("up", "--stack", STACK, "--yes", check=False)
    assert refused.returncode != 0 and owner(up.pid) in refused.stderr
    engine.run("cancel", "--stack", STACK, "--yes")
    # 2. The state lost the creates' ids: each create is refused by name, naming the application to adopt.
    retried = engine.run("up", "--stack", STACK, "--yes", check=False)
    assert retried.returncode != 0
    assert all(f'import_id: "{app_id}"' in retried.stdout + retried.stderr for app_id in made.values())
    assert len(engine.fake.backend.calls("POST")) == len(made)  # no second POST
    # 3. Adopt them, drop the pending creates, and take the import_id lines out again.
    engine.edit_applications(
        STACK,
        lambda apps: [
            spec.update(import_id=made[application_name_of(STACK, logical, spec)]) for logical, spec in apps.items()
        ],
    )
    engine.run("refresh", "--stack", STACK, "--clear-pending-creates", "--yes")
    engine.run("up", "--stack", STACK, "--yes")
    engine.edit_applications(STACK, lambda apps: [spec.pop("import_id") for spec in apps.values()])

    engine.run("preview", "--stack", STACK, "--refresh", "--expect-no-changes")
    assert names_in_account(engine.fake) == declared_names(engine, STACK)
    assert set(engine.outputs(STACK)["application_ids"].values()) == set(made.values())
    assert pending_operations(engine, STACK) == [] and table.locks(STACK) == []


class Lines:
    """A running command's output read as it comes, so a test can wait for a line in it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._text: list[str] = []
        self._lock = threading.Lock()
        self._readers = [
            threading.Thread(target=self._read, args=(stream,), daemon=True)
            for stream in (process.stdout, process.stderr)
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._lock:
                self._text.append(line)

    def has(self, text: str) -> bool:
        with self._lock:
            return any(text in line for line in self._text)

    def all(self) -> str:
        for reader in self._readers:
            reader.join(timeout=WAIT)
        return "".join(self._text)


def test_postgres_back_within_the_engines_write_retries_lets_the_up_finish(
    engine: Engine, table: StateTable, cluster: PostgresCluster
) -> None:
    engine.select(STACK)
    wanted = declared_names(engine, STACK)
    with (
        answers_held(engine.fake, "POST") as backend,
        running(engine, "up", "--stack", STACK, "--yes", "-v=7", "--logtostderr") as up,
    ):
        lines = Lines(up)
        wait_until(lambda: len(backend.held()) == wanted.total(), "create of the up answered")
        cluster.pause()
        try:
            let_go(backend)
            wait_until(lambda: lines.has("Error while writing snapshot"), "failed checkpoint write")
        finally:
            cluster.resume()
        assert up.wait(timeout=WAIT) == 0, lines.all()[-3000:]
        lines.all()

    assert table.locks(STACK) == []
    assert names_in_account(engine.fake) == wanted
    engine.run("preview", "--stack", STACK, "--refresh", "--expect-no-changes")


# --- what the engine prints of a URL that carries a password (why scripts/backend_url.py warns) ---------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgres://pipeline:{password}@127.0.0.1:1/pulumi?sslmode=disable",
            "postgres://pipeline:[credential]@127.0.0.1:1/pulumi",
        ),
        ("postgres://pipeline@127.0.0.1:1/pulumi?sslmode=disable&password={password}", "password={password}"),
    ],
    ids=["user part: hidden", "query: printed"],
)
def test_what_the_engine_prints_of_a_password_in_the_url_it_cannot_open(engine: Engine, url: str, shown: str) -> None:
    password = f"pw-{secrets.token_hex(6)}"
    failed = engine.run("stack", "ls", check=False, env={"PULUMI_BACKEND_URL": url.format(password=password)})
    assert failed.returncode != 0
    assert 'error: unable to open state database "' in failed.stderr
    assert shown.format(password=password) in failed.stderr
