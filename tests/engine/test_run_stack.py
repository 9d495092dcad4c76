"""`make up` / `make preview` / `make destroy` (scripts/run_stack.py) on the real engine, in a git clone of the project.

Each test runs the command as a user does, `python -m scripts.run_stack …` in a fresh clone committed to its own
repository (so `git status` shows what a run wrote), with the harness's CLI first on PATH and nothing reaching the
internet: the demo's fake Telnyx is the command's own; a real stack talks to the test's fake Telnyx on loopback
through TELNYX_BASE_URL. `pulumi` commands typed in the project run as docs/getting-started.md's shell line defines them
(`python -m scripts.pulumi_cli`).
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from scripts.diy_backend import stack_checkpoint
from scripts.install_pulumi import archive_name, checksums_name, pinned_version, release_platform
from scripts.run_stack import NO_KEY_PREVIEW
from telnyx_fake import FakeTelnyxServer

from ..support.release_server import serve
from ..support.stack_files import PROJECT
from .clone import Clone
from .harness import API_KEY, CLI

PASSPHRASE = "run-stack passphrase"
PROJECT_STATE = "Pulumi state: file://./.pulumi-state?create_dir=true"
NON_INTERACTIVE = "--yes or --skip-preview or --preview-only must be passed in to proceed when running in non-interactive mode"


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    return Clone(tmp_path / "project")


def with_key(fake: FakeTelnyxServer, **env: str) -> dict[str, str]:
    """A real run's environment: the key (of the test's fake account, at its loopback URL) and a passphrase."""
    return {"TELNYX_API_KEY": API_KEY, "TELNYX_BASE_URL": fake.base_url, "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **env}


def without_key(fake: FakeTelnyxServer, **env: str) -> dict[str, str]:
    """A run with no key, as in a pull request from a fork; a request it made anyway would reach the test's fake."""
    return {"TELNYX_BASE_URL": fake.base_url, "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **env}


def outputs(checkpoint: Path) -> dict[str, Any]:
    """The stack outputs a checkpoint the engine wrote holds."""
    resources = json.loads(checkpoint.read_text())["checkpoint"]["latest"]["resources"]
    (stack,) = [r for r in resources if r["type"] == "pulumi:pulumi:Stack"]
    return dict(stack["outputs"])


def succeeded(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def no_changes(result: subprocess.CompletedProcess[str], resources: int) -> bool:
    """Whether the engine's summary says every resource is unchanged."""
    return f"{resources} unchanged" in result.stdout and not any(
        f"to {change}" in result.stdout for change in ("create", "update", "delete", "replace")
    )


# The demo: no key, no backend, no state in .pulumi-state/.


def test_the_demo_up_deploys_the_stack_to_the_local_fake(clone: Clone) -> None:
    result = succeeded(clone.make("up"))
    assert "using the local fake Telnyx" in result.stdout
    checkpoint = clone.checkpoint("dev", ".fake-telnyx/state")
    assert checkpoint is not None
    names = outputs(checkpoint)["application_names"]
    assert set(names) == set(clone.declared("dev"))
    assert sorted(app["application_name"] for app in clone.demo_applications().values()) == sorted(names.values())
    assert not (clone.path / ".pulumi-state").exists()  # the demo's state is its own


def test_the_demo_leaves_every_tracked_file_unchanged(clone: Clone) -> None:
    for command in (["up"], ["preview"], ["up"], ["preview", "--stack", "staging"], ["destroy"]):
        succeeded(clone.make(*command))
    assert clone.status() == ""
    assert "encryptionsalt" in (clone.path / ".fake-telnyx" / "stacks" / "Pulumi.dev.yaml").read_text()


def test_after_the_demo_up_make_preview_shows_no_changes(clone: Clone) -> None:
    succeeded(clone.make("up"))
    preview = succeeded(clone.make("preview"))
    assert no_changes(preview, len(clone.declared("dev")) + 1), preview.stdout


def test_the_demo_preview_refreshes_against_the_fake(clone: Clone) -> None:
    succeeded(clone.make("up"))
    clone.edit_demo_applications(lambda apps: next(iter(apps.values())).update(active=False))
    preview = succeeded(clone.make("preview"))
    assert "~ 1 to update" in preview.stdout, preview.stdout  # the change made in the portal, read by the refresh


def test_the_demo_destroy_empties_the_fake(clone: Clone) -> None:
    succeeded(clone.make("up"))
    assert clone.demo_applications()
    succeeded(clone.make("destroy"))
    assert clone.demo_applications() == {}


def test_the_demo_reads_the_tracked_declarations_and_keeps_its_own_salt(clone: Clone) -> None:
    succeeded(clone.make("up"))
    salt = clone.salt(".fake-telnyx/stacks/Pulumi.dev.yaml")
    tracked = clone.path / "stacks" / "Pulumi.dev.yaml"
    tracked.write_text(tracked.read_text().replace("dtmf_type: Inband", "dtmf_type: SIP INFO"))
    succeeded(clone.make("up"))
    assert [app["dtmf_type"] for app in clone.demo_applications().values() if app["application_name"] == "ivr-dev"] == ["SIP INFO"]
    assert clone.salt(".fake-telnyx/stacks/Pulumi.dev.yaml") == salt
    assert "encryptionsalt" not in tracked.read_text()


def test_a_real_run_after_the_demo_uses_its_own_passphrase(clone: Clone, fake: FakeTelnyxServer) -> None:
    succeeded(clone.make("up"))
    succeeded(clone.make("--yes", "up", env=with_key(fake)))
    assert len(fake.backend.applications) == len(clone.declared("dev"))
    # The real stack's salt is the one the team commits, in the tracked file; the demo's stays apart.
    assert clone.salt("stacks/Pulumi.dev.yaml") != clone.salt(".fake-telnyx/stacks/Pulumi.dev.yaml")


def test_a_salt_made_with_another_passphrase_is_refused_by_the_engine(clone: Clone, fake: FakeTelnyxServer) -> None:
    # What the demo once did: create its stack in the project with an empty passphrase, so the demo's salt went
    # into the tracked stack file; a real run with the team's passphrase then cannot use that file.
    clone.pulumi("stack", "select", "--create", "dev", env={
        "PULUMI_BACKEND_URL": "file://./.fake-telnyx/state?create_dir=true", "PULUMI_CONFIG_PASSPHRASE": "",
    })
    refused = clone.make("--yes", "up", env=with_key(fake))
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == "error: could not create secrets manager for new stack: incorrect passphrase"
    assert fake.backend.applications == {}


def test_a_real_stack_run_with_another_passphrase_is_refused_by_the_engine(clone: Clone, fake: FakeTelnyxServer) -> None:
    succeeded(clone.make("--yes", "up", "--stack", "prod", env=with_key(fake)))
    refused = clone.make("preview", "--stack", "prod", env=with_key(fake, PULUMI_CONFIG_PASSPHRASE="another passphrase"))
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == "error: getting stack configuration: get stack secrets manager: incorrect passphrase"


# A real stack: a key, PULUMI_BACKEND_URL, or the stack's state in .pulumi-state/.


def test_with_a_key_up_keeps_the_stack_in_the_projects_state(clone: Clone, fake: FakeTelnyxServer) -> None:
    result = succeeded(clone.make("--yes", "up", "--stack", "prod", env=with_key(fake)))
    assert PROJECT_STATE in result.stdout
    assert clone.checkpoint("prod") == clone.path / ".pulumi-state" / ".pulumi" / "stacks" / PROJECT / "prod.json"
    assert len(fake.backend.applications) == len(clone.declared("prod"))
    assert not (clone.path / ".fake-telnyx").exists()


def test_pulumi_commands_typed_in_the_project_see_the_stack_make_up_made(clone: Clone, fake: FakeTelnyxServer) -> None:
    succeeded(clone.make("--yes", "up", "--stack", "prod", env=with_key(fake)))
    typed = clone.pulumi("stack", "output", "application_ids", "--json", "--stack", "prod", env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})
    assert set(json.loads(typed.stdout).values()) == set(fake.backend.applications)


def test_pulumi_backend_url_overrides_the_projects_state(clone: Clone, fake: FakeTelnyxServer, tmp_path: Path) -> None:
    shared = tmp_path / "shared-state"
    shared.mkdir()
    succeeded(clone.make("--yes", "up", "--stack", "prod", env=with_key(fake, PULUMI_BACKEND_URL=shared.as_uri())))
    assert stack_checkpoint(shared, PROJECT, "prod") is not None
    assert not (clone.path / ".pulumi-state").exists()


def test_a_real_up_without_yes_asks_and_so_changes_nothing_outside_a_terminal(clone: Clone, fake: FakeTelnyxServer) -> None:
    refused = clone.make("up", "--stack", "prod", env=with_key(fake))
    assert refused.returncode != 0 and NON_INTERACTIVE in refused.stderr
    assert fake.backend.applications == {}


def test_preview_with_a_key_refreshes_first(clone: Clone, fake: FakeTelnyxServer) -> None:
    succeeded(clone.make("--yes", "up", "--stack", "prod", env=with_key(fake)))
    next(iter(fake.backend.applications.values()))["active"] = False  # changed in the portal
    preview = succeeded(clone.make("preview", "--stack", "prod", env=with_key(fake)))
    assert "~ 1 to update" in preview.stdout, preview.stdout
    assert NO_KEY_PREVIEW not in preview.stdout


def make_prod_real(clone: Clone, fake: FakeTelnyxServer, how: str) -> dict[str, str]:
    """Make prod a real stack without a key at hand: by an earlier `make up` with the key, by a typed
    `pulumi stack init`, or by naming a backend; return the environment of a later run without the key."""
    if how == "make up with the key":
        succeeded(clone.make("--yes", "up", "--stack", "prod", env=with_key(fake)))
    elif how == "typed stack init":
        clone.pulumi("stack", "init", "prod", env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})
    else:
        shared = clone.path.parent / "shared-state"
        shared.mkdir()
        return without_key(fake, PULUMI_BACKEND_URL=shared.as_uri())
    assert clone.checkpoint("prod") is not None
    return without_key(fake)


