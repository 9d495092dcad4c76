"""How the provider writes an application safely: an update sends only what changes, and the API's
answer to every write (a create's too) is checked before the write counts as done.

The Telnyx reference lists a default for every optional PATCH field but does not say whether a
PATCH merges the fields it omits or resets them. `ApplicationWriter.update` is right under both:

1. The PATCH carries the fields whose canonical value differs between the desired and the last
   known state, plus `application_name` and `webhook_event_url`, which the API requires in every
   PATCH (taken from the last known state when they are not changing). Nothing else is written, so
   a field the change does not touch, or one Pulumi was told to ignore, keeps the value it has.
2. The answer is reconciled with what was meant (`reconcile`). A field sent but not kept calls for
   one corrective PATCH carrying the full state. The omitted fields that can tell the API's behaviour
   apart are those the last known state held at something other than their default: a resetting
   API puts *every* one of them back at its default, a merging API keeps them. So if any of them
   came back as it was (or at another value), the API merges, and one that came back at its default
   was set so by someone else since the last read (a portal edit): it is left as it is, like any
   other difference in an omitted field. If all of them came back at their defaults, they are
   written back with one corrective PATCH carrying the full state.
3. If a field still differs after that, the update fails naming the field, the value sent and the value kept.
4. Only when two or more such fields all came back at their defaults is the API taken to reset
   omitted fields: the writer warns once and sends the full state on every later update. A single
   one at its default is ambiguous (a reset, or a portal edit back to the default): it is written
   back, with a note naming it, but proves nothing about the API (`_omitted_fields_to_restore` says why).

A create's answer goes through the same reconciliation (`ApplicationWriter.finish_create`): the POST
carries every field the create body takes (`create_body`; not `tags`), a field it sent but the API did
not keep, or a declared field it could not carry, calls for one corrective PATCH with the full state,
and if a field still differs the create fails like an update. How a create is made once and never
left half done is `creates.py`'s job.

States here are canonical (`fields.desired_state` / `fields.live_state`). The module knows the client
and the field model, nothing of Pulumi: the provider passes in how to warn the user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from field_model import fields
from field_model.redact import describe_difference
from telnyx_client.client import TelnyxClient
from telnyx_client.errors import TelnyxApiError

ALL_PATHS: tuple[str, ...] = tuple(spec.path for spec in fields.FIELDS)


@dataclass(frozen=True)
class NotKept:
    """A field the API answered with another value than the one sent."""

    path: str
    sent: Any
    kept: Any

    def describe(self) -> str:
        """One line naming the field and both values (a webhook URL may carry credentials: only masked)."""
        return describe_difference(self.path, "sent", self.sent, "kept", self.kept)


class NotKeptError(TelnyxApiError):
    """A write the API did not keep as sent, even after one corrective PATCH."""

    def __init__(self, app_id: str, not_kept: list[NotKept]) -> None:
        described = "; ".join(item.describe() for item in not_kept)
        super().__init__(
            f"Telnyx did not keep what was written to call control application {app_id}, "
            f"even after one corrective PATCH: {described}"
        )
        self.not_kept = not_kept


@dataclass(frozen=True)
class Reconciliation:
    """What the API's answer to a write says about it."""

    not_kept: list[NotKept]
    reset: list[str]  # omitted fields that came back at their defaults and are written back as they were
    api_resets_omitted: bool = False  # the answer proves the API resets every field a PATCH leaves out

    @property
    def needs_correction(self) -> bool:
        """Whether the application is not in the state the write meant."""
        return bool(self.not_kept or self.reset)


def patch_body(desired: Mapping[str, Any], last_known: Mapping[str, Any], *, full_state: bool = False) -> dict[str, Any]:
    """The PATCH body that takes an application from `last_known` to `desired`.

    It carries the fields that differ (from `desired`) and the two the API requires in every
    PATCH (from `last_known` when they are not changing); with `full_state`, every other field
    too, from `last_known`.
    """
    want, have = flatten(desired), flatten(last_known)
    changed = set(fields.differing_paths(desired, last_known))
    paths = [p for p in ALL_PATHS if full_state or p in changed or p in fields.REQUIRED_PATHS]
    return nest({path: want[path] if path in changed else have[path] for path in paths})


def create_body(desired: Mapping[str, Any]) -> dict[str, Any]:
    """The POST body that creates `desired`: every field the API's create body takes (`Field.in_create_body`)."""
    return nest({path: value for path, value in flatten(desired).items() if fields.FIELDS_BY_PATH[path].in_create_body})


def reconcile(sent: Mapping[str, Any], last_known: Mapping[str, Any], answer: Mapping[str, Any]) -> Reconciliation:
    """Compare the API's answer to a write (a PATCH, or a create's POST) with the body sent and the state meant before it."""
    body, before, kept = flatten(sent), flatten(last_known), flatten(fields.live_state(answer))
    not_kept = [NotKept(path, value, kept[path]) for path, value in body.items() if kept[path] != value]
    omitted = [path for path in ALL_PATHS if path not in body]
    reset = _omitted_fields_to_restore(omitted, before, kept)
    return Reconciliation(not_kept, reset, api_resets_omitted=len(reset) > 1)


