"""The pull-request comment: Markdown a reviewer reads at a glance, dangers first, within GitHub's size limit.

Every value from a preview goes into a code span (so a stack file cannot inject Markdown, HTML or
@mentions into the comment), with control and invisible characters escaped and long values cut.
A webhook URL that carries credentials (a user-info part, a query or a fragment) is shown as its
scheme and host only: the comment is posted where every reader of the repository sees it, and the
old value of a drifted URL comes from the live account, not from the pull request.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from field_model import fields
from field_model.redact import has_credential_part, mask_url, scrub_secret
from policies.rules import Violation

from .changes import (
    ADOPT,
    CREATE,
    DELETE,
    OPERATIONS,
    REPLACE,
    UPDATE,
    ApplicationChange,
    SettingChange,
    StackChanges,
    UnchangedApplication,
)
from .preview_json import SECRET

MARKER = "telnyx-call-control:review"
DEFAULT_TITLE = "Pulumi preview"
GITHUB_COMMENT_LIMIT = 65_536  # characters in an issue or pull-request comment body
MANY_CHANGES = 10  # more changed applications than this in one stack go into a collapsed <details>
MAX_DANGER_LINES = 40
MAX_VALUE_CHARS = 120
MAX_ERROR_CHARS = 2_000
MAX_NAMES = 5  # logical names listed in one line before "and N more"
WORDS = {DELETE: "to delete", "replace": "to replace", UPDATE: "to update", ADOPT: "to adopt", CREATE: "to create"}


def render_comment(
    stacks: Sequence[StackChanges],
    *,
    title: str = DEFAULT_TITLE,
    marker: str = MARKER,
    problems: Sequence[str] = (),
    limit: int | None = GITHUB_COMMENT_LIMIT,
    details_url: str | None = None,
    secret: str | None = None,
) -> str:
    """The whole comment for the previews of `stacks`, in the order given.

    `problems` are files that could not be read as previews. `limit` (characters; None for none)
    cuts the details of the least dangerous changes (and policy results of unchanged applications)
    first, and says what was cut. `secret` (the API key) is scrubbed from everything, in every encoding.
    """
    comment = _Comment(stacks, title, marker, problems, details_url, secret, limit or GITHUB_COMMENT_LIMIT)
    everything = comment.entry_keys()
    text = comment.render(everything)
    if limit is None or size(text) <= limit:
        return text
    return comment.fit(limit)


def size(text: str) -> int:
    """The length GitHub measures, counted safely: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def has_changes(stacks: Sequence[StackChanges]) -> bool:
    """Whether any application would change."""
    return any(stack.applications for stack in stacks)


# (stack index, kind, index): a changed application (`StackChanges.applications`) or an unchanged one
# that breaks a policy (`StackChanges.unchanged_violating`).
EntryKey = tuple[int, int, int]
CHANGED, UNCHANGED = 0, 1


