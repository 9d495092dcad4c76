"""The README stays true to the code."""

from __future__ import annotations

import re

from field_model.reference import arguments_table

from ..support.stack_files import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make up", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_argument_table_is_the_one_the_field_model_writes() -> None:
    between = README.split("<!-- arguments:start")[1].split("<!-- arguments:end -->")[0]
    assert between.split("\n", 1)[1].strip() == arguments_table()
