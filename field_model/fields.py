"""The field model of a Telnyx call control application: the one source of truth.

Every settable field is one `Field` entry: its type, the API default, what is
allowed and how it is normalised. Validation (check), the diff, the PATCH body
and the docs all read these entries. The module does no I/O and knows nothing
of Pulumi or HTTP.
"""

from __future__ import annotations

import difflib
import enum
import ipaddress
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.Enum):
    """The JSON shape a field takes on the wire."""

    STRING = "string"
    URL = "url"
    SUBDOMAIN = "subdomain"
    BOOL = "boolean"
    INT = "integer"
    ENUM = "enum"
    ID = "int64 id string"
    STRING_LIST = "list of strings"


@dataclass(frozen=True)
class Field:
    """One settable field of a call control application."""

    name: str
    kind: Kind
    default: Any
    description: str
    group: str | None = None  # "inbound" / "outbound" for nested fields
    required: bool = False  # in every create and every PATCH (the API refuses either without it)
    nullable: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    aliases: Mapping[Any, str] = field(default_factory=dict)
    # False for a field Telnyx's OpenAPI specification leaves out of the create body: it is set by a
    # PATCH right after the create (see `provider/creates.py`).
    in_create_body: bool = True

    @property
    def path(self) -> str:
        """Dotted path, as users and check failures name the field."""
        return f"{self.group}.{self.name}" if self.group else self.name

    def allowed(self) -> str:
        """What values are allowed, in words."""
        if self.kind is Kind.ENUM:
            allowed = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind is Kind.INT:
            allowed = _range_words(self.minimum, self.maximum)
        elif self.kind is Kind.URL:
            allowed = URL_FORM
        elif self.kind is Kind.ID:
            allowed = "a numeric id written as a string of ASCII digits, such as '1293384261075731499'"
        elif self.kind is Kind.SUBDOMAIN:
            allowed = SUBDOMAIN_FORM
        elif self.kind is Kind.STRING_LIST:
            allowed = "a list of strings without control characters"
        elif self.kind is Kind.BOOL:
            allowed = "true or false"
        else:
            allowed = "a string without control characters"
        if self.nullable:
            allowed += " (or null)"
        return allowed


URL_FORM = (
    "an http or https URL whose host is a DNS name, an IPv4 address or an IPv6 address in brackets, "
    "with an optional port from 1 to 65535 and no whitespace or control characters, "
    "such as 'https://example.com/webhooks'"
)
SUBDOMAIN_FORM = (
    "a DNS label: 1 to 63 ASCII letters, digits and hyphens, not starting or ending with a hyphen, such as 'acme-ivr'"
)


