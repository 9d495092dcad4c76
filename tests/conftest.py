"""Shared fixtures: the fake Telnyx behind either front door, and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provider import TelnyxClient
from telnyx_fake import FakeTelnyxServer, TelnyxBackend, mock_telnyx

FAST_BACKOFF = 0.01


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


REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://example.com/webhooks"}
