"""Reading what `pulumi preview --json` prints: the engine's `PreviewDigest`, one file per stack.

The shapes are the engine's own (pulumi/pulumi): `PreviewDigest`, `PreviewStep` and
`PreviewDiagnostic` in `pkg/display/json.go`, the states in them `apitype.ResourceV3` in
`sdk/go/common/apitype/core.go`. Only the keys named in `KEYS_READ` are read, and a test holds
them against the engine's field names. What the engine writes for a dynamic resource:
- no `detailedDiff` and no `diffReasons` (the Python host returns neither): the old and new
  states are all there is to compare;
- `same` steps are left out (only `changeSummary.same` counts them), except the root stack's;
- the default provider (`pulumi:providers:pulumi-python`) has no step and no count;
- with `--refresh`, a `refresh` step per resource comes first, holding the state as it was before
  the refresh (its new state equal to its old); the program's steps hold the refreshed one;
- policy results are left out: a mandatory violation shows only as the error `preview failed`;
- secret values are always the string `"[secret]"`, and values not known yet the string
  `UNKNOWN` below.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The engine's serialised placeholders (`massagePropertyValue` in pkg/backend/display/json.go,
# `computedValuePlaceholder` in pkg/resource/stack/deployment.go).
SECRET = "[secret]"  # noqa: S105 - the placeholder the engine writes, not a password
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"

# Every key of the engine's JSON this module reads, by the Go struct it belongs to.
KEYS_READ: dict[str, frozenset[str]] = {
    "PreviewDigest": frozenset({"steps", "diagnostics", "changeSummary"}),
    "PreviewStep": frozenset({"op", "urn", "oldState", "newState"}),
    "ResourceV3": frozenset({"id", "inputs", "outputs"}),
    "PreviewDiagnostic": frozenset({"urn", "message", "severity"}),
}


class PreviewFileError(ValueError):
    """A file that is not the JSON `pulumi preview --json` prints; the message names the file."""


@dataclass(frozen=True)
class Urn:
    """A resource's URN, split as the engine splits it (`sdk/go/common/resource/urn/urn.go`)."""

    stack: str
    project: str
    type: str  # the resource's own type, without its parents' ($-separated) types
    name: str

    @classmethod
    def parse(cls, text: str) -> Urn:
        """Split `urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name may hold `::`."""
        if not text.startswith("urn:pulumi:") or text.count("::") < 3:
            raise ValueError(f"not a Pulumi URN: {text!r}")
        stack, project, qualified_type, name = text.removeprefix("urn:pulumi:").split("::", 3)
        return cls(stack, project, qualified_type.rpartition("$")[2], name)


@dataclass(frozen=True)
class ResourceState:
    """The part of an `apitype.ResourceV3` a review needs."""

    id: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One `PreviewStep`: what the engine intends to do to one resource."""

    op: str
    urn: Urn
    old: ResourceState | None
    new: ResourceState | None


@dataclass(frozen=True)
class Diagnostic:
    """One `PreviewDiagnostic` (a warning or error the preview reported)."""

    severity: str
    message: str
    urn: Urn | None


@dataclass(frozen=True)
class Preview:
    """One stack's preview. `stack` comes from the URNs; `source` names the file it was read from."""

    source: str
    stack: str
    steps: tuple[Step, ...]
    change_summary: dict[str, int] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """The diagnostics that made the preview fail."""
        return tuple(d for d in self.diagnostics if d.severity == "error")


def read_preview(path: Path) -> Preview:
    """Read one file written by `pulumi preview --json`."""
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise PreviewFileError(f"{path}: the file is empty (`pulumi preview` failed before it planned anything)")
    try:
        digest = json.loads(text)
    except json.JSONDecodeError as error:
        raise PreviewFileError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    return parse_preview(digest, str(path))


def parse_preview(digest: Any, source: str) -> Preview:
    """Turn a decoded `PreviewDigest` into a `Preview`."""
    if not isinstance(digest, Mapping):
        raise PreviewFileError(f"{source}: expected the JSON object `pulumi preview --json` prints")
    steps = tuple(_step(raw, source) for raw in digest.get("steps") or ())
    diagnostics = tuple(_diagnostic(raw) for raw in digest.get("diagnostics") or ())
    stacks = {step.urn.stack for step in steps} | {d.urn.stack for d in diagnostics if d.urn}
    if len(stacks) > 1:
        raise PreviewFileError(f"{source}: steps of several stacks ({', '.join(sorted(stacks))}); expected one per file")
    if not stacks:
        raise PreviewFileError(f"{source}: no step names a stack; is this the output of `pulumi preview --json`?")
    summary = digest.get("changeSummary") or {}
    return Preview(
        source=source,
        stack=stacks.pop(),
        steps=steps,
        change_summary={str(op): int(count) for op, count in summary.items()},
        diagnostics=diagnostics,
    )


def _step(raw: Mapping[str, Any], source: str) -> Step:
    try:
        urn = Urn.parse(raw["urn"])
    except (KeyError, ValueError) as error:
        raise PreviewFileError(f"{source}: a step without a valid URN ({error})") from None
    return Step(op=raw["op"], urn=urn, old=_state(raw.get("oldState")), new=_state(raw.get("newState")))


def _state(raw: Mapping[str, Any] | None) -> ResourceState | None:
    if raw is None:
        return None
    return ResourceState(id=raw.get("id") or None, inputs=dict(raw.get("inputs") or {}), outputs=dict(raw.get("outputs") or {}))


def _diagnostic(raw: Mapping[str, Any]) -> Diagnostic:
    urn = raw.get("urn")
    return Diagnostic(severity=str(raw.get("severity") or ""), message=str(raw.get("message") or ""), urn=Urn.parse(urn) if urn else None)
