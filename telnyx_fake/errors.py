"""Errors the fake API raises; each carries its HTTP status and Telnyx-style error objects."""

from __future__ import annotations

import math
from typing import Any

DOCS = "https://developers.telnyx.com/docs/overview/errors/"


def error_object(code: str, title: str, detail: str, pointer: str | None = None) -> dict[str, Any]:
    """One entry of a Telnyx `errors` array."""
    error: dict[str, Any] = {"code": code, "title": title, "detail": detail, "meta": {"url": DOCS + code}}
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    return error


class ApiError(Exception):
    """An error response: `status` and the `errors` array of the body."""

    def __init__(self, status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body Telnyx sends with this error."""
        return {"errors": self.errors}


def unauthorized() -> ApiError:
    """401: no bearer key, or not the right one."""
    return ApiError(
        401,
        [error_object("10009", "Authentication failed", "The API key looks malformed or was not sent. Check that you copied it correctly.")],
    )


def not_found(path: str) -> ApiError:
    """404: nothing lives at this path."""
    return ApiError(
        404,
        [error_object("10005", "Resource not found", f"The requested resource or URL could not be found: {path}")],
    )


def invalid(errors: list[dict[str, Any]]) -> ApiError:
    """422: the body broke one or more rules."""
    return ApiError(422, errors)


def invalid_id(app_id: str) -> ApiError:
    """422: the path's id is not an int64 id."""
    error = error_object("10015", "Bad Request", f"The id {app_id!r} is not a valid id; ids are strings of digits.")
    error["source"] = {"parameter": "id"}
    return ApiError(422, [error])


def bad_request(detail: str, parameter: str) -> ApiError:
    """400: a query parameter is wrong."""
    error = error_object("10015", "Bad Request", detail)
    error["source"] = {"parameter": parameter}
    return ApiError(400, [error])


def injected(status: int, retry_after: float | None) -> ApiError:
    """A fault the test asked for (429, 503, ...)."""
    titles = {429: ("10011", "Too many requests"), 500: ("10007", "Unexpected error")}
    code, title = titles.get(status, ("10006", "Service unavailable"))
    # Retry-After carries whole seconds; round up so a client never comes back early.
    headers = {"Retry-After": str(math.ceil(retry_after))} if retry_after is not None else {}
    return ApiError(status, [error_object(code, title, f"Injected fault: HTTP {status}.")], headers)


def rate_limited(headers: dict[str, str]) -> ApiError:
    """429: the window's budget is spent (Telnyx's documented body); `headers` carry x-ratelimit-* and Retry-After."""
    detail = "You have exceeded the maximum number of allowed requests."
    return ApiError(429, [error_object("10011", "Too many requests", detail)], headers)
