"""The stack program (`__main__.py`) under Pulumi mocks, once per stack file in stacks/."""

from __future__ import annotations

import runpy
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from provider.resource import TYPE_TOKEN
from stack_files.loader import OPTIONS

from ..support.pulumi_mocks import RecordingMocks, install
from ..support.stack_files import PROJECT, ROOT, STACKS, as_engine_config, declared, stack_config


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
                if key not in own and key != "tags" and key not in OPTIONS:
                    assert inputs[key] == value, (logical_name, key)
            for key, value in own.items():
                if key in OPTIONS:
                    continue
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


WRONG_TYPES = {"a string": "oops", "a number": 5, "a boolean": True, "a list": ["call-router"], "null": None}


def fails_before_registering(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, stack: str = "dev") -> str:
    """Run the program on a stack file's config; return its error, after checking nothing was registered."""
    mocks = install(stack, as_engine_config(config))
    with pytest.raises(pulumi.RunError) as caught:
        run_program(mocks, monkeypatch)
    assert mocks.resources == []
    message = str(caught.value)
    assert message.startswith(f"Invalid stack configuration:\nstack '{stack}': ")
    return message


@pytest.mark.parametrize("key", ["applications", "defaults"])
@pytest.mark.parametrize("words", list(WRONG_TYPES))
def test_a_stack_key_of_the_wrong_type_is_a_named_error_not_a_traceback(key: str, words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("dev")
    config[f"{PROJECT}:{key}"] = WRONG_TYPES[words]
    message = fails_before_registering(config, monkeypatch)
    assert f"key '{PROJECT}:{key}'" in message
    if not (key == "applications" and words == "null"):
        assert "must be a map of" in message and message.endswith(f"; got {words}")


@pytest.mark.parametrize("words", list(WRONG_TYPES))
def test_an_application_entry_of_the_wrong_type_is_a_named_error(words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("dev")
    config[f"{PROJECT}:applications"]["ivr"] = WRONG_TYPES[words]
    message = fails_before_registering(config, monkeypatch)
    assert "stack 'dev': application 'ivr': must be a map of arguments" in message and message.endswith(f"got {words}")


def test_text_that_is_not_json_is_a_named_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the engine hands the program for `applications: {oops` (a YAML string that is no JSON).
    message = fails_before_registering({f"{PROJECT}:applications": "{oops"}, monkeypatch)
    assert message.endswith("got a string")


def test_two_entries_with_the_same_explicit_name_fail_naming_both(monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("prod")
    config[f"{PROJECT}:applications"]["ivr"]["application_name"] = "acme-call-router"
    message = fails_before_registering(config, monkeypatch, "prod")
    assert "applications 'call-router' and 'ivr' would both have the application_name 'acme-call-router'" in message
    assert message.endswith("give one of them another application_name")


def test_an_explicit_name_equal_to_another_entrys_default_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("dev")
    config[f"{PROJECT}:applications"]["ivr"]["application_name"] = "call-router-dev"
    message = fails_before_registering(config, monkeypatch)
    assert (
        "applications 'call-router' (by default, as <logical name>-<stack>) and 'ivr' would both have the application_name "
        "'call-router-dev'"
    ) in message


@pytest.mark.parametrize("secret_key", ["applications", "defaults"])
@pulumi.runtime.test
def test_with_a_secret_config_key_the_webhook_urls_are_registered_as_secrets_and_nothing_else(
    secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> Any:
    # `pulumi config set --path --secret 'telnyx-call-control:applications.call-router.webhook_event_url' …`:
    # the program gets the whole key as plain JSON text and the key listed as secret.
    mocks = install("prod", as_engine_config(stack_config("prod")), [f"{PROJECT}:{secret_key}"])
    exports = run_program(mocks, monkeypatch)

    def check(names: dict[str, str]) -> None:
        assert len(mocks.resources) == 3
        for resource in mocks.resources:
            for name, value in resource.inputs.items():
                if name in ("webhook_event_url", "webhook_event_failover_url"):
                    assert rpc.is_rpc_secret(value) and rpc.unwrap_rpc_secret(value).startswith("https://"), name
                else:
                    assert not _holds_secret(value), name
        assert names == {"call-router": "acme-call-router", "ivr": "acme-ivr", "eu-call-router": "acme-call-router-eu"}

    return pulumi.Output.from_input(exports["application_names"]).apply(check)


@pulumi.runtime.test
def test_without_a_secret_config_key_nothing_is_registered_as_a_secret(monkeypatch: pytest.MonkeyPatch) -> Any:
    mocks = install("prod", as_engine_config(stack_config("prod")), [])
    exports = run_program(mocks, monkeypatch)

    def check(_: Any) -> None:
        assert mocks.resources and not any(_holds_secret(r.inputs) for r in mocks.resources)

    return pulumi.Output.from_input(exports["application_ids"]).apply(check)




def _holds_secret(value: Any) -> bool:
    if rpc.is_rpc_secret(value):
        return True
    if isinstance(value, dict):
        return any(_holds_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secret(v) for v in value)
    return False


def registered_options(mocks: RecordingMocks, name: str) -> tuple[bool, bool, list[str]]:
    """(protect, retain_on_delete, ignore_changes) as the SDK sent them to the engine for one resource."""
    request = mocks.requests[name]
    protect = request.HasField("protect") and request.protect
    retain = request.HasField("retainOnDelete") and request.retainOnDelete
    return protect, retain, list(request.ignoreChanges)


@pulumi.runtime.test
def test_the_prod_stack_protects_every_application(monkeypatch: pytest.MonkeyPatch) -> Any:
    mocks = install("prod", as_engine_config(stack_config("prod")))
    exports = run_program(mocks, monkeypatch)
    applications, _ = declared("prod")

    def check(_: Any) -> None:
        assert set(mocks.requests) == set(applications)
        for name in applications:
            assert registered_options(mocks, name) == (True, False, []), name

    return pulumi.Output.from_input(exports["application_ids"]).apply(check)


@pytest.mark.parametrize("stack", ["dev", "staging"])
@pulumi.runtime.test
def test_other_stacks_leave_their_applications_unprotected(stack: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    mocks = install(stack, as_engine_config(stack_config(stack)))
    exports = run_program(mocks, monkeypatch)

    def check(_: Any) -> None:
        assert mocks.requests and all(registered_options(mocks, name) == (False, False, []) for name in mocks.requests)

    return pulumi.Output.from_input(exports["application_ids"]).apply(check)


@pulumi.runtime.test
def test_an_applications_own_options_override_the_defaults_and_reach_the_engine(monkeypatch: pytest.MonkeyPatch) -> Any:
    config = stack_config("prod")
    applications = config[f"{PROJECT}:applications"]
    config[f"{PROJECT}:defaults"].update(retain_on_delete=True, ignore_changes=["tags"])
    applications["ivr"].update(protect=False, ignore_changes=["webhook_event_url", "inbound.channel_limit"])
    applications["eu-call-router"].update(retain_on_delete=None)  # null: back to Pulumi's default
    mocks = install("prod", as_engine_config(config))
    exports = run_program(mocks, monkeypatch)

    def check(_: Any) -> None:
        assert registered_options(mocks, "call-router") == (True, True, ["tags"])
        assert registered_options(mocks, "ivr") == (False, True, ["webhook_event_url", "inbound.channel_limit"])
        assert registered_options(mocks, "eu-call-router") == (True, False, ["tags"])
        assert all("protect" not in r.inputs and "ignore_changes" not in r.inputs for r in mocks.resources)

    return pulumi.Output.from_input(exports["application_ids"]).apply(check)


@pulumi.runtime.test
def test_an_import_id_still_adopts_alongside_the_options(monkeypatch: pytest.MonkeyPatch) -> Any:
    config = stack_config("prod")
    config[f"{PROJECT}:applications"]["ivr"]["import_id"] = "1293384261075731499"
    mocks = install("prod", as_engine_config(config))
    exports = run_program(mocks, monkeypatch)

    def check(_: Any) -> None:
        ivr = next(r for r in mocks.resources if r.name == "ivr")
        assert ivr.inputs["import_id"] == "1293384261075731499"
        assert registered_options(mocks, "ivr")[0] is True

    return pulumi.Output.from_input(exports["application_ids"]).apply(check)


def test_a_bad_option_fails_the_run_naming_it_before_any_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("prod")
    config[f"{PROJECT}:applications"]["ivr"].update(protect="yes", ignore_changes=["webhook_evnt_url"])
    mocks = install("prod", as_engine_config(config))
    with pytest.raises(pulumi.RunError) as caught:
        run_program(mocks, monkeypatch)
    lines = str(caught.value).splitlines()
    assert any("stack 'prod': application 'ivr': key 'protect': got 'yes'; expected true or false" in line for line in lines)
    assert any("key 'ignore_changes': 'webhook_evnt_url'" in line and "did you mean 'webhook_event_url'?" in line for line in lines)
    assert mocks.resources == [] and mocks.requests == {}
