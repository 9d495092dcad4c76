"""The loopback HTTP front door: a real server over the same backend, with a control endpoint.

API requests go to `handle`. The control endpoint, outside `/v2` and without
auth, lets tests and the demo inspect and steer the fake:

- `GET /_fake/requests`: the request log; `DELETE /_fake/requests` clears it.
- `POST /_fake/reset`: forget every application, request and fault (the patch mode and the rate limit stay;
  the rate limit's window refills).
- `GET /_fake/patch-mode`, `POST /_fake/patch-mode` with `{"mode": "reset"}` (or `"merge"`, the default): what a
  PATCH does with the optional fields it omits.
- `POST /_fake/faults` with `{"status": 503, "times": 2, "ratio": null, "retry_after": 1, "latency": 0.0,
  "disconnect": false, "lose_response": false, "method": null}`: inject a fault; `DELETE /_fake/faults`
  removes them all.
- `POST /_fake/faults` with `{"hold": true, "hold_timeout": 30, "method": "POST", "times": 1}`: serve the next POST,
  then hold its answer back until released (or the timeout); `GET /_fake/held` lists the answers held now,
  `POST /_fake/held/release` lets them all go.
- `GET /_fake/rate-limit`: the budget, and how many requests it has refused; `POST /_fake/rate-limit` with `{"limit": 10, "window": 1.0}`
  allows that many API requests per window of that many seconds, from a fresh window.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .api import Request, Response, handle
from .backend import Fault, TelnyxBackend


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    disable_nagle_algorithm = True  # headers and body go out in two writes; without this each reply stalls ~40 ms
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET  # noqa: N815 - http.server dispatches on these names

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/_fake/"):
            response = _control(self.server.backend, self.command, url.path, body)
        else:
            request = Request(self.command, url.path, url.query, dict(self.headers.items()), body)
            response = handle(self.server.backend, request, self._save)
        try:
            self._answer(response)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (killed while its answer was held, say)
        finally:
            if response.held is not None:
                response.held.mark_answered()

    def _save(self, response: Response) -> None:
        # Before a held answer is let go: what a request applied is kept even if the fake is stopped meanwhile.
        if self.server.data_file and self.command != "GET" and response.status < 300:
            self.server.backend.save(self.server.data_file)

    def _answer(self, response: Response) -> None:
        if response.disconnect:
            self.close_connection = True
            return
        content = response.content()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        """Silence the per-request stderr line; the backend keeps the log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops a burst of concurrent connects, which the client's TCP
    # stack then retries after a second: a delay no real API adds.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], backend: TelnyxBackend, data_file: str | None) -> None:
        super().__init__(address, _Handler)
        self.backend = backend
        self.data_file = data_file
        self.connections = 0
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count each accepted connection (to show clients reuse theirs), then serve it."""
        with self._connections_lock:
            self.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, say) is the client's business, as for a real API; any other
        error is printed as socketserver does."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _control(backend: TelnyxBackend, method: str, path: str, body: bytes) -> Response:
    if path == "/_fake/requests" and method == "GET":
        return Response(200, {"data": [asdict(r) for r in backend.calls()]})
    if path == "/_fake/requests" and method == "DELETE":
        backend.clear_requests()
        return Response(200, {"data": []})
    if path == "/_fake/reset" and method == "POST":
        backend.reset()
        return Response(200, {"data": {}})
    if path == "/_fake/faults" and method == "POST":
        try:
            backend.inject(Fault(**json.loads(body or b"{}")))
        except (TypeError, ValueError) as error:
            return Response(400, {"errors": [{"title": "Bad fault", "detail": str(error)}]})
        return Response(201, {"data": {}})
    if path == "/_fake/patch-mode" and method == "GET":
        return Response(200, {"data": {"mode": backend.patch_mode}})
    if path == "/_fake/patch-mode" and method == "POST":
        try:
            backend.set_patch_mode(json.loads(body or b"{}").get("mode"))
        except (AttributeError, ValueError) as error:
            return Response(400, {"errors": [{"title": "Bad patch mode", "detail": str(error)}]})
        return Response(200, {"data": {"mode": backend.patch_mode}})
    if path == "/_fake/faults" and method == "DELETE":
        backend.clear_faults()
        return Response(200, {"data": {}})
    if path == "/_fake/held" and method == "GET":
        return Response(200, {"data": [held.describe() for held in backend.held()]})
    if path == "/_fake/held/release" and method == "POST":
        return Response(200, {"data": {"released": backend.release_held()}})
    if path == "/_fake/rate-limit" and method == "GET":
        limit = backend.rate_limit
        return Response(200, {"data": {"limit": limit.limit, "window": limit.window, "refused": limit.refused}})
    if path == "/_fake/rate-limit" and method == "POST":
        try:
            settings = json.loads(body or b"{}")
            backend.set_rate_limit(settings["limit"], settings["window"])
        except (KeyError, TypeError, ValueError) as error:
            detail = f"expected {{\"limit\": <requests>, \"window\": <seconds>}}: {error}"
            return Response(400, {"errors": [{"title": "Bad rate limit", "detail": detail}]})
        return Response(200, {"data": {"limit": backend.rate_limit.limit, "window": backend.rate_limit.window}})
    return Response(404, {"errors": [{"title": "Unknown control endpoint", "detail": path}]})


class FakeTelnyxServer:
    """A fake Telnyx API served on loopback in a background thread.

    Use as a context manager; `base_url` ends in `/v2`. With `data_file`, applications
    are loaded from that JSON file at start and saved to it after every change.
    """

    def __init__(
        self, backend: TelnyxBackend | None = None, host: str = "127.0.0.1", port: int = 0, data_file: str | None = None
    ) -> None:
        self.backend = backend or TelnyxBackend()
        if data_file:
            self.backend.load(data_file)
        self._server = _Server((host, port), self.backend, data_file)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="telnyx-fake", daemon=True)

    @property
    def base_url(self) -> str:
        """Where the API lives, e.g. http://127.0.0.1:54321/v2."""
        host, port = str(self._server.server_address[0]), self._server.server_address[1]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/v2"

    @property
    def connections(self) -> int:
        """How many TCP connections the server has accepted."""
        return self._server.connections

    def start(self) -> FakeTelnyxServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop the background thread started by `start`, let every held answer go, and close the socket."""
        self._server.shutdown()
        self.backend.release_held()
        self.close()

    def close(self) -> None:
        """Close the listening socket."""
        self._server.server_close()

    def __enter__(self) -> FakeTelnyxServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
