"""What the review makes of a preview's steps: settings old → new with the field model, dangers, policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from scripts.review_comment.changes import (
    ADOPT,
    CREATE,
    DELETE,
    application_change,
    is_production,
    setting_danger,
    stack_changes,
)
from scripts.review_comment.preview_json import SECRET, UNKNOWN, Preview, Step, Urn, parse_preview

from ..support.preview_fixtures import (
    PreviewDiagnostic,
    StandInViolation,
    api_object,
    app_state,
    checked_inputs,
    dev_secret_update,
    go_json,
    prod_mixed,
    prod_unchanged_against_policy,
    provider_outputs,
    staging_check_failed,
    staging_failed,
    staging_updates,
    stand_in_evaluate,
)

ROUTER = {"application_name": "router-dev", "webhook_event_url": "https://hooks.example.com/telnyx"}


def update_step(declared_before: Mapping[str, Any], declared_after: Mapping[str, Any], *, stack: str = "dev", live: dict[str, Any] | None = None, secret: tuple[str, ...] = ()) -> Step:
    old = app_state(stack, "router", app_id="77", inputs=checked_inputs(declared_before, secret), outputs=provider_outputs(live or api_object("77", declared_before), secret))
    new = app_state(stack, "router", inputs=checked_inputs(declared_after, secret))
    return Step("update", Urn.parse(old.urn), _state(old), _state(new))


def create_step(declared: Mapping[str, Any], *, stack: str = "dev", secret: tuple[str, ...] = ()) -> Step:
    new = app_state(stack, "router", inputs=checked_inputs(declared, secret))
    return Step("create", Urn.parse(new.urn), None, _state(new))


def _state(resource: Any) -> Any:
    return parse_preview({"steps": [{"op": "same", "urn": resource.urn, "newState": resource.to_json()}]}, "x").steps[0].new


def changed(step: Step) -> dict[str, tuple[Any, Any]]:
    return {s.path: (s.old, s.new) for s in application_change("dev", step).settings}


def test_an_update_lists_each_changed_setting_old_to_new() -> None:
    step = update_step({**ROUTER, "dtmf_type": "Inband"}, {**ROUTER, "dtmf_type": "SIP INFO"})
    assert changed(step) == {"dtmf_type": ("Inband", "SIP INFO")}


def test_a_nested_setting_is_named_by_its_dotted_path() -> None:
    step = update_step({**ROUTER, "inbound": {"channel_limit": 2}}, {**ROUTER, "inbound": {"channel_limit": 4}})
    assert changed(step) == {"inbound.channel_limit": (2, 4)}


def test_equal_spellings_in_the_old_state_are_not_changes() -> None:
    before = {**ROUTER, "anchorsite_override": "Chicago, IL", "webhook_api_version": "2", "tags": ["b", "a"], "first_command_timeout_secs": 25}
    live = api_object("77", before, anchorsite_override='"Chicago, IL"', webhook_api_version=2, tags=["a", "b", "a"], first_command_timeout_secs=25.0)
    old = app_state("dev", "router", app_id="77", inputs=checked_inputs(before), outputs={**live, "__provider": "p"})
    step = update_step(before, {**before, "active": False})
    step = Step(step.op, step.urn, _state(old), step.new)
    assert changed(step) == {"active": (True, False)}


def test_a_removed_setting_goes_back_to_its_api_default_and_shows_as_such() -> None:
    step = update_step({**ROUTER, "webhook_timeout_secs": 10}, ROUTER)
    assert changed(step) == {"webhook_timeout_secs": (10, None)}


def test_an_omitted_setting_the_live_application_lacks_is_no_change() -> None:
    live = {k: v for k, v in api_object("77", ROUTER).items() if k != "call_cost_in_webhooks"}
    step = update_step(ROUTER, {**ROUTER, "dtmf_type": "Inband"}, live=live)
    assert changed(step) == {"dtmf_type": ("RFC 2833", "Inband")}


def test_a_secret_setting_is_listed_as_secret_and_not_compared() -> None:
    step = update_step(ROUTER, {**ROUTER, "dtmf_type": "Inband"}, secret=("webhook_event_url",))
    settings = {s.path: s for s in application_change("dev", step).settings}
    assert settings["webhook_event_url"].secret and settings["webhook_event_url"].old == settings["webhook_event_url"].new == SECRET
    assert not settings["dtmf_type"].secret


def test_a_group_hidden_whole_lists_each_of_its_settings_as_secret() -> None:
    step = update_step({**ROUTER, "inbound": {"channel_limit": 2}}, {**ROUTER, "inbound": {"channel_limit": 9}, "active": False}, secret=("inbound",))
    secret = {s.path for s in application_change("dev", step).settings if s.secret}
    assert secret == {"inbound.channel_limit", "inbound.shaken_stir_enabled", "inbound.sip_subdomain", "inbound.sip_subdomain_receive_settings"}


def test_a_value_not_known_until_up_is_listed_without_a_new_value() -> None:
    step = update_step(ROUTER, ROUTER)
    assert step.new is not None
    step.new.inputs["webhook_event_url"] = UNKNOWN
    (setting,) = application_change("dev", step).settings
    assert setting.path == "webhook_event_url" and setting.unknown and setting.old == ROUTER["webhook_event_url"]


def test_a_create_lists_only_the_settings_that_are_not_api_defaults() -> None:
    change = application_change("dev", create_step({**ROUTER, "dtmf_type": "RFC 2833", "active": True, "inbound": {"channel_limit": 5}}))
    assert change.operation == CREATE and change.application_name == "router-dev"
    assert {s.path: s.new for s in change.settings} == {"webhook_event_url": ROUTER["webhook_event_url"], "inbound.channel_limit": 5}


def test_a_create_with_an_import_id_is_an_adoption_of_that_application() -> None:
    change = application_change("dev", create_step({**ROUTER, "import_id": "1293384261075731499"}))
    assert change.operation == ADOPT and change.application_id == "1293384261075731499"
    assert "import_id" not in {s.path for s in change.settings}


def test_a_delete_names_the_application_it_removes_from_its_old_state() -> None:
    old = app_state("dev", "router", app_id="77", inputs=checked_inputs(ROUTER), outputs=provider_outputs(api_object("77", ROUTER)))
    change = application_change("dev", Step("delete", Urn.parse(old.urn), _state(old), None))
    assert (change.operation, change.application_name, change.application_id, change.settings) == (DELETE, "router-dev", "77", ())
    assert change.dangerous


@pytest.mark.parametrize(
    ("path", "old", "new", "danger"),
    [
        ("active", True, False, "turns the application off"),
        ("active", False, True, None),
        ("webhook_event_url", "https://a.example.com/x", "https://b.example.com/x", "moves to another host"),
        ("webhook_event_url", "https://a.example.com/x", "https://A.example.com/y", None),
        ("webhook_event_failover_url", "https://a.example.com/x", "", "is removed"),
        ("webhook_event_failover_url", "", "https://a.example.com/x", None),
        ("inbound.channel_limit", 10, 5, "is lowered"),
        ("outbound.channel_limit", None, 5, "limits calls that had no limit"),
        ("inbound.channel_limit", 5, 10, None),
        ("inbound.channel_limit", 5, None, None),
        ("dtmf_type", "Inband", "SIP INFO", None),
    ],
)
def test_what_can_hurt_a_live_phone_system(path: str, old: Any, new: Any, danger: str | None) -> None:
    assert setting_danger(path, old, new) == danger


def test_any_change_in_a_stack_named_like_prod_is_dangerous() -> None:
    assert [is_production(s) for s in ("prod", "production", "eu-prod", "Prod2", "preprod", "staging")] == [True, True, True, True, False, False]
    step = update_step(ROUTER, {**ROUTER, "dtmf_type": "Inband"}, stack="prod")
    assert application_change("prod", step).dangerous
    assert not application_change("dev", update_step(ROUTER, {**ROUTER, "dtmf_type": "Inband"})).dangerous


def test_policies_see_the_checked_inputs_as_the_preview_holds_them_without_the_serialised_provider() -> None:
    seen: list[tuple[dict[str, Any], str, str]] = []

    def evaluate(properties: Mapping[str, Any], stack: str, application: str) -> list[StandInViolation]:
        seen.append((dict(properties), stack, application))
        return [StandInViolation("p", "advisory", "m")]

    step = update_step(ROUTER, {**ROUTER, "dtmf_type": "Inband"}, secret=("webhook_event_url",))
    change = application_change("staging", step, evaluate)
    (properties, stack, application), = seen
    assert (stack, application) == ("staging", "router")
    assert properties["dtmf_type"] == "Inband" and "__provider" not in properties
    assert properties["webhook_event_url"] == SECRET  # the rules treat it as not known
    assert change.violations == (StandInViolation("p", "advisory", "m"),) and change.secrets_unchecked
    assert not change.dangerous  # advisory only


def test_a_mandatory_policy_violation_is_a_danger() -> None:
    change = application_change("prod", create_step(ROUTER, stack="prod"), stand_in_evaluate)
    assert [v.policy for v in change.mandatory_violations] == ["prod-needs-failover"] and change.dangerous


def test_a_deleted_application_is_not_evaluated() -> None:
    calls = []
    old = app_state("dev", "router", app_id="77", inputs=checked_inputs(ROUTER), outputs=provider_outputs(api_object("77", ROUTER)))
    application_change("dev", Step("delete", Urn.parse(old.urn), _state(old), None), lambda *args: calls.append(args) or [])
    assert calls == []


def preview_of(digest: Any) -> Preview:
    import json

    return parse_preview(json.loads(go_json(digest)), "fixture.json")


def test_a_stack_lists_deletes_first_and_counts_the_unchanged_from_refresh_steps() -> None:
    changes = stack_changes(preview_of(prod_mixed()))
    assert [(c.operation, c.logical_name) for c in changes.applications] == [
        ("delete", "eu-call-router"), ("update", "call-router"), ("adopt", "legacy-ivr"), ("create", "partner-router")
    ]
    assert changes.unchanged == 2  # ivr and fax-gateway: refreshed, no program step
    assert changes.others == ()  # the root stack is unchanged; the default provider never has a step


def test_without_refresh_the_unchanged_come_from_the_change_summary_less_the_root_stack() -> None:
    preview = preview_of(staging_updates())
    assert stack_changes(preview).unchanged == 0  # same: 1 = the root stack
    quiet = Preview(preview.source, preview.stack, preview.steps[:1], {"same": 5})
    assert stack_changes(quiet).unchanged == 4  # the root stack is not an application; the default provider is not counted


def test_the_projects_policy_rules_are_asked_about_each_application() -> None:
    from policies.rules import evaluate

    changes = stack_changes(preview_of(prod_mixed()), evaluate)
    found = {(c.logical_name, v.policy) for c in changes.applications for v in c.violations}
    # In prod, no changed application declares a failover URL or an inbound limit; legacy-ivr keeps webhook format 1.
    # eu-call-router is deleted: there are no new inputs to check.
    assert found == {
        (name, policy)
        for name in ("call-router", "legacy-ivr", "partner-router")
        for policy in ("prod-failover-on-another-host", "prod-channel-limits")
    } | {("legacy-ivr", "webhook-api-version-2")}
    dev = stack_changes(preview_of(dev_secret_update()), evaluate)
    (ivr,) = dev.applications
    assert ivr.secrets_unchecked and ivr.violations == ()  # its URL is secret: not known, so not a violation


class Recorder:
    """An `evaluate` that notes each application it is asked about and flags every one (mandatory)."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, Any]] = {}

    def __call__(self, properties: Mapping[str, Any], stack: str, application: str) -> list[StandInViolation]:
        self.seen[application] = dict(properties)
        return [StandInViolation("p", "mandatory", application)]


