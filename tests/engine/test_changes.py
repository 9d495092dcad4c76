"""How the real engine shows and applies a change to the dev stack: a portal edit, `ignore_changes`, a removed line, a
changed default. The preview's text is what a reviewer reads; the fake's request log is what `up` really wrote."""

from __future__ import annotations

import json

import pytest

from .account import edit_in_portal, patched_fields, path_of, writes
from .display import block, blocks, progress_diff
from .harness import Engine

STACK = "dev"


@pytest.fixture
def ids(engine: Engine) -> dict[str, str]:
    """The dev stack deployed as its file declares it: logical name → application id."""
    engine.select(STACK)
    engine.run("up", "--stack", STACK, "--yes")
    engine.fake.backend.clear_requests()
    return dict(engine.outputs(STACK)["application_ids"])


def ignore_changes(engine: Engine, name: str, *paths: str) -> None:
    """Give an entry of the stack file the `ignore_changes` option with these setting paths."""
    engine.edit_applications(STACK, lambda apps: apps[name].update(ignore_changes=list(paths)))


def test_a_portal_edit_is_invisible_to_a_preview_without_refresh(engine: Engine, ids: dict[str, str]) -> None:
    edit_in_portal(engine.fake.backend, ids["call-router"], dtmf_type="SIP INFO")

    preview = engine.run("preview", "--stack", STACK, "--diff", "--expect-no-changes")

    assert "3 unchanged" in preview.stdout and blocks(preview.stdout, "call-router") == []
    assert engine.fake.backend.calls() == []  # the state's last read is all it compares with


def test_a_refreshed_preview_marks_a_portal_edit_as_that_one_field_going_back(engine: Engine, ids: dict[str, str]) -> None:
    edit_in_portal(engine.fake.backend, ids["call-router"], dtmf_type="SIP INFO")

    preview = engine.run("preview", "--stack", STACK, "--diff", "--refresh")

    assert block(preview.stdout, "call-router", "update").marked() == ['~ dtmf_type : "SIP INFO" => "RFC 2833"']
    assert [b.op for b in blocks(preview.stdout, "ivr")] == []
    assert "~ 1 to update" in preview.stdout and "2 unchanged" in preview.stdout


def test_up_after_a_portal_edit_patches_that_one_field(engine: Engine, ids: dict[str, str]) -> None:
    backend = engine.fake.backend
    edit_in_portal(backend, ids["call-router"], dtmf_type="SIP INFO")

    up = engine.run("up", "--stack", STACK, "--refresh", "--yes")

    assert [(w.method, w.path) for w in writes(backend)] == [("PATCH", path_of(ids["call-router"]))]
    patch = writes(backend)[0]
    assert patched_fields(patch) == {"dtmf_type"} and patch.body["dtmf_type"] == "RFC 2833"
    assert backend.applications[ids["call-router"]]["dtmf_type"] == "RFC 2833"
    assert progress_diff(up.stdout, "call-router", "updated") == "~dtmf_type"


def test_a_portal_edit_to_an_ignored_field_previews_as_no_change(engine: Engine, ids: dict[str, str]) -> None:
    ignore_changes(engine, "call-router", "dtmf_type")
    edit_in_portal(engine.fake.backend, ids["call-router"], dtmf_type="SIP INFO")

    preview = engine.run("preview", "--stack", STACK, "--diff", "--refresh", "--expect-no-changes")

    assert [b.op for b in blocks(preview.stdout, "call-router")] == ["refresh"]  # the read shows it; nothing follows
    assert "3 unchanged" in preview.stdout


def test_a_portal_edit_to_an_ignored_field_is_never_written(engine: Engine, ids: dict[str, str]) -> None:
    backend = engine.fake.backend
    ignore_changes(engine, "call-router", "dtmf_type", "inbound.channel_limit")
    edit_in_portal(backend, ids["call-router"], dtmf_type="SIP INFO", inbound={"channel_limit": 7})

    engine.run("up", "--stack", STACK, "--refresh", "--yes", "--expect-no-changes")

    assert writes(backend) == []
    live = backend.applications[ids["call-router"]]
    assert (live["dtmf_type"], live["inbound"]["channel_limit"]) == ("SIP INFO", 7)


def test_ignore_changes_puts_the_old_input_in_place_of_a_newly_declared_value(engine: Engine, ids: dict[str, str]) -> None:
    ignore_changes(engine, "call-router", "dtmf_type")
    engine.edit_applications(STACK, lambda apps: apps["call-router"].update(dtmf_type="Inband"))

    engine.run("up", "--stack", STACK, "--yes", "--expect-no-changes")

    assert writes(engine.fake.backend) == []
    (router,) = [r for r in engine.resources(STACK) if r["urn"].endswith("::call-router")]
    assert router["inputs"]["dtmf_type"] == "RFC 2833"  # the engine's copy of the old input, never the program's value


