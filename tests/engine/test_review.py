"""The review of real `pulumi preview --json` output: the engine's own JSON, through `python -m scripts.review`.

Each test makes a change the way a pull request does (the stack file, or the live account behind Pulumi's back),
previews it with the real CLI against the fake Telnyx, writes the JSON to a file and renders the comment with the
command's `main`, the project's own policies (policies/rules.py) included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.review import main

from ..support.stack_files import PROJECT
from .harness import Engine

REFRESH_OR_NOT = pytest.mark.parametrize("refresh", [False, True], ids=["without-refresh", "with-refresh"])


class Reviewer:
    """Previews written to files and the comment `scripts.review` prints for them."""

    def __init__(self, engine: Engine, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.engine, self.folder, self.capsys = engine, folder, capsys
        self.previews = 0

    def preview(self, stack: str, *flags: str) -> Path:
        """`pulumi preview --stack <stack> <flags> --json` into a file of its own."""
        result = self.engine.run("preview", "--stack", stack, *flags, "--json", check=False)
        self.previews += 1
        path = self.folder / f"{stack}-{self.previews}.json"
        path.write_text(result.stdout)
        return path

    def review(self, *previews: Path) -> tuple[int, str]:
        """`python -m scripts.review <previews>`: its exit code and the comment."""
        self.capsys.readouterr()
        code = main([str(path) for path in previews])
        return code, self.capsys.readouterr().out


@pytest.fixture
def reviewer(engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Reviewer:
    """The reviewer of this test's project copy."""
    return Reviewer(engine, tmp_path, capsys)


def deploy(engine: Engine, stack: str) -> dict[str, str]:
    """The committed stack file deployed: logical name → application id."""
    engine.select(stack)
    engine.run("up", "--stack", stack, "--yes")
    return dict(engine.outputs(stack)["application_ids"])


def flags(refresh: bool) -> tuple[str, ...]:
    return ("--refresh",) if refresh else ()


def test_a_first_preview_is_reviewed_as_a_create_of_each_application_listing_what_is_not_a_default(engine: Engine, reviewer: Reviewer) -> None:
    engine.select("prod")
    code, comment = reviewer.review(reviewer.preview("prod"))
    assert code == 0
    assert "### `prod` (production): 3 to create · 0 unchanged" in comment
    router = comment[comment.index("- **create** `call-router` — `acme-call-router`") :]
    assert router.index("  - `webhook_event_failover_url`: `https://failover.hooks.example.com/telnyx/call-router`") < router.index("\n- ")
    assert "  - `inbound.channel_limit`: `200`" in router and "`active`" not in router  # true is the API's default
    assert "Pulumi's own resources (no Telnyx call): create `telnyx-call-control-prod` (`pulumi:pulumi:Stack`)." in comment


@REFRESH_OR_NOT
def test_an_update_is_reviewed_setting_by_setting_old_to_new_with_its_dangers(engine: Engine, reviewer: Reviewer, refresh: bool) -> None:
    deploy(engine, "staging")

    def change(apps: dict[str, Any]) -> None:
        apps["call-router"]["webhook_event_url"] = "https://hooks.example.net/telnyx/call-router"
        apps["ivr"]["inbound"]["channel_limit"] = 5

    engine.edit_applications("staging", change)
    code, comment = reviewer.review(reviewer.preview("staging", *flags(refresh)))
    assert code == 0 and "### `staging`: 2 to update · 0 unchanged" in comment
    assert (
        "  - ⚠️ `webhook_event_url`: `https://staging.hooks.example.com/telnyx/call-router` → "
        "`https://hooks.example.net/telnyx/call-router` **moves to another host**"
    ) in comment
    assert "  - ⚠️ `inbound.channel_limit`: `10` → `5` **is lowered**" in comment
    assert comment.count("\n  - ") == 2  # nothing else differs


@REFRESH_OR_NOT
def test_the_unchanged_applications_are_counted_without_the_root_stack_or_the_default_provider(engine: Engine, reviewer: Reviewer, refresh: bool) -> None:
    deploy(engine, "staging")
    engine.edit_applications("staging", lambda apps: apps["ivr"].update(dtmf_type="SIP INFO"))
    _, comment = reviewer.review(reviewer.preview("staging", *flags(refresh)))
    assert "### `staging`: 1 to update · 1 unchanged" in comment


@REFRESH_OR_NOT
def test_a_change_made_in_the_live_account_is_reviewed_only_with_refresh_and_from_its_live_value(engine: Engine, reviewer: Reviewer, refresh: bool) -> None:
    ids = deploy(engine, "staging")
    engine.fake.backend.update(ids["call-router"], {"application_name": "call-router-staging", "webhook_event_url": "https://staging.hooks.example.com/telnyx/call-router", "inbound": {"channel_limit": 3}})
    _, comment = reviewer.review(reviewer.preview("staging", *flags(refresh)))
    if refresh:
        assert "### `staging`: 1 to update · 1 unchanged" in comment
        assert "  - `inbound.channel_limit`: `3` → `10`" in comment  # back to the declared value
    else:
        assert "No changes: `staging` matches the code (2 applications unchanged)." in comment


