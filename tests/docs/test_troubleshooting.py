"""docs/troubleshooting.md against the code: every message the code can print has an entry, and every entry quotes a
message the code still prints.

`tests/support/messages.py` finds the messages (string literals and f-strings that reach a `raise`, an exception, a
`print` to stderr, a warning or a list of problems, followed through variables, constants and helper functions). A
message is on the page when the page holds its longest literal part (between `{…}` placeholders), whitespace and case
aside. A part shorter than `MIN_FRAGMENT` says too little alone: a message made only of such parts is looked for by
its shape, its parts in order with placeholders between (`got <value>; expected <allowed>`), and a lone short string
(`'linux'`, `'PATCH'`) not at all. An entry is a top-level bullet opening with a
code span (`` - `message` — cause. **Fix:** … ``); it still exists when its longest literal part (between `<…>`
placeholders) holds a message's longest part, or is itself a piece of a string in the code (a message printed to
stdout, the Makefile's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..support.messages import Message, extract, literal_corpus, literal_fragments, normalised, source_files
from ..support.stack_files import ROOT

PAGE = ROOT / "docs" / "troubleshooting.md"
MIN_FRAGMENT = 12
# Functions whose roots are not messages (path, function). Keep it short; say why for each.
NOT_MESSAGES = (
    # Its `reasons` are the review comment's danger lines, Markdown for a reviewer (pipelines.md shows the comment).
    ("scripts/review_comment/comment.py", "danger_line"),
)
# The engine's own messages: not in this project's code, so not held against it.
ENGINE_SECTION = "## Messages of the Pulumi engine"
# Pages the troubleshooting page may link to; an anchor only to the runbook (other pages' headings move).
ALLOWED_ANCHORS = ("reliability.md#when-a-run-went-wrong-runbook",)
_ENTRY = re.compile(r"^- (`+)(.+?)(?<!`)\1(?!`)", re.M | re.S)


def checked(found: Sequence[Message]) -> list[Message]:
    """The messages with a literal part long enough to look for."""
    return [message for message in found if len(message.key) >= MIN_FRAGMENT]


def shaped(found: Sequence[Message]) -> list[Message]:
    """The messages whose parts are all short but that hold a placeholder (`got <value>; expected <allowed>`)."""
    return [message for message in found if len(message.key) < MIN_FRAGMENT and len(message.fragments) > 1]


def shape(message: Message) -> re.Pattern[str]:
    """A message's literal parts in order, placeholders of the page (`<…>`, maybe quoted) between each two."""
    between = r"(?:\s*'?<[^<>]*>'?\s*)+"
    return re.compile(between.join(re.escape(normalised(part)) for part in message.fragments))


def missing_from(page: str, found: Sequence[Message]) -> list[Message]:
    """The messages whose longest literal part the page does not hold, or, when every part is short, whose shape."""
    text = normalised(page)
    by_key, by_shape = set(checked(found)), set(shaped(found))
    return [
        message
        for message in found
        if (message in by_key and normalised(message.key) not in text)
        or (message in by_shape and not shape(message).search(text))
    ]


def page_entries(page: str) -> list[tuple[int, str]]:
    """(line, message) of each entry outside the engine's section: a top-level bullet opening with a code span."""
    entries = []
    for match in _ENTRY.finditer(page):
        before = page[: match.start()]
        headings = re.findall(r"^## .*$", before, re.M)
        if not headings or headings[-1] != ENGINE_SECTION:
            entries.append((before.count("\n") + 1, " ".join(match.group(2).split())))
    return entries


def stale_entries(page: str, found: Sequence[Message], corpus: Sequence[str]) -> list[tuple[int, str]]:
    """The entries that quote no message the code still has."""
    keys = [normalised(message.key) for message in checked(found)]
    pieces = [normalised(piece) for piece in corpus]
    stale = []
    for line, message in page_entries(page):
        longest = normalised(max(literal_fragments(message), key=len, default=""))
        if len(longest) < MIN_FRAGMENT:
            continue  # too little to look for, like a short message of the code
        if not any(key in longest for key in keys) and not any(longest in piece for piece in pieces):
            stale.append((line, message))
    return stale


def code_corpus() -> list[str]:
    """The pieces of the code's strings (and the Makefile, which prints the Python version check) an entry may quote."""
    return [*literal_corpus(SOURCES), (ROOT / "Makefile").read_text(encoding="utf-8")]


def _report(missing: Sequence[Message]) -> str:
    def wanted(message: Message) -> str:
        return repr(message.key) if len(message.key) >= MIN_FRAGMENT else f"the shape {shape(message).pattern!r}"

    return "\n".join(f"  {message}\n    (the page should hold: {wanted(message)})" for message in missing)


# -- the page against the code --------------------------------------------------------------------------------------


SOURCES = source_files(ROOT)
FOUND = extract(SOURCES, NOT_MESSAGES)
TEXT = PAGE.read_text(encoding="utf-8")


