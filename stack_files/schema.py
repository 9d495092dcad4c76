"""The JSON Schema of a stack file, written from the field model: `python -m stack_files.schema`.

It describes `stacks/Pulumi.<env>.yaml` whole, as Pulumi writes it: the secrets-provider keys
(`ProjectStack` in pulumi/pulumi's `sdk/go/common/workspace/project.go`), ESC `environment`, and
`config` with this project's `applications` and `defaults`, the provider's `telnyx:` keys and any
other package's keys. Every setting's type, allowed values, range, nullability, default and meaning
comes from `field_model/fields.py`; `import_id` and the resource options from `stack_files/loader.py`.
`{secure: …}` may stand wherever a string may. Editors and CI catch mistakes with it early; at run
time the program's own checks, with their wording, still decide.
"""

from __future__ import annotations

import json
from typing import Any

from field_model import fields
from provider.settings import API_KEY_CONFIG, BASE_URL_CONFIG
from provider.wire import IMPORT_ID

from .loader import (
    APPLICATIONS_KEY,
    CONFIG_KEYS,
    DEFAULTS_KEY,
    IGNORE_CHANGES,
    LOGICAL_NAME,
    NAMESPACE,
    OPTIONS,
    PER_APPLICATION_KEYS,
    PROTECT,
    RETAIN_ON_DELETE,
)

DRAFT = "http://json-schema.org/draft-07/schema#"  # the newest draft yaml-language-server supports

# What `fields.normalise` accepts as a URL: http or https in any case, then a host (a name or an [IPv6] literal).
_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://([^/?#@]*@)?([^/?#:@\[\]]+|\[[^/?#@\]]+\])"
_ID_PATTERN = r"^[0-9]+$"
_SECURE = {"$ref": "#/definitions/secure"}
_NULL = {"type": "null"}
_STRING_KINDS = (fields.Kind.STRING, fields.Kind.URL, fields.Kind.ENUM, fields.Kind.ID, fields.Kind.SUBDOMAIN)


def stack_file_schema() -> dict[str, Any]:
    """The schema of a whole stack file."""
    return {
        "$schema": DRAFT,
        "title": f"Pulumi stack file of {NAMESPACE}",
        "description": "stacks/Pulumi.<env>.yaml: the call control applications one environment declares. "
        "Generated from field_model/fields.py by `python -m stack_files.schema`.",
        "type": "object",
        "properties": {
            "secretsprovider": {"type": "string", "description": "The secrets provider of this stack (Pulumi writes it)."},
            "encryptedkey": {"type": "string", "description": "The data key encrypted by a cloud secrets provider (Pulumi writes it)."},
            "encryptionsalt": {"type": "string", "description": "The salt of the passphrase secrets provider (Pulumi writes it)."},
            "environment": {
                "description": "Pulumi ESC environments to import: a list of names, or an environment definition.",
                "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}],
            },
            "config": _config(),
        },
        "required": ["config"],
        "additionalProperties": False,
        "definitions": {
            "secure": {
                "description": "A value encrypted by `pulumi config set --secret`.",
                "type": "object",
                "properties": {"secure": {"type": "string"}},
                "required": ["secure"],
                "additionalProperties": False,
            },
            "application": _application(),
            "inbound": _group("inbound"),
            "outbound": _group("outbound"),
        },
    }


def _config() -> dict[str, Any]:
    provider_namespace = API_KEY_CONFIG.split(":")[0]
    return {
        "description": "Stack configuration: keys are `<namespace>:<name>`.",
        "type": "object",
        "propertyNames": {
            "allOf": [
                {"pattern": r"^[^:]+:([^:]+|config:[^:]+)$"},
                # A misspelt key of this project or of the provider would otherwise be ignored without a word.
                {"not": {"pattern": f"^{NAMESPACE}:(?!({'|'.join(CONFIG_KEYS)})$)[^:]+$"}},
                {"not": {"pattern": f"^{provider_namespace}:(?!(apiKey|baseUrl)$)[^:]+$"}},
            ]
        },
        "properties": {
            DEFAULTS_KEY: _defaults(),
            APPLICATIONS_KEY: {
                "description": "Logical name -> arguments of each call control application this stack manages.",
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": LOGICAL_NAME.pattern},
                "additionalProperties": {"$ref": "#/definitions/application"},
            },
            API_KEY_CONFIG: {
                "description": f"The Telnyx API key, always encrypted: `pulumi config set --secret {API_KEY_CONFIG} <key>` "
                "(or TELNYX_API_KEY in the environment).",
                "allOf": [_SECURE],
            },
            BASE_URL_CONFIG: {
                "description": "The Telnyx API base URL (default https://api.telnyx.com/v2); plain http only for loopback hosts.",
                "anyOf": [{"type": "string", "pattern": _URL_PATTERN}, _SECURE],
            },
        },
        "additionalProperties": {"description": "Configuration of another package; this project does not read it."},
        "required": [APPLICATIONS_KEY],
        # webhook_event_url is required of each application, unless the defaults give one.
        "if": {"properties": {DEFAULTS_KEY: {"required": ["webhook_event_url"]}}, "required": [DEFAULTS_KEY]},
        "else": {"properties": {APPLICATIONS_KEY: {"additionalProperties": {"required": ["webhook_event_url"]}}}},
    }


