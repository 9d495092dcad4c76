"""How the client's requests travel: urllib3 retries, pacing by rate-limit headers, and what a failure
says about whether the API got the request.

Retry policy (urllib3's `Retry`, with exponential backoff and jitter, honouring Retry-After capped at
`MAX_WAIT_SECONDS`):
- GET, PATCH and DELETE are retried on 429, 500, 502, 503, 504, connection errors and read timeouts;
- a POST is retried only when it certainly was not processed: the connection could not be opened
  (nothing was sent) or the API answered 429. It is never re-sent after anything that may have
  reached the API (a dropped connection after sending, a read timeout, a 5xx);
- before every attempt, `PacedAdapter` waits on the client's `RateLimitPacer`.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ProxyError, SSLError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from .pacing import MAX_WAIT_SECONDS, RateLimitPacer

if TYPE_CHECKING:
    from typing import Self  # Python 3.11+; only the type checker reads it

RETRYABLE_METHODS = frozenset({"GET", "PATCH", "DELETE"})
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# requests raises these before anything leaves the machine.
_RAISED_BEFORE_SENDING = (
    requests.exceptions.ConnectTimeout,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)


class TelnyxRetry(Retry):
    """urllib3's Retry, with a POST retried on 429, Retry-After capped, and waits shared with a pacer."""

    max_retry_after: float = MAX_WAIT_SECONDS

    def __init__(self, *args: Any, pacer: RateLimitPacer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer

    def new(self, **kw: Any) -> Self:
        """The next attempt's Retry (urllib3 makes one per attempt), keeping the pacer."""
        kw.setdefault("pacer", self.pacer)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Whether to retry this answer: as urllib3 decides, and a POST answered 429 (the API did not process it)."""
        if method.upper() == "POST":
            return status_code == 429
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        """The Retry-After delay, capped so a server cannot stall a deployment for hours."""
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def increment(self, *args: Any, **kwargs: Any) -> Self:
        """Count one more attempt; a retried answer's rate-limit headers reach the pacer first."""
        response = kwargs.get("response")
        if self.pacer is not None and response is not None:
            self.pacer.observe(response.headers)
        return super().increment(*args, **kwargs)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Back off (or wait out Retry-After), then wait for a slot in the rate-limit window."""
        super().sleep(response)
        if self.pacer is not None:
            self.pacer.release()  # the failed attempt is over, whether or not an answer came
            self.pacer.acquire()


def retry_policy(max_retries: int, backoff_factor: float, pacer: RateLimitPacer | None) -> TelnyxRetry:
    """The client's retry policy: `max_retries` retries at most, whatever went wrong."""
    return TelnyxRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=RETRYABLE_METHODS,
        status_forcelist=RETRYABLE_STATUSES,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor / 2,
        backoff_max=30.0,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        pacer=pacer,
    )


class PacedAdapter(HTTPAdapter):
    """requests' HTTPAdapter that waits on a pacer before sending and shows it every final answer."""

    def __init__(self, pacer: RateLimitPacer | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        """Send one request (urllib3 retries inside), paced by the rate-limit headers seen so far."""
        if self.pacer is None:
            return super().send(request, *args, **kwargs)
        self.pacer.acquire()
        try:
            response = super().send(request, *args, **kwargs)
        except BaseException:
            self.pacer.release()
            raise
        # One step learns the answer and ends the attempt: were it first released, a thread waiting for a
        # new window's first answer would see nothing in flight and go ahead unpaced.
        self.pacer.observe(response.headers)
        return response


def may_have_reached_api(error: requests.RequestException) -> bool:
    """Whether a request that failed with `error` may have reached the API (and so may have been applied).

    False only when the request certainly never left: the connection could not be opened
    (refused, unresolvable, timed out while connecting) or the request could not be built.
    A connection dropped after sending, a read timeout, a broken answer, or anything not
    recognised counts as "may have": the safe reading for a write that must not be doubled.
    """
    if isinstance(error, _RAISED_BEFORE_SENDING):
        return False
    cause: object = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    if isinstance(cause, ProxyError):
        cause = cause.original_error
    if isinstance(cause, ConnectTimeoutError):  # NewConnectionError and NameResolutionError too
        return False
    if isinstance(cause, SSLError) and isinstance(cause.args[0] if cause.args else None, ssl.SSLCertVerificationError):
        return False  # the TLS handshake refused the certificate: nothing was sent
    return True
