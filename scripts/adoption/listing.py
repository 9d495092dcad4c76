"""The live account, read-only: a client set up as the provider sets up its own, and every application listed.

Adopt never changes anything on the account: the only request it sends is the list (GET, all pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provider.settings import API_KEY_CONFIG, API_KEY_ENV, BASE_URL_CONFIG, BASE_URL_ENV, resolve_settings
from telnyx_client.client import MAX_PAGE_SIZE, NAME_FILTER_MIN_LENGTH, TelnyxClient
from telnyx_client.errors import TelnyxApiError

from .entries import is_encrypted

MIN_NAME_FILTER = NAME_FILTER_MIN_LENGTH  # the API refuses a shorter `filter[application_name][contains]`


def client_for(environ: Mapping[str, str], stack_config: Mapping[str, Any]) -> TelnyxClient:
    """A client for the account the stack talks to: the stack's plain `telnyx:*` config, else the environment.

    This is the provider's own rule (`provider.settings.resolve_settings`). A key the stack file holds
    encrypted cannot be read here, so the environment must give it.
    """

    def plain_config(key: str) -> Any:
        value = stack_config.get(key)
        return None if is_encrypted(value) else value

    settings = resolve_settings(plain_config, environ)
    if not settings.api_key:
        where = (
            f"the stack's {API_KEY_CONFIG} is encrypted and adopt cannot decrypt it; "
            if is_encrypted(stack_config.get(API_KEY_CONFIG))
            else ""
        )
        raise TelnyxApiError(f"adopt reads the live account and needs its API key: {where}set the {API_KEY_ENV} environment variable")
    try:
        return TelnyxClient(settings.api_key, settings.base_url)
    except ValueError as error:
        raise TelnyxApiError(f"{error} (set by {BASE_URL_CONFIG} or {BASE_URL_ENV})") from None


def list_applications(client: TelnyxClient, name_contains: str | None = None) -> list[dict[str, Any]]:
    """Every application in the account (or whose name contains `name_contains`, at least 3 characters), in pages of
    the largest size."""
    return list(client.list(application_name_contains=name_contains, page_size=MAX_PAGE_SIZE))
