"""Rerunnable refresh benchmark: `make benchmark-refresh` (or `python -m benchmarks.refresh`).

Refreshes a stack of N applications (the whole account) through `python -m pulumi.dynamic` over
gRPC, with the engine's parallelism, against the fake Telnyx on loopback, at injected latencies:
once with every read a GET (TELNYX_REFRESH_BY_LIST=0, as before) and once as the provider serves
it now (one listing of the account). Each refresh runs in a fresh provider host, as each `pulumi`
command does. Prints requests and wall time side by side, then judges the network part of a
refresh by list: (wall at the highest latency - wall at 0) against ceil(N/250) sequential list
calls at that latency (target: at most 3 times), and requests against ceil(N/250) + 10.
Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from provider.settings import REFRESH_BY_LIST_ENV
from telnyx_client import TelnyxClient
from telnyx_client.client import MAX_PAGE_SIZE
from telnyx_fake import FakeTelnyxServer, Fault, TelnyxBackend
from tests.support.dynamic_host import DynamicProviderHost, secret, with_provider

API_KEY = "benchmark-key"
ENGINE_PARALLELISM = 16  # reads the engine has outstanding at once; the host serves 4 of them at a time
MODES = {"as GETs": "0", "by list": "1"}
NETWORK_RATIO_TARGET = 3.0
EXTRA_REQUESTS_ALLOWED = 10


@dataclass(frozen=True)
class Run:
    """One measured refresh."""

    size: int
    latency: float
    mode: str
    requests: int
    wall: float


def fill_account(backend: TelnyxBackend, size: int) -> list[str]:
    """Create `size` applications in the fake account; their ids."""
    backend.reset()
    return [
        backend.create({"application_name": f"bench-{n:05d}", "webhook_event_url": f"https://hooks.example.com/{n}"})["id"]
        for n in range(size)
    ]


def set_latency(backend: TelnyxBackend, latency: float) -> None:
    """Add `latency` seconds to every API request from now on."""
    backend.clear_faults()
    if latency:
        backend.inject(Fault(latency=latency))


def refresh(fake: FakeTelnyxServer, ids: list[str], by_list: str) -> tuple[int, float]:
    """One refresh of `ids` in a fresh provider host: (requests made, wall seconds)."""
    host = DynamicProviderHost(env={REFRESH_BY_LIST_ENV: by_list})
    try:
        host.configure({"telnyx:apiKey": secret(API_KEY), "telnyx:baseUrl": fake.base_url})
        state = with_provider({"application_name": "as-last-refreshed"})
        host.check(state)  # loads and configures the provider (no API call), a cost outside the refresh's reads
        fake.backend.clear_requests()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=ENGINE_PARALLELISM) as pool:
            found = list(pool.map(lambda app_id: host.read(app_id, state, state, name=app_id)[0], ids))
        wall = time.perf_counter() - started
        if found != ids:
            raise SystemExit("a refresh lost an application: the benchmark's figures would mean nothing")
        return len(fake.backend.calls()), wall
    finally:
        host.close()


def sequential_list_calls(fake: FakeTelnyxServer, pages: int) -> float:
    """Seconds for `pages` list calls one after another with a bare client (the reference for the network part)."""
    with TelnyxClient(API_KEY, fake.base_url) as client:
        client.list_page(1)  # open the connection first, as the provider host's client has by then
        started = time.perf_counter()
        for number in range(1, pages + 1):
            client.list_page(number)
        return time.perf_counter() - started


def measure(fake: FakeTelnyxServer, size: int, latencies: list[float], rounds: int) -> list[Run]:
    """Every mode at every latency for one account size; the median wall of `rounds` refreshes."""
    ids = fill_account(fake.backend, size)
    runs = []
    for latency in latencies:
        set_latency(fake.backend, latency)
        for mode, by_list in MODES.items():
            samples = [refresh(fake, ids, by_list) for _ in range(rounds)]
            requests = max(count for count, _ in samples)
            runs.append(Run(size, latency, mode, requests, statistics.median(wall for _, wall in samples)))
    return runs


def verdict(fake: FakeTelnyxServer, runs: list[Run], size: int, latency: float) -> bool:
    """Print whether the refresh by list meets the targets for one size; True if it does."""
    by_list = {run.latency: run for run in runs if run.size == size and run.mode == "by list"}
    pages = math.ceil(size / MAX_PAGE_SIZE)
    set_latency(fake.backend, latency)
    reference = sequential_list_calls(fake, pages)
    network = by_list[latency].wall - by_list[0.0].wall
    ratio = network / reference
    most = max(run.requests for run in by_list.values())
    ok = ratio <= NETWORK_RATIO_TARGET and most <= pages + EXTRA_REQUESTS_ALLOWED
    print(
        f"N={size}: by list, the {latency * 1000:.0f} ms latency adds {network:.2f} s to the refresh; "
        f"{pages} sequential list calls take {reference:.2f} s: x{ratio:.2f} (target <= {NETWORK_RATIO_TARGET:.0f}); "
        f"at most {most} requests (target <= {pages + EXTRA_REQUESTS_ALLOWED}): {'OK' if ok else 'MISSED'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table and the verdicts; 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="applications per refresh (default 100 1000)")
    parser.add_argument("--latency-ms", type=float, default=80.0, help="the fake's added latency besides 0 (default 80)")
    parser.add_argument("--rounds", type=int, default=3, help="refreshes per figure; the wall time is their median (default 3)")
    args = parser.parse_args(argv)
    latencies = [0.0, args.latency_ms / 1000]

    with FakeTelnyxServer(TelnyxBackend(api_key=API_KEY)) as fake:
        runs = [run for size in args.sizes for run in measure(fake, size, latencies, args.rounds)]
        print(f"{'N':>6}  {'latency':>7}  {'mode':<8}  {'requests':>8}  {'wall':>8}")
        for run in runs:
            print(f"{run.size:>6}  {run.latency * 1000:>5.0f} ms  {run.mode:<8}  {run.requests:>8}  {run.wall:>6.2f} s")
        for size in args.sizes:
            gets = next(r for r in runs if r.size == size and r.latency == latencies[1] and r.mode == "as GETs")
            listed = next(r for r in runs if r.size == size and r.latency == latencies[1] and r.mode == "by list")
            print(
                f"N={size} at {args.latency_ms:.0f} ms: {gets.requests / listed.requests:.0f}x fewer requests, "
                f"{gets.wall / listed.wall:.1f}x faster by list"
            )
        results = [verdict(fake, runs, size, latencies[1]) for size in args.sizes]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
