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
the application and the key, before any resource is registered: whatever the
file holds (a string, a number, a list, null, text that is not JSON), and two
entries that would share one `application_name`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from field_model import fields
from provider.wire import IMPORT_ID

LOGICAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
NAMESPACE = "telnyx-call-control"  # the project's `name` in Pulumi.yaml, which namespaces the program's config keys
CONFIG_KEYS = ("applications", "defaults")
APPLICATIONS_KEY = f"{NAMESPACE}:applications"
DEFAULTS_KEY = f"{NAMESPACE}:defaults"
# Keys that say which application an entry is: per application only, never in `defaults`.
PER_APPLICATION_KEYS = ("application_name", IMPORT_ID)
_EXPECTED = {
    "applications": "a map of logical names to arguments, such as `call-router: {webhook_event_url: https://…}`",
    "defaults": "a map of argument names to values, such as `webhook_api_version: \"2\"`",
}

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


def load_config(stack: str, config_text: Callable[[str], str | None]) -> list[ApplicationSpec]:
    """Load a stack's declaration from its config as the engine hands it to the program: JSON text per key.

    `config_text(key)` is the raw text of `<namespace>:<key>`, None when unset (`pulumi.Config().get`).
    `pulumi.Config.get_object` would raise on text that is not JSON (`applications: oops`) with a
    traceback naming neither the stack nor the fix; here every value is judged by the loader.
    """
    texts = {key: config_text(key) for key in CONFIG_KEYS}
    values = {key: _config_value(text) for key, text in texts.items()}
    if texts["defaults"] is not None and values["defaults"] is None:  # written, but null
        raise StackConfigError(_wrong_type(stack, "defaults", None))
    return load_applications(stack, values["applications"], values["defaults"])


def _config_value(text: str | None) -> Any:
    # Structured values arrive as JSON text; anything else (`applications: oops`) is a plain string.
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def load_applications(stack: str, applications: Any, defaults: Any = None) -> list[ApplicationSpec]:
    """Merge the defaults under each application and validate the result with the field model.

    `defaults` None means the stack declares none. Raises StackConfigError listing every problem.
    """
    if defaults is None:
        defaults = {}
    wrong = [
        _wrong_type(stack, key, value)
        for key, value in (("applications", applications), ("defaults", defaults))
        if not isinstance(value, Mapping)
    ]
    if wrong:
        raise StackConfigError("\n".join(wrong))
    problems: list[str] = []
    for key in PER_APPLICATION_KEYS:
        if key in defaults:
            problems.append(f"stack {stack!r}: defaults: key {key!r} cannot be a default; set it per application")

    specs = []
    for logical_name, declared in applications.items():
        where = f"stack {stack!r}: application {logical_name!r}"
        if not LOGICAL_NAME.match(str(logical_name)):
            problems.append(f"{where}: the logical name may hold only letters, digits, '-', '_' and '.'")
        if not isinstance(declared, Mapping):
            # Not quoted: an entry written as a bare URL may carry a credential.
            problems.append(
                f"{where}: must be a map of arguments, such as `webhook_event_url: https://…`; "
                f"got {fields.type_words(declared)}"
            )
            continue
        spec, found = _application(stack, str(logical_name), declared, defaults)
        problems.extend(f"{where}: {problem}" for problem in found)
        specs.append(spec)
    problems.extend(duplicate_names(stack, applications))
    if problems:
        raise StackConfigError("\n".join(problems))
    return specs


def _wrong_type(stack: str, key: str, value: Any) -> str:
    if key == "applications" and value is None:
        return (
            f"stack {stack!r}: key '{APPLICATIONS_KEY}' declares no applications (it is missing or null); "
            f"add it to the stack file as {_EXPECTED[key]}"
        )
    return f"stack {stack!r}: key '{NAMESPACE}:{key}' must be {_EXPECTED[key]}; got {fields.type_words(value)}"


def duplicate_names(stack: str, applications: Mapping[str, Any]) -> list[str]:
    """One problem for each `application_name` that two or more entries would share.

    Telnyx would hold applications nobody can tell apart in the portal.
    """
    owners: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for logical_name, declared in applications.items():
        if isinstance(declared, Mapping):
            name = application_name_of(stack, str(logical_name), declared)
            if isinstance(name, str):
                owners.setdefault(name, []).append((str(logical_name), declared))
    return [_duplicate_problem(stack, sharing) for sharing in owners.values() if len(sharing) > 1]


def _duplicate_problem(stack: str, sharing: list[tuple[str, Mapping[str, Any]]]) -> str:
    described = []
    for logical_name, declared in sharing:
        how = " (by default, as <logical name>-<stack>)" if "application_name" not in declared else ""
        described.append(f"{logical_name!r}{how}")
    listed = ", ".join(described[:-1]) + " and " + described[-1]
    name = application_name_of(stack, *sharing[0])
    both, one = ("both", "one") if len(sharing) == 2 else ("all", "all but one")
    return (
        f"stack {stack!r}: applications {listed} would {both} have the application_name {name!r}, and nobody could "
        f"tell them apart in Telnyx; give {one} of them another application_name"
    )


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
