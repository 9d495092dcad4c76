"""Rerunnable soak benchmark: `make benchmark-soak` (or `python -m benchmarks.soak [--applications 1000] ...`).

Against the fake Telnyx on loopback, through the provider host (`python -m pulumi.dynamic`, driven over
gRPC by `tests/support/dynamic_host.py` with `--concurrency` calls at once, as the engine runs many steps at once
against a host with 4 worker threads), under a storm: `--storm` of all API requests answered 429 or 503
(half each, without Retry-After, so the client's backoff paces the retries), `--lost` of POSTs applied
and then their answer lost, and the fake's rate limit of `--budget` requests per `--window` seconds
(answered 429 with Retry-After in whole seconds).

`--applications` applications are created (each checked, then created, as `pulumi up` does; every third
declares tags), then the creates that failed are run once more in a fresh host, as a second `pulumi up`
would: it creates only what is not in its state. The account must then hold exactly N applications,
none with the same name, none missing from the state. Then all are read (a refresh), updated and
deleted under the same storm, each step also re-run once for what failed, and nothing may be left.

It runs twice, with the client pacing by the x-ratelimit-* headers and without
(TELNYX_PACE_BY_RATE_LIMIT=0), and prints for each: failures per pass, requests per operation, the
storm's and the rate limit's 429s, lost answers, and wall time. The client's retry backoff is
TELNYX_RETRY_BACKOFF=`--backoff` (the default 0.5 s would make a 30% storm crawl: a run is minutes
either way, and this keeps it bounded). Exit status 1 if any invariant fails.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import grpc

from telnyx_fake import FakeTelnyxServer, Fault, RequestRecord, TelnyxBackend
from tests.support.dynamic_host import DynamicProviderHost, secret, with_provider

API_KEY = "soak-benchmark-key"
OPERATIONS = ("create", "read", "update", "delete")


@dataclass
class Resource:
    """What the state holds for one application: its id, outputs and checked inputs."""

    app_id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]


@dataclass
class Step:
    """One operation over every application: failures on the first pass and after the re-run, requests, time."""

    name: str
    failed_first: int = 0
    failed_after_rerun: int = 0
    requests: list[RequestRecord] = field(default_factory=list)
    rate_limited: int = 0  # 429s from the fake's budget, not the storm
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass
class Pass:
    """One run of the four steps, with what it found wrong.

    `unsafe`: a duplicate, an application no state knows about, or one left over after its delete.
    `unconverged`: a step that still failed after one re-run (the account is safe, but not yet as declared).
    """

    label: str
    steps: list[Step] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    unconverged: list[str] = field(default_factory=list)

    @property
    def rate_limited(self) -> int:
        """Requests the fake's rate limit answered 429 over the whole pass."""
        return sum(step.rate_limited for step in self.steps)


def program(number: int) -> dict[str, Any]:
    """The number-th application as a stack declares it; every third one with tags."""
    declared: dict[str, Any] = {
        "application_name": f"soak-{number:05d}",
        "webhook_event_url": f"https://hooks.example.com/telnyx/{number}",
    }
    if number % 3 == 0:
        declared["tags"] = ["soak", f"team-{number % 4}"]
    return declared


def storm(backend: TelnyxBackend, share: float, lost: float) -> None:
    """Answer `share` of all requests 429 or 503 (half each) and lose the answers of `lost` of all POSTs after commit."""
    # The fake applies the first fault that draws its ratio, so later ratios are of what is left.
    backend.inject(Fault(status=429, ratio=share / 2))
    backend.inject(Fault(status=503, ratio=(share / 2) / (1 - share / 2)))
    backend.inject(Fault(lose_response=True, ratio=lost / (1 - share), method="POST"))


def last_line(error: grpc.RpcError) -> str:
    details = error.details() or ""
    return details.rstrip().splitlines()[-1] if details.strip() else str(error.code())


def run_all(items: Iterable[Any], action: Callable[[Any], Any], concurrency: int) -> tuple[dict[Any, Any], dict[Any, str]]:
    """Call `action` on every item, `concurrency` at once: results and errors by item."""
    results: dict[Any, Any] = {}
    errors: dict[Any, str] = {}

    def one(item: Any) -> None:
        try:
            results[item] = action(item)
        except grpc.RpcError as error:
            errors[item] = last_line(error)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, items))
    return results, errors


