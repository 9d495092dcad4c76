"""The environment every `pulumi` this project runs gets: `make up`/`preview`/`destroy`/`review`, the tests, and a
user's shell (`eval "$(.venv/bin/python -m scripts.install_pulumi --shell)"`).

- The CLI's folder first on PATH: the engine looks plugins up on PATH before the folder of the `pulumi` binary,
  so a stray `pulumi-resource-pulumi-python` elsewhere is never used.
- No update check and no plugin download from the internet; `PULUMI_HOME` (plugins, credentials, logs) in the
  project's git-ignored `.pulumi-home/`, so the user's `~/.pulumi` is never touched (unless PULUMI_HOME is set).
- `PULUMI_PYTHON_CMD`: the Python the dynamic provider plugin runs. The engine names the virtualenv to it only
  when a language host runs the program; when the project serves the program itself (scripts/program_host.py)
  nothing does, and the plugin would otherwise run whatever `python3` is on PATH.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PULUMI_HOME = ROOT / ".pulumi-home"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
FIXED = {"PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}


def changes(cli: Path, environ: Mapping[str, str], python: Path = VENV_PYTHON) -> dict[str, str]:
    """The variables to set (or replace) in `environ` so that `pulumi` is the project's CLI, run offline."""
    path = environ.get("PATH", "")
    entries = [entry for entry in path.split(os.pathsep) if entry and entry != str(cli.parent)]
    return {
        "PATH": os.pathsep.join([str(cli.parent), *entries]),
        "PULUMI_HOME": environ.get("PULUMI_HOME") or str(PULUMI_HOME),
        **FIXED,
        "PULUMI_PYTHON_CMD": environ.get("PULUMI_PYTHON_CMD") or str(python),
    }


def engine_environment(cli: Path, environ: Mapping[str, str], python: Path = VENV_PYTHON) -> dict[str, str]:
    """`environ` with `changes` applied: what a `pulumi` process is started with."""
    return {**environ, **changes(cli, environ, python)}


def shell_exports(cli: Path, environ: Mapping[str, str]) -> str:
    """Lines for a POSIX shell's `eval`: `export NAME=value` for each change, and, where the CLI has no Python
    language host beside it (a build from the Go modules), a `pulumi` function running scripts/pulumi_cli.py,
    which serves the program to `preview` and `up` (`command pulumi` still reaches the binary)."""
    lines = [f"export {name}={shlex.quote(value)}\n" for name, value in changes(cli, environ).items()]
    if not (cli.parent / "pulumi-language-python").exists():
        python, root = shlex.quote(str(VENV_PYTHON)), shlex.quote(str(ROOT))
        lines.append(f'pulumi() {{ PYTHONPATH={root}${{PYTHONPATH:+:$PYTHONPATH}} {python} -m scripts.pulumi_cli "$@"; }}\n')
    return "".join(lines)
