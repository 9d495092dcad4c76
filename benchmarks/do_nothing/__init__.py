"""The engine benchmark's baseline (benchmarks/engine.py): a dynamic resource whose provider makes no call.

`DoNothing` goes through what `CallControlApplication` goes through: the same engine, the same
`python -m pulumi.dynamic` host, the same provider serialised into every resource's inputs. Its create
only makes up an id; check, diff and read are the SDK's defaults, which call nothing either. So a stack of
them costs what the engine and the dynamic host cost, and ours/do-nothing is what the Telnyx provider adds.

Like the Telnyx provider, the class lives in an importable module, so dill pickles it by reference and the
host imports it from the project folder (the benchmark copies this package there).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class DoNothingProvider(ResourceProvider):
    """A dynamic provider whose create returns a new id and the inputs as outputs, calling nothing."""

    serialize_as_secret_always = False  # it captures nothing secret

    def create(self, props: dict[str, Any]) -> CreateResult:
        """A fresh id; the inputs kept as the outputs."""
        return CreateResult(uuid.uuid4().hex, props)


_PROVIDER = DoNothingProvider()


class DoNothing(Resource, module="benchmark", name="DoNothing"):
    """A resource that exists only in Pulumi's state: `pulumi-python:dynamic/benchmark:DoNothing`."""

    def __init__(self, name: str, props: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        """`props` are kept as given: the inputs, and after create the outputs."""
        super().__init__(_PROVIDER, name, dict(props), opts)
