"""`TelnyxClient`: the Telnyx v2 call control applications API over `requests`.

It knows HTTP, Telnyx's envelopes and errors, and nothing of Pulumi. How requests
travel (urllib3 retries, pacing by the rate-limit headers, which failures leave the
outcome unknown) is `transport.py`'s job; this module says what to send.
"""

from __future__ import annotations

import builtins
import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from .errors import KEY_HELP, TelnyxApiError
from .pacing import RateLimitPacer
from .transport import PacedAdapter, may_have_reached_api, retry_policy

DEFAULT_BASE_URL = "https://api.telnyx.com/v2"
COLLECTION = "/call_control_applications"
MAX_PAGE_SIZE = 250
NAME_FILTER_MIN_LENGTH = 3  # the API refuses a shorter filter[application_name][contains]
_UNKNOWN_OUTCOME = "it may have reached Telnyx and been applied; whether it took effect is unknown"


def check_base_url(base_url: str) -> str:
    """Return the base URL without a trailing slash, or raise ValueError if it is unsafe.

    Plain http would send the API key in clear text, so it is allowed only to loopback hosts.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Telnyx base URL {base_url!r} must be an absolute http(s) URL, such as {DEFAULT_BASE_URL!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            f"Telnyx base URL {base_url!r} uses plain http, which would send the API key unencrypted; "
            "use https (plain http is allowed only for loopback hosts such as 127.0.0.1)"
        )
    return base_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TelnyxClient:
    """A client for Telnyx call control applications. Thread-safe; one connection pool per client.

    Every request is retried up to `max_retries` times where that is safe (see `transport.py`),
    and, unless `pace_by_rate_limit_headers` is False, waits while the account's rate-limit
    window is spent; `pacer` is shared by all threads using the client.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float | tuple[float, float] = (10.0, 30.0),
        max_retries: int = 5,
        backoff_factor: float = 0.5,
        pool_size: int = 10,
        pace_by_rate_limit_headers: bool = True,
    ) -> None:
        api_key = api_key.strip() if api_key else ""
        if not api_key:
            raise TelnyxApiError(f"No Telnyx API key was given; {KEY_HELP}")
        if not all(33 <= ord(char) <= 126 for char in api_key):
            # Never echo it: requests would put the whole header, key included, in its error.
            raise TelnyxApiError(f"The Telnyx API key holds spaces, line breaks or non-ASCII characters; {KEY_HELP}")
        self.base_url = check_base_url(base_url)
        self.timeout = timeout
        self._api_key = api_key
        self._session = requests.Session()
        # One pacer for every thread: the rate limit is the account's, not a thread's.
        self.pacer = RateLimitPacer() if pace_by_rate_limit_headers else None
        # The session is never mutated after this point, which is what makes sharing it across threads safe.
        adapter = PacedAdapter(
            self.pacer,
            max_retries=retry_policy(max_retries, backoff_factor, self.pacer),
            pool_connections=1,
            pool_maxsize=pool_size,
        )
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update(
            {
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "pulumi-telnyx-call-control/0.1",
            }
        )

    def __repr__(self) -> str:
        return f"TelnyxClient(base_url={self.base_url!r})"

    def __getstate__(self) -> None:
        raise TypeError("TelnyxClient holds an API key and must not be pickled")

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> TelnyxClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new application; returns the API object.

        Sent again only when the API certainly did not process it (it answered 429, or the
        connection could not be opened). When it may have been applied without a success
        coming back, the TelnyxApiError has `outcome_unknown` set: look the name up
        (`find_by_name`) before sending it again.
        """
        return self._data("POST", COLLECTION, json=dict(body))

    def retrieve(self, app_id: str) -> dict[str, Any]:
        """GET one application by id."""
        return self._data("GET", _item(app_id))

    def update(self, app_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH an application. The API requires application_name and webhook_event_url in every body."""
        missing = [name for name in ("application_name", "webhook_event_url") if not body.get(name)]
        if missing:
            raise ValueError(f"A PATCH body must carry {' and '.join(missing)}: the Telnyx API requires them")
        return self._data("PATCH", _item(app_id), json=dict(body))

    def delete(self, app_id: str) -> dict[str, Any]:
        """DELETE an application; returns the deleted object."""
        return self._data("DELETE", _item(app_id))

    def list(
        self,
        *,
        application_name_contains: str | None = None,
        outbound_voice_profile_id: str | None = None,
        sort: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Every application matching the filters, walking all pages."""
        if application_name_contains is not None and len(application_name_contains) < NAME_FILTER_MIN_LENGTH:
            raise ValueError("application_name_contains needs at least 3 characters (a Telnyx API rule)")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be from 1 to {MAX_PAGE_SIZE}")
        params: dict[str, Any] = {"page[size]": page_size}
        if application_name_contains is not None:
            params["filter[application_name][contains]"] = application_name_contains
        if outbound_voice_profile_id is not None:
            params["filter[outbound_voice_profile_id]"] = outbound_voice_profile_id
        if sort is not None:
            params["sort"] = sort
        number = 1
        while True:
            body = self._request("GET", COLLECTION, params={**params, "page[number]": number})
            yield from body.get("data") or []
            meta = body.get("meta") or {}
            if number >= int(meta.get("total_pages") or 1) or not body.get("data"):
                return
            number += 1

    def find_by_name(self, name: str) -> builtins.list[dict[str, Any]]:
        """Every application whose `application_name` is exactly `name` (case-sensitive), oldest first.

        The API's `filter[application_name][contains]` narrows the listing (it matches substrings,
        may ignore case, and needs at least 3 characters); every page is read and only exact
        matches are kept. A shorter name lists the whole account. One GET per 250 applications
        the filter lets through.
        """
        contains = name if len(name) >= NAME_FILTER_MIN_LENGTH else None
        found: dict[str, dict[str, Any]] = {}
        # Oldest first, so applications created during the walk join the last page instead of shifting earlier ones.
        for app in self.list(application_name_contains=contains, sort="created_at"):
            if app.get("application_name") == name:
                found.setdefault(str(app.get("id")), app)
        return list(found.values())

    def _data(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        data = self._request(method, path, json=json).get("data")
        if not isinstance(data, dict):
            raise TelnyxApiError(f"Telnyx API {method} {path} returned no application object")
        return data

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            unknown = may_have_reached_api(error)
            message = f"Telnyx API {method} {path} could not be completed: {_scrub(str(error), self._api_key)}"
            raise TelnyxApiError(_with_outcome(message, method, unknown), outcome_unknown=unknown) from None
        body = _json_or_none(response)
        if not response.ok:
            failure = TelnyxApiError.from_response(method, path, response.status_code, body)
            message = _with_outcome(_scrub(failure.message, self._api_key), method, failure.outcome_unknown)
            raise TelnyxApiError(message, failure.status, failure.errors, outcome_unknown=failure.outcome_unknown)
        return body if isinstance(body, dict) else {}


def _with_outcome(message: str, method: str, unknown: bool) -> str:
    # A reader of a failed write must know whether the account may have changed anyway.
    return f"{message}; {_UNKNOWN_OUTCOME}" if unknown and method != "GET" else message


def _item(app_id: str) -> str:
    return f"{COLLECTION}/{quote(str(app_id), safe='')}"


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _scrub(text: str, secret: str) -> str:
    for form in (secret, repr(secret)[1:-1]):
        text = text.replace(form, "***")
    return text
