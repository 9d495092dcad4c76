"""The argument table of docs/stack-files.md, written from the field model: `python -m field_model.reference`."""

from __future__ import annotations

import json

from . import fields


def arguments_table() -> str:
    """A Markdown table of every argument: name, type, API default, what is allowed, meaning."""
    rows = ["| argument | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
    for spec in fields.FIELDS:
        default = "required" if spec.required else f"`{json.dumps(fields.default_of(spec))}`"
        if spec.name == "application_name":
            default = "the resource name"
        rows.append(f"| `{spec.path}` | {spec.kind.value} | {default} | {spec.allowed()} | {spec.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(arguments_table())
