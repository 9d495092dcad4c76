"""Fixtures of the real-engine tests: one project copy, state folder and fake account per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from .harness import API_KEY, Engine, copy_project, needs_engine
from .postgres import PostgresCluster, why_unavailable


@pytest.fixture
def fake() -> Iterator[FakeTelnyxServer]:
    """The fake Telnyx account the engine's provider talks to over loopback HTTP."""
    with FakeTelnyxServer(TelnyxBackend(api_key=API_KEY)) as server:
        yield server


@pytest.fixture
def engine(tmp_path: Path, fake: FakeTelnyxServer) -> Engine:
    """The real CLI in a fresh copy of the project, with a real passphrase and its own state folder."""
    state = tmp_path / "state"
    state.mkdir()
    return Engine(copy_project(tmp_path / "project"), state, fake, tmp_path / "pulumi-home")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder needs the engine (and skips, with one reason, only where there is none)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(needs_engine)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One private PostgreSQL server for the session (stopped, and its folder removed, at the end)."""
    reason = why_unavailable()
    if reason is not None:
        pytest.skip(f"PostgreSQL cannot be had here: {reason}")
    cluster = PostgresCluster()
    try:
        yield cluster
    finally:
        cluster.stop()
