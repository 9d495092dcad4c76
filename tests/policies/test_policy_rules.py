"""The guardrails (policies/rules.py) as plain functions, fed the checked inputs the engine passes a policy pack."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from typing import Any

import pytest

from policies.rules import ADVISORY, MANDATORY, RULES, UNKNOWN_VALUES, Violation, evaluate, is_production
from stack_files.loader import load_applications

from ..support.policy_host import ROOT, as_the_pack_reads, checked_inputs, on_the_wire
from ..support.stack_files import STACKS, declared

PRIMARY = "https://hooks.example.com/telnyx/ivr"
FAILOVER = "https://failover.example.net/telnyx/ivr"
COMPLIANT: dict[str, Any] = {
    "application_name": "acme-ivr",
    "webhook_event_url": PRIMARY,
    "webhook_event_failover_url": FAILOVER,
    "webhook_api_version": "2",
    "inbound": {"channel_limit": 100},
}
# Both forms a rule may be handed: the raw wire form, and what the policy SDK (and the pack) decode it to.
SHAPES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"wire": on_the_wire, "pack": as_the_pack_reads}


def violations(arguments: dict[str, Any], stack: str = "prod", shape: str = "pack", **marks: Any) -> list[Violation]:
    return evaluate(SHAPES[shape](checked_inputs(arguments, **marks)), stack, "ivr")


def with_(**changes: Any) -> dict[str, Any]:
    return {**COMPLIANT, **changes}


def policies(found: list[Violation]) -> list[tuple[str, str]]:
    return [(v.policy, v.enforcement) for v in found]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_compliant_prod_application_passes_every_policy(shape: str) -> None:
    assert violations(COMPLIANT, shape=shape) == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_application_the_stack_files_declare_passes_every_policy(stack: str) -> None:
    applications, defaults = declared(stack)
    for spec in load_applications(stack, applications, defaults):
        assert evaluate(as_the_pack_reads(checked_inputs(spec.arguments)), stack, spec.logical_name) == [], spec.logical_name


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("path", ["webhook_event_url", "webhook_event_failover_url"])
def test_a_plain_http_webhook_url_is_a_mandatory_violation_naming_application_and_setting(shape: str, path: str) -> None:
    found = violations(with_(**{path: "http://user:hunter2@hooks.example.org/x"}), stack="dev", shape=shape)
    assert policies(found) == [("webhook-urls-use-https", MANDATORY)]
    assert found[0].message == f"application 'ivr': {path} must be an https URL (it uses http://)"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_secret_http_url_is_still_judged_and_never_shown(shape: str) -> None:
    found = violations(with_(webhook_event_url="http://hooks.example.org/x?token=s3cr3t"), shape=shape, secret=["webhook_event_url"])
    assert [v.message for v in found] == ["application 'ivr': webhook_event_url must be an https URL (it uses http://)"]


@pytest.mark.parametrize("shape", SHAPES)
def test_secret_https_urls_pass(shape: str) -> None:
    assert violations(COMPLIANT, shape=shape, secret=["webhook_event_url", "webhook_event_failover_url"]) == []


@pytest.mark.parametrize("shape", SHAPES)
def test_a_url_not_known_in_a_preview_is_no_violation(shape: str) -> None:
    arguments = with_(webhook_event_url="http://later.example.org", webhook_event_failover_url="http://later.example.org")
    assert violations(arguments, shape=shape, unknown=["webhook_event_url", "webhook_event_failover_url"]) == []


def test_a_secret_masked_in_preview_json_is_no_violation() -> None:
    properties = on_the_wire(checked_inputs(COMPLIANT))
    properties.update(webhook_event_url="[secret]", webhook_event_failover_url="[secret]")
    assert evaluate(properties, "prod", "ivr") == []


def test_a_prod_application_without_a_failover_url_is_a_mandatory_violation() -> None:
    found = violations({**COMPLIANT, "webhook_event_failover_url": None})
    assert policies(found) == [("prod-failover-on-another-host", MANDATORY)]
    assert found[0].message.startswith("application 'ivr': webhook_event_failover_url is not set; in stack 'prod'")


@pytest.mark.parametrize("failover", ["https://hooks.example.com/telnyx/fallback", "https://HOOKS.example.com:8443/other"])
def test_a_prod_failover_on_the_primarys_host_is_a_mandatory_violation(failover: str) -> None:
    found = violations(with_(webhook_event_failover_url=failover))
    assert policies(found) == [("prod-failover-on-another-host", MANDATORY)]
    assert "application 'ivr': webhook_event_failover_url is on the same host as webhook_event_url" in found[0].message
    assert "hooks.example.com" not in found[0].message.lower()


@pytest.mark.parametrize("stack", ["dev", "staging", "preprod", "product-demo"])
def test_only_production_stacks_need_a_failover_and_channel_limits(stack: str) -> None:
    assert violations({**COMPLIANT, "webhook_event_failover_url": None, "inbound": None}, stack=stack) == []


@pytest.mark.parametrize("unknown", ["webhook_event_failover_url", "webhook_event_url"])
def test_a_failover_check_with_a_url_not_known_yet_is_no_violation(unknown: str) -> None:
    same_host = with_(webhook_event_failover_url="https://hooks.example.com/fallback")
    assert violations(same_host, unknown=[unknown]) == []


@pytest.mark.parametrize("shape", SHAPES)
def test_a_prod_application_without_an_inbound_channel_limit_is_an_advisory_violation(shape: str) -> None:
    found = violations({**COMPLIANT, "inbound": {"channel_limit": None, "shaken_stir_enabled": True}}, shape=shape)
    assert policies(found) == [("prod-channel-limits", ADVISORY)]
    assert found[0].message.startswith("application 'ivr': inbound.channel_limit is not set")


def test_an_unknown_inbound_channel_limit_is_no_violation() -> None:
    assert violations(COMPLIANT, unknown=["inbound.channel_limit"]) == []


def test_outbound_calls_need_a_limit_only_where_an_outbound_voice_profile_allows_them() -> None:
    found = violations(with_(outbound={"outbound_voice_profile_id": "1293384261075731499"}))
    assert policies(found) == [("prod-channel-limits", ADVISORY)]
    assert found[0].message.startswith("application 'ivr': outbound.channel_limit is not set")
    assert violations(with_(outbound={"outbound_voice_profile_id": "1293384261075731499", "channel_limit": 20})) == []
    assert violations(with_(outbound={"channel_limit": None})) == []


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("version", ["1", None])
def test_webhook_api_version_1_or_the_api_default_is_an_advisory_violation(shape: str, version: Any) -> None:
    found = violations(with_(webhook_api_version=version), stack="dev", shape=shape)
    assert policies(found) == [("webhook-api-version-2", ADVISORY)]
    assert found[0].message == "application 'ivr': webhook_api_version is '1'; set it to '2', Telnyx's current webhook format"


@pytest.mark.parametrize("version", ["2", 2, 2.0])
def test_webhook_api_version_2_passes_however_it_is_spelled(version: Any) -> None:
    properties = on_the_wire(checked_inputs(COMPLIANT))
    assert evaluate({**properties, "webhook_api_version": version}, "prod", "ivr") == []


def test_every_violation_at_once_across_policies() -> None:
    arguments = {"application_name": "x", "webhook_event_url": "http://hooks.example.com/a", "webhook_event_failover_url": "http://hooks.example.com/b"}
    assert sorted(policies(violations(arguments))) == [
        ("prod-channel-limits", ADVISORY),
        ("prod-failover-on-another-host", MANDATORY),
        ("webhook-api-version-2", ADVISORY),
        ("webhook-urls-use-https", MANDATORY),
        ("webhook-urls-use-https", MANDATORY),
    ]


@pytest.mark.parametrize("stack", ["prod", "production", "PROD", "prod2", "eu-prod", "prod-eu", "acme/telnyx-call-control/prod"])
def test_stacks_named_like_prod_are_production(stack: str) -> None:
    assert is_production(stack)


@pytest.mark.parametrize("stack", ["dev", "staging", "preprod", "nonprod", "product", "prodigy", "reproduction"])
def test_other_stacks_are_not_production(stack: str) -> None:
    assert not is_production(stack)


def test_the_placeholders_are_the_ones_the_sdk_and_the_policy_sdk_use() -> None:
    from pulumi.runtime import rpc
    from pulumi_policy import proxy

    assert rpc.UNKNOWN in UNKNOWN_VALUES
    sentinels = {value for name, value in vars(proxy).items() if name.startswith("UNKNOWN_") and name.endswith("_VALUE")}
    assert sentinels == UNKNOWN_VALUES


def test_the_rules_import_only_the_standard_library_the_field_model_and_the_wire_format() -> None:
    tree = ast.parse((ROOT / "policies" / "rules.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {
        node.module if node.module not in ("provider", "field_model") else f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names and name != "__future__"}
    assert outside == {"field_model.fields", "provider.wire"}


def test_every_rule_is_mandatory_or_advisory_with_a_unique_name() -> None:
    assert {rule.enforcement for rule in RULES} == {MANDATORY, ADVISORY}
    assert len({rule.name for rule in RULES}) == len(RULES) == 4