def test_a_removed_line_resets_its_field_to_the_api_default(engine: Engine, ids: dict[str, str]) -> None:
    backend = engine.fake.backend
    engine.edit_applications(STACK, lambda apps: apps["ivr"].pop("first_command_timeout_secs"))

    engine.run("up", "--stack", STACK, "--refresh", "--yes")

    assert backend.applications[ids["ivr"]]["first_command_timeout_secs"] == 30
    assert [patched_fields(w) for w in writes(backend)] == [{"first_command_timeout_secs"}]


def test_a_removed_nested_line_resets_its_field_to_null(engine: Engine, ids: dict[str, str]) -> None:
    backend = engine.fake.backend
    engine.edit_applications(STACK, lambda apps: apps["ivr"]["inbound"].pop("sip_subdomain"))

    engine.run("up", "--stack", STACK, "--refresh", "--yes")

    assert backend.applications[ids["ivr"]]["inbound"]["sip_subdomain"] is None
    assert [w.body["inbound"] for w in writes(backend)] == [{"sip_subdomain": None}]


def test_the_preview_shows_removed_lines_going_back_to_their_defaults(engine: Engine, ids: dict[str, str]) -> None:
    engine.edit_applications(STACK, lambda apps: (apps["ivr"].pop("first_command_timeout_secs"), apps["ivr"]["inbound"].pop("sip_subdomain")))

    preview = engine.run("preview", "--stack", STACK, "--diff", "--refresh")

    # A default of null is shown as the old value removed, not as `=> null`.
    assert block(preview.stdout, "ivr", "update").marked() == [
        "~ first_command_timeout_secs: 15 => 30",
        "~ inbound : {",
        '- sip_subdomain : "acme-ivr-dev"',
    ]


def test_a_changed_default_updates_every_application_inheriting_it_in_one_up(engine: Engine, ids: dict[str, str]) -> None:
    backend = engine.fake.backend
    engine.edit_config(STACK, lambda config: config["telnyx-call-control:defaults"].update(webhook_timeout_secs=20))

    engine.run("up", "--stack", STACK, "--refresh", "--yes")

    patches = writes(backend)
    assert sorted((w.method, w.path) for w in patches) == sorted(("PATCH", path_of(i)) for i in ids.values())
    assert [(patched_fields(w), w.body["webhook_timeout_secs"]) for w in patches] == [({"webhook_timeout_secs"}, 20)] * 2
    assert {backend.applications[i]["webhook_timeout_secs"] for i in ids.values()} == {20}


def test_a_changed_default_leaves_an_application_that_overrides_it_alone(engine: Engine, ids: dict[str, str]) -> None:
    engine.edit_applications(STACK, lambda apps: apps["ivr"].update(webhook_timeout_secs=10))
    engine.edit_config(STACK, lambda config: config["telnyx-call-control:defaults"].update(webhook_timeout_secs=20))

    preview = engine.run("preview", "--stack", STACK, "--diff", "--refresh")

    assert block(preview.stdout, "call-router", "update").marked() == ["~ webhook_timeout_secs : 10 => 20"]
    assert blocks(preview.stdout, "ivr") == []


def test_a_preview_without_a_key_shows_a_declared_change_and_makes_no_call(engine: Engine, ids: dict[str, str]) -> None:
    engine.edit_applications(STACK, lambda apps: apps["ivr"].update(dtmf_type="SIP INFO"))

    preview = engine.run("preview", "--stack", STACK, "--diff", env={"TELNYX_API_KEY": ""})

    assert block(preview.stdout, "ivr", "update").marked() == ['~ dtmf_type : "Inband" => "SIP INFO"']
    assert engine.fake.backend.calls() == []


def test_without_a_refresh_a_difference_only_in_the_outputs_is_an_update_with_no_field_marked(
    engine: Engine, ids: dict[str, str]
) -> None:
    # The state's outputs say one thing, its inputs and the program another (as after an API rewrote a value): the
    # provider's diff compares the outputs, the engine's display the inputs.
    deployment = engine.export(STACK)
    for resource in deployment["deployment"]["resources"]:
        if resource["urn"].endswith("::call-router"):
            resource["outputs"]["dtmf_type"] = "SIP INFO"
    edited = engine.project / "edited-state.json"
    edited.write_text(json.dumps(deployment))
    engine.run("stack", "import", "--stack", STACK, "--file", str(edited))

    preview = engine.run("preview", "--stack", STACK, "--diff")
    up = engine.run("up", "--stack", STACK, "--yes")

    assert block(preview.stdout, "call-router", "update").marked() == []
    assert progress_diff(up.stdout, "call-router", "updated") is None
    assert [patched_fields(w) for w in writes(engine.fake.backend)] == [{"dtmf_type"}]
