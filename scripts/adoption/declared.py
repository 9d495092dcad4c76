"""Which live applications the stack files in a folder already declare, and by which stack.

Stacks often share one Telnyx account (the default names `<logical name>-<stack>` assume it), so an
application declared by any stack in the folder must never be adopted into another: destroying that
stack would delete it. An entry declares an application by its `import_id`, or by its effective
`application_name` (the stack loader's own rule). Other files are read leniently: they may hold
encrypted values (`{secure: …}`) and mistakes, and an odd file is a warning, never a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from provider.wire import IMPORT_ID
from stack_files.loader import APPLICATIONS_KEY, DEFAULTS_KEY, application_name_of, merge

from .entries import is_encrypted


@dataclass(frozen=True)
class Declaration:
    """One stack entry: the stack, its logical name, and the application it names (id and/or name)."""

    stack: str
    logical_name: str
    import_id: str | None
    application_name: str | None

    def __str__(self) -> str:
        return f"{self.stack}: {self.logical_name}"


@dataclass
class DeclaredApplications:
    """Every declaration found in a folder's stack files, looked up by import id and by name."""

    by_id: dict[str, list[Declaration]] = field(default_factory=dict)
    by_name: dict[str, list[Declaration]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, declaration: Declaration) -> None:
        """Index one declaration."""
        if declaration.import_id is not None:
            self.by_id.setdefault(declaration.import_id, []).append(declaration)
        if declaration.application_name is not None:
            self.by_name.setdefault(declaration.application_name, []).append(declaration)


def stack_of(path: Path) -> str | None:
    """The stack a file belongs to, from its name `Pulumi.<stack>.yaml`; None for any other file."""
    for suffix in (".yaml", ".yml"):
        if path.name.startswith("Pulumi.") and path.name.endswith(suffix):
            return path.name[len("Pulumi.") : -len(suffix)] or None
    return None


def stack_files(folder: Path) -> list[Path]:
    """The stack files in a folder (`Pulumi.<stack>.yaml` or `.yml`), sorted by name."""
    return sorted(p for p in folder.glob("Pulumi.*.y*ml") if p.is_file() and stack_of(p))


def read_declarations(target: Path, target_stack: str, target_config: Mapping[str, Any]) -> DeclaredApplications:
    """What the target stack file (its `config`, already loaded) and every other stack file beside it declare.

    The target file counts for `target_stack` whatever its name; the others for the stack in their name.
    """
    declared = DeclaredApplications()
    _read_config(target.name, target_config, target_stack, declared)
    for path in stack_files(target.parent):
        if not target.exists() or not path.samefile(target):
            _read_file(path, stack_of(path) or "", declared)
    return declared


def _read_file(path: Path, stack: str, declared: DeclaredApplications) -> None:
    try:
        document = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        declared.warnings.append(f"{path.name} cannot be read ({_first_line(error)}); adopt cannot tell what it declares")
        return
    config = document.get("config") if isinstance(document, Mapping) else None
    _read_config(path.name, config if isinstance(config, Mapping) else {}, stack, declared)


def _read_config(name: str, config: Mapping[str, Any], stack: str, declared: DeclaredApplications) -> None:
    applications = config.get(APPLICATIONS_KEY)
    if applications is None:
        return
    if not isinstance(applications, Mapping) or is_encrypted(applications):
        declared.warnings.append(f"{name}: {APPLICATIONS_KEY} is not a plain map; adopt cannot tell what it declares")
        return
    defaults = config.get(DEFAULTS_KEY)
    defaults = defaults if isinstance(defaults, Mapping) and not is_encrypted(defaults) else {}
    for logical_name, entry in applications.items():
        if not isinstance(entry, Mapping) or is_encrypted(entry):
            declared.warnings.append(
                f"{name}: application {logical_name!r} is not a plain map; adopt cannot tell which application it declares"
            )
            continue
        declared.add(_declaration(stack, str(logical_name), entry, defaults))


def _declaration(stack: str, logical_name: str, entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> Declaration:
    import_id = entry.get(IMPORT_ID)
    # An unquoted id is a mistake the loader reports, but it still names the application.
    import_id = str(import_id) if isinstance(import_id, (str, int)) and not isinstance(import_id, bool) else None
    name = application_name_of(stack, logical_name, merge(defaults, entry))
    return Declaration(stack, logical_name, import_id, name if isinstance(name, str) else None)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
