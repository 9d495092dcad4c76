"""`python -m scripts.adopt` against the fake Telnyx on loopback, then every new entry driven through
`python -m pulumi.dynamic` as the engine drives an adoption: reads only, and no change afterwards.

Every test works on temporary copies of the stack files, never on `stacks/`.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from scripts.adopt import main
from stack_files.loader import ApplicationSpec, StackConfigError, load_applications
from stack_files.schema import stack_file_schema
from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from ..conftest import PROTOCOL_API_KEY
from ..support.dynamic_host import DIFF_NONE, DynamicProviderHost, with_provider
from ..support.stack_files import ROOT

PROJECT = "telnyx-call-control"
APPLICATIONS = f"{PROJECT}:applications"
TOKEN_URL = "https://hooks.example.com/telnyx/secret-hooks?token=s3cr3t-t0ken"
USER_INFO_URL = "https://ops:pa55w0rd@failover.example.com/telnyx/secret-hooks"

# An account of applications with varied settings, as people made them in the portal. The dev stack file's
# defaults are webhook_api_version "2", webhook_timeout_secs 10, tags [dev, managed-by-pulumi].
ACCOUNT: dict[str, dict[str, Any]] = {
    "billing-dev": {"webhook_event_url": "https://hooks.example.com/telnyx/billing"},
    "Support Line": {
        "webhook_event_url": "https://hooks.example.com/telnyx/support",
        "webhook_api_version": "2",
        "webhook_timeout_secs": 10,
        "tags": ["managed-by-pulumi", "dev"],
        "dtmf_type": "SIP INFO",
        "inbound": {"channel_limit": 5, "shaken_stir_enabled": True, "sip_subdomain": "support", "sip_subdomain_receive_settings": "only_my_connections"},
        "outbound": {"channel_limit": 3, "outbound_voice_profile_id": "1293384261075731499"},
    },
    "eu-router": {
        "webhook_event_url": "https://eu.hooks.example.com/telnyx/router",
        "webhook_event_failover_url": "https://failover.eu.hooks.example.com/telnyx/router",
        "active": False,
        "anchorsite_override": "Amsterdam, Netherlands",
        "call_cost_in_webhooks": True,
        "first_command_timeout": True,
        "first_command_timeout_secs": 45,
        "redact_dtmf_debug_logging": True,
        "tags": ["eu"],
        "webhook_api_version": "2",
        "webhook_timeout_secs": 25,
        "outbound": {"channel_limit": 7},
    },
    "chicago-plain-dev": {
        "webhook_event_url": "https://hooks.example.com/telnyx/chicago",
        "anchorsite_override": "Chicago, IL",
        "webhook_api_version": "2",
        "webhook_timeout_secs": 10,
        "tags": ["dev", "managed-by-pulumi"],
    },
    "chicago-quoted-dev": {"webhook_event_url": "https://hooks.example.com/telnyx/chicago-quoted"},
    "legacy-pbx": {"webhook_event_url": "https://hooks.example.com/telnyx/pbx"},
    "Frankfurt Router": {"webhook_event_url": "https://hooks.example.com/telnyx/frankfurt"},
    "secret-hooks": {"webhook_event_url": TOKEN_URL, "webhook_event_failover_url": USER_INFO_URL, "webhook_api_version": "2"},
    "acme-ivr": {"webhook_event_url": "https://hooks.example.com/telnyx/ivr"},  # prod declares it by name
    "hand-made": {"webhook_event_url": "https://hooks.example.com/telnyx/hand-made"},  # staging imports it by id
}
TWINS = "twin-router"
ADOPTABLE = ["billing", "support-line", "eu-router", "chicago-plain", "chicago-quoted", "legacy-pbx"]
EXPECTED_ENTRIES = {
    "billing": {"webhook_event_url": "https://hooks.example.com/telnyx/billing", "tags": None, "webhook_api_version": None, "webhook_timeout_secs": None},
    "support-line": {
        "application_name": "Support Line",
        "webhook_event_url": "https://hooks.example.com/telnyx/support",
        "dtmf_type": "SIP INFO",
        "inbound": {"channel_limit": 5, "shaken_stir_enabled": True, "sip_subdomain": "support", "sip_subdomain_receive_settings": "only_my_connections"},
        "outbound": {"channel_limit": 3, "outbound_voice_profile_id": "1293384261075731499"},
    },
    "eu-router": {
        "application_name": "eu-router",
        "webhook_event_url": "https://eu.hooks.example.com/telnyx/router",
        "active": False,
        "anchorsite_override": "Amsterdam, Netherlands",
        "call_cost_in_webhooks": True,
        "first_command_timeout": True,
        "first_command_timeout_secs": 45,
        "redact_dtmf_debug_logging": True,
        "tags": ["eu"],
        "webhook_event_failover_url": "https://failover.eu.hooks.example.com/telnyx/router",
        "webhook_timeout_secs": 25,
        "outbound": {"channel_limit": 7},
    },
    "chicago-plain": {"webhook_event_url": "https://hooks.example.com/telnyx/chicago", "anchorsite_override": "Chicago, IL"},
    "chicago-quoted": {
        "webhook_event_url": "https://hooks.example.com/telnyx/chicago-quoted",
        "anchorsite_override": "Chicago, IL",
        "tags": None,
        "webhook_api_version": None,
        "webhook_timeout_secs": None,
    },
    "legacy-pbx": {
        "application_name": "legacy-pbx",
        "webhook_event_url": "https://hooks.example.com/telnyx/pbx",
        "tags": None,
        "webhook_api_version": None,
        "webhook_timeout_secs": None,
    },
}


@dataclass
class Account:
    """The seeded fake account: application name -> id, and the twins' ids."""

    backend: TelnyxBackend
    ids: dict[str, str]
    twin_ids: list[str]