@dataclass
class _Comment:
    stacks: Sequence[StackChanges]
    title: str
    marker: str
    problems: Sequence[str]
    details_url: str | None
    secret: str | None
    limit: int

    def entry_keys(self) -> list[EntryKey]:
        keys = []
        for index, stack in enumerate(self.stacks):
            keys += [(index, CHANGED, a) for a in range(len(stack.applications))]
            keys += [(index, UNCHANGED, a) for a in range(len(stack.unchanged_violating))]
        return keys

    def item(self, key: EntryKey) -> ApplicationChange | UnchangedApplication:
        stack, kind, index = key
        return self.stacks[stack].applications[index] if kind == CHANGED else self.stacks[stack].unchanged_violating[index]

    def entry(self, key: EntryKey) -> str:
        item = self.item(key)
        return entry(item) if isinstance(item, ApplicationChange) else unchanged_entry(item)

    def fit(self, limit: int) -> str:
        """Keep the details of as many changes as fit, dangerous ones first."""
        ranked = sorted(self.entry_keys(), key=self._priority)
        budget = limit - size(self.render([]))
        kept: list[EntryKey] = []
        for key in ranked:
            cost = size(self.entry(key)) + 1
            if cost <= budget:
                kept.append(key)
                budget -= cost
        text = self.render(kept)
        while size(text) > limit and kept:
            kept.pop()
            text = self.render(kept)
        return text if size(text) <= limit else _hard_cut(text, limit)

    def _priority(self, key: EntryKey) -> tuple[int, EntryKey]:
        # What blocks or hurts first, then the other changes, then advice on what does not change.
        item = self.item(key)
        if isinstance(item, ApplicationChange):
            return (0 if item.dangerous else 1, key)
        return (0 if item.mandatory_violations else 2, key)

    def render(self, shown: Sequence[EntryKey]) -> str:
        shown_set = set(shown)
        parts = [f"<!-- {self.marker} -->", f"## {_one_line(self.title)}"]
        quiet = not any(s.errors or s.unchanged_violating for s in self.stacks)
        if not self.problems and not has_changes(self.stacks) and quiet:
            parts.append(self._no_changes())
            return self._scrubbed(parts)
        parts += self._alerts()
        parts += [self._stack(index, shown_set) for index in range(len(self.stacks))]
        cut = [key for key in self.entry_keys() if key not in shown_set]
        if cut:
            parts.append(self._cut_note(cut))
        parts.append(FOOTER)
        return self._scrubbed(parts)

    def _scrubbed(self, parts: list[str]) -> str:
        return scrub_secret("\n\n".join(part for part in parts if part) + "\n", self.secret)

    def _no_changes(self) -> str:
        names = _and([code(stack.stack) for stack in self.stacks])
        unchanged = sum(stack.unchanged for stack in self.stacks)
        verb = "matches" if len(self.stacks) == 1 else "match"
        line = f"No changes: {names} {verb} the code ({_plural(unchanged, 'application')} unchanged)."
        others = [f"{_others(stack)} in {code(stack.stack)}" for stack in self.stacks if stack.others]
        return line + ("\n\n" + "; ".join(others) + "." if others else "")

    def _alerts(self) -> list[str]:
        alerts = []
        stacks = _production_first(self.stacks)
        dangerous = [change for stack in stacks for change in stack.applications if change.dangerous]
        blocking = [app for stack in stacks for app in stack.unchanged_violating if app.mandatory_violations]
        lines = []
        if dangerous:
            lines.append(f"> **{_plural(len(dangerous), 'change')} can hurt a live phone system:**")
            lines += [f"> - {danger_line(change)}" for change in dangerous[:MAX_DANGER_LINES]]
            if len(dangerous) > MAX_DANGER_LINES:
                lines.append(f"> - … and {len(dangerous) - MAX_DANGER_LINES} more")
        if blocking:
            if lines:
                lines.append(">")
            room = max(1, MAX_DANGER_LINES - len(dangerous))
            unchanged = _plural(len(blocking), "unchanged application")
            lines.append(f"> **{unchanged} {'breaks' if len(blocking) == 1 else 'break'} a mandatory policy, so the preview fails and `up` stops:**")
            lines += [f"> - {blocking_line(app)}" for app in blocking[:room]]
            if len(blocking) > room:
                lines.append(f"> - … and {len(blocking) - room} more")
        if lines:
            alerts.append("> [!CAUTION]\n" + "\n".join(lines))
        failed = [f"> - the preview of {code(stack.stack)} failed (below)" for stack in self.stacks if stack.errors]
        failed += [f"> - {code(problem)}" for problem in self.problems]
        if failed:
            alerts.append("> [!WARNING]\n> **Not everything could be previewed:**\n" + "\n".join(failed))
        return alerts

    def _stack(self, index: int, shown: set[EntryKey]) -> str:
        stack = self.stacks[index]
        summary = "the preview failed" if stack.errors else summary_line(stack)
        heading = f"### {code(stack.stack)}{' (production)' if stack.production else ''}: {summary}"
        parts = [heading]
        if stack.errors:
            parts.append(fenced("\n".join(_cut(message.rstrip("\n"), MAX_ERROR_CHARS) for message in stack.errors)))
        entries = [entry(change) for a, change in enumerate(stack.applications) if (index, CHANGED, a) in shown]
        cut = len(stack.applications) - len(entries)
        if cut:
            entries.append(f"- … {_plural(cut, 'more change')} not shown here (see the note at the end)")
        if entries:
            body = "\n".join(entries)
            if len(stack.applications) > MANY_CHANGES:
                label = html.escape(f"{_plural(len(stack.applications), 'changed application')} in {stack.stack}")
                body = f"<details><summary>{label}</summary>\n\n{body}\n\n</details>"
            parts.append(body)
        parts += self._unchanged(index, shown)
        if stack.others:
            parts.append(_others(stack) + ".")
        return "\n\n".join(parts)

    def _unchanged(self, index: int, shown: set[EntryKey]) -> list[str]:
        """The short part on unchanged applications: each one that breaks a policy, and those the policies could not check."""
        stack = self.stacks[index]
        violating = stack.unchanged_violating
        parts = []
        if violating:
            lines = [unchanged_entry(app) for u, app in enumerate(violating) if (index, UNCHANGED, u) in shown]
            cut = len(violating) - len(lines)
            if cut:
                lines.append(f"- … {_plural(cut, 'more unchanged application')} not shown here (see the note at the end)")
            whose = "its" if len(violating) == 1 else "their"
            lead = (
                f"**{_plural(len(violating), 'unchanged application')} against policy** ({whose} settings as last deployed; "
                "a mandatory violation fails the preview and stops `up` even with nothing to change):"
            )
            parts.append(lead + "\n\n" + "\n".join(lines))
        unchecked = [app.logical_name for app in stack.unchanged_applications if app.secrets_unchecked and not app.violations]
        if unchecked:
            parts.append(f"The policies could not check the secret settings of unchanged {_names(unchecked)} (the preview hides their values).")
        return parts

    def _cut_note(self, cut: Sequence[EntryKey]) -> str:
        where = _and([code(self.stacks[index].stack) for index in sorted({key[0] for key in cut})])
        more = f"[the full review]({self.details_url})" if self.details_url else "`make review` (the full review)"
        dangers = sum(1 for stack in self.stacks for change in stack.applications if change.dangerous)
        blocking = sum(1 for stack in self.stacks for app in stack.unchanged_violating if app.mandatory_violations)
        listed = "every danger is listed above" if dangers + blocking <= MAX_DANGER_LINES else "the dangers come first above"
        changes = sum(1 for key in cut if key[1] == CHANGED)
        unchanged = len(cut) - changes
        what = []
        if changes:
            what.append(f"the details of {_plural(changes, 'change')}")
        if unchanged:
            what.append(f"the policy results of {_plural(unchanged, 'unchanged application')}")
        return (
            f"✂️ **Cut to fit {_limit_words(self.limit)}:** {' and '.join(what)} "
            f"(the least dangerous ones, in {where}) are not shown; {listed}. See {more}."
        )


