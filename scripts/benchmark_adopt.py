"""Rerunnable benchmark of adopt: `python -m scripts.benchmark_adopt [--applications 1000]`.

Against the fake Telnyx on loopback (nothing else is contacted), with an account of N applications
of varied settings and a temporary copy of the dev stack file, it reports:
- the API requests adopt makes: list calls (pages of 250) against ceil(N / 250), and any other request;
- wall time of the listing alone and of the whole adopt (list, decide, write the file), side by side;
- a second adopt on the written file: what it adds (nothing) and its wall time;
- the stack loader reading the written file: how many entries it validates and how long it takes.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from provider import TelnyxClient
from provider.client import MAX_PAGE_SIZE
from provider.stack_config import load_applications
from scripts.adoption import adopt
from scripts.adoption.listing import list_applications
from scripts.adoption.stack_file import StackFile
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


def main() -> None:
    """Seed the account, adopt twice, and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1000, help="applications in the account (default 1000)")
    count = parser.parse_args().applications

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
            calls = backend.calls()
            pages = [c for c in calls if c.method == "GET" and c.path == COLLECTION]
            print(
                f"{count} applications: adopt made {len(pages)} list calls (ceil({count}/{MAX_PAGE_SIZE}) = "
                f"{math.ceil(count / MAX_PAGE_SIZE)}) and {len(calls) - len(pages)} other requests; "
                f"added {len(outcome.plan.added)}, left out {len(outcome.plan.left_out)}"
            )
            print(f"wall time: listing alone {listing:.2f} s, adopt in all {whole:.2f} s (x{whole / listing:.1f})")

            backend.clear_requests()
            started = time.perf_counter()
            again = adopt(client, "dev", StackFile(stack_file, "dev"))
            print(
                f"second adopt: added {len(again.plan.added)}, already declared {len(again.plan.already_declared)}, "
                f"{len(backend.calls())} requests, {time.perf_counter() - started:.2f} s"
            )
        config = yaml.safe_load(stack_file.read_text())["config"]
        started = time.perf_counter()
        specs = load_applications("dev", config["telnyx-call-control:applications"], config["telnyx-call-control:defaults"])
        size = stack_file.stat().st_size
        print(f"stack loader: {len(specs)} entries valid in {time.perf_counter() - started:.2f} s; file {size / 1024:.0f} KiB")


def _timed(operation: Any) -> float:
    started = time.perf_counter()
    operation()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
