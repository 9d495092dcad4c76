"""Preview JSON fixtures, built from the engine's own types, and the review Markdown expected from them.

`pulumi preview --json` cannot run here (no CLI), so the fixtures are written the way the engine
writes them (pulumi/pulumi, read at the commit named in tests/fixtures/preview/README.md):

- `PreviewDigest`, `PreviewStep`, `PreviewDiagnostic`: `pkg/display/json.go`, filled in by
  `ShowPreviewDigest` (`pkg/backend/display/json.go`) and printed with `json.MarshalIndent(…, "", "    ")`
  (Go escapes `<`, `>` and `&` as `\\u003c`…; struct fields keep their declaration order, `omitempty`
  drops empty ones, `detailedDiff` has no `omitempty` and is `null` for a dynamic resource);
- each state: `apitype.ResourceV3` (`sdk/go/common/apitype/core.go`), made by `stack.SerializeResource`
  (`pkg/resource/stack/deployment.go`): property maps with sorted keys (`StableKeys`), secret values
  replaced by `"[secret]"` (`stateForJSONOutput`), unknown values by `UNKNOWN`;
- the inputs of an application are what the real provider's `check` returns (the engine stores those),
  plus `__provider` as the SDK serialises it; its outputs are what the provider returns (the field
  model's `live_state` of the API object plus the output-only fields);
- each diagnostic's text is the engine's (see `Diagnostics` below), filled in with what this
  project's program or provider really says; tests/test_review_fixtures.py runs those to hold it.

Run `python -m tests.preview_fixtures` to rewrite the JSON files and the expected Markdown; the tests
fail when either differs from what this module builds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi.dynamic import CheckFailure
from pulumi.dynamic.dynamic import serialize_provider

from provider import CallControlApplicationProvider, fields, wire
from provider.resource import TYPE_TOKEN
from provider.stack_config import StackConfigError, load_config
from scripts.review_comment.changes import stack_changes
from scripts.review_comment.comment import render_comment
from scripts.review_comment.preview_json import SECRET, parse_preview

from .stack_files import PROJECT, ROOT

FIXTURES = ROOT / "tests" / "fixtures"
PREVIEWS = FIXTURES / "preview"
EXPECTED = FIXTURES / "review"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE = "pulumi:providers:pulumi-python"
PROVIDER_ID = "5b8c3e1a-2f0d-4c55-9a7e-0f1e2d3c4b5a"
SERIALISED_PROVIDER = serialize_provider(CallControlApplicationProvider())
CREATED = "2026-11-02T09:14:07.512334Z"
MODIFIED = "2026-11-20T16:41:55.084219Z"


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
    provider: str = ""
    created: str = ""
    modified: str = ""

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
                "provider": self.provider,
                "created": self.created,
                "modified": self.modified,
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
    text = json.dumps(digest.to_json(), indent=4, ensure_ascii=False)
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text + "\n"


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


def provider_reference(stack: str) -> str:
    """A provider reference as states and steps carry it: `<provider URN>::<provider id>`."""
    return f"{urn(stack, PROVIDER_TYPE, 'default')}::{PROVIDER_ID}"


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


def api_object(app_id: str, declared: Mapping[str, Any], **raw: Any) -> dict[str, Any]:
    """An application as the Telnyx API returns it; `raw` overrides fields with the API's own spellings."""
    body = fields.desired_state(fields.validate(declared).properties)
    return {**body, "id": app_id, "record_type": "call_control_application", "created_at": CREATED, "updated_at": MODIFIED, **raw}


def _masked(bag: dict[str, Any], secret: Sequence[str]) -> dict[str, Any]:
    # stateForJSONOutput: a value the engine holds as a secret is written as "[secret]".
    return {k: SECRET if k in secret else v for k, v in bag.items()}


def app_state(stack: str, name: str, *, app_id: str = "", inputs: dict[str, Any], outputs: dict[str, Any] | None = None) -> ResourceV3:
    """A CallControlApplication's `ResourceV3`: old states carry an id, outputs and timestamps; new ones inputs only."""
    old = outputs is not None
    return ResourceV3(
        urn=urn(stack, TYPE_TOKEN, name),
        custom=True,
        type=TYPE_TOKEN,
        id=app_id,
        inputs=inputs,
        outputs=outputs or {},
        parent=root_urn(stack),
        provider=provider_reference(stack),
        created=CREATED if old else "",
        modified=MODIFIED if old else "",
    )


