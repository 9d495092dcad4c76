"""The docs built as `make docs` builds them (MkDocs, strict) into a temporary folder, and what the built pages hold."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of `project`'s mkdocs.yml into `site`."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(project / "mkdocs.yml"), "--site-dir", str(site)],
        cwd=project, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=240, check=False,
    )


def page_of(site: Path, path: str) -> Path:
    """The HTML page MkDocs writes for `docs/<name>.md` (`index.md` → `index.html`, `x.md` → `x/index.html`)."""
    name = Path(path).stem
    return site / "index.html" if name == "index" else site / name / "index.html"


def anchors_of(page: Path) -> set[str]:
    """Every `id` in a built page: the anchors a link may name."""
    return set(re.findall(r'\sid="([^"]+)"', page.read_text()))
