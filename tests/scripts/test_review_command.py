"""`python -m scripts.review` and `make review`: files in, one comment out, exit codes a pipeline can use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.review import main

from ..support.preview_fixtures import PREVIEWS, go_json, staging_failed

DEV, STAGING, PROD, FAILED = (PREVIEWS / n for n in ("dev-no-changes.json", "staging-updates.json", "prod-mixed.json", "staging-failed.json"))


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


def test_it_prints_one_comment_for_all_the_files_in_their_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, DEV, STAGING, PROD)
    assert code == 0 and out.startswith("<!-- telnyx-call-control:review -->")
    assert out.index("### `dev`") < out.index("### `staging`") < out.index("### `prod`")


def test_the_stack_comes_from_the_urns_not_the_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    renamed = tmp_path / "whatever.json"
    renamed.write_text(PROD.read_text())
    _, out = run(capsys, renamed)
    assert "### `prod` (production)" in out


@pytest.mark.parametrize(("path", "expected"), [(DEV, 0), (PROD, 2), (FAILED, 1)])
def test_the_detailed_exit_code_tells_no_changes_from_changes_from_failure(capsys: pytest.CaptureFixture[str], path: Path, expected: int) -> None:
    assert run(capsys, "--detailed-exitcode", path)[0] == expected


def test_the_projects_policies_name_an_unchanged_application_that_breaks_one_which_is_not_drift(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--detailed-exitcode", PREVIEWS / "prod-unchanged-against-policy.json")
    assert code == 0  # nothing would change; the preview's own exit status says it failed on the policy
    assert "> - `prod` · `fax-gateway` (`acme-fax-gateway`): 🛑 policy `prod-failover-on-another-host` (mandatory)" in out
    assert "The policies could not check the secret settings of unchanged `voicemail`" in out


def test_without_the_flag_changes_exit_zero_and_a_failed_preview_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, PROD)[0] == 0
    assert run(capsys, DEV, FAILED)[0] == 1


def test_a_file_that_is_not_a_preview_is_named_and_the_others_still_rendered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty, garbage, missing = tmp_path / "prod.json", tmp_path / "x.json", tmp_path / "missing.json"
    empty.write_text("")
    garbage.write_text("error: no stack named 'prod' found\n")
    code, out = run(capsys, DEV, empty, garbage, missing)
    assert code == 1 and "### `dev`" in out
    assert "the file is empty" in out and "not JSON" in out and "missing.json" in out


def test_a_file_with_steps_of_two_stacks_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev, prod = json.loads(DEV.read_text()), json.loads(PROD.read_text())
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps({**dev, "steps": dev["steps"] + prod["steps"]}))
    code, out = run(capsys, mixed)
    assert code == 1 and "steps of several stacks (dev, prod)" in out


def test_the_api_key_in_the_environment_never_reaches_the_comment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    key = "review-test-key-0123456789abcdef"
    failed = staging_failed()
    failed.diagnostics[0].message = f"error: 401 for Bearer {key}\n"
    path = tmp_path / "staging.json"
    path.write_text(go_json(failed))
    monkeypatch.setenv("TELNYX_API_KEY", key)
    _, out = run(capsys, path)
    assert key not in out and "Bearer ***" in out


def test_the_limit_can_be_lifted_for_a_job_summary(capsys: pytest.CaptureFixture[str]) -> None:
    _, whole = run(capsys, "--limit", "0", PROD)
    limit = len(whole) - 200
    _, cut = run(capsys, "--limit", str(limit), PROD)
    assert len(cut) <= limit and "Cut to fit the" in cut and "Cut to fit" not in whole
