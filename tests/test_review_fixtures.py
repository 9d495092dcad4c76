"""The preview fixtures are the engine's format, the renderer reads only the engine's keys, and its output is pinned.

The engine's field names below are the JSON tags of its Go structs, read in pulumi/pulumi at
commit 1b5949891b3cefcb9974752b24a5ecef0acc86c8 (pkg/display/json.go, sdk/go/common/apitype/core.go).
Snapshots: `python -m tests.preview_fixtures` rewrites tests/fixtures/preview/*.json and
tests/fixtures/review/*.md after a deliberate change; review the diff before committing it.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pulumi
import pytest
from pulumi.dynamic import CheckFailure

from scripts.review_comment.changes import stack_changes
from scripts.review_comment.comment import render_comment
from scripts.review_comment.preview_json import KEYS_READ, SECRET, parse_preview

from .dynamic_host import DynamicProviderHost, with_provider
from .preview_fixtures import (
    COMMITTED,
    EXPECTED,
    PREVIEWS,
    check_failed_declaration,
    check_failure_diagnostic,
    dev_no_changes,
    go_json,
    load_300_applications,
    prod_mixed,
    snapshots,
    staging_updates,
    stand_in_evaluate,
)
from .pulumi_mocks import install
from .stack_files import ROOT

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
    assert (PREVIEWS / name).read_text() == go_json(COMMITTED[name]()), "run `python -m tests.preview_fixtures`"


@pytest.mark.parametrize("name", sorted(snapshots()))
def test_the_rendered_comment_matches_its_snapshot(name: str) -> None:
    expected = (EXPECTED / name).read_text()
    assert snapshots()[name] == expected, f"tests/fixtures/review/{name} differs; run `python -m tests.preview_fixtures` and review the diff"


def test_the_fixtures_write_what_the_engine_writes_for_a_dynamic_resource() -> None:
    texts = {name: (PREVIEWS / name).read_text() for name in COMMITTED}
    steps = [step for _, digest in fixture_digests() for step in digest["steps"]]
    assert all(step["detailedDiff"] is None and "diffReasons" not in step for step in steps)
    assert all(step["op"] != "same" or step["urn"].split("::")[2] == "pulumi:pulumi:Stack" for step in steps)
    assert "\\u003cEU\\u003e \\u0026 fax" in texts["prod-mixed.json"] and "<EU>" not in texts["prod-mixed.json"]
    assert '"first_command_timeout_secs": 30,' in texts["dev-no-changes.json"] and "30.0" not in texts["dev-no-changes.json"]
    staging = json.loads(texts["staging-updates.json"])
    ivr = next(s for s in staging["steps"] if s["urn"].endswith("::ivr"))
    assert ivr["oldState"]["inputs"]["webhook_event_url"] == ivr["newState"]["inputs"]["webhook_event_url"] == SECRET
    assert ivr["oldState"]["outputs"]["webhook_event_url"] == SECRET


def test_with_refresh_the_refresh_steps_come_first_and_deletes_last() -> None:
    prod = json.loads((PREVIEWS / "prod-mixed.json").read_text())
    ops = [step["op"] for step in prod["steps"]]
    assert ops[: ops.count("refresh")] == ["refresh"] * ops.count("refresh") and ops[-1] == "delete"
    adoption = next(s for s in prod["steps"] if s["urn"].endswith("::legacy-ivr"))
    assert adoption["op"] == "create" and adoption["newState"]["inputs"]["import_id"] == "1293384261075731499"


def test_the_size_limit_fixture_has_300_applications() -> None:
    digest = json.loads(go_json(load_300_applications()))
    assert sum(1 for step in digest["steps"] if "CallControlApplication" in step["urn"]) == 300


def test_the_readme_example_is_what_the_renderer_writes() -> None:
    dev, staging, prod = (stack_changes(parse_preview(json.loads(go_json(build())), "f.json")) for build in (dev_no_changes, staging_updates, prod_mixed))
    staging = replace(staging, applications=staging.applications[:1], unchanged=1, others=())
    prod = replace(prod, applications=prod.applications[:1], unchanged=2, others=())
    rendered = render_comment([dev, staging, prod])
    body = rendered.split("\n", 2)[2].rsplit("\n\n<sub>", 1)[0]  # without the hidden marker and the footer
    readme = (ROOT / "README.md").read_text()
    example = readme.split("````markdown\n", 1)[1].split("\n````", 1)[0]
    assert example == body


def committed(name: str) -> dict[str, Any]:
    return dict(json.loads((PREVIEWS / name).read_text()))


def test_the_failed_previews_first_error_is_what_the_stack_program_raises_for_that_stack_config() -> None:
    digest = committed("staging-failed.json")
    install("staging", digest["config"])  # the stack config the preview ran with, as the engine hands it over
    with pytest.raises(pulumi.RunError) as caught:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
    # pulumi-language-python-exec logs str(error) with pulumi.log.error; the engine writes "error: " before it.
    first, second = digest["diagnostics"]
    assert first == {"message": f"error: {caught.value}\n", "severity": "error"}
    assert str(caught.value).startswith("Invalid stack configuration:\nstack 'staging': application 'ivr': key 'inbound.channel_limit'")
    assert second["message"] == "error: an unhandled error occurred: program exited with non-zero exit code: 1\n"
    assert not any(step["op"] not in ("refresh", "same") for step in digest["steps"])  # no application got a program step


def test_the_check_failure_is_what_the_provider_host_returns_over_grpc_in_the_engines_words() -> None:
    host = DynamicProviderHost()
    try:
        _, failures = host.check(with_provider(check_failed_declaration()), name="ivr")
    finally:
        host.close()
    (failure,) = failures
    assert failure.property == ""  # a nested setting: the engine's "has a problem" line without a property
    (diagnostic,) = committed("staging-check-failed.json")["diagnostics"]
    expected = check_failure_diagnostic("staging", "ivr", CheckFailure(failure.property, failure.reason)).to_json()
    assert diagnostic == expected
    assert diagnostic["message"].startswith("error: pulumi-python:dynamic/telnyx:CallControlApplication resource 'ivr' has a problem: inbound.channel_limit ")
    assert "property" not in diagnostic["message"]
