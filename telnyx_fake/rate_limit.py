"""The API's rate limit: a budget of requests per window, reported in `x-ratelimit-*` headers.

Telnyx documents three headers on its responses (developers.telnyx.com, "Rate limiting"):
`x-ratelimit-limit` (the limit that applies), `x-ratelimit-remaining` (requests left in
the current window) and `x-ratelimit-reset` ("the time in seconds until the rate limit
resets"); past the limit it answers 429. The fake sends the reset as whole seconds,
rounded up, so a client that waits for it never comes back early.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Generous enough that no test or demo meets it unless it asks to; the headers are always there.
DEFAULT_LIMIT = 100_000
DEFAULT_WINDOW = 60.0


@dataclass(frozen=True)
class Budget:
    """What is left of the window after one request, and whether that request was allowed."""

    limit: int
    remaining: int
    reset: float  # seconds until the window resets
    allowed: bool

    def headers(self) -> dict[str, str]:
        """The `x-ratelimit-*` headers of the answer to this request."""
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(math.ceil(self.reset)),
        }


@dataclass
class RateLimit:
    """`limit` API requests per `window` seconds; the window starts with its first request. Not thread-safe alone.

    `refused` counts the requests answered 429 for being over the limit (an injected 429 is not one).
    """

    limit: int = DEFAULT_LIMIT
    window: float = DEFAULT_WINDOW
    refused: int = field(default=0, init=False)
    _started: float | None = field(default=None, init=False, repr=False)
    _spent: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise ValueError(f"limit must be a whole number of at least 1, not {self.limit!r}")
        if isinstance(self.window, bool) or not isinstance(self.window, (int, float)) or not self.window > 0:
            raise ValueError(f"window must be a number of seconds above 0, not {self.window!r}")

    def spend(self, now: float) -> Budget:
        """Count one request at monotonic time `now`; a request over the limit is not counted."""
        if self._started is None or now >= self._started + self.window:
            self._started, self._spent = now, 0
        reset = self._started + self.window - now
        if self._spent >= self.limit:
            self.refused += 1
            return Budget(self.limit, 0, reset, allowed=False)
        self._spent += 1
        return Budget(self.limit, self.limit - self._spent, reset, allowed=True)