class Soak:
    """One pass of the soak against one fake, with a provider host per `pulumi` command."""

    def __init__(self, fake: FakeTelnyxServer, args: argparse.Namespace, paced: bool) -> None:
        self.fake = fake
        self.args = args
        self.env = {"TELNYX_RETRY_BACKOFF": str(args.backoff), "TELNYX_PACE_BY_RATE_LIMIT": "1" if paced else "0"}
        self.state: dict[int, Resource] = {}

    def host(self) -> DynamicProviderHost:
        """A fresh provider host, configured as the engine does: one per `pulumi up`."""
        host = DynamicProviderHost(env=self.env)
        host.configure({"telnyx:apiKey": secret(API_KEY), "telnyx:baseUrl": self.fake.base_url})
        return host

    def step(self, name: str, targets: list[int], action: Callable[[DynamicProviderHost, int], None]) -> Step:
        """Run `action` on every target in one host, then once more in a fresh host on those that failed
        (what a second `pulumi up` would find still to do)."""
        backend = self.fake.backend
        before, refused_before = len(backend.calls()), backend.rate_limit.refused
        result = Step(name)
        started = time.perf_counter()
        for attempt in range(2):
            host = self.host()
            try:
                _, errors = run_all(targets, functools.partial(action, host), self.args.concurrency)
            finally:
                host.close()
            targets = sorted(errors)
            if attempt == 0:
                result.failed_first = len(errors)
            else:
                result.failed_after_rerun = len(errors)
            result.errors += [f"{name} soak-{n:05d}: {line}" for n, line in sorted(errors.items())]
            if not errors:
                break
        result.seconds = time.perf_counter() - started
        result.requests = backend.calls()[before:]
        result.rate_limited = backend.rate_limit.refused - refused_before
        return result

    def create(self, host: DynamicProviderHost, number: int) -> None:
        inputs, failures = host.check(with_provider(program(number)), name=f"app-{number}")
        assert failures == [], failures
        app_id, outputs = host.create(inputs, name=f"app-{number}")
        self.state[number] = Resource(app_id, outputs, inputs)

    def read(self, host: DynamicProviderHost, number: int) -> None:
        resource = self.state[number]
        app_id, outputs, inputs = host.read(resource.app_id, resource.outputs, resource.inputs, name=f"app-{number}")
        if app_id:
            self.state[number] = Resource(app_id, outputs, inputs)

    def update(self, host: DynamicProviderHost, number: int) -> None:
        resource = self.state[number]
        changed = {**program(number), "dtmf_type": "Inband", "tags": ["soak", "updated"]}
        news, _ = host.check(with_provider(changed), olds=resource.inputs, name=f"app-{number}")
        outputs = host.update(resource.app_id, resource.outputs, news, name=f"app-{number}")
        self.state[number] = Resource(resource.app_id, outputs, news)

    def delete(self, host: DynamicProviderHost, number: int) -> None:
        host.delete(self.state[number].app_id, self.state[number].outputs, name=f"app-{number}")
        del self.state[number]

    def run(self, label: str) -> Pass:
        """Create, check the invariants, read, update, delete, check nothing is left."""
        n, backend, outcome = self.args.applications, self.fake.backend, Pass(label)
        everything = list(range(n))
        outcome.steps.append(self.step("create", everything, self.create))
        names = Counter(app["application_name"] for app in backend.applications.values())
        duplicates = sum(count - 1 for count in names.values())
        missing = set(backend.applications) - {resource.app_id for resource in self.state.values()}
        if duplicates or missing:
            outcome.unsafe.append(f"after create: {duplicates} duplicates, {len(missing)} applications missing from state")
        if len(backend.applications) != n:
            outcome.unconverged.append(f"after create: {len(backend.applications)} applications, not {n}")
        outcome.steps.append(self.step("read", sorted(self.state), self.read))
        outcome.steps.append(self.step("update", sorted(self.state), self.update))
        wrong = [a["id"] for a in backend.applications.values() if a["dtmf_type"] != "Inband" or a["tags"] != ["soak", "updated"]]
        if wrong:
            outcome.unconverged.append(f"after update: {len(wrong)} applications not as declared")
        outcome.steps.append(self.step("delete", sorted(self.state), self.delete))
        left_over = set(backend.applications) - {resource.app_id for resource in self.state.values()}
        if left_over:
            outcome.unsafe.append(f"after delete: {len(left_over)} applications left over that no state knows about")
        for step in outcome.steps:
            if step.failed_after_rerun:
                outcome.unconverged.append(f"{step.name}: {step.failed_after_rerun} still failing after one re-run")
        return outcome


def measure(label: str, paced: bool, args: argparse.Namespace) -> Pass:
    """One pass against a fresh fake with the storm and the budget."""
    backend = TelnyxBackend(api_key=API_KEY, seed=args.seed)
    backend.set_rate_limit(args.budget, args.window)
    storm(backend, args.storm, args.lost)
    with FakeTelnyxServer(backend) as fake:
        return Soak(fake, args, paced).run(label)


