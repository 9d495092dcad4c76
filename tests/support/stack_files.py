"""The stack files in stacks/, read as the Pulumi CLI reads them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "telnyx-call-control"
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` map of a stack file."""
    return dict(yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"])


def declared(stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(applications, defaults) as the stack file writes them."""
    config = stack_config(stack)
    return config[f"{PROJECT}:applications"], config.get(f"{PROJECT}:defaults", {})


def as_engine_config(config: dict[str, Any]) -> dict[str, str]:
    """Config values as the engine hands them to a program: structured values as JSON text."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
