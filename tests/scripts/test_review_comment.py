"""The comment's Markdown: dangers first, values that cannot break out, secrets and credentials hidden, size kept."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from scripts.review_comment.changes import (
    ApplicationChange,
    SettingChange,
    StackChanges,
    UnchangedApplication,
    stack_changes,
)
from scripts.review_comment.comment import GITHUB_COMMENT_LIMIT, MANY_CHANGES, code, plain, render_comment, size, value
from scripts.review_comment.preview_json import SECRET, parse_preview

from ..support.preview_fixtures import (
    StandInViolation,
    dev_no_changes,
    dev_secret_update,
    go_json,
    load_300_applications,
    prod_mixed,
    staging_check_failed,
    staging_failed,
    staging_updates,
    stand_in_evaluate,
)


def stacks(*digests: Any) -> list[StackChanges]:
    return [stack_changes(parse_preview(json.loads(go_json(d)), "f.json"), stand_in_evaluate) for d in digests]


def change(name: str = "router", operation: str = "update", stack: str = "dev", **kwargs: Any) -> ApplicationChange:
    return ApplicationChange(stack=stack, logical_name=name, operation=operation, application_name=f"{name}-{stack}", application_id=None, settings=kwargs.pop("settings", ()), **kwargs)


def one_stack(*changes: ApplicationChange, name: str = "dev") -> list[StackChanges]:
    return [StackChanges(name, tuple(changes), unchanged=0, others=(), errors=())]


def test_no_changes_anywhere_is_one_line_after_the_heading() -> None:
    lines = render_comment(stacks(dev_no_changes())).strip().splitlines()
    assert lines == ["<!-- telnyx-call-control:review -->", "", "## Pulumi preview", "", "No changes: `dev` matches the code (2 applications unchanged)."]


def test_the_marker_and_title_open_the_comment() -> None:
    text = render_comment(stacks(prod_mixed()), title="Drift: prod", marker="telnyx-call-control:drift:prod")
    assert text.startswith("<!-- telnyx-call-control:drift:prod -->\n\n## Drift: prod\n")


def test_dangers_come_first_in_a_caution_block_naming_every_dangerous_change() -> None:
    text = render_comment(stacks(dev_no_changes(), staging_updates(), prod_mixed()))
    caution = text.index("> [!CAUTION]")
    assert caution < text.index("### `dev`")
    block = text[caution : text.index("\n\n", caution)]
    assert "**6 changes can hurt a live phone system:**" in block
    assert "`prod` · **delete** `eu-call-router`" in block
    assert "`active` `true` → `false` **turns the application off**" in block
    assert "`inbound.channel_limit` `10` → `5` **is lowered**" in block
    assert "moves to another host" in block and "🛑 policy `prod-needs-failover` (mandatory)" in block
    assert block.index("`prod`") < block.index("`staging`")  # production first


def test_a_production_change_with_no_other_danger_is_still_listed_as_one() -> None:
    text = render_comment(one_stack(change(stack="prod", production=True, settings=(SettingChange("dtmf_type", "Inband", "SIP INFO"),)), name="prod"))
    assert "`prod` · **update** `router` (`router-prod`): a change in a production stack" in text
    assert "### `prod` (production): 1 to update · 0 unchanged" in text


def test_each_changed_setting_shows_old_and_new_and_nothing_unchanged() -> None:
    text = render_comment(stacks(staging_updates()))
    assert "  - `inbound.channel_limit`: `10` → `20`" in text
    assert "anchorsite_override" not in text and "tags" not in text  # declared as before: not changes


def test_a_secret_setting_is_shown_only_as_secret() -> None:
    text = render_comment(stacks(dev_secret_update()))
    assert "  - `webhook_event_url`: [secret] (the preview hides secret values: not compared)" in text
    assert "  - `dtmf_type`: `Inband` → `SIP INFO`" in text and "dev.hooks.example.com" not in text


def test_values_cannot_inject_markdown_html_or_mentions() -> None:
    name = "**bold** <img src=x onerror=alert(1)> @acme/oncall [x](https://evil.example) `tick`"
    text = render_comment(one_stack(ApplicationChange("dev", "r", "create", name, None, (SettingChange("dtmf_type", None, "Inband"),))))
    spans = re.findall(r"(`+)(.+?)\1", text)
    assert any(name in span for _, span in spans)
    outside = re.sub(r"(`+).+?\1", "", text)
    assert "<img" not in outside and "@acme" not in outside and "**bold**" not in outside


def test_a_code_span_holds_any_backticks() -> None:
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("plain") == "`plain`"


def test_invisible_and_control_characters_are_shown_as_escapes() -> None:
    assert code("abc\u202edef\nx\u200b") == "`abc\\u202edef\\u000ax\\u200b`"


def test_prose_from_policies_is_escaped_so_it_stays_prose() -> None:
    assert plain("use *https* for <ivr> @team") == "use \\*https\\* for \\<ivr\\> \\@team"


def test_a_webhook_url_with_credentials_shows_only_scheme_and_host() -> None:
    assert value("https://user:pa55@hooks.example.com/x", "webhook_event_url") == "`https://hooks.example.com/…` (credentials hidden)"
    assert value("https://hooks.example.com/x?token=abc", "webhook_event_failover_url") == "`https://hooks.example.com/…` (credentials hidden)"
    assert value("https://hooks.example.com/telnyx/ivr", "webhook_event_url") == "`https://hooks.example.com/telnyx/ivr`"
    text = render_comment(stacks(prod_mixed()))
    assert "s3cr3t" not in text and "signature" not in text and "acme:" not in text


def test_values_are_written_as_the_api_writes_them() -> None:
    assert [value(v) for v in (None, True, 25, "", ["a", "b"], SECRET)] == ["`null`", "`true`", "`25`", '`""`', "`[a, b]`", "[secret]"]


def test_a_long_value_is_cut() -> None:
    shown = value("x" * 500)
    assert len(shown) < 130 and shown.endswith("…`")


def test_a_stack_with_many_changes_is_collapsed_in_details() -> None:
    many = one_stack(*(change(f"app-{i:02d}", "create") for i in range(MANY_CHANGES + 1)))
    few = one_stack(*(change(f"app-{i:02d}", "create") for i in range(MANY_CHANGES)))
    assert "<details><summary>11 changed applications in dev</summary>" in render_comment(many)
    assert "<details>" not in render_comment(few)


def test_the_comment_stays_within_githubs_limit_and_says_what_was_cut() -> None:
    full = render_comment(stacks(dev_no_changes(), load_300_applications()), limit=None)
    assert size(full) > GITHUB_COMMENT_LIMIT
    cut = render_comment(stacks(dev_no_changes(), load_300_applications()), details_url="https://ci.example/run/1")
    assert size(cut) <= GITHUB_COMMENT_LIMIT
    shown = cut.count("\n- **")
    assert 0 < shown < 300
    assert f"… {300 - shown} more changes not shown here" in cut
    assert f"the details of {300 - shown} changes (the least dangerous ones, in `load`) are not shown" in cut
    assert "[the full review](https://ci.example/run/1)" in cut


def test_when_cutting_the_dangerous_changes_keep_their_details_wherever_they_are() -> None:
    cut = render_comment(stacks(load_300_applications(), prod_mixed()), limit=20_000)
    assert size(cut) <= 20_000
    for number in (0, 60, 120, 180, 240):  # the five updates that lower a channel limit
        assert f"- **update** `tenant-{number:03d}-router`" in cut
    prod = cut[cut.index("### `prod`") :]
    assert "- **delete** `eu-call-router`" in prod and "- **create** `partner-router`" in prod  # a later stack, all dangerous
    assert 0 < cut.count("- **create** `tenant-") < 295


def test_size_counts_what_github_counts_conservatively() -> None:
    assert size("ab") == 2 and size("→") == 1 and size("🛑") == 2


def test_a_failed_preview_shows_its_error_and_a_warning_at_the_top() -> None:
    text = render_comment(stacks(dev_no_changes(), staging_failed()))
    assert text.index("> [!WARNING]") < text.index("### `dev`")
    assert "the preview of `staging` failed" in text
    assert "### `staging`: the preview failed\n\n```text\nerror: Invalid stack configuration:\nstack 'staging': application 'ivr'" in text
    assert "No changes" not in text


def test_a_failed_previews_errors_share_one_code_block_in_their_order() -> None:
    text = render_comment(stacks(staging_failed()))
    block = text[text.index("```text\n") : text.index("\n```\n")]
    assert block.count("error: ") == 2 and block.index("Invalid stack configuration") < block.index("an unhandled error occurred")


def test_a_check_failure_shows_the_engines_line_with_the_setting_in_the_reason() -> None:
    text = render_comment(stacks(staging_check_failed()))
    assert "### `staging`: the preview failed" in text
    assert "resource 'ivr' has a problem: inbound.channel_limit got -1, out of range" in text


def test_files_that_are_not_previews_are_named_in_the_warning() -> None:
    text = render_comment(stacks(dev_no_changes()), problems=["prod.json: the file is empty"])
    assert "> - `prod.json: the file is empty`" in text and "No changes" not in text


def test_the_api_key_is_scrubbed_from_everything_in_every_encoding() -> None:
    key = "KEY01234/56789+abcdef="
    failed = staging_failed()
    failed.diagnostics[0].message = f"error: request failed: Authorization: Bearer {key} (retried as ?key={quote(key, safe='')})"
    text = render_comment(stacks(failed), secret=key)
    assert key not in text and quote(key, safe="") not in text and text.count("***") == 2


def test_pulumis_own_resources_are_summed_up_in_one_line() -> None:
    text = render_comment(stacks(staging_check_failed()))  # a new stack: its root stack is created
    assert "Pulumi's own resources (no Telnyx call): create `telnyx-call-control-staging` (`pulumi:pulumi:Stack`)." in text


def test_the_default_provider_is_never_listed_among_pulumis_own_resources() -> None:
    assert "Pulumi's own resources" not in render_comment(stacks(dev_no_changes(), staging_updates(), prod_mixed()))


def test_even_a_limit_smaller_than_the_summaries_is_kept() -> None:
    cut = render_comment(stacks(dev_no_changes(), staging_updates(), prod_mixed()), limit=600)
    assert size(cut) <= 600 and cut.rstrip().endswith("limit for a comment.**")


def unchanged(name: str, *violations: StandInViolation, stack: str = "prod") -> UnchangedApplication:
    return UnchangedApplication(stack, name, f"acme-{name}", tuple(violations))  # type: ignore[arg-type]


MANDATORY = StandInViolation("prod-needs-failover", "mandatory", "needs a failover URL")
ADVISORY = StandInViolation("prod-channel-limits", "advisory", "set a channel limit")


def quiet_stack(*apps: UnchangedApplication, name: str = "prod") -> list[StackChanges]:
    return [StackChanges(name, (), unchanged=len(apps), others=(), errors=(), unchanged_applications=apps)]


def test_an_unchanged_application_against_a_mandatory_policy_is_listed_with_the_dangers() -> None:
    text = render_comment(stacks(dev_no_changes(), staging_updates(), prod_mixed()))
    caution = text[text.index("> [!CAUTION]") : text.index("\n\n", text.index("> [!CAUTION]"))]
    assert "> **1 unchanged application breaks a mandatory policy, so the preview fails and `up` stops:**" in caution
    assert "> - `prod` · `fax-gateway` (`acme-fax-gateway`): 🛑 policy `prod-needs-failover` (mandatory)" in caution


def test_nothing_to_change_is_not_all_clear_when_an_unchanged_application_breaks_a_policy() -> None:
    text = render_comment(quiet_stack(unchanged("fax-gateway", MANDATORY)))
    assert "No changes:" not in text and "> [!CAUTION]" in text
    assert "### `prod` (production): no changes (1 unchanged)" in text


def test_each_unchanged_application_against_policy_is_one_group_in_its_stacks_section() -> None:
    text = render_comment(quiet_stack(unchanged("fax-gateway", MANDATORY, ADVISORY), unchanged("ivr", ADVISORY)))
    section = text[text.index("### `prod`") :]
    assert "**2 unchanged applications against policy** (their settings as last deployed;" in section
    assert (
        "- `fax-gateway` — `acme-fax-gateway`\n"
        "  - 🛑 policy `prod-needs-failover` (mandatory): needs a failover URL\n"
        "  - policy `prod-channel-limits` (advisory): set a channel limit\n"
        "- `ivr` — `acme-ivr`\n"
        "  - policy `prod-channel-limits` (advisory): set a channel limit\n"
    ) in section


def test_an_advisory_result_on_an_unchanged_application_is_listed_but_is_no_danger() -> None:
    text = render_comment(quiet_stack(unchanged("ivr", ADVISORY)))
    assert "> [!CAUTION]" not in text and "policy `prod-channel-limits` (advisory)" in text


def test_an_unchanged_application_without_violations_is_not_listed() -> None:
    text = render_comment(quiet_stack(unchanged("ivr"), unchanged("fax-gateway", MANDATORY)))
    assert "`ivr`" not in text and "**1 unchanged application against policy**" in text


def test_when_cutting_advice_on_unchanged_applications_goes_first_and_their_mandatory_results_stay() -> None:
    advised = [unchanged(f"tenant-{i:03d}", ADVISORY, stack="load") for i in range(300)]
    blocked = unchanged("fax-gateway", MANDATORY, stack="load")
    stack = StackChanges("load", (change("router", "update", stack="load"),), unchanged=301, others=(), errors=(), unchanged_applications=(*advised, blocked))
    cut = render_comment([stack], limit=8_000)
    assert size(cut) <= 8_000
    assert "- **update** `router`" in cut and "- `fax-gateway` — `acme-fax-gateway`" in cut
    shown = cut.count("- `tenant-")
    assert 0 < shown < 300
    assert f"- … {300 - shown} more unchanged applications not shown here" in cut
    assert f"the policy results of {300 - shown} unchanged applications (the least dangerous ones, in `load`) are not shown" in cut
