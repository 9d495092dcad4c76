"""Each committed preview fixture against the engine's own `pulumi preview --json` for the same situation.

The fixtures (tests/fixtures/preview/, written by tests/support/preview_fixtures.py) are what the review's unit tests and
snapshots read; here the real CLI makes each fixture's situation and the two documents are compared key by key at
every level (tests/engine/json_shapes.py), so a fixture cannot drift from what the engine prints.
"""

from __future__ import annotations

import json

import pytest

from ..support.preview_fixtures import COMMITTED, PREVIEWS
from .harness import Engine
from .json_shapes import digest_differences
from .situations import make, preview


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_the_fixture_is_what_the_engine_prints_for_its_situation_key_by_key(engine: Engine, name: str) -> None:
    fixture = json.loads((PREVIEWS / name).read_text())
    situation = COMMITTED[name]
    make(engine, situation)
    result = preview(engine, situation)
    assert result.stdout.strip(), result.stderr
    assert digest_differences(fixture, json.loads(result.stdout)) == []


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_the_preview_of_the_fixtures_situation_fails_exactly_when_the_fixture_has_an_error(engine: Engine, name: str) -> None:
    fixture = json.loads((PREVIEWS / name).read_text())
    situation = COMMITTED[name]
    make(engine, situation)
    failed = any(d["severity"] == "error" for d in fixture.get("diagnostics", []))
    assert (preview(engine, situation).returncode != 0) == failed
