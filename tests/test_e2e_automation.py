"""End to end with the Pulumi Automation API: the real engine, the dev stack, the fake Telnyx; and, in a
git clone of the project, `make up`'s command (scripts/run_stack.py) and `pulumi` commands typed there.

The Pulumi CLI (the engine) is needed and cannot be installed on machines without
its download site, so these tests skip there with that reason; they run wherever
`pulumi` is on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.diy_backend import stack_checkpoint
from scripts.install_pulumi import installed_cli, pinned_version
from scripts.run_stack import NO_KEY_PREVIEW
from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from .project_copy import clone_project, git
from .stack_files import PROJECT, ROOT


def _cli() -> Path | None:
    """`pulumi` on PATH, else the project's own that `make up` installs."""
    on_path = shutil.which("pulumi")
    return Path(on_path) if on_path else installed_cli(pinned_version())


CLI = _cli()
pytestmark = pytest.mark.skipif(
    CLI is None,
    reason="the Pulumi CLI is not installed on this machine (no package registry carries it, and its release "
    "site is out of reach); these end-to-end tests run wherever `pulumi` is on PATH or `make up` installed it",
)

API_KEY = "e2e-fake-key"


@pytest.fixture
def fake() -> Iterator[FakeTelnyxServer]:
    with FakeTelnyxServer(TelnyxBackend(api_key=API_KEY)) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project to run in, so the engine's writes never touch the repository."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "requirements.txt"):
        shutil.copy(ROOT / name, copy / name)
    for folder in ("provider", "stacks", "policies"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    (copy / ".venv").symlink_to(ROOT / ".venv")
    (copy / "policies" / "venv").symlink_to(ROOT / ".venv")  # the dev environment holds the pack's requirements too
    return copy


@pytest.fixture
def stack(project: Path, fake: FakeTelnyxServer, tmp_path: Path) -> Any:
    from pulumi import automation as auto

    state = tmp_path / "state"
    state.mkdir()
    env = {
        "PULUMI_BACKEND_URL": state.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "TELNYX_API_KEY": API_KEY,
        "TELNYX_BASE_URL": fake.base_url,
    }
    assert CLI is not None
    # PulumiCommand runs <root>/bin/pulumi with its folder (the plugins beside it) first on PATH.
    command = auto.PulumiCommand(root=str(CLI.parent.parent)) if CLI.parent.name == "bin" else None
    options = auto.LocalWorkspaceOptions(env_vars=env, pulumi_command=command)
    return auto.create_or_select_stack("dev", work_dir=str(project), opts=options)


def edit_dev_stack(project: Path, change: Any) -> None:
    path = project / "stacks" / "Pulumi.dev.yaml"
    document = yaml.safe_load(path.read_text())
    change(document["config"][f"{PROJECT}:applications"])
    path.write_text(yaml.safe_dump(document))


def declared_names(project: Path) -> set[str]:
    document = yaml.safe_load((project / "stacks" / "Pulumi.dev.yaml").read_text())
    return set(document["config"][f"{PROJECT}:applications"])


def test_up_creates_everything_then_preview_reports_no_changes(stack: Any, project: Path, fake: FakeTelnyxServer) -> None:
    result = stack.up()
    expected = declared_names(project)
    assert result.summary.resource_changes.get("create") == len(expected) + 1  # + the stack itself
    ids = result.outputs["application_ids"].value
    assert set(ids) == expected and set(ids.values()) == set(fake.backend.applications)

    fake.backend.clear_requests()
    preview = stack.preview()
    assert set(preview.change_summary) == {"same"}
    assert fake.backend.calls() == []


def test_a_changed_stack_file_updates_in_place(stack: Any, project: Path, fake: FakeTelnyxServer) -> None:
    ids = stack.up().outputs["application_ids"].value
    edit_dev_stack(project, lambda apps: apps["ivr"].update(dtmf_type="SIP INFO"))
    result = stack.up()
    assert result.summary.resource_changes.get("update") == 1
    assert result.outputs["application_ids"].value == ids
    assert fake.backend.applications[ids["ivr"]]["dtmf_type"] == "SIP INFO"


def test_drift_is_found_by_refresh_and_put_back_by_up(stack: Any, fake: FakeTelnyxServer) -> None:
    ids = stack.up().outputs["application_ids"].value
    fake.backend.applications[ids["call-router"]]["active"] = False
    stack.refresh()
    result = stack.up()
    assert result.summary.resource_changes.get("update") == 1
    assert fake.backend.applications[ids["call-router"]]["active"] is True


def test_an_existing_application_is_adopted_with_import(stack: Any, project: Path, fake: FakeTelnyxServer) -> None:
    # An application made by hand earlier, with what the dev stack's defaults ask for.
    existing = fake.backend.add_from_portal(
        {
            "application_name": "legacy-dev",
            "webhook_event_url": "https://legacy.example.com/hooks",
            "dtmf_type": "Inband",
            "webhook_api_version": "2",
            "webhook_timeout_secs": 10,
            "tags": ["dev", "managed-by-pulumi"],
        }
    )
    declaration = {"import_id": existing["id"], "webhook_event_url": "https://legacy.example.com/hooks", "dtmf_type": "Inband"}
    edit_dev_stack(project, lambda apps: apps.update(legacy=declaration))
    before = fake.backend.applications[existing["id"]]["updated_at"]
    result = stack.up()
    # Adopted at create (the engine's own import cannot reach a dynamic provider): one GET, no change.
    assert result.summary.resource_changes.get("create") == 1
    assert result.outputs["application_ids"].value["legacy"] == existing["id"]
    assert len(fake.backend.applications) == len(declared_names(project))
    assert fake.backend.applications[existing["id"]]["updated_at"] == before
    assert set(stack.preview().change_summary) == {"same"}


def test_destroy_leaves_the_fake_empty(stack: Any, fake: FakeTelnyxServer) -> None:
    stack.up()
    assert fake.backend.applications
    stack.destroy()
    assert fake.backend.applications == {}


def test_a_protected_application_is_deleted_only_after_it_is_unprotected(stack: Any, project: Path, fake: FakeTelnyxServer) -> None:
    from pulumi import automation as auto

    edit_dev_stack(project, lambda apps: apps["ivr"].update(protect=True))
    ivr = stack.up().outputs["application_ids"].value["ivr"]
    removed: dict[str, Any] = {}
    edit_dev_stack(project, lambda apps: removed.update(apps.pop("ivr")))
    with pytest.raises(auto.CommandError, match="protect"):
        stack.up()
    assert ivr in fake.backend.applications
    # On purpose, as the README says: `protect: false` and an `up` (no API call), then remove it.
    edit_dev_stack(project, lambda apps: apps.update(ivr={**removed, "protect": False}))
    fake.backend.clear_requests()
    stack.up()
    assert [call for call in fake.backend.calls() if call.method != "GET"] == []
    edit_dev_stack(project, lambda apps: apps.pop("ivr"))
    stack.up()
    assert ivr not in fake.backend.applications


def test_retain_on_delete_keeps_the_application_in_telnyx(stack: Any, project: Path, fake: FakeTelnyxServer) -> None:
    edit_dev_stack(project, lambda apps: apps["ivr"].update(retain_on_delete=True))
    ivr = stack.up().outputs["application_ids"].value["ivr"]
    edit_dev_stack(project, lambda apps: apps.pop("ivr"))
    result = stack.up()
    assert result.summary.resource_changes.get("delete") == 1
    assert ivr in fake.backend.applications


def test_the_policy_pack_passes_the_dev_stack_and_stops_a_plain_http_webhook(stack: Any, project: Path) -> None:
    from pulumi import automation as auto

    pack = [str(project / "policies")]
    stack.preview(policy_packs=pack)
    edit_dev_stack(project, lambda apps: apps["ivr"].update(webhook_event_url="http://dev.hooks.example.com/telnyx/ivr"))
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(policy_packs=pack)
    assert "webhook-urls-use-https" in str(caught.value)
    assert "application 'ivr': webhook_event_url must be an https URL" in str(caught.value)


SECRET_URL = "https://dev.hooks.example.com/telnyx/call-router?token=e2e-s3cr3t-t0ken"


def test_a_webhook_url_stored_as_a_secret_is_encrypted_in_state_and_masked_in_previews(
    stack: Any, fake: FakeTelnyxServer
) -> None:
    from pulumi import automation as auto

    # As the README says: `pulumi config set --path --secret 'telnyx-call-control:applications.call-router.webhook_event_url' …`
    stack.set_config(f"{PROJECT}:applications.call-router.webhook_event_url", auto.ConfigValue(SECRET_URL, secret=True), path=True)
    ids = stack.up().outputs["application_ids"].value
    assert fake.backend.applications[ids["call-router"]]["webhook_event_url"] == SECRET_URL
    state = json.dumps(stack.export_stack().deployment)
    assert "e2e-s3cr3t-t0ken" not in state
    assert '"application_name": "call-router-dev"' in state  # names stay plain
    stack.set_config(f"{PROJECT}:applications.call-router.webhook_event_url", auto.ConfigValue(SECRET_URL + "2", secret=True), path=True)
    preview = stack.preview(diff=True)
    assert "e2e-s3cr3t-t0ken" not in preview.stdout and "[secret]" in preview.stdout


def test_a_bad_webhook_url_fails_the_preview_without_printing_it(stack: Any, project: Path) -> None:
    from pulumi import automation as auto

    edit_dev_stack(project, lambda apps: apps["ivr"].update(webhook_event_url="https://dev.hooks.example.com:0/?token=e2e-s3cr3t-t0ken"))
    with pytest.raises(auto.CommandError) as caught:
        stack.preview()
    # The stack-file loader refuses it by the field model's rule, before the provider's check would.
    assert "key 'webhook_event_url' is not a valid webhook URL: its port is not a number from 1 to 65535" in str(caught.value)
    assert "e2e-s3cr3t-t0ken" not in str(caught.value)


def test_applications_written_as_a_string_fail_without_a_traceback(stack: Any, project: Path) -> None:
    from pulumi import automation as auto

    path = project / "stacks" / "Pulumi.dev.yaml"
    document = yaml.safe_load(path.read_text())
    document["config"][f"{PROJECT}:applications"] = "oops"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(auto.CommandError) as caught:
        stack.preview()
    assert f"stack 'dev': key '{PROJECT}:applications' must be a map of logical names to arguments" in str(caught.value)
    assert "Traceback" not in str(caught.value)


# `make up`'s command and typed `pulumi` commands, in a git clone of the project (with the real CLI).


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A git clone of the project whose `.venv` is this one's (kept out of `git status` by the clone's own exclude)."""
    copy = clone_project(tmp_path / "clone")
    (copy / ".venv").symlink_to(ROOT / ".venv")
    with (copy / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write("/.venv\n")  # a symlink: .gitignore's `.venv/` matches folders only
    return copy


def user_environment(**env: str) -> dict[str, str]:
    """A shell with the CLI on PATH and no Telnyx key, backend or passphrase of its own."""
    assert CLI is not None
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELNYX_", "PULUMI_"))}
    environment.update(PATH=f"{CLI.parent}{os.pathsep}{os.environ['PATH']}", PULUMI_SKIP_UPDATE_CHECK="true", **env)
    return environment


def run_stack(clone: Path, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.run_stack", *command],
        cwd=clone, env=env or user_environment(), capture_output=True, text=True, timeout=600,
    )


def typed(clone: Path, *command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A `pulumi` command typed in the project directory."""
    assert CLI is not None
    return subprocess.run([str(CLI), *command], cwd=clone, env=env, capture_output=True, text=True, timeout=600)


