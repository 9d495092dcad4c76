"""The policy pack as the engine runs it: `python -m pulumi.policy` in policies/, spoken to over gRPC.

`pulumi preview --policy-pack policies` itself needs the Pulumi CLI (see test_e2e_automation.py);
this drives the same process the Python language host starts, with the engine's own messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime import proto

from policies.rules import ADVISORY, MANDATORY, RULES

from ..support.policy_host import PACK, PolicyPackHost, checked_inputs
from ..support.stack_files import ROOT

LEVELS = {MANDATORY: proto.MANDATORY, ADVISORY: proto.ADVISORY}
COMPLIANT: dict[str, Any] = {
    "application_name": "acme-ivr",
    "webhook_event_url": "https://hooks.example.com/telnyx/ivr",
    "webhook_event_failover_url": "https://failover.example.net/telnyx/ivr",
    "webhook_api_version": "2",
    "inbound": {"channel_limit": 100},
}
INSECURE = {**COMPLIANT, "webhook_event_url": "http://user:hunter2@hooks.example.org/telnyx"}


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackHost]:
    host = PolicyPackHost("prod")
    yield host
    assert "Traceback" not in host.close()


def test_the_pack_offers_each_rule_as_a_policy_with_its_enforcement(pack: PolicyPackHost) -> None:
    info = pack.info()
    assert info.name == "telnyx-call-control-guardrails"
    assert [(p.name, p.enforcementLevel) for p in info.policies] == [(r.name, LEVELS[r.enforcement]) for r in RULES]


def test_a_compliant_application_has_no_diagnostics(pack: PolicyPackHost) -> None:
    assert pack.analyze(checked_inputs(COMPLIANT), "prod", "ivr") == []


def test_a_violation_is_reported_with_its_enforcement_naming_the_application_and_the_setting(pack: PolicyPackHost) -> None:
    [diagnostic] = pack.analyze(checked_inputs(INSECURE), "prod", "ivr")
    assert (diagnostic.policyName, diagnostic.enforcementLevel) == ("webhook-urls-use-https", proto.MANDATORY)
    assert "application 'ivr': webhook_event_url must be an https URL" in diagnostic.message
    assert "hunter2" not in diagnostic.message and "hooks.example.org" not in diagnostic.message


def test_a_secret_url_is_judged_by_the_pack(pack: PolicyPackHost) -> None:
    [diagnostic] = pack.analyze(checked_inputs(INSECURE, secret=["webhook_event_url"]), "prod", "ivr")
    assert diagnostic.policyName == "webhook-urls-use-https" and "hunter2" not in diagnostic.message


def test_a_url_not_known_in_a_preview_is_neither_a_violation_nor_a_skipped_policy(pack: PolicyPackHost) -> None:
    props = checked_inputs(INSECURE, unknown=["webhook_event_url", "webhook_event_failover_url"])
    assert pack.analyze(props, "prod", "ivr") == []


def test_the_stack_comes_from_the_urn(pack: PolicyPackHost) -> None:
    no_failover = {**COMPLIANT, "webhook_event_failover_url": None, "inbound": None}
    assert pack.analyze(checked_inputs(no_failover), "dev", "ivr") == []
    found = pack.analyze(checked_inputs(no_failover), "prod", "ivr")
    assert sorted((d.policyName, d.enforcementLevel) for d in found) == [
        ("prod-channel-limits", proto.ADVISORY),
        ("prod-failover-on-another-host", proto.MANDATORY),
    ]


def test_other_resource_types_are_left_alone(pack: PolicyPackHost) -> None:
    assert pack.analyze(checked_inputs(INSECURE), "prod", "bucket", type_token="aws:s3/bucket:Bucket") == []


def test_the_pack_is_laid_out_as_pulumi_loads_it() -> None:
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert (PACK / "__main__.py").exists()
    requirements = (PACK / "requirements.txt").read_text().splitlines()
    assert "pulumi-policy==1.21.0" in requirements and "-r ../requirements.txt" in requirements
    assert "pulumi-policy" not in (ROOT / "requirements.txt").read_text()
    assert "policies/venv/" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_policy_sdk_is_pinned_alike_for_the_pack_and_the_tests() -> None:
    from importlib.metadata import version

    pinned = next(line for line in (PACK / "requirements.txt").read_text().splitlines() if line.startswith("pulumi-policy=="))
    assert pinned == f"pulumi-policy=={version('pulumi-policy')}"
    assert Path(PACK / "requirements.txt").read_text().count("==") == 1  # the runtime comes from ../requirements.txt
