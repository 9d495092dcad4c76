"""Pacing by Telnyx's rate-limit headers: `RateLimitPacer` on its own, then the client against the fake's budget."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from telnyx_client import TelnyxClient
from telnyx_client.pacing import RateLimitPacer
from telnyx_client.transport import PacedAdapter
from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from ..conftest import FAST_BACKOFF, REQUIRED


class Clock:
    """A clock that moves only when someone sleeps, recording each sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.wall = 1_700_000_000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.wall += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pacer(clock: Clock) -> RateLimitPacer:
    return RateLimitPacer(clock=lambda: clock.now, wall_clock=lambda: clock.wall, sleep=clock.sleep)


def limits(remaining: object, reset: object, limit: int = 10) -> dict[str, str]:
    return {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": str(reset)}


def test_a_spent_window_holds_the_next_request_until_it_resets(pacer: RateLimitPacer, clock: Clock) -> None:
    pacer.observe(limits(0, 2))
    pacer.acquire()
    assert clock.sleeps == [2.0]


def test_nothing_waits_while_the_window_has_room(pacer: RateLimitPacer, clock: Clock) -> None:
    pacer.observe(limits(5, 2))
    pacer.acquire()
    assert clock.sleeps == []


def test_the_slots_left_are_shared_out_before_anyone_waits(pacer: RateLimitPacer, clock: Clock) -> None:
    pacer.observe(limits(2, 5))
    pacer.acquire()
    pacer.acquire()
    assert clock.sleeps == []
    pacer.acquire()
    assert clock.sleeps == [5.0]


def test_attempts_still_in_flight_are_taken_off_an_answer_s_count(pacer: RateLimitPacer, clock: Clock) -> None:
    first = pacer.acquire()
    pacer.acquire()
    pacer.acquire()
    pacer.observe(limits(3, 5), ticket=first)  # the two still in flight may not be in its count
    pacer.acquire()
    assert clock.sleeps == []
    pacer.acquire()
    assert clock.sleeps == [5.0]


def test_a_late_answer_cannot_raise_the_count_within_a_window(pacer: RateLimitPacer, clock: Clock) -> None:
    older, newer = pacer.acquire(), pacer.acquire()
    pacer.observe(limits(0, 3), ticket=newer)
    pacer.observe(limits(4, 3), ticket=older)  # sent earlier, answered later
    pacer.acquire()
    assert clock.sleeps == [3.0]


def test_each_thread_s_answer_is_matched_to_its_own_attempt(pacer: RateLimitPacer, clock: Clock) -> None:
    pacer.acquire()
    other = threading.Thread(target=pacer.acquire)
    other.start()
    other.join()
    pacer.observe(limits(1, 3))  # answers this thread's attempt: the other thread's is not counted in it
    pacer.acquire()
    assert clock.sleeps == [3.0]


def test_a_spent_window_is_forgotten_once_its_reset_passes(pacer: RateLimitPacer, clock: Clock) -> None:
    pacer.observe(limits(0, 1))
    clock.now += 1.5
    pacer.acquire()
    pacer.acquire()
    assert clock.sleeps == []


def test_a_new_window_opens_with_the_limit_and_then_waits_for_an_answer(pacer: RateLimitPacer, clock: Clock) -> None:
    pacer.observe(limits(0, 1, limit=2))
    first = pacer.acquire()  # waits out the spent window; the new one has 2 slots
    pacer.acquire()
    third = threading.Thread(target=pacer.acquire)
    third.start()
    third.join(0.2)
    assert third.is_alive(), "a third attempt went out before any answer told the new window's count"
    pacer.observe(limits(1, 1, limit=2), ticket=first)  # the second attempt is still in flight: nothing left
    third.join(5)
    assert not third.is_alive()
    assert clock.sleeps == [1.0, 1.0]


def test_a_spent_new_window_with_nothing_in_flight_does_not_wait_for_answers(
    pacer: RateLimitPacer, clock: Clock
) -> None:
    pacer.observe(limits(0, 1, limit=1))
    pacer.acquire()
    pacer.release()  # the attempt failed without an answer
    started = time.monotonic()
    pacer.acquire()
    assert time.monotonic() - started < 1.0 and clock.sleeps == [1.0]


def test_a_thread_waiting_for_a_new_windows_first_answer_hears_it(
    pacer: RateLimitPacer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pacer.observe(limits(0, 1, limit=1))
    clock.now += 2  # the window has passed: the next one opens with its 1 slot
    waiting = threading.Thread(target=pacer.acquire)
    release = pacer.release

    def release_then_let_others_run(ticket: int | None = None) -> None:
        release(ticket)
        time.sleep(0.1)  # where the scheduler may run the waiting thread

    def answer(_adapter: HTTPAdapter, _request: requests.PreparedRequest, *_: object, **__: object) -> requests.Response:
        waiting.start()  # the slot is this attempt's, so it waits for the answer to tell when the window ends
        waiting.join(0.2)
        assert waiting.is_alive()
        response = requests.Response()
        response.status_code = 200
        response.headers.update(limits(0, 5, limit=1))
        return response

    monkeypatch.setattr(pacer, "release", release_then_let_others_run)
    monkeypatch.setattr(HTTPAdapter, "send", answer)
    PacedAdapter(pacer).send(requests.Request("GET", "https://api.telnyx.com/v2").prepare())
    waiting.join(5)
    assert clock.sleeps == [5.0], "the waiting thread went ahead before the answer said the window was spent"


@pytest.mark.parametrize(
    ("reset", "expected"),
    [("3", 3.0), ("1700000003", 3.0), ("1700000003000", 3.0), ("1699999990", 0.0)],
    ids=["seconds-until-reset", "epoch-seconds", "epoch-milliseconds", "epoch-in-the-past"],
)
def test_reset_is_read_as_a_delay_or_as_an_epoch_timestamp(
    pacer: RateLimitPacer, clock: Clock, reset: str, expected: float
) -> None:
    pacer.observe(limits(0, reset))
    pacer.acquire()
    assert sum(clock.sleeps) == pytest.approx(expected)


def test_the_wait_is_capped(pacer: RateLimitPacer, clock: Clock) -> None:
    pacer.observe(limits(0, 86400))
    pacer.acquire()
    assert clock.sleeps == [60.0]


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-ratelimit-remaining": "0"}, limits("none", 5), limits(0, "soon"), limits(0, "nan")],
    ids=["absent", "no-reset", "garbled-remaining", "garbled-reset", "not-a-number"],
)
def test_missing_or_garbled_headers_hold_nothing_back(
    pacer: RateLimitPacer, clock: Clock, headers: dict[str, str]
) -> None:
    pacer.observe(headers)
    pacer.acquire()
    assert clock.sleeps == []


# --- the client against the fake's budget -------------------------------------------------------


def test_pacing_keeps_a_small_budget_from_answering_429(client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = backend.create(REQUIRED)["id"]
    backend.set_rate_limit(3, 0.5)
    started = time.monotonic()
    for _ in range(4):
        client.retrieve(app_id)
    assert [r.status for r in backend.calls()] == [200] * 4
    assert time.monotonic() - started >= 0.45, "4 requests at 3 per window need 2 windows"


def test_without_pacing_the_same_budget_answers_429(backend: TelnyxBackend, fake_server: FakeTelnyxServer) -> None:
    app_id = backend.create(REQUIRED)["id"]
    backend.set_rate_limit(3, 0.5)
    with TelnyxClient(
        backend.api_key, fake_server.base_url, backoff_factor=FAST_BACKOFF, pace_by_rate_limit_headers=False
    ) as unpaced:
        for _ in range(4):
            unpaced.retrieve(app_id)  # still succeeds: the 429's Retry-After is waited out
    assert 429 in [r.status for r in backend.calls()]


def test_threads_of_one_client_share_the_pacing(server_client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = backend.create(REQUIRED)["id"]
    backend.set_rate_limit(2, 1.0)
    server_client.retrieve(app_id)
    server_client.retrieve(app_id)  # the window is spent, and this thread heard it
    other = threading.Thread(target=server_client.retrieve, args=(app_id,))
    started = time.monotonic()
    other.start()
    other.join()
    assert [r.status for r in backend.calls()] == [200, 200, 200]
    assert time.monotonic() - started >= 0.5, "the other thread went ahead without waiting for the window"


def test_a_429_holds_back_the_other_threads_until_the_window_resets(
    server_client: TelnyxClient, backend: TelnyxBackend
) -> None:
    app_id = backend.create(REQUIRED)["id"]
    backend.set_rate_limit(2, 1.0)
    backend.spend_budget()
    backend.spend_budget()  # someone else spent the window
    first = threading.Thread(target=server_client.retrieve, args=(app_id,))
    first.start()  # answered 429 (remaining 0), then retried after Retry-After
    deadline = time.monotonic() + 5
    while not backend.calls() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # the 429 has reached the client
    server_client.retrieve(app_id)  # this thread heard it too, and waits instead of provoking a second 429
    first.join()
    assert [r.status for r in backend.calls()] == [429, 200, 200]