def report(outcome: Pass, applications: int) -> None:
    """Print one pass: per step, failures, requests per operation and what answered them; then its problems."""
    print(f"\n{outcome.label}")
    print(f"  {'step':8}{'failed':>8}{'re-run':>8}{'requests':>10}{'req/op':>8}  {'by method':<42}{'storm 429/503':>14}"
          f"{'budget 429':>11}{'lost':>6}{'wall':>9}")
    for step in outcome.steps:
        statuses = Counter(r.status for r in step.requests)
        methods = Counter(r.method for r in step.requests)
        by_method = " ".join(f"{m} {methods[m] / applications:.2f}" for m in ("GET", "POST", "PATCH", "DELETE") if methods[m])
        storm_answers = statuses[429] - step.rate_limited + statuses[503]
        print(
            f"  {step.name:8}{step.failed_first:>8}{step.failed_after_rerun:>8}{len(step.requests):>10}"
            f"{len(step.requests) / applications:>8.2f}  {by_method:<42}{storm_answers:>14}{step.rate_limited:>11}"
            f"{statuses[0]:>6}{step.seconds:>8.1f}s"
        )
    total = [r for step in outcome.steps for r in step.requests]
    statuses = Counter(r.status for r in total)
    budget = outcome.rate_limited
    storm_share = (statuses[429] - budget + statuses[503]) / max(1, len(total) - budget)
    posts = [r for r in total if r.method == "POST"]
    lost = sum(r.status == 0 for r in posts) / max(1, len(posts))
    rolled_back = sum(r.method == "DELETE" and r.status == 200 for r in outcome.steps[0].requests)
    print(
        f"  {len(total)} requests in {sum(s.seconds for s in outcome.steps):.1f}s: {budget} answered 429 by the rate "
        f"limit; of the rest, {storm_share:.1%} answered 429/503 by the storm; {lost:.1%} of POSTs lost after commit; "
        f"{rolled_back} creates rolled back after their POST"
    )
    for error in [e for step in outcome.steps for e in step.errors][:5]:
        print(f"  failed on a first pass: {error[:300]}")
    for problem in outcome.unsafe:
        print(f"  UNSAFE: {problem}")
    for problem in outcome.unconverged:
        print(f"  NOT CONVERGED after one re-run: {problem}")
    if not outcome.unsafe and not outcome.unconverged:
        print(
            f"  after at most one re-run per step: exactly {applications} applications, 0 duplicates, "
            "0 missing from state, and 0 left over after delete"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the soak paced and unpaced, print both; 1 if either was unsafe or the paced one did not converge."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1000, help="applications created, read, updated, deleted (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="provider calls at once (default 8; the host runs 4)")
    parser.add_argument("--storm", type=float, default=0.30, help="share of requests answered 429 or 503 (default 0.30)")
    parser.add_argument("--lost", type=float, default=0.05, help="share of POSTs whose answer is lost after commit (default 0.05)")
    parser.add_argument("--budget", type=int, default=100, help="requests the fake allows per window (default 100)")
    parser.add_argument("--window", type=float, default=1.0, help="the rate limit's window in seconds (default 1)")
    parser.add_argument("--backoff", type=float, default=0.05, help="TELNYX_RETRY_BACKOFF for the provider (default 0.05)")
    parser.add_argument("--seed", type=int, default=14, help="the fake's random seed for the storm (default 14)")
    parser.add_argument("--unpaced", action=argparse.BooleanOptionalAction, default=True, help="also run without pacing")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each pass shows as it ends, even in a log

    print(
        f"soak: {args.applications} applications, {args.concurrency} provider calls at once; storm {args.storm:.0%} of "
        f"requests 429/503, {args.lost:.0%} of POSTs lost after commit; rate limit {args.budget} requests per "
        f"{args.window:g} s; retry backoff {args.backoff:g} s"
    )
    passes = [measure("paced by x-ratelimit-* (the default)", True, args)]
    report(passes[0], args.applications)
    if args.unpaced:
        passes.append(measure("unpaced (TELNYX_PACE_BY_RATE_LIMIT=0: 429, then Retry-After)", False, args))
        report(passes[1], args.applications)
        paced, unpaced = passes
        print(f"\n429s provoked by the rate limit: {paced.rate_limited} paced, {unpaced.rate_limited} unpaced")
    # Safety must hold in every pass; converging within one re-run is asked of the default, paced client.
    return 1 if any(p.unsafe for p in passes) or passes[0].unconverged else 0


if __name__ == "__main__":
    sys.exit(main())
