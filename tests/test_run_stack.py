"""The main job's wiring (`make up` / `make preview` / `make destroy` run scripts/run_stack.py).

A stand-in `pulumi` on PATH records how it was called and probes the API it was pointed at;
the real CLI is exercised by the Automation API tests where it is installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from .stack_files import ROOT

STAND_IN = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import json, os, sys, urllib.request
    record = {{"argv": sys.argv[1:], "backend": os.environ.get("PULUMI_BACKEND_URL"),
              "base_url": os.environ.get("TELNYX_BASE_URL"), "passphrase": os.environ.get("PULUMI_CONFIG_PASSPHRASE")}}
    if sys.argv[1] != "stack" and os.environ.get("TELNYX_BASE_URL"):
        request = urllib.request.Request(os.environ["TELNYX_BASE_URL"] + "/call_control_applications",
                                         headers={{"Authorization": "Bearer " + os.environ["TELNYX_API_KEY"]}})
        record["api_status"] = urllib.request.urlopen(request).status
    with open(os.environ["STAND_IN_LOG"], "a") as log:
        log.write(json.dumps(record) + "\\n")
    """
)


def run(command: list[str], tmp_path: Path, env: dict[str, str] | None = None, with_cli: bool = True) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if with_cli:
        cli = bin_dir / "pulumi"
        cli.write_text(STAND_IN)
        cli.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELNYX_", "PULUMI_"))}
    environment.update(PATH=f"{bin_dir}:/usr/bin:/bin", STAND_IN_LOG=str(log), **(env or {}))
    result = subprocess.run(
        [sys.executable, "-m", "scripts.run_stack", *command], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def test_without_the_cli_it_says_how_to_install_it_in_one_line_and_fails(tmp_path: Path) -> None:
    result, _ = run(["up"], tmp_path, with_cli=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Pulumi CLI is not installed" in lines[0] and "get.pulumi.com" in lines[0]


def test_up_without_a_key_runs_against_the_local_fake_with_a_local_backend(tmp_path: Path) -> None:
    result, calls = run(["up", "--stack", "dev"], tmp_path)
    assert result.returncode == 0, result.stderr
    select, up = calls
    assert select["argv"] == ["stack", "select", "--create", "dev"]
    assert up["argv"] == ["up", "--stack", "dev", "--yes"]
    assert up["backend"] == (ROOT / ".fake-telnyx" / "state").as_uri()
    assert up["base_url"].startswith("http://127.0.0.1:") and up["api_status"] == 200
    assert up["passphrase"] == ""
    assert "using the local fake Telnyx" in result.stdout


def test_with_a_key_it_targets_the_real_api_and_asks_before_changing_anything(tmp_path: Path) -> None:
    result, calls = run(["up", "--stack", "prod"], tmp_path, env={"TELNYX_API_KEY": "real-key-not-used"})
    assert result.returncode == 0, result.stderr
    assert calls[-1]["argv"] == ["up", "--stack", "prod"] and calls[-1]["base_url"] is None
    assert calls[-1]["passphrase"] is None
    assert calls[-1]["backend"] == (ROOT / ".pulumi-state").as_uri()  # never the demo's state


def test_yes_skips_the_prompt_against_the_real_api(tmp_path: Path) -> None:
    _, calls = run(["--yes", "up", "--stack", "prod"], tmp_path, env={"TELNYX_API_KEY": "real-key-not-used"})
    assert calls[-1]["argv"] == ["up", "--stack", "prod", "--yes"]


def test_a_key_or_base_url_in_the_stack_file_also_means_the_real_api() -> None:
    from scripts.run_stack import uses_real_api

    assert not uses_real_api({}, {"telnyx-call-control:applications": {}})
    assert uses_real_api({"TELNYX_API_KEY": "k"}, {})
    assert uses_real_api({}, {"telnyx:apiKey": {"secure": "v1:abc"}})
    assert uses_real_api({}, {"telnyx:baseUrl": "https://api.telnyx.com/v2"})


def test_preview_shows_the_detailed_diff(tmp_path: Path) -> None:
    _, calls = run(["preview", "--stack", "staging"], tmp_path)
    assert calls[-1]["argv"] == ["preview", "--diff", "--stack", "staging"]


def test_an_unknown_stack_is_refused(tmp_path: Path) -> None:
    result, calls = run(["up", "--stack", "qa"], tmp_path)
    assert result.returncode == 2 and "stacks/Pulumi.qa.yaml" in result.stderr and calls == []


def test_preview_can_write_the_engines_json_to_a_file_for_the_review(tmp_path: Path) -> None:
    out = tmp_path / "dev.json"
    result, calls = run(["preview", "--stack", "dev", "--json-out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert calls[-1]["argv"] == ["preview", "--stack", "dev", "--json"]
    assert out.exists() and "Pulumi state:" not in out.read_text()  # only the CLI's stdout goes to the file


def test_json_out_goes_with_preview_only(tmp_path: Path) -> None:
    result, calls = run(["up", "--json-out", str(tmp_path / "x.json")], tmp_path)
    assert result.returncode == 2 and "--json-out goes with preview only" in result.stderr and calls == []