def test_the_demo_leaves_git_status_clean(clone: Path) -> None:
    for command in (["up"], ["preview"], ["destroy"]):
        result = run_stack(clone, *command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "using the local fake Telnyx" in result.stdout
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""
    assert stack_checkpoint(clone / ".fake-telnyx" / "state", PROJECT, "dev") is not None
    assert not (clone / ".pulumi-state").exists()  # the demo's state is its own


def test_typed_pulumi_commands_keep_their_state_in_pulumi_state(clone: Path) -> None:
    env = user_environment(PULUMI_CONFIG_PASSPHRASE="typed-passphrase")  # no PULUMI_BACKEND_URL: Pulumi.yaml decides
    created = typed(clone, "stack", "init", "prod", env=env)
    assert created.returncode == 0, created.stderr
    assert stack_checkpoint(clone / ".pulumi-state", PROJECT, "prod") is not None
    listed = typed(clone, "stack", "ls", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert [entry["name"] for entry in json.loads(listed.stdout)] == ["prod"]


def test_preview_without_a_key_of_a_typed_stack_previews_it_not_the_demo(clone: Path) -> None:
    env = user_environment(PULUMI_CONFIG_PASSPHRASE="typed-passphrase")
    assert typed(clone, "stack", "init", "prod", env=env).returncode == 0
    result = run_stack(clone, "preview", "--stack", "prod", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(NO_KEY_PREVIEW) == 1 and "local fake" not in result.stdout
    assert "to create" in result.stdout and not (clone / ".fake-telnyx").exists()
    refused = run_stack(clone, "up", "--stack", "prod", env=env)
    assert refused.returncode == 2 and "needs the Telnyx API key" in refused.stderr