REAL_WITHOUT_KEY = ["make up with the key", "typed stack init", "PULUMI_BACKEND_URL"]


@pytest.mark.parametrize("how", REAL_WITHOUT_KEY)
def test_preview_without_a_key_previews_the_real_stack_without_refresh_and_says_so_once(
    clone: Clone, fake: FakeTelnyxServer, how: str
) -> None:
    env = make_prod_real(clone, fake, how)
    fake.backend.clear_requests()
    preview = succeeded(clone.make("preview", "--stack", "prod", env=env))
    assert preview.stdout.count(NO_KEY_PREVIEW) == 1 and NO_KEY_PREVIEW + "\n" in preview.stdout
    assert fake.backend.calls() == []  # no refresh: not one read
    assert "local fake" not in preview.stdout and not (clone.path / ".fake-telnyx").exists()  # never the demo


def test_preview_without_a_key_does_not_show_what_changed_in_the_portal(clone: Clone, fake: FakeTelnyxServer) -> None:
    env = make_prod_real(clone, fake, "make up with the key")
    next(iter(fake.backend.applications.values()))["active"] = False
    preview = succeeded(clone.make("preview", "--stack", "prod", env=env))
    assert no_changes(preview, len(clone.declared("prod")) + 1), preview.stdout


@pytest.mark.parametrize("how", ["typed stack init", "PULUMI_BACKEND_URL"])
@pytest.mark.parametrize("command", ["up", "destroy"])
def test_changing_a_real_stack_without_a_key_is_refused_before_pulumi_runs(
    clone: Clone, fake: FakeTelnyxServer, command: str, how: str
) -> None:
    env = make_prod_real(clone, fake, how)
    state = clone.path.parent / "shared-state" if how == "PULUMI_BACKEND_URL" else clone.path / ".pulumi-state"
    before = {path: path.stat().st_mtime_ns for path in state.rglob("*")}
    refused = clone.make(command, "--stack", "prod", env=env)
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"error: `{command}` needs the Telnyx API key") and "no state in the project's backend" in line
    assert {path: path.stat().st_mtime_ns for path in state.rglob("*")} == before  # the engine never ran