def stack_state(stack: str, outputs: dict[str, Any] | None = None) -> ResourceV3:
    """The root stack's `ResourceV3`."""
    return ResourceV3(urn=root_urn(stack), custom=False, type=STACK_TYPE, outputs=outputs or {})


def provider_state(stack: str, config: Mapping[str, str], old: bool) -> ResourceV3:
    """The default `pulumi-python` provider: its inputs are the whole stack config (`Target.GetPackageConfig`)."""
    return ResourceV3(
        urn=urn(stack, PROVIDER_TYPE, "default"),
        custom=True,
        type=PROVIDER_TYPE,
        id=PROVIDER_ID if old else "",
        inputs=dict(config),
        outputs=dict(config) if old else {},
        created=CREATED if old else "",
        modified=MODIFIED if old else "",
    )


@dataclass
class Application:
    """One application in a scenario: the stack file's declaration and, once it exists, the live one."""

    name: str
    declared: dict[str, Any]
    app_id: str = ""
    live: dict[str, Any] | None = None  # the API object the state last recorded
    secret: tuple[str, ...] = ()
    raw_outputs: bool = False  # outputs kept as the API spelled them, as an earlier provider version did

    def previous(self) -> dict[str, Any]:
        """The settings the stack declared when the state was written (those it has live)."""
        assert self.live is not None
        return {k: v for k, v in self.live.items() if k in fields.FIELDS_BY_PATH or k in fields.GROUPS}

    def old(self, stack: str, refreshed: bool = False) -> ResourceV3:
        """The state before this preview's program steps: as the last `up` wrote it, or as a refresh re-read it.

        A refresh (the provider's `read`) makes the inputs the live settings plus the application id
        under `__application_id`, which the engine does not display.
        """
        assert self.live is not None
        if self.raw_outputs:
            outputs = _masked({**{k: v for k, v in self.live.items() if k != "id"}, "__provider": SERIALISED_PROVIDER}, self.secret)
        else:
            outputs = provider_outputs(self.live, self.secret)
        if refreshed:
            read = {**fields.live_state(self.live), wire.APPLICATION_ID: self.app_id, "__provider": SERIALISED_PROVIDER}
            inputs = _masked(read, self.secret)
        else:
            inputs = checked_inputs(self.previous(), self.secret)
        return app_state(stack, self.name, app_id=self.app_id, inputs=inputs, outputs=outputs)

    def new(self, stack: str, old: ResourceV3 | None = None) -> ResourceV3:
        """The state the program asks for: `check` of the declaration against the old inputs."""
        return app_state(stack, self.name, inputs=checked_inputs(self.declared, self.secret, old.inputs if old else None))


def engine_config(applications: Mapping[str, Any], secret_key: bool = False) -> dict[str, str]:
    """The stack's config as `PreludeEventPayload.Config` carries it: structured values as JSON text, secrets blinded."""
    config = {f"{PROJECT}:applications": json.dumps(dict(applications), sort_keys=True)}
    if secret_key:
        config["telnyx:apiKey"] = SECRET
    return config


# --- Diagnostics: the engine's words around this project's own messages -----------------------
#
# A diagnostic's `message` is `Prefix + Message` (`ShowPreviewDigest`, pkg/backend/display/json.go),
# colours removed. `StringifyDiag` (pkg/engine/eventsink.go) makes the prefix "<severity>: " and ends
# the message with "\n"; a raw diagnostic is printed as it is, any other is its format filled in.


def error_diagnostic(text: str, resource_urn: str = "") -> PreviewDiagnostic:
    """An error diagnostic as `StringifyDiag` writes it: `error: <text>` and a newline."""
    return PreviewDiagnostic(f"error: {text}\n", "error", resource_urn)


