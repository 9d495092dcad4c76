"""`make up` / `make preview` / `make destroy`: run one Pulumi command on one stack, ready to go.

- The CLI: `pulumi` on PATH, else the project's own in `.pulumi-cli/`, downloaded on first use
  (scripts/install_pulumi.py: the release matching the pinned SDK, checksum verified).
- A real stack (a key in TELNYX_API_KEY or `telnyx:apiKey`, a `telnyx:baseUrl` in the stack file,
  PULUMI_BACKEND_URL set, or the stack already in `.pulumi-state/`): the state is where Pulumi.yaml's `backend.url` says (`.pulumi-state/`),
  so `pulumi` commands typed in the project directory see the same stacks; PULUMI_BACKEND_URL
  overrides it (shown with any password in it masked, and a warning that it belongs in PGPASSWORD; a credential in its query, which the engine would print, is refused). `up` and `preview` refresh first, so the diff the engine prints is the one the
  provider acts on; without a key, `preview` skips the refresh and says so, and `up`/`destroy` refuse.
  It asks before changing anything (unless --yes).
- The demo (none of the above): the fake Telnyx on loopback (applications in
  `.fake-telnyx/<stack>.json`), state in `.fake-telnyx/state/`, the stack file read through a copy in
  `.fake-telnyx/stacks/` that keeps the demo's secrets salt, an empty passphrase, and no prompt. It
  writes only inside `.fake-telnyx/` (git-ignored): a real run later is not disturbed by it.
- `preview --json-out FILE` writes the engine's JSON (`pulumi preview --json`) to FILE instead of
  the diff, for `make review` (scripts/review.py reads it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from scripts import backend_url, diy_backend, program_host, pulumi_env
from scripts.install_pulumi import InstallError, find_or_install
from telnyx_fake import DEFAULT_API_KEY

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / ".fake-telnyx"
DEMO_STATE = DEMO / "state"
COMMANDS = {"up": ["up"], "preview": ["preview", "--diff"], "destroy": ["destroy"]}
REFRESHED = ("up", "preview")
# What a stack file says about its secrets provider: the real stack's, never the demo's.
SECRETS_KEYS = ("encryptionsalt", "secretsprovider", "encryptedkey")
NO_KEY_PREVIEW = (
    "No Telnyx API key (TELNYX_API_KEY or telnyx:apiKey): previewing without --refresh, "
    "so changes made outside Pulumi since the last `up` are not shown"
)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the Pulumi command; return its exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--stack", default="dev", help="the stack: a file stacks/Pulumi.<stack>.yaml (dev, staging, prod)")
    parser.add_argument("--yes", action="store_true", help="skip the confirmation prompt (always skipped with the fake)")
    parser.add_argument("--json-out", type=Path, metavar="FILE", help="preview only: write `pulumi preview --json` to FILE")
    args = parser.parse_args(argv)
    if args.json_out and args.command != "preview":
        parser.error("--json-out goes with preview only")

    if not (ROOT / "stacks" / f"Pulumi.{args.stack}.yaml").exists():
        print(
            f"error: there is no stacks/Pulumi.{args.stack}.yaml; choose one of {', '.join(stack_names())}, "
            f"or write one (`make adopt STACK={args.stack}` starts it from the account)",
            file=sys.stderr,
        )
        return 2
    env = dict(os.environ)
    try:
        pulumi = find_or_install(env)
    except InstallError as error:
        print(f"error: {error}", file=sys.stderr)
        return 127
    env = pulumi_env.engine_environment(pulumi, env, Path(sys.executable))
    config = stack_config(args.stack)
    if uses_real_api(env, config, in_project_state=in_project_state(args.stack)):
        return _run_real(str(pulumi), args.command, args.stack, args.yes, env, has_api_key(env, config), args.json_out)
    return _run_demo(str(pulumi), args.command, args.stack, env, args.json_out)


def stack_names() -> list[str]:
    """The stacks declared in stacks/: one per Pulumi.<stack>.yaml."""
    return sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in (ROOT / "stacks").glob("Pulumi.*.yaml"))


def uses_real_api(env: Mapping[str, str], config: Mapping[str, Any], *, in_project_state: bool) -> bool:
    """Whether the stack is about real applications: a key or base URL is given, a backend chosen, or the
    stack already has state in the project's backend (a real stack; the demo keeps its state apart)."""
    return (
        has_api_key(env, config)
        or "telnyx:baseUrl" in config
        or bool(env.get("PULUMI_BACKEND_URL"))
        or in_project_state
    )


def in_project_state(stack: str) -> bool:
    """Whether the stack exists in the state Pulumi.yaml's `backend.url` names (`.pulumi-state/`)."""
    url = project_backend_url()
    state = diy_backend.folder(url, ROOT) if url else None
    return state is not None and diy_backend.stack_checkpoint(state, _project()["name"], stack) is not None


def has_api_key(env: Mapping[str, str], config: Mapping[str, Any]) -> bool:
    """Whether the provider will have a key: TELNYX_API_KEY, or `telnyx:apiKey` in the stack file."""
    return bool(env.get("TELNYX_API_KEY")) or "telnyx:apiKey" in config