def seed(backend: TelnyxBackend) -> Account:
    """Make the account's applications as the portal does (through the fake's own rules), then give some what only the portal can."""
    backend.reset()
    ids = {name: backend.add_from_portal({"application_name": name, **settings})["id"] for name, settings in ACCOUNT.items()}
    twin_ids = [backend.create({"application_name": TWINS, "webhook_event_url": "https://hooks.example.com/t"})["id"] for _ in range(2)]
    stored = backend.applications
    # The API reference writes anchorsites with literal quotes; an application may come back spelled that way.
    stored[ids["chicago-quoted-dev"]]["anchorsite_override"] = '"Chicago, IL"'
    # Fields and values newer than the field model: an unknown field is no obstacle, an unknown site is.
    stored[ids["legacy-pbx"]]["connection_type"] = "sip_trunk"
    stored[ids["legacy-pbx"]]["inbound"]["isup_headers_enabled"] = True
    stored[ids["Frankfurt Router"]]["anchorsite_override"] = "Frankfurt, DE"
    backend.clear_requests()
    return Account(backend, ids, twin_ids)


@pytest.fixture
def account(protocol_fake: FakeTelnyxServer, monkeypatch: pytest.MonkeyPatch) -> Account:
    """The seeded account on loopback, with adopt's environment pointing at it."""
    monkeypatch.setenv("TELNYX_API_KEY", PROTOCOL_API_KEY)
    monkeypatch.setenv("TELNYX_BASE_URL", protocol_fake.base_url)
    return seed(protocol_fake.backend)


@pytest.fixture
def stacks(tmp_path: Path, account: Account) -> Path:
    """Copies of the project's stack files; staging's also imports one application by id."""
    folder = tmp_path / "stacks"
    shutil.copytree(ROOT / "stacks", folder)
    staging = folder / "Pulumi.staging.yaml"
    staging.write_text(
        staging.read_text()
        + f'    hand-made:\n      import_id: "{account.ids["hand-made"]}"\n      webhook_event_url: https://hooks.example.com/telnyx/hand-made\n'
    )
    return folder


