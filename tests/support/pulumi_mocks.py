"""Pulumi mocks that record every resource a program registers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    """Answers registrations with the inputs as outputs (plus fake server fields) and keeps a record."""

    resources: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    # The RegisterResourceRequest the SDK sent for each resource: where resource options (protect,
    # retainOnDelete, ignoreChanges) travel, since MockResourceArgs does not carry them.
    requests: dict[str, Any] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(args)
        outputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        outputs.update(record_type="call_control_application", created_at="2026-01-01T00:00:00.000Z")
        return f"{len(self.resources)}000000000000000000", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """The SDK's mock resource monitor, keeping each registration request as the engine would receive it."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        if request.type != "pulumi:pulumi:Stack":
            self.recording.requests[request.name] = request
        return super().RegisterResource(request)


def install(stack: str = "dev", config: dict[str, str] | None = None, secret_keys: list[str] | None = None) -> RecordingMocks:
    """Install fresh mocks, stack config and the config keys the engine marks secret, for one test."""
    _ensure_event_loop()
    mocks = RecordingMocks()
    pulumi.runtime.set_all_config(config or {}, secret_keys or [])
    pulumi.runtime.set_mocks(mocks, project="telnyx-call-control", stack=stack, preview=False, monitor=RecordingMonitor(mocks))
    return mocks


def _ensure_event_loop() -> None:
    # set_mocks needs a current loop in this thread; Pulumi keeps futures on it across tests, so reuse it.
    try:
        if not asyncio.get_event_loop().is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())
