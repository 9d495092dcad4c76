"""A fresh clone of the project, committed to its own git repository, for tests that run commands in it.

What a command writes can then be compared with what is tracked (`git status --porcelain`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from scripts.project_files import copy_project_files

from .stack_files import ROOT


def git(project: Path, *args: str) -> str:
    """Run git in `project`; return its output."""
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def clone_project(copy: Path) -> Path:
    """Copy the project as it is now (tracked files and new ones not ignored) to `copy`, committed; return it."""
    copy_project_files(ROOT, copy)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "snapshot")
    return copy
