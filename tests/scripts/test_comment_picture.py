"""`make comment-picture`'s HTML stage (scripts/comment_picture.py): the review comment rendered as GitHub renders it,
in one page that loads nothing. The screenshot itself needs Chromium and is the make target's, not a test's."""

from __future__ import annotations

import re

import pytest

from scripts.comment_picture import STYLESHEET_INTEGRITY, STYLESHEET_VERSION, comment_page

from ..support.preview_fixtures import EXPECTED

STAND_IN_CSS = ".markdown-body { color: #1f2328; } /* stand-in */"
THREE_STACKS = (EXPECTED / "three-stacks.md").read_text()


def test_a_caution_block_becomes_githubs_alert_markup_with_its_title() -> None:
    page = comment_page(THREE_STACKS, STAND_IN_CSS)
    alert = re.search(r'<div class="markdown-alert markdown-alert-caution">\s*<p class="markdown-alert-title">Caution</p>(.*?)</div>', page, re.S)
    assert alert is not None
    assert "[!CAUTION]" not in page
    assert "<li>" in alert.group(1) and "can hurt a live phone system" in alert.group(1)
    assert "<blockquote>" not in page


def test_the_comments_headings_lists_code_and_details_render_as_html() -> None:
    page = comment_page((EXPECTED / "size-limit.md").read_text(), STAND_IN_CSS)
    assert "<h2>Pulumi preview</h2>" in page
    assert "<details><summary>" in page and "</details>" in page
    assert re.search(r"<li><strong>(create|update|delete)</strong> <code>", page)
    assert "<!-- telnyx-call-control:review -->" in page  # the hidden marker stays hidden


def test_a_table_and_strikethrough_render_as_github_does() -> None:
    page = comment_page("| a | b |\n| --- | --- |\n| 1 | ~~2~~ |\n", STAND_IN_CSS)
    assert "<table>" in page and "<td>1</td>" in page and "<s>2</s>" in page


def test_values_are_escaped() -> None:
    page = comment_page("- `webhook_event_url`: `<script>alert(1)</script>` → `a&b`\n", STAND_IN_CSS)
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in page and "<code>a&amp;b</code>" in page


def test_the_page_inlines_its_stylesheet_and_loads_nothing() -> None:
    page = comment_page(THREE_STACKS, STAND_IN_CSS)
    assert f"<style>\n{STAND_IN_CSS}\n</style>" in page
    assert not re.search(r"<link\b|<img\b|<iframe\b|<script\s+src|@import|url\(", page)
    assert '<article class="markdown-body">' in page


@pytest.mark.parametrize("pin", [STYLESHEET_VERSION, STYLESHEET_INTEGRITY])
def test_the_stylesheet_is_pinned_exactly(pin: str) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+|sha512-[A-Za-z0-9+/]{86}==", pin)
