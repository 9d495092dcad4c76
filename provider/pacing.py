"""`RateLimitPacer`: hold requests back while Telnyx's rate-limit window is spent, instead of provoking 429s.

Telnyx sends `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` on its
responses. Its documentation (developers.telnyx.com, "Rate limiting") describes
`x-ratelimit-reset` as "the time in seconds until the rate limit resets": a delay, not
a timestamp. Other APIs send an epoch timestamp under the same name, so a value too
large to be a delay (after 2001 as epoch seconds) is read as one. Either way the wait
is capped, like Retry-After, so a wrong or hostile header cannot stall a deployment.

One pacer serves every thread of a client: each request first `acquire`s a slot, and
every response is `observe`d. The pacer counts the requests it lets through against
the last `remaining` the API reported, so several threads do not all spend the last
slot; when none is left, every thread waits until the window resets.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping

MAX_WAIT_SECONDS = 60.0
REMAINING_HEADER = "x-ratelimit-remaining"
RESET_HEADER = "x-ratelimit-reset"
_EPOCH_SECONDS_FROM = 1e9  # 2001-09-09: no window lasts 31 years, so a larger reset is a timestamp
_EPOCH_MILLISECONDS_FROM = 1e12
# Two reports whose resets differ by less than this belong to the same window
# (resets come in whole seconds, and responses arrive out of order across threads).
_SAME_WINDOW_SLACK = 1.0


class RateLimitPacer:
    """Paces one client's requests by the rate-limit headers of the responses it gets. Thread-safe."""

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
        self._lock = threading.Lock()
        self._remaining: int | None = None  # None: nothing known about the current window
        self._reset_at: float | None = None
        self.waited = 0.0  # seconds spent waiting for a window to reset, for benchmarks

    def acquire(self) -> None:
        """Take a slot for one request, first waiting for the window to reset if none is left."""
        while True:
            with self._lock:
                now = self._clock()
                if self._reset_at is not None and now >= self._reset_at:
                    self._remaining = self._reset_at = None
                if self._remaining is None or self._reset_at is None:
                    return
                if self._remaining > 0:
                    self._remaining -= 1
                    return
                delay = self._reset_at - now
            self._sleep(delay)
            with self._lock:
                self.waited += delay

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from a response's `x-ratelimit-remaining` and `x-ratelimit-reset` (ignored when absent or garbled)."""
        remaining = _number(headers.get(REMAINING_HEADER))
        reset = _number(headers.get(RESET_HEADER))
        if remaining is None or reset is None:
            return
        with self._lock:
            now = self._clock()
            reset_at = now + self._delay(reset)
            if self._reset_at is None or self._remaining is None or reset_at > self._reset_at + _SAME_WINDOW_SLACK:
                self._remaining, self._reset_at = int(remaining), reset_at
            else:
                # Same window: a smaller count is the newer news (earlier answers may arrive late).
                self._remaining = min(self._remaining, int(remaining))

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