def test_with_refresh_steps_the_unchanged_applications_are_judged_too() -> None:
    from policies.rules import evaluate

    changes = stack_changes(preview_of(prod_mixed()), evaluate)
    judged = {app.logical_name: {v.policy for v in app.violations} for app in changes.unchanged_applications}
    # fax-gateway has no failover URL; ivr has one on another host but no inbound channel limit.
    assert judged == {"fax-gateway": {"prod-failover-on-another-host"}, "ivr": {"prod-channel-limits"}}
    (fax,) = [app for app in changes.unchanged_violating if app.mandatory_violations]
    assert (fax.logical_name, fax.application_name) == ("fax-gateway", "acme-fax-gateway")


def test_an_unchanged_application_is_judged_on_the_inputs_of_its_refresh_step_without_the_engines_keys() -> None:
    recorder = Recorder()
    preview = preview_of(prod_mixed())
    stack_changes(preview, recorder)
    refresh = next(s for s in preview.steps if s.op == "refresh" and s.urn.name == "fax-gateway")
    assert refresh.new is not None
    assert recorder.seen["fax-gateway"] == {k: v for k, v in refresh.new.inputs.items() if not k.startswith("__")}
    assert recorder.seen["fax-gateway"]["inbound"]["channel_limit"] == 4 and "__provider" not in recorder.seen["fax-gateway"]


