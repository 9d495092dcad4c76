"""A private PostgreSQL cluster on a free loopback port, for the team-backend tests (Debian's server).

The server refuses to run as root, and pytest's temporary folders are private to root, so when the tests run
as root the cluster lives in a folder under /var/tmp owned by the server's own user (`postgres`) and every
server command runs as that user (`runuser`). The pipeline's user gets a password (scram-sha-256 over TCP)
and owns its database, as docs/reliability.md's setup asks; the URL handed to Pulumi never carries the password (it goes
in PGPASSWORD). `stop()` stops the server and removes the folder: nothing is left running.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from scripts import install_postgres

SERVER_USER = "postgres"
PIPELINE_USER = "pipeline"


def server_binaries() -> Path | None:
    """The newest installed server's bin folder (`/usr/lib/postgresql/<major>/bin`), or None."""
    initdb = install_postgres.installed()
    return initdb.parent if initdb else None


def why_unavailable() -> str | None:
    """Why no cluster can be started here, or None when one can."""
    if server_binaries() is None:
        return "Debian's PostgreSQL server is not installed (`make postgres`, which `make test` runs, installs it with apt-get as root)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without `runuser`, so the server (which refuses root) cannot be started"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """One running cluster; `database()` makes a fresh database owned by the pipeline's user."""

    def __init__(self) -> None:
        binaries = server_binaries()
        assert binaries is not None, why_unavailable()
        self.bin = binaries
        self.port = _free_port()
        self.password = f"pw-{secrets.token_hex(12)}"
        self.folder = Path(tempfile.mkdtemp(prefix="pulumi-pg-", dir="/var/tmp"))  # the server's user must reach it
        self.databases = 0
        if os.geteuid() == 0:
            shutil.chown(self.folder, SERVER_USER, SERVER_USER)
        self._start()

    def _as_server(self, *command: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, check=True, timeout=120, **kwargs)  # type: ignore[call-overload]

    def _start(self) -> None:
        data, socket_dir = self.folder / "data", self.folder / "socket"
        self._as_server(str(self.bin / "initdb"), "-D", str(data), "-U", SERVER_USER, "--auth-local=trust", "--auth-host=scram-sha-256")
        self._as_server("mkdir", str(socket_dir))
        options = f"-p {self.port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_server(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "start")
        self.sql(f"CREATE ROLE {PIPELINE_USER} LOGIN PASSWORD '{self.password}'")

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the server's superuser over the local socket; return psql's output."""
        return self._as_server(
            str(self.bin / "psql"), "-h", str(self.folder / "socket"), "-p", str(self.port), "-U", SERVER_USER,
            "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", statement,
        ).stdout

    def database(self) -> str:
        """A new database owned by the pipeline's user; return its name."""
        self.databases += 1
        name = f"pulumi_{self.databases}"
        self.sql(f"CREATE DATABASE {name} OWNER {PIPELINE_USER}")
        return name

    def url(self, database: str, **options: str) -> str:
        """The backend URL for `database`, with no password in it (the engine's lib/pq reads PGPASSWORD)."""
        query = "&".join(f"{k}={v}" for k, v in {"sslmode": "disable", **options}.items())
        return f"postgres://{PIPELINE_USER}@127.0.0.1:{self.port}/{database}?{query}"

    def pause(self) -> None:
        """Stop the server (fast shutdown), keeping its data: PostgreSQL going away in the middle of a run."""
        self._as_server(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start the stopped server again on the same port."""
        options = f"-p {self.port} -k {self.folder / 'socket'} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_server(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def running(self) -> bool:
        status = subprocess.run(
            [*(["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []), str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "status"],
            capture_output=True, text=True, check=False,
        )
        return status.returncode == 0

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self.running():
            self._as_server(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
