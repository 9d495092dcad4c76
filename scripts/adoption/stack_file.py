"""The stack file adopt writes to, kept as people wrote it.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and indentation; new entries are
appended under `telnyx-call-control:applications` in block style, with nulls written `~` as the
docs write them, and strings that YAML would read as something else in double quotes.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from stack_files.loader import APPLICATIONS_KEY, DEFAULTS_KEY

from .entries import is_encrypted

STR_TAG = "tag:yaml.org,2002:str"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "stacks" / "stack-file.schema.json"


class StackFileError(ValueError):
    """The stack file cannot be read or extended; the message names the file and the fix."""


class _ApiDefault:
    """A null written as `~`: "the API default, despite the stack's defaults"."""


def _represent_api_default(representer: RoundTripRepresenter, _: _ApiDefault) -> ScalarNode:
    return representer.represent_scalar("tag:yaml.org,2002:null", "~")


def new_stack_file_text(stack: str, folder: Path) -> str:
    """The text of a stack file adopt creates in `folder`: the schema for editors, the project's config keys, no secret."""
    schema = os.path.relpath(SCHEMA_FILE, folder.resolve())
    return (
        f"# yaml-language-server: $schema={schema}\n"
        f"# {stack}: call control applications adopted from a Telnyx account (`make adopt STACK={stack}`).\n"
        "# The API key comes from TELNYX_API_KEY in the environment and is stored nowhere (docs/getting-started.md,\n"
        "# \"Where the key can end up\").\n"
        "config:\n"
        f"  {DEFAULTS_KEY}: {{}}         # settings merged under every application\n"
        f"  {APPLICATIONS_KEY}: {{}}     # logical name -> arguments\n"
    )


class StackFile:
    """A stack file loaded for round-trip editing (or the one adopt would create)."""

    def __init__(self, path: Path, stack: str) -> None:
        self.path = path
        self.exists = path.exists()
        try:
            self._original = path.read_text(encoding="utf-8") if self.exists else new_stack_file_text(stack, path.parent)
        except (OSError, UnicodeDecodeError) as error:
            raise StackFileError(f"{path}: cannot be read ({error.__class__.__name__}: {error})") from None
        self._yaml = _round_trip_yaml()
        try:
            # One parse: ruamel guesses the indentation while loading with our round-trip settings.
            document, indent, block_sequence_indent = load_yaml_guess_indent(self._original, yaml=self._yaml)
        except YAMLError as error:
            raise StackFileError(f"{path}: not valid YAML ({str(error).strip().splitlines()[0]}); fix it first") from None
        indent = indent or 2
        self._yaml.indent(mapping=indent, sequence=indent, offset=block_sequence_indent or 0)
        if document is None:
            document = CommentedMap()
        if not isinstance(document, CommentedMap):
            raise StackFileError(f"{path}: a stack file must be a map with a 'config' key")
        self._document = document

    @property
    def config(self) -> Mapping[str, Any]:
        """The `config:` map as loaded (empty when there is none)."""
        config = self._document.get("config")
        return config if isinstance(config, Mapping) else {}

    @property
    def defaults(self) -> Any:
        """The `telnyx-call-control:defaults` value as written (None when absent)."""
        return self.config.get(DEFAULTS_KEY)

    @property
    def logical_names(self) -> list[str]:
        """The logical names the file already declares."""
        applications = self.config.get(APPLICATIONS_KEY)
        return [str(name) for name in applications] if isinstance(applications, Mapping) else []

    def add(self, entries: Mapping[str, Mapping[str, Any]]) -> None:
        """Append entries (logical name -> settings) under `telnyx-call-control:applications`."""
        applications = self._applications()
        for logical_name, entry in entries.items():
            applications[logical_name] = to_yaml_node(entry)

    def text(self) -> str:
        """The file's text with what was added."""
        stream = io.StringIO()
        self._yaml.dump(self._document, stream)
        return stream.getvalue()

    def save(self) -> None:
        """Write the file in one step (a temporary file renamed over it), so it is never half-written."""
        text = self.text()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
            if self.exists:
                os.chmod(temporary, self.path.stat().st_mode & 0o777)
            else:
                os.chmod(temporary, 0o644)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.exists = True

    def render(self, entries: Mapping[str, Mapping[str, Any]]) -> str:
        """Entries as they would be added, under their key, in this file's style (for a dry run)."""
        snippet = CommentedMap()
        snippet[APPLICATIONS_KEY] = CommentedMap((name, to_yaml_node(entry)) for name, entry in entries.items())
        stream = io.StringIO()
        self._yaml.dump(snippet, stream)
        return stream.getvalue()

    def _applications(self) -> CommentedMap:
        config = self._document.get("config")
        if config is None:
            config = self._document["config"] = CommentedMap()
        if not isinstance(config, CommentedMap):
            raise StackFileError(f"{self.path}: 'config' must be a map")
        applications = config.get(APPLICATIONS_KEY)
        if applications is None:
            applications = config[APPLICATIONS_KEY] = CommentedMap()
        if not isinstance(applications, CommentedMap) or is_encrypted(applications):
            raise StackFileError(
                f"{self.path}: {APPLICATIONS_KEY} must be a plain map of logical names to arguments to add entries to"
            )
        if not applications:
            applications.fa.set_block_style()  # `{}` would otherwise put every new entry on one line
        return applications


def _round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long URL
    yaml.representer.add_representer(_ApiDefault, _represent_api_default)
    return yaml


def to_yaml_node(value: Any) -> Any:
    """A plain value as a round-trip node: maps in block style, lists inline, nulls as `~`, ambiguous strings quoted."""
    if value is None:
        return _ApiDefault()
    if isinstance(value, Mapping):
        node = CommentedMap((key, to_yaml_node(item)) for key, item in value.items())
        node.fa.set_block_style()
        return node
    if isinstance(value, (list, tuple)):
        sequence = CommentedSeq(to_yaml_node(item) for item in value)
        sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, str) and _read_as_other_than_text(value):
        return DoubleQuotedScalarString(value)
    return value


def _read_as_other_than_text(value: str) -> bool:
    """Whether a YAML reader (1.1 or 1.2 rules) would take the plain scalar for a number, boolean, null or date."""
    return any(str(resolver.resolve(ScalarNode, value, (True, False))) != STR_TAG for resolver in _RESOLVERS)


_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
