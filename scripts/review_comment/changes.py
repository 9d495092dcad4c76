"""What a preview would change, in the field model's words: per application, each setting and each danger.

The engine's JSON holds whole states and no detailed diff (see `preview_json`), so the changed
settings are computed here the way the provider's `diff` decides them: the application as Telnyx
last returned it (the old state's outputs) against the full desired state of the checked inputs
(`fields.live_state` / `fields.desired_state` / `fields.differing_paths`). Equal spellings and
omitted defaults are therefore never changes.

The policy pack judges every application a preview registers, changed or not, so an unchanged one
can fail the preview too. The JSON shows an unchanged application only as a `refresh` step (with
`--refresh`; its state as last deployed, before the refresh) or a `same` step (with
`--show-sames`; the program's inputs): the policies are asked about those. Without either, or
when the program did not register every application (it failed, or the provider's check refused
one: the engine stops there, so no policy ran on the rest), nothing is said about unchanged
applications. A preview that a mandatory policy failed did register them all: its only error is the
engine's bare `preview failed` (`preview --json` holds no policy result), and the review names the
violations itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from field_model import fields
from policies.rules import Violation, is_production
from provider import wire
from provider.resource import TYPE_TOKEN
from provider.wire import IMPORT_ID

from .preview_json import ROOT_STACK_TYPE, SECRET, UNKNOWN, Preview, Step

CHANNEL_LIMIT_PATHS = tuple(f.path for f in fields.FIELDS if f.name == "channel_limit")

# Operations on an application, in the order a reviewer reads them.
DELETE, REPLACE, UPDATE, ADOPT, CREATE = "delete", "replace", "update", "adopt", "create"
OPERATIONS = (DELETE, REPLACE, UPDATE, ADOPT, CREATE)
# The engine's ops that leave an application as it is (`pkg/resource/deploy/step.go`).
NO_CHANGE_OPS = frozenset({"same", "refresh", "read", "discard"})


# `policies.rules.evaluate(properties, stack, application)`: the checked inputs of one application.
Evaluate = Callable[[Mapping[str, Any], str, str], Sequence[Violation]]


@dataclass(frozen=True)
class SettingChange:
    """One setting of one application: its old and new value, as shown (`None` old for a create)."""

    path: str
    old: Any
    new: Any
    secret: bool = False  # the engine hides the value: shown as [secret], never compared
    unknown: bool = False  # not known until `up` runs
    danger: str | None = None  # why this can hurt a live phone system


@dataclass(frozen=True)
class ApplicationChange:
    """What `up` would do to one CallControlApplication."""

    stack: str
    logical_name: str
    operation: str  # one of OPERATIONS
    application_name: Any
    application_id: str | None
    settings: tuple[SettingChange, ...]
    violations: tuple[Violation, ...] = ()
    production: bool = False
    secrets_unchecked: bool = False  # the policies could not check the settings the engine hides

    @property
    def mandatory_violations(self) -> tuple[Violation, ...]:
        """The policy violations that make `up` fail."""
        return tuple(v for v in self.violations if v.enforcement == "mandatory")

    @property
    def dangerous(self) -> bool:
        """Whether this change can hurt a live phone system: a delete or replace, a dangerous setting,
        a mandatory policy violation, or any change in a production stack."""
        return (
            self.operation in (DELETE, REPLACE)
            or any(setting.danger for setting in self.settings)
            or bool(self.mandatory_violations)
            or self.production
        )


@dataclass(frozen=True)
class UnchangedApplication:
    """An application the preview leaves as it is, with the policy results for its settings."""

    stack: str
    logical_name: str
    application_name: Any
    violations: tuple[Violation, ...]
    secrets_unchecked: bool = False  # the policies could not check the settings the engine hides

    @property
    def mandatory_violations(self) -> tuple[Violation, ...]:
        """The policy violations that fail the preview and stop `up`, although nothing changes."""
        return tuple(v for v in self.violations if v.enforcement == "mandatory")


@dataclass(frozen=True)
class OtherChange:
    """A step on one of Pulumi's own resources (the stack, the dynamic provider): no Telnyx call."""

    operation: str
    type: str
    name: str


@dataclass(frozen=True)
class StackChanges:
    """Everything one stack's preview would change."""

    stack: str
    applications: tuple[ApplicationChange, ...]
    unchanged: int
    others: tuple[OtherChange, ...]
    errors: tuple[str, ...]
    # The unchanged applications the policies were asked about (see the module's docstring).
    unchanged_applications: tuple[UnchangedApplication, ...] = ()

    @property
    def unchanged_violating(self) -> tuple[UnchangedApplication, ...]:
        """The unchanged applications that break a policy, by logical name."""
        return tuple(app for app in self.unchanged_applications if app.violations)

    @property
    def production(self) -> bool:
        """Whether the stack is named like a production stack."""
        return is_production(self.stack)

    def count(self, operation: str) -> int:
        """How many applications the operation touches."""
        return sum(1 for change in self.applications if change.operation == operation)