def _range_words(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"a whole number from {minimum} to {maximum}"
    if minimum is not None:
        return f"a whole number of at least {minimum}"
    return "a whole number"


ANCHORSITES = (
    "Latency",
    "Chicago, IL",
    "Ashburn, VA",
    "San Jose, CA",
    "London, UK",
    "Chennai, IN",
    "Amsterdam, Netherlands",
    "Toronto, Canada",
    "Sydney, Australia",
)

FIELDS: tuple[Field, ...] = (
    Field("application_name", Kind.STRING, None, "A user-assigned name to help manage the application.", required=True),
    Field("webhook_event_url", Kind.URL, None, "The URL where webhooks for this application are sent.", required=True),
    Field("active", Kind.BOOL, True, "Whether the application can be used."),
    Field(
        "anchorsite_override",
        Kind.ENUM,
        "Latency",
        "The site that handles media; Latency picks the one with the lowest round-trip time.",
        choices=ANCHORSITES,
        # The API reference writes the options with literal quotes; both spellings mean the same site.
        aliases={f'"{site}"': site for site in ANCHORSITES},
    ),
    Field("call_cost_in_webhooks", Kind.BOOL, False, "Whether call cost webhooks are sent for this application."),
    Field(
        "dtmf_type",
        Kind.ENUM,
        "RFC 2833",
        "The type of DTMF digits sent from Telnyx to this application.",
        choices=("RFC 2833", "Inband", "SIP INFO"),
    ),
    Field("first_command_timeout", Kind.BOOL, False, "Whether calls hang up when the first command times out."),
    # The API reference gives no range for this and the channel limits; only negatives are refused here.
    Field("first_command_timeout_secs", Kind.INT, 30, "Seconds to wait before timing out a dial command.", minimum=0),
    Field("redact_dtmf_debug_logging", Kind.BOOL, False, "Whether DTMF digits are redacted in debug logs."),
    Field(
        "tags",
        Kind.STRING_LIST,
        (),
        "Tags on the application (order and repeats do not matter).",
        in_create_body=False,
    ),
    Field(
        "webhook_api_version",
        Kind.ENUM,
        "1",
        "The webhook format: Telnyx API v1 or v2.",
        choices=("1", "2"),
        aliases={1: "1", 2: "2"},
    ),
    Field(
        "webhook_event_failover_url",
        Kind.URL,
        "",
        "The URL webhooks go to when the primary URL fails; empty for none.",
        nullable=True,
    ),
    Field(
        "webhook_timeout_secs",
        Kind.INT,
        None,
        "Seconds to wait before timing out a webhook; null for the Telnyx default.",
        nullable=True,
        minimum=0,
        maximum=30,
    ),
    Field(
        "channel_limit",
        Kind.INT,
        None,
        "The most concurrent inbound calls; null for no limit.",
        group="inbound",
        nullable=True,
        minimum=0,
    ),
    Field("shaken_stir_enabled", Kind.BOOL, False, "Whether SHAKEN/STIR headers are received.", group="inbound"),
    Field(
        "sip_subdomain",
        Kind.SUBDOMAIN,
        None,
        "A subdomain of sip.telnyx.com that receives calls for this application.",
        group="inbound",
        nullable=True,
    ),
    Field(
        "sip_subdomain_receive_settings",
        Kind.ENUM,
        "from_anyone",
        "Who may call the SIP subdomain.",
        group="inbound",
        choices=("only_my_connections", "from_anyone"),
    ),
    Field(
        "channel_limit",
        Kind.INT,
        None,
        "The most concurrent outbound calls; null for no limit.",
        group="outbound",
        nullable=True,
        minimum=0,
    ),
    Field(
        "outbound_voice_profile_id",
        Kind.ID,
        None,
        "The outbound voice profile used for outbound calls.",
        group="outbound",
        nullable=True,
    ),
)

GROUPS: tuple[str, ...] = ("inbound", "outbound")
OUTPUT_ONLY_FIELDS: tuple[str, ...] = ("record_type", "created_at", "updated_at")
READ_ONLY_FIELDS: tuple[str, ...] = ("id", *OUTPUT_ONLY_FIELDS)
FIELDS_BY_PATH: dict[str, Field] = {f.path: f for f in FIELDS}
REQUIRED_PATHS: tuple[str, ...] = tuple(f.path for f in FIELDS if f.required)


def may_carry_credential(spec: Field) -> bool:
    """Whether a setting's value may hold a credential: a webhook URL's user part, a token in its query, a secret path.

    Such a value is registered as a secret when the stack stores it as one, and no message quotes it.
    """
    return spec.kind is Kind.URL


CREDENTIAL_PATHS: tuple[str, ...] = tuple(f.path for f in FIELDS if may_carry_credential(f))
URL_PATHS: tuple[str, ...] = tuple(f.path for f in FIELDS if f.kind is Kind.URL)


def top_level_fields() -> tuple[Field, ...]:
    """The fields that are not nested in a group."""
    return tuple(f for f in FIELDS if f.group is None)


def group_fields(group: str) -> tuple[Field, ...]:
    """The fields nested under `group` ("inbound" or "outbound")."""
    return tuple(f for f in FIELDS if f.group == group)


class FieldError(ValueError):
    """A value a field does not allow. `path` names the field, `reason` says what to do."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def normalise(spec: Field, value: Any) -> Any:
    """Return `value` in its one canonical form for `spec`, or raise FieldError."""
    if value is None:
        if spec.nullable:
            return "" if spec.kind is Kind.URL else None
        raise FieldError(spec.path, f"must not be null; expected {spec.allowed()}")
    if spec.kind is Kind.INT:
        return _normalise_int(spec, value)
    if spec.kind is Kind.BOOL:
        if not isinstance(value, bool):
            raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
        return value
    if spec.kind is Kind.ENUM:
        return _normalise_enum(spec, value)
    if spec.kind is Kind.STRING_LIST:
        return _normalise_string_list(spec, value)
    if spec.kind is Kind.URL:
        return _normalise_url(spec, value)
    if not isinstance(value, str):
        raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
    if spec.kind is Kind.ID and not is_id(value):
        raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
    if spec.kind is Kind.SUBDOMAIN and not is_dns_label(value):
        raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
    if has_control_character(value):
        raise FieldError(spec.path, f"got {value!r}, which holds a control character or line break; expected {spec.allowed()}")
    if spec.required and not value.strip():
        raise FieldError(spec.path, "must not be empty")
    return value


def _normalise_int(spec: Field, value: Any) -> int:
    # Numbers that crossed Pulumi's wire arrive as floats: 25.0 is 25, 25.5 is no whole number.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise FieldError(spec.path, f"got {value!r}, which is not a whole number; expected {spec.allowed()}")
        value = int(value)
    too_low = spec.minimum is not None and value < spec.minimum
    too_high = spec.maximum is not None and value > spec.maximum
    if too_low or too_high:
        raise FieldError(spec.path, f"got {value}, out of range; expected {spec.allowed()}")
    return int(value)


def _normalise_enum(spec: Field, value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
    canonical = spec.aliases.get(value, value)
    if canonical not in spec.choices:
        raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
    return str(canonical)


def _normalise_string_list(spec: Field, value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise FieldError(spec.path, f"got {value!r}; expected {spec.allowed()}")
    unfit = [item for item in value if has_control_character(item)]
    if unfit:
        raise FieldError(spec.path, f"got {unfit[0]!r}, which holds a control character or line break; expected {spec.allowed()}")
    return sorted(set(value))


def _normalise_url(spec: Field, value: Any) -> str:
    # The value may carry a credential, so no reason ever quotes it: each names the rule it breaks.
    if value == "" and spec.nullable:
        return ""
    problem = url_problem(value) if isinstance(value, str) else f"it is {type_words(value)}, not text"
    if problem:
        raise FieldError(spec.path, f"is not a valid webhook URL: {problem}; expected {spec.allowed()}")
    return str(value)


def url_problem(url: str) -> str | None:
    """What keeps `url` from being a webhook URL the API accepts, in words that never quote it; None if nothing.

    Accepted: `http` or `https`, `://`, an optional user part of the characters RFC 3986 allows there,
    a host that is a DNS name, an IPv4 address or a bracketed IPv6 address, an optional port from 1 to
    65535, then any path, query and fragment; no whitespace, control or invisible character anywhere.
    """
    if any(_is_hidden(char) for char in url):
        return "it holds whitespace, a control character or an invisible character"
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in ("http", "https"):
        return "it does not start with http:// or https://"
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    user, at, host_and_port = authority.rpartition("@")
    if at and not _USER_PART.fullmatch(user):
        return "its user part holds a character a URL does not allow there"
    return _host_and_port_problem(host_and_port)


_USER_PART = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:%]*")
DNS_LABEL_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_LABEL = re.compile(DNS_LABEL_PATTERN)


def _is_hidden(char: str) -> bool:
    # Unicode categories C (control, format such as zero-width, unassigned, private) and Z (every space, line breaks).
    return unicodedata.category(char)[0] in "CZ"


def _host_and_port_problem(host_and_port: str) -> str | None:
    if host_and_port.startswith("["):
        host, bracket, port = host_and_port[1:].partition("]")
        if not bracket or not _is_ipv6(host):
            return "its host in brackets is not an IPv6 address"
    elif host_and_port.count(":") > 1:
        return "its host is an IPv6 address without brackets"
    else:
        host, colon, number = host_and_port.partition(":")
        port = colon + number
        if not host:
            return "it has no host"
        if not is_host_name(host):
            return "its host is not a valid DNS name or IPv4 address"
    if port and not (port.startswith(":") and _is_port(port[1:])):
        return "its port is not a number from 1 to 65535"
    return None


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return "%" not in host  # a zone id names an interface of the sender's machine, meaningless to Telnyx


def _is_port(port: str) -> bool:
    return 1 <= len(port) <= 5 and port.isascii() and port.isdigit() and 1 <= int(port) <= 65535


def is_host_name(host: str) -> bool:
    """Whether `host` is a DNS name (letters, digits and hyphens in dot-separated labels) or an IPv4 address."""
    labels = host.removesuffix(".").split(".")
    if all(label.isascii() and label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(host.removesuffix("."))
        except ValueError:
            return False
        return True
    if len(host.removesuffix(".")) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return False
    return not labels[-1].isdigit()  # a numeric top-level label would make it an IPv4 address


def is_dns_label(value: str) -> bool:
    """Whether `value` is one DNS label: 1 to 63 ASCII letters, digits and hyphens, no hyphen at either end."""
    return bool(_DNS_LABEL.fullmatch(value))


def has_control_character(text: str) -> bool:
    """Whether `text` holds a control character (newline, tab, escape, ...) or a Unicode line or paragraph break."""
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text)


def type_words(value: Any) -> str:
    """The JSON type of a value, in words ("a string", "a list", "null"), for messages that must not quote it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def is_id(value: Any) -> bool:
    """Whether a value is a Telnyx id: a non-empty string of ASCII digits.

    `str.isdigit` alone would accept superscripts and other scripts' digits ("١٢٣٤", "12²"),
    which the API refuses.
    """
    return isinstance(value, str) and value.isascii() and value.isdigit()


def value_at(state: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted field path (`dtmf_type`, `inbound.channel_limit`) of a state or property bag."""
    group, _, name = path.rpartition(".")
    if not group:
        return state.get(name)
    nested = state.get(group)
    return nested.get(name) if isinstance(nested, Mapping) else None


def default_of(spec: Field) -> Any:
    """The API default of a field, in canonical form."""
    return list(spec.default) if spec.kind is Kind.STRING_LIST else spec.default


Placeholder = Callable[[Any], bool]


def _never(_: Any) -> bool:
    return False


@dataclass
class Validation:
    """The outcome of validating a property bag: its canonical form and every failure."""

    properties: dict[str, Any]
    failures: list[FieldError]


def validate(properties: Mapping[str, Any], is_placeholder: Placeholder = _never) -> Validation:
    """Validate and normalise a property bag as a user wrote it.

    Every failure is collected, not only the first. Values for which
    `is_placeholder` is true (not yet known) pass through untouched and are
    not failures. Omitted fields stay omitted: they mean "the API default".
    """
    result: dict[str, Any] = {}
    failures: list[FieldError] = []
    for spec in top_level_fields():
        if spec.required and properties.get(spec.name) is None:
            failures.append(FieldError(spec.path, f"is required; expected {spec.allowed()}"))
    for name, value in properties.items():
        if value is None:
            continue  # None means "not set", which is the API default
        if name in GROUPS:
            result[name] = _validate_group(name, value, is_placeholder, failures)
        elif name in FIELDS_BY_PATH:  # a top-level field (nested ones have dotted paths)
            result[name] = _checked(FIELDS_BY_PATH[name], value, is_placeholder, failures)
        elif name in READ_ONLY_FIELDS:
            failures.append(FieldError(name, "is read-only: Telnyx sets it; remove it from the arguments"))
        else:
            failures.append(FieldError(name, _unknown_reason(name, _top_level_names())))
    return Validation(result, failures)


def _validate_group(
    group: str, value: Any, is_placeholder: Placeholder, failures: list[FieldError]
) -> Any:
    if is_placeholder(value):
        return value
    if not isinstance(value, Mapping):
        failures.append(FieldError(group, f"got {type_words(value)}; expected an object with {_names(group_fields(group))}"))
        return value
    checked: dict[str, Any] = {}
    for name, item in value.items():
        if item is None:
            continue
        spec = FIELDS_BY_PATH.get(f"{group}.{name}")
        if spec is None:
            names = [f.name for f in group_fields(group)]
            failures.append(FieldError(f"{group}.{name}", _unknown_reason(name, names)))
            continue
        checked[name] = _checked(spec, item, is_placeholder, failures)
    return checked


def _checked(spec: Field, value: Any, is_placeholder: Placeholder, failures: list[FieldError]) -> Any:
    if is_placeholder(value) or (isinstance(value, list) and any(is_placeholder(item) for item in value)):
        return value
    try:
        return normalise(spec, value)
    except FieldError as error:
        failures.append(error)
        return value


def _top_level_names() -> list[str]:
    return [f.name for f in top_level_fields()] + list(GROUPS)


def _names(specs: Iterable[Field]) -> str:
    return ", ".join(s.name for s in specs)


def _unknown_reason(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"is not a field of a call control application; {hint}known fields: {', '.join(known)}"


def setting_paths() -> tuple[str, ...]:
    """Every path a user may name a setting by: each field's dotted path, and `inbound` and `outbound` whole."""
    return (*FIELDS_BY_PATH, *GROUPS)


def unknown_path_reason(path: str) -> str:
    """Why `path` names no setting, with the closest one (`did you mean …?`) and every known path."""
    return _unknown_reason(path, list(setting_paths()))


def desired_state(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The complete settable state a validated property bag asks for.

    A field left out means its API default, so the result names every
    settable field. This is what a create or an update sends.
    """
    state: dict[str, Any] = {}
    for spec in top_level_fields():
        value = properties.get(spec.name)
        state[spec.name] = default_of(spec) if value is None else value
    for group in GROUPS:
        given = properties.get(group)
        if given is not None and not isinstance(given, Mapping):
            state[group] = given  # not known yet, or not an object: left for check to report
            continue
        given = given or {}
        state[group] = {
            spec.name: default_of(spec) if given.get(spec.name) is None else given[spec.name]
            for spec in group_fields(group)
        }
    return state


def live_state(api_object: Mapping[str, Any]) -> dict[str, Any]:
    """The settable state of an application as the API returned it, in canonical form.

    A missing field counts as its default. A value the model cannot normalise
    is kept as it is, so it shows up as a difference rather than an error.
    """
    state: dict[str, Any] = {}
    for spec in top_level_fields():
        state[spec.name] = _lenient(spec, api_object.get(spec.name))
    for group in GROUPS:
        nested = api_object.get(group)
        nested = nested if isinstance(nested, Mapping) else {}
        state[group] = {spec.name: _lenient(spec, nested.get(spec.name)) for spec in group_fields(group)}
    return state


def _lenient(spec: Field, value: Any) -> Any:
    if value is None and not spec.nullable:
        return default_of(spec)
    try:
        return normalise(spec, value)
    except FieldError:
        return value


def differing_paths(desired: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    """The dotted paths of the fields whose canonical values differ."""
    paths = []
    for spec in FIELDS:
        want = desired[spec.group][spec.name] if spec.group else desired[spec.name]
        have = live[spec.group][spec.name] if spec.group else live[spec.name]
        if want != have:
            paths.append(spec.path)
    return paths
