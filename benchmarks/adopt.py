"""Rerunnable benchmark of adopt: `python -m benchmarks.adopt [--applications 1000]`.

Against the fake Telnyx on loopback (nothing else is contacted), with an account of N applications
of varied settings and a temporary copy of the dev stack file, it reports:
- the API requests adopt makes: list calls (pages of 250) against ceil(N / 250), and any other request;
- wall time of the listing alone and of the whole adopt (list, decide, write the file), side by side;
- a second adopt on the written file: what it adds (nothing) and its wall time;
- the stack loader reading the written file: how many entries it validates and how long it takes.
Exits 1 unless adopt made exactly ceil(N / 250) list calls and no other request, and the second adopt
added nothing and made the same list calls only.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scripts.adoption import adopt
from scripts.adoption.listing import list_applications
from scripts.adoption.stack_file import StackFile
from stack_files.loader import load_applications
from telnyx_client import TelnyxClient
from telnyx_client.client import MAX_PAGE_SIZE
from telnyx_fake import FakeTelnyxServer, TelnyxBackend

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "benchmark-adopt-key"
COLLECTION = "/v2/call_control_applications"


def application(number: int) -> dict[str, Any]:
    """The settings of the number-th application: a deterministic mix of defaults and non-defaults."""
    body: dict[str, Any] = {
        "application_name": f"app-{number:05d}" + ("-dev" if number % 2 else ""),
        "webhook_event_url": f"https://hooks.example.com/telnyx/{number}",
    }
    if number % 3 == 0:
        body.update(webhook_api_version="2", webhook_timeout_secs=10, tags=["dev", "managed-by-pulumi"])
    if number % 5 == 0:
        body.update(anchorsite_override='"Chicago, IL"', dtmf_type="Inband")
    if number % 7 == 0:
        body["inbound"] = {"channel_limit": number % 50, "shaken_stir_enabled": True}
    if number % 11 == 0:
        body["outbound"] = {"channel_limit": 4, "outbound_voice_profile_id": "1293384261075731499"}
    return body


@dataclass(frozen=True)
class AdoptFigures:
    """What one benchmark run measured: the requests and wall time of two adopts and of loading the result."""

    applications: int
    list_calls: int
    other_requests: int
    added: int
    left_out: int
    listing_seconds: float
    adopt_seconds: float
    second_added: int
    second_already_declared: int
    second_list_calls: int
    second_other_requests: int
    second_seconds: float
    loaded_entries: int
    load_seconds: float
    file_bytes: int

    @property
    def expected_list_calls(self) -> int:
        """One list call per page of 250: ceil(N / 250)."""
        return math.ceil(self.applications / MAX_PAGE_SIZE)


def measure(count: int) -> AdoptFigures:
    """Seed an account of `count` applications, adopt it twice into a copy of the dev stack file, load the result."""
    backend = TelnyxBackend(api_key=API_KEY)
    for number in range(count):
        backend.add_from_portal(application(number))
    with tempfile.TemporaryDirectory() as folder:
        stack_file = Path(folder) / "Pulumi.dev.yaml"
        shutil.copy(ROOT / "stacks" / "Pulumi.dev.yaml", stack_file)
        with FakeTelnyxServer(backend) as fake, TelnyxClient(API_KEY, fake.base_url) as client:
            backend.clear_requests()
            listing = _timed(lambda: list_applications(client))
            backend.clear_requests()
            started = time.perf_counter()
            outcome = adopt(client, "dev", StackFile(stack_file, "dev"))
            whole = time.perf_counter() - started
            list_calls, other_requests = _list_calls_and_others(backend)

            backend.clear_requests()
            started = time.perf_counter()
            again = adopt(client, "dev", StackFile(stack_file, "dev"))
            second = time.perf_counter() - started
            second_list_calls, second_other_requests = _list_calls_and_others(backend)
        config = yaml.safe_load(stack_file.read_text())["config"]
        started = time.perf_counter()
        specs = load_applications("dev", config["telnyx-call-control:applications"], config["telnyx-call-control:defaults"])
        loading = time.perf_counter() - started
        return AdoptFigures(
            applications=count,
            list_calls=list_calls,
            other_requests=other_requests,
            added=len(outcome.plan.added),
            left_out=len(outcome.plan.left_out),
            listing_seconds=listing,
            adopt_seconds=whole,
            second_added=len(again.plan.added),
            second_already_declared=len(again.plan.already_declared),
            second_list_calls=second_list_calls,
            second_other_requests=second_other_requests,
            second_seconds=second,
            loaded_entries=len(specs),
            load_seconds=loading,
            file_bytes=stack_file.stat().st_size,
        )


def meets_targets(figures: AdoptFigures) -> bool:
    """True if both adopts made exactly ceil(N / 250) list calls and nothing else, and the second added nothing."""
    return (
        figures.list_calls == figures.second_list_calls == figures.expected_list_calls
        and figures.other_requests == figures.second_other_requests == 0
        and figures.second_added == 0
    )


def report(figures: AdoptFigures) -> None:
    """Print one line per measurement, then the verdict."""
    count = figures.applications
    print(
        f"{count} applications: adopt made {figures.list_calls} list calls (ceil({count}/{MAX_PAGE_SIZE}) = "
        f"{figures.expected_list_calls}) and {figures.other_requests} other requests; "
        f"added {figures.added}, left out {figures.left_out}"
    )
    print(
        f"wall time: listing alone {figures.listing_seconds:.2f} s, adopt in all {figures.adopt_seconds:.2f} s "
        f"(x{figures.adopt_seconds / figures.listing_seconds:.1f})"
    )
    print(
        f"second adopt: added {figures.second_added}, already declared {figures.second_already_declared}, "
        f"{figures.second_list_calls + figures.second_other_requests} requests, {figures.second_seconds:.2f} s"
    )
    print(
        f"stack loader: {figures.loaded_entries} entries valid in {figures.load_seconds:.2f} s; "
        f"file {figures.file_bytes / 1024:.0f} KiB"
    )
    print(
        f"targets: {figures.expected_list_calls} list calls and no other request per adopt, nothing added the second "
        f"time: {'OK' if meets_targets(figures) else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> int:
    """Measure, print one line per measurement; 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1000, help="applications in the account (default 1000)")
    figures = measure(parser.parse_args(argv).applications)
    report(figures)
    return 0 if meets_targets(figures) else 1


def _list_calls_and_others(backend: TelnyxBackend) -> tuple[int, int]:
    calls = backend.calls()
    pages = sum(c.method == "GET" and c.path == COLLECTION for c in calls)
    return pages, len(calls) - pages


def _timed(operation: Any) -> float:
    started = time.perf_counter()
    operation()
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
