"""The stack program (`__main__.py`) under Pulumi mocks, once per stack file in stacks/."""

from __future__ import annotations

import runpy
from typing import Any

import pulumi
import pytest

from provider.resource import TYPE_TOKEN

from .pulumi_mocks import RecordingMocks, install
from .stack_files import PROJECT, ROOT, STACKS, as_engine_config, declared, stack_config


def run_program(mocks: RecordingMocks, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run __main__.py under installed mocks; return the stack's exports."""
    assert mocks.resources == []
    exports: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exports.__setitem__(name, value))
    runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
    return exports


def test_there_is_a_stack_file_per_environment() -> None:
    assert STACKS == ["dev", "prod", "staging"]


@pytest.mark.parametrize("stack", STACKS)
@pulumi.runtime.test
def test_each_stack_declares_its_applications_with_merged_arguments(stack: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    mocks = install(stack, as_engine_config(stack_config(stack)))
    exports = run_program(mocks, monkeypatch)
    applications, defaults = declared(stack)

    def check(values: list[Any]) -> None:
        ids, names = values
        registered = {r.name: r for r in mocks.resources}
        assert set(registered) == set(applications)
        for logical_name, own in applications.items():
            resource = registered[logical_name]
            assert resource.typ == TYPE_TOKEN
            inputs = resource.inputs
            for key, value in defaults.items():
                if key not in own and key != "tags":
                    assert inputs[key] == value, (logical_name, key)
            for key, value in own.items():
                if key in ("inbound", "outbound"):
                    assert inputs[key] == {**defaults.get(key, {}), **value}
                elif key != "tags":
                    assert inputs[key] == value, (logical_name, key)
            assert sorted(inputs["tags"]) == sorted(own.get("tags", defaults.get("tags", [])))
            assert inputs["application_name"] == own.get("application_name", f"{logical_name}-{stack}")
        assert set(ids) == set(applications) and all(ids.values())
        assert names == {n: registered[n].inputs["application_name"] for n in applications}

    return pulumi.Output.all(exports["application_ids"], exports["application_names"]).apply(check)


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        ({"webhook_timout_secs": 5}, "key 'webhook_timout_secs' is not a field"),
        ({"inbound": {"channel_limit": "lots"}}, "key 'inbound.channel_limit'"),
        ({"webhook_event_url": None}, "key 'webhook_event_url' is required"),
    ],
)
def test_a_config_mistake_fails_the_run_naming_stack_application_and_key_before_any_resource(
    mistake: dict[str, Any], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = stack_config("dev")
    applications = config[f"{PROJECT}:applications"]
    applications["ivr"] = {k: v for k, v in {**applications["ivr"], **mistake}.items() if v is not None}
    mocks = install("dev", as_engine_config(config))
    with pytest.raises(pulumi.RunError) as caught:
        run_program(mocks, monkeypatch)
    message = str(caught.value)
    assert "stack 'dev': application 'ivr'" in message and expected in message
    assert mocks.resources == []


def test_a_stack_without_applications_says_what_to_add(monkeypatch: pytest.MonkeyPatch) -> None:
    mocks = install("dev", {})
    with pytest.raises(pulumi.RunError, match="telnyx-call-control:applications"):
        run_program(mocks, monkeypatch)
