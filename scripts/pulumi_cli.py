"""`python -m scripts.pulumi_cli <arguments>`: `pulumi <arguments>` as the project runs it.

The project's CLI (scripts/install_pulumi.py: found, downloaded or built first), with the project's environment
(scripts/pulumi_env.py), and the stack program served from this process when the command runs it
(scripts/program_host.py): a CLI built from the Go modules has no Python language host, so a bare
`pulumi preview` or `pulumi up` there fails with "no language plugin 'pulumi-language-python' found". Every other
command and every flag go to the CLI unchanged; the exit code is the CLI's. `--shell` of scripts.install_pulumi
defines `pulumi` in a shell as this command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts import program_host, pulumi_env
from scripts.install_pulumi import InstallError, find_or_install


def main(argv: list[str] | None = None) -> int:
    """Run `pulumi` with `argv`; return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        cli = find_or_install(os.environ)
    except InstallError as error:
        print(f"error: {error}", file=sys.stderr)
        return 127
    env = pulumi_env.engine_environment(cli, os.environ, Path(sys.executable))
    with program_host.serving() as address:
        return subprocess.run([str(cli), *program_host.with_client(arguments, address)], env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