def _defaults() -> dict[str, Any]:
    settings = _settings()
    for per_application in PER_APPLICATION_KEYS:
        settings.pop(per_application)
    return {
        "description": "Arguments and resource options merged under every application; "
        "an application's own value replaces them, `inbound` and `outbound` merge key by key.",
        "type": "object",
        "properties": settings,
        "additionalProperties": False,
    }


def _application() -> dict[str, Any]:
    return {
        "description": "A call control application: its arguments (a left-out setting means the Telnyx API default) "
        "and resource options.",
        "type": "object",
        "properties": _settings(),
        "additionalProperties": False,
    }


def _settings() -> dict[str, Any]:
    settings = {spec.name: _setting(spec) for spec in fields.top_level_fields()}
    for group in fields.GROUPS:
        settings[group] = {"anyOf": [{"$ref": f"#/definitions/{group}"}, _NULL]}
    settings[IMPORT_ID] = {
        "description": "The id of an existing Telnyx application to adopt (as a quoted string of digits); "
        "adopted only if it already matches the declaration.",
        "anyOf": [{"type": "string", "pattern": _ID_PATTERN}, _SECURE, _NULL],
    }
    for option in (PROTECT, RETAIN_ON_DELETE):
        settings[option] = {"description": OPTIONS[option], "type": ["boolean", "null"], "default": False}
    settings[IGNORE_CHANGES] = {
        "description": OPTIONS[IGNORE_CHANGES],
        "anyOf": [{"type": "array", "items": {"enum": list(fields.setting_paths())}}, _NULL],
    }
    return settings


def _group(group: str) -> dict[str, Any]:
    return {
        "description": f"The {group} call settings; each merges key by key with the defaults'.",
        "type": "object",
        "properties": {spec.name: _setting(spec) for spec in fields.group_fields(group)},
        "additionalProperties": False,
    }


def _setting(spec: fields.Field) -> dict[str, Any]:
    alternatives = [_typed(spec)]
    if spec.kind in _STRING_KINDS:
        alternatives.append(_SECURE)
    if spec.required:
        described = f"{spec.description} Required; allowed: {spec.allowed()}."
    else:
        alternatives.append(_NULL)
        default = json.dumps(fields.default_of(spec))
        described = f"{spec.description} Allowed: {spec.allowed()}. API default: {default}; null puts it back."
    schema: dict[str, Any] = {"description": described, "anyOf": alternatives}
    if not spec.required:
        schema["default"] = fields.default_of(spec)
    return schema


def _typed(spec: fields.Field) -> dict[str, Any]:
    kind = spec.kind
    if kind is fields.Kind.BOOL:
        return {"type": "boolean"}
    if kind is fields.Kind.INT:
        bounds = {"minimum": spec.minimum, "maximum": spec.maximum}
        return {"type": "integer", **{key: value for key, value in bounds.items() if value is not None}}
    if kind is fields.Kind.ENUM:
        return {"enum": [*spec.choices, *spec.aliases]}
    if kind is fields.Kind.STRING_LIST:
        return {"type": "array", "items": {"anyOf": [{"type": "string"}, _SECURE]}}
    if kind is fields.Kind.URL:
        return {"type": "string", "pattern": f"^$|{_URL_PATTERN}" if spec.nullable else _URL_PATTERN}
    if kind is fields.Kind.ID:
        return {"type": "string", "pattern": _ID_PATTERN}
    if kind is fields.Kind.SUBDOMAIN:
        return {"type": "string", "pattern": f"^{fields.DNS_LABEL_PATTERN}$"}
    return {"type": "string", "pattern": r"\S"} if spec.required else {"type": "string"}


def render() -> str:
    """The schema as committed in stacks/stack-file.schema.json."""
    return json.dumps(stack_file_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