def test_a_stack_removed_with_stack_rm_is_the_demo_again(clone: Clone, fake: FakeTelnyxServer) -> None:
    make_prod_real(clone, fake, "typed stack init")
    clone.pulumi("stack", "rm", "prod", "--yes", "--preserve-config", env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})
    assert list((clone.path / ".pulumi-state" / ".pulumi" / "stacks" / PROJECT).glob("prod.json.bak"))  # left behind
    preview = succeeded(clone.make("preview", "--stack", "prod"))
    assert "using the local fake Telnyx" in preview.stdout and NO_KEY_PREVIEW not in preview.stdout


LAYOUTS = {
    "gzip": ({"PULUMI_DIY_BACKEND_GZIP": "true"}, Path(".pulumi", "stacks", PROJECT, "prod.json.gz")),
    "zstd": ({"PULUMI_DIY_BACKEND_ZSTD": "true"}, Path(".pulumi", "stacks", PROJECT, "prod.json.zst")),
    # The engine refuses the legacy layout unless told to ignore its deprecation.
    "legacy layout": (
        {"PULUMI_DIY_BACKEND_LEGACY_LAYOUT": "true", "PULUMI_DIY_BACKEND_IGNORE_DEPRECATION_ERROR": "true"},
        Path(".pulumi", "stacks", "prod.json"),
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_stack_the_engine_saved_compressed_or_in_the_legacy_layout_is_real(clone: Clone, fake: FakeTelnyxServer, layout: str) -> None:
    env, checkpoint = LAYOUTS[layout]
    clone.pulumi("stack", "init", "prod", env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **env})
    assert clone.checkpoint("prod") == clone.path / ".pulumi-state" / checkpoint
    preview = succeeded(clone.make("preview", "--stack", "prod", env=without_key(fake, **env)))
    assert NO_KEY_PREVIEW in preview.stdout and "local fake" not in preview.stdout


def test_a_legacy_layout_stack_the_engine_will_not_open_is_still_never_the_demo(clone: Clone, fake: FakeTelnyxServer) -> None:
    legacy, _ = LAYOUTS["legacy layout"]
    clone.pulumi("stack", "init", "prod", env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **legacy})
    refused = clone.make("preview", "--stack", "prod", env=without_key(fake))  # without the deprecation waiver
    assert refused.returncode != 0 and "Legacy DIY state is deprecated" in refused.stderr
    assert not (clone.path / ".fake-telnyx").exists()