FOOTER = (
    "<sub>Settings are compared with the provider's field model (equal spellings and API defaults are not changes); "
    "a create lists the settings that are not API defaults. Secret values are never shown.</sub>"
)


def summary_line(stack: StackChanges) -> str:
    """`1 to adopt · 2 to update · 3 unchanged`, or `no changes (3 unchanged)`."""
    counts = [f"{stack.count(op)} {WORDS[op]}" for op in reversed(OPERATIONS) if stack.count(op)]
    if not counts:
        return f"no changes ({stack.unchanged} unchanged)"
    return " · ".join([*counts, f"{stack.unchanged} unchanged"])


def headline(change: ApplicationChange) -> str:
    """`**update** `call-router` — `acme-call-router``: the operation, logical name and Telnyx name."""
    line = f"**{change.operation}** {code(change.logical_name)} — {value(change.application_name)}"
    if change.application_id and change.operation in (DELETE, ADOPT):
        line += f", id {code(change.application_id)}"
    if change.operation == ADOPT:
        line += " (taken over as it is: `up` stops, changing nothing, if it differs from these settings)"
    return line


def entry(change: ApplicationChange) -> str:
    """One application's block: the headline, then each setting and policy result on its own line."""
    lines = [f"- {headline(change)}"]
    lines += [f"  - {setting_line(setting)}" for setting in change.settings]
    lines += [f"  - {policy_result(violation)}" for violation in change.violations]
    if change.secrets_unchecked:
        lines.append("  - the policies could not check the secret settings (the preview hides their values)")
    if change.operation == UPDATE and not change.settings:
        lines.append("  - no setting differs that the preview can show")
    return "\n".join(lines)


def unchanged_entry(app: UnchangedApplication) -> str:
    """One unchanged application that breaks a policy: its names, then each policy result on its own line."""
    lines = [f"- {code(app.logical_name)} — {value(app.application_name)}"]
    lines += [f"  - {policy_result(violation)}" for violation in app.violations]
    if app.secrets_unchecked:
        lines.append("  - the policies could not check the secret settings (the preview hides their values)")
    return "\n".join(lines)


def setting_line(setting: SettingChange) -> str:
    """`⚠️ `path`: `old` → `new` (why it is dangerous)`."""
    name = code(setting.path)
    if setting.secret:
        return f"{name}: [secret] (the preview hides secret values: not compared)"
    if setting.unknown:
        return f"{name}: {value(setting.old, setting.path)} → (known only during `up`)"
    shown = value(setting.new, setting.path)
    if setting.old is not None or setting.danger:
        shown = f"{value(setting.old, setting.path)} → {shown}"
    if setting.danger:
        return f"⚠️ {name}: {shown} **{setting.danger}**"
    return f"{name}: {shown}"