def stack_changes(preview: Preview, evaluate: Evaluate | None = None) -> StackChanges:
    """The changes of one stack's preview, applications in reading order (deletes first)."""
    applications: list[ApplicationChange] = []
    others: list[OtherChange] = []
    unchanged_steps: dict[str, Step] = {}  # logical name -> its `refresh` step, or its `same` step when printed
    for step in preview.steps:
        is_application = step.urn.type == TYPE_TOKEN
        if step.op in NO_CHANGE_OPS:
            if is_application and (step.op == "same" or (step.op == "refresh" and step.urn.name not in unchanged_steps)):
                unchanged_steps[step.urn.name] = step
        elif is_application:
            applications.append(application_change(preview.stack, step, evaluate))
        else:
            others.append(OtherChange(step.op, step.urn.type, step.urn.name))
    applications.sort(key=lambda change: (OPERATIONS.index(change.operation), change.logical_name))
    changed = {change.logical_name for change in applications}
    unchanged = len(set(unchanged_steps) - changed) if unchanged_steps else _unchanged_from_summary(preview)
    judged: tuple[UnchangedApplication, ...] = ()
    if evaluate is not None and registered_every_application(preview):
        judged = tuple(
            unchanged_application(preview.stack, step, evaluate)
            for name, step in sorted(unchanged_steps.items())
            if name not in changed
        )
    return StackChanges(
        stack=preview.stack,
        applications=tuple(applications),
        unchanged=unchanged,
        others=tuple(others),
        errors=tuple(d.message for d in preview.errors),
        unchanged_applications=judged,
    )


def _unchanged_from_summary(preview: Preview) -> int:
    """Without `same` or `refresh` steps, only `changeSummary.same` counts the unchanged applications.

    It also counts the root stack when that is unchanged (its step is always printed). The default
    dynamic provider has no step and no count (`isInternalStep`, pkg/engine/update.go).
    """
    root_unchanged = any(step.urn.type == ROOT_STACK_TYPE and step.op == "same" for step in preview.steps)
    return max(0, preview.change_summary.get("same", 0) - root_unchanged)


def registered_every_application(preview: Preview) -> bool:
    """Whether the program registered every application the preview shows, so the policy pack judged them all.

    `changeSummary` counts one step for each resource the program registers (a `same` one too, and
    the root stack's) plus each delete; `refresh` steps are not counted. A program that fails, or
    stops at an application whose check fails, leaves some applications in the state uncounted.
    A document without a change summary (the engine always writes one) counts as registered unless
    it holds an error.
    """
    if not preview.change_summary:
        return not preview.errors
    applications = [step for step in preview.steps if step.urn.type == TYPE_TOKEN]
    deleted = {step.urn.name for step in applications if step.op == DELETE}
    shown = {step.urn.name for step in applications} - deleted
    roots = sum(1 for step in preview.steps if step.urn.type == ROOT_STACK_TYPE and step.op != "refresh")
    counted = sum(preview.change_summary.values()) - preview.change_summary.get(DELETE, 0) - roots
    return counted >= len(shown)


def application_change(stack: str, step: Step, evaluate: Evaluate | None = None) -> ApplicationChange:
    """What one step does to one application, with the settings a reviewer needs to see."""
    new_inputs = step.new.inputs if step.new else {}
    old_outputs = (step.old.outputs or step.old.inputs) if step.old else {}
    import_id = new_inputs.get(IMPORT_ID)
    operation = _operation(step.op, import_id)
    if operation == DELETE:
        settings: tuple[SettingChange, ...] = ()
        name = old_outputs.get("application_name")
    elif operation == UPDATE:
        settings = updated_settings(old_outputs, new_inputs)
        name = new_inputs.get("application_name", old_outputs.get("application_name"))
    else:
        settings = declared_settings(new_inputs)
        name = new_inputs.get("application_name")
    violations: tuple[Violation, ...] = ()
    secrets_unchecked = False
    if evaluate is not None and operation != DELETE:
        violations, secrets_unchecked = policy_results(evaluate, stack, step.urn.name, new_inputs)
    app_id = import_id if operation == ADOPT else (step.old.id if step.old else None)
    return ApplicationChange(
        stack=stack,
        logical_name=step.urn.name,
        operation=operation,
        application_name=name,
        application_id=str(app_id) if app_id else None,
        settings=settings,
        violations=violations,
        production=is_production(stack),
        secrets_unchecked=secrets_unchecked,
    )


