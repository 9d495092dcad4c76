"""The CallControlApplication resource and its args, as a stack program uses them (under Pulumi mocks)."""

from __future__ import annotations

import inspect
from typing import Any

import pulumi
import pytest

from field_model import fields
from provider import (
    CallControlApplication,
    CallControlApplicationArgs,
    CallControlApplicationInboundArgs,
    CallControlApplicationOutboundArgs,
)

from ..support.pulumi_mocks import RecordingMocks, install


@pytest.fixture
def mocks() -> RecordingMocks:
    return install()


@pulumi.runtime.test
def test_the_type_token_is_readable_and_fixed(mocks: RecordingMocks) -> Any:
    app = CallControlApplication("router", CallControlApplicationArgs(webhook_event_url="https://example.com"))

    def check(urn: str) -> None:
        assert mocks.resources[0].typ == "pulumi-python:dynamic/telnyx:CallControlApplication"
        assert urn.endswith("pulumi-python:dynamic/telnyx:CallControlApplication::router")

    return app.urn.apply(check)


@pulumi.runtime.test
def test_application_name_defaults_to_the_resource_name_and_outputs_are_readable(mocks: RecordingMocks) -> Any:
    app = CallControlApplication(
        "ivr",
        CallControlApplicationArgs(
            webhook_event_url="https://example.com",
            inbound=CallControlApplicationInboundArgs(channel_limit=5),
            outbound=CallControlApplicationOutboundArgs(outbound_voice_profile_id="1293384261075731499"),
        ),
    )

    def check(values: list[Any]) -> None:
        name, inbound, outbound, record_type = values
        assert name == "ivr"
        assert inbound == {"channel_limit": 5}
        assert outbound == {"outbound_voice_profile_id": "1293384261075731499"}
        assert record_type == "call_control_application"
        inputs = mocks.resources[0].inputs
        assert "__provider" in inputs and "active" not in inputs  # unset arguments are not sent

    return pulumi.Output.all(app.application_name, app.inbound, app.outbound, app.record_type).apply(check)


@pulumi.runtime.test
def test_plain_dicts_are_accepted_as_args(mocks: RecordingMocks) -> Any:
    app = CallControlApplication(
        "router", {"application_name": "Router", "webhook_event_url": "https://example.com", "inbound": {"channel_limit": 2}}
    )

    def check(values: list[Any]) -> None:
        assert values == ["Router", {"channel_limit": 2}]

    return pulumi.Output.all(app.application_name, app.inbound).apply(check)


def test_a_missing_webhook_event_url_fails_before_anything_is_sent(mocks: RecordingMocks) -> None:
    with pytest.raises(TypeError, match="webhook_event_url"):
        CallControlApplication("router", {"application_name": "router"})
    assert mocks.resources == []


def test_the_args_classes_name_exactly_the_fields_of_the_model() -> None:
    def parameters(cls: type) -> set[str]:
        return set(inspect.signature(cls.__init__).parameters) - {"self"}

    assert parameters(CallControlApplicationArgs) == {f.name for f in fields.top_level_fields()} | set(fields.GROUPS)
    assert parameters(CallControlApplicationInboundArgs) == {f.name for f in fields.group_fields("inbound")}
    assert parameters(CallControlApplicationOutboundArgs) == {f.name for f in fields.group_fields("outbound")}


def test_the_resource_declares_an_output_for_every_field() -> None:
    annotated = set(CallControlApplication.__annotations__)
    expected = {f.name for f in fields.top_level_fields()} | set(fields.GROUPS) | set(fields.OUTPUT_ONLY_FIELDS)
    assert expected <= annotated


@pulumi.runtime.test
def test_the_import_option_becomes_an_adoption_at_create(mocks: RecordingMocks) -> Any:
    app = CallControlApplication(
        "legacy",
        CallControlApplicationArgs(webhook_event_url="https://example.com"),
        opts=pulumi.ResourceOptions(import_="1293384261075731499"),
    )

    def check(_: Any) -> None:
        assert mocks.resources[0].inputs["import_id"] == "1293384261075731499"

    return app.urn.apply(check)


@pulumi.runtime.test
def test_get_reads_by_id_declaring_nothing_and_marked_to_fail_if_missing(mocks: RecordingMocks) -> Any:
    app = CallControlApplication.get("existing", "1293384261075731499")

    def check(app_id: str) -> None:
        assert app_id == "1293384261075731499"
        [read] = mocks.resources
        assert read.resource_id == "1293384261075731499"
        assert {k: v for k, v in read.inputs.items() if k != "__provider"} == {"__lookup": True}

    return app.id.apply(check)


@pulumi.runtime.test
def test_a_stack_of_more_resources_than_the_sdks_pickle_wrappers_allow_declares_them_all(mocks: RecordingMocks) -> Any:
    # pulumi 3.260's serialize_provider wraps pickle._Pickler._batch_setitems once per dynamic resource and never
    # unwraps it: without the resource putting it back, about 985 in one Python end in a RecursionError.
    from pulumi.dynamic.dynamic import serialize_provider

    from provider.resource import _PROVIDER

    apps = [CallControlApplication(f"app-{i}", CallControlApplicationArgs(webhook_event_url="https://example.com")) for i in range(1100)]
    assert serialize_provider(_PROVIDER)  # the 1101st serialisation still works
    return pulumi.Output.all(*(app.id for app in apps[-3:])).apply(lambda ids: ids)
