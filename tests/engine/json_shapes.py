"""Two `pulumi preview --json` documents compared key by key at every level, values by what they are.

Ids, timestamps, durations and source positions differ from run to run; what must not differ is the shape: the
keys of every object in their order, each value's JSON type (a whole number stays a number without a fraction),
the engine's placeholders (`"[secret]"`, the unknown id), the steps (op and URN) and where they come, the change
summary, the config's JSON text, and every diagnostic's fields and text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from scripts.review_comment.preview_json import SECRET, UNKNOWN

from ..support.preview_fixtures import go_compact_json

ROOT_STACK = "::pulumi:pulumi:Stack::"


def kind(value: str) -> str:
    """What a string is, as far as the engine's format goes."""
    if value == SECRET:
        return "[secret]"
    if value == UNKNOWN:
        return "unknown"
    if value.startswith("urn:pulumi:"):
        if value.count("::") == 4:
            return "provider reference, id unknown" if value.endswith(f"::{UNKNOWN}") else "provider reference"
        return "urn"
    return "string"


def shape(value: Any) -> Any:
    """The value with every leaf replaced by its kind; an object keeps its keys in order, a list the set of the
    shapes of its items."""
    if isinstance(value, Mapping):
        return [[key, shape(item)] for key, item in value.items()]
    if isinstance(value, list):
        return sorted({json.dumps(shape(item)) for item in value})
    if isinstance(value, str):
        return kind(value)
    return type(value).__name__  # bool, int, float, NoneType


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Every place where the two shapes differ, by the path of keys leading there."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        found = []
        if list(expected) != list(actual):
            found.append(f"{where or '/'}: {key_words(list(expected), list(actual))}")
        for key in expected.keys() & actual.keys():
            found += differences(expected[key], actual[key], f"{where}/{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        shown, real = shape(expected), shape(actual)
        if shown == real:
            return []
        if all(isinstance(x, Mapping) for x in expected + actual) and len(shown) == len(real) == 1:
            return differences(expected[0], actual[0], f"{where}[]")
        return [f"{where}: items {shown} != {real}"]
    if shape(expected) != shape(actual):
        return [f"{where}: {shape(expected)} != {shape(actual)} ({expected!r} / {actual!r})"]
    return []


def key_words(expected: list[str], actual: list[str]) -> str:
    """How two objects' keys differ: those only one of them has, or their order."""
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    words = [f"only the fixture has {missing}"] if missing else []
    words += [f"only the engine has {extra}"] if extra else []
    return "; ".join(words) or f"keys in another order: {expected} != {actual}"


def step_key(step: Mapping[str, Any]) -> tuple[str, str]:
    """A step by what it does to which resource."""
    return str(step["op"]), str(step["urn"])


def order(steps: Sequence[Mapping[str, Any]]) -> list[str]:
    """Where steps come: the refresh steps, the root stack's, the program's, the deletes, each run of one op kind
    once (the engine refreshes in parallel, and registers in the program's order)."""
    phases: list[str] = []
    for step in steps:
        phase = "root stack" if ROOT_STACK in step["urn"] and step["op"] != "refresh" else str(step["op"])
        if phase not in ("refresh", "root stack", "delete"):
            phase = "program"
        if not phases or phases[-1] != phase:
            phases.append(phase)
    return phases


def digest_differences(fixture: Mapping[str, Any], real: Mapping[str, Any]) -> list[str]:
    """Every difference between a fixture and the engine's own JSON for the same situation."""
    found = []
    if list(fixture) != list(real):
        found.append(f"top level: {key_words(list(fixture), list(real))}")
    found += config_differences(fixture.get("config", {}), real.get("config", {}))
    found += differences(fixture.get("duration"), real.get("duration"), "/duration")
    if fixture.get("changeSummary") != real.get("changeSummary"):
        found.append(f"changeSummary {fixture.get('changeSummary')} != {real.get('changeSummary')}")
    fixture_steps, real_steps = fixture.get("steps", []), real.get("steps", [])
    if Counter(map(step_key, fixture_steps)) != Counter(map(step_key, real_steps)):
        found.append(f"steps {sorted(map(step_key, fixture_steps))} != {sorted(map(step_key, real_steps))}")
    if order(fixture_steps) != order(real_steps):
        found.append(f"step order {order(fixture_steps)} != {order(real_steps)}")
    by_key = {step_key(step): step for step in real_steps}
    for step in fixture_steps:
        if step_key(step) in by_key:
            found += differences(step, by_key[step_key(step)], f"/steps[{' '.join(step_key(step))}]")
    if fixture.get("diagnostics") != real.get("diagnostics"):
        found.append(f"diagnostics {fixture.get('diagnostics')} != {real.get('diagnostics')}")
    return found


def config_differences(fixture: Mapping[str, str], real: Mapping[str, str]) -> list[str]:
    """The config: the same keys, each value JSON text written as `json.Marshal` writes it, of the same shape."""
    found = []
    if list(fixture) != list(real):
        found.append(f"config: {key_words(list(fixture), list(real))}")
    for key in fixture.keys() & real.keys():
        for name, text in (("fixture", fixture[key]), ("engine", real[key])):
            if go_compact_json(json.loads(text)) != text:
                found.append(f"config {key}: the {name}'s text is not compact, sorted JSON: {text}")
        found += differences(json.loads(fixture[key]), json.loads(real[key]), f"/config/{key}")
    return found
