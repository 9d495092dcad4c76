"""Debian packages a command needs (`make postgres`, `make comment-picture`), installed with apt-get as root."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence


def why_not_installable(packages: Sequence[str]) -> str | None:
    """Why apt-get cannot install `packages` here (not Debian, not root), or None when it can."""
    if shutil.which("apt-get") is None:
        return "apt-get is not on PATH (not Debian)"
    if os.geteuid() != 0:
        return f"not running as root (install it with `sudo apt-get install {' '.join(packages)}`)"
    return None


def apt_install(packages: Sequence[str]) -> None:
    """`apt-get update`, then `apt-get install` of `packages` without recommends; CalledProcessError if it fails."""
    apt = shutil.which("apt-get") or "apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run([apt, "update", "-qq"], env=env, check=False).returncode != 0:
        print("warning: `apt-get update` failed; trying the install with the package lists already here", file=sys.stderr)
    # dpkg's progress on stdout is noise; apt's errors go to stderr.
    subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", *packages], env=env, stdout=subprocess.DEVNULL, check=True)
