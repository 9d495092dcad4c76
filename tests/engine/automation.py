"""A stack driven through the Pulumi Automation API on the harness's engine, with no Python language host.

The program is inline: the copy's `__main__.py` run in this process (runpy), served to the CLI by the SDK's own
language server (the Automation API passes `--client`), so the engine never looks for `pulumi-language-python`. The
workspace is the project copy (its Pulumi.yaml, stacks/ and policy pack) and its environment the harness's: the
CLI's folder first on PATH, PULUMI_HOME, no update check, and PULUMI_PYTHON_CMD for the dynamic provider plugin.
"""

from __future__ import annotations

import runpy

from pulumi import automation as auto

from ..support.stack_files import PROJECT
from .harness import CLI, Engine


def pulumi_command() -> auto.PulumiCommand:
    """The harness's CLI as the Automation API runs it: `<root>/bin/pulumi`."""
    assert CLI is not None and CLI.parent.name == "bin", f"the Automation API runs <root>/bin/pulumi, not {CLI}"
    return auto.PulumiCommand(root=str(CLI.parent.parent))


def inline_stack(engine: Engine, stack_name: str) -> auto.Stack:
    """`stack_name` of the project copy, created or selected, its program the copy's `__main__.py` run inline."""

    def program() -> None:
        runpy.run_path(str(engine.project / "__main__.py"), run_name="__main__")

    options = auto.LocalWorkspaceOptions(
        work_dir=str(engine.project), pulumi_command=pulumi_command(), env_vars=engine.env
    )
    return auto.create_or_select_stack(stack_name=stack_name, project_name=PROJECT, program=program, opts=options)