# `--json-out`: the engine's JSON for `make review`.


def test_preview_json_out_writes_the_engines_json(clone: Clone, tmp_path: Path) -> None:
    out = tmp_path / "dev.json"
    preview = succeeded(clone.make("preview", "--json-out", str(out)))
    engine_json = json.loads(out.read_text())
    assert engine_json["changeSummary"] == {"create": len(clone.declared("dev")) + 1}
    assert {step["urn"].rsplit("::", 1)[1] for step in engine_json["steps"]} >= set(clone.declared("dev"))
    assert "Pulumi state:" in preview.stdout and "Pulumi state:" not in out.read_text()


def test_a_real_preview_json_out_is_refreshed(clone: Clone, fake: FakeTelnyxServer, tmp_path: Path) -> None:
    succeeded(clone.make("--yes", "up", "--stack", "prod", env=with_key(fake)))
    next(iter(fake.backend.applications.values()))["active"] = False
    out = tmp_path / "prod.json"
    succeeded(clone.make("preview", "--stack", "prod", "--json-out", str(out), env=with_key(fake)))
    assert json.loads(out.read_text())["changeSummary"] == {"same": len(clone.declared("prod")), "update": 1}


# The CLI installed when missing: the release is this engine's binary, served on loopback.


def write_release(folder: Path) -> str:
    """This engine and the plugins beside it as a release archive for this platform, and its checksums file."""
    assert CLI is not None
    version = pinned_version()
    archive = archive_name(version, *release_platform())
    folder.mkdir()
    with tarfile.open(folder / archive, "w:gz", compresslevel=1) as bundle:
        for binary in sorted(CLI.parent.glob("pulumi*")):
            bundle.add(binary, arcname=f"pulumi/{binary.name}")
    digest = subprocess.run(["sha256sum", str(folder / archive)], capture_output=True, text=True, check=True).stdout.split()[0]
    (folder / checksums_name(version)).write_text(f"{digest}  {archive}\n")
    return archive


