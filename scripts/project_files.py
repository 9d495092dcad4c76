"""The project as it is now: its tracked files and the new ones git does not ignore, copied elsewhere."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def copy_project_files(root: Path, destination: Path) -> Path:
    """Copy `root`'s files as `git ls-files --cached --others --exclude-standard` lists them into `destination`."""
    git = shutil.which("git") or "git"
    listed = subprocess.run(
        [git, "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (root / name).is_file():  # not a tracked file deleted from the work tree
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, destination / name)
    return destination
