"""`make up` / `make preview` / `make destroy`: run one Pulumi command on one stack, ready to go.

- With a key (TELNYX_API_KEY, or `telnyx:apiKey` / `telnyx:baseUrl` in the stack file), it
  talks to that API, asks before changing anything (unless --yes), and keeps state in a
  local file backend inside the project, `.pulumi-state/`.
- Without one, it starts the fake Telnyx on loopback (applications kept in
  `.fake-telnyx/<stack>.json`), points the stack at it and approves by itself, so a newcomer
  sees a real `pulumi up` with no account. The demo's state lives apart, in
  `.fake-telnyx/state/`, so it never mixes with state about real applications.
- PULUMI_BACKEND_URL, when set, overrides where the state lives.
- `preview --json-out FILE` writes the engine's JSON (`pulumi preview --json`) to FILE instead of
  the diff, for `make review` (scripts/review.py reads it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from telnyx_fake import DEFAULT_API_KEY

ROOT = Path(__file__).resolve().parent.parent
REAL_STATE = ROOT / ".pulumi-state"
DEMO_STATE = ROOT / ".fake-telnyx" / "state"
INSTALL_HINT = (
    "error: the Pulumi CLI is not installed; install it with `curl -fsSL https://get.pulumi.com | sh` "
    "(see https://www.pulumi.com/docs/install/), then run this again"
)
COMMANDS = {"up": ["up"], "preview": ["preview", "--diff"], "destroy": ["destroy"]}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the Pulumi command; return its exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--stack", default="dev", help="dev, staging or prod (a file stacks/Pulumi.<stack>.yaml)")
    parser.add_argument("--yes", action="store_true", help="skip the confirmation prompt (always skipped with the fake)")
    parser.add_argument("--json-out", type=Path, metavar="FILE", help="preview only: write `pulumi preview --json` to FILE")
    args = parser.parse_args(argv)
    if args.json_out and args.command != "preview":
        parser.error("--json-out goes with preview only")

    pulumi = shutil.which("pulumi")
    if pulumi is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 127
    if not (ROOT / "stacks" / f"Pulumi.{args.stack}.yaml").exists():
        print(f"error: there is no stacks/Pulumi.{args.stack}.yaml; choose dev, staging or prod", file=sys.stderr)
        return 2

    env = dict(os.environ)
    using_fake = not uses_real_api(env, _stack_config(args.stack))
    env.setdefault("PULUMI_BACKEND_URL", _local_backend(DEMO_STATE if using_fake else REAL_STATE))
    print(f"Pulumi state: {env['PULUMI_BACKEND_URL']}")
    with _telnyx_api(env, args.stack, using_fake):
        if using_fake and "PULUMI_CONFIG_PASSPHRASE" not in env and "PULUMI_CONFIG_PASSPHRASE_FILE" not in env:
            env["PULUMI_CONFIG_PASSPHRASE"] = ""  # the demo stores no secret; set your own for real keys
        selected = subprocess.run([pulumi, "stack", "select", "--create", args.stack], cwd=ROOT, env=env, check=False)
        if selected.returncode != 0:
            return selected.returncode
        command = [pulumi, *COMMANDS[args.command], "--stack", args.stack]
        if args.command != "preview" and (args.yes or using_fake):
            command.append("--yes")
        if args.json_out:
            command = [*(part for part in command if part != "--diff"), "--json"]
            with args.json_out.open("w", encoding="utf-8") as out:
                return subprocess.run(command, cwd=ROOT, env=env, stdout=out, check=False).returncode
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def uses_real_api(env: Mapping[str, str], stack_config: Mapping[str, Any]) -> bool:
    """Whether the stack talks to a real API: a key in the environment, or a key or base URL in the stack file."""
    return bool(env.get("TELNYX_API_KEY")) or any(key in stack_config for key in ("telnyx:apiKey", "telnyx:baseUrl"))


def _stack_config(stack: str) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text()) or {}
    return dict(document.get("config") or {})


def _local_backend(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return folder.as_uri()


@contextmanager
def _telnyx_api(env: dict[str, str], stack: str, using_fake: bool) -> Iterator[None]:
    """Point the stack at a fake started here, or leave it to the configured API."""
    if not using_fake:
        print("Using the Telnyx API configured for this stack (TELNYX_API_KEY or telnyx:apiKey)")
        yield
        return
    data = ROOT / ".fake-telnyx"
    data.mkdir(exist_ok=True)
    fake = subprocess.Popen(
        [sys.executable, "-m", "telnyx_fake", "--data-file", str(data / f"{stack}.json")],
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
