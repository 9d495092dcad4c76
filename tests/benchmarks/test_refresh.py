"""`make benchmark-refresh` on a tiny account: the figures it computes and its verdict (docs/performance.md's come from the full run)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import refresh as benchmark_refresh
from benchmarks.refresh import Run
from telnyx_fake import FakeTelnyxServer, TelnyxBackend

LATENCY = 0.02
SIZE = 12


@pytest.fixture
def fake() -> Iterator[FakeTelnyxServer]:
    with FakeTelnyxServer(TelnyxBackend(api_key=benchmark_refresh.API_KEY)) as server:
        yield server


def test_a_small_refresh_is_every_read_a_get_against_one_get_and_one_page(fake: FakeTelnyxServer) -> None:
    runs = benchmark_refresh.measure(fake, SIZE, [0.0, LATENCY], rounds=1)
    measured = {(run.latency, run.mode): run for run in runs}
    assert sorted(measured) == sorted((latency, mode) for latency in (0.0, LATENCY) for mode in benchmark_refresh.MODES)
    assert {key: run.requests for key, run in measured.items()} == {
        (0.0, "as GETs"): SIZE, (LATENCY, "as GETs"): SIZE, (0.0, "by list"): 2, (LATENCY, "by list"): 2,
    }
    # The host serves 4 reads at a time: SIZE GETs at LATENCY take at least SIZE / 4 round trips.
    assert measured[(LATENCY, "as GETs")].wall >= SIZE / 4 * LATENCY
    assert measured[(LATENCY, "by list")].wall >= LATENCY
    assert all(run.wall > 0 for run in runs)


def test_sequential_list_calls_take_a_round_trip_each(fake: FakeTelnyxServer) -> None:
    benchmark_refresh.set_latency(fake.backend, LATENCY)
    assert benchmark_refresh.sequential_list_calls(fake, 3) >= 3 * LATENCY
    assert len(fake.backend.calls()) == 4  # one to open the connection, then the 3 timed


def by_list(requests: int, wall_at_0: float, wall_at_latency: float) -> list[Run]:
    return [Run(SIZE, 0.0, "by list", requests, wall_at_0), Run(SIZE, LATENCY, "by list", requests, wall_at_latency)]


@pytest.fixture
def list_calls_take(monkeypatch: pytest.MonkeyPatch) -> float:
    """The reference fixed at 0.125 s (exact in binary), so the verdict's 3x target is judged on exact figures."""
    monkeypatch.setattr(benchmark_refresh, "sequential_list_calls", lambda fake, pages: 0.125)
    return 0.125


def test_the_verdict_passes_a_latency_share_up_to_three_list_calls_and_fails_beyond(
    fake: FakeTelnyxServer, list_calls_take: float, capsys: pytest.CaptureFixture[str]
) -> None:
    assert benchmark_refresh.verdict(fake, by_list(2, 1.0, 1.0 + 3 * list_calls_take), SIZE, LATENCY)
    assert "x3.00 (target <= 3)" in capsys.readouterr().out
    assert not benchmark_refresh.verdict(fake, by_list(2, 1.0, 1.0 + 3.25 * list_calls_take), SIZE, LATENCY)
    assert capsys.readouterr().out.rstrip().endswith("MISSED")


def test_the_verdict_allows_ten_requests_beyond_one_per_page_and_no_more(
    fake: FakeTelnyxServer, list_calls_take: float, capsys: pytest.CaptureFixture[str]
) -> None:
    assert benchmark_refresh.verdict(fake, by_list(1 + 10, 1.0, 1.0), SIZE, LATENCY)  # ceil(12/250) = 1 page
    assert capsys.readouterr().out.rstrip().endswith("at most 11 requests (target <= 11): OK")
    assert not benchmark_refresh.verdict(fake, by_list(1 + 11, 1.0, 1.0), SIZE, LATENCY)


@pytest.mark.parametrize(("requests_by_list", "status"), [(2, 0), (12, 1)])
def test_the_command_prints_the_table_and_exits_1_when_a_target_is_missed(
    monkeypatch: pytest.MonkeyPatch, list_calls_take: float, capsys: pytest.CaptureFixture[str], requests_by_list: int, status: int
) -> None:
    def measure(fake: FakeTelnyxServer, size: int, latencies: list[float], rounds: int) -> list[Run]:
        assert (size, latencies, rounds) == (SIZE, [0.0, LATENCY], 1)
        return [
            Run(size, latency, mode, SIZE if mode == "as GETs" else requests_by_list, 0.5 + latency * (SIZE if mode == "as GETs" else 1))
            for latency in latencies
            for mode in benchmark_refresh.MODES
        ]

    monkeypatch.setattr(benchmark_refresh, "measure", measure)
    assert benchmark_refresh.main(["--sizes", str(SIZE), "--latency-ms", str(LATENCY * 1000), "--rounds", "1"]) == status
    printed = capsys.readouterr().out.splitlines()
    assert [line.split() for line in printed[1:5]] == [
        [str(SIZE), "0", "ms", "as", "GETs", str(SIZE), "0.50", "s"],
        [str(SIZE), "0", "ms", "by", "list", str(requests_by_list), "0.50", "s"],
        [str(SIZE), "20", "ms", "as", "GETs", str(SIZE), "0.74", "s"],
        [str(SIZE), "20", "ms", "by", "list", str(requests_by_list), "0.52", "s"],
    ]
    assert printed[5] == f"N={SIZE} at 20 ms: {SIZE / requests_by_list:.0f}x fewer requests, 1.4x faster by list"
    assert printed[6].endswith(f"at most {requests_by_list} requests (target <= 11): {'OK' if status == 0 else 'MISSED'}")
