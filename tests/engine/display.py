"""The engine's text display read back: one application's blocks in `pulumi preview --diff`, and what they mark.

`pulumi preview --diff` prints each step as a header (`~ <type>: (update)`), its `[id=…]` and `[urn=…]` lines, then
the properties one a line, deeper than the header; a changed one starts with `~` (changed), `+` (added) or `-`
(removed), an unchanged one with spaces (pkg/backend/display/diff.go and object_diff.go in pulumi/pulumi). The
progress display of `pulumi up` names the changed top-level keys instead: `… call-router updated (0.01s) [diff: ~dtmf_type]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APPLICATION_TYPE = "pulumi-python:dynamic/telnyx:CallControlApplication"
_HEADER = re.compile(rf"^ *(?:[~+-] )?{re.escape(APPLICATION_TYPE)}: \((?P<op>[^)]+)\)")
_LEAD = re.compile(r"^ *(?P<mark>[~+-] )?")


@dataclass(frozen=True)
class Block:
    """One step the display printed for one application: its operation (`update`, `refresh`, `delete[retain]` …)
    and the lines below its header."""

    op: str
    lines: tuple[str, ...]

    def marked(self) -> list[str]:
        """The lines marked as a change, whitespace collapsed: `~ dtmf_type : "SIP INFO" => "RFC 2833"`."""
        return [_collapsed(line) for line in self.lines if _mark(line)]

    def shows(self, line: str) -> bool:
        """Whether the block prints `line` (whitespace collapsed, mark included), such as `webhook_event_url : [secret]`."""
        return line in [_collapsed(printed) for printed in self.lines]


def blocks(output: str, name: str) -> list[Block]:
    """Every block the display printed for the application `name`, in order (a refresh, then an update, say)."""
    lines = output.splitlines()
    found = []
    for index, line in enumerate(lines):
        header = _HEADER.match(line)
        if header is None:
            continue
        depth = _depth(line)
        body = []
        for below in lines[index + 1:]:
            if below.strip() and _depth(below) <= depth:
                break
            body.append(below)
        if any(below.strip().endswith(f"::{name}]") for below in body[:2]):
            found.append(Block(header["op"], tuple(body)))
    return found


def block(output: str, name: str, op: str) -> Block:
    """The one block of operation `op` printed for `name`; fails, showing the output, when there is none or several."""
    matching = [b for b in blocks(output, name) if b.op == op]
    assert len(matching) == 1, f"expected one {op!r} block for {name!r}, found {len(matching)} in:\n{output}"
    return matching[0]


def progress_diff(output: str, name: str, verb: str) -> str | None:
    """What `pulumi up`'s progress line `<name> <verb> (…s)` says changed (`~dtmf_type`), None when it names nothing."""
    line = re.search(rf"{re.escape(APPLICATION_TYPE)} {re.escape(name)} {verb} \([\d.]+s\)(?: \[diff: (?P<keys>[^\]]*)\])?", output)
    assert line is not None, f"no line '{name} {verb}' in:\n{output}"
    return line["keys"]


def _depth(line: str) -> int:
    lead = _LEAD.match(line)
    return len(lead.group(0)) if lead else 0


def _mark(line: str) -> bool:
    lead = _LEAD.match(line)
    return bool(lead and lead["mark"])


def _collapsed(line: str) -> str:
    return " ".join(line.split())
