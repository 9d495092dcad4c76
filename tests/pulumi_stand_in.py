"""A stand-in for the `pulumi` CLI: it keeps state and stack files where the real CLI would.

Tests install this file as `pulumi` (with a shebang to the test's Python). It records every call
in $STAND_IN_LOG, probes the API it was pointed at, and mimics what the real CLI reads and writes,
as read in pulumi/pulumi (pkg/v3.259, the same code paths as the pinned v3.272):

- Project: the nearest Pulumi.yaml from the working directory upwards (`DetectProjectPathFrom`).
- Backend (`pkg/workspace/creds.go`): PULUMI_BACKEND_URL, else Pulumi.yaml's `backend.url`. A `file://`
  path is made absolute against the working directory, `~` expanded (`massageBlobPath`); the folder
  must exist unless the URL says `create_dir` (gocloud's fileblob).
- A stack's checkpoint (`pkg/backend/diy/`): opening a backend with no `.pulumi/meta.yaml` writes
  `version: 1` there, unless stacks of the old layout are present or PULUMI_DIY_BACKEND_LEGACY_LAYOUT is
  true (then version 0, not written) (`ensurePulumiMeta`, meta.go). Version 1 keeps a stack at
  `.pulumi/stacks/<project>/<stack>`, version 0 at `.pulumi/stacks/<stack>` (`StackBasePath`, store.go),
  plus `.json`, or `.json.gz` with PULUMI_DIY_BACKEND_GZIP true (`saveCheckpoint`, `resolveCompression`);
  a stack exists when its `.json`, `.json.gz` or `.json.zst` does (`stackPath`, `stackExists`, state.go).
  `stack rm` (`stack_remove.go`, `removeStack`) moves the checkpoint to `<file>.bak` and deletes the
  stack file unless --preserve-config.
- Stack file: `--config-file`, else `<project dir>/<stackConfigDir>/Pulumi.<stack>.yaml`.
- Secrets (`pkg/secrets/passphrase/manager.go`, `pkg/cmd/pulumi/stack/secrets.go`): with no
  `encryptionsalt` in the stack file, a new salt is made from the passphrase and the file is saved
  with it; with one, a different passphrase fails with "incorrect passphrase". The passphrase comes
  from PULUMI_CONFIG_PASSPHRASE(_FILE), and is required.
- `stack select --create` and `stack init` (`CreateStack` in `pkg/cmd/pulumi/stack/io.go`): read the
  default stack file (they have no --config-file), save the salt there, and write the stack's checkpoint.
  `stack init` of a stack that exists fails.
- `up`/`preview`/`destroy`/`refresh`/`config set`: the stack must exist (no prompt to create one when
  not interactive); the salt is checked, or made and saved, in the stack file they use.
- `version` prints `v$STAND_IN_VERSION`.
The real salt is `v1:<salt>:v1:<nonce>:<"pulumi" encrypted>`; here it is a hash that plays the same role.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import secrets
import sys
import urllib.request
from pathlib import Path

import yaml

VALUE_FLAGS = {"--stack", "-s", "--config-file", "--secrets-provider"}


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(255)


def parse(argv: list[str]) -> tuple[list[str], dict[str, str | bool]]:
    words: list[str] = []
    flags: dict[str, str | bool] = {}
    rest = iter(argv)
    for arg in rest:
        if arg in VALUE_FLAGS:
            flags["stack" if arg == "-s" else arg[2:]] = next(rest)
        elif arg.startswith("--"):
            name, _, value = arg[2:].partition("=")
            flags[name] = value or True
        else:
            words.append(arg)
    return words, flags


def project_file() -> Path:
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "Pulumi.yaml").is_file():
            return folder / "Pulumi.yaml"
    fail("no Pulumi.yaml project file found")
    raise AssertionError


def backend_folder(project: dict) -> Path:
    url = os.environ.get("PULUMI_BACKEND_URL") or (project.get("backend") or {}).get("url")
    if not url:
        fail("no backend: run `pulumi login`")
    if not url.startswith("file://"):
        fail(f"the stand-in knows only file:// backends, not {url}")
    path, _, query = url.removeprefix("file://").partition("?")
    folder = Path(os.path.abspath(os.path.expanduser(path)))
    if not folder.is_dir():
        if "create_dir=" not in query:
            fail(f"unable to open bucket {url}: {folder}: no such file or directory")
        folder.mkdir(parents=True)
    return folder


def truthy(name: str) -> bool:
    return os.environ.get(name, "") == "1" or os.environ.get(name, "").lower() == "true"


def stack_base(folder: Path, project: str, stack: str) -> Path:
    """The stack's checkpoint path without its extension, in the layout `.pulumi/meta.yaml` says (made if absent)."""
    meta = folder / ".pulumi" / "meta.yaml"
    stacks = folder / ".pulumi" / "stacks"
    legacy_stacks = any(path.is_file() for path in stacks.glob("*.json*"))
    if not meta.exists() and not legacy_stacks and not truthy("PULUMI_DIY_BACKEND_LEGACY_LAYOUT"):
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text("version: 1\n")
    version = yaml.safe_load(meta.read_text())["version"] if meta.exists() else 0
    return stacks / project / stack if version >= 1 else stacks / stack


