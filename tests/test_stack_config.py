"""The stack declaration schema: merging defaults and reporting every mistake with stack, application and key."""

from __future__ import annotations

import pytest

from provider import stack_config
from provider.stack_config import StackConfigError, load_applications, merge

URL = "https://hooks.example.com/telnyx"


def test_defaults_merge_under_each_application_and_groups_merge_key_by_key() -> None:
    defaults = {"dtmf_type": "Inband", "tags": ["dev"], "inbound": {"channel_limit": 2, "shaken_stir_enabled": True}}
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "tags": ["ivr"], "inbound": {"channel_limit": 5}}}, defaults)
    assert spec.arguments["dtmf_type"] == "Inband"
    assert spec.arguments["tags"] == ["ivr"]
    assert spec.arguments["inbound"] == {"channel_limit": 5, "shaken_stir_enabled": True}


def test_application_name_defaults_to_logical_name_and_stack() -> None:
    [spec] = load_applications("staging", {"ivr": {"webhook_event_url": URL}})
    assert spec.logical_name == "ivr" and spec.arguments["application_name"] == "ivr-staging"


def test_an_explicit_application_name_wins() -> None:
    [spec] = load_applications("prod", {"ivr": {"webhook_event_url": URL, "application_name": "acme-ivr"}})
    assert spec.arguments["application_name"] == "acme-ivr"


def test_import_id_is_kept_apart_from_the_arguments() -> None:
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "import_id": "1293384261075731499"}})
    assert spec.import_id == "1293384261075731499" and "import_id" not in spec.arguments


def test_values_are_normalised() -> None:
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "webhook_api_version": 2, "anchorsite_override": '"Latency"'}})
    assert spec.arguments["webhook_api_version"] == "2" and spec.arguments["anchorsite_override"] == "Latency"


def test_every_mistake_names_the_stack_the_application_and_the_key() -> None:
    applications = {
        "router": {"webhook_event_url": URL, "dtmf_typ": "Inband"},
        "ivr": {"inbound": {"channel_limit": "ten"}},
    }
    with pytest.raises(StackConfigError) as caught:
        load_applications("prod", applications)
    lines = str(caught.value).splitlines()
    assert any("stack 'prod': application 'router': key 'dtmf_typ'" in line and "did you mean 'dtmf_type'?" in line for line in lines)
    assert any("stack 'prod': application 'ivr': key 'webhook_event_url' is required" in line for line in lines)
    assert any("stack 'prod': application 'ivr': key 'inbound.channel_limit'" in line and "'ten'" in line for line in lines)
    assert len(lines) == 3


def test_a_bad_default_is_reported_for_each_application_it_reaches() -> None:
    with pytest.raises(StackConfigError) as caught:
        load_applications("dev", {"a": {"webhook_event_url": URL}, "b": {"webhook_event_url": URL}}, {"active": "yes"})
    assert str(caught.value).count("key 'active'") == 2


@pytest.mark.parametrize("key", ["application_name", "import_id"])
def test_per_application_keys_cannot_be_defaults(key: str) -> None:
    with pytest.raises(StackConfigError, match=f"key '{key}' cannot be a default"):
        load_applications("dev", {"a": {"webhook_event_url": URL}}, {key: "1"})


@pytest.mark.parametrize(
    ("applications", "defaults", "message"),
    [
        (None, None, "no 'applications' are declared"),
        (["a"], None, "'applications' must be a map"),
        ({"a": {"webhook_event_url": URL}}, ["x"], "'defaults' must be a map"),
        ({"a": "https://example.com"}, None, "application 'a': must be a map of arguments"),
        ({"a b": {"webhook_event_url": URL}}, None, "the logical name may hold only"),
        ({"a": {"webhook_event_url": URL, "import_id": 12}}, None, "key 'import_id'"),
    ],
)
def test_malformed_declarations_are_refused(applications: object, defaults: object, message: str) -> None:
    with pytest.raises(StackConfigError, match=message):
        load_applications("dev", applications, defaults)


def test_merge_replaces_non_group_values() -> None:
    assert merge({"tags": ["a"], "inbound": {"x": 1}}, {"tags": ["b"], "inbound": {"y": 2}}) == {"tags": ["b"], "inbound": {"x": 1, "y": 2}}


def test_a_null_puts_a_field_back_to_its_api_default_despite_the_defaults() -> None:
    [spec] = load_applications("dev", {"ivr": {"webhook_event_url": URL, "webhook_timeout_secs": None}}, {"webhook_timeout_secs": 10})
    assert "webhook_timeout_secs" not in spec.arguments


def test_an_entrys_application_name_is_its_own_or_logical_name_dash_stack() -> None:
    assert stack_config.application_name_of("prod", "ivr", {"application_name": "acme-ivr"}) == "acme-ivr"
    assert stack_config.application_name_of("prod", "ivr", {"webhook_event_url": "https://x.example.com"}) == "ivr-prod"
