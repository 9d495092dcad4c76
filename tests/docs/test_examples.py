"""Every Python example in docs/ runs (Sybil), under Pulumi mocks, and what it declares passes the provider's check.

The examples of one page run in order in one namespace, as a reader would paste them into one program.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

from field_model import fields
from provider import wire
from provider.resource import TYPE_TOKEN

from ..support.pulumi_mocks import RecordingMocks, install
from ..support.stack_files import ROOT

DOCS = ROOT / "docs"
SYBIL = Sybil(parsers=[PythonCodeBlockParser()], path=str(DOCS), patterns=["*.md"])
PAGES = sorted(page.name for page in DOCS.glob("*.md") if "```python" in page.read_text())


def declared_applications(mocks: RecordingMocks) -> list[dict[str, Any]]:
    """The inputs of every call control application the examples registered, as the provider's check gets them."""
    return [dict(r.inputs) for r in mocks.resources if r.typ == TYPE_TOKEN]


def run_examples(page: Path) -> RecordingMocks:
    """Run every Python example of `page` under fresh mocks; the mocks, once every registration has been answered."""
    mocks = install()
    examples = list(SYBIL.parse(page).examples())
    assert examples, f"{page.name} has no Python example"

    @pulumi.runtime.test  # runs the examples as a program, then waits for what they registered
    def program() -> None:
        for example in examples:
            example.evaluate()

    program()
    return mocks


def test_the_pages_with_examples_are_found() -> None:
    assert {"stack-files.md", "adopting.md"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_every_python_example_runs_and_declares_valid_applications(page: str) -> None:
    mocks = run_examples(DOCS / page)
    declared = declared_applications(mocks)
    assert declared, f"the examples of {page} declare no CallControlApplication"
    for inputs in declared:
        result = fields.validate(wire.properties(inputs))
        assert result.failures == [], f"{page}: an example declares what the provider's check refuses: {result.failures}"


def test_a_wrong_example_fails(tmp_path: Path) -> None:
    page = tmp_path / "wrong.md"
    page.write_text(
        "```python\nfrom provider import CallControlApplication, CallControlApplicationArgs\n\n"
        'CallControlApplication("x", CallControlApplicationArgs(webhook_event_url="https://h.example.com", dtmf_type="Tones"))\n```\n'
    )
    mocks = run_examples(page)
    failures = fields.validate(wire.properties(declared_applications(mocks)[0])).failures
    assert [failure.path for failure in failures] == ["dtmf_type"]
