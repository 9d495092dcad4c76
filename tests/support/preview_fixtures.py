"""Preview JSON fixtures: what `pulumi preview --json` prints for this project's situations, and the review Markdown
expected from them.

A fixture is a `Situation`: a stack file as the last `up` deployed it and as a pull request changes it, and how the
preview runs. `preview_digest` writes what the engine (pulumi/pulumi v3.260.0) prints for it:

- the document is `display.PreviewDigest` (pkg/display/json.go), filled in by `ShowPreviewDigest`
  (pkg/backend/display/json.go) and printed by `json.MarshalIndent(…, "", "    ")`: struct fields in declaration
  order, `omitempty` ones dropped when empty, map keys sorted, `<`, `>` and `&` escaped as `\\u003c`…;
- a step is shown for every resource but the default provider (`isInternalStep`, pkg/engine/update.go: its steps
  are neither shown nor counted) and but a `same` one (`shouldShow`, pkg/backend/display/display.go), the root
  stack's step always; with `--refresh`, a `refresh` step per resource in the state comes first, holding the state
  as it was before the refresh (old and new alike); deletes come last; `detailedDiff` is `null` and `diffReasons`
  absent (the Python dynamic host returns neither);
- each state is `apitype.ResourceV3` (sdk/go/common/apitype/core.go) through `stateForJSONOutput` and
  `stack.SerializeResource`: a secret is `"[secret]"`, the provider reference of a stack never deployed ends in the
  unknown id; the engine's own fields come too (`protect`, `propertyDependencies`, `sourcePosition`, `stackTrace`,
  the timestamps a state carries);
- an application's inputs are the real provider's `check` result plus `__provider`, its outputs what the provider
  returns (the field model's `live_state` of the API object plus the output-only fields), a refreshed state's
  inputs the provider's `read` (with `__application_id`);
- a diagnostic's text is the engine's around what this project's program or provider really says.

tests/engine/test_preview_fixtures.py makes each situation with the real CLI against the fake Telnyx and compares
its JSON with the fixture key by key at every level. Run `python -m tests.support.preview_fixtures` to rewrite the JSON files
and the expected comments; tests/scripts/test_review_fixtures.py fails when either differs from what this module builds.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi.dynamic import CheckFailure
from pulumi.dynamic.dynamic import serialize_provider

from field_model import fields
from provider import CallControlApplicationProvider, wire
from provider.resource import TYPE_TOKEN
from scripts.review_comment.changes import stack_changes
from scripts.review_comment.comment import render_comment
from scripts.review_comment.preview_json import SECRET, UNKNOWN, parse_preview
from stack_files.loader import APPLICATIONS_KEY, DEFAULTS_KEY, ApplicationSpec, StackConfigError, load_config

from .stack_files import PROJECT, ROOT

FIXTURES = ROOT / "tests" / "fixtures"
PREVIEWS = FIXTURES / "preview"
EXPECTED = FIXTURES / "review"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE = "pulumi:providers:pulumi-python"
PROVIDER_ID = "5b8c3e1a-2f0d-4c55-9a7e-0f1e2d3c4b5a"
SERIALISED_PROVIDER = serialize_provider(CallControlApplicationProvider())
CREATED = "2026-11-02T09:14:07.512334117Z"
MODIFIED = "2026-11-20T16:41:55.084219733Z"
REFRESHED = "2026-11-24T08:02:31.660917205Z"  # a refresh rewrites `modified`
API_CREATED = "2026-11-02T09:14:07.482Z"  # the API's own timestamps, in its format
API_UPDATED = "2026-11-20T16:41:55.051Z"

# Where the SDK says each resource was registered (`sourcePosition`, `stackTrace`): the program's frames, and
# frames it cannot place (runpy's frozen module), written as `{}`.
STACK_POSITION = "project:///.venv/lib/python3.11/site-packages/pulumi/runtime/stack.py#251"
STACK_TRACE = [{"sourcePosition": STACK_POSITION}, {"sourcePosition": "project:///.venv/lib/python3.11/site-packages/pulumi/runtime/stack.py#141"}]
APPLICATION_POSITION = "project:///provider/resource.py#208"
APPLICATION_TRACE = [{"sourcePosition": APPLICATION_POSITION}, {"sourcePosition": "project:///__main__.py#21"}, {}, {}, {"sourcePosition": STACK_POSITION}]


# --- The engine's types (only the fields a preview of this project fills in) -------------------


@dataclass
class ResourceV3:
    """`apitype.ResourceV3` (sdk/go/common/apitype/core.go), fields in declaration order."""

    urn: str
    custom: bool
    type: str
    id: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    parent: str = ""
    protect: bool = False
    provider: str = ""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    created: str = ""
    modified: str = ""
    source_position: str = ""
    stack_trace: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The Go struct's JSON: `omitempty` fields left out when empty."""
        return _omit_empty(
            {
                "urn": self.urn,
                "custom": self.custom,  # no omitempty
                "id": self.id,
                "type": self.type,  # no omitempty
                "inputs": _property_map(self.inputs),
                "outputs": _property_map(self.outputs),
                "parent": self.parent,
                "protect": self.protect,
                "provider": self.provider,
                "propertyDependencies": dict(sorted(self.property_dependencies.items())),
                "created": self.created,
                "modified": self.modified,
                "sourcePosition": self.source_position,
                "stackTrace": self.stack_trace,
            },
            keep=("urn", "custom", "type"),
        )


