"""A stand-in for the Pulumi engine at the dynamic-provider boundary.

It does what the engine does, with the Pulumi SDK's own pieces: starts
`python -m pulumi.dynamic` (what the `pulumi-resource-pulumi-python` plugin
runs), calls `Configure` with the stack config, and drives Check, Diff,
Create, Read, Update and Delete over gRPC with properties marshalled by
`pulumi.runtime.rpc` into protobuf Structs (so integers arrive as floats) and a
`__provider` made by `pulumi.dynamic`'s own serialiser.

One difference, on purpose: a value a test marks `secret` arrives wrapped. The real
engine, told `acceptSecrets: false` by the host, unwraps secrets before each call and
marks the results secret again by top-level name (`annotateSecrets` in pulumi/pulumi
pkg/resource/plugin/provider_plugin.go), so there the provider sees plain values, which
is what every test that sends plain values plays. Wrapped values show the provider copes
with a host that passes secrets through.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

from provider import CallControlApplicationProvider
from provider.resource import TYPE_TOKEN

from .plugin_process import PluginProcess

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = rpc.UNKNOWN
SERIALISED_PROVIDER = serialize_provider(CallControlApplicationProvider())


def urn(name: str = "app") -> str:
    """The URN the engine would give a resource of this type in stack `dev`."""
    return f"urn:pulumi:dev::telnyx-call-control::{TYPE_TOKEN}::{name}"


def secret(value: Any) -> Any:
    """A value marked secret, as the engine marshals it."""
    return rpc.wrap_rpc_secret(value)


def to_struct(props: dict[str, Any]) -> Any:
    """Marshal a property bag the way the SDK does (on a private loop, leaving the thread's loop alone)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def from_struct(struct: Any) -> dict[str, Any]:
    """Unmarshal a property bag, keeping unknowns, as the engine sees it."""
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


def with_provider(props: dict[str, Any]) -> dict[str, Any]:
    """A property bag as the engine holds it: the program's inputs plus `__provider`."""
    return {**props, "__provider": SERIALISED_PROVIDER}


@dataclass
class Failure:
    """A check failure as the engine receives it."""

    property: str
    reason: str


class DynamicProviderHost:
    """A running `python -m pulumi.dynamic` and a gRPC stub to it."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TELNYX_")}
        environment.update(env or {})
        self._plugin = PluginProcess([sys.executable, "-m", "pulumi.dynamic"], ROOT, environment)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._plugin.channel)

    def close(self) -> str:
        """Stop the host; return what it wrote to stderr."""
        return self._plugin.close()

    def configure(self, config: dict[str, Any]) -> None:
        """Send the stack config, as the engine does once per provider."""
        self.stub.Configure(proto.ConfigureRequest(args=to_struct(config), acceptSecrets=True))

    def check(self, news: dict[str, Any], olds: dict[str, Any] | None = None, name: str = "app") -> tuple[dict[str, Any], list[Failure]]:
        """Check: the inputs the provider returns, and its failures."""
        request = proto.CheckRequest(urn=urn(name), olds=to_struct(olds or {}), news=to_struct(news))
        response = self.stub.Check(request)
        failures = [Failure(f.property, f.reason) for f in response.failures]
        return from_struct(response.inputs), failures

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any], name: str = "app") -> Any:
        """Diff: the raw DiffResponse."""
        request = proto.DiffRequest(id=id_, urn=urn(name), olds=to_struct(olds), news=to_struct(news))
        return self.stub.Diff(request)

    def create(self, props: dict[str, Any], name: str = "app") -> tuple[str, dict[str, Any]]:
        """Create: the new id and the outputs."""
        response = self.stub.Create(proto.CreateRequest(urn=urn(name), properties=to_struct(props)))
        return response.id, from_struct(response.properties)

    def read(self, id_: str, props: dict[str, Any], inputs: dict[str, Any] | None = None, name: str = "app") -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Read: the id (empty when gone), the outputs and the inputs the provider returned."""
        request = proto.ReadRequest(id=id_, urn=urn(name), properties=to_struct(props), inputs=to_struct(inputs or {}))
        response = self.stub.Read(request)
        return response.id, from_struct(response.properties), from_struct(response.inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any], name: str = "app") -> dict[str, Any]:
        """Update: the new outputs."""
        request = proto.UpdateRequest(id=id_, urn=urn(name), olds=to_struct(olds), news=to_struct(news))
        return from_struct(self.stub.Update(request).properties)

    def delete(self, id_: str, props: dict[str, Any], name: str = "app") -> None:
        """Delete."""
        self.stub.Delete(proto.DeleteRequest(id=id_, urn=urn(name), properties=to_struct(props)))

    def deploy(self, program: dict[str, Any], name: str = "app") -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Check then create, as `pulumi up` does for a new resource: the id, the outputs and the checked inputs.

        `program` is the program's inputs (without `__provider`); check must pass.
        """
        inputs, failures = self.check(with_provider(program), name=name)
        assert failures == [], failures
        app_id, outputs = self.create(inputs, name=name)
        return app_id, outputs, inputs


DIFF_NONE = proto.DiffResponse.DIFF_NONE
DIFF_SOME = proto.DiffResponse.DIFF_SOME