def adopt(stacks: Path, *options: str, stack: str = "dev") -> int:
    return main(["--stack", stack, "--stack-file", str(stacks / f"Pulumi.{stack}.yaml"), *options])


def declared(path: Path, stack: str = "dev") -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load(path.read_text())["config"]
    return config[APPLICATIONS], config.get(f"{PROJECT}:defaults") or {}


def loaded(path: Path, stack: str = "dev") -> dict[str, ApplicationSpec]:
    applications, defaults = declared(path, stack)
    return {spec.logical_name: spec for spec in load_applications(stack, applications, defaults)}


def without_secret_entry(path: Path) -> Path:
    """The stack file as it loads before the user stores the secret (the secret-hooks entry set aside)."""
    document = yaml.safe_load(path.read_text())
    del document["config"][APPLICATIONS]["secret-hooks"]
    copy = path.with_name("loadable.yaml")
    copy.write_text(yaml.safe_dump(document))
    return copy


# --- what adopt writes -----------------------------------------------------------------------------------


def test_adopt_adds_each_undeclared_application_with_its_id_and_only_the_settings_that_differ(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert adopt(stacks) == 0
    applications, _ = declared(stacks / "Pulumi.dev.yaml")
    added = {name: entry for name, entry in applications.items() if name not in ("call-router", "ivr")}
    assert sorted(added) == sorted([*ADOPTABLE, "secret-hooks"])
    for logical_name, expected in EXPECTED_ENTRIES.items():
        entry = dict(added[logical_name])
        name = next(n for n, s in ACCOUNT.items() if s["webhook_event_url"] == expected["webhook_event_url"])
        assert entry.pop("import_id") == account.ids[name]
        assert entry == expected, logical_name
    output = capsys.readouterr().out
    assert "found 12, already declared 2, added 7 (1 needs a secret), left out 3" in output


def test_the_file_validates_with_the_stack_loader(account: Account, stacks: Path) -> None:
    adopt(stacks)
    specs = loaded(without_secret_entry(stacks / "Pulumi.dev.yaml"))
    assert sorted(specs) == sorted(["call-router", "ivr", *ADOPTABLE])
    assert all(specs[name].import_id for name in ADOPTABLE)


def test_the_file_passes_the_stack_file_schema_once_the_secret_is_stored(account: Account, stacks: Path) -> None:
    adopt(stacks)
    validator = jsonschema.Draft7Validator(stack_file_schema())
    document = yaml.safe_load((stacks / "Pulumi.dev.yaml").read_text())
    assert [e.message for e in validator.iter_errors(document)] == ["'webhook_event_url' is a required property"]
    document["config"][APPLICATIONS]["secret-hooks"]["webhook_event_url"] = {"secure": "v1:abc"}
    assert [e.message for e in validator.iter_errors(document)] == []


def test_adopt_only_reads_the_account_with_one_list_call_per_page(account: Account, stacks: Path) -> None:
    adopt(stacks)
    calls = account.backend.calls()
    assert [(c.method, c.path) for c in calls] == [("GET", "/v2/call_control_applications")]
    assert "page%5Bsize%5D=250" in calls[0].query


def test_applications_another_stack_file_declares_are_not_added_and_the_stack_is_named(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt(stacks)
    text = (stacks / "Pulumi.dev.yaml").read_text()
    assert account.ids["acme-ivr"] not in text and account.ids["hand-made"] not in text
    output = capsys.readouterr().out
    assert f"{account.ids['acme-ivr']} 'acme-ivr': declared by stack prod as ivr" in output
    assert f"{account.ids['hand-made']} 'hand-made': declared by stack staging as hand-made" in output


def test_live_applications_sharing_one_name_are_left_out_with_their_ids(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt(stacks)
    assert TWINS not in (stacks / "Pulumi.dev.yaml").read_text()
    output = capsys.readouterr().out
    assert f"{', '.join(sorted(account.twin_ids))} '{TWINS}': 2 live applications share this name" in output


def test_an_application_with_a_value_outside_the_field_model_is_left_out_with_the_reason(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt(stacks)
    assert account.ids["Frankfurt Router"] not in (stacks / "Pulumi.dev.yaml").read_text()
    output = capsys.readouterr().out
    assert f"{account.ids['Frankfurt Router']} 'Frankfurt Router': anchorsite_override: the live value is not allowed: got 'Frankfurt, DE'" in output


def test_an_application_with_fields_the_model_does_not_know_is_adopted_and_they_are_named(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt(stacks)
    assert "legacy-pbx" in declared(stacks / "Pulumi.dev.yaml")[0]
    assert "legacy-pbx: fields the provider does not manage stay as they are: connection_type, inbound.isup_headers_enabled" in capsys.readouterr().out


def test_a_second_adopt_adds_nothing_and_leaves_the_file_as_it_is(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt(stacks)
    path = stacks / "Pulumi.dev.yaml"
    # The user has stored the secret setting since: the file now holds an encrypted value.
    path.write_text(path.read_text().replace("  secret-hooks:\n", "  secret-hooks:\n      webhook_event_url: {secure: v1:abc}\n"))
    first = path.read_text()
    assert "{secure: v1:abc}" in first
    capsys.readouterr()
    assert adopt(stacks) == 0
    assert (stacks / "Pulumi.dev.yaml").read_text() == first
    output = capsys.readouterr().out
    assert "found 12, already declared 9, added 0, left out 3" in output and "is unchanged" in output


def test_comments_key_order_and_quoting_survive(account: Account, stacks: Path) -> None:
    path = stacks / "Pulumi.dev.yaml"
    original = (
        "# The dev stack.   Written by hand; adopt must keep every byte of it.\n"
        "config:\n"
        "  aws:region: 'us-east-1'   # single quotes stay single\n"
        "  telnyx-call-control:applications:  # logical name -> arguments\n"
        "    call-router:\n"
        "      webhook_event_url: \"https://dev.hooks.example.com/telnyx/call-router\"\n"
        "      # a comment inside an entry\n"
        "      inbound: {channel_limit: 2}   # flow style stays flow style\n"
        "  telnyx-call-control:defaults:  # defaults after applications: key order stays\n"
        "    webhook_api_version: \"2\"\n"
        "    tags: [dev, managed-by-pulumi]\n"
        "# a comment at the end\n"
    )
    path.write_text(original)
    adopt(stacks)
    written = path.read_text()
    original_lines = original.splitlines()
    kept = [line for line in written.splitlines() if line in original_lines]
    assert kept == original_lines, "every original line survives, in order"
    assert written.index("call-router:") < written.index("billing:") < written.index("telnyx-call-control:defaults:")


def test_a_plain_base_url_in_the_stack_file_wins_over_the_environment_as_for_the_provider(
    account: Account, stacks: Path, protocol_fake: FakeTelnyxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_BASE_URL", "http://127.0.0.1:9/v2")  # nothing listens there
    path = stacks / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("config:\n", f"config:\n  telnyx:baseUrl: {protocol_fake.base_url}\n", 1))
    assert adopt(stacks) == 0
    assert len(account.backend.calls()) == 1


def test_dry_run_prints_the_yaml_it_would_add_and_writes_nothing(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (stacks / "Pulumi.dev.yaml").read_text()
    assert adopt(stacks, "--dry-run") == 0
    assert (stacks / "Pulumi.dev.yaml").read_text() == before
    output = capsys.readouterr().out
    shown = yaml.safe_load(output.split("would get:\n", 1)[1])[APPLICATIONS]
    assert sorted(shown) == sorted([*ADOPTABLE, "secret-hooks"])
    assert shown["billing"]["import_id"] == account.ids["billing-dev"]


def test_a_missing_stack_file_is_created_with_the_project_keys_and_no_secret(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = stacks / "Pulumi.qa.yaml"
    assert adopt(stacks, stack="qa") == 0
    modeline = path.read_text().splitlines()[0]
    assert modeline.startswith("# yaml-language-server: $schema=")
    assert (path.parent / modeline.split("$schema=")[1]).resolve() == ROOT / "stacks" / "stack-file.schema.json"
    config = yaml.safe_load(path.read_text())["config"]
    assert sorted(config) == [f"{PROJECT}:applications", f"{PROJECT}:defaults"]
    assert "secure" not in path.read_text() and PROTOCOL_API_KEY not in path.read_text()
    assert "billing-dev" in config[APPLICATIONS]  # the qa stack's default name would be billing-dev-qa
    applications = {k: v for k, v in config[APPLICATIONS].items() if k != "secret-hooks"}
    assert {spec.logical_name for spec in load_applications("qa", applications, config[f"{PROJECT}:defaults"])} == set(applications)
    assert f"created {path}" in capsys.readouterr().out


def test_a_stack_file_written_elsewhere_comes_with_where_pulumi_reads_it(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert adopt(stacks, stack="qa") == 0
    assert "next: copy the entries into stacks/Pulumi.qa.yaml, the stack file Pulumi reads" in capsys.readouterr().out


def test_name_contains_uses_the_api_filter(account: Account, stacks: Path) -> None:
    adopt(stacks, "--name-contains", "chicago")
    [call] = account.backend.calls()
    assert "filter%5Bapplication_name%5D%5Bcontains%5D=chicago" in call.query
    added = set(declared(stacks / "Pulumi.dev.yaml")[0]) - {"call-router", "ivr"}
    assert added == {"chicago-plain", "chicago-quoted"}


def test_a_name_filter_shorter_than_three_characters_is_refused_before_any_request(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        adopt(stacks, "--name-contains", "ch")
    assert exited.value.code == 2
    assert "at least 3 characters" in capsys.readouterr().err
    assert account.backend.calls() == []


def test_without_a_key_adopt_says_where_to_set_one_and_sends_nothing(
    account: Account, stacks: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELNYX_API_KEY")
    assert adopt(stacks) == 1
    assert "set the TELNYX_API_KEY environment variable" in capsys.readouterr().err
    assert account.backend.calls() == []


def test_wrong_defaults_in_the_stack_file_stop_adopt_before_any_request(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = stacks / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("webhook_timeout_secs: 10", "webhook_timeout_secs: 99"))
    before = path.read_text()
    assert adopt(stacks) == 2
    assert "stack 'dev': defaults: key 'webhook_timeout_secs'" in capsys.readouterr().err
    assert account.backend.calls() == [] and path.read_text() == before


def test_an_api_error_is_one_line_without_the_key(
    account: Account, stacks: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", "wrong-key")
    assert adopt(stacks) == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "wrong-key" not in err


# --- credentials in webhook URLs -------------------------------------------------------------------------


def test_a_url_carrying_a_credential_is_not_written_and_the_command_to_store_it_encrypted_is_printed(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt(stacks)
    text = (stacks / "Pulumi.dev.yaml").read_text()
    output = capsys.readouterr()
    for leak in ("s3cr3t-t0ken", "pa55w0rd", "token=", "ops:"):
        assert leak not in text and leak not in output.out and leak not in output.err
    entry = declared(stacks / "Pulumi.dev.yaml")[0]["secret-hooks"]
    assert entry == {"import_id": account.ids["secret-hooks"], "application_name": "secret-hooks", "tags": None, "webhook_timeout_secs": None}
    for setting in ("webhook_event_url", "webhook_event_failover_url"):
        command = f"pulumi config set --secret --path '{APPLICATIONS}.secret-hooks.{setting}' --stack dev"
        assert f"    {command}" in output.out.splitlines()
    assert "needs a secret 1: secret-hooks" in output.out
    with pytest.raises(StackConfigError, match="application 'secret-hooks': key 'webhook_event_url' is required"):
        loaded(stacks / "Pulumi.dev.yaml")  # until it is stored, the stack says what is missing


def test_no_message_shows_a_webhook_url_beyond_scheme_and_host(
    account: Account, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adopt(stacks)
    output = capsys.readouterr()
    for settings in ACCOUNT.values():
        for key in ("webhook_event_url", "webhook_event_failover_url"):
            if key in settings:
                assert settings[key] not in output.out + output.err


# --- the adoption itself, over the provider protocol ----------------------------------------------------------


def requests_since(backend: TelnyxBackend, since: int) -> list[tuple[str, str]]:
    """Every request the fake served after the first `since`, as (method, path): nothing filtered out."""
    return [(c.method, c.path) for c in backend.calls()[since:]]


def drive_adoption(host: DynamicProviderHost, backend: TelnyxBackend, spec: ApplicationSpec) -> None:
    """check, then create with import_id, each exactly one GET of that application; then the next preview's check and diff: nothing."""
    assert spec.import_id is not None
    program = with_provider({**spec.arguments, "import_id": spec.import_id})
    one_get = [("GET", f"/v2/call_control_applications/{spec.import_id}")]

    before = len(backend.calls())
    inputs, failures = host.check(program, name=spec.logical_name)
    assert failures == [], (spec.logical_name, failures)
    # The host has a key, so check reads the application to compare it with the declaration: one GET, no list, no write.
    assert requests_since(backend, before) == one_get, spec.logical_name

    before = len(backend.calls())
    app_id, outputs = host.create(inputs, name=spec.logical_name)
    assert app_id == spec.import_id
    assert requests_since(backend, before) == one_get, spec.logical_name

    before = len(backend.calls())
    rechecked, failures = host.check(program, olds=inputs, name=spec.logical_name)
    assert failures == []
    assert host.diff(app_id, outputs, rechecked, name=spec.logical_name).changes == DIFF_NONE, spec.logical_name
    assert requests_since(backend, before) == [], spec.logical_name


@pytest.fixture(scope="module")
def host(protocol_host: DynamicProviderHost) -> DynamicProviderHost:
    return protocol_host


def test_every_adopted_entry_adopts_with_reads_only_and_then_shows_no_change(
    account: Account, stacks: Path, host: DynamicProviderHost
) -> None:
    adopt(stacks)
    applications = account.backend.applications
    before = {app_id: dict(app) for app_id, app in applications.items()}
    specs = loaded(without_secret_entry(stacks / "Pulumi.dev.yaml"))
    for logical_name in ADOPTABLE:
        drive_adoption(host, account.backend, specs[logical_name])
    assert all(c.method == "GET" for c in account.backend.calls())
    assert account.backend.applications == before


def test_once_its_secret_is_stored_the_entry_with_a_credential_url_adopts_too(
    account: Account, stacks: Path, host: DynamicProviderHost
) -> None:
    adopt(stacks)
    applications, defaults = declared(stacks / "Pulumi.dev.yaml")
    # What `pulumi config set --secret --path …` stores, the program receives decrypted.
    entry = {**applications["secret-hooks"], "webhook_event_url": TOKEN_URL, "webhook_event_failover_url": USER_INFO_URL}
    [spec] = load_applications("dev", {"secret-hooks": entry}, defaults)
    drive_adoption(host, account.backend, spec)
    assert all(c.method == "GET" for c in account.backend.calls())


def test_make_adopt_passes_its_options_on() -> None:
    dry = subprocess.run(
        ["make", "-n", "adopt", "STACK=qa", "STACK_FILE=/tmp/qa.yaml", "NAME_CONTAINS=acme", "DRY_RUN=1"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    command = " ".join(dry.stdout.replace("\\\n", " ").split())
    assert "-m scripts.adopt --stack qa --stack-file '/tmp/qa.yaml' --name-contains 'acme' --dry-run" in command


@pytest.fixture(autouse=True)
def _never_touch_the_real_stacks() -> Iterator[None]:
    real = {path: path.read_bytes() for path in (ROOT / "stacks").glob("*.yaml")}
    yield
    assert {path: path.read_bytes() for path in (ROOT / "stacks").glob("*.yaml")} == real
