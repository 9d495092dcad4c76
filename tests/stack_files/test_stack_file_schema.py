"""The stack files' JSON Schema: written from the field model, committed, and true of every stack file."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from field_model import fields
from stack_files.loader import APPLICATIONS_KEY, DEFAULTS_KEY, StackConfigError, load_applications
from stack_files.loader import NAMESPACE as PROJECT
from stack_files.schema import render, stack_file_schema

from ..support.stack_files import ROOT, STACKS

SCHEMA_FILE = ROOT / "stacks" / "stack-file.schema.json"
MODELINE = "# yaml-language-server: $schema=stack-file.schema.json"
URL = "https://hooks.example.com/telnyx"
VALIDATOR = jsonschema.Draft7Validator(stack_file_schema())


def stack_file(stack: str) -> Path:
    return ROOT / "stacks" / f"Pulumi.{stack}.yaml"


def document(applications: dict[str, Any], defaults: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """A stack file's content, as YAML loads it."""
    config: dict[str, Any] = {APPLICATIONS_KEY: applications}
    if defaults is not None:
        config[DEFAULTS_KEY] = defaults
    return {**top, "config": {**config, **top.pop("config", {})}}


def problems(doc: dict[str, Any]) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(doc)]


def test_the_committed_schema_is_the_one_the_field_model_writes() -> None:
    assert SCHEMA_FILE.read_text() == render(), "regenerate it: .venv/bin/python -m stack_files.schema > stacks/stack-file.schema.json"


def test_the_schema_is_a_valid_draft_7_schema_for_the_project_in_pulumi_yaml() -> None:
    jsonschema.Draft7Validator.check_schema(json.loads(SCHEMA_FILE.read_text()))
    assert yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"] == PROJECT


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_file_passes_the_schema(stack: str) -> None:
    assert problems(yaml.safe_load(stack_file(stack).read_text())) == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_file_names_the_schema_for_editors(stack: str) -> None:
    first_line = stack_file(stack).read_text().splitlines()[0]
    assert first_line == MODELINE
    assert (stack_file(stack).parent / first_line.split("$schema=")[1]).resolve() == SCHEMA_FILE


