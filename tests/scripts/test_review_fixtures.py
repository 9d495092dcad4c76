"""The preview fixtures are the engine's format, the renderer reads only the engine's keys, and its output is pinned.

The engine's field names below are the JSON tags of its Go structs in pulumi/pulumi v3.260.0, the engine this
project runs (pkg/display/json.go, sdk/go/common/apitype/core.go); tests/engine/test_preview_fixtures.py holds each
fixture to the real engine's JSON for the same situation, key by key.
Snapshots: `python -m tests.support.preview_fixtures` rewrites tests/fixtures/preview/*.json and
tests/fixtures/review/*.md after a deliberate change; review the diff before committing it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from scripts.review_comment.changes import stack_changes
from scripts.review_comment.comment import render_comment
from scripts.review_comment.preview_json import KEYS_READ, SECRET, parse_preview

from ..support.preview_fixtures import (
    COMMITTED,
    EXPECTED,
    PREVIEWS,
    PROVIDER_TYPE,
    dev_no_changes,
    go_json,
    load_300_applications,
    preview_digest,
    prod_mixed,
    snapshots,
    staging_updates,
    stand_in_evaluate,
)
from ..support.stack_files import ROOT

# struct -> (file in pulumi/pulumi, its JSON field names)
ENGINE_FIELDS: dict[str, tuple[str, frozenset[str]]] = {
    "PreviewDigest": (
        "pkg/display/json.go",
        frozenset({"config", "steps", "diagnostics", "duration", "changeSummary", "maybeCorrupt"}),
    ),
    "PreviewStep": (
        "pkg/display/json.go",
        frozenset({"op", "urn", "provider", "oldState", "newState", "diffReasons", "replaceReasons", "detailedDiff"}),
    ),
    "PreviewDiagnostic": ("pkg/display/json.go", frozenset({"urn", "prefix", "message", "severity"})),
    "ResourceV3": (
        "sdk/go/common/apitype/core.go",
        frozenset(
            {
                "urn", "custom", "delete", "id", "type", "inputs", "outputs", "parent", "protect", "taint",
                "external", "dependencies", "initErrors", "provider", "propertyDependencies", "pendingReplacement",
                "additionalSecretOutputs", "aliases", "customTimeouts", "importID", "retainOnDelete", "deletedWith",
                "replaceWith", "replacementTrigger", "created", "modified", "sourcePosition", "stackTrace",
                "ignoreChanges", "hideDiff", "replaceOnChanges", "refreshBeforeUpdate", "viewOf", "resourceHooks",
                "extensionRef", "snippetID",
            }
        ),
    ),
}


class Recording(dict[str, Any]):
    """A decoded Go struct that notes every key read from it."""

    reads: dict[str, set[str]] = {}

    def __init__(self, struct: str, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.struct = struct

    def _note(self, key: str) -> None:
        Recording.reads.setdefault(self.struct, set()).add(key)

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._note(str(key))
        return super().__contains__(key)


def recording(digest: dict[str, Any]) -> Recording:
    """The digest with each of its structs wrapped, named by the Go type it is."""
    steps = []
    for step in digest.get("steps", []):
        states = {k: Recording("ResourceV3", step[k]) for k in ("oldState", "newState") if k in step}
        steps.append(Recording("PreviewStep", {**step, **states}))
    diagnostics = [Recording("PreviewDiagnostic", d) for d in digest.get("diagnostics", [])]
    return Recording("PreviewDigest", {**digest, "steps": steps, "diagnostics": diagnostics})


def fixture_digests() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in COMMITTED:
        yield name, json.loads((PREVIEWS / name).read_text())


def test_the_keys_the_renderer_declares_are_fields_of_the_engines_types() -> None:
    for struct, keys in KEYS_READ.items():
        file, engine = ENGINE_FIELDS[struct]
        assert keys <= engine, f"{struct} ({file}) has no field {sorted(keys - engine)}"


def test_every_key_the_renderer_reads_is_a_field_of_the_engines_types() -> None:
    Recording.reads = {}
    for name, digest in fixture_digests():
        render_comment([stack_changes(parse_preview(recording(digest), name), stand_in_evaluate)])
    assert set(Recording.reads) == {"PreviewDigest", "PreviewStep", "ResourceV3", "PreviewDiagnostic"}
    for struct, keys in Recording.reads.items():
        file, engine = ENGINE_FIELDS[struct]
        assert keys <= engine, f"the renderer reads {sorted(keys - engine)}, which {struct} ({file}) does not have"
        assert keys <= KEYS_READ[struct], f"KEYS_READ does not list {sorted(keys - KEYS_READ[struct])} of {struct}"


def test_the_fixtures_hold_only_fields_of_the_engines_types() -> None:
    for name, digest in fixture_digests():
        assert set(digest) <= ENGINE_FIELDS["PreviewDigest"][1], name
        for step in digest["steps"]:
            assert set(step) <= ENGINE_FIELDS["PreviewStep"][1], name
            for state in (step.get("oldState"), step.get("newState")):
                assert state is None or set(state) <= ENGINE_FIELDS["ResourceV3"][1], name
        for diagnostic in digest.get("diagnostics", []):
            assert set(diagnostic) <= ENGINE_FIELDS["PreviewDiagnostic"][1], name


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_the_committed_preview_is_what_the_fixture_builder_writes(name: str) -> None:
    assert (PREVIEWS / name).read_text() == go_json(preview_digest(COMMITTED[name])), "run `python -m tests.support.preview_fixtures`"


@pytest.mark.parametrize("name", sorted(snapshots()))
def test_the_rendered_comment_matches_its_snapshot(name: str) -> None:
    expected = (EXPECTED / name).read_text()
    assert snapshots()[name] == expected, f"tests/fixtures/review/{name} differs; run `python -m tests.support.preview_fixtures` and review the diff"


def test_the_fixtures_write_what_the_engine_writes_for_a_dynamic_resource() -> None:
    steps = [step for _, digest in fixture_digests() for step in digest["steps"]]
    assert all(step["detailedDiff"] is None and "diffReasons" not in step for step in steps)
    assert all(step["op"] != "same" or step["urn"].split("::")[2] == "pulumi:pulumi:Stack" for step in steps)


def test_the_default_provider_has_no_step() -> None:
    for name, digest in fixture_digests():
        assert not any(step["urn"].split("::")[2] == PROVIDER_TYPE for step in digest["steps"]), name


def test_go_escapes_html_characters_and_writes_whole_numbers_without_a_fraction() -> None:
    texts = {name: (PREVIEWS / name).read_text() for name in COMMITTED}
    assert "\\u003cEU\\u003e \\u0026 fax" in texts["prod-mixed.json"] and "<EU>" not in texts["prod-mixed.json"]
    assert "\\\\u003cEU\\\\u003e \\\\u0026 fax" in texts["prod-mixed.json"]  # again inside the config's JSON text
    assert '"first_command_timeout_secs": 30,' in texts["dev-no-changes.json"] and "30.0" not in texts["dev-no-changes.json"]


def test_a_secret_setting_is_secret_in_every_state_and_inside_the_configs_json_text() -> None:
    digest = json.loads((PREVIEWS / "dev-secret-update.json").read_text())
    (ivr,) = [s for s in digest["steps"] if s["urn"].endswith("::ivr")]
    assert ivr["oldState"]["inputs"]["webhook_event_url"] == ivr["newState"]["inputs"]["webhook_event_url"] == SECRET
    assert ivr["oldState"]["outputs"]["webhook_event_url"] == SECRET
    assert json.loads(digest["config"]["telnyx-call-control:applications"])["ivr"]["webhook_event_url"] == SECRET
    assert "https://dev.hooks.example.com/telnyx/ivr" not in json.dumps(digest)


def test_a_setting_left_unset_is_absent_at_the_top_level_and_null_in_a_group() -> None:
    (router,) = [s for s in json.loads((PREVIEWS / "staging-updates.json").read_text())["steps"] if s["urn"].endswith("::call-router")]
    assert "webhook_timeout_secs" not in router["newState"]["inputs"] and "webhook_timeout_secs" not in router["oldState"]["outputs"]
    assert router["newState"]["inputs"]["inbound"]["sip_subdomain"] is None


def test_with_refresh_the_refresh_steps_come_first_and_deletes_last() -> None:
    prod = json.loads((PREVIEWS / "prod-mixed.json").read_text())
    ops = [step["op"] for step in prod["steps"]]
    assert ops[: ops.count("refresh")] == ["refresh"] * ops.count("refresh") and ops[-1] == "delete"
    adoption = next(s for s in prod["steps"] if s["urn"].endswith("::legacy-ivr"))
    assert adoption["op"] == "create" and adoption["newState"]["inputs"]["import_id"] == "1293384261075731499"


def test_the_size_limit_fixture_has_300_applications() -> None:
    digest = json.loads(go_json(load_300_applications()))
    assert sum(1 for step in digest["steps"] if "CallControlApplication" in step["urn"]) == 300


def test_the_docs_example_is_what_the_renderer_writes() -> None:
    dev, staging, prod = (stack_changes(parse_preview(json.loads(go_json(build())), "f.json")) for build in (dev_no_changes, staging_updates, prod_mixed))
    staging = replace(staging, applications=staging.applications[:1], unchanged=1, others=())
    prod = replace(prod, applications=prod.applications[:1], unchanged=2, others=())
    rendered = render_comment([dev, staging, prod])
    body = rendered.split("\n", 2)[2].rsplit("\n\n<sub>", 1)[0]  # without the hidden marker and the footer
    page = (ROOT / "docs" / "pipelines.md").read_text()
    example = page.split("````markdown\n", 1)[1].split("\n````", 1)[0]
    assert example == body
