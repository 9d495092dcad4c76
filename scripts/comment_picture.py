"""`make comment-picture`: a picture of the pull-request review comment, for the README and the docs.

    python -m scripts.comment_picture COMMENT.md [PICTURE.png]

The comment's Markdown (what `make review` prints from real previews) is rendered to one self-contained HTML page
as GitHub renders a comment: CommonMark with tables (markdown-it-py), GitHub's alert blocks (`> [!CAUTION]`), raw
HTML such as `<details>` kept, and GitHub's own stylesheet (the npm package github-markdown-css at a pinned version,
checked against its registry integrity, cached in `.venv/`). Debian's headless Chromium, started with its background
networking off, screenshots it: once to measure the page's height, once at that height.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import requests
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parent.parent
STYLESHEET_PACKAGE = "github-markdown-css"
STYLESHEET_VERSION = "5.9.0"
STYLESHEET_TARBALL = f"https://registry.npmjs.org/{STYLESHEET_PACKAGE}/-/{STYLESHEET_PACKAGE}-{STYLESHEET_VERSION}.tgz"
# The registry's `dist.integrity` of that tarball (`npm view github-markdown-css@5.9.0 dist.integrity`).
STYLESHEET_INTEGRITY = "sha512-tmT5sY+zvg2302XLYEfH2mtkViIM1SWf2nvYoF5N1ZsO0V6B2qZTiw3GOzw4vpjLygK/KG35qRlPFweHqfzz5w=="
STYLESHEET_MEMBER = "package/github-markdown-light.css"
STYLESHEET_CACHE = ROOT / ".venv" / "comment-picture" / f"{STYLESHEET_PACKAGE}-{STYLESHEET_VERSION}.css"
CHROMIUM = "/usr/bin/chromium"
# Off: everything Chromium would fetch on its own (updates, safe browsing, sync, QUIC probes); the page is a file.
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
)
WIDTH = 900  # pixels: about the width of a comment on a pull request's page
ALERTS = {"NOTE": "Note", "TIP": "Tip", "IMPORTANT": "Important", "WARNING": "Warning", "CAUTION": "Caution"}
_ALERT_MARK = re.compile(r"^\[!(" + "|".join(ALERTS) + r")\]\s*$")


def markdown_renderer() -> MarkdownIt:
    """CommonMark with raw HTML, GFM tables and strikethrough, and GitHub's alert blocks."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    renderer.core.ruler.push("github_alerts", _github_alerts)
    return renderer


def _github_alerts(state: object) -> None:
    """`> [!CAUTION]` blockquotes as GitHub writes them: a `markdown-alert` div with its title paragraph."""
    tokens: list[Token] = state.tokens  # type: ignore[attr-defined]
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or index + 2 >= len(tokens) or tokens[index + 2].type != "inline":
            continue
        inline = tokens[index + 2]
        children = inline.children or []
        first = children[0] if children else None
        mark = _ALERT_MARK.match(first.content) if first is not None and first.type == "text" else None
        if mark is None:
            continue
        kind = mark.group(1)
        rest = children[1:]
        if rest and rest[0].type in ("softbreak", "hardbreak"):
            rest = rest[1:]
        inline.children = rest
        token.tag = "div"
        token.attrSet("class", f"markdown-alert markdown-alert-{kind.lower()}")
        title = Token("html_block", "", 0)
        title.content = f'<p class="markdown-alert-title">{ALERTS[kind]}</p>\n'
        tokens.insert(index + 1, title)
        closing = _matching_close(tokens, index)
        tokens[closing].tag = "div"


def _matching_close(tokens: list[Token], opening: int) -> int:
    depth = 0
    for index in range(opening, len(tokens)):
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(tokens[index].type, 0)
        if depth == 0:
            return index
    raise ValueError("a blockquote without its end")


