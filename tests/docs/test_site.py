"""The docs build strictly, and the build is strict enough to fail on what goes stale: a link or an anchor."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..support.stack_files import ROOT
from .site import build, page_of


def test_the_docs_build_strictly_with_every_page_in_the_nav(site: Path) -> None:
    for page in (ROOT / "docs").glob("*.md"):
        assert page_of(site, page.name).is_file(), f"{page.name} was not built"


def docs_copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    return tmp_path


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ("[a page](no-such-page.md)", "no-such-page.md"),
        ("[a heading](changes.md#no-such-heading)", "no-such-heading"),
        ("[here](#nowhere-on-this-page)", "nowhere-on-this-page"),
    ],
)
def test_a_broken_link_or_anchor_fails_the_build_naming_it(tmp_path: Path, broken: str, named: str) -> None:
    project = docs_copy(tmp_path)
    page = project / "docs" / "performance.md"
    page.write_text(page.read_text() + f"\nSee {broken}.\n")
    result = build(project, tmp_path / "site")
    assert result.returncode != 0
    assert named in result.stderr


def test_a_page_left_out_of_the_nav_fails_the_build(tmp_path: Path) -> None:
    project = docs_copy(tmp_path)
    (project / "docs" / "orphan.md").write_text("# Orphan\n")
    result = build(project, tmp_path / "site")
    assert result.returncode != 0 and "orphan.md" in result.stderr
