"""The guardrails through the real engine: `protect`, `retain_on_delete`, a refresh after a deletion behind Pulumi's
back, and a failed check, each printed as the engine prints it and with nothing written that should not be."""

from __future__ import annotations

import pytest

from .account import path_of, writes
from .display import APPLICATION_TYPE, blocks
from .harness import Engine

STACK = "dev"
IVR_URN = f"urn:pulumi:{STACK}::telnyx-call-control::{APPLICATION_TYPE}::ivr"
PROTECTED = f'error: Preview failed: resource "{IVR_URN}" cannot be deleted because it is protected.'


def deploy(engine: Engine, **ivr_options: object) -> dict[str, str]:
    """The dev stack deployed, its ivr entry with these resource options: logical name → application id."""
    engine.select(STACK)
    engine.edit_applications(STACK, lambda apps: apps["ivr"].update(ivr_options))
    engine.run("up", "--stack", STACK, "--yes")
    engine.fake.backend.clear_requests()
    return dict(engine.outputs(STACK)["application_ids"])


def managed(engine: Engine) -> set[str]:
    """The logical names the state holds an application for."""
    return {r["urn"].rsplit("::", 1)[1] for r in engine.resources(STACK)}


def printed(*outputs: str) -> str:
    """The engine's output with its line breaks and indentation collapsed (it wraps long diagnostics)."""
    return " ".join(" ".join(outputs).split())


def remove_entry(engine: Engine, name: str) -> None:
    """Delete an application's entry from the stack file."""
    engine.edit_applications(STACK, lambda apps: apps.pop(name))


def program(engine: Engine, **arguments: object) -> None:
    """Replace the copy's stack program with one declaring a single application (arguments as given) directly,
    past the stack-file loader, so that what the provider's check refuses reaches the engine."""
    declared = {"webhook_event_url": "https://dev.hooks.example.com/telnyx/call-router", **arguments}
    (engine.project / "__main__.py").write_text(
        f"from provider import CallControlApplication\n\nCallControlApplication('call-router', {declared!r})\n"
    )


def test_protect_refuses_destroy_and_deletes_nothing(engine: Engine) -> None:
    ids = deploy(engine, protect=True)

    destroy = engine.run("destroy", "--stack", STACK, "--yes", check=False)

    assert destroy.returncode != 0 and PROTECTED in printed(destroy.stdout, destroy.stderr)
    assert set(engine.fake.backend.applications) == set(ids.values())  # the unprotected one stays too
    assert writes(engine.fake.backend) == [] and managed(engine) == {"call-router", "ivr"}


def test_protect_refuses_the_removal_of_the_entry(engine: Engine) -> None:
    ids = deploy(engine, protect=True)
    remove_entry(engine, "ivr")

    up = engine.run("up", "--stack", STACK, "--yes", check=False)

    assert up.returncode != 0 and PROTECTED in printed(up.stdout, up.stderr)
    assert ids["ivr"] in engine.fake.backend.applications and writes(engine.fake.backend) == []
    assert "ivr" in managed(engine)


def test_a_refused_removal_stops_every_other_change_of_that_up(engine: Engine) -> None:
    deploy(engine, protect=True)
    remove_entry(engine, "ivr")
    engine.edit_applications(STACK, lambda apps: apps["call-router"].update(dtmf_type="Inband"))

    up = engine.run("up", "--stack", STACK, "--yes", check=False)

    # up's preview fails first, so nothing is applied (with --skip-preview the update would go out before the refusal).
    assert up.returncode != 0 and PROTECTED in printed(up.stdout)
    assert writes(engine.fake.backend) == []


def test_a_protected_application_is_deleted_in_two_changes_unprotect_then_remove(engine: Engine) -> None:
    ids = deploy(engine, protect=True)
    backend = engine.fake.backend

    engine.edit_applications(STACK, lambda apps: apps["ivr"].update(protect=False))
    engine.run("up", "--stack", STACK, "--yes", "--refresh")
    unprotected = writes(backend)
    remove_entry(engine, "ivr")
    engine.run("up", "--stack", STACK, "--yes", "--refresh")

    assert unprotected == []  # the first change is Pulumi's state alone (the refresh reads, nothing is written)
    assert [(w.method, w.path) for w in writes(backend)] == [("DELETE", path_of(ids["ivr"]))]
    assert ids["ivr"] not in backend.applications


