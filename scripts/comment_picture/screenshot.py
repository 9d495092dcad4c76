"""The page screenshot by Debian's headless Chromium, whole and cropped to the comment, with no network of its own.

Chromium runs twice, each time in a fresh profile: once to lay the page out and read the height its script wrote
into it (`--dump-dom`), once to screenshot it at that height. Its background networking is off (updates, safe
browsing, sync, QUIC probes): on a closed network those are refused, many at a time, and the page is a file that
loads nothing. Chromium and a colour emoji font (the comment's ⚠️ and 🛑) come from Debian's packages, installed with
apt-get when missing and this runs as root.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..debian_packages import apt_install, why_not_installable
from . import progress
from .page import WIDTH, measured_height

CHROMIUM = Path("/usr/bin/chromium")
# Debian's packages the picture needs, each by a file it installs.
PACKAGES = {CHROMIUM: "chromium", Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"): "fonts-noto-color-emoji"}
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
    # Every tile drawn before the screenshot: without it, one run (the first after the emoji font was installed) left
    # the page's last rows blank.
    "--run-all-compositor-stages-before-draw",
)
SCALE = 2  # device pixels per CSS pixel: sharp on a high-density screen, where GitHub shows it half as wide
TIMEOUT_SECONDS = 120


def missing_packages() -> list[str]:
    """The Debian packages of `PACKAGES` not installed here."""
    return [package for path, package in PACKAGES.items() if not path.exists()]


def install_missing() -> None:
    """Install what `missing_packages` names with apt-get, as root; otherwise stop with one line saying how."""
    missing = missing_packages()
    if not missing:
        return
    names = " ".join(missing)
    reason = why_not_installable(missing)
    if reason is not None:
        raise SystemExit(f"error: not installed: Debian's {names}, and apt-get cannot install it here: {reason}")
    progress(f"installing Debian's {names} (apt-get, about a minute)")
    try:
        apt_install(missing)
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"error: `apt-get install {names}` exited {error.returncode} (its errors are above)") from None


def screenshot(page: Path, picture: Path) -> None:
    """`page`, whole, into the PNG `picture` (left as it was when Chromium fails)."""
    page_uri = page.resolve().as_uri()
    height = measured_height(_chromium("--dump-dom", page_uri))
    if height is None:
        raise SystemExit(f"error: Chromium laid out {page} without running its script (no page height in its DOM)")
    with tempfile.TemporaryDirectory(prefix="comment-picture-shot-") as folder:
        shot = Path(folder) / picture.name
        _chromium(f"--window-size={WIDTH},{height}", f"--screenshot={shot}", page_uri)
        if not shot.is_file():
            raise SystemExit(f"error: Chromium wrote no {picture}")
        picture.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(shot, picture)


def _chromium(*arguments: str) -> str:
    """Chromium's stdout for `arguments`, in a profile of its own made for this run and removed after it."""
    with tempfile.TemporaryDirectory(prefix="comment-picture-chromium-") as profile:
        command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--force-device-scale-factor={SCALE}", *arguments]
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"error: Chromium exited {result.returncode} (its output is above)")
    return result.stdout
