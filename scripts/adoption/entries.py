"""The stack-file entry for one live application: its logical name and only the settings the file must state.

Every question about a setting ("is this the default?", "are these equal?", "may this be declared?") is
answered by the field model (`field_model/fields.py`) and the stack loader's merge (`stack_files/loader.py`),
so an entry written here is exactly what the loader and the provider's adoption check will compare.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from field_model import fields
from field_model.redact import has_credential_part, mask_url
from provider.wire import IMPORT_ID
from stack_files.loader import (
    DEFAULTS_KEY,
    OPTIONS,
    PER_APPLICATION_KEYS,
    StackConfigError,
    default_application_name,
    load_applications,
    merge,
)

_FALLBACK_LOGICAL_NAME = "application"


class AdoptionError(ValueError):
    """An application cannot be written as an entry; the message says why (and shows no webhook URL)."""


@dataclass(frozen=True)
class Defaults:
    """A stack file's `defaults`, as far as adopt can read them.

    `known` holds the plain settings (resource options such as `protect` left out); `hidden` the dotted paths of values stored encrypted (`{secure: …}`),
    which adopt cannot read, so every entry states those settings itself.
    """

    known: dict[str, Any]
    hidden: frozenset[str]


def is_encrypted(value: Any) -> bool:
    """Whether a config value is a Pulumi secret as a stack file stores it: `{secure: v1:…}`."""
    return isinstance(value, Mapping) and set(value) == {"secure"}


def read_defaults(stack: str, defaults: Any) -> Defaults:
    """The stack file's defaults, checked by the field model; raises AdoptionError naming every mistake.

    Entries are computed on top of these defaults, so a wrong one would make every entry wrong.
    """
    if defaults is None:
        return Defaults({}, frozenset())
    if is_encrypted(defaults) or not isinstance(defaults, Mapping):
        raise AdoptionError(
            f"stack {stack!r}: '{DEFAULTS_KEY}' must be a plain map of settings "
            "(an encrypted or non-map value cannot be read); fix it before adopting"
        )
    known: dict[str, Any] = {}
    hidden: set[str] = set()
    for key, value in defaults.items():
        if key in OPTIONS:
            continue  # resource options (protect, …) say nothing about a setting's value
        if is_encrypted(value):
            hidden.update(_paths_under(str(key)))
        elif str(key) in fields.GROUPS and isinstance(value, Mapping):
            group = {name: item for name, item in value.items() if not is_encrypted(item)}
            hidden.update(f"{key}.{name}" for name, item in value.items() if is_encrypted(item))
            known[str(key)] = group
        else:
            known[str(key)] = value
    problems = [f"key {key!r} cannot be a default; set it per application" for key in PER_APPLICATION_KEYS if key in known]
    problems += [
        f"key {failure.path!r} {failure.reason}"
        for failure in fields.validate(known).failures
        if failure.path.split(".")[0] in known
    ]
    if problems:
        raise AdoptionError("\n".join(f"stack {stack!r}: defaults: {problem}" for problem in problems))
    return Defaults(known, frozenset(hidden))


def _paths_under(key: str) -> list[str]:
    if key in fields.GROUPS:
        return [spec.path for spec in fields.group_fields(key)]
    return [key]


def unrepresentable(app: Mapping[str, Any]) -> list[str]:
    """Why the application's live settings cannot be declared in a stack file (empty when they can).

    `fields.live_state` keeps a value it cannot normalise as it is (an enum value the model does not know,
    a webhook timeout out of range), and the provider's adoption check compares every field: no declaration
    can match such a value. A field the model does not know is not compared, so it is no obstacle.
    """
    reasons = []
    if not fields.is_id(app.get("id")):
        reasons.append("its id is not a string of digits")
    live = fields.live_state(app)
    for spec in fields.FIELDS:
        value = fields.value_at(live, spec.path)
        try:
            fields.normalise(spec, value)
        except fields.FieldError as error:
            if fields.may_carry_credential(spec):
                reasons.append(f"{spec.path}: the live value {mask_url(value)} is not {spec.allowed()}")
            else:
                reasons.append(f"{spec.path}: the live value is not allowed: {error.reason}")
    return reasons


def unmanaged_fields(app: Mapping[str, Any]) -> list[str]:
    """Fields the API returned that the field model does not know: the provider leaves them as they are."""
    known = {*fields.FIELDS_BY_PATH, *fields.GROUPS, *fields.READ_ONLY_FIELDS}
    found = [str(name) for name in app if name not in known]
    for group in fields.GROUPS:
        nested = app.get(group)
        if isinstance(nested, Mapping):
            found += [f"{group}.{name}" for name in nested if f"{group}.{name}" not in fields.FIELDS_BY_PATH]
    return sorted(found)


def logical_name_for(application_name: str, stack: str, taken: Collection[str]) -> str:
    """A logical name for an application: derived from its name, valid in a stack file, not in `taken`.

    A trailing `-<stack>` is dropped, so an application named like this project's default
    (`<logical name>-<stack>`) gets back its original logical name and needs no `application_name`.
    Only letters, digits and '-' are used, so the name also works in a `pulumi config set --path` key.
    """
    base = re.sub(r"[^a-z0-9]+", "-", application_name.lower()).strip("-")
    suffix = "-" + re.sub(r"[^a-z0-9]+", "-", stack.lower()).strip("-")
    if base.endswith(suffix) and len(base) > len(suffix):
        base = base[: -len(suffix)]
    base = base or _FALLBACK_LOGICAL_NAME
    taken_folded = {name.lower() for name in taken}
    candidate, number = base, 1
    while candidate.lower() in taken_folded:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def minimal_entry(stack: str, logical_name: str, app: Mapping[str, Any], defaults: Defaults) -> dict[str, Any]:
    """The shortest entry that, merged over the defaults, declares exactly the live application.

    A setting is written only where the defaults (and, under them, the API defaults) give something
    else: the live value, or null where the live value is the API default that a default overrides.
    Raises AdoptionError when the live settings cannot be declared at all.
    """
    reasons = unrepresentable(app)
    if reasons:
        raise AdoptionError("; ".join(reasons))
    live = fields.live_state(app)
    entry: dict[str, Any] = {IMPORT_ID: str(app["id"])}
    if live["application_name"] != default_application_name(stack, logical_name):
        entry["application_name"] = live["application_name"]
    given = _declared_state(stack, logical_name, entry, defaults.known)
    for spec in fields.FIELDS:
        if spec.path == "application_name":
            continue
        have = fields.value_at(live, spec.path)
        if spec.path in defaults.hidden or fields.value_at(given, spec.path) != have:
            _put(entry, spec, None if have == fields.default_of(spec) else have)
    _check_round_trip(stack, logical_name, entry, defaults, live)
    return entry


def _declared_state(stack: str, logical_name: str, entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = merge(defaults, {k: v for k, v in entry.items() if k != IMPORT_ID})
    merged.setdefault("application_name", default_application_name(stack, logical_name))
    return fields.desired_state(fields.validate(merged).properties)


def _put(entry: dict[str, Any], spec: fields.Field, value: Any) -> None:
    if spec.group is None:
        entry[spec.name] = value
    else:
        entry.setdefault(spec.group, {})[spec.name] = value


def _check_round_trip(
    stack: str, logical_name: str, entry: Mapping[str, Any], defaults: Defaults, live: Mapping[str, Any]
) -> None:
    """Load the entry as the stack program will, and compare it as the provider's adoption will."""
    try:
        [spec] = load_applications(stack, {logical_name: dict(entry)}, defaults.known)
    except StackConfigError as error:
        raise AdoptionError(f"the stack loader refuses the entry: {error}") from None
    differing = fields.differing_paths(fields.desired_state(spec.arguments), live)
    if differing or spec.import_id != entry[IMPORT_ID]:
        raise AdoptionError(f"the entry would not match the live application in: {', '.join(differing)}")


def settings_needing_a_secret(entry: Mapping[str, Any]) -> list[str]:
    """The settings of an entry that may carry a credential and whose value does (dotted paths, in field order)."""
    return [
        spec.path
        for spec in fields.FIELDS
        if fields.may_carry_credential(spec) and has_credential_part(fields.value_at(entry, spec.path))
    ]


def without(entry: Mapping[str, Any], paths: Collection[str]) -> dict[str, Any]:
    """The entry with the given dotted paths removed (an emptied group goes too)."""
    result = {key: dict(value) if isinstance(value, Mapping) else value for key, value in entry.items()}
    for path in paths:
        group, _, name = path.rpartition(".")
        if not group:
            result.pop(name, None)
        elif isinstance(result.get(group), dict):
            result[group].pop(name, None)
            if not result[group]:
                del result[group]
    return result
