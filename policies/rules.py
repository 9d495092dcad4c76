"""The guardrails for call control applications, as plain functions of one application's checked inputs.

The policy pack (`policies/__main__.py`) enforces them in `pulumi preview` and `pulumi up`; anything
else holding an application's properties (such as the pull-request review) can ask `evaluate` the
same question. Properties arrive as the engine passes them: every field present, numbers as floats.

Values that are not known are never a violation: a preview's placeholder for a value that depends on
another resource (the check runs again at `up`, when it is known), and a secret masked as "[secret]" in
`pulumi preview --json` (the pack itself sees secrets in plain: the policy SDK unwraps them). Messages
name the application and the setting, and never show a webhook URL, which may carry a credential.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from field_model import fields
from provider import wire

MANDATORY = "mandatory"
ADVISORY = "advisory"

# The engine's placeholders for values a preview does not know yet (UnknownBoolValue … UnknownObjectValue
# in pulumi/pulumi's sdk/go/common/resource/plugin/rpc.go); preview JSON writes unknowns as the string one.
UNKNOWN_VALUES = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)
# `pulumi preview --json` writes every secret as this text, even with --show-secrets.
MASKED_SECRET = "[secret]"  # noqa: S105 - a placeholder, not a password
NOT_KNOWN = object()  # what `setting` returns for a value not known here
_PRODUCTION = re.compile(r"prod\d*|production")


@dataclass(frozen=True)
class Violation:
    """One broken guardrail: the policy's name, `mandatory` or `advisory`, and what to fix."""

    policy: str
    enforcement: str  # "mandatory" | "advisory"
    message: str


Check = Callable[[Mapping[str, Any], str, str], list[str]]


@dataclass(frozen=True)
class Rule:
    """One policy: its name, enforcement and description, and the check that returns a message per violation."""

    name: str
    enforcement: str
    description: str
    check: Check

    def violations(self, properties: Mapping[str, Any], stack: str, application: str) -> list[Violation]:
        """This rule's violations by one application of a stack."""
        return [Violation(self.name, self.enforcement, message) for message in self.check(properties, stack, application)]


def evaluate(properties: Mapping[str, Any], stack: str, application: str) -> list[Violation]:
    """Every violation by one application (`properties`: its checked inputs; `application`: its logical name)."""
    return [violation for rule in RULES for violation in rule.violations(properties, stack, application)]


def is_production(stack: str) -> bool:
    """Whether a stack is named like production: `prod`, `production`, `prod2`, `eu-prod`, `acme/telnyx/prod`."""
    return any(_PRODUCTION.fullmatch(word) for word in re.split(r"[^a-z0-9]+", stack.lower()))


def setting(properties: Mapping[str, Any], path: str) -> Any:
    """The value at a setting's dotted path, secrets revealed, a null as the API default; NOT_KNOWN if not known."""
    value: Any = wire.plain(properties)
    for part in path.split("."):
        if _is_not_known(value):
            return NOT_KNOWN
        value = value.get(part) if isinstance(value, Mapping) else None
    if _is_not_known(value):
        return NOT_KNOWN
    return fields.default_of(fields.FIELDS_BY_PATH[path]) if value is None else value


def _is_not_known(value: Any) -> bool:
    return isinstance(value, str) and (value in UNKNOWN_VALUES or value == MASKED_SECRET)


def _webhook_urls_use_https(properties: Mapping[str, Any], _stack: str, application: str) -> list[str]:
    messages = []
    for path in fields.URL_PATHS:
        url = setting(properties, path)
        if url is NOT_KNOWN or url == "":
            continue
        scheme = _scheme(url)
        if scheme != "https":
            uses = f"it uses {scheme}://" if scheme else "it is not a URL"
            messages.append(f"application {application!r}: {path} must be an https URL ({uses})")
    return messages


def _failover_on_another_host(properties: Mapping[str, Any], stack: str, application: str) -> list[str]:
    if not is_production(stack):
        return []
    failover = setting(properties, "webhook_event_failover_url")
    if failover is NOT_KNOWN:
        return []
    if failover == "":
        return [
            f"application {application!r}: webhook_event_failover_url is not set; in stack {stack!r} every application "
            "needs a failover URL on another host than webhook_event_url"
        ]
    primary = setting(properties, "webhook_event_url")
    same_host = primary is not NOT_KNOWN and _host(failover) is not None and _host(failover) == _host(primary)
    if same_host:
        return [
            f"application {application!r}: webhook_event_failover_url is on the same host as webhook_event_url; "
            "put it on another host, so one outage cannot stop both"
        ]
    return []


def _channel_limits(properties: Mapping[str, Any], stack: str, application: str) -> list[str]:
    if not is_production(stack):
        return []
    messages = []
    if setting(properties, "inbound.channel_limit") is None:
        messages.append(
            f"application {application!r}: inbound.channel_limit is not set, so inbound calls are unlimited; "
            "set a limit sized for peak traffic"
        )
    # Outbound calls need an outbound voice profile: without one there is nothing to limit.
    places_calls = setting(properties, "outbound.outbound_voice_profile_id") not in (None, NOT_KNOWN)
    if places_calls and setting(properties, "outbound.channel_limit") is None:
        messages.append(
            f"application {application!r}: outbound.channel_limit is not set, so outbound calls are unlimited; "
            "set a limit sized for peak traffic"
        )
    return messages


def _webhook_api_version_2(properties: Mapping[str, Any], _stack: str, application: str) -> list[str]:
    version = setting(properties, "webhook_api_version")
    if version is NOT_KNOWN:
        return []
    try:
        version = fields.normalise(fields.FIELDS_BY_PATH["webhook_api_version"], version)
    except fields.FieldError:
        pass  # the provider's check reports a malformed value; here it is simply not "2"
    if version == "2":
        return []
    return [f"application {application!r}: webhook_api_version is {version!r}; set it to '2', Telnyx's current webhook format"]


def _scheme(url: Any) -> str:
    try:
        return urlsplit(url).scheme.lower() if isinstance(url, str) else ""
    except ValueError:
        return ""


def _host(url: Any) -> str | None:
    try:
        return urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:
        return None


RULES: tuple[Rule, ...] = (
    Rule(
        "webhook-urls-use-https",
        MANDATORY,
        "Webhook URLs use https: call events carry caller numbers and DTMF digits.",
        _webhook_urls_use_https,
    ),
    Rule(
        "prod-failover-on-another-host",
        MANDATORY,
        "In a production stack, every application has a webhook failover URL on another host than its primary URL.",
        _failover_on_another_host,
    ),
    Rule(
        "prod-channel-limits",
        ADVISORY,
        "In a production stack, every application limits its concurrent calls.",
        _channel_limits,
    ),
    Rule(
        "webhook-api-version-2",
        ADVISORY,
        "Applications use Telnyx's webhook API version 2.",
        _webhook_api_version_2,
    ),
)
