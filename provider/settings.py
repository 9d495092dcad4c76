"""Where the provider finds its API key and base URL (stack config first, then the environment), and how its
client paces, backs off and serves a refresh's reads (the environment only)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from telnyx_client.client import DEFAULT_BASE_URL

API_KEY_CONFIG = "telnyx:apiKey"
BASE_URL_CONFIG = "telnyx:baseUrl"
API_KEY_ENV = "TELNYX_API_KEY"
BASE_URL_ENV = "TELNYX_BASE_URL"
# For diagnosis and benchmarks; the defaults suit the real API.
PACING_ENV = "TELNYX_PACE_BY_RATE_LIMIT"
BACKOFF_ENV = "TELNYX_RETRY_BACKOFF"
REFRESH_BY_LIST_ENV = "TELNYX_REFRESH_BY_LIST"
DEFAULT_BACKOFF_FACTOR = 0.5
_ON = frozenset({"", "1", "true", "yes", "on"})
_OFF = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class ApiSettings:
    """The API key (None when none is set) and base URL the provider talks to, and how its client paces and retries."""

    api_key: str | None
    base_url: str
    pace_by_rate_limit_headers: bool = True
    backoff_factor: float = DEFAULT_BACKOFF_FACTOR
    refresh_by_list: bool = True

    def __repr__(self) -> str:
        # The key must never reach a log line or a traceback through a repr.
        return (
            f"ApiSettings(api_key={'<set>' if self.api_key else None}, base_url={self.base_url!r}, "
            f"pace_by_rate_limit_headers={self.pace_by_rate_limit_headers}, backoff_factor={self.backoff_factor}, "
            f"refresh_by_list={self.refresh_by_list})"
        )


def resolve_settings(config: Callable[[str], Any], environ: Mapping[str, str]) -> ApiSettings:
    """Stack config (`telnyx:apiKey`, `telnyx:baseUrl`) wins over TELNYX_API_KEY / TELNYX_BASE_URL.

    TELNYX_PACE_BY_RATE_LIMIT=0 stops the client waiting on the x-ratelimit-* headers, and
    TELNYX_RETRY_BACKOFF sets its retries' backoff factor in seconds (0.5 by default), and
    TELNYX_REFRESH_BY_LIST=0 reads every application with its own GET in a refresh (see
    `account_snapshot.py`); a value that is not understood raises ValueError naming the variable.
    """
    api_key = _text(config(API_KEY_CONFIG)) or _text(environ.get(API_KEY_ENV))
    base_url = _text(config(BASE_URL_CONFIG)) or _text(environ.get(BASE_URL_ENV)) or DEFAULT_BASE_URL
    pacing = _switch(
        environ,
        PACING_ENV,
        on="wait while Telnyx's rate-limit window is spent (the default)",
        off="send regardless and rely on 429 and Retry-After",
    )
    by_list = _switch(
        environ,
        REFRESH_BY_LIST_ENV,
        on="answer a refresh's reads from a listing of the account (the default)",
        off="read every application with its own GET",
    )
    return ApiSettings(api_key, base_url, pacing, _backoff_factor(environ), by_list)


def _switch(environ: Mapping[str, str], name: str, *, on: str, off: str) -> bool:
    """An on/off environment variable that is on unless set to 0/false/no/off."""
    value = environ.get(name, "").strip().lower()
    if value in _ON | _OFF:
        return value in _ON
    raise ValueError(f"{name}={environ[name]!r} is not understood: use 1/true to {on}, or 0/false to {off}")


def _backoff_factor(environ: Mapping[str, str]) -> float:
    value = environ.get(BACKOFF_ENV, "").strip()
    if not value:
        return DEFAULT_BACKOFF_FACTOR
    try:
        factor = float(value)
    except ValueError:
        factor = math.nan
    if not 0 <= factor <= 10:  # also refuses nan
        raise ValueError(
            f"{BACKOFF_ENV}={value!r} is not understood: give the retries' backoff factor in seconds, "
            f"from 0 to 10 (default {DEFAULT_BACKOFF_FACTOR})"
        )
    return factor


def _text(value: Any) -> str | None:
    # Secrets may still carry Pulumi's wrapper when they reach the provider.
    if isinstance(value, Mapping) and "value" in value:
        value = value["value"]
    text = str(value).strip() if value is not None else ""
    return text or None