def test_changed_and_deleted_applications_are_not_judged_again_as_unchanged() -> None:
    recorder = Recorder()
    changes = stack_changes(preview_of(prod_mixed()), recorder)
    assert {app.logical_name for app in changes.unchanged_applications} == {"fax-gateway", "ivr"}
    assert "eu-call-router" not in recorder.seen  # refreshed, then deleted: no new inputs to judge


def test_without_refresh_steps_nothing_is_said_about_unchanged_applications() -> None:
    recorder = Recorder()
    quiet = Preview("x", "prod", preview_of(staging_updates()).steps[:1], {"same": 5})  # only the root stack's step
    changes = stack_changes(quiet, recorder)
    assert changes.unchanged == 4 and changes.unchanged_applications == () and recorder.seen == {}


def test_a_preview_whose_program_failed_judges_no_unchanged_application() -> None:
    # The program never registered them, so the policy pack judged none: saying something would be a guess.
    for digest in (staging_failed(), staging_check_failed()):
        recorder = Recorder()
        changes = stack_changes(preview_of(digest), recorder)
        assert changes.errors and changes.unchanged_applications == () and recorder.seen == {}


def test_a_preview_failed_by_a_mandatory_policy_still_judges_the_unchanged_applications() -> None:
    # The program registered every application (the change summary counts them), so the pack judged them all, and
    # `preview --json` says only "preview failed": the review names the violation the pack does not show.
    digest = prod_unchanged_against_policy()
    digest.diagnostics = [PreviewDiagnostic("error: preview failed\n", "error")]
    changes = stack_changes(preview_of(digest), stand_in_evaluate)
    assert changes.errors == ("error: preview failed\n",)
    assert [app.logical_name for app in changes.unchanged_violating] == ["fax-gateway"]


