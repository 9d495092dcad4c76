"""Where Pulumi's diy (`file://`) backend keeps a stack, read as the CLI reads it: does a stack exist there?

As read in pulumi/pulumi's `pkg/backend/diy/`:
- A `file://` URL's path is made absolute against the working directory, `~` expanded, the query
  (`?create_dir=true`) dropped (`massageBlobPath` in backend.go).
- `.pulumi/meta.yaml` says the layout (`ensurePulumiMeta` in meta.go): version 1 keeps a stack at
  `.pulumi/stacks/<project>/<stack>`, version 0 (no meta.yaml: a state older than projects) at
  `.pulumi/stacks/<stack>` (`StackBasePath` in store.go). The engine (v3.260) opens a version 0 state only
  with PULUMI_DIY_BACKEND_IGNORE_DEPRECATION_ERROR set, but its stacks are still stacks.
- The checkpoint is that path plus `.json`, `.json.gz` or `.json.zst` (`stackPath` in state.go: the
  compression PULUMI_DIY_BACKEND_GZIP / _ZSTD chose); a stack exists when one of them does
  (`stackExists`). Beside it the engine keeps a `.bak` of it (written at every save, `backupTarget`) and
  fileblob's `.attrs` files; neither is a stack: `pulumi stack rm` deletes the checkpoint and leaves the
  backup (`removeStack`).
"""

from __future__ import annotations

from pathlib import Path

import yaml

CHECKPOINT_SUFFIXES = (".json", ".json.gz", ".json.zst")


def folder(url: str, cwd: Path) -> Path | None:
    """The folder a `file://` backend URL names, as the CLI resolves it from `cwd`; None for other backends."""
    if not url.startswith("file://"):
        return None
    path = Path(url.removeprefix("file://").split("?")[0]).expanduser()
    return path if path.is_absolute() else cwd / path


def stack_checkpoint(state: Path, project: str, stack: str) -> Path | None:
    """The checkpoint file of `stack` of `project` in the diy state folder `state`, or None if there is no such stack."""
    stacks = state / ".pulumi" / "stacks"
    base = stacks / project / stack if _layout_version(state) >= 1 else stacks / stack
    for suffix in CHECKPOINT_SUFFIXES:
        checkpoint = base.with_name(base.name + suffix)
        if checkpoint.is_file():
            return checkpoint
    return None


def _layout_version(state: Path) -> int:
    meta = state / ".pulumi" / "meta.yaml"
    if not meta.is_file():
        return 0
    return int((yaml.safe_load(meta.read_text()) or {}).get("version", 0))