def comment_page(markdown: str, stylesheet: str) -> str:
    """The comment as one self-contained HTML page: the stylesheet inlined, nothing loaded from anywhere."""
    body = markdown_renderer().render(markdown)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        f"<title>{html.escape('Pull-request review comment')}</title>\n"
        f"<style>\n{stylesheet}\n</style>\n"
        f"<style>body {{ margin: 0; background: #ffffff; }} .markdown-body {{ box-sizing: border-box; width: {WIDTH}px; "
        "padding: 24px 32px; }}</style>\n"
        "</head><body>\n"
        f'<article class="markdown-body">\n{body}</article>\n'
        # Measured by the first screenshot pass (--dump-dom): the page's height, written where the DOM shows it.
        "<script>document.body.setAttribute('data-height', String(document.documentElement.scrollHeight));</script>\n"
        "</body></html>\n"
    )


def stylesheet() -> str:
    """GitHub's comment stylesheet at the pinned version: from the cache, else the npm registry, integrity checked."""
    if STYLESHEET_CACHE.is_file():
        return STYLESHEET_CACHE.read_text()
    print(f"comment-picture: fetching {STYLESHEET_PACKAGE}@{STYLESHEET_VERSION} from the npm registry", file=sys.stderr)
    tarball = requests.get(STYLESHEET_TARBALL, timeout=60)
    tarball.raise_for_status()
    algorithm, _, expected = STYLESHEET_INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball.content).digest()).decode()
    if digest != expected:
        raise SystemExit(f"error: {STYLESHEET_TARBALL} does not match its pinned integrity (STYLESHEET_INTEGRITY); nothing was written")
    with tarfile.open(fileobj=io.BytesIO(tarball.content), mode="r:gz") as archive:
        member = archive.extractfile(STYLESHEET_MEMBER)
        if member is None:
            raise SystemExit(f"error: {STYLESHEET_TARBALL} holds no {STYLESHEET_MEMBER}")
        text = member.read().decode()
    STYLESHEET_CACHE.parent.mkdir(parents=True, exist_ok=True)
    STYLESHEET_CACHE.write_text(text)
    return text


def chromium() -> str:
    """Debian's Chromium, installed with apt-get (as root) when it is missing."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise SystemExit(f"error: {CHROMIUM} is missing: install Debian's chromium (`sudo apt-get install chromium`) and run this again")
    print("comment-picture: installing Debian's chromium (apt-get, about a minute)", file=sys.stderr)
    subprocess.run([str(shutil.which("apt-get")), "install", "-y", "-q", "chromium"], check=True, stdout=subprocess.DEVNULL, env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    return CHROMIUM


def screenshot(page: Path, picture: Path) -> None:
    """`page` screenshot whole into `picture`, in a fresh profile, with no network of Chromium's own."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="comment-picture-") as profile:
        common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
        found = re.search(r'data-height="(\d+)"', dom.stdout)
        height = int(found.group(1)) if found else 1200
        subprocess.run(
            [*common, f"--window-size={WIDTH},{height}", f"--screenshot={picture}", page.as_uri()],
            capture_output=True, timeout=120, check=True,
        )
    if not picture.is_file():
        raise SystemExit(f"error: Chromium wrote no {picture}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("comment", type=Path, help="the review comment's Markdown (`make review` prints it)")
    parser.add_argument("picture", type=Path, nargs="?", default=ROOT / "docs" / "images" / "review-comment.png")
    args = parser.parse_args(argv)
    markdown = args.comment.read_text()
    if not markdown.strip():
        print(f"error: {args.comment} is empty: `make review` printed no comment", file=sys.stderr)
        return 1
    page = ROOT / ".review" / "comment.html"  # git-ignored, beside the previews it comes from
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(comment_page(markdown, stylesheet()))
    print(f"comment-picture: rendered {page}", file=sys.stderr)
    args.picture.parent.mkdir(parents=True, exist_ok=True)
    screenshot(page, args.picture)
    print(f"comment-picture: wrote {args.picture} ({args.picture.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
