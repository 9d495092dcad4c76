"""Adopting an existing application (`import_id`): it is taken over only as it is, never changed.

What must match between the live application and the declaration, and how each mismatch and a
missing application are told. No I/O: the provider reads the application through the client,
once in check (so a pull request's preview fails, not the merge) and once in create.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from field_model import fields
from field_model.redact import describe_difference

NOT_NEEDED_AFTER_FIRST_UP = (
    "if it was adopted in an earlier `up` and deleted since, remove the `import_id` line from the stack file "
    "(or the `import_` option): it is needed only for the first `up`"
)


@dataclass(frozen=True)
class Mismatch:
    """A field whose live value differs from the declared one."""

    path: str
    live: Any
    declared: Any

    def describe(self) -> str:
        """One line naming the field with the live and the declared value (one that may carry a credential masked)."""
        return describe_difference(self.path, "the application has", self.live, "the program declares", self.declared)


def mismatches(
    declared: Mapping[str, Any],
    application: Mapping[str, Any],
    *,
    skip: Callable[[str, Any], bool] = lambda _path, _value: False,
) -> list[Mismatch]:
    """The fields where the live `application` (as the API returned it) differs from `declared`.

    `declared` is a canonical desired state (`fields.desired_state`); a field for which
    `skip(path, declared value)` is true (not known yet, or already failing validation) is not compared.
    """
    live = fields.live_state(application)
    found = []
    for spec in fields.FIELDS:
        want, have = _at(declared, spec), _at(live, spec)
        if want is _ABSENT or skip(spec.path, want):
            continue
        if want != have:
            found.append(Mismatch(spec.path, have, want))
    return found


def does_not_exist(app_id: str) -> str:
    """What to say when the application to adopt is not there."""
    return f"call control application {app_id} does not exist; check the id, and {NOT_NEEDED_AFTER_FIRST_UP}"


def declare_as_it_is(app_id: str) -> str:
    """What to do about mismatches."""
    return (
        f"call control application {app_id} is adopted only as it is: the program must declare what it has today "
        "(change it in a later update)"
    )


_ABSENT = object()


def _at(state: Mapping[str, Any], spec: fields.Field) -> Any:
    if spec.group is None:
        return state.get(spec.name, _ABSENT)
    group = state.get(spec.group)
    # A group not known yet (a preview placeholder) is not compared.
    return group.get(spec.name, _ABSENT) if isinstance(group, Mapping) else _ABSENT
