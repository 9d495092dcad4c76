"""`TelnyxClient`: the Telnyx v2 call control applications API over `requests`.

It knows HTTP, Telnyx's envelopes and errors, and nothing of Pulumi. How requests
travel (urllib3 retries, pacing by the rate-limit headers, which failures leave the
outcome unknown) is `transport.py`'s job; this module says what to send.
"""

from __future__ import annotations

import builtins
import ipaddress
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from field_model import fields
from field_model.redact import mask_url, scrub_secret, scrub_values

from .errors import KEY_HELP, TelnyxApiError
from .pacing import RateLimitPacer
from .transport import PacedAdapter, may_have_reached_api, retry_policy

DEFAULT_BASE_URL = "https://api.telnyx.com/v2"
COLLECTION = "/call_control_applications"
WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE"})
MAX_PAGE_SIZE = 250
NAME_FILTER_MIN_LENGTH = 3  # the API refuses a shorter filter[application_name][contains]
_UNKNOWN_OUTCOME = "it may have reached Telnyx and been applied; whether it took effect is unknown"


@dataclass(frozen=True)
class ApplicationPage:
    """One page of the collection: its applications and the API's `meta.total_pages`."""

    applications: list[dict[str, Any]]
    total_pages: int


def check_base_url(base_url: str) -> str:
    """Return the base URL without a trailing slash, or raise ValueError if it is unsafe.

    Plain http would send the API key in clear text, so it is allowed only to loopback hosts.
    """
    # A base URL may carry a proxy's credentials, so messages show it masked to scheme and host.
    try:
        parts = urlsplit(base_url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise ValueError(f"The Telnyx base URL must be an absolute http(s) URL, such as {DEFAULT_BASE_URL!r}")
    if scheme == "http" and not _is_loopback(host):
        raise ValueError(
            f"Telnyx base URL {mask_url(base_url)} uses plain http, which would send the API key unencrypted; "
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
        self._write_listeners: tuple[Callable[[str], None], ...] = ()
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
        missing = [name for name in fields.REQUIRED_PATHS if not body.get(name)]
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
            page = self._page(params, number)
            yield from page.applications
            if number >= page.total_pages or not page.applications:
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

    def list_page(self, number: int, *, page_size: int = MAX_PAGE_SIZE) -> ApplicationPage:
        """One page of every application in the account, in the API's default order, with the page count."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be from 1 to {MAX_PAGE_SIZE}")
        return self._page({"page[size]": page_size}, number)

    def on_write(self, listener: Callable[[str], None]) -> None:
        """Call `listener(app_id)` after every write this client makes to an application, whatever its outcome.

        That is every PATCH and DELETE (even one that failed: it may have been applied), and every
        POST that returned its new id.
        """
        self._write_listeners = (*self._write_listeners, listener)

    def _page(self, params: Mapping[str, Any], number: int) -> ApplicationPage:
        body = self._request("GET", COLLECTION, params={**params, "page[number]": number})
        meta = body.get("meta") or {}
        return ApplicationPage(list(body.get("data") or []), int(meta.get("total_pages") or 1))

    def _data(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        try:
            data = self._request(method, path, json=json).get("data")
        finally:
            if method in WRITE_METHODS and path != COLLECTION:
                self._written(unquote(path.rpartition("/")[2]))
        if not isinstance(data, dict):
            raise TelnyxApiError(f"Telnyx API {method} {path} returned no application object")
        if method == "POST" and data.get("id") is not None:
            self._written(str(data["id"]))
        return data

    def _written(self, app_id: str) -> None:
        for listener in self._write_listeners:
            listener(app_id)

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            unknown = may_have_reached_api(error)
            message = (
                f"Telnyx API {method} {path} could not be completed: {scrub_secret(str(error), self._api_key)}; "
                f"check the network and the API base URL {mask_url(self.base_url)} (telnyx:baseUrl or TELNYX_BASE_URL)"
            )
            raise TelnyxApiError(_with_outcome(message, method, unknown), outcome_unknown=unknown) from None
        body = _json_or_none(response)
        if not response.ok:
            # A proxy or the API may echo the request, Authorization header included, in any encoding.
            body = scrub_values(body, self._api_key)
            failure = TelnyxApiError.from_response(method, path, response.status_code, body)
            message = _with_outcome(scrub_secret(failure.message, self._api_key), method, failure.outcome_unknown)
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

