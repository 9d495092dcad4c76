"""Rerunnable benchmark: `make benchmark` (or `python -m benchmarks.provider_calls [--rounds N]`).

Reports, against the fake Telnyx on loopback:
- API calls per provider operation, driven through `python -m pulumi.dynamic` over gRPC (a create is a
  lookup by name and a POST, plus a PATCH with tags; an adoption's check and create included), and PATCHes
  per update against an API that resets omitted fields;
- the size of the serialised provider (`__provider`) pickled by reference, against the
  same class pickled by value (what a provider written in `__main__` costs);
- the overhead per call of going through the provider host, as a ratio of medians
  against the bare TelnyxClient doing the same HTTP request;
- HTTP connections opened by the client for many calls (connection reuse).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dill

from telnyx_client import TelnyxClient
from telnyx_fake import FakeTelnyxServer, TelnyxBackend
from tests.support.dynamic_host import SERIALISED_PROVIDER, DynamicProviderHost, secret, with_provider

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "benchmark-key"
PROGRAM = {"application_name": "bench", "webhook_event_url": "https://hooks.example.com/bench"}


def calls_per_operation(host: DynamicProviderHost, backend: TelnyxBackend) -> dict[str, int]:
    """How many API requests each provider operation makes."""
    counts = {}

    def count(name: str, operation: Callable[[], Any]) -> Any:
        before = len(backend.calls())
        result = operation()
        counts[name] = len(backend.calls()) - before
        return result

    inputs, _ = count("check", lambda: host.check(with_provider(PROGRAM)))
    app_id, outputs = count("create", lambda: host.create(inputs))
    tagged, _ = host.check(with_provider({**PROGRAM, "application_name": "bench-tagged", "tags": ["bench"]}))
    count("create with tags", lambda: host.create(tagged))
    count("diff", lambda: host.diff(app_id, outputs, inputs))
    changed, _ = host.check(with_provider({**PROGRAM, "active": False}))
    outputs = count("update", lambda: host.update(app_id, outputs, changed))
    count("read", lambda: host.read(app_id, outputs, changed))
    count("delete", lambda: host.delete(app_id, outputs))
    existing = backend.create(PROGRAM)
    adopted, _ = count("check of an adoption", lambda: host.check(with_provider({**PROGRAM, "import_id": existing["id"]})))
    count("create of an adoption", lambda: host.create(adopted))
    return counts


def patches_per_update_when_patch_resets(fake: FakeTelnyxServer, updates: int = 3) -> list[int]:
    """PATCHes per update, in a fresh provider host, against an API that resets the fields a PATCH omits."""
    backend = fake.backend
    backend.set_patch_mode("reset")
    host = DynamicProviderHost()
    try:
        host.configure({"telnyx:apiKey": secret(API_KEY), "telnyx:baseUrl": fake.base_url})
        program = {**PROGRAM, "application_name": "bench-resets", "dtmf_type": "Inband", "tags": ["bench"]}
        inputs, _ = host.check(with_provider(program))
        app_id, outputs = host.create(inputs)
        counts = []
        for round_ in range(updates):
            before = len(backend.calls("PATCH"))
            news, _ = host.check(with_provider({**program, "active": round_ % 2 == 1}), olds=inputs)
            outputs, inputs = host.update(app_id, outputs, news), news
            counts.append(len(backend.calls("PATCH")) - before)
        return counts
    finally:
        backend.set_patch_mode("merge")
        host.close()


def by_value_size() -> int:
    """The serialised size of the same provider written in `__main__`, which dill pickles by value."""
    source = (ROOT / "provider" / "dynamic_provider.py").read_text()
    source = source.replace("from . import", "from provider import").replace("from .", "from provider.")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, "__main__", "exec"), namespace)  # noqa: S102 - our own provider's source, as a user's inline provider
    instance = namespace["CallControlApplicationProvider"]()
    return len(base64.b64encode(dill.dumps(instance, recurse=True)))


def median_seconds(operation: Callable[[], Any], rounds: int) -> float:
    """The median wall time of `operation` over `rounds` runs."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    """Run every measurement and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="timed calls per measurement (default 200)")
    rounds = parser.parse_args(argv).rounds

    with FakeTelnyxServer(TelnyxBackend(api_key=API_KEY)) as fake:
        host = DynamicProviderHost()
        try:
            host.configure({"telnyx:apiKey": secret(API_KEY), "telnyx:baseUrl": fake.base_url})
            counts = calls_per_operation(host, fake.backend)
            print("API calls per operation: " + ", ".join(f"{op} {n}" for op, n in counts.items()))
            resets = patches_per_update_when_patch_resets(fake)
            print(f"PATCHes per update against an API that resets omitted fields, one provider process: {resets}")

            reference, value = len(SERIALISED_PROVIDER), by_value_size()
            print(f"serialised provider: {reference} bytes by reference, {value} bytes by value ({value / reference:.0f}x)")

            with TelnyxClient(API_KEY, fake.base_url) as client:
                app_id = client.create(PROGRAM)["id"]
                direct = median_seconds(lambda: client.retrieve(app_id), rounds)
                state = with_provider(PROGRAM)
                hosted = median_seconds(lambda: host.read(app_id, state, state), rounds)
                print(
                    f"read, median of {rounds}: bare client {direct * 1000:.2f} ms, through the provider host "
                    f"{hosted * 1000:.2f} ms (x{hosted / direct:.1f}, +{(hosted - direct) * 1000:.2f} ms per call)"
                )
                checks = median_seconds(lambda: host.check(with_provider(PROGRAM)), rounds)
                print(f"check, median of {rounds}: {checks * 1000:.2f} ms, 0 API calls")
            connections = fake.connections
            print(f"HTTP connections opened for {len(fake.backend.calls())} API requests: {connections}")
        finally:
            host.close()


if __name__ == "__main__":
    main()
