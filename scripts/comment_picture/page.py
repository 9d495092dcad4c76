"""The review comment's Markdown as one HTML page, rendered as GitHub renders a comment, that loads nothing.

markdown-it-py's CommonMark with the GitHub extensions a comment uses: tables, strikethrough, alerts (`> [!CAUTION]`
becomes GitHub's `<div class="markdown-alert markdown-alert-caution">` with its title paragraph) and raw HTML kept
(`<details>`, `<sub>`, the hidden marker), less the tags GitHub filters out of it (`<script>`, `<style>`, `<iframe>`…).
The stylesheet is inlined. The page's Content-Security-Policy lets it fetch nothing, from a file or the network (only
the stylesheet's own `data:` images), and run no script but its own, which writes the page's height into the page
for the screenshot to read.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

WIDTH = 900  # CSS pixels: about the width of a comment on a pull request's page
# GitHub's "disallowed raw HTML" (the GFM spec's tagfilter): their `<` is written as text.
_DISALLOWED_TAG = re.compile(r"<(?=/?(?:title|textarea|style|xmp|iframe|noembed|noframes|script|plaintext)[\s/>])", re.I)
HEIGHT_ATTRIBUTE = "data-page-height"
MEASURE_SCRIPT = f"document.body.setAttribute('{HEIGHT_ATTRIBUTE}', String(document.documentElement.scrollHeight));"
_MEASURED = re.compile(rf'{HEIGHT_ATTRIBUTE}="(\d+)"')
# The comment as GitHub frames it: a white box with a thin grey border (it also sets the picture off from the page
# it is shown in).
FRAME_STYLE = (
    "body { margin: 0; padding: 8px; background: #ffffff; }\n"
    f".markdown-body {{ box-sizing: border-box; width: {WIDTH - 16}px; padding: 16px 24px; "
    "border: 1px solid #d0d7de; border-radius: 6px; }"
)


def markdown_renderer() -> MarkdownIt:
    """CommonMark with raw HTML, tables, strikethrough and alerts, GitHub's disallowed tags filtered out."""
    renderer = MarkdownIt("commonmark", {"html": True, "alerts": True}).enable(["table", "strikethrough"])
    renderer.core.ruler.push("github_tag_filter", _tag_filter)
    return renderer


def _tag_filter(state: StateCore) -> None:
    for token in state.tokens:
        for raw in [token, *(token.children or [])]:
            if raw.type in ("html_block", "html_inline"):
                raw.content = _DISALLOWED_TAG.sub("&lt;", raw.content)


def comment_html(markdown: str) -> str:
    """The comment's body as GitHub renders it."""
    rendered: str = markdown_renderer().render(markdown)
    return rendered


def content_security_policy() -> str:
    """Nothing fetched; inline styles, the stylesheet's `data:` images and the page's own script only."""
    script = base64.b64encode(hashlib.sha256(MEASURE_SCRIPT.encode()).digest()).decode()
    return f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script}'"


def comment_page(markdown: str, stylesheet: str) -> str:
    """The comment as one self-contained HTML page, `stylesheet` inlined."""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n'
        f"<title>{html.escape('Pull-request review comment')}</title>\n"
        f"<style>\n{stylesheet}\n</style>\n"
        f"<style>\n{FRAME_STYLE}\n</style>\n"
        "</head><body>\n"
        f'<article class="markdown-body">\n{comment_html(markdown)}</article>\n'
        f"<script>{MEASURE_SCRIPT}</script>\n"
        "</body></html>\n"
    )


def measured_height(dom: str) -> int | None:
    """The page's height in CSS pixels, as its script wrote it into the DOM (Chromium's `--dump-dom`); None if not."""
    found = _MEASURED.search(dom)
    return int(found.group(1)) if found else None
