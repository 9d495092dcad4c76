"""Run the fake Telnyx API on loopback: `python -m telnyx_fake [--host H] [--port P] [--api-key K] [--data-file F]`
(and the fault and `--patch-mode` flags below).

The first line on stdout is the base URL (ending in /v2); it serves until stopped.
"""

from __future__ import annotations

import argparse
import sys

from .backend import DEFAULT_API_KEY, PATCH_MODES, Fault, TelnyxBackend
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
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API request")
    parser.add_argument(
        "--patch-mode",
        choices=PATCH_MODES,
        default="merge",
        help="what a PATCH does with optional fields it omits: keep them (merge, default) or reset them to defaults",
    )
    args = parser.parse_args(argv)

    backend = TelnyxBackend(api_key=args.api_key, patch_mode=args.patch_mode)
    if args.fault_status is not None or args.latency or args.fault_disconnect:
        backend.inject(
            Fault(
                args.fault_status,
                args.fault_times,
                args.fault_ratio,
                args.fault_retry_after,
                args.latency,
                args.fault_disconnect,
            )
        )
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