def program_error_diagnostics(run_error: str) -> list[PreviewDiagnostic]:
    """What a preview prints when the Python program raises `pulumi.RunError(run_error)`.

    - `pulumi-language-python-exec` (sdk/python/cmd/) catches a `RunError` and sends `str(error)` with
      `pulumi.log.error`, without a resource, then exits with code 1; the engine's `defaultHost.Log`
      (pkg/host/host.go) reports it as a raw `diag.StreamMessage` with no URN.
    - The Python language host (sdk/python/cmd/pulumi-language-python/main.go) turns exit code 1 into
      "program exited with non-zero exit code: 1", `programSource` (pkg/resource/deploy/program_source.go)
      into "an unhandled error occurred: %v", and `deploymentExecutor.reportError`
      (pkg/resource/deploy/deployment_executor.go) reports that as a raw diagnostic with no URN.
    """
    return [
        error_diagnostic(run_error),
        error_diagnostic("an unhandled error occurred: program exited with non-zero exit code: 1"),
    ]


def check_failure_diagnostic(stack: str, name: str, failure: CheckFailure) -> PreviewDiagnostic:
    """What a preview prints for one failure the provider's `check` returns (`issueCheckFailures`, pkg/resource/deploy/step_generator.go).

    A failure naming a property uses `diag.GetResourcePropertyInvalidValueError`, "%v resource '%v':
    property %v value %v has a problem: %v", with the property's top-level input value; one naming no
    property, `diag.GetResourceInvalidError`, "%v resource '%v' has a problem: %v" (both in
    sdk/go/common/diag/errors.go). Only the second is built here: a failure naming a property prints
    the property's Go value (`%v` of a `resource.PropertyValue`), which no fixture needs.
    """
    assert not failure.property, "only a failure that names no property is built here"
    return error_diagnostic(f"{TYPE_TOKEN} resource '{name}' has a problem: {failure.reason}", urn(stack, TYPE_TOKEN, name))


def run_error_of(stack: str, config: Mapping[str, str]) -> str:
    """The text of the `RunError` the stack program (`__main__.py`) raises for a stack config it refuses.

    The program's own wording around the loader's message; tests/test_review_fixtures.py runs the
    program under mocks to hold it to this.
    """
    try:
        load_config(stack, lambda key: config.get(f"{PROJECT}:{key}"))
    except StackConfigError as error:
        return f"Invalid stack configuration:\n{error}"
    raise AssertionError(f"the config of stack {stack!r} is valid")


# --- The scenarios ------------------------------------------------------------------------------


def _defaults(stack: str, **more: Any) -> dict[str, Any]:
    return {"webhook_api_version": "2", "tags": [stack, "managed-by-pulumi"], **more}