def test_retain_on_delete_leaves_the_application_in_telnyx_when_its_entry_is_removed(engine: Engine) -> None:
    ids = deploy(engine, retain_on_delete=True)
    remove_entry(engine, "ivr")

    engine.run("up", "--stack", STACK, "--yes")

    assert writes(engine.fake.backend) == [] and ids["ivr"] in engine.fake.backend.applications
    assert managed(engine) == {"call-router"}


def test_the_preview_shows_a_retained_removal_as_delete_retain(engine: Engine) -> None:
    deploy(engine, retain_on_delete=True)
    remove_entry(engine, "ivr")

    preview = engine.run("preview", "--stack", STACK, "--diff")

    assert [b.op for b in blocks(preview.stdout, "ivr")] == ["delete[retain]"]


def test_refresh_drops_an_application_deleted_behind_pulumis_back(engine: Engine) -> None:
    ids = deploy(engine)
    engine.fake.backend.delete(ids["call-router"])  # in the portal: no API request

    refresh = engine.run("refresh", "--stack", STACK, "--yes")

    assert managed(engine) == {"ivr"}
    assert f"{APPLICATION_TYPE} call-router deleted" in printed(refresh.stdout)
    assert writes(engine.fake.backend) == []


def test_a_stack_file_mistake_fails_the_run_with_each_problem_on_its_own_line_and_writes_nothing(engine: Engine) -> None:
    deploy(engine)
    before = engine.resources(STACK)
    engine.edit_applications(STACK, lambda apps: (apps["call-router"]["inbound"].update(channel_limit=-1), apps["ivr"].update(dtmf_typ="Inband")))

    up = engine.run("up", "--stack", STACK, "--yes", check=False)

    lines = [line.strip() for line in up.stdout.splitlines()]
    first = lines.index("error: Invalid stack configuration:")
    assert lines[first + 1] == (
        "stack 'dev': application 'call-router': key 'inbound.channel_limit' got -1, out of range; "
        "expected a whole number of at least 0 (or null)"
    )
    assert lines[first + 2].startswith(
        "stack 'dev': application 'ivr': key 'dtmf_typ' is not a field of a call control application; did you mean 'dtmf_type'? known fields: "
    )
    assert up.returncode != 0
    assert engine.fake.backend.calls() == [] and engine.resources(STACK) == before


def test_a_bad_value_fails_check_as_the_engine_prints_it_and_writes_nothing(engine: Engine) -> None:
    engine.select(STACK)
    program(engine)
    engine.run("up", "--stack", STACK, "--yes")
    (app_id,) = engine.fake.backend.applications
    before = engine.fake.backend.retrieve(app_id)
    engine.fake.backend.clear_requests()
    program(engine, inbound={"channel_limit": -1}, webhook_timeout_secs=31)

    up = engine.run("up", "--stack", STACK, "--yes", check=False)

    errors = [line.strip() for line in up.stdout.splitlines() if line.strip().startswith("error: ")]
    # A top-level setting is named as the property, and the engine quotes its value; a nested one is named in the reason.
    assert sorted(set(errors)) == [
        f"error: {APPLICATION_TYPE} resource 'call-router' has a problem: inbound.channel_limit got -1, out of range; "
        "expected a whole number of at least 0 (or null)",
        f"error: {APPLICATION_TYPE} resource 'call-router': property webhook_timeout_secs value {{31}} has a problem: "
        "got 31, out of range; expected a whole number from 0 to 30 (or null)",
    ]
    assert up.returncode != 0
    assert engine.fake.backend.calls() == [] and engine.fake.backend.retrieve(app_id) == before


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"dtmf_typ": "Inband"}, "dtmf_typ is not a field of a call control application; did you mean 'dtmf_type'?"),
        ({"outbound": {"chanel_limit": 2}}, "outbound.chanel_limit is not a field of a call control application; did you mean 'channel_limit'?"),
    ],
)
def test_an_unknown_argument_fails_check_suggesting_the_closest_name(engine: Engine, arguments: dict[str, object], reason: str) -> None:
    engine.select(STACK)
    program(engine, **arguments)

    preview = engine.run("preview", "--stack", STACK, "--diff", check=False)

    assert preview.returncode != 0
    assert f"error: {APPLICATION_TYPE} resource 'call-router' has a problem: {reason}" in printed(preview.stderr)
    assert engine.fake.backend.calls() == []
