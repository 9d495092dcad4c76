"""The one exception the Telnyx client raises."""

from __future__ import annotations

from typing import Any

# The environment first: a key from there never enters the state (docs/getting-started.md, "Where the key can end up").
KEY_HELP = (
    "set the TELNYX_API_KEY environment variable (or `pulumi config set --secret telnyx:apiKey <key>` for one stack)"
)
# Answers after which a request may have been applied: the server failed somewhere along the way.
OUTCOME_UNKNOWN_STATUSES = frozenset({500, 502, 503, 504})


class TelnyxApiError(Exception):
    """A Telnyx API call that failed.

    `status` is the HTTP status (None when no answer came), `errors` the
    Telnyx error objects (`code`, `title`, `detail`, `source.pointer`), and
    the message one line a person can act on.

    `outcome_unknown` is True when the request may have reached the API and
    been applied although no success came back: the connection dropped after
    sending, the answer timed out, or the API answered 500, 502, 503 or 504.
    It is False when the API certainly did nothing: the connection could not
    be opened, or the API answered 4xx (429 included). It describes the last
    attempt; a POST is never re-sent after an attempt whose outcome is
    unknown, so for a POST it is exact.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        *,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or []
        self.outcome_unknown = outcome_unknown

    @property
    def not_found(self) -> bool:
        """Whether the API answered 404: the application does not exist."""
        return self.status == 404

    @classmethod
    def from_response(cls, method: str, path: str, status: int, body: Any) -> TelnyxApiError:
        """Build the error for a non-2xx response from its Telnyx `errors` body."""
        errors = body.get("errors") if isinstance(body, dict) else None
        errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        message = f"Telnyx API {method} {path} failed with HTTP {status}: {_summary(status, errors)}"
        return cls(message, status, errors, outcome_unknown=status in OUTCOME_UNKNOWN_STATUSES)


def _summary(status: int, errors: list[dict[str, Any]]) -> str:
    if status == 401:
        return f"the API key was refused; {KEY_HELP}"
    if status == 404:
        return "not found (it does not exist, or was deleted)"
    parts = [_describe(e) for e in errors]
    details = "; ".join(parts) if parts else "no error details were returned"
    advice = _advice(status)
    return f"{details}; {advice}" if advice else details


def _advice(status: int) -> str | None:
    """What the person reading the error can do about it."""
    if status == 403:
        return "the API key may not manage call control applications: use a key of the account that owns them"
    if status in (400, 409, 422):
        return "correct the values named above and run again"
    if status == 429:
        return "Telnyx is limiting this account's request rate and retries did not get through: run again in a minute"
    if status >= 500:
        # True of a POST too: a create whose POST got no clear answer looks its name up before any other (creates.py).
        return "Telnyx could not serve the request, even after retries: run again later (see https://status.telnyx.com)"
    return None


def _describe(error: dict[str, Any]) -> str:
    pointer = (error.get("source") or {}).get("pointer") or (error.get("source") or {}).get("parameter")
    text = error.get("detail") or error.get("title") or "unknown error"
    code = f" (code {error['code']})" if error.get("code") else ""
    where = f"{pointer}: " if pointer else ""
    return f"{where}{text}{code}"
