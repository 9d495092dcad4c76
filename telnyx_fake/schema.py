"""What the Telnyx API accepts in a call control application body, and the defaults it fills in.

These are the API's rules, written for the fake on their own: the fake
imports nothing from the provider, so a mistake in one is caught by the other.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from typing import Any

from .errors import ApiError, error_object, invalid

SITES = [
    "Latency", "Chicago, IL", "Ashburn, VA", "San Jose, CA", "London, UK", "Chennai, IN",
    "Amsterdam, Netherlands", "Toronto, Canada", "Sydney, Australia",
]

# name: (type, default, rule). Types: str, url, bool, int, enum, id, tags, object.
TOP_LEVEL: dict[str, tuple[str, Any, Any]] = {
    "application_name": ("str", None, None),
    "webhook_event_url": ("url", None, None),
    "active": ("bool", True, None),
    "anchorsite_override": ("enum", "Latency", SITES + [f'"{s}"' for s in SITES]),
    "call_cost_in_webhooks": ("bool", False, None),
    "dtmf_type": ("enum", "RFC 2833", ["RFC 2833", "Inband", "SIP INFO"]),
    "first_command_timeout": ("bool", False, None),
    "first_command_timeout_secs": ("int", 30, (None, None)),  # the reference gives no range
    "redact_dtmf_debug_logging": ("bool", False, None),
    "tags": ("tags", [], None),
    "webhook_api_version": ("enum", "1", ["1", "2"]),
    "webhook_event_failover_url": ("url?", "", None),
    "webhook_timeout_secs": ("int?", None, (0, 30)),
}
INBOUND: dict[str, tuple[str, Any, Any]] = {
    "channel_limit": ("int?", None, (None, None)),
    "shaken_stir_enabled": ("bool", False, None),
    "sip_subdomain": ("label?", None, None),
    "sip_subdomain_receive_settings": ("enum", "from_anyone", ["only_my_connections", "from_anyone"]),
}
OUTBOUND: dict[str, tuple[str, Any, Any]] = {
    "channel_limit": ("int?", None, (None, None)),
    "outbound_voice_profile_id": ("id?", None, None),
}
NESTED = {"inbound": INBOUND, "outbound": OUTBOUND}
REQUIRED = ("application_name", "webhook_event_url")
# Telnyx's OpenAPI specification has these in the update body only: a POST carrying one is refused.
UPDATE_ONLY = ("tags",)


def defaults() -> dict[str, Any]:
    """A fresh application body holding every server-side default."""
    body = {name: _copy(rule[1]) for name, rule in TOP_LEVEL.items() if rule[1] is not None or rule[0].endswith("?")}
    for group, rules in NESTED.items():
        body[group] = {name: _copy(rule[1]) for name, rule in rules.items()}
    return body


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def check_create_body(body: Any) -> dict[str, Any]:
    """`check_body` for a POST, which also refuses the fields only an update takes (`UPDATE_ONLY`)."""
    return check_body(body, refused=UPDATE_ONLY)


def check_body(body: Any, refused: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the body with the API's canonical spellings, or raise a 422 naming every problem.

    A top-level field in `refused` counts as unknown.
    """
    if not isinstance(body, dict):
        raise invalid([error_object("10015", "Bad Request", "The request body must be a JSON object.", "/")])
    problems: list[dict[str, Any]] = []
    for name in REQUIRED:
        if body.get(name) in (None, ""):
            problems.append(error_object("10002", "Missing required parameter", f"The '{name}' parameter is required.", f"/{name}"))
    clean: dict[str, Any] = {}
    for name, value in body.items():
        if name in NESTED:
            clean[name] = _check_nested(name, value, problems)
        elif name in TOP_LEVEL and name not in refused:
            clean[name] = _check_value(f"/{name}", TOP_LEVEL[name], value, problems)
        else:
            problems.append(error_object("10015", "Invalid parameter", f"'{name}' is not a valid parameter.", f"/{name}"))
    if problems:
        raise invalid(problems)
    return clean


