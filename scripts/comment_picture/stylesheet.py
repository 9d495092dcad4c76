"""GitHub's comment stylesheet: the npm package github-markdown-css at a pinned version, its integrity pinned too.

Fetched once with npm (`npm pack`, so the user's npm settings, such as a registry mirror, apply), checked against the
registry's integrity recorded here, and cached in `.venv/` (git-ignored; `make clean` removes it): the third-party CSS
is inlined into the page, never committed. Every read checks the integrity again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from . import progress

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "github-markdown-css"
VERSION = "5.9.0"
# The registry's `dist.integrity` of that version's tarball (`npm view github-markdown-css@5.9.0 dist.integrity`).
INTEGRITY = "sha512-tmT5sY+zvg2302XLYEfH2mtkViIM1SWf2nvYoF5N1ZsO0V6B2qZTiw3GOzw4vpjLygK/KG35qRlPFweHqfzz5w=="
MEMBER = "package/github-markdown-light.css"  # the light theme only: the picture does not follow the reader's
CACHE = ROOT / ".venv" / "comment-picture" / f"{PACKAGE}-{VERSION}.tgz"


def stylesheet(cache: Path = CACHE) -> str:
    """The pinned stylesheet's text: from the cache, else from the npm registry; its integrity checked either way."""
    tarball = cache.read_bytes() if cache.is_file() else None
    where = str(cache)
    if tarball is None:
        where = f"the npm registry's {PACKAGE}@{VERSION}"
        tarball = _npm_pack()
    if integrity(tarball) != INTEGRITY:
        raise SystemExit(f"error: {where} does not match its pinned integrity ({INTEGRITY}); nothing was written")
    text = _member(tarball, where)
    if not cache.is_file():
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(tarball)
    return text


def integrity(tarball: bytes) -> str:
    """A Subresource Integrity string, as the npm registry records it: `sha512-<base64 digest>`."""
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()


def _npm_pack() -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(f"error: npm is not on PATH: install Node.js's npm, which fetches {PACKAGE}@{VERSION}, and run this again")
    progress(f"fetching {PACKAGE}@{VERSION} from the npm registry")
    with tempfile.TemporaryDirectory(prefix="comment-picture-npm-") as folder:
        packed = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--json", "--pack-destination", folder],
            cwd=folder, capture_output=True, text=True, timeout=300, check=False,
        )
        if packed.returncode != 0:
            said = packed.stderr.strip().splitlines()[-1:] or ["no output"]
            raise SystemExit(f"error: `npm pack {PACKAGE}@{VERSION}` exited {packed.returncode}: {said[0]}")
        (entry,) = json.loads(packed.stdout)
        return (Path(folder) / str(entry["filename"])).read_bytes()


def _member(tarball: bytes, where: str) -> str:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        try:
            member = archive.extractfile(MEMBER)
        except KeyError:
            member = None
        if member is None:
            raise SystemExit(f"error: {where} holds no {MEMBER}")
        return member.read().decode()