def danger_line(change: ApplicationChange) -> str:
    """One line of the caution block: stack, operation, application, and every reason it is dangerous."""
    reasons = []
    if change.operation == DELETE:
        reasons.append("deletes the application from Telnyx")
    if change.operation == REPLACE:
        reasons.append("deletes the application and creates it again, with a new id")
    for setting in change.settings:
        if setting.danger:
            shown = f"{value(setting.old, setting.path)} → {value(setting.new, setting.path)}"
            reasons.append(f"{code(setting.path)} {shown} **{setting.danger}**")
    reasons += [f"{policy_result(violation)}" for violation in change.mandatory_violations]
    if not reasons:
        reasons.append("a change in a production stack")
    head = f"**{change.operation}** {code(change.logical_name)} ({value(change.application_name)})"
    return f"{code(change.stack)} · {head}: {'; '.join(reasons)}"


def blocking_line(app: UnchangedApplication) -> str:
    """One line of the caution block for an unchanged application that breaks a mandatory policy."""
    reasons = "; ".join(policy_result(violation) for violation in app.mandatory_violations)
    return f"{code(app.stack)} · {code(app.logical_name)} ({value(app.application_name)}): {reasons}"


def policy_result(violation: Violation) -> str:
    """`🛑 policy `name` (mandatory): message`."""
    mark = "🛑 " if violation.enforcement == "mandatory" else ""
    return f"{mark}policy {code(violation.policy)} ({plain(violation.enforcement)}): {plain(violation.message)}"


def value(raw: Any, path: str | None = None) -> str:
    """A setting's value as a code span; secrets as [secret], credential-bearing URLs as their host."""
    if raw == SECRET:
        return "[secret]"
    if raw is None:
        return "`null`"
    if isinstance(raw, bool):
        return code("true" if raw else "false")
    if isinstance(raw, (int, float)):
        return code(str(raw))
    if isinstance(raw, (list, tuple)):
        return code("[" + ", ".join(_printable(str(item)) for item in raw) + "]")
    text = str(raw)
    if text == "":
        return '`""`'
    if path in fields.URL_PATHS and has_credential_part(text):
        return f"{code(mask_url(text))} (credentials hidden)"
    return code(text)


def code(text: str) -> str:
    """`text` as a Markdown code span, whatever backticks or invisible characters it holds."""
    text = _printable(_cut(text, MAX_VALUE_CHARS))
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    if text.startswith(("`", " ")) or text.endswith(("`", " ")):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def fenced(text: str) -> str:
    """`text` in a fenced code block that no run of backticks inside it can close."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    body = "\n".join(_printable(line) for line in text.splitlines())
    return f"{fence}text\n{body}\n{fence}"


def plain(text: str) -> str:
    """Prose from a policy or a preview as literal Markdown text: every ASCII punctuation mark escaped.

    So no `*`, `<tag>`, `[link](…)` or `@mention` in it is read as Markdown, HTML or a mention.
    """
    escaped = "".join(f"\\{c}" if c.isascii() and not c.isalnum() and not c.isspace() else c for c in _one_line(text))
    return _printable(escaped)


def _printable(text: str) -> str:
    # Control characters, and invisible format characters such as bidi overrides (which make text read
    # differently from what it is), are written as escapes.
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )


def _hard_cut(text: str, limit: int) -> str:
    """The last resort when even the summaries and dangers do not fit: whole lines up to the limit, and a note."""
    note = f"\n\n✂️ **Cut at {_limit_words(limit)}.**\n"
    kept: list[str] = []
    budget = limit - size(note)
    for line in text.splitlines():
        budget -= size(line) + 1
        if budget < 0:
            break
        kept.append(line)
    return "\n".join(kept) + note


def _limit_words(limit: int) -> str:
    owner = "GitHub's" if limit == GITHUB_COMMENT_LIMIT else "the"
    return f"{owner} {limit:,}-character limit for a comment"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _names(names: Sequence[str]) -> str:
    shown = [code(name) for name in names[:MAX_NAMES]]
    if len(names) > MAX_NAMES:
        shown.append(f"{len(names) - MAX_NAMES} more")
    return _and(shown)


def _others(stack: StackChanges) -> str:
    listed = ", ".join(f"{other.operation} {code(other.name)} ({code(other.type)})" for other in stack.others)
    return f"Pulumi's own resources (no Telnyx call): {listed}"


def _production_first(stacks: Sequence[StackChanges]) -> list[StackChanges]:
    return sorted(stacks, key=lambda stack: not stack.production)
