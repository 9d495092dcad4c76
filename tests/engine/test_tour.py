"""The README's five-minute tour, run as written, line by line, in a fresh git clone: the real engine and `make`,
against the demo's own fake Telnyx. Each step's comment says what the newcomer sees; the test checks it."""

from __future__ import annotations

import re
from pathlib import Path

from ..support.stack_files import ROOT
from .clone import Clone

README = (ROOT / "README.md").read_text()


def tour() -> list[str]:
    """The tour's command lines (comments stripped), between the README's tour markers."""
    block = README.split("<!-- tour:start -->")[1].split("<!-- tour:end -->")[0]
    body = re.search(r"```sh\n(.*?)```", block, re.S)
    assert body is not None
    return [line.split("  #")[0].strip() for line in body.group(1).splitlines() if line.strip()]


# What each step must show, in the tour's order: (a text of its output, …).
SEEN = [
    ("+ 3 created",),
    (),
    ('~ dtmf_type', '"Inband" => "SIP INFO"', "1 to update"),
    ("<!-- telnyx-call-control:review -->", "`dtmf_type`: `Inband` → `SIP INFO`"),
    ("~ 1 updated",),
    ("~ 1 updated",),
    ("3 unchanged",),
]


def test_the_tour_is_seven_steps_of_make_and_one_edit() -> None:
    lines = tour()
    assert len(lines) == len(SEEN)
    assert lines[0] == "make up" and lines[-1] == "make preview"


def test_the_readmes_tour_runs_as_written_and_shows_what_it_says(tmp_path: Path) -> None:
    clone = Clone(tmp_path / "project")
    for step, (line, seen) in enumerate(zip(tour(), SEEN, strict=True), start=1):
        result = clone.shell(line)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"step {step}, `{line}`, exited {result.returncode}:\n{output}"
        for text in seen:
            assert text in output, f"step {step}, `{line}`, does not show {text!r}:\n{output}"
    assert clone.demo_applications()  # the demo's applications are still there, as deployed at the start
    assert {app["dtmf_type"] for app in clone.demo_applications().values()} == {"Inband", "RFC 2833"}
    assert clone.status() == ""  # the roll-back left every tracked file as committed
