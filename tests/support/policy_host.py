"""A stand-in for the Pulumi engine at the policy-pack boundary.

The engine hands a policy pack each resource's **checked inputs** (what the provider's `check`
returned), marshalled into a protobuf Struct with secrets wrapped and unknowns as placeholders
(`MarshalOptions{KeepUnknowns, KeepSecrets, SkipInternalKeys}` in pulumi/pulumi's analyzer plugin).
This module builds those inputs with the provider's own `check` and the SDK's own marshalling, and
runs the pack as the Python language host does: `python -u -m pulumi.policy <engine> <pack folder>`
in the pack's folder, then Analyze over gRPC.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from typing import Any

from google.protobuf import empty_pb2, json_format
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from provider import CallControlApplicationProvider
from provider.resource import TYPE_TOKEN

from .dynamic_host import to_struct
from .plugin_process import PluginProcess
from .stack_files import PROJECT, ROOT

PACK = ROOT / "policies"
UNKNOWN = rpc.UNKNOWN
pack_main = importlib.import_module("policies.__main__")


def urn(stack: str, name: str, type_token: str = TYPE_TOKEN) -> str:
    """The URN the engine gives a resource."""
    return f"urn:pulumi:{stack}::{PROJECT}::{type_token}::{name}"


def checked_inputs(arguments: dict[str, Any], secret: Iterable[str] = (), unknown: Iterable[str] = ()) -> dict[str, Any]:
    """What the provider's check returns for `arguments` (every field, defaults filled in); then the top-level
    keys in `secret` marked secret and the paths in `unknown` not known yet, as in a preview."""
    news = {key: rpc.wrap_rpc_secret(value) if key in set(secret) else value for key, value in arguments.items()}
    result = CallControlApplicationProvider().check({}, news)
    assert result.failures == [], result.failures
    inputs = dict(result.inputs)
    for path in unknown:
        group, _, name = path.rpartition(".")
        if group:
            inputs[group] = {**inputs[group], name: UNKNOWN}
        else:
            inputs[name] = UNKNOWN
    return inputs


def on_the_wire(props: dict[str, Any]) -> dict[str, Any]:
    """The properties as the engine sends them, decoded as JSON: secrets as signature envelopes, unknowns as placeholders."""
    return dict(json_format.MessageToDict(to_struct(props)))


def as_the_pack_reads(props: dict[str, Any]) -> dict[str, Any]:
    """The properties as the pack hands them to its rules: through the policy SDK's own decoding
    (which unwraps secrets and guards unknowns), then the pack's `plain`."""
    decoded = unknown_checking_proxy(deserialize_properties(on_the_wire(props)))
    return dict(pack_main.plain(decoded))


class PolicyPackHost:
    """A running policy pack and a gRPC stub to it."""

    def __init__(self, stack: str) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "TELNYX_"))}
        # What the language host sets from the engine's stack configuration.
        environment.update(PULUMI_PROJECT=PROJECT, PULUMI_STACK=stack, PULUMI_DRY_RUN="true")
        self._plugin = PluginProcess([sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK)], PACK, environment)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._plugin.channel)

    def close(self) -> str:
        """Stop the pack; return what it wrote to stderr."""
        return self._plugin.close()

    def info(self) -> Any:
        """GetAnalyzerInfo: the pack's name and policies."""
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def analyze(self, props: dict[str, Any], stack: str, name: str, type_token: str = TYPE_TOKEN) -> list[Any]:
        """Analyze one resource's checked inputs; the diagnostics the pack reports."""
        request = proto.AnalyzeRequest(type=type_token, properties=to_struct(props), urn=urn(stack, name, type_token), name=name)
        return list(self.stub.Analyze(request).diagnostics)
