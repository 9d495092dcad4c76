"""What a failed write tells the caller: a POST answered 429 is sent again; a POST that may have reached
the API is never re-sent, and its error says the outcome is unknown; one the API certainly never
processed says so too. Each way a request can fail is produced for real where it matters (loopback)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from telnyx_client import TelnyxApiError, TelnyxClient
from telnyx_fake import FakeTelnyxServer, Fault, TelnyxBackend

from ..conftest import FAST_BACKOFF, REQUIRED

UNKNOWN = "whether it took effect is unknown"


def failed_create(client: TelnyxClient) -> TelnyxApiError:
    with pytest.raises(TelnyxApiError) as caught:
        client.create(REQUIRED)
    return caught.value


def statuses(backend: TelnyxBackend, method: str) -> list[int]:
    return [r.status for r in backend.calls(method)]


# --- 429: the API did not process the POST, so it is sent again ------------------------------


def test_a_post_answered_429_is_sent_again_and_creates_once(client: TelnyxClient, backend: TelnyxBackend) -> None:
    backend.inject(Fault(status=429, times=1, method="POST"))
    app = client.create(REQUIRED)
    assert statuses(backend, "POST") == [429, 201]
    assert list(backend.applications) == [app["id"]]


def test_a_post_answered_429_waits_out_retry_after(server_client: TelnyxClient, backend: TelnyxBackend) -> None:
    backend.inject(Fault(status=429, times=1, retry_after=1, method="POST"))
    started = time.monotonic()
    server_client.create(REQUIRED)
    waited = time.monotonic() - started
    assert waited >= 0.95, f"Retry-After: 1 was not honoured (waited {waited:.3f}s)"
    assert statuses(backend, "POST") == [429, 201]


def test_post_retries_on_429_are_bounded_and_certainly_not_applied(
    backend: TelnyxBackend, fake_server: FakeTelnyxServer
) -> None:
    backend.inject(Fault(status=429, method="POST"))
    with TelnyxClient(backend.api_key, fake_server.base_url, max_retries=2, backoff_factor=FAST_BACKOFF) as client:
        error = failed_create(client)
    assert error.status == 429 and error.outcome_unknown is False and UNKNOWN not in str(error)
    assert statuses(backend, "POST") == [429, 429, 429]
    assert backend.applications == {}


# --- answers after which the POST may have been applied ------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_post_answered_5xx_is_not_resent_and_its_outcome_is_unknown(
    client: TelnyxClient, backend: TelnyxBackend, status: int
) -> None:
    backend.inject(Fault(status=status, times=1))
    error = failed_create(client)
    assert error.status == status and error.outcome_unknown is True and UNKNOWN in str(error)
    assert statuses(backend, "POST") == [status]


@pytest.mark.parametrize(("body", "status"), [({"application_name": "x"}, 422), ({**REQUIRED, "colour": "red"}, 422)])
def test_a_post_refused_with_4xx_certainly_did_nothing(
    client: TelnyxClient, backend: TelnyxBackend, body: dict[str, str], status: int
) -> None:
    with pytest.raises(TelnyxApiError) as caught:
        client.create(body)
    assert caught.value.status == status and caught.value.outcome_unknown is False
    assert UNKNOWN not in str(caught.value)


def test_a_refused_key_certainly_did_nothing(backend: TelnyxBackend, fake_server: FakeTelnyxServer) -> None:
    with TelnyxClient("another-key", fake_server.base_url) as client:
        error = failed_create(client)
    assert error.status == 401 and error.outcome_unknown is False


# --- no answer at all -------------------------------------------------------------------------


def test_a_post_whose_answer_is_lost_after_commit_is_not_resent_and_its_outcome_is_unknown(
    client: TelnyxClient, backend: TelnyxBackend
) -> None:
    backend.inject(Fault(lose_response=True, times=1))
    error = failed_create(client)
    assert error.status is None and error.outcome_unknown is True and UNKNOWN in str(error)
    assert statuses(backend, "POST") == [0]
    [app] = backend.applications.values()
    assert app["application_name"] == REQUIRED["application_name"]


def test_a_post_dropped_before_it_was_applied_is_still_unknown_to_the_client(
    client: TelnyxClient, backend: TelnyxBackend
) -> None:
    backend.inject(Fault(disconnect=True, times=1))
    error = failed_create(client)
    assert error.outcome_unknown is True
    assert statuses(backend, "POST") == [0] and backend.applications == {}


def test_a_post_whose_answer_times_out_is_not_resent_and_its_outcome_is_unknown(
    backend: TelnyxBackend, fake_server: FakeTelnyxServer
) -> None:
    backend.inject(Fault(latency=0.6, times=1, method="POST"))
    with TelnyxClient(backend.api_key, fake_server.base_url, timeout=(2.0, 0.2), backoff_factor=FAST_BACKOFF) as client:
        error = failed_create(client)
    assert error.status is None and error.outcome_unknown is True and "timed out" in str(error)
    deadline = time.monotonic() + 5
    while not backend.calls("POST") and time.monotonic() < deadline:
        time.sleep(0.05)  # the fake finishes the request after the client gave up on it
    time.sleep(0.3)  # room for a re-sent POST to show up, if one were sent
    assert statuses(backend, "POST") == [201]
    assert len(backend.applications) == 1


def test_a_get_that_times_out_is_retried(backend: TelnyxBackend, fake_server: FakeTelnyxServer) -> None:
    app_id = backend.create(REQUIRED)["id"]
    backend.inject(Fault(latency=0.6, times=1, method="GET"))
    with TelnyxClient(backend.api_key, fake_server.base_url, timeout=(2.0, 0.2), backoff_factor=FAST_BACKOFF) as client:
        assert client.retrieve(app_id)["id"] == app_id


# --- the request never left ---------------------------------------------------------------------


def test_a_refused_connection_certainly_did_nothing() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with TelnyxClient("key", f"http://127.0.0.1:{port}/v2", max_retries=1, backoff_factor=FAST_BACKOFF) as client:
        error = failed_create(client)
    assert error.status is None and error.outcome_unknown is False and UNKNOWN not in str(error)


@pytest.fixture
def unanswering_port() -> Iterator[int]:
    """A loopback port whose listen queue is full: connecting to it times out, and nothing is ever read."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.settimeout(0.3)
            fillers.append(filler)
            try:
                filler.connect(("127.0.0.1", port))
            except OSError:
                break
        else:
            pytest.fail("the listen queue never filled up, so a connect timeout cannot be produced here")
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_a_connect_timeout_certainly_did_nothing(unanswering_port: int) -> None:
    base_url = f"http://127.0.0.1:{unanswering_port}/v2"
    with TelnyxClient("key", base_url, timeout=(0.2, 5.0), max_retries=1, backoff_factor=FAST_BACKOFF) as client:
        error = failed_create(client)
    assert error.status is None and error.outcome_unknown is False
    assert "timed out" in str(error) and UNKNOWN not in str(error)


def test_a_failed_get_does_not_talk_of_applied_changes(backend: TelnyxBackend, fake_server: FakeTelnyxServer) -> None:
    backend.inject(Fault(status=503))
    with TelnyxClient(backend.api_key, fake_server.base_url, max_retries=0) as client:
        with pytest.raises(TelnyxApiError) as caught:
            client.retrieve("1")
    assert caught.value.outcome_unknown is True and UNKNOWN not in str(caught.value)
