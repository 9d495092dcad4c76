"""`make comment-picture`'s HTML stage (scripts/comment_picture/page.py): the review comment rendered as GitHub renders
it, in one page that loads nothing; and the pieces of the other stages that need neither Chromium, the engine nor the
network (the scratch copy's demo-only settings, the change it previews, the stylesheet's integrity check)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
from pathlib import Path

import pytest

from scripts.comment_picture import stylesheet
from scripts.comment_picture.page import comment_page, measured_height
from scripts.comment_picture.preview import demo_environment, demo_only, make_change
from scripts.review_comment.changes import ApplicationChange, SettingChange, StackChanges, stack_changes
from scripts.review_comment.comment import MANY_CHANGES, render_comment
from scripts.review_comment.preview_json import read_preview
from stack_files.loader import APPLICATIONS_KEY, DEFAULTS_KEY

from ..support.preview_fixtures import PREVIEWS, stand_in_evaluate

STAND_IN_CSS = ".markdown-body { color: #1f2328; } /* a stand-in for github-markdown-css */"


def comment(*fixtures: str) -> str:
    """The review comment of committed preview fixtures, as `make review` renders it (with the stand-in policies)."""
    return render_comment([stack_changes(read_preview(PREVIEWS / name), stand_in_evaluate) for name in fixtures])


def page_of(markdown: str) -> str:
    return comment_page(markdown, STAND_IN_CSS)


THREE_STACKS = page_of(comment("dev-no-changes.json", "staging-updates.json", "prod-mixed.json"))


# -- Markdown → HTML, as GitHub renders a comment -------------------------------------------------------------------


def test_the_caution_block_becomes_githubs_alert_markup_with_its_title() -> None:
    alert = re.search(
        r'<div class="markdown-alert markdown-alert-caution">\s*<p class="markdown-alert-title">Caution</p>(.*?)</div>',
        THREE_STACKS, re.S,
    )
    assert alert is not None
    assert "<li>" in alert.group(1) and "can hurt a live phone system" in alert.group(1)
    assert "[!CAUTION]" not in THREE_STACKS and "<blockquote>" not in THREE_STACKS


def test_a_failed_preview_gets_a_warning_alert() -> None:
    page = page_of(comment("dev-no-changes.json", "staging-failed.json"))
    assert re.search(r'<div class="markdown-alert markdown-alert-warning">\s*<p class="markdown-alert-title">Warning</p>', page)
    assert "[!WARNING]" not in page


def test_the_comments_headings_lists_and_code_render_as_html() -> None:
    assert "<h2>Pulumi preview</h2>" in THREE_STACKS
    assert "<h3><code>staging</code>: 2 to update · 0 unchanged</h3>" in THREE_STACKS
    assert "<li><strong>update</strong> <code>call-router</code> — <code>call-router-staging</code>" in THREE_STACKS
    assert "<!-- telnyx-call-control:review -->" in THREE_STACKS  # the hidden marker stays hidden


def test_many_changes_stay_folded_in_their_details_block() -> None:
    changes = tuple(
        ApplicationChange(stack="dev", logical_name=f"app-{n}", operation="update", application_name=f"app-{n}-dev",
                          application_id=None, settings=(SettingChange("dtmf_type", "Inband", "SIP INFO"),))
        for n in range(MANY_CHANGES + 1)
    )
    page = page_of(render_comment([StackChanges("dev", changes, unchanged=0, others=(), errors=())]))
    folded = re.search(r"<details><summary>11 changed applications in dev</summary>(.*?)</details>", page, re.S)
    assert folded is not None
    assert folded.group(1).count("<li><strong>update</strong>") == MANY_CHANGES + 1


def test_a_table_renders_as_githubs_does() -> None:
    page = page_of("| setting | old | new |\n| --- | --- | --- |\n| `dtmf_type` | ~~Inband~~ | SIP INFO |\n")
    assert re.search(r"<table>\s*<thead>\s*<tr>\s*<th>setting</th>\s*<th>old</th>\s*<th>new</th>", page)
    assert "<td><code>dtmf_type</code></td>" in page and "<td><s>Inband</s></td>" in page


# -- What must not get through -----------------------------------------------------------------------------------


def test_html_in_a_value_from_the_preview_is_escaped() -> None:
    # prod-mixed's adopted application is named `Legacy IVR <EU> & fax` in its stack file.
    assert "<code>Legacy IVR &lt;EU&gt; &amp; fax</code>" in THREE_STACKS
    assert "<EU>" not in THREE_STACKS


def test_raw_tags_github_filters_out_stay_text() -> None:
    page = page_of('<script>alert(1)</script>\n\nSee <iframe src="https://example.com/x"></iframe> and <b>this</b>.\n')
    body = page[page.index("<article") :]
    assert "&lt;script>alert(1)&lt;/script>" in body and "<script>alert" not in body
    assert "&lt;iframe" in body and "<iframe" not in body
    assert "<b>this</b>" in body  # other raw HTML is kept, as GitHub keeps <details>, <sub>, <b>


def test_the_stylesheet_is_inlined() -> None:
    assert f"<style>\n{STAND_IN_CSS}\n</style>" in THREE_STACKS


def test_the_page_names_nothing_to_load() -> None:
    assert not re.search(r"<link\b|<img\b|<iframe\b|<object\b|<embed\b|\b(src|href|srcset|poster)\s*=|@import|url\(", THREE_STACKS)
    assert re.findall(r"<script\b[^>]*>", THREE_STACKS) == ["<script>"]  # the page's own, inline


def test_its_content_security_policy_lets_it_fetch_nothing_and_run_only_its_own_script() -> None:
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', THREE_STACKS)
    assert policy is not None and THREE_STACKS.index(policy.group(0)) < THREE_STACKS.index("<style>")
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["default-src"] == "'none'" and directives["img-src"] == "data:"
    (script,) = re.findall(r"<script>(.*?)</script>", THREE_STACKS, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert directives["script-src"] == f"'sha256-{digest}'"


def test_the_page_height_its_script_writes_is_read_back_from_chromiums_dom() -> None:
    assert measured_height('<html><head></head><body data-page-height="563"><article>') == 563
    assert measured_height("<html><body><article>") is None


# -- The preview stage: the demo only, and the change it previews ------------------------------------------------


def test_the_scratch_copys_commands_get_no_telnyx_or_pulumi_setting() -> None:
    environ = {"TELNYX_API_KEY": "KEY123", "PULUMI_BACKEND_URL": "postgres://db", "PULUMI_CONFIG_PASSPHRASE": "p", "PATH": "/usr/bin"}
    assert demo_environment(environ) == {"PATH": "/usr/bin"}


def test_the_scratch_copys_stack_files_point_at_no_real_account() -> None:
    config = {"telnyx:apiKey": {"secure": "v1:abc"}, "telnyx:baseUrl": "https://api.telnyx.com/v2", APPLICATIONS_KEY: {}}
    demo_only(config)
    assert config == {APPLICATIONS_KEY: {}}


def test_the_change_switches_inband_dtmf_to_sip_info_and_halves_channel_limits() -> None:
    config = {
        DEFAULTS_KEY: {"inbound": {"channel_limit": 40}},
        APPLICATIONS_KEY: {
            "ivr": {"dtmf_type": "Inband", "inbound": {"channel_limit": 2, "sip_subdomain": "acme"}},
            "router": {"dtmf_type": "RFC 2833", "outbound": {"channel_limit": 1}},
        },
    }
    make_change(config)
    assert config == {
        DEFAULTS_KEY: {"inbound": {"channel_limit": 20}},
        APPLICATIONS_KEY: {
            "ivr": {"dtmf_type": "SIP INFO", "inbound": {"channel_limit": 1, "sip_subdomain": "acme"}},
            "router": {"dtmf_type": "RFC 2833", "outbound": {"channel_limit": 1}},  # 1 is as low as it goes
        },
    }


# -- The stylesheet's pin ------------------------------------------------------------------------------------------


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_a_cached_stylesheet_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    cache = tmp_path / "github-markdown-css.tgz"
    cache.write_bytes(tarball({stylesheet.MEMBER: b".markdown-body { background: url(https://evil.example/x) }"}))
    with pytest.raises(SystemExit, match="does not match its pinned integrity"):
        stylesheet.stylesheet(cache)


def test_the_pinned_integrity_is_the_npm_registrys_sha512_of_the_tarball() -> None:
    assert stylesheet.integrity(b"") == "sha512-" + base64.b64encode(hashlib.sha512(b"").digest()).decode()
    assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", stylesheet.INTEGRITY)
    assert re.fullmatch(r"\d+\.\d+\.\d+", stylesheet.VERSION)


def test_a_cached_stylesheet_with_the_pinned_integrity_is_read_from_its_tarball(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "github-markdown-css.tgz"
    cache.write_bytes(tarball({"package/readme.md": b"#", stylesheet.MEMBER: b".markdown-body { color: #1f2328; }"}))
    monkeypatch.setattr(stylesheet, "INTEGRITY", stylesheet.integrity(cache.read_bytes()))
    assert stylesheet.stylesheet(cache) == ".markdown-body { color: #1f2328; }"