def _check_nested(group: str, value: Any, problems: list[dict[str, Any]]) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(error_object("10015", "Invalid value", f"'{group}' must be an object.", f"/{group}"))
        return value
    clean = {}
    for name, item in value.items():
        pointer = f"/{group}/{name}"
        if name not in NESTED[group]:
            problems.append(error_object("10015", "Invalid parameter", f"'{group}.{name}' is not a valid parameter.", pointer))
            continue
        clean[name] = _check_value(pointer, NESTED[group][name], item, problems)
    return clean


def _check_value(pointer: str, rule: tuple[str, Any, Any], value: Any, problems: list[dict[str, Any]]) -> Any:
    kind, _, allowed = rule
    try:
        return _canonical(kind, allowed, value)
    except ValueError as error:
        problems.append(error_object("10015", "Invalid value", f"{pointer.lstrip('/').replace('/', '.')} {error}", pointer))
        return value


def _canonical(kind: str, allowed: Any, value: Any) -> Any:
    nullable = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None:
        if nullable:
            return None
        raise ValueError("must not be null.")
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError("must be a boolean.")
    if kind == "int":
        return _integer(value, allowed)
    if kind == "tags":
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ValueError("must be an array of strings.")
        if any(_has_control_characters(t) for t in value):
            raise ValueError("must not contain control characters.")
        return value
    if kind in ("str", "url", "enum", "id", "label") and not isinstance(value, str):
        raise ValueError("must be a string.")
    if kind == "enum":
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}.")
        return value.strip('"')
    if kind == "url" and value != "" and not is_webhook_url(value):
        raise ValueError("must be a valid URL and include a scheme, such as 'https'.")
    if kind == "url" and value == "" and not nullable:
        raise ValueError("must not be blank.")
    if kind == "id" and not is_int64_id(value):
        raise ValueError("must be a numeric id.")
    if kind == "label" and not _LABEL.fullmatch(value):
        raise ValueError("must be a valid subdomain: letters, digits and hyphens.")
    if kind == "str" and _has_control_characters(value):
        raise ValueError("must not contain control characters.")
    return value


_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_URL = re.compile(
    r"(?i:https?)://"
    r"(?:(?P<user>[\w\-.~!$&'()*+,;=:%]*)@)?"
    r"(?:\[(?P<ipv6>[^\]/]*)\]|(?P<host>[^:/?#\[\]@]+))"
    r"(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<rest>[/?#].*)?",
    re.ASCII | re.DOTALL,
)


def is_int64_id(value: str) -> bool:
    """Whether a string is an id as Telnyx writes them: ASCII digits only."""
    return re.fullmatch(r"[0-9]+", value, re.ASCII) is not None


def is_webhook_url(value: str) -> bool:
    """Whether the API takes `value` as a webhook URL: http(s), a DNS name, IPv4 or [IPv6] host, port 1-65535."""
    if any(char.isspace() or unicodedata.category(char).startswith(("C", "Z")) for char in value):
        return False
    match = _URL.fullmatch(value)
    if match is None:
        return False
    port = match["port"]
    if port is not None and not 1 <= int(port) <= 65535:
        return False
    if match["ipv6"] is not None:
        try:
            return "%" not in match["ipv6"] and ipaddress.IPv6Address(match["ipv6"]) is not None
        except ValueError:
            return False
    return _is_host(match["host"])


def _is_host(host: str) -> bool:
    name = host[:-1] if host.endswith(".") else host
    if re.fullmatch(r"[0-9.]+", name):
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return False
        return True
    labels = name.split(".")
    return len(name) <= 253 and all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text)


def _integer(value: Any, bounds: tuple[int | None, int | None]) -> int:
    # The API's JSON decoder keeps 25 and 25.0 apart: only a JSON integer is an integer.
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value):
            raise ValueError("must be an integer, not a decimal number.")
        raise ValueError("must be an integer.")
    low, high = bounds
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"must be {span}.")
    return value


def merge(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a checked PATCH body to a stored application (nested objects merge field by field)."""
    merged = dict(current)
    for name, value in changes.items():
        if name in NESTED:
            merged[name] = {**current.get(name, {}), **value}
        else:
            merged[name] = value
    return merged


__all__ = ["ApiError", "check_body", "check_create_body", "defaults", "merge"]