def test_check_jsonschema_passes_every_stack_file_as_the_readme_runs_it() -> None:
    command = [str(Path(sys.executable).parent / "check-jsonschema"), "--schemafile", str(SCHEMA_FILE)]
    result = subprocess.run([*command, *map(str, map(stack_file, STACKS))], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_fails_a_broken_stack_file_naming_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text(stack_file("dev").read_text().replace("dtmf_type: Inband", "dtmf_typ: Inband"))
    command = [str(Path(sys.executable).parent / "check-jsonschema"), "--schemafile", str(SCHEMA_FILE), str(broken)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "'dtmf_typ' was unexpected" in result.stdout


def test_a_file_as_pulumi_writes_it_passes() -> None:
    secure = {"secure": "v1:Bq3b4OTvNm0Hsa6I:2YkiyBmSr3f7nm5/oEJNA5xUVzG3i3iF"}
    applications = {
        "router": {
            "webhook_event_url": secure,
            "webhook_event_failover_url": "",
            "application_name": secure,
            "tags": ["prod", secure],
            "webhook_api_version": 2,
            "anchorsite_override": '"Latency"',
            "inbound": {"channel_limit": 10.0, "sip_subdomain": secure},
            "outbound": None,
            "import_id": "1293384261075731499",
            "protect": True,
            "retain_on_delete": None,
            "ignore_changes": ["webhook_event_url", "inbound.channel_limit", "outbound"],
        },
    }
    config = {"telnyx:apiKey": secure, "telnyx:baseUrl": "https://api.telnyx.com/v2", "aws:region": "us-east-1", "pulumi:tags": {"team": "voice"}}
    passphrase = document(applications, {"protect": True}, encryptionsalt="v1:tVNDlZ7ITwM=:v1:Hj4t3aC+a2kM0zq2:/4D0", config=config)
    cloud = document(applications, secretsprovider="awskms://alias/pulumi", encryptedkey="AQICAHh…", environment=["telnyx/prod"])
    assert problems(passphrase) == [] and problems(cloud) == []


def test_null_is_allowed_for_every_setting_with_an_api_default() -> None:
    nulls = {spec.name: None for spec in fields.top_level_fields() if not spec.required}
    groups = {group: {spec.name: None for spec in fields.group_fields(group)} for group in fields.GROUPS}
    assert problems(document({"router": {"webhook_event_url": URL, **nulls, **groups}})) == []


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (document({"router": {"webhook_event_url": URL, "dtmf_typ": "Inband"}}), "'dtmf_typ' was unexpected"),
        (document({"router": {}}), "'webhook_event_url' is a required property"),
        (document({"router": {"webhook_event_url": URL}}, {"application_name": "x"}), "'application_name' was unexpected"),
        (document({"a b": {"webhook_event_url": URL}}), "'a b' does not match"),
        (document({"router": {"webhook_event_url": URL, "protect": "yes"}}), "'yes' is not of type 'boolean', 'null'"),
        (document({"router": {"webhook_event_url": URL, "ignore_changes": ["webhook_evnt_url"]}}), "is not valid under any"),
        (document({"router": {"webhook_event_url": URL}}, config={"telnyx:apiKey": "KEY123"}), "'KEY123' is not of type 'object'"),
        (document({"router": {"webhook_event_url": URL}}, config={"telnyx:apikey": "x"}), "'telnyx:apikey' should not be valid"),
        (document({"router": {"webhook_event_url": URL}}, config={f"{PROJECT}:aplications": {}}), f"'{PROJECT}:aplications' should not be valid"),
        (document({"router": {"webhook_event_url": URL}}, confg={}), "'confg' was unexpected"),
        ({"encryptionsalt": "v1:x"}, "'config' is a required property"),
    ],
)
def test_the_schema_refuses_a_mistake(doc: dict[str, Any], expected: str) -> None:
    assert any(expected in message for message in problems(doc)), problems(doc)


def test_a_webhook_url_in_the_defaults_serves_every_application() -> None:
    assert problems(document({"router": {}, "ivr": {"dtmf_type": "Inband"}}, {"webhook_event_url": URL})) == []


SAMPLES: list[Any] = [
    None, True, False, 0, 5, -1, 31, 2.5, 10.0, "", " ", "x", "Inband", "RFC 2833", '"Latency"', "Latency",
    "London, UK", "1", "2", 1, 2, 3, "only_my_connections", URL, "HTTP://HOOKS.EXAMPLE.COM", "ftp://hooks.example.com",
    "https://", "https://:80/x", "https://user:pass@hooks.example.com/x?token=1", "http://[::1]:8080/x",
    "1293384261075731499", "12a", [], ["a", "b"], [1], {"a": 1},
]


def program_accepts(entry: dict[str, Any]) -> bool:
    try:
        load_applications("dev", {"app": entry})
    except StackConfigError:
        return False
    return True


@pytest.mark.parametrize("path", list(fields.FIELDS_BY_PATH))
def test_the_schema_and_the_program_agree_on_every_value_of_every_setting(path: str) -> None:
    spec = fields.FIELDS_BY_PATH[path]
    disagreements = []
    for value in SAMPLES:
        entry: dict[str, Any] = {"webhook_event_url": URL}
        if spec.group:
            entry[spec.group] = {spec.name: copy.deepcopy(value)}
        else:
            entry[spec.name] = copy.deepcopy(value)
        schema_accepts = VALIDATOR.is_valid(document({"app": entry}))
        if schema_accepts != program_accepts(entry):
            disagreements.append((value, f"schema {'accepts' if schema_accepts else 'refuses'}"))
    assert disagreements == []
