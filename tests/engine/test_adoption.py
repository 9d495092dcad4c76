"""Adopting an application made in the portal with `import_id` in the stack file, through the real engine: the
preview reads it once, `up` takes it over without a write, and afterwards the line is no change, kept or removed."""

from __future__ import annotations

from typing import Any

import pytest

from .account import path_of, writes
from .display import block
from .harness import Engine

STACK = "dev"
URL = "https://dev.hooks.example.com/telnyx/voicemail"


@pytest.fixture
def portal_app(engine: Engine) -> dict[str, Any]:
    """The dev stack deployed, an application made in the portal, and an entry adopting it added to the stack file.

    The entry declares what the application has today; the stack's defaults supply the rest.
    """
    engine.select(STACK)
    engine.run("up", "--stack", STACK, "--yes")
    app = engine.fake.backend.add_from_portal(
        {
            "application_name": "voicemail-dev",
            "webhook_event_url": URL,
            "dtmf_type": "Inband",
            "tags": ["dev", "managed-by-pulumi"],
            "webhook_api_version": "2",
            "webhook_timeout_secs": 10,
        }
    )
    declare_adoption(engine, app["id"], dtmf_type="Inband")
    engine.fake.backend.clear_requests()
    return app


def declare_adoption(engine: Engine, app_id: str, **arguments: Any) -> None:
    """Add (or replace) the stack file's `voicemail` entry adopting `app_id`, with these arguments."""
    engine.edit_applications(STACK, lambda apps: apps.update(voicemail={"import_id": app_id, "webhook_event_url": URL, **arguments}))


def test_an_adoption_preview_makes_one_get_and_shows_a_create(engine: Engine, portal_app: dict[str, Any]) -> None:
    preview = engine.run("preview", "--stack", STACK, "--diff")

    assert [(c.method, c.path) for c in engine.fake.backend.calls()] == [("GET", path_of(portal_app["id"]))]
    assert block(preview.stdout, "voicemail", "create").shows(f'import_id : "{portal_app["id"]}"')
    assert "+ 1 to create" in preview.stdout


def test_an_adoption_preview_without_a_key_makes_no_call(engine: Engine, portal_app: dict[str, Any]) -> None:
    preview = engine.run("preview", "--stack", STACK, "--diff", env={"TELNYX_API_KEY": ""})

    assert engine.fake.backend.calls() == []
    assert block(preview.stdout, "voicemail", "create").shows(f'import_id : "{portal_app["id"]}"')


def test_an_adoption_up_writes_nothing_and_takes_the_application_over(engine: Engine, portal_app: dict[str, Any]) -> None:
    backend = engine.fake.backend

    engine.run("up", "--stack", STACK, "--yes")

    assert writes(backend) == []
    # up's own preview reads it once, then check and create once each.
    assert [(c.method, c.path) for c in backend.calls()] == [("GET", path_of(portal_app["id"]))] * 3
    assert engine.outputs(STACK)["application_ids"]["voicemail"] == portal_app["id"]
    assert backend.retrieve(portal_app["id"]) == portal_app


def test_an_adopted_application_is_no_change_with_its_import_id_line_or_without(engine: Engine, portal_app: dict[str, Any]) -> None:
    engine.run("up", "--stack", STACK, "--yes")
    assert "import_id" in engine.declared(STACK)["voicemail"]

    for refresh in ((), ("--refresh",)):
        kept = engine.run("preview", "--stack", STACK, "--diff", "--expect-no-changes", *refresh)
        assert "4 unchanged" in kept.stdout
    engine.edit_applications(STACK, lambda apps: apps["voicemail"].pop("import_id"))
    for refresh in ((), ("--refresh",)):
        removed = engine.run("preview", "--stack", STACK, "--diff", "--expect-no-changes", *refresh)
        assert "4 unchanged" in removed.stdout
    assert writes(engine.fake.backend) == []


def test_an_adoption_that_differs_from_the_application_fails_the_preview_naming_the_field(
    engine: Engine, portal_app: dict[str, Any]
) -> None:
    declare_adoption(engine, portal_app["id"], dtmf_type="SIP INFO")

    preview = engine.run("preview", "--stack", STACK, "--diff", check=False)

    assert preview.returncode != 0
    assert (
        f"error: pulumi-python:dynamic/telnyx:CallControlApplication resource 'voicemail': property import_id value "
        f"{{{portal_app['id']}}} has a problem: dtmf_type: the application has 'Inband', the program declares 'SIP INFO'; "
        f"call control application {portal_app['id']} is adopted only as it is: the program must declare what it has "
        "today (change it in a later update)"
    ) in preview.stderr.splitlines()
    assert writes(engine.fake.backend) == []


RAW_IMPORT = """\
import pulumi
from pulumi.dynamic import Resource

from provider.resource import _PROVIDER


class Raw(Resource):
    pass


Raw(_PROVIDER, "legacy", {{"application_name": "legacy-dev", "webhook_event_url": {url!r}}},
         pulumi.ResourceOptions(import_={app_id!r}))
"""


def test_the_engines_own_import_cannot_reach_a_dynamic_provider(engine: Engine) -> None:
    """pulumi#16175: the engine's import Read carries no inputs, so the dynamic host finds no serialised provider to
    read with; this is why adoption is the provider's own (`import_id`). When Pulumi lifts it, this test fails.
    (`pulumi import` itself needs the Python language host, which a build from the Go modules lacks; the resource
    option is the same import.)"""
    app = engine.fake.backend.add_from_portal({"application_name": "legacy-dev", "webhook_event_url": URL})
    (engine.project / "__main__.py").write_text(RAW_IMPORT.format(url=URL, app_id=app["id"]))
    engine.select(STACK)
    engine.fake.backend.clear_requests()

    imported = engine.run("up", "--stack", STACK, "--yes", check=False)

    assert imported.returncode != 0
    assert "pulumi-python:dynamic:Resource legacy import error: Preview failed" in imported.stdout, imported.stdout
    assert "KeyError: '__provider'" in imported.stdout  # the host's Read looks for the provider in the inputs
    assert writes(engine.fake.backend) == []
    assert engine.resources(STACK) == []
