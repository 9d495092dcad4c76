"""A stack deployed before the layout move (tests/fixtures/pre_move_state: its exported state, stack file and fake
account, made with the real engine at commit 1f49135) still previews with no change, refreshes and destroys.

Every stack's state holds the provider pickled by reference, `provider.dynamic_provider.CallControlApplicationProvider`:
the module path dill wrote when it was deployed. Moving that class would leave every deployed stack unreadable.
"""

from __future__ import annotations

import base64
import json
import shutil

from ..support.stack_files import ROOT
from .harness import Engine

FIXTURE = ROOT / "tests" / "fixtures" / "pre_move_state"


def deployed_before_the_move(engine: Engine) -> dict[str, str]:
    """The fixture's stack file, account and state put in place; the application ids its outputs name."""
    shutil.copy(FIXTURE / "Pulumi.dev.yaml", engine.stack_file("dev"))
    engine.fake.backend.load(str(FIXTURE / "account.json"))
    engine.run("stack", "init", "dev")
    engine.run("stack", "import", "--stack", "dev", "--file", str(FIXTURE / "dev.state.json"))
    return dict(engine.outputs("dev")["application_ids"])


def test_the_fixture_holds_the_provider_by_reference_to_its_module() -> None:
    resources = json.loads((FIXTURE / "dev.state.json").read_text())["deployment"]["resources"]
    pickled = [base64.b64decode(r["inputs"]["__provider"]) for r in resources if "__provider" in r.get("inputs", {})]
    assert len(pickled) == 2
    assert all(b"provider.dynamic_provider" in p and b"CallControlApplicationProvider" in p for p in pickled)


def test_a_stack_deployed_before_the_move_previews_unchanged_refreshes_and_destroys(engine: Engine) -> None:
    ids = deployed_before_the_move(engine)
    assert set(ids.values()) == set(engine.fake.backend.applications)

    engine.run("preview", "--stack", "dev", "--expect-no-changes")
    engine.run("refresh", "--stack", "dev", "--yes", "--expect-no-changes")
    engine.run("destroy", "--stack", "dev", "--yes")
    assert engine.fake.backend.applications == {}
    assert engine.resources("dev") == []
