"""Run the fake Telnyx API on loopback: `python -m telnyx_fake [--host H] [--port P] [--api-key K] [--data-file F]`
(and the fault, `--patch-mode` and `--rate-limit` flags below).

The first line on stdout is the base URL (ending in /v2); it serves until stopped.
"""

from __future__ import annotations

import argparse
import sys

from .backend import DEFAULT_API_KEY, DEFAULT_HOLD_TIMEOUT, PATCH_MODES, Fault, TelnyxBackend
from .rate_limit import DEFAULT_LIMIT, DEFAULT_WINDOW, RateLimit
from .server import FakeTelnyxServer


def main(argv: list[str] | None = None) -> int:
    """Parse the flags, start the server, print its base URL, serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m telnyx_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the bearer key the fake accepts")
    parser.add_argument("--data-file", help="keep the applications in this JSON file across restarts")
    parser.add_argument("--fault-status", type=int, help="answer API requests with this status (e.g. 429, 503)")
    parser.add_argument("--fault-times", type=int, help="only the next N requests get the fault")
    parser.add_argument("--fault-ratio", type=float, help="only this share (0-1) of requests get the fault")
    parser.add_argument("--fault-retry-after", type=float, help="Retry-After seconds sent with the fault")
    parser.add_argument("--fault-disconnect", action="store_true", help="drop connections without answering")
    parser.add_argument(
        "--fault-lose-response", action="store_true", help="apply requests, then drop the connection without answering"
    )
    parser.add_argument(
        "--fault-hold",
        action="store_true",
        help="serve requests, then hold each answer back until POST /_fake/held/release or --fault-hold-timeout",
    )
    parser.add_argument(
        "--fault-hold-timeout",
        type=float,
        default=DEFAULT_HOLD_TIMEOUT,
        help=f"seconds a held answer waits for a release before it goes out anyway (default {DEFAULT_HOLD_TIMEOUT:g})",
    )
    parser.add_argument("--fault-method", help="only requests of this method (e.g. POST) get the fault")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API request")
    parser.add_argument(
        "--patch-mode",
        choices=PATCH_MODES,
        default="merge",
        help="what a PATCH does with optional fields it omits: keep them (merge, default) or reset them to defaults",
    )
    parser.add_argument(
        "--rate-limit", type=int, default=DEFAULT_LIMIT, help=f"API requests allowed per window (default {DEFAULT_LIMIT})"
    )
    parser.add_argument(
        "--rate-limit-window", type=float, default=DEFAULT_WINDOW, help=f"the window in seconds (default {DEFAULT_WINDOW:g})"
    )
    args = parser.parse_args(argv)

    try:
        rate_limit = RateLimit(args.rate_limit, args.rate_limit_window)
    except ValueError as error:
        parser.error(f"--rate-limit/--rate-limit-window: {error}")
    backend = TelnyxBackend(api_key=args.api_key, patch_mode=args.patch_mode, rate_limit=rate_limit)
    if args.fault_status is not None or args.latency or args.fault_disconnect or args.fault_lose_response or args.fault_hold:
        try:
            fault = Fault(
                status=args.fault_status,
                times=args.fault_times,
                ratio=args.fault_ratio,
                retry_after=args.fault_retry_after,
                latency=args.latency,
                disconnect=args.fault_disconnect,
                lose_response=args.fault_lose_response,
                method=args.fault_method,
                hold=args.fault_hold,
                hold_timeout=args.fault_hold_timeout,
            )
        except ValueError as error:
            parser.error(f"--fault-hold-timeout: {error}")
        backend.inject(fault)
    server = FakeTelnyxServer(backend, args.host, args.port, args.data_file)
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
