"""Where the provider finds its API key and base URL: stack config first, then the environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .client import DEFAULT_BASE_URL

API_KEY_CONFIG = "telnyx:apiKey"
BASE_URL_CONFIG = "telnyx:baseUrl"
API_KEY_ENV = "TELNYX_API_KEY"
BASE_URL_ENV = "TELNYX_BASE_URL"


@dataclass(frozen=True)
class ApiSettings:
    """The API key (None when none is set) and base URL the provider talks to."""

    api_key: str | None
    base_url: str

    def __repr__(self) -> str:
        # The key must never reach a log line or a traceback through a repr.
        return f"ApiSettings(api_key={'<set>' if self.api_key else None}, base_url={self.base_url!r})"


def resolve_settings(config: Callable[[str], Any], environ: Mapping[str, str]) -> ApiSettings:
    """Stack config (`telnyx:apiKey`, `telnyx:baseUrl`) wins over TELNYX_API_KEY / TELNYX_BASE_URL."""
    api_key = _text(config(API_KEY_CONFIG)) or _text(environ.get(API_KEY_ENV))
    base_url = _text(config(BASE_URL_CONFIG)) or _text(environ.get(BASE_URL_ENV)) or DEFAULT_BASE_URL
    return ApiSettings(api_key, base_url)


def _text(value: Any) -> str | None:
    # Secrets may still carry Pulumi's wrapper when they reach the provider.
    if isinstance(value, Mapping) and "value" in value:
        value = value["value"]
    text = str(value).strip() if value is not None else ""
    return text or None