def unchanged_application(stack: str, step: Step, evaluate: Evaluate) -> UnchangedApplication:
    """The policy results for an application the preview leaves as it is, from its `same` or `refresh` step.

    A `refresh` step holds the state as last deployed, before this refresh: its inputs are the checked
    inputs the last `up` registered. The policy pack judges the program's inputs; for an application
    that does not change they hold the same settings, unless the stack file and the live application
    have both moved to the same new value since.
    """
    state = step.new or step.old
    inputs = state.inputs if state else {}
    violations, secrets_unchecked = policy_results(evaluate, stack, step.urn.name, inputs)
    return UnchangedApplication(stack, step.urn.name, inputs.get("application_name"), violations, secrets_unchecked)


def policy_results(evaluate: Evaluate, stack: str, application: str, inputs: Mapping[str, Any]) -> tuple[tuple[Violation, ...], bool]:
    """The policy violations of one application's checked inputs, and whether secrets kept the rules from a setting."""
    # The checked inputs as the JSON holds them (without the `__` keys the engine never displays):
    # a secret is "[secret]", which the rules treat as not known.
    checked = {k: v for k, v in inputs.items() if not k.startswith("__")}
    return tuple(evaluate(checked, stack, application)), bool(_hidden_paths(inputs, SECRET))


def _operation(op: str, import_id: Any) -> str:
    if op == "create":
        return ADOPT if import_id else CREATE
    if op in (UPDATE, DELETE):
        return op
    return REPLACE  # replace, create-replacement, import...: the provider never asks for these


def updated_settings(old_outputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> tuple[SettingChange, ...]:
    """The settings an update changes, old → new; secret and unknown ones listed without values."""
    secret = _hidden_paths(old_outputs, SECRET) | _hidden_paths(new_inputs, SECRET)
    unknown = _hidden_paths(new_inputs, UNKNOWN) - secret
    old = fields.live_state(_without(old_outputs, secret))
    new = _desired(new_inputs, secret | unknown)
    differing = set(fields.differing_paths(new, old))
    changes: list[SettingChange] = []
    for spec in fields.FIELDS:
        path = spec.path
        was, will = fields.value_at(old, path), fields.value_at(new, path)
        if path in secret:
            changes.append(SettingChange(path, SECRET, SECRET, secret=True))
        elif path in unknown:
            changes.append(SettingChange(path, was, None, unknown=True))
        elif path in differing:
            changes.append(SettingChange(path, was, will, danger=setting_danger(path, was, will)))
    return tuple(changes)


def declared_settings(new_inputs: Mapping[str, Any]) -> tuple[SettingChange, ...]:
    """The settings a create or adoption declares that are not the API's defaults (the name aside)."""
    secret = _hidden_paths(new_inputs, SECRET)
    unknown = _hidden_paths(new_inputs, UNKNOWN) - secret
    new = _desired(new_inputs, secret | unknown)
    changes: list[SettingChange] = []
    for spec in fields.FIELDS:
        value = fields.value_at(new, spec.path)
        if spec.path == "application_name":
            continue  # the headline names it
        if spec.path in secret:
            changes.append(SettingChange(spec.path, None, SECRET, secret=True))
        elif spec.path in unknown:
            changes.append(SettingChange(spec.path, None, None, unknown=True))
        elif value != fields.default_of(spec):
            changes.append(SettingChange(spec.path, None, value))
    return tuple(changes)


def setting_danger(path: str, old: Any, new: Any) -> str | None:
    """Why changing this setting from `old` to `new` can hurt live calls, or None."""
    if path == "active" and old is True and new is False:
        return "turns the application off"
    if path in fields.URL_PATHS and _host(old):
        if not _host(new):
            return "is removed"
        if _host(new) != _host(old):
            return "moves to another host"
    if path in CHANNEL_LIMIT_PATHS and isinstance(new, int) and (old is None or (isinstance(old, int) and new < old)):
        return "is lowered" if old is not None else "limits calls that had no limit"
    return None


def _host(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _hidden_paths(bag: Mapping[str, Any], placeholder: str) -> set[str]:
    """The field paths whose value the engine replaced by `placeholder` (a whole group hides each of its fields)."""
    hidden = set()
    for spec in fields.FIELDS:
        if (spec.group and bag.get(spec.group) == placeholder) or fields.value_at(bag, spec.path) == placeholder:
            hidden.add(spec.path)
    return hidden


def _without(bag: Mapping[str, Any], paths: set[str]) -> dict[str, Any]:
    """A copy of `bag` without the values at `paths`; a group that is not an object (hidden whole) is left out."""
    result: dict[str, Any] = {}
    for key, value in bag.items():
        if key in fields.GROUPS:
            if isinstance(value, Mapping):
                result[key] = {k: v for k, v in value.items() if f"{key}.{k}" not in paths}
        elif key not in paths:
            result[key] = value
    return result


def _desired(inputs: Mapping[str, Any], hidden: set[str]) -> dict[str, Any]:
    """The full desired state of checked inputs, the hidden paths left at their defaults (never compared)."""
    visible = _without(wire.properties(inputs), hidden)
    return fields.desired_state(fields.validate(visible).properties)
