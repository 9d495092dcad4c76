"""The README is the front door: short, the two commands first, every link it makes leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from ..support.stack_files import ROOT
from .site import anchors_of, page_of

README = (ROOT / "README.md").read_text()
MAX_LINES = 150


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make up", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_is_read_in_five_minutes() -> None:
    assert len(README.splitlines()) <= MAX_LINES


def test_every_link_of_the_readme_into_the_docs_reaches_its_page_and_heading(site: Path) -> None:
    links = re.findall(r"\]\((docs/[^)#\s]+)(?:#([^)\s]+))?\)", README)
    assert len(links) >= 10
    for path, anchor in links:
        assert (ROOT / path).is_file(), f"the README links to {path}, which does not exist"
        if anchor:
            assert anchor in anchors_of(page_of(site, path)), f"the README links to {path}#{anchor}: no such heading"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    pages = {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")}
    assert pages == set(re.findall(r"\]\((docs/[^)#\s]+\.md)", README))
