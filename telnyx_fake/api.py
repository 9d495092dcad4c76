"""The response layer: reads a request, calls the backend, renders Telnyx's JSON envelopes.

Both front doors (`inprocess.py`, `server.py`) hand every API request to `handle`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from . import errors
from .backend import Fault, HeldAnswer, TelnyxBackend, pause

COLLECTION = re.compile(r"^/v2/call_control_applications/?$")
ITEM = re.compile(r"^/v2/call_control_applications/(?P<app_id>[^/]+)/?$")


@dataclass
class Request:
    """What a front door read off the wire."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A header's value, by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass
class Response:
    """What a front door writes back."""

    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False  # drop the connection without answering
    hold_timeout: float | None = None  # hold this answer back first, for at most this long (`Fault.hold`)
    held: HeldAnswer | None = None  # the hold it went through, for the front door to mark answered

    def content(self) -> bytes:
        """The body as JSON bytes (empty when there is none)."""
        return b"" if self.body is None else json.dumps(self.body).encode()


Handler = Callable[[TelnyxBackend, Request, dict[str, str]], Response]


def _list(backend: TelnyxBackend, request: Request, _: dict[str, str]) -> Response:
    page = backend.list(dict(parse_qsl(request.query, keep_blank_values=True)))
    return Response(200, {"data": page.data, "meta": page.meta})


def _create(backend: TelnyxBackend, request: Request, _: dict[str, str]) -> Response:
    return Response(201, {"data": backend.create(_json(request))})


def _retrieve(backend: TelnyxBackend, _: Request, params: dict[str, str]) -> Response:
    return Response(200, {"data": backend.retrieve(params["app_id"])})


def _update(backend: TelnyxBackend, request: Request, params: dict[str, str]) -> Response:
    return Response(200, {"data": backend.update(params["app_id"], _json(request))})


def _delete(backend: TelnyxBackend, _: Request, params: dict[str, str]) -> Response:
    return Response(200, {"data": backend.delete(params["app_id"])})


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", COLLECTION, _list),
    ("POST", COLLECTION, _create),
    ("GET", ITEM, _retrieve),
    ("PATCH", ITEM, _update),
    ("DELETE", ITEM, _delete),
]


def _json(request: Request) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise errors.ApiError(
            400, [errors.error_object("10015", "Bad Request", "The request body is not valid JSON.")]
        ) from None


def handle(
    backend: TelnyxBackend, request: Request, served: Callable[[Response], None] = lambda _response: None
) -> Response:
    """Serve one API request and log it, then call `served` (the server saves its data file there); an answer a
    fault holds is returned only once it is let go."""
    response = _serve(backend, request)
    backend.record(request.method, request.path, response.status, request.query, _logged_body(request))
    served(response)
    if response.hold_timeout is not None:
        response.held = backend.hold(request.method, request.path, response.status, response.hold_timeout)
    return response


def _logged_body(request: Request) -> Any:
    try:
        return json.loads(request.body) if request.body else None
    except ValueError:
        return request.body.decode(errors="replace")


def _serve(backend: TelnyxBackend, request: Request) -> Response:
    budget = backend.spend_budget()
    limits = budget.headers()
    if not budget.allowed:
        error = errors.rate_limited({**limits, "Retry-After": limits["x-ratelimit-reset"]})
        return Response(error.status, error.body(), error.headers)
    fault = backend.next_fault(request.method)
    response = _apply(backend, request, fault)
    if not response.disconnect:
        response.headers.update(limits)
    if fault is not None and fault.hold:
        response.hold_timeout = fault.hold_timeout
    return response


def _apply(backend: TelnyxBackend, request: Request, fault: Fault | None) -> Response:
    """The request served as `fault` says (as the API would without one)."""
    try:
        if fault is not None:
            pause(fault.latency)
            if fault.disconnect:
                return Response(0, None, disconnect=True)
            if fault.status is not None:
                raise errors.injected(fault.status, fault.retry_after)
        response = _route(backend, request)
    except errors.ApiError as error:
        response = Response(error.status, error.body(), error.headers)
    if fault is not None and fault.lose_response:
        return Response(0, None, disconnect=True)  # applied, but the answer never leaves
    return response


def _route(backend: TelnyxBackend, request: Request) -> Response:
    backend.authorize(request.header("Authorization"))
    for method, pattern, handler in ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            # Path parameters arrive percent-encoded; the API judges the decoded id.
            return handler(backend, request, {name: unquote(value) for name, value in match.groupdict().items()})
    raise errors.not_found(request.path)
