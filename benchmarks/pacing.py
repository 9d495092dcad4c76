"""Rerunnable benchmark: the client under a small rate limit, paced by the headers and not.

`make benchmark` runs it after `benchmarks.provider_calls`; on its own:
`.venv/bin/python -m benchmarks.pacing [--threads 8] [--applications 40] [--budget 20] [--window 1]`

Against the fake Telnyx on loopback with a budget of `--budget` requests per `--window` seconds,
`--threads` threads share one TelnyxClient and take `--applications` applications through
create, retrieve, update, find_by_name and delete. It runs twice, with pacing by the
x-ratelimit-* headers and without (429s, then Retry-After), and prints side by side: requests
sent, 429s provoked, requests per operation, failed operations and wall time.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from telnyx_client import TelnyxApiError, TelnyxClient
from telnyx_fake import FakeTelnyxServer, RequestRecord, TelnyxBackend

API_KEY = "pacing-benchmark-key"
OPERATIONS = ("create", "retrieve", "update", "find_by_name", "delete")
_ITEM = re.compile(r"/call_control_applications/[^/]+$")


@dataclass
class Run:
    """What one pass measured."""

    label: str
    requests: int
    rate_limited: int
    per_operation: dict[str, float]
    failed: int
    seconds: float


def lifecycle(client: TelnyxClient, n: int) -> int:
    """Create, read, update, look up and delete one application; returns how many of the 5 failed."""
    name = f"pacing-{n:04d}"
    body = {"application_name": name, "webhook_event_url": "https://hooks.example.com/pacing"}
    try:
        app_id = client.create(body)["id"]
    except TelnyxApiError:
        return len(OPERATIONS)
    steps: list[Callable[[], object]] = [
        lambda: client.retrieve(app_id),
        lambda: client.update(app_id, {**body, "active": False}),
        lambda: client.find_by_name(name),
        lambda: client.delete(app_id),
    ]
    failed = 0
    for step in steps:
        try:
            step()
        except TelnyxApiError:
            failed += 1
    return failed


def operation_of(record: RequestRecord) -> str:
    """Which client operation sent this request."""
    if record.method == "GET":
        return "retrieve" if _ITEM.search(record.path) else "find_by_name"
    return {"POST": "create", "PATCH": "update", "DELETE": "delete"}[record.method]


def measure(label: str, paced: bool, args: argparse.Namespace) -> Run:
    """One pass against a fresh fake with the budget."""
    backend = TelnyxBackend(api_key=API_KEY)
    backend.set_rate_limit(args.budget, args.window)
    with FakeTelnyxServer(backend) as fake, TelnyxClient(
        API_KEY, fake.base_url, pool_size=args.threads, pace_by_rate_limit_headers=paced
    ) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            failed = sum(pool.map(lambda n: lifecycle(client, n), range(args.applications)))
        seconds = time.perf_counter() - started
    calls = backend.calls()
    sent = Counter(operation_of(r) for r in calls)
    per_operation = {op: sent[op] / args.applications for op in OPERATIONS}
    return Run(label, len(calls), sum(r.status == 429 for r in calls), per_operation, failed, seconds)


def main(argv: list[str] | None = None) -> None:
    """Run both passes and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=8, help="threads sharing one client (default 8)")
    parser.add_argument("--applications", type=int, default=40, help="applications taken through 5 operations (default 40)")
    parser.add_argument("--budget", type=int, default=20, help="requests the fake allows per window (default 20)")
    parser.add_argument("--window", type=float, default=1.0, help="the window in seconds (default 1)")
    args = parser.parse_args(argv)

    operations = args.applications * len(OPERATIONS)
    print(
        f"rate limit: {args.threads} threads, {operations} operations ({args.applications} applications x "
        f"{', '.join(OPERATIONS)}), budget {args.budget} requests per {args.window:g} s"
    )
    runs = [measure("paced by x-ratelimit-*", True, args), measure("unpaced (429, Retry-After)", False, args)]
    print(f"  {'':28}{'requests':>9}{'429s':>7}{'req/op':>8}  {'req/op by operation':<45}{'failed':>7}{'wall':>9}")
    for run in runs:
        by_operation = " ".join(f"{op} {run.per_operation[op]:.2f}" for op in OPERATIONS)
        print(
            f"  {run.label:28}{run.requests:>9}{run.rate_limited:>7}{run.requests / operations:>8.2f}  "
            f"{by_operation:<45}{run.failed:>7}{run.seconds:>8.1f}s"
        )


if __name__ == "__main__":
    main()
