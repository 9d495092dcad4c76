"""Shared fixtures: the fake Telnyx behind either front door, and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from telnyx_client import TelnyxClient
from telnyx_fake import FakeTelnyxServer, TelnyxBackend, mock_telnyx

from .support.dynamic_host import DynamicProviderHost, secret

# Hypothesis's per-example deadline (200 ms) measures the machine, not a behaviour: on a busy shared runner
# the first examples (strategies compiling their regexes) overran it and failed a property that holds.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

FAST_BACKOFF = 0.01
PROTOCOL_API_KEY = "protocol-test-key-7f3a9c"


@pytest.fixture
def backend() -> TelnyxBackend:
    """A fresh fake account."""
    return TelnyxBackend()


@pytest.fixture
def fake_server(backend: TelnyxBackend) -> Iterator[FakeTelnyxServer]:
    """The fake served over real HTTP on loopback."""
    with FakeTelnyxServer(backend) as server:
        yield server


@pytest.fixture(params=["in-process", "loopback-server"])
def client(request: pytest.FixtureRequest, backend: TelnyxBackend) -> Iterator[TelnyxClient]:
    """A client against the fake, once through each front door."""
    if request.param == "in-process":
        with mock_telnyx(backend) as mocked:
            yield TelnyxClient(mocked.api_key, backoff_factor=FAST_BACKOFF)
    else:
        with FakeTelnyxServer(backend) as server:
            with TelnyxClient(backend.api_key, server.base_url, backoff_factor=FAST_BACKOFF) as real:
                yield real


@pytest.fixture
def server_client(fake_server: FakeTelnyxServer) -> Iterator[TelnyxClient]:
    """A client against the loopback server only (where urllib3 really sleeps between retries)."""
    with TelnyxClient(fake_server.backend.api_key, fake_server.base_url, backoff_factor=FAST_BACKOFF) as real:
        yield real


@pytest.fixture(scope="module")
def protocol_fake() -> Iterator[FakeTelnyxServer]:
    """The fake on loopback that a module's provider host talks to."""
    with FakeTelnyxServer(TelnyxBackend(api_key=PROTOCOL_API_KEY)) as server:
        yield server


@pytest.fixture(scope="module")
def protocol_host(protocol_fake: FakeTelnyxServer) -> Iterator[DynamicProviderHost]:
    """`python -m pulumi.dynamic`, configured as the engine does with the key as a secret."""
    host = DynamicProviderHost()
    host.configure({"telnyx:apiKey": secret(PROTOCOL_API_KEY), "telnyx:baseUrl": protocol_fake.base_url})
    yield host
    assert PROTOCOL_API_KEY not in host.close()


REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://example.com/webhooks"}