def existing_checkpoint(base: Path) -> Path | None:
    found = [base.with_name(base.name + ext) for ext in (".json", ".json.gz", ".json.zst")]
    found = [path for path in found if path.is_file()]
    return max(found, key=lambda path: path.stat().st_mtime) if found else None


def write_checkpoint(base: Path, checkpoint: dict) -> None:
    body = json.dumps({"version": 3, "checkpoint": checkpoint}).encode()
    base.parent.mkdir(parents=True, exist_ok=True)
    if truthy("PULUMI_DIY_BACKEND_GZIP"):
        base.with_name(base.name + ".json.gz").write_bytes(gzip.compress(body))
    else:
        base.with_name(base.name + ".json").write_bytes(body)


def passphrase() -> str:
    if "PULUMI_CONFIG_PASSPHRASE" in os.environ:
        return os.environ["PULUMI_CONFIG_PASSPHRASE"]
    if os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        return Path(os.environ["PULUMI_CONFIG_PASSPHRASE_FILE"]).read_text().strip()
    fail("passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables")
    raise AssertionError


def salt_for(phrase: str, nonce: str) -> str:
    return f"v1:{nonce}:{hashlib.sha256((nonce + phrase).encode()).hexdigest()[:24]}"


def secrets_manager(stack_file: dict) -> bool:
    """Check the stack file's salt, or make one; return whether the stack file changed."""
    phrase = passphrase()
    salt = stack_file.get("encryptionsalt")
    if salt:
        if salt_for(phrase, salt.split(":")[1]) != salt:
            fail("incorrect passphrase")
        return False
    stack_file["encryptionsalt"] = salt_for(phrase, secrets.token_hex(6))
    return True


def load(path: Path) -> dict:
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def main() -> None:
    record: dict = {
        "argv": sys.argv[1:],
        "cwd": os.getcwd(),
        "backend_url": os.environ.get("PULUMI_BACKEND_URL"),
        "base_url": os.environ.get("TELNYX_BASE_URL"),
        "passphrase": os.environ.get("PULUMI_CONFIG_PASSPHRASE"),
        "exit": 0,
    }
    try:
        run(*parse(sys.argv[1:]), record)
    except SystemExit as done:
        record["exit"] = done.code
        raise
    finally:
        with open(os.environ["STAND_IN_LOG"], "a") as log:
            log.write(json.dumps(record) + "\n")


def run(words: list[str], flags: dict[str, str | bool], record: dict) -> None:
    if words == ["version"]:
        print("v" + os.environ.get("STAND_IN_VERSION", "3.272.0"))
        return

    project_path = project_file()
    project = yaml.safe_load(project_path.read_text())
    named = words[:2] in (["stack", "select"], ["stack", "init"], ["stack", "rm"]) and len(words) > 2
    stack = str(flags.get("stack") or (words[2] if named else ""))
    if not stack:
        fail("no stack selected")
    base = stack_base(backend_folder(project), project["name"], stack)
    state = existing_checkpoint(base)
    record["state"] = str(state or base.with_name(base.name + ".json"))
    default_file = project_path.parent / project.get("stackConfigDir", "") / f"Pulumi.{stack}.yaml"

    if words[:2] in (["stack", "select"], ["stack", "init"]):
        if state is not None and words[1] == "init":
            fail(f"stack '{stack}' already exists")
        if state is not None:
            return
        if words[1] == "select" and not flags.get("create"):
            fail(f"no stack named '{stack}' found")
        stack_file = load(default_file)
        changed = secrets_manager(stack_file)
        write_checkpoint(base, {"stack": f"organization/{project['name']}/{stack}", "latest": {
            "secrets_providers": {"type": "passphrase", "state": {"salt": stack_file["encryptionsalt"]}},
        }})
        if changed:
            default_file.write_text(yaml.safe_dump(stack_file))
        return

    if state is None:
        fail(f"no stack named '{stack}' found")
    if words[:2] == ["stack", "rm"]:
        state.rename(state.with_name(state.name + ".bak"))
        if not flags.get("preserve-config"):
            default_file.unlink(missing_ok=True)
        return
    path = Path(str(flags["config-file"])) if "config-file" in flags else default_file
    record["stack_file"] = str(path)
    stack_file = load(path)
    changed = secrets_manager(stack_file)
    if words[:2] == ["config", "set"]:
        key, value = words[2], words[3]
        secure = {"secure": "v1:" + hashlib.sha256(value.encode()).hexdigest()}
        stack_file.setdefault("config", {})[key] = secure if flags.get("secret") else value
        changed = True
    if changed:
        path.write_text(yaml.safe_dump(stack_file))
    if words[0] in ("up", "preview", "destroy", "refresh") and os.environ.get("TELNYX_BASE_URL"):
        request = urllib.request.Request(
            os.environ["TELNYX_BASE_URL"] + "/call_control_applications",
            headers={"Authorization": "Bearer " + os.environ["TELNYX_API_KEY"]},
        )
        record["api_status"] = urllib.request.urlopen(request).status


if __name__ == "__main__":
    main()
