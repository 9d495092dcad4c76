"""`benchmarks/pacing.py` at a tiny size: paced and unpaced runs against a small budget, figures side by side."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import pacing as benchmark_pacing
from benchmarks.pacing import OPERATIONS, Run
from telnyx_fake import RequestRecord

# 4 applications x 5 operations = 20 requests against 10 per second: two windows at least.
TINY = argparse.Namespace(threads=4, applications=4, budget=10, window=1.0)
OPERATION_COUNT = TINY.applications * len(OPERATIONS)


def test_paced_the_budget_answers_no_429_and_every_operation_is_one_request() -> None:
    run = benchmark_pacing.measure("paced", True, TINY)
    assert (run.requests, run.rate_limited, run.failed) == (OPERATION_COUNT, 0, 0)
    assert run.per_operation == {operation: 1.0 for operation in OPERATIONS}
    assert run.seconds >= TINY.window, "20 requests at 10 per window take a second window"


def test_unpaced_the_same_budget_answers_429s_that_are_retried_and_counted() -> None:
    run = benchmark_pacing.measure("unpaced", False, TINY)
    assert run.rate_limited > 0 and run.failed == 0
    assert run.requests == OPERATION_COUNT + run.rate_limited
    assert sum(run.per_operation.values()) * TINY.applications == pytest.approx(run.requests)
    assert all(share >= 1.0 for share in run.per_operation.values())


def test_the_command_passes_its_options_on_and_prints_both_runs_side_by_side(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[bool, argparse.Namespace]] = []

    def measure(label: str, paced: bool, args: argparse.Namespace) -> Run:
        seen.append((paced, args))
        return Run(label, 20 if paced else 23, 0 if paced else 3, {operation: 1.0 for operation in OPERATIONS}, 0, 1.0)

    monkeypatch.setattr(benchmark_pacing, "measure", measure)
    benchmark_pacing.main(["--threads", "4", "--applications", "4", "--budget", "10", "--window", "1"])
    assert seen == [(True, TINY), (False, TINY)]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (
        "rate limit: 4 threads, 20 operations (4 applications x create, retrieve, update, find_by_name, delete), "
        "budget 10 requests per 1 s"
    )
    by_operation = [word for operation in OPERATIONS for word in (operation, "1.00")]
    rows = [(line[2:30].strip(), line[30:].split()) for line in printed[2:]]
    assert rows == [
        ("paced by x-ratelimit-*", ["20", "0", "1.00", *by_operation, "0", "1.0s"]),
        ("unpaced (429, Retry-After)", ["23", "3", "1.15", *by_operation, "0", "1.0s"]),
    ]


def test_each_request_is_put_down_to_the_operation_that_sent_it() -> None:
    def record(method: str, path: str) -> RequestRecord:
        return RequestRecord(method=method, path=path, status=200)

    assert [
        benchmark_pacing.operation_of(record("POST", "/v2/call_control_applications")),
        benchmark_pacing.operation_of(record("GET", "/v2/call_control_applications/123")),
        benchmark_pacing.operation_of(record("PATCH", "/v2/call_control_applications/123")),
        benchmark_pacing.operation_of(record("GET", "/v2/call_control_applications")),
        benchmark_pacing.operation_of(record("DELETE", "/v2/call_control_applications/123")),
    ] == list(OPERATIONS)