def test_a_removed_entry_is_reviewed_as_a_delete_naming_the_application_and_its_id(engine: Engine, reviewer: Reviewer) -> None:
    ids = deploy(engine, "staging")
    engine.edit_applications("staging", lambda apps: apps.pop("ivr"))
    code, comment = reviewer.review(reviewer.preview("staging", "--refresh"))
    assert code == 0
    assert f"- **delete** `ivr` — `ivr-staging`, id `{ids['ivr']}`" in comment
    assert "> - `staging` · **delete** `ivr` (`ivr-staging`): deletes the application from Telnyx" in comment


def test_the_delete_of_a_protected_application_fails_the_preview_in_the_engines_words(engine: Engine, reviewer: Reviewer) -> None:
    deploy(engine, "prod")
    engine.edit_applications("prod", lambda apps: apps.pop("eu-call-router"))
    code, comment = reviewer.review(reviewer.preview("prod"))
    assert code == 1 and "### `prod` (production): the preview failed" in comment
    urn = f"urn:pulumi:prod::{PROJECT}::pulumi-python:dynamic/telnyx:CallControlApplication::eu-call-router"
    assert f'error: Preview failed: resource "{urn}" cannot be deleted\nbecause it is protected.' in comment
    assert "\nerror: preview failed\n" in comment


def test_a_stack_file_mistake_is_reviewed_as_a_failed_preview_with_the_programs_error_twice(engine: Engine, reviewer: Reviewer) -> None:
    deploy(engine, "staging")
    engine.edit_applications("staging", lambda apps: apps["ivr"]["inbound"].update(channel_limit=-1))
    code, comment = reviewer.review(reviewer.preview("staging", "--refresh"))
    problem = "stack 'staging': application 'ivr': key 'inbound.channel_limit' got -1, out of range; expected a whole number of at least 0 (or null)"
    assert code == 1 and "> - the preview of `staging` failed (below)" in comment
    assert f"```text\nerror: Invalid stack configuration:\n{problem}\nerror: an unhandled error occurred: Invalid stack configuration:\n{problem}\n```" in comment
    assert "unchanged" not in comment  # the program registered nothing: no policy judged the refreshed applications


def test_an_adoption_the_providers_check_refuses_is_reviewed_with_the_engines_line_naming_import_id(engine: Engine, reviewer: Reviewer) -> None:
    engine.select("staging")
    portal = engine.fake.backend.add_from_portal({"application_name": "legacy-ivr", "webhook_event_url": "https://staging.hooks.example.com/telnyx/legacy", "dtmf_type": "SIP INFO"})
    legacy = {"application_name": "legacy-ivr", "webhook_event_url": "https://staging.hooks.example.com/telnyx/legacy", "dtmf_type": "Inband", "import_id": portal["id"]}
    engine.edit_applications("staging", lambda apps: apps.update({"legacy-ivr": legacy}))
    code, comment = reviewer.review(reviewer.preview("staging"))
    assert code == 1 and "### `staging`: the preview failed" in comment
    assert (
        f"error: pulumi-python:dynamic/telnyx:CallControlApplication resource 'legacy-ivr': property import_id value {{{portal['id']}}} "
        f"has a problem: dtmf_type: the application has 'SIP INFO', the program declares 'Inband'"
    ) in comment


def test_a_secret_webhook_url_is_reviewed_as_secret_and_never_shown(engine: Engine, reviewer: Reviewer) -> None:
    engine.select("dev")
    url = "https://dev.hooks.example.com/telnyx/ivr"
    engine.run("config", "set", "--stack", "dev", "--path", "--secret", "applications.ivr.webhook_event_url", url)
    engine.run("up", "--stack", "dev", "--yes")
    engine.edit_applications("dev", lambda apps: apps["ivr"].update(dtmf_type="SIP INFO"))
    preview = reviewer.preview("dev")
    code, comment = reviewer.review(preview)
    assert code == 0 and url not in preview.read_text() and url not in comment
    assert "  - `webhook_event_url`: [secret] (the preview hides secret values: not compared)" in comment
    assert "  - `dtmf_type`: `Inband` → `SIP INFO`" in comment
    assert "  - the policies could not check the secret settings (the preview hides their values)" in comment


def test_a_preview_failed_by_a_mandatory_policy_is_reviewed_with_the_violation_the_json_leaves_out(engine: Engine, reviewer: Reviewer) -> None:
    engine.select("prod")
    engine.edit_applications("prod", lambda apps: apps["ivr"].pop("webhook_event_failover_url"))
    engine.run("up", "--stack", "prod", "--yes")  # deployed without the pack: ivr is unchanged from here on
    code, comment = reviewer.review(reviewer.preview("prod", "--refresh", "--policy-pack", str(engine.project / "policies")))
    assert code == 1 and "```text\nerror: preview failed\n```" in comment
    assert "> **1 unchanged application breaks a mandatory policy, so the preview fails and `up` stops:**" in comment
    assert "> - `prod` · `ivr` (`acme-ivr`): 🛑 policy `prod-failover-on-another-host` (mandatory)" in comment