def pulumi_arguments(command: str, stack: str, *, refresh: bool, yes: bool, config_file: Path | None = None) -> list[str]:
    """The `pulumi` command line for one of COMMANDS."""
    arguments = [*COMMANDS[command], *(["--refresh"] if refresh else []), "--stack", stack]
    if config_file is not None:
        arguments += ["--config-file", str(config_file)]
    if yes and command != "preview":
        arguments.append("--yes")
    return arguments


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` map of stacks/Pulumi.<stack>.yaml."""
    return dict(_stack_document(ROOT / "stacks" / f"Pulumi.{stack}.yaml").get("config") or {})


def project_backend_url() -> str | None:
    """Where Pulumi.yaml keeps the state (`backend.url`), which every `pulumi` command in the project uses."""
    return (_project().get("backend") or {}).get("url")


def prepare_demo(stack: str) -> Path:
    """Set up `.fake-telnyx/` for the demo; return the demo's stack file (for --config-file).

    The demo's stack file is the tracked one's declarations plus the demo's own secrets salt. The
    CLI's `stack select --create` cannot take --config-file and saves the salt into the stack file
    of the project it runs in, so it runs in `.fake-telnyx/`, beside a Pulumi.yaml of the same name.
    """
    project = _project()
    (DEMO / "stacks").mkdir(parents=True, exist_ok=True)
    (DEMO / "Pulumi.yaml").write_text(
        "# Written by `make up` for the demo: `pulumi stack select --create` runs here, so the demo's\n"
        "# secrets salt lands in .fake-telnyx/stacks/, never in the tracked stacks/.\n"
        + yaml.safe_dump({"name": project["name"], "runtime": project["runtime"], "stackConfigDir": "stacks"})
    )
    demo_file = DEMO / "stacks" / f"Pulumi.{stack}.yaml"
    previous = _stack_document(demo_file)
    document = {k: v for k, v in _stack_document(ROOT / "stacks" / f"Pulumi.{stack}.yaml").items() if k not in SECRETS_KEYS}
    document.update({k: previous[k] for k in SECRETS_KEYS if k in previous})
    demo_file.write_text(
        f"# Written by `make up` for the demo from stacks/Pulumi.{stack}.yaml (edit that one), plus the demo's salt.\n"
        + yaml.safe_dump(document, sort_keys=False)
    )
    return demo_file


def _run_real(pulumi: str, command: str, stack: str, yes: bool, env: dict[str, str], key: bool, json_out: Path | None) -> int:
    backend = env.get("PULUMI_BACKEND_URL") or project_backend_url() or ""
    print(f"Pulumi state: {backend_url.masked(backend)}")
    refusal = backend_url.query_credential_refusal(backend)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    warning = backend_url.password_warning(backend)
    if warning:
        print(warning, file=sys.stderr)
    if not key and command != "preview":
        print(
            f"error: `{command}` needs the Telnyx API key: set TELNYX_API_KEY (or telnyx:apiKey in the stack); "
            "the demo against a local fake runs only for a stack with no key, no telnyx:baseUrl, no PULUMI_BACKEND_URL "
            "and no state in the project's backend",
            file=sys.stderr,
        )
        return 2
    print("Using the Telnyx API configured for this stack" if key else NO_KEY_PREVIEW)
    selected = subprocess.run([pulumi, "stack", "select", "--create", stack], cwd=ROOT, env=env, check=False)
    if selected.returncode != 0:
        return selected.returncode
    arguments = pulumi_arguments(command, stack, refresh=key and command in REFRESHED, yes=yes)
    return _run_pulumi(pulumi, arguments, env, json_out)


def _run_demo(pulumi: str, command: str, stack: str, env: dict[str, str], json_out: Path | None) -> int:
    config_file = prepare_demo(stack)
    DEMO_STATE.mkdir(exist_ok=True)
    env["PULUMI_BACKEND_URL"] = DEMO_STATE.as_uri()
    env["PULUMI_CONFIG_PASSPHRASE"] = ""  # the demo's secrets are the fake's key only
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    print(f"Pulumi state: {env['PULUMI_BACKEND_URL']} (the demo's; real stacks keep theirs apart)")
    with _fake_telnyx(env, stack):
        selected = subprocess.run([pulumi, "stack", "select", "--create", stack], cwd=DEMO, env=env, check=False)
        if selected.returncode != 0:
            return selected.returncode
        arguments = pulumi_arguments(command, stack, refresh=command in REFRESHED, yes=True, config_file=config_file)
        return _run_pulumi(pulumi, arguments, env, json_out)


def _run_pulumi(pulumi: str, arguments: list[str], env: dict[str, str], json_out: Path | None) -> int:
    """Run the command, the program served from this process (scripts/program_host.py); with `json_out`, the
    engine's JSON goes to that file instead of the diff to the terminal."""
    if json_out is not None:
        arguments = [*(argument for argument in arguments if argument != "--diff"), "--json"]
    with program_host.serving() as address:
        command = [pulumi, *program_host.with_client(arguments, address)]
        if json_out is None:
            return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        with json_out.open("w", encoding="utf-8") as out:
            return subprocess.run(command, cwd=ROOT, env=env, stdout=out, check=False).returncode


def _project() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "Pulumi.yaml").read_text()))


def _stack_document(path: Path) -> dict[str, Any]:
    return dict((yaml.safe_load(path.read_text()) or {}) if path.exists() else {})


@contextmanager
def _fake_telnyx(env: dict[str, str], stack: str) -> Iterator[None]:
    """Start the fake Telnyx on loopback and point the stack at it with the fake's own key."""
    fake = subprocess.Popen(
        [sys.executable, "-m", "telnyx_fake", "--data-file", str(DEMO / f"{stack}.json")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.stdout is not None
        base_url = fake.stdout.readline().strip()
        if not base_url:
            raise SystemExit("error: the fake Telnyx did not start")
        env.update(TELNYX_API_KEY=DEFAULT_API_KEY, TELNYX_BASE_URL=base_url)
        print(f"TELNYX_API_KEY is not set: using the local fake Telnyx at {base_url} (set it to use the real API)")
        yield
    finally:
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
