"""The docs built once per session (`site`), strictly, into pytest's temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..support.stack_files import ROOT
from .site import build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's docs, built strictly (a failed build fails each test that asks)."""
    folder = tmp_path_factory.mktemp("docs-site")
    result = build(ROOT, folder)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return folder