def test_every_message_the_code_can_print_is_on_the_page() -> None:
    assert len(checked(FOUND)) > 150, "the extractor found too few messages: has a source folder moved?"
    missing = missing_from(TEXT, FOUND)
    assert not missing, (
        f"docs/troubleshooting.md has no entry for (add each, with its cause and what to do):\n{_report(missing)}"
    )


def test_every_message_the_page_quotes_is_still_in_the_code() -> None:
    assert len(page_entries(TEXT)) > 100
    stale = stale_entries(TEXT, FOUND, code_corpus())
    assert not stale, "docs/troubleshooting.md quotes messages the code no longer prints:\n" + "\n".join(
        f"  docs/troubleshooting.md:{line}: {message!r}" for line, message in stale
    )


def test_the_page_links_only_to_pages_and_the_runbook() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", TEXT)
    assert TEXT.startswith("# Troubleshooting\n")
    for target in targets:
        if target.startswith("https://"):
            continue
        assert target in ALLOWED_ANCHORS or ("#" not in target and target.endswith(".md")), target
        assert (ROOT / "docs" / target.partition("#")[0]).is_file(), target


# -- the check can fail -----------------------------------------------------------------------------------------------

SAMPLE = {
    "pkg/__init__.py": "",
    "pkg/errors.py": (
        'HELP = "set the SAMPLE_KEY environment variable"\n'
        "class SampleError(Exception):\n"
        '    """A sample."""\n'
    ),
    "pkg/tool.py": (
        "import sys\n"
        "from .errors import HELP, SampleError\n"
        'KEY = "sample:key"\n'
        "def reason(count: int) -> str:\n"
        '    return f"{count} things share one name; rename all but one"\n'
        "def stage(text: str) -> None:\n"
        '    print(f"[stage] {text}", file=sys.stderr)\n'
        "def run(problems: list[str]) -> None:\n"
        "    if not problems:\n"
        '        raise SampleError(f"No key in {KEY!r}; {HELP}")\n'
        "    problems.append(reason(2))\n"
        '    stage("compiling the sample tool")\n'
        '    message = "the file is odd"\n'
        '    message += f" ({len(problems)} problems)"\n'
        '    print(f"warning: {message}", file=sys.stderr)\n'
        '    print("Reading the account (reads only; nothing is changed)")\n'
    ),
}


def test_the_extractor_follows_constants_helpers_parameters_and_variables_to_each_message() -> None:
    found = {(m.path, m.line): m.text for m in extract(SAMPLE)}

    assert found == {
        ("pkg/errors.py", 1): "set the SAMPLE_KEY environment variable",
        ("pkg/tool.py", 5): "<count> things share one name; rename all but one",
        ("pkg/tool.py", 7): "[stage] <text>",
        ("pkg/tool.py", 10): "No key in 'sample:key'; <HELP>",
        ("pkg/tool.py", 12): "compiling the sample tool",
        ("pkg/tool.py", 13): "the file is odd",
        ("pkg/tool.py", 14): " (<len(problems)> problems)",
        ("pkg/tool.py", 15): "warning: <message>",
    }  # and not the line printed to stdout


def test_a_message_added_to_the_code_without_an_entry_fails_naming_its_file_and_line() -> None:
    sources = dict(SOURCES)
    sources["provider/settings.py"] += (
        "\n\ndef _refuse_the_region(region: str) -> None:\n"
        '    raise ValueError(f"TELNYX_REGION={region!r} names no Telnyx region; unset it")\n'
    )
    line = sources["provider/settings.py"].count("\n")

    already = {str(message) for message in missing_from(TEXT, FOUND)}  # the main test's failures, if any
    missing = [m for m in missing_from(TEXT, extract(sources, NOT_MESSAGES)) if str(m) not in already]

    assert [str(message) for message in missing] == [
        f"provider/settings.py:{line}: 'TELNYX_REGION=<region> names no Telnyx region; unset it'"
    ]
    assert "(the page should hold: 'names no Telnyx region; unset it')" in _report(missing)


def test_an_entry_whose_message_left_the_code_is_found() -> None:
    page = TEXT.replace(
        "## Stack files\n",
        "## Stack files\n\n- `stack '<stack>': the frobnicator is out of flux` — cause. **Fix:** none.\n",
    )
    line = page[: page.index("the frobnicator")].count("\n") + 1

    stale = stale_entries(page, FOUND, code_corpus())

    assert stale == [(line, "stack '<stack>': the frobnicator is out of flux")]


def test_a_message_of_short_parts_is_looked_for_by_its_shape() -> None:
    source = {"tool.py": 'def check(value: int) -> None:\n    raise ValueError(f"got {value!r}; want {value + 1}")\n'}
    [message] = extract(source)

    assert missing_from("- `got '<value>'; want <next>` — cause. **Fix:** that.", [message]) == []
    assert missing_from("- `got '<value>'` and, elsewhere, `; want`.", [message]) == [message]
