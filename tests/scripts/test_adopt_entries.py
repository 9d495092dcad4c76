"""Adopt's pure parts: the shortest entry for a live application, logical names, what cannot be declared,
what is already declared, and the stack file kept as written."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from field_model import fields
from scripts.adoption.declared import read_declarations
from scripts.adoption.entries import (
    AdoptionError,
    Defaults,
    logical_name_for,
    minimal_entry,
    read_defaults,
    unmanaged_fields,
    unrepresentable,
)
from scripts.adoption.plan import plan_adoption
from scripts.adoption.stack_file import StackFile
from stack_files.loader import LOGICAL_NAME, load_applications, merge

from ..support.stack_files import ROOT

APP_ID = "1293384261075731499"
URL = "https://hooks.example.com/telnyx/router"


def live_app(**settings_: Any) -> dict[str, Any]:
    """An application as the API returns it, every field at its API default unless given."""
    app: dict[str, Any] = {
        "id": APP_ID,
        "record_type": "call_control_application",
        "application_name": "router",
        "webhook_event_url": URL,
        "active": True,
        "anchorsite_override": "Latency",
        "call_cost_in_webhooks": False,
        "dtmf_type": "RFC 2833",
        "first_command_timeout": False,
        "first_command_timeout_secs": 30,
        "redact_dtmf_debug_logging": False,
        "tags": [],
        "webhook_api_version": "1",
        "webhook_event_failover_url": "",
        "webhook_timeout_secs": None,
        "inbound": {"channel_limit": None, "shaken_stir_enabled": False, "sip_subdomain": None, "sip_subdomain_receive_settings": "from_anyone"},
        "outbound": {"channel_limit": None, "outbound_voice_profile_id": None},
    }
    for key, value in settings_.items():
        if isinstance(value, dict):
            app[key] = {**app[key], **value}
        else:
            app[key] = value
    return app


def defaults(**values: Any) -> Defaults:
    return read_defaults("dev", values)


def merged_state(stack: str, logical_name: str, entry: dict[str, Any], known_defaults: dict[str, Any]) -> dict[str, Any]:
    """What the stack program declares for the entry: the loader's merge, then the provider's desired state."""
    [spec] = load_applications(stack, {logical_name: entry}, known_defaults)
    return fields.desired_state(spec.arguments)


# --- the shortest entry ------------------------------------------------------------------------


def test_an_application_at_every_api_default_needs_only_its_id_and_url() -> None:
    entry = minimal_entry("dev", "router", live_app(application_name="router-dev"), defaults())
    assert entry == {"import_id": APP_ID, "webhook_event_url": URL}


def test_a_setting_the_defaults_already_give_is_not_written() -> None:
    app = live_app(application_name="router-dev", webhook_api_version="2", tags=["managed", "dev"], inbound={"channel_limit": 4})
    entry = minimal_entry("dev", "router", app, defaults(webhook_api_version=2, tags=["dev", "managed"], inbound={"channel_limit": 4}))
    assert entry == {"import_id": APP_ID, "webhook_event_url": URL}


def test_a_setting_a_default_overrides_is_written_as_null_back_to_the_api_default() -> None:
    entry = minimal_entry(
        "dev",
        "router",
        live_app(application_name="router-dev"),
        defaults(webhook_timeout_secs=10, tags=["dev"], webhook_event_failover_url="https://failover.example.com", inbound={"channel_limit": 4}),
    )
    assert entry == {
        "import_id": APP_ID,
        "webhook_event_url": URL,
        "tags": None,
        "webhook_event_failover_url": None,
        "webhook_timeout_secs": None,
        "inbound": {"channel_limit": None},
    }


def test_nested_settings_are_written_key_by_key_in_canonical_spelling() -> None:
    app = live_app(
        application_name="router-dev",
        anchorsite_override='"Chicago, IL"',
        tags=["b", "a", "b"],
        inbound={"shaken_stir_enabled": True, "sip_subdomain": "router"},
        outbound={"outbound_voice_profile_id": "42"},
    )
    entry = minimal_entry("dev", "router", app, defaults(inbound={"sip_subdomain": "router"}))
    assert entry == {
        "import_id": APP_ID,
        "webhook_event_url": URL,
        "anchorsite_override": "Chicago, IL",
        "tags": ["a", "b"],
        "inbound": {"shaken_stir_enabled": True},
        "outbound": {"outbound_voice_profile_id": "42"},
    }


def test_application_name_is_written_only_when_it_is_not_the_stack_default() -> None:
    assert "application_name" not in minimal_entry("prod", "ivr", live_app(application_name="ivr-prod"), defaults())
    assert minimal_entry("prod", "ivr", live_app(application_name="Acme IVR"), defaults())["application_name"] == "Acme IVR"


def test_an_encrypted_default_is_stated_in_every_entry() -> None:
    hidden = read_defaults("dev", {"webhook_event_failover_url": {"secure": "v1:abc"}, "dtmf_type": "Inband"})
    assert hidden.hidden == {"webhook_event_failover_url"}
    entry = minimal_entry("dev", "router", live_app(application_name="router-dev", dtmf_type="Inband"), hidden)
    assert entry == {"import_id": APP_ID, "webhook_event_url": URL, "webhook_event_failover_url": None}


def test_resource_options_in_the_defaults_are_no_setting() -> None:
    with_options = read_defaults("dev", {"protect": True, "ignore_changes": ["webhook_event_url"], "dtmf_type": "Inband"})
    assert with_options.known == {"dtmf_type": "Inband"}
    entry = minimal_entry("dev", "router", live_app(application_name="router-dev", dtmf_type="Inband"), with_options)
    assert entry == {"import_id": APP_ID, "webhook_event_url": URL}


def test_invalid_defaults_stop_adopt_naming_each_key() -> None:
    with pytest.raises(AdoptionError) as caught:
        read_defaults("dev", {"dtmf_typ": "Inband", "webhook_timeout_secs": 99, "application_name": "x"})
    message = str(caught.value)
    assert "'dtmf_typ'" in message and "'webhook_timeout_secs'" in message and "'application_name' cannot be a default" in message


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"anchorsite_override": "Frankfurt, DE"}, "anchorsite_override: the live value is not allowed: got 'Frankfurt, DE'"),
        ({"webhook_timeout_secs": 60}, "webhook_timeout_secs"),
        ({"webhook_event_url": "ftp://files.example.com/hook?token=abc"}, "webhook_event_url: the live value ftp://files.example.com/… is not"),
        ({"id": "abc"}, "its id is not a string of digits"),
    ],
)
def test_a_live_value_no_declaration_can_match_is_named_and_not_adopted(change: dict[str, Any], reason: str) -> None:
    app = live_app(**change)
    assert any(reason in r for r in unrepresentable(app)), unrepresentable(app)
    with pytest.raises(AdoptionError, match=reason.split(":")[0]):
        minimal_entry("dev", "router", app, defaults())


def test_the_reason_for_a_bad_url_never_shows_its_credential() -> None:
    [reason] = unrepresentable(live_app(webhook_event_url="ftp://user:pass@files.example.com/hook?token=abc"))
    assert "pass" not in reason and "token" not in reason and "/hook" not in reason


def test_a_field_the_model_does_not_know_is_no_obstacle_and_is_reported() -> None:
    app = live_app(application_name="router-dev", connection_type="legacy", inbound={"new_thing": 1})
    assert unrepresentable(app) == []
    assert unmanaged_fields(app) == ["connection_type", "inbound.new_thing"]
    assert minimal_entry("dev", "router", app, defaults()) == {"import_id": APP_ID, "webhook_event_url": URL}


# --- the property: merging the entry gives back the live application, and no key can go -------------


def _value(spec: fields.Field) -> st.SearchStrategy[Any]:
    if spec.kind is fields.Kind.ENUM:
        values: st.SearchStrategy[Any] = st.sampled_from([*spec.choices, *spec.aliases])
    elif spec.kind is fields.Kind.BOOL:
        values = st.booleans()
    elif spec.kind is fields.Kind.INT:
        values = st.integers(spec.minimum if spec.minimum is not None else -5, spec.maximum if spec.maximum is not None else 500)
    elif spec.kind is fields.Kind.URL:
        values = st.sampled_from(["https://a.example.com/hook", "https://b.example.com/", "http://127.0.0.1:8080/x"])
    elif spec.kind is fields.Kind.ID:
        values = st.sampled_from(["1", "1293384261075731499"])
    elif spec.kind is fields.Kind.STRING_LIST:
        values = st.lists(st.sampled_from(["dev", "prod", "managed", "eu"]), max_size=3)
    else:
        values = st.sampled_from(["alpha", "beta", "router-dev"])
    return st.one_of(st.none(), values) if spec.nullable else values


SETTABLE = [spec for spec in fields.FIELDS if spec.path != "application_name"]


@st.composite
def live_apps(draw: st.DrawFn) -> dict[str, Any]:
    app: dict[str, Any] = {"id": APP_ID, "application_name": draw(st.sampled_from(["router-dev", "router", "Router (EU)"]))}
    for spec in SETTABLE:
        if spec.required or draw(st.booleans()):
            value = draw(_value(spec))
            if spec.group:
                app.setdefault(spec.group, {})[spec.name] = value
            else:
                app[spec.name] = value
    return app


@st.composite
def stack_defaults(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(SETTABLE), unique_by=lambda spec: spec.path, max_size=8))
    result: dict[str, Any] = {}
    for spec in chosen:
        value = draw(_value(spec))
        if spec.group:
            result.setdefault(spec.group, {})[spec.name] = value
        else:
            result[spec.name] = value
    return result


def _removals(entry: dict[str, Any]) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    for key, value in entry.items():
        if key == "import_id":
            continue
        if isinstance(value, dict):
            keys += [(key, name) for name in value]
        else:
            keys.append((key,))
    return keys


@settings(max_examples=300, deadline=None)
@given(app=live_apps(), given_defaults=stack_defaults())
def test_the_entry_merged_over_the_defaults_is_the_live_application_and_nothing_in_it_can_go(
    app: dict[str, Any], given_defaults: dict[str, Any]
) -> None:
    stack_defaults_ = read_defaults("dev", given_defaults)
    logical_name = logical_name_for(app["application_name"], "dev", ())
    entry = minimal_entry("dev", logical_name, app, stack_defaults_)
    live = fields.live_state(app)
    assert fields.differing_paths(merged_state("dev", logical_name, entry, given_defaults), live) == []
    for removal in _removals(entry):
        shorter = merge({}, entry)
        if len(removal) == 1:
            del shorter[removal[0]]
        else:
            shorter[removal[0]] = {k: v for k, v in shorter[removal[0]].items() if k != removal[1]}
        try:
            state = merged_state("dev", logical_name, shorter, given_defaults)
        except ValueError:
            continue  # the loader refuses it (a required setting gone): the key was needed
        assert fields.differing_paths(state, live) != [], f"{'.'.join(removal)} was not needed in {entry}"


# --- logical names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("application_name", "taken", "expected"),
    [
        ("call-router-dev", (), "call-router"),
        ("Call Router (EU)", (), "call-router-eu"),
        ("dev", (), "dev"),
        ("ivr", ("ivr",), "ivr-2"),
        ("IVR", ("ivr", "ivr-2"), "ivr-3"),
        ("☎☎☎", (), "application"),
    ],
)
def test_a_logical_name_comes_from_the_application_name_without_the_stack_suffix_and_is_unique(
    application_name: str, taken: tuple[str, ...], expected: str
) -> None:
    assert logical_name_for(application_name, "dev", taken) == expected


@given(name=st.text(max_size=40), stack=st.text(min_size=1, max_size=10), taken=st.lists(st.text(max_size=10), max_size=5))
def test_every_logical_name_is_valid_for_the_stack_loader_and_new(name: str, stack: str, taken: list[str]) -> None:
    logical_name = logical_name_for(name, stack, taken)
    assert LOGICAL_NAME.match(logical_name) and "." not in logical_name
    assert logical_name.lower() not in {t.lower() for t in taken}


# --- credentials in URLs -----------------------------------------------------------------------------


# --- what the folder's stack files declare ----------------------------------------------------------


def test_other_stack_files_are_read_leniently_and_name_their_stack(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.prod.yaml").write_text(
        "config:\n"
        "  telnyx:apiKey: {secure: v1:abc}\n"
        "  telnyx-call-control:applications:\n"
        "    ivr: {application_name: acme-ivr, webhook_event_url: {secure: v1:def}}\n"
        "    router: {import_id: '42', webhook_event_url: https://x.example.com}\n"
        "    hidden: {secure: v1:ghi}\n"
        "    unquoted: {import_id: 43}\n"
    )
    (tmp_path / "Pulumi.broken.yaml").write_text("config: [unclosed\n")
    (tmp_path / "Pulumi.odd.yaml").write_text("config:\n  telnyx-call-control:applications: oops\n")
    (tmp_path / "notes.yaml").write_text("config: [unclosed\n")
    declared = read_declarations(tmp_path / "Pulumi.dev.yaml", "dev", {})
    assert [str(d) for d in declared.by_name["acme-ivr"]] == ["prod: ivr"]
    assert [str(d) for d in declared.by_name["router-prod"]] == ["prod: router"]
    assert [str(d) for d in declared.by_id["42"]] == ["prod: router"]
    assert [str(d) for d in declared.by_id["43"]] == ["prod: unquoted"]
    warnings = "\n".join(declared.warnings)
    assert "Pulumi.broken.yaml cannot be read" in warnings
    assert "Pulumi.odd.yaml" in warnings and "'hidden' is not a plain map" in warnings
    assert "notes.yaml" not in warnings


def test_the_target_file_counts_for_the_stack_adopted_into_whatever_its_name(tmp_path: Path) -> None:
    target = tmp_path / "Pulumi.custom.yaml"
    target.write_text("config:\n  telnyx-call-control:applications:\n    ivr: {webhook_event_url: https://x.example.com}\n")
    declared = read_declarations(target, "qa", StackFile(target, "qa").config)
    assert "custom" not in {d.stack for found in declared.by_name.values() for d in found}
    assert [str(d) for d in declared.by_name["ivr-qa"]] == ["qa: ivr"]


# --- the decision for each application ----------------------------------------------------------------


def folder_declaring(tmp_path: Path, entries: str) -> Any:
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  telnyx-call-control:applications:\n" + entries)
    return read_declarations(tmp_path / "Pulumi.dev.yaml", "dev", {})


def test_an_application_named_like_one_another_stack_imports_by_id_is_left_out(tmp_path: Path) -> None:
    declared = folder_declaring(tmp_path, "    ivr: {application_name: acme-ivr, import_id: '7'}\n")
    plan = plan_adoption([live_app(id="7", application_name="acme-ivr"), live_app(id="8", application_name="acme-ivr")],
                         "dev", defaults(), declared, [])
    assert [(d.app_id, str(d.declarations[0])) for d in plan.already_declared] == [("7", "prod: ivr")]
    [left_out] = plan.left_out
    assert left_out.app_ids == ("8",) and "2 live applications share this name" in left_out.reason
    assert plan.added == []

    plan = plan_adoption([live_app(id="8", application_name="acme-ivr")], "dev", defaults(), declared, [])
    [left_out] = plan.left_out
    assert "declared by prod: ivr (import_id 7)" in left_out.reason and plan.already_declared == []


def test_an_application_a_stack_declares_by_name_alone_is_already_declared(tmp_path: Path) -> None:
    declared = folder_declaring(tmp_path, "    ivr: {webhook_event_url: https://x.example.com}\n")
    plan = plan_adoption([live_app(id="8", application_name="ivr-prod")], "dev", defaults(), declared, [])
    assert [(d.app_id, str(d.declarations[0])) for d in plan.already_declared] == [("8", "prod: ivr")]


def test_new_logical_names_avoid_the_files_entries_and_each_other(tmp_path: Path) -> None:
    apps = [live_app(id="1", application_name="router"), live_app(id="2", application_name="Router!"), live_app(id="3", application_name="router-dev")]
    plan = plan_adoption(apps, "dev", defaults(), folder_declaring(tmp_path, ""), ["router"])
    assert [(a.app_id, a.logical_name) for a in plan.added] == [("1", "router-2"), ("2", "router-3"), ("3", "router-4")]
    assert all(a.entry["application_name"] for a in plan.added)


# --- the stack file as written -------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_stack_file_loaded_and_written_unchanged_is_byte_for_byte_the_same(stack: str, tmp_path: Path) -> None:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    shutil.copy(ROOT / "stacks" / path.name, path)
    assert StackFile(path, stack).text() == path.read_text()


def test_new_entries_use_block_style_tilde_nulls_inline_lists_and_quote_what_yaml_would_misread(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n    telnyx-call-control:applications: {}\n")  # four-space indentation
    stack_file = StackFile(path, "dev")
    stack_file.add({"router": {"import_id": APP_ID, "webhook_api_version": "2", "tags": ["a", "yes"], "dtmf_type": "SIP INFO",
                               "webhook_timeout_secs": None, "inbound": {"channel_limit": None}}})
    assert stack_file.text() == (
        "config:\n"
        "    telnyx-call-control:applications:\n"
        "        router:\n"
        f'            import_id: "{APP_ID}"\n'
        '            webhook_api_version: "2"\n'
        '            tags: [a, "yes"]\n'
        "            dtmf_type: SIP INFO\n"
        "            webhook_timeout_secs: ~\n"
        "            inbound:\n"
        "                channel_limit: ~\n"
    )
    reread = yaml.safe_load(stack_file.text())["config"]["telnyx-call-control:applications"]["router"]
    assert reread["import_id"] == APP_ID and reread["tags"] == ["a", "yes"] and reread["inbound"] == {"channel_limit": None}
