"""The policy pack: `pulumi preview --policy-pack policies` (and `pulumi up`) enforce policies/rules.py.

The Python language host runs this file through `python -m pulumi.policy` with this folder as the
working directory, so the project root goes on the import path first: the rules read the field model.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from policies.rules import MANDATORY, RULES, Rule
from provider.resource import TYPE_TOKEN

PACK_NAME = "telnyx-call-control-guardrails"


def stack_of(urn: str) -> str:
    """The stack named in a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`)."""
    return urn.split("::")[0].rsplit(":", 1)[-1]


def plain(value: Any) -> Any:
    """The policy SDK's properties as plain dicts and lists, each value it would refuse as unknown left as the
    engine's placeholder, so a rule can pass over it instead of the whole policy being skipped."""
    if isinstance(value, Mapping):
        return {key: _read(value, key) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_read(value, index) for index in range(len(value))]
    return value


def _read(container: Any, key: Any) -> Any:
    try:
        return plain(container[key])
    except UnknownValueError as unknown:
        return unknown.unknown_type_sentinel


def resource_validation(rule: Rule) -> ResourceValidationPolicy:
    """One rule as a policy on call control applications."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != TYPE_TOKEN:
            return
        for violation in rule.violations(plain(args.props), stack_of(args.urn), args.name):
            report_violation(violation.message, None)

    level = EnforcementLevel.MANDATORY if rule.enforcement == MANDATORY else EnforcementLevel.ADVISORY
    return ResourceValidationPolicy(name=rule.name, description=rule.description, validate=validate, enforcement_level=level)


POLICIES = [resource_validation(rule) for rule in RULES]

if __name__ == "__main__":
    PolicyPack(name=PACK_NAME, policies=list(POLICIES))