@dataclass
class PreviewStep:
    """`display.PreviewStep` (pkg/display/json.go)."""

    op: str
    urn: str
    provider: str = ""
    old_state: ResourceV3 | None = None
    new_state: ResourceV3 | None = None

    def to_json(self) -> dict[str, Any]:
        """The Go struct's JSON; `detailedDiff` is always written, `null` for a dynamic resource."""
        return {
            **_omit_empty(
                {
                    "op": self.op,
                    "urn": self.urn,
                    "provider": self.provider,
                    "oldState": self.old_state.to_json() if self.old_state else None,
                    "newState": self.new_state.to_json() if self.new_state else None,
                },
                keep=("op", "urn"),
            ),
            "detailedDiff": None,
        }


@dataclass
class PreviewDiagnostic:
    """`display.PreviewDiagnostic` (pkg/display/json.go)."""

    message: str
    severity: str
    urn: str = ""

    def to_json(self) -> dict[str, Any]:
        """The Go struct's JSON."""
        return _omit_empty({"urn": self.urn, "message": self.message, "severity": self.severity})


@dataclass
class PreviewDigest:
    """`display.PreviewDigest` (pkg/display/json.go)."""

    config: dict[str, str]
    steps: list[PreviewStep]
    change_summary: dict[str, int]
    diagnostics: list[PreviewDiagnostic] = field(default_factory=list)
    duration_ns: int = 4_182_503_117

    def to_json(self) -> dict[str, Any]:
        """The Go struct's JSON."""
        return _omit_empty(
            {
                "config": dict(sorted(self.config.items())),
                "steps": [step.to_json() for step in self.steps],
                "diagnostics": [d.to_json() for d in self.diagnostics],
                "duration": self.duration_ns,
                "changeSummary": dict(sorted(self.change_summary.items())),
            }
        )


def go_json(digest: PreviewDigest) -> str:
    """What `fmt.Println(string(json.MarshalIndent(&digest, "", "    ")))` prints."""
    return _go_escaped(json.dumps(digest.to_json(), indent=4, ensure_ascii=False)) + "\n"


def go_compact_json(value: Any) -> str:
    """What `json.Marshal` makes of a config value: no spaces, map keys sorted, HTML characters escaped."""
    return _go_escaped(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _go_escaped(text: str) -> str:
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _omit_empty(values: dict[str, Any], keep: Sequence[str] = ()) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in keep or v not in ("", None, {}, [], 0, False)}


def _property_map(properties: Mapping[str, Any]) -> dict[str, Any]:
    """`SerializeProperties`: keys in sorted order, at every depth."""
    return {k: _property_map(v) if isinstance(v, Mapping) else v for k, v in sorted(properties.items())}


# --- This project's resources, as the engine records them ------------------------------------


def urn(stack: str, type_: str, name: str) -> str:
    """`resource.NewURN`: a child of the root stack carries no parent type."""
    return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"


def root_urn(stack: str) -> str:
    """The root stack resource's URN."""
    return urn(stack, STACK_TYPE, f"{PROJECT}-{stack}")


def provider_reference(stack: str, deployed: bool = True) -> str:
    """A provider reference as states and steps carry it: `<provider URN>::<provider id>`, the id not known yet
    in a stack that was never deployed."""
    return f"{urn(stack, PROVIDER_TYPE, 'default')}::{PROVIDER_ID if deployed else UNKNOWN}"


