"""The README's five-minute tour, run as written, line by line, in a fresh git clone: the real engine and `make`,
against the demo's own fake Telnyx. What a step's comment quotes (`…`) is what that step must print."""

from __future__ import annotations

import re
from pathlib import Path

from ..support.stack_files import ROOT
from .clone import Clone

README = (ROOT / "README.md").read_text()


def tour() -> list[tuple[str, list[str]]]:
    """The tour's steps, between the README's tour markers: (command line, the outputs its comment quotes)."""
    block = README.split("<!-- tour:start -->")[1].split("<!-- tour:end -->")[0]
    body = re.search(r"```sh\n(.*?)```", block, re.S)
    assert body is not None
    steps = []
    for line in body.group(1).splitlines():
        command, _, comment = line.partition(" # ")
        steps.append((command.strip(), re.findall(r"`([^`]+)`", comment)))
    return steps


def as_read(output: str) -> str:
    """Output as the README quotes it: without Markdown's backquotes, runs of spaces as one."""
    return " ".join(output.replace("`", "").split())


def test_the_tour_is_seven_steps_and_each_but_the_edit_quotes_what_it_prints() -> None:
    steps = tour()
    assert len(steps) == 7
    assert steps[0][0] == "make up" and steps[-1][0] == "make preview"
    assert [bool(quoted) for _, quoted in steps] == [True, False, True, True, True, True, True]


def test_the_readmes_tour_runs_as_written_and_shows_what_it_says(tmp_path: Path) -> None:
    clone = Clone(tmp_path / "project")
    for number, (command, quoted) in enumerate(tour(), start=1):
        result = clone.shell(command)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"step {number}, `{command}`, exited {result.returncode}:\n{output}"
        for text in quoted:
            assert as_read(text) in as_read(output), f"step {number}, `{command}`, does not show {text!r}:\n{output}"
    assert {app["dtmf_type"] for app in clone.demo_applications().values()} == {"Inband", "RFC 2833"}
    assert clone.status() == ""  # the roll-back left every tracked file as committed