def dev_no_changes() -> PreviewDigest:
    """`preview --refresh` of dev where nothing changed: refresh steps, then only the root stack's `same`."""
    stack = "dev"
    apps = [
        Application("call-router", {"application_name": "call-router-dev", "webhook_event_url": "https://dev.hooks.example.com/telnyx/call-router", **_defaults(stack)}, "2001"),
        Application("ivr", {"application_name": "ivr-dev", "webhook_event_url": "https://dev.hooks.example.com/telnyx/ivr", "dtmf_type": "Inband", **_defaults(stack)}, "2002"),
    ]
    for app in apps:
        app.live = api_object(app.app_id, app.declared)
    config = engine_config({a.name: a.declared for a in apps})
    steps = [
        PreviewStep("refresh", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
        PreviewStep("refresh", urn(stack, PROVIDER_TYPE, "default"), old_state=provider_state(stack, config, True), new_state=provider_state(stack, config, True)),
        *(PreviewStep("refresh", urn(stack, TYPE_TOKEN, a.name), provider_reference(stack), a.old(stack), a.old(stack)) for a in apps),
        PreviewStep("same", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
    ]
    return PreviewDigest(config, steps, {"same": 4})


def staging_updates() -> PreviewDigest:
    """`preview` (no refresh) of staging: a webhook host move, a nested change, equal spellings, a secret, a lower limit.

    The state was written by an earlier provider version that kept the API's own spellings
    (`"\\"Ashburn, VA\\""`, tags in the API's order, no `call_cost_in_webhooks`): not changes.
    """
    stack = "staging"
    router = Application(
        "call-router",
        {
            "application_name": "call-router-staging",
            "webhook_event_url": "https://hooks.example.net/telnyx/call-router",
            "anchorsite_override": "Ashburn, VA",
            "inbound": {"channel_limit": 20, "shaken_stir_enabled": True},
            **_defaults(stack),
        },
        "3001",
    )
    router.live = api_object(
        router.app_id,
        {**router.declared, "webhook_event_url": "https://staging.hooks.example.com/telnyx/call-router", "inbound": {"channel_limit": 10, "shaken_stir_enabled": True}},
        anchorsite_override='"Ashburn, VA"',
        tags=["managed-by-pulumi", "staging"],
    )
    del router.live["call_cost_in_webhooks"]
    router.raw_outputs = True
    ivr = Application(
        "ivr",
        {
            "application_name": "ivr-staging",
            "webhook_event_url": "https://staging.hooks.example.com/telnyx/ivr",
            "dtmf_type": "Inband",
            "inbound": {"channel_limit": 5},
            **_defaults(stack),
        },
        "3002",
        secret=("webhook_event_url",),
    )
    ivr.live = api_object(ivr.app_id, {**ivr.declared, "inbound": {"channel_limit": 10}})
    apps = [router, ivr]
    old_config = engine_config({a.name: a.previous() for a in apps})
    config = engine_config({a.name: a.declared for a in apps})
    steps = [
        PreviewStep("same", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
        PreviewStep("update", urn(stack, PROVIDER_TYPE, "default"), old_state=provider_state(stack, old_config, True), new_state=provider_state(stack, config, False)),
        *(PreviewStep("update", urn(stack, TYPE_TOKEN, a.name), provider_reference(stack), a.old(stack), a.new(stack, a.old(stack))) for a in apps),
    ]
    return PreviewDigest(config, steps, {"same": 1, "update": 3})


def _prod_base() -> dict[str, Any]:
    return _defaults("prod", webhook_timeout_secs=25, anchorsite_override="Ashburn, VA", call_cost_in_webhooks=True)


def _prod_unchanged() -> tuple[Application, Application]:
    """Two prod applications live as declared: ivr, and fax-gateway, which lacks the failover URL production requires."""
    base = _prod_base()
    ivr = Application("ivr", {"application_name": "acme-ivr", "webhook_event_url": "https://hooks.example.com/telnyx/ivr", "webhook_event_failover_url": "https://failover.hooks.example.com/telnyx/ivr", **base}, "1293384261075731002")
    fax = Application(
        "fax-gateway",
        {"application_name": "acme-fax-gateway", "webhook_event_url": "https://hooks.example.com/telnyx/fax", "inbound": {"channel_limit": 4}, **base},
        "1293384261075731004",
    )
    for app in (ivr, fax):
        app.live = api_object(app.app_id, app.declared)
    return ivr, fax


def prod_mixed() -> PreviewDigest:
    """`preview --refresh` of prod: an adoption, a create whose URL carries credentials, a switch-off, a delete,
    and an unchanged application against a mandatory policy."""
    stack = "prod"
    base = _prod_base()
    router = Application(
        "call-router",
        {"application_name": "acme-call-router", "webhook_event_url": "https://hooks.example.com/telnyx/call-router", "active": False, **base},
        "1293384261075731001",
    )
    router.live = api_object(router.app_id, {**router.declared, "active": True})
    ivr, fax = _prod_unchanged()
    legacy = Application(
        "legacy-ivr",
        {"application_name": "Legacy IVR <EU> & fax", "webhook_event_url": "https://legacy.example.com/ivr", "dtmf_type": "SIP INFO", "first_command_timeout": True, "import_id": "1293384261075731499"},
    )
    partner = Application(
        "partner-router",
        {
            "application_name": "acme-partner-router",
            "webhook_event_url": "https://acme:s3cr3t-t0ken@partner.example.org/telnyx?signature=abc123",
            "outbound": {"channel_limit": 10, "outbound_voice_profile_id": "1293384261075731777"},
            **base,
        },
    )
    gone = Application("eu-call-router", {}, "1293384261075731003")
    gone.live = api_object(gone.app_id, {"application_name": "acme-call-router-eu", "webhook_event_url": "https://eu.hooks.example.com/telnyx/call-router", "inbound": {"channel_limit": 50}})
    existing = [router, ivr, fax, gone]
    config = engine_config({a.name: a.declared for a in (router, ivr, fax, legacy, partner)}, secret_key=True)
    old_config = engine_config({a.name: a.previous() for a in existing}, secret_key=True)
    steps = [
        PreviewStep("refresh", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
        PreviewStep("refresh", urn(stack, PROVIDER_TYPE, "default"), old_state=provider_state(stack, old_config, True), new_state=provider_state(stack, old_config, True)),
        *(PreviewStep("refresh", urn(stack, TYPE_TOKEN, a.name), provider_reference(stack), a.old(stack), a.old(stack)) for a in existing),
        PreviewStep("same", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
        PreviewStep("update", urn(stack, PROVIDER_TYPE, "default"), old_state=provider_state(stack, old_config, True), new_state=provider_state(stack, config, False)),
        PreviewStep("update", urn(stack, TYPE_TOKEN, router.name), provider_reference(stack), router.old(stack, refreshed=True), router.new(stack, router.old(stack, refreshed=True))),
        PreviewStep("create", urn(stack, TYPE_TOKEN, legacy.name), provider_reference(stack), new_state=legacy.new(stack)),
        PreviewStep("create", urn(stack, TYPE_TOKEN, partner.name), provider_reference(stack), new_state=partner.new(stack)),
        PreviewStep("delete", urn(stack, TYPE_TOKEN, gone.name), provider_reference(stack), old_state=gone.old(stack, refreshed=True)),  # deletes come last
    ]
    return PreviewDigest(config, steps, {"create": 2, "delete": 1, "same": 3, "update": 2})


def prod_unchanged_against_policy() -> PreviewDigest:
    """`preview --refresh` of prod where nothing changes, yet fax-gateway breaks a mandatory policy (which fails the
    preview with the policy pack), and voicemail's webhook URL is secret (so the JSON does not show it)."""
    stack = "prod"
    ivr, fax = _prod_unchanged()
    voicemail = Application(
        "voicemail",
        {"application_name": "acme-voicemail", "webhook_event_url": "https://hooks.example.com/telnyx/voicemail", "webhook_event_failover_url": "https://failover.hooks.example.com/telnyx/voicemail", "inbound": {"channel_limit": 2}, **_prod_base()},
        "1293384261075731005",
        secret=("webhook_event_url",),
    )
    voicemail.live = api_object(voicemail.app_id, voicemail.declared)
    apps = [fax, ivr, voicemail]
    config = engine_config({a.name: a.declared for a in apps}, secret_key=True)
    steps = [
        PreviewStep("refresh", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
        PreviewStep("refresh", urn(stack, PROVIDER_TYPE, "default"), old_state=provider_state(stack, config, True), new_state=provider_state(stack, config, True)),
        *(PreviewStep("refresh", urn(stack, TYPE_TOKEN, a.name), provider_reference(stack), a.old(stack), a.old(stack)) for a in apps),
        PreviewStep("same", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
    ]
    return PreviewDigest(config, steps, {"same": 5})


def _staging_applications() -> list[Application]:
    """Staging as deployed: two applications, both live as declared."""
    stack = "staging"
    router = Application("call-router", {"application_name": "call-router-staging", "webhook_event_url": "https://staging.hooks.example.com/telnyx/call-router", **_defaults(stack)}, "3001")
    ivr = Application("ivr", {"application_name": "ivr-staging", "webhook_event_url": "https://staging.hooks.example.com/telnyx/ivr", "inbound": {"channel_limit": 10}, **_defaults(stack)}, "3002")
    for app in (router, ivr):
        app.live = api_object(app.app_id, app.declared)
    return [router, ivr]


# The mistake both failed previews make: a channel limit below zero, in a nested setting.
BAD_CHANNEL_LIMIT = {"inbound": {"channel_limit": -1}}


def staging_failed() -> PreviewDigest:
    """`preview --refresh` of staging after a stack-file mistake: the program refuses its config before registering anything.

    The refresh comes first (every resource in the state), then the program registers the root stack
    (the SDK completes that registration before it reports the error) and raises
    `Invalid stack configuration`: no application gets a program step.
    """
    stack = "staging"
    apps = _staging_applications()
    config = engine_config({a.name: {**a.declared, **BAD_CHANNEL_LIMIT} if a.name == "ivr" else a.declared for a in apps})
    old_config = engine_config({a.name: a.previous() for a in apps})
    steps = [
        PreviewStep("refresh", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
        PreviewStep("refresh", urn(stack, PROVIDER_TYPE, "default"), old_state=provider_state(stack, old_config, True), new_state=provider_state(stack, old_config, True)),
        *(PreviewStep("refresh", urn(stack, TYPE_TOKEN, a.name), provider_reference(stack), a.old(stack), a.old(stack)) for a in apps),
        PreviewStep("same", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack)),
    ]
    return PreviewDigest(config, steps, {"same": 1}, program_error_diagnostics(run_error_of(stack, config)))


def check_failed_declaration() -> dict[str, Any]:
    """The application a program declares in code (not from a stack file), with the mistake the provider's check refuses."""
    return {"application_name": "ivr-staging", "webhook_event_url": "https://staging.hooks.example.com/telnyx/ivr", **BAD_CHANNEL_LIMIT}


def staging_check_failed() -> PreviewDigest:
    """`preview` of a program that declares staging's ivr in code, and the provider's `check` refuses a nested setting.

    The stack file's loader catches this mistake first (`staging_failed`); the provider's check is what
    stops a program that declares the resource in code. The failure names no property (the engine finds
    only top-level ones and would print a URL's value, `provider/reporting.py`), so its reason starts
    with the setting's path. Before the check, the root stack and the default provider (which the check
    needs) were registered, unchanged; the engine stops at the invalid resource, so it has no step.
    """
    stack = "staging"
    result = CallControlApplicationProvider().check({}, check_failed_declaration())
    (failure,) = result.failures
    steps = [PreviewStep("same", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack))]
    return PreviewDigest({}, steps, {"same": 2}, [check_failure_diagnostic(stack, "ivr", failure)])


def load_300_applications() -> PreviewDigest:
    """A stack of 300 applications: 295 created, 5 updated with a lower channel limit (the dangerous ones)."""
    stack = "load"
    steps = [PreviewStep("same", root_urn(stack), old_state=stack_state(stack), new_state=stack_state(stack))]
    apps = []
    for number in range(300):
        name = f"tenant-{number:03d}-router"
        declared = {
            "application_name": f"acme-{name}-{stack}",
            "webhook_event_url": f"https://tenant-{number:03d}.hooks.example.com/telnyx/call-router",
            "webhook_event_failover_url": f"https://failover.tenant-{number:03d}.hooks.example.com/telnyx/call-router",
            "dtmf_type": "Inband",
            "first_command_timeout": True,
            "first_command_timeout_secs": 12,
            "inbound": {"channel_limit": 8, "sip_subdomain": f"acme-tenant-{number:03d}"},
            **_defaults(stack),
        }
        app = Application(name, declared)
        apps.append(app)
        if number % 60 == 0:
            app.app_id = f"40{number:03d}"
            app.live = api_object(app.app_id, {**declared, "inbound": {"channel_limit": 16, "sip_subdomain": f"acme-tenant-{number:03d}"}})
            steps.append(PreviewStep("update", urn(stack, TYPE_TOKEN, name), provider_reference(stack), app.old(stack), app.new(stack, app.old(stack))))
        else:
            steps.append(PreviewStep("create", urn(stack, TYPE_TOKEN, name), provider_reference(stack), new_state=app.new(stack)))
    return PreviewDigest(engine_config({a.name: a.declared for a in apps}), steps, {"create": 295, "same": 2, "update": 5})


# Committed files: name -> builder. The 300-application one is built in the tests, not committed.
COMMITTED: dict[str, Callable[[], PreviewDigest]] = {
    "dev-no-changes.json": dev_no_changes,
    "staging-updates.json": staging_updates,
    "prod-mixed.json": prod_mixed,
    "staging-failed.json": staging_failed,
    "staging-check-failed.json": staging_check_failed,
    "prod-unchanged-against-policy.json": prod_unchanged_against_policy,
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
        "failed-preview.md": comment(dev_no_changes(), staging_failed()),
        "check-failed.md": comment(staging_check_failed()),
        "unchanged-against-policy.md": comment(dev_no_changes(), prod_unchanged_against_policy()),
        "size-limit.md": comment(dev_no_changes(), load_300_applications(), details_url="https://github.com/acme/telnyx/actions/runs/42"),
    }


def main() -> None:
    """Rewrite the committed JSON fixtures and the expected Markdown."""
    PREVIEWS.mkdir(parents=True, exist_ok=True)
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for name, build in COMMITTED.items():
        (PREVIEWS / name).write_text(go_json(build()))
    for name, text in snapshots().items():
        (EXPECTED / name).write_text(text)
    print(f"wrote {len(COMMITTED)} previews to {PREVIEWS.relative_to(ROOT)} and {len(snapshots())} comments to {EXPECTED.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