def checked_inputs(declared: Mapping[str, Any], secret: Sequence[str] = (), olds: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the engine stores as an application's inputs: the provider's `check(olds, news)` result plus `__provider`."""
    result = CallControlApplicationProvider().check(dict(olds or {}), dict(declared))
    assert not result.failures, result.failures
    inputs = dict(result.inputs)
    inputs["__provider"] = SERIALISED_PROVIDER
    return _masked(inputs, secret)


def provider_outputs(api_object: Mapping[str, Any], secret: Sequence[str] = ()) -> dict[str, Any]:
    """What the provider returns for an application the API returned as `api_object`."""
    outputs = fields.live_state(api_object)
    outputs.update({name: api_object.get(name) for name in fields.OUTPUT_ONLY_FIELDS})
    outputs["__provider"] = SERIALISED_PROVIDER
    return _masked(outputs, secret)


def refreshed_inputs(api_object: Mapping[str, Any], secret: Sequence[str] = ()) -> dict[str, Any]:
    """The inputs the provider's `read` gives a refreshed state: the live settings and the application id."""
    read = {**fields.live_state(api_object), wire.APPLICATION_ID: str(api_object["id"]), "__provider": SERIALISED_PROVIDER}
    return _masked(read, secret)


def api_object(app_id: str, declared: Mapping[str, Any], **raw: Any) -> dict[str, Any]:
    """An application as the Telnyx API returns it; `raw` overrides fields with the API's own spellings."""
    body = fields.desired_state(fields.validate(declared).properties)
    return {**body, "id": app_id, "record_type": "call_control_application", "created_at": API_CREATED, "updated_at": API_UPDATED, **raw}


def _masked(bag: dict[str, Any], secret: Sequence[str]) -> dict[str, Any]:
    # The Python dynamic host leaves out a property whose value is None (a nested None stays, as `null`), and
    # stateForJSONOutput writes a value the engine holds as a secret as "[secret]".
    return {k: SECRET if k in secret else v for k, v in bag.items() if v is not None}


def app_state(
    stack: str,
    name: str,
    *,
    app_id: str = "",
    inputs: dict[str, Any],
    outputs: dict[str, Any] | None = None,
    registered: Sequence[str] = (),
    protect: bool = False,
    created: str = "",
    modified: str = "",
    deployed: bool = True,
) -> ResourceV3:
    """A CallControlApplication's `ResourceV3`.

    A state the program registers carries `propertyDependencies` (one empty list per input it passed); a refreshed
    one does not. Old states carry an id, outputs and timestamps; a new state keeps the timestamps of the state it
    replaces, and has no id or outputs yet.
    """
    return ResourceV3(
        urn=urn(stack, TYPE_TOKEN, name),
        custom=True,
        type=TYPE_TOKEN,
        id=app_id,
        inputs=inputs,
        outputs=outputs or {},
        parent=root_urn(stack),
        protect=protect,
        provider=provider_reference(stack, deployed),
        property_dependencies={key: [] for key in registered},
        created=created,
        modified=modified,
        source_position=APPLICATION_POSITION,
        stack_trace=APPLICATION_TRACE,
    )


def stack_state(stack: str, outputs: dict[str, Any] | None = None, deployed: bool = True) -> ResourceV3:
    """The root stack's `ResourceV3`: its outputs only in the state the last `up` wrote."""
    return ResourceV3(
        urn=root_urn(stack),
        custom=False,
        type=STACK_TYPE,
        outputs=outputs or {},
        created=CREATED if deployed else "",
        modified=CREATED if deployed else "",
        source_position=STACK_POSITION,
        stack_trace=STACK_TRACE,
    )


# --- Diagnostics: the engine's words around this project's own messages -----------------------
#
# A diagnostic's `message` is `Prefix + Message` (`ShowPreviewDigest`, pkg/backend/display/json.go),
# colours removed. `StringifyDiag` (pkg/engine/eventsink.go) makes the prefix "<severity>: " and ends
# the message with "\n"; a raw diagnostic is printed as it is, any other is its format filled in.


def error_diagnostic(text: str, resource_urn: str = "") -> PreviewDiagnostic:
    """An error diagnostic as `StringifyDiag` writes it: `error: <text>` and a newline."""
    return PreviewDiagnostic(f"error: {text}\n", "error", resource_urn)


def program_error_diagnostics(run_error: str) -> list[PreviewDiagnostic]:
    """What a preview prints when the Python program raises `pulumi.RunError(run_error)`, both with no URN.

    - The language runtime catches a `RunError` and sends `str(error)` with `pulumi.log.error`, without a
      resource; the engine's `defaultHost.Log` (pkg/host/host.go) reports it as a raw diagnostic.
    - It also returns the text as the run's error (the SDK's language server, `pulumi.automation._server`, which
      serves this project's program: scripts/program_host.py), which `programSource`
      (pkg/resource/deploy/program_source.go) makes "an unhandled error occurred: <text>" and
      `deploymentExecutor.reportError` reports as a raw diagnostic. (A released CLI runs the program with its
      own Python language host, whose `pulumi-language-python-exec` exits 1 after logging a `RunError`; what that
      host then reports is not checked here, for no such host is built here.)
    """
    return [error_diagnostic(run_error), error_diagnostic(f"an unhandled error occurred: {run_error}")]


def check_failure_diagnostic(stack: str, name: str, failure: CheckFailure) -> PreviewDiagnostic:
    """What a preview prints for one failure the provider's `check` returns (`issueCheckFailures`, pkg/resource/deploy/step_generator.go).

    A failure naming a property uses `diag.GetResourcePropertyInvalidValueError`, "%v resource '%v':
    property %v value %v has a problem: %v", with the property's top-level input value as Go prints a
    `resource.PropertyValue` (`{1293384261075731499}` for an `import_id`); one naming no property,
    `diag.GetResourceInvalidError`, "%v resource '%v' has a problem: %v" (both in sdk/go/common/diag/errors.go).
    Only the second is built here (tests/engine/test_review.py meets the first in a real preview).
    """
    assert not failure.property, "only a failure that names no property is built here"
    return error_diagnostic(f"{TYPE_TOKEN} resource '{name}' has a problem: {failure.reason}", urn(stack, TYPE_TOKEN, name))


# --- A situation, and what the engine prints for it ----------------------------------------------


@dataclass(frozen=True)
class Situation:
    """What a user did before `pulumi preview`: the stack file at the last `up` and now, and how the preview runs.

    tests/engine makes the same situation with the real CLI: writes the stack file, runs `up`, writes it again
    and previews; the fake Telnyx gives the applications ids of its own.
    """

    stack: str
    previewed: Mapping[str, Any]  # the stack file's `applications` when the preview runs
    deployed: Mapping[str, Any] | None = None  # its `applications` at the last `up`; None: never deployed
    defaults: Mapping[str, Any] = field(default_factory=dict)  # its `defaults`, both times
    ids: Mapping[str, str] = field(default_factory=dict)  # each application's id in this fixture
    refresh: bool = False
    secret_path: str = ""  # made secret with `pulumi config set --path --secret` before the `up`
    adopted: tuple[str, ...] = ()  # applications made in the Telnyx portal before the preview, adopted by `import_id`
    declared_in_code: Mapping[str, Any] | None = None  # a program declaring these applications itself (no stack config)

    def stack_config(self, applications: Mapping[str, Any] | None, ids: Mapping[str, str]) -> dict[str, Any]:
        """The stack file's `config:` map for these applications, each adopted one with its `import_id`."""
        if self.declared_in_code is not None or applications is None:
            return {}
        entries = {name: {**entry, wire.IMPORT_ID: ids[name]} if name in self.adopted else dict(entry) for name, entry in applications.items()}
        config: dict[str, Any] = {DEFAULTS_KEY: dict(self.defaults)} if self.defaults else {}
        return {**config, APPLICATIONS_KEY: entries}

    def adopted_arguments(self) -> dict[str, dict[str, Any]]:
        """The settings of each application made in the portal: exactly what its entry declares (an adoption takes
        an application only as it is)."""
        if not self.adopted:
            return {}
        placeholder_ids = dict.fromkeys(self.adopted, "1")
        specs = {spec.logical_name: spec for spec in _specs(self.stack, self.stack_config(self.previewed, placeholder_ids))}
        return {name: dict(specs[name].arguments) for name in self.adopted}


def _specs(stack: str, config: Mapping[str, Any]) -> list[ApplicationSpec]:
    """The program's view of a stack config (`load_config`), as the engine hands it over: JSON text per key."""
    texts = {key.removeprefix(f"{PROJECT}:"): json.dumps(value) for key, value in config.items()}
    return load_config(stack, texts.get)


def engine_config(situation: Situation, ids: Mapping[str, str]) -> dict[str, str]:
    """The stack's config as `PreludeEventPayload.Config` carries it: each value as JSON text, a secret blinded where it is."""
    config = situation.stack_config(situation.previewed, ids)
    if situation.secret_path:
        config[APPLICATIONS_KEY] = _with_value_at(config[APPLICATIONS_KEY], situation.secret_path.split(".")[1:], SECRET)
    return {key: go_compact_json(value) for key, value in config.items()}


def _with_value_at(tree: Mapping[str, Any], path: Sequence[str], value: Any) -> dict[str, Any]:
    head, *rest = path
    return {**tree, head: _with_value_at(tree[head], rest, value) if rest else value}


def registered_inputs(spec: ApplicationSpec) -> dict[str, Any]:
    """The inputs the program registers for an application (`CallControlApplication`): its arguments, its
    `application_name`, and an adoption's `import_id`; the SDK leaves out the `None` ones."""
    given = {k: v for k, v in spec.arguments.items() if v is not None}
    given.setdefault("application_name", spec.logical_name)
    if spec.import_id:
        given[wire.IMPORT_ID] = spec.import_id
    return given


def secret_settings(situation: Situation, spec: ApplicationSpec) -> tuple[str, ...]:
    """The inputs the program makes secret: with a secret anywhere in the stack config, every credential-bearing
    setting an application declares (`__main__.py`, `with_secret_credentials`)."""
    if not situation.secret_path:
        return ()
    return tuple(path for path in fields.CREDENTIAL_PATHS if spec.arguments.get(path) is not None)


@dataclass
class _Deployed:
    """One application as the last `up` left it."""

    spec: ApplicationSpec
    app_id: str
    live: dict[str, Any]
    secret: tuple[str, ...]

    def state(self, stack: str) -> ResourceV3:
        """Its state as that `up` wrote it."""
        registered = registered_inputs(self.spec)
        return app_state(
            stack,
            self.spec.logical_name,
            app_id=self.app_id,
            inputs=checked_inputs(registered, self.secret),
            outputs=provider_outputs(self.live, self.secret),
            registered=[*registered, "__provider"],
            protect=self.spec.protect,
            created=CREATED,
            modified=MODIFIED,
        )

    def refreshed(self, stack: str) -> ResourceV3:
        """Its state after this preview's refresh: what the provider's `read` returns."""
        return app_state(
            stack,
            self.spec.logical_name,
            app_id=self.app_id,
            inputs=refreshed_inputs(self.live, self.secret),
            outputs=provider_outputs(self.live, self.secret),
            protect=self.spec.protect,
            created=CREATED,
            modified=REFRESHED,
        )


def _unmasked_inputs(deployed: _Deployed, refreshed: bool) -> dict[str, Any]:
    """The old inputs the provider's `check` receives (the engine hands it the secrets' values)."""
    if refreshed:
        return refreshed_inputs(deployed.live)
    return checked_inputs(registered_inputs(deployed.spec))


def preview_digest(situation: Situation) -> PreviewDigest:
    """What `pulumi preview [--refresh] --json` prints for the situation, with this module's ids and timestamps."""
    deployed = _deployed(situation)
    steps = _refresh_steps(situation, deployed) if situation.refresh else []
    steps.append(_root_step(situation, deployed))
    summary = Counter({steps[-1].op: 1})
    config = engine_config(situation, situation.ids)
    try:
        specs = _program_specs(situation)
    except StackConfigError as error:
        return PreviewDigest(config, steps, dict(summary), program_error_diagnostics(f"Invalid stack configuration:\n{error}"))
    for spec in specs:
        step, failures = _program_step(situation, spec, deployed.get(spec.logical_name))
        if failures:  # the engine stops at the invalid resource: no step for it, none after it
            return PreviewDigest(config, steps, dict(summary), failures)
        summary[step.op] += 1
        if step.op != "same":  # a `same` step is not shown (`shouldShow`)
            steps.append(step)
    kept = {spec.logical_name for spec in specs}
    deletes = [_delete_step(situation, app) for name, app in deployed.items() if name not in kept]
    summary.update(step.op for step in deletes)
    return PreviewDigest(config, steps + deletes, dict(summary))


def _deployed(situation: Situation) -> dict[str, _Deployed]:
    """The applications the last `up` left, by logical name, each live as it declared it."""
    ids = situation.ids
    specs = _specs(situation.stack, situation.stack_config(situation.deployed, ids)) if situation.deployed is not None else []
    return {
        spec.logical_name: _Deployed(spec, ids[spec.logical_name], api_object(ids[spec.logical_name], spec.arguments), secret_settings(situation, spec))
        for spec in specs
    }


def _root_outputs(deployed: Mapping[str, _Deployed]) -> dict[str, Any]:
    """The stack outputs `__main__.py` exports, as the last `up` left them."""
    return {
        "application_ids": {name: app.app_id for name, app in deployed.items()},
        "application_names": {name: app.spec.arguments.get("application_name", name) for name, app in deployed.items()},
    }


def _refresh_steps(situation: Situation, deployed: Mapping[str, _Deployed]) -> list[PreviewStep]:
    """A `refresh` step for each resource in the state, old and new both the state from before the refresh."""
    stack = situation.stack
    if situation.deployed is None:
        return []
    root = stack_state(stack, _root_outputs(deployed))
    steps = [PreviewStep("refresh", root_urn(stack), old_state=root, new_state=root)]
    return steps + [PreviewStep("refresh", urn(stack, TYPE_TOKEN, name), provider_reference(stack), app.state(stack), app.state(stack)) for name, app in deployed.items()]


def _root_step(situation: Situation, deployed: Mapping[str, _Deployed]) -> PreviewStep:
    """The root stack's step, always shown: `same` in a stack deployed before (no outputs yet in its new state)."""
    stack = situation.stack
    if situation.deployed is None:
        return PreviewStep("create", root_urn(stack), new_state=stack_state(stack, deployed=False))
    return PreviewStep("same", root_urn(stack), old_state=stack_state(stack, _root_outputs(deployed)), new_state=stack_state(stack))


def _program_step(situation: Situation, spec: ApplicationSpec, old: _Deployed | None) -> tuple[PreviewStep, list[PreviewDiagnostic]]:
    """The step for one application the program registers (`check`, then `diff`), or the check's failures."""
    stack, name, was_deployed = situation.stack, spec.logical_name, situation.deployed is not None
    old_state = (old.refreshed(stack) if situation.refresh else old.state(stack)) if old else None
    registered = registered_inputs(spec)
    result = CallControlApplicationProvider().check(_unmasked_inputs(old, situation.refresh) if old else {}, registered)
    failures = [check_failure_diagnostic(stack, name, failure) for failure in result.failures]
    new_state = app_state(
        stack,
        name,
        inputs=_masked({**result.inputs, "__provider": SERIALISED_PROVIDER}, secret_settings(situation, spec)),
        registered=[*registered, "__provider"],
        protect=spec.protect,
        created=old_state.created if old_state else "",
        modified=old_state.modified if old_state else "",
        deployed=was_deployed,
    )
    if old is None:
        op = "create"
    else:
        changes = CallControlApplicationProvider().diff(old.app_id, provider_outputs(old.live), result.inputs).changes
        op = "update" if changes else "same"
    return PreviewStep(op, new_state.urn, provider_reference(stack, was_deployed), old_state, new_state), failures


def _delete_step(situation: Situation, app: _Deployed) -> PreviewStep:
    """The delete of an application the program no longer registers (after every other step)."""
    stack = situation.stack
    old_state = app.refreshed(stack) if situation.refresh else app.state(stack)
    return PreviewStep("delete", old_state.urn, provider_reference(stack), old_state=old_state)


def _program_specs(situation: Situation) -> list[ApplicationSpec]:
    """The applications the program registers, in its order: the stack file's, or those it declares in code."""
    if situation.declared_in_code is not None:
        return [ApplicationSpec(name, dict(args)) for name, args in situation.declared_in_code.items()]
    return _specs(situation.stack, situation.stack_config(situation.previewed, situation.ids))


# --- The situations ------------------------------------------------------------------------------


def _defaults(stack: str, **more: Any) -> dict[str, Any]:
    return {"webhook_api_version": "2", "tags": [stack, "managed-by-pulumi"], **more}


DEV_APPLICATIONS = {
    "call-router": {"application_name": "call-router-dev", "webhook_event_url": "https://dev.hooks.example.com/telnyx/call-router"},
    "ivr": {"application_name": "ivr-dev", "webhook_event_url": "https://dev.hooks.example.com/telnyx/ivr", "dtmf_type": "Inband"},
}
DEV_IDS = {"call-router": "2001", "ivr": "2002"}

DEV_NO_CHANGES = Situation(
    "dev", DEV_APPLICATIONS, deployed=DEV_APPLICATIONS, defaults=_defaults("dev"), ids=DEV_IDS, refresh=True
)
"""`preview --refresh` of dev where nothing changed: refresh steps, then only the root stack's `same`."""

DEV_SECRET_UPDATE = Situation(
    "dev",
    {**DEV_APPLICATIONS, "ivr": {**DEV_APPLICATIONS["ivr"], "dtmf_type": "SIP INFO"}},
    deployed=DEV_APPLICATIONS,
    defaults=_defaults("dev"),
    ids=DEV_IDS,
    secret_path="applications.ivr.webhook_event_url",
)
"""`preview` of dev whose ivr webhook URL was set with `config set --path --secret` before the last `up`: the whole
`applications` key is secret, so the program makes every application's webhook URLs secret; ivr's DTMF type changes."""

STAGING_APPLICATIONS = {
    "call-router": {
        "application_name": "call-router-staging",
        "webhook_event_url": "https://staging.hooks.example.com/telnyx/call-router",
        "anchorsite_override": "Ashburn, VA",
        "inbound": {"channel_limit": 10, "shaken_stir_enabled": True},
    },
    "ivr": {"application_name": "ivr-staging", "webhook_event_url": "https://staging.hooks.example.com/telnyx/ivr", "dtmf_type": "Inband", "inbound": {"channel_limit": 10}},
}
STAGING_IDS = {"call-router": "3001", "ivr": "3002"}

STAGING_UPDATES = Situation(
    "staging",
    {
        "call-router": {**STAGING_APPLICATIONS["call-router"], "webhook_event_url": "https://hooks.example.net/telnyx/call-router", "inbound": {"channel_limit": 20, "shaken_stir_enabled": True}},
        "ivr": {**STAGING_APPLICATIONS["ivr"], "inbound": {"channel_limit": 5}},
    },
    deployed=STAGING_APPLICATIONS,
    defaults=_defaults("staging"),
    ids=STAGING_IDS,
)
"""`preview` (no refresh) of staging: a webhook moving host, a nested change (`inbound.channel_limit`), a lower limit."""

# The mistake both failed previews make: a channel limit below zero, in a nested setting.
BAD_CHANNEL_LIMIT = {"inbound": {"channel_limit": -1}}

STAGING_FAILED = Situation(
    "staging",
    {**STAGING_APPLICATIONS, "ivr": {**STAGING_APPLICATIONS["ivr"], **BAD_CHANNEL_LIMIT}},
    deployed=STAGING_APPLICATIONS,
    defaults=_defaults("staging"),
    ids=STAGING_IDS,
    refresh=True,
)
"""`preview --refresh` of staging after a stack-file mistake: the program refuses its config before registering any
application (the root stack is registered first, by the SDK): refresh steps, the root stack's `same`, two errors."""

CHECK_FAILED_DECLARATION = {"application_name": "ivr-staging", "webhook_event_url": "https://staging.hooks.example.com/telnyx/ivr", **BAD_CHANNEL_LIMIT}

STAGING_CHECK_FAILED = Situation("staging", {}, declared_in_code={"ivr": CHECK_FAILED_DECLARATION})
"""`preview` of a new staging stack whose program declares ivr in code (no stack config), with the mistake the stack
file's loader would catch first: the provider's check refuses it. The failure names no property (the engine finds
only top-level ones and would print a URL's value, `provider/reporting.py`), so its reason starts with the setting's
path. The engine stops at the invalid resource: only the root stack's `create` is shown."""

PROD_BASE = _defaults("prod", webhook_timeout_secs=25, anchorsite_override="Ashburn, VA", call_cost_in_webhooks=True)
PROD_PROTECTED = {"protect": True}  # as stacks/Pulumi.prod.yaml: every application protected
PROD_IVR = {
    "application_name": "acme-ivr",
    "webhook_event_url": "https://hooks.example.com/telnyx/ivr",
    "webhook_event_failover_url": "https://failover.hooks.example.com/telnyx/ivr",
    **PROD_BASE,
}
PROD_FAX = {"application_name": "acme-fax-gateway", "webhook_event_url": "https://hooks.example.com/telnyx/fax", "inbound": {"channel_limit": 4}, **PROD_BASE}
PROD_ROUTER = {"application_name": "acme-call-router", "webhook_event_url": "https://hooks.example.com/telnyx/call-router", **PROD_BASE}
PROD_EU_ROUTER = {"application_name": "acme-call-router-eu", "webhook_event_url": "https://eu.hooks.example.com/telnyx/call-router", "inbound": {"channel_limit": 50}}

PROD_MIXED = Situation(
    "prod",
    {
        "call-router": {**PROD_ROUTER, "active": False},
        "ivr": PROD_IVR,
        "fax-gateway": PROD_FAX,
        "legacy-ivr": {"application_name": "Legacy IVR <EU> & fax", "webhook_event_url": "https://legacy.example.com/ivr", "dtmf_type": "SIP INFO", "first_command_timeout": True},
        "partner-router": {
            "application_name": "acme-partner-router",
            "webhook_event_url": "https://acme:s3cr3t-t0ken@partner.example.org/telnyx?signature=abc123",
            "outbound": {"channel_limit": 10, "outbound_voice_profile_id": "1293384261075731777"},
            **PROD_BASE,
        },
    },
    # eu-call-router was unprotected by an earlier `up` (a protected one fails the preview of its delete).
    deployed={"call-router": PROD_ROUTER, "ivr": PROD_IVR, "fax-gateway": PROD_FAX, "eu-call-router": {**PROD_EU_ROUTER, "protect": False}},
    defaults=PROD_PROTECTED,
    ids={"call-router": "1293384261075731001", "ivr": "1293384261075731002", "eu-call-router": "1293384261075731003", "fax-gateway": "1293384261075731004", "legacy-ivr": "1293384261075731499"},
    refresh=True,
    adopted=("legacy-ivr",),
)
"""`preview --refresh` of prod: a switch-off, an adoption (a create with `import_id`), a create whose URL carries
credentials, a delete (last), and two unchanged applications (only their `refresh` steps), fax-gateway without
the failover URL production requires."""

PROD_QUIET_APPLICATIONS = {
    "fax-gateway": PROD_FAX,
    "ivr": PROD_IVR,
    "voicemail": {
        "application_name": "acme-voicemail",
        "webhook_event_url": "https://hooks.example.com/telnyx/voicemail",
        "webhook_event_failover_url": "https://failover.hooks.example.com/telnyx/voicemail",
        "inbound": {"channel_limit": 2},
        **PROD_BASE,
    },
}
PROD_UNCHANGED_AGAINST_POLICY = Situation(
    "prod",
    PROD_QUIET_APPLICATIONS,
    deployed=PROD_QUIET_APPLICATIONS,
    defaults=PROD_PROTECTED,
    ids={"fax-gateway": "1293384261075731004", "ivr": "1293384261075731002", "voicemail": "1293384261075731005"},
    refresh=True,
    secret_path="applications.voicemail.webhook_event_url",
)
"""`preview --refresh` of prod with nothing to change, yet fax-gateway breaks a mandatory policy (which fails the
preview with the policy pack); voicemail's webhook URL was set secret, so every declared webhook URL is secret."""


def dev_no_changes() -> PreviewDigest:
    """The digest of `DEV_NO_CHANGES`."""
    return preview_digest(DEV_NO_CHANGES)


def dev_secret_update() -> PreviewDigest:
    """The digest of `DEV_SECRET_UPDATE`."""
    return preview_digest(DEV_SECRET_UPDATE)


def staging_updates() -> PreviewDigest:
    """The digest of `STAGING_UPDATES`."""
    return preview_digest(STAGING_UPDATES)


def staging_failed() -> PreviewDigest:
    """The digest of `STAGING_FAILED`."""
    return preview_digest(STAGING_FAILED)


def staging_check_failed() -> PreviewDigest:
    """The digest of `STAGING_CHECK_FAILED`."""
    return preview_digest(STAGING_CHECK_FAILED)


def prod_mixed() -> PreviewDigest:
    """The digest of `PROD_MIXED`."""
    return preview_digest(PROD_MIXED)


def prod_unchanged_against_policy() -> PreviewDigest:
    """The digest of `PROD_UNCHANGED_AGAINST_POLICY`."""
    return preview_digest(PROD_UNCHANGED_AGAINST_POLICY)


def load_300_applications() -> PreviewDigest:
    """A stack of 300 applications: 295 created, 5 updated with a lower channel limit (the dangerous ones)."""
    stack = "load"
    previewed, deployed, ids = {}, {}, {}
    for number in range(300):
        name = f"tenant-{number:03d}-router"
        entry = {
            "application_name": f"acme-{name}-{stack}",
            "webhook_event_url": f"https://tenant-{number:03d}.hooks.example.com/telnyx/call-router",
            "webhook_event_failover_url": f"https://failover.tenant-{number:03d}.hooks.example.com/telnyx/call-router",
            "dtmf_type": "Inband",
            "first_command_timeout": True,
            "first_command_timeout_secs": 12,
            "inbound": {"channel_limit": 8, "sip_subdomain": f"acme-tenant-{number:03d}"},
        }
        previewed[name] = entry
        if number % 60 == 0:
            deployed[name] = {**entry, "inbound": {"channel_limit": 16, "sip_subdomain": f"acme-tenant-{number:03d}"}}
            ids[name] = f"40{number:03d}"
    return preview_digest(Situation(stack, previewed, deployed=deployed, defaults=_defaults(stack), ids=ids))


# Committed files: name -> situation. The 300-application one is built in the tests, not committed.
COMMITTED: dict[str, Situation] = {
    "dev-no-changes.json": DEV_NO_CHANGES,
    "dev-secret-update.json": DEV_SECRET_UPDATE,
    "staging-updates.json": STAGING_UPDATES,
    "prod-mixed.json": PROD_MIXED,
    "staging-failed.json": STAGING_FAILED,
    "staging-check-failed.json": STAGING_CHECK_FAILED,
    "prod-unchanged-against-policy.json": PROD_UNCHANGED_AGAINST_POLICY,
}


# --- The expected Markdown ----------------------------------------------------------------------


@dataclass(frozen=True)
class StandInViolation:
    """A policy result shaped as `policies.rules.Violation`."""

    policy: str
    enforcement: str
    message: str


def stand_in_evaluate(properties: Mapping[str, Any], stack: str, application: str) -> list[StandInViolation]:
    """A small stand-in for `policies.rules.evaluate`: two rules, one mandatory, one advisory."""
    violations = []
    if stack == "prod" and not properties.get("webhook_event_failover_url"):
        violations.append(StandInViolation("prod-needs-failover", "mandatory", "a production application needs webhook_event_failover_url"))
    if properties.get("active") is False:
        violations.append(StandInViolation("inactive-application", "advisory", f"{application} is switched off; delete it if it is no longer used"))
    return violations


def snapshots() -> dict[str, str]:
    """Expected Markdown file name -> the comment rendered from the fixtures (with the stand-in policies)."""

    def comment(*digests: PreviewDigest, **options: Any) -> str:
        stacks = [stack_changes(parse_preview(json.loads(go_json(d)), f"{i}.json"), stand_in_evaluate) for i, d in enumerate(digests)]
        return render_comment(stacks, **options)

    return {
        "three-stacks.md": comment(dev_no_changes(), staging_updates(), prod_mixed()),
        "no-changes.md": comment(dev_no_changes()),
        "secret-update.md": comment(dev_secret_update()),
        "failed-preview.md": comment(dev_no_changes(), staging_failed()),
        "check-failed.md": comment(staging_check_failed()),
        "unchanged-against-policy.md": comment(dev_no_changes(), prod_unchanged_against_policy()),
        "size-limit.md": comment(dev_no_changes(), load_300_applications(), details_url="https://github.com/acme/telnyx/actions/runs/42"),
    }


def main() -> None:
    """Rewrite the committed JSON fixtures and the expected Markdown."""
    PREVIEWS.mkdir(parents=True, exist_ok=True)
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for name, situation in COMMITTED.items():
        (PREVIEWS / name).write_text(go_json(preview_digest(situation)))
    for name, text in snapshots().items():
        (EXPECTED / name).write_text(text)
    print(f"wrote {len(COMMITTED)} previews to {PREVIEWS.relative_to(ROOT)} and {len(snapshots())} comments to {EXPECTED.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
