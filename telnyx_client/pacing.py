"""`RateLimitPacer`: hold requests back while Telnyx's rate-limit window is spent, instead of provoking 429s.

Telnyx sends `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` on its
responses. Its documentation (developers.telnyx.com, "Rate limiting") describes
`x-ratelimit-reset` as "the time in seconds until the rate limit resets": a delay, not
a timestamp. Other APIs send an epoch timestamp under the same name, so a value too
large to be a delay (after 2001 as epoch seconds) is read as one. Either way the wait
is capped, like Retry-After, so a wrong or hostile header cannot stall a deployment.

One pacer serves every thread of a client. Each attempt first `acquire`s a slot; its
answer is `observe`d, or the attempt `release`d when no answer came. An answer's
`remaining` cannot count the attempts sent after it that are still in flight, so the
pacer takes those off, and keeps the lowest count heard in a window (threads' answers
arrive out of order). When nothing is left, every thread waits until the window
resets; the new window starts with `x-ratelimit-limit` slots, until answers tell more.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping

MAX_WAIT_SECONDS = 60.0
LIMIT_HEADER = "x-ratelimit-limit"
REMAINING_HEADER = "x-ratelimit-remaining"
RESET_HEADER = "x-ratelimit-reset"
_EPOCH_SECONDS_FROM = 1e9  # 2001-09-09: no window lasts 31 years, so a larger reset is a timestamp
_EPOCH_MILLISECONDS_FROM = 1e12
# How long threads wait for an answer to tell a new window's end once its slots are taken;
# if none comes (the attempts failed), they go ahead and let the API's answers steer again.
_ANSWER_WAIT = 5.0


class RateLimitPacer:
    """Paces one client's requests by the rate-limit headers of the answers it gets. Thread-safe."""

    def __init__(
        self,
        max_wait: float = MAX_WAIT_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_wait = max_wait
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._answered = threading.Condition()
        self._limit: int | None = None  # a window's slots, as x-ratelimit-limit last said
        self._remaining: int | None = None  # None: nothing known about the current window
        self._reset_at: float | None = None  # the latest the current window can end; None: not yet known
        self._sent = 0
        self._in_flight: set[int] = set()  # tickets of attempts sent and not yet answered or released
        self._tickets = threading.local()  # each thread's last attempt (a thread sends one at a time)
        self.waited = 0.0  # seconds spent waiting for windows to reset, for benchmarks

    def acquire(self) -> int:
        """Take a slot for an attempt, first waiting for the window to reset if none is left.

        Returns the attempt's ticket, also remembered as this thread's last attempt; the
        attempt counts as in flight until it is observed or released.
        """
        while True:
            with self._answered:
                delay = self._wait_before_sending()
                if delay is None:
                    return self._take_slot()
            self._sleep(delay)
            with self._answered:
                self.waited += delay

    def release(self, ticket: int | None = None) -> None:
        """The attempt with `ticket` (by default this thread's last) is over, answered or not."""
        with self._answered:
            self._in_flight.discard(self._ticket(ticket))
            self._answered.notify_all()

    def observe(self, headers: Mapping[str, str], ticket: int | None = None) -> None:
        """Learn from the answer to the attempt with `ticket` (by default this thread's last).

        Headers that are absent or garbled teach nothing.
        """
        limit = _number(headers.get(LIMIT_HEADER))
        remaining = _number(headers.get(REMAINING_HEADER))
        reset = _number(headers.get(RESET_HEADER))
        with self._answered:
            ticket = self._ticket(ticket)
            self._in_flight.discard(ticket)
            if limit is not None and limit >= 1:
                self._limit = int(limit)
            if remaining is None or reset is None:
                return
            now = self._clock()
            count = int(remaining) - sum(1 for other in self._in_flight if other > ticket)
            reset_at = now + self._delay(reset)
            if self._remaining is None or (self._reset_at is not None and now >= self._reset_at):
                self._remaining, self._reset_at = count, reset_at
            else:  # the same window, as far as anyone can tell: the lowest count and the earliest end hold
                self._remaining = min(self._remaining, count)
                self._reset_at = reset_at if self._reset_at is None else min(self._reset_at, reset_at)
            self._answered.notify_all()

    def _wait_before_sending(self) -> float | None:
        """Seconds to sleep before trying again, or None to send now. Called with the lock held."""
        while self._remaining is not None and self._remaining <= 0:
            if self._reset_at is None:
                # A new window's slots are taken and no answer has told when it ends yet: wait for one,
                # unless none can come.
                if not self._in_flight or not self._answered.wait(timeout=_ANSWER_WAIT):
                    self._remaining = None
                continue
            now = self._clock()
            if now < self._reset_at:
                return self._reset_at - now
            self._remaining, self._reset_at = self._limit, None  # a new window, with the whole limit
        return None

    def _take_slot(self) -> int:
        if self._remaining is not None:
            self._remaining -= 1
        self._sent += 1
        self._in_flight.add(self._sent)
        self._tickets.number = self._sent
        return self._sent

    def _ticket(self, ticket: int | None) -> int:
        return ticket if ticket is not None else getattr(self._tickets, "number", 0)

    def _delay(self, reset: float) -> float:
        if reset >= _EPOCH_MILLISECONDS_FROM:
            reset = reset / 1000 - self._wall_clock()
        elif reset >= _EPOCH_SECONDS_FROM:
            reset = reset - self._wall_clock()
        return min(max(reset, 0.0), self.max_wait)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
