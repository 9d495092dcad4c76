"""The in-process front door: serves the backend through `responses`, for fast unit tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from urllib3.exceptions import ProtocolError

from .api import Request, handle
from .backend import TelnyxBackend

DEFAULT_BASE_URL = "https://api.telnyx.com/v2"


@contextmanager
def mock_telnyx(backend: TelnyxBackend | None = None, base_url: str = DEFAULT_BASE_URL) -> Iterator[TelnyxBackend]:
    """Route every `requests` call under `base_url` to a fake backend, like moto's `mock_aws`.

    Yields the backend so a test can set the stage and count calls.
    """
    backend = backend or TelnyxBackend()
    root = urlsplit(base_url)
    prefix = f"{root.scheme}://{root.netloc}"

    def callback(prepared: Any) -> Any:
        url = urlsplit(prepared.url)
        body = prepared.body or b""
        request = Request(
            method=prepared.method,
            path=url.path,
            query=url.query,
            headers=dict(prepared.headers),
            body=body.encode() if isinstance(body, str) else body,
        )
        response = handle(backend, request)
        if response.held is not None:
            response.held.mark_answered()  # as near to "written" as `responses` lets a callback get
        if response.disconnect:
            # What requests raises when a server closes the connection after reading the request.
            closed = RemoteDisconnected("Remote end closed connection without response (injected fault)")
            return requests.ConnectionError(ProtocolError("Connection aborted.", closed))
        headers = {"Content-Type": "application/json", **response.headers}
        return response.status, headers, response.content()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        pattern = re.compile(re.escape(prefix) + r"/.*")
        for method in ("GET", "POST", "PATCH", "DELETE"):
            mock.add_callback(method, pattern, callback=callback)
        yield backend
