"""A stack's declaration of its call control applications: schema, merging and validation.

A stack file holds two structured config values under the project's namespace:

    telnyx-call-control:defaults:       # optional, merged under every application
      webhook_api_version: "2"
    telnyx-call-control:applications:   # logical name -> arguments
      call-router:
        webhook_event_url: https://hooks.example.com/telnyx/router
        inbound: {channel_limit: 10}

An application's own value replaces the default; `inbound` and `outbound` merge
key by key; a null (`~`) puts a field back to its API default despite the defaults. `application_name` defaults to `<logical name>-<stack>`. An
application may carry `import_id` to adopt an existing Telnyx application.
The resource options `protect`, `retain_on_delete` and `ignore_changes` sit beside the
arguments, per application or in the defaults; an application's own option replaces the default's.
Every mistake in the whole declaration is reported at once, naming the stack,
the application and the key, before any resource is registered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from . import fields
from .wire import IMPORT_ID

LOGICAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

PROTECT = "protect"
RETAIN_ON_DELETE = "retain_on_delete"
IGNORE_CHANGES = "ignore_changes"
# The Pulumi resource options a stack file may set, and what each means to a user (the JSON Schema shows these).
OPTIONS: dict[str, str] = {
    PROTECT: "Refuse to delete the application (removing it from the file fails the update); "
    "set it to false and run `pulumi up` before deleting it on purpose.",
    RETAIN_ON_DELETE: "When the application leaves the stack, drop it from Pulumi's state but keep it in Telnyx.",
    IGNORE_CHANGES: "Setting paths (such as webhook_event_url or inbound.channel_limit) whose declared value "
    "Pulumi leaves alone after the application is created.",
}


class StackConfigError(ValueError):
    """The stack's declaration is wrong; the message lists every problem, one a line."""


@dataclass(frozen=True)
class ApplicationSpec:
    """One application a stack declares: its logical (resource) name, arguments, import id and resource options."""

    logical_name: str
    arguments: dict[str, Any]
    import_id: str | None = None
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()


def load_applications(stack: str, applications: Any, defaults: Any = None) -> list[ApplicationSpec]:
    """Merge the defaults under each application and validate the result with the field model."""
    problems: list[str] = []
    if defaults is None:
        defaults = {}
    if not isinstance(defaults, Mapping):
        raise StackConfigError(f"stack {stack!r}: 'defaults' must be a map of argument names to values")
    for key in ("application_name", IMPORT_ID):
        if key in defaults:
            problems.append(f"stack {stack!r}: defaults: key {key!r} cannot be a default; set it per application")
    if applications is None:
        raise StackConfigError(
            f"stack {stack!r}: no 'applications' are declared; add 'telnyx-call-control:applications' to the stack file"
        )
    if not isinstance(applications, Mapping):
        raise StackConfigError(f"stack {stack!r}: 'applications' must be a map of logical names to arguments")

    specs = []
    for logical_name, declared in applications.items():
        where = f"stack {stack!r}: application {logical_name!r}"
        if not LOGICAL_NAME.match(str(logical_name)):
            problems.append(f"{where}: the logical name may hold only letters, digits, '-', '_' and '.'")
        if not isinstance(declared, Mapping):
            problems.append(f"{where}: must be a map of arguments, got {declared!r}")
            continue
        spec, found = _application(stack, str(logical_name), declared, defaults)
        problems.extend(f"{where}: {problem}" for problem in found)
        specs.append(spec)
    if problems:
        raise StackConfigError("\n".join(problems))
    return specs


def _application(
    stack: str, logical_name: str, declared: Mapping[str, Any], defaults: Mapping[str, Any]
) -> tuple[ApplicationSpec, list[str]]:
    own = {key: value for key, value in declared.items() if key not in OPTIONS}
    import_id = own.pop(IMPORT_ID, None)
    problems = []
    if import_id is not None and not fields.is_id(import_id):
        problems.append(f"key {IMPORT_ID!r}: got {import_id!r}; expected the application's id as a quoted string of digits")
    options = {key: value for source in (defaults, declared) for key, value in source.items() if key in OPTIONS}
    protect, retain_on_delete, ignore_changes = _options(options, problems)
    merged = merge({key: value for key, value in defaults.items() if key not in OPTIONS}, own)
    merged.setdefault("application_name", default_application_name(stack, logical_name))
    result = fields.validate(merged)
    problems.extend(f"key {failure.path!r} {failure.reason}" for failure in result.failures)
    spec = ApplicationSpec(logical_name, result.properties, import_id, protect, retain_on_delete, ignore_changes)
    return spec, problems


def _options(options: Mapping[str, Any], problems: list[str]) -> tuple[bool, bool, tuple[str, ...]]:
    """The resource options chosen (a null means Pulumi's default); each mistake is added to `problems`."""
    flags = []
    for key in (PROTECT, RETAIN_ON_DELETE):
        value = options.get(key)
        if value is not None and not isinstance(value, bool):
            problems.append(f"key {key!r}: got {value!r}; expected true or false")
        flags.append(value is True)
    paths = options.get(IGNORE_CHANGES)
    if paths is None:
        return flags[0], flags[1], ()
    if not isinstance(paths, list):
        problems.append(
            f"key {IGNORE_CHANGES!r}: got {paths!r}; expected a list of setting paths, such as [webhook_event_url, inbound.channel_limit]"
        )
        return flags[0], flags[1], ()
    known = fields.setting_paths()
    for path in paths:
        if not isinstance(path, str) or path not in known:
            problems.append(f"key {IGNORE_CHANGES!r}: {path!r} {fields.unknown_path_reason(str(path))}")
    chosen = tuple(dict.fromkeys(path for path in paths if isinstance(path, str) and path in known))
    return flags[0], flags[1], chosen


def resource_options(spec: ApplicationSpec) -> pulumi.ResourceOptions:
    """The Pulumi resource options an application's declaration asks for (adoption, protection, ignored settings)."""
    return pulumi.ResourceOptions(
        import_=spec.import_id,
        protect=spec.protect,
        retain_on_delete=spec.retain_on_delete,
        ignore_changes=list(spec.ignore_changes) or None,
    )


def default_application_name(stack: str, logical_name: str) -> str:
    """The Telnyx name of an application that declares none: `<logical name>-<stack>`."""
    return f"{logical_name}-{stack}"


def application_name_of(stack: str, logical_name: str, declared: Mapping[str, Any]) -> Any:
    """The `application_name` an entry ends up with: its own, or `<logical name>-<stack>`.

    `defaults` cannot set it (the loader refuses that), so the entry alone decides.
    """
    return declared.get("application_name", default_application_name(stack, logical_name))


def merge(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """An application's arguments over the defaults; `inbound` and `outbound` merge key by key."""
    merged = dict(defaults)
    for key, value in own.items():
        base = merged.get(key)
        if key in fields.GROUPS and isinstance(base, Mapping) and isinstance(value, Mapping):
            merged[key] = {**base, **value}
        else:
            merged[key] = value
    return merged