def test_a_preview_that_stopped_at_a_refused_check_judges_no_unchanged_application() -> None:
    digest = prod_unchanged_against_policy()
    digest.change_summary = {"same": 2}  # the root stack and one application registered; the check of the next failed
    digest.diagnostics = [PreviewDiagnostic("error: … resource 'ivr' has a problem: …\n", "error")]
    recorder = Recorder()
    assert stack_changes(preview_of(digest), recorder).unchanged_applications == () and recorder.seen == {}


def test_a_same_step_is_judged_on_the_programs_inputs_rather_than_the_refresh_steps_state() -> None:
    old = app_state("prod", "router", app_id="77", inputs=checked_inputs(ROUTER), outputs=provider_outputs(api_object("77", ROUTER)))
    new = app_state("prod", "router", inputs=checked_inputs({**ROUTER, "dtmf_type": "Inband"}))
    refresh = Step("refresh", Urn.parse(old.urn), _state(old), _state(old))
    same = Step("same", Urn.parse(old.urn), _state(old), _state(new))
    for steps in ((refresh, same), (same, refresh)):
        recorder = Recorder()
        stack_changes(Preview("x", "prod", steps), recorder)
        assert recorder.seen["router"]["dtmf_type"] == "Inband"


def test_an_unchanged_application_with_a_secret_setting_says_the_policies_could_not_check_it() -> None:
    # One setting set secret makes the stack's whole `applications` key secret, so the program makes every declared
    # webhook URL secret: each application has one.
    changes = stack_changes(preview_of(prod_unchanged_against_policy()), stand_in_evaluate)
    unchecked = {app.logical_name for app in changes.unchanged_applications if app.secrets_unchecked}
    assert unchecked == {"fax-gateway", "ivr", "voicemail"}