def _omitted_fields_to_restore(omitted: list[str], before: Mapping[str, Any], kept: Mapping[str, Any]) -> list[str]:
    """The omitted fields that the API (not someone else) may have put back to their defaults.

    Only a field that held something other than its default can tell: a resetting API resets every
    omitted field, so all of those come back at their defaults; a merging API keeps them. One that
    came back otherwise shows the API merges, and then those at their defaults are someone's edits.
    """
    telling = [path for path in omitted if before[path] != _default(path)]
    at_default = [path for path in telling if kept[path] == _default(path)]
    if len(at_default) < len(telling):
        return []
    # Two or more, all at their defaults, would take as many portal edits back to the default since
    # the last read: that is proof of a resetting API (`api_resets_omitted`). One alone cannot tell a
    # reset from a portal edit, and it is written back anyway. An omitted field's declared value (or
    # the one `ignore_changes` kept) is its last known one, so writing it back gives what the reviewed
    # program says, as an `up --refresh` would have; left alone, a reset would leave a live phone
    # system on a default its stack does not declare (a channel limit gone) until the next `up`.
    # It switches nothing to full state: full-state updates from possibly stale outputs could revert
    # other portal edits. A resetting API proves itself on an update with two such fields, or costs
    # one corrective PATCH per update, which is still right.
    return at_default


def corrective_body(
    sent: Mapping[str, Any], last_known: Mapping[str, Any], answer: Mapping[str, Any], found: Reconciliation
) -> dict[str, Any]:
    """The full state a corrective PATCH carries: what was sent, the reset fields as they were
    before, and every other field as the API answered (someone else's edit stays)."""
    body, before, kept = flatten(sent), flatten(last_known), flatten(fields.live_state(answer))
    return nest({
        path: body[path] if path in body else before[path] if path in found.reset else kept[path]
        for path in ALL_PATHS
    })


class ApplicationWriter:
    """Writes call control applications through a client, checking every answer. Thread-safe."""

    RESET_WARNING = (
        "This Telnyx API resets the fields a PATCH leaves out: {fields} of call control application {app_id} "
        "went back to their defaults and were written back. Every later update in this run sends the full state."
    )
    RESTORED_NOTE = (
        "{field} of call control application {app_id} came back at its default after a PATCH that left it out, "
        "and was written back as last read: either this Telnyx API resets the fields a PATCH leaves out, or it was "
        "set in the portal since the last refresh (to keep such an edit, declare it in the stack)."
    )

    def __init__(self, client: TelnyxClient, warn: Callable[[str], None]) -> None:
        self._client = client
        self._warn = warn
        self._lock = threading.Lock()
        self._full_state = False

    @property
    def sends_full_state(self) -> bool:
        """Whether updates carry every field (after the API was seen resetting omitted ones)."""
        return self._full_state

    def update(self, app_id: str, desired: Mapping[str, Any], last_known: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH the application from `last_known` (the outputs as last read) to `desired`.

        One PATCH when the API keeps it as meant; two when it did not (one corrective, full
        state). Returns the API object as finally kept, or raises NotKeptError naming what
        still differs.
        """
        body = patch_body(desired, last_known, full_state=self._full_state)
        answer = self._client.update(app_id, body)
        found = reconcile(body, last_known, answer)
        if not found.needs_correction:
            return answer
        if found.api_resets_omitted:
            self._learn_that_omitted_fields_reset(app_id, found.reset)
        elif found.reset:
            self._warn(self.RESTORED_NOTE.format(field=found.reset[0], app_id=app_id))
        return self._correct(app_id, body, last_known, answer, found)

    def finish_create(
        self, app_id: str, sent: Mapping[str, Any], desired: Mapping[str, Any], answer: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Bring the application a POST of `sent` just made (`answer`) to `desired`.

        No request when the API kept what was sent and `desired` needs nothing the POST could
        not carry; otherwise one PATCH with the full state (it sets the tags, and corrects a field
        the POST did not keep). Returns the API object as finally kept, or raises NotKeptError.
        """
        # What the create meant is `desired`: a declared field the POST left out reads as "reset".
        found = reconcile(sent, desired, answer)
        if not found.needs_correction:
            return dict(answer)
        return self._correct(app_id, sent, desired, answer, found)

    def _correct(
        self,
        app_id: str,
        sent: Mapping[str, Any],
        meant: Mapping[str, Any],
        answer: Mapping[str, Any],
        found: Reconciliation,
    ) -> dict[str, Any]:
        """One corrective PATCH with the full state; NotKeptError if a field still differs."""
        corrective = corrective_body(sent, meant, answer, found)
        kept = self._client.update(app_id, corrective)
        still = reconcile(corrective, meant, kept).not_kept
        if still:
            raise NotKeptError(app_id, still)
        return kept

    def _learn_that_omitted_fields_reset(self, app_id: str, reset: list[str]) -> None:
        with self._lock:
            first = not self._full_state
            self._full_state = True
        if first:
            self._warn(self.RESET_WARNING.format(fields=", ".join(reset), app_id=app_id))


def flatten(state: Mapping[str, Any]) -> dict[str, Any]:
    """A (partial) application body as dotted path → value (`inbound.channel_limit`)."""
    flat: dict[str, Any] = {}
    for key, value in state.items():
        if key in fields.GROUPS and isinstance(value, Mapping):
            flat.update({f"{key}.{name}": item for name, item in value.items()})
        else:
            flat[key] = value
    return flat


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The API body for dotted path → value: nested fields go back under their group."""
    body: dict[str, Any] = {}
    for path, value in flat.items():
        group, _, name = path.rpartition(".")
        if group:
            body.setdefault(group, {})[name] = value
        else:
            body[path] = value
    return body


def _default(path: str) -> Any:
    return fields.default_of(fields.FIELDS_BY_PATH[path])