def test_without_the_cli_up_installs_the_pinned_release_and_uses_it(clone: Clone, tmp_path: Path) -> None:
    clone.path_variable = f"/usr/bin{os.pathsep}/bin"  # no `pulumi` on PATH
    archive = write_release(tmp_path / "release")
    with serve(tmp_path / "release") as url:
        result = succeeded(clone.make("up", env={"PULUMI_CLI_DOWNLOAD_URL": url}))
    assert f"downloading {url}{archive}" in result.stderr
    assert (clone.path / ".pulumi-cli" / f"v{pinned_version()}" / "bin" / "pulumi").is_file()
    assert len(clone.demo_applications()) == len(clone.declared("dev"))
    assert clone.status() == ""
    succeeded(clone.make("preview"))  # once installed, no download is tried again (the URL is closed)


def test_make_review_previews_each_stack_as_json_and_prints_only_the_comment(clone: Clone) -> None:
    result = subprocess.run(
        ["make", "-s", "review", "STACKS=dev prod"], cwd=clone.path, stdin=subprocess.DEVNULL,
        env={k: v for k, v in clone.environment(None).items() if not k.startswith("MAKE")},
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!-- telnyx-call-control:review -->")
    assert "### `dev`" in result.stdout and "### `prod` (production)" in result.stdout
    assert "Pulumi state:" in result.stderr and "Pulumi state:" not in result.stdout  # run_stack's lines stay out
    saved = sorted((clone.path / ".review").iterdir())
    assert [p.name for p in saved] == ["dev.json", "prod.json"]
    assert all(json.loads(p.read_text())["steps"] for p in saved)  # the engine's own preview JSON, creates included


def test_a_password_in_the_backend_url_is_masked_warned_about_and_printed_by_nothing(clone: Clone, fake: FakeTelnyxServer) -> None:
    password = "pw-in-the-url-4f1c"
    url = f"postgres://pipeline:{password}@127.0.0.1:1/pulumi?sslmode=disable"  # nothing listens on port 1
    result = clone.make("preview", "--stack", "dev", env=with_key(fake, PULUMI_BACKEND_URL=url))
    assert result.returncode != 0  # the engine cannot open it
    assert "Pulumi state: postgres://pipeline:***@127.0.0.1:1/pulumi?sslmode=disable" in result.stdout
    assert "warning: the Pulumi backend URL carries a password" in result.stderr and "PGPASSWORD" in result.stderr
    assert 'error: unable to open state database "' in result.stderr
    assert password not in result.stdout + result.stderr


def test_a_credential_in_the_backend_urls_query_is_refused_before_pulumi_runs(clone: Clone, fake: FakeTelnyxServer) -> None:
    password = "pw-in-the-query-9a2e"
    url = f"postgres://pipeline@127.0.0.1:1/pulumi?sslmode=disable&password={password}"  # the engine prints this as is
    result = clone.make("preview", "--stack", "dev", env=with_key(fake, PULUMI_BACKEND_URL=url))
    assert result.returncode == 2
    assert "carries a credential in its query" in result.stderr and "PGPASSWORD" in result.stderr
    assert "unable to open state database" not in result.stderr  # no pulumi ran
    assert password not in result.stdout + result.stderr
