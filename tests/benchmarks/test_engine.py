"""`make benchmark-engine` at a tiny size on the real CLI: both stacks through every command, the requests per
application, the requests in flight; and the figures and build timings it prints (figures worth quoting come from the
full run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import engine as benchmark_engine
from benchmarks.engine import DO_NOTHING, OURS, Account, CreatesInFlight, InFlight, InFlightBackend, Measured
from scripts import engine_build
from telnyx_fake import FakeTelnyxServer

from ..engine.harness import CLI, needs_engine

SIZE = 2
IN_FLIGHT_CREATES = 8
IN_FLIGHT_LATENCY = 0.05


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    backend = InFlightBackend(api_key=benchmark_engine.API_KEY)
    with FakeTelnyxServer(backend) as server:
        yield Account(server, backend)


@pytest.fixture(scope="module")
def runs(account: Account) -> list[Measured]:
    assert CLI is not None
    return benchmark_engine.measure(CLI, [SIZE], [0.0], account)


@pytest.fixture(scope="module")
def creates(account: Account) -> CreatesInFlight:
    assert CLI is not None
    return benchmark_engine.measure_creates_in_flight(CLI, IN_FLIGHT_CREATES, IN_FLIGHT_LATENCY, account)


def by_command(runs: list[Measured], program: str) -> dict[str, Measured]:
    return {run.command: run for run in runs if run.program == program}


@needs_engine
def test_both_stacks_go_through_preview_the_creates_and_a_no_op_up(runs: list[Measured]) -> None:
    for program in (OURS, DO_NOTHING):
        assert list(by_command(runs, program)) == list(benchmark_engine.COMMANDS)
        assert all(run.size == SIZE and run.wall > 0 for run in by_command(runs, program).values())


@needs_engine
def test_a_preview_calls_nothing_a_create_looks_its_name_up_and_posts_and_a_no_op_up_only_reads(runs: list[Measured]) -> None:
    ours = by_command(runs, OURS)
    assert (ours["preview"].requests, ours["preview"].mix) == (0, "none")
    assert (ours["up (creates)"].requests, ours["up (creates)"].mix) == (2 * SIZE, f"POST {SIZE}, list {SIZE}")
    no_op = ours["up --refresh (no-op)"]
    assert no_op.requests > 0 and {kind.split()[0] for kind in no_op.mix.split(", ")} <= {"GET", "list"}


@needs_engine
def test_the_do_nothing_stack_makes_no_request(runs: list[Measured]) -> None:
    assert [run.requests for run in by_command(runs, DO_NOTHING).values()] == [0, 0, 0]


@needs_engine
def test_the_dynamic_host_has_at_most_four_calls_in_flight(creates: CreatesInFlight) -> None:
    assert creates.requests == 2 * IN_FLIGHT_CREATES
    assert 2 <= creates.in_flight.most <= benchmark_engine.HOST_WORKERS
    assert 1 <= creates.in_flight.mean_while_calling <= creates.in_flight.most
    assert creates.in_flight.mean_over_command < creates.in_flight.mean_while_calling
    assert sum(creates.in_flight.share_at.values()) == pytest.approx(1.0)


def measured(program: str, command: str, wall: float, requests: int = 0, mix: str = "none", most: int = 0) -> Measured:
    return Measured(program, SIZE, 0.0, command, wall, requests, mix, InFlight(most, 0.0, 0.0), load=1.5)


PRINTED_RUNS = [
    measured(DO_NOTHING, "preview", 0.5),
    measured(DO_NOTHING, "up (creates)", 1.0),
    measured(DO_NOTHING, "up --refresh (no-op)", 2.0),
    measured(OURS, "preview", 1.0),
    measured(OURS, "up (creates)", 2.0, 4, "POST 2, list 2", 2),
    measured(OURS, "up --refresh (no-op)", 3.0, 2, "GET 1, list 1", 1),
]


@pytest.mark.parametrize(("most", "verdict"), [(4, "confirmed: never more than 4 in flight"), (3, "refuted: at most 3 in flight")])
def test_the_command_prints_both_tables_and_the_in_flight_verdict(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], most: int, verdict: str
) -> None:
    in_flight = InFlight(most, 0.7, 3.5, {1: 0.25, most: 0.75})
    monkeypatch.setattr(benchmark_engine, "measure", lambda cli, sizes, latencies, account: PRINTED_RUNS)
    monkeypatch.setattr(
        benchmark_engine, "measure_creates_in_flight", lambda cli, size, latency, account: CreatesInFlight(8, 0.05, 2.0, 16, in_flight)
    )
    assert benchmark_engine.main(["--cli", "/no/pulumi", "--sizes", str(SIZE), "--latencies-ms", "0", "--no-build"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split() for line in printed if line.split()[:3] == [str(SIZE), "0", "ms"]] == [
        ["2", "0", "ms", "preview", "1.00", "s", "0.50", "s", "2.00x", "0", "0.00", "0", "1.5", "none"],
        ["2", "0", "ms", "up", "(creates)", "2.00", "s", "1.00", "s", "2.00x", "4", "2.00", "2", "1.5", "POST", "2,", "list", "2"],
        ["2", "0", "ms", "up", "--refresh", "(no-op)", "3.00", "s", "2.00", "s", "1.50x", "2", "1.00", "1", "1.5", "GET", "1,", "list", "1"],
        ["2", "0", "ms", "6.0", "s", "3.5", "s", "1.71x", "1750", "ms", "1250", "ms"],  # ours adds 2.5 s over 2 applications
    ]
    assert printed[-5:] == [
        "In flight at the fake during `pulumi up --yes` of 8 creates at 50 ms: 16 requests (2.00 per application) in 2.0 s",
        f"  most at once {most}; time-weighted mean 3.50 from the first request's start to the last one's end, "
        "0.70 over the whole command",
        f"  share of the time from the first request to the last with k in flight: 1: 25%, {most}: 75%",
        "  16 requests at 50 ms, 4 at a time, take at least 0.2 s",
        printed[-1],
    ]
    assert printed[-1].startswith(f"  the dynamic host serves 4 calls at a time: {verdict}")
    assert "Engine build" not in "\n".join(printed)


def test_the_in_flight_figures_weigh_each_count_by_its_time() -> None:
    history = [(0.0, 0), (1.0, 1), (2.0, 2), (3.0, 1), (4.0, 0)]  # then nothing in flight until 5.0
    figures = benchmark_engine.in_flight_figures(history, until=5.0)
    assert figures.most == 2
    assert figures.mean_while_calling == pytest.approx(4 / 3)  # 1 s at 1, 1 s at 2, 1 s at 1
    assert figures.mean_over_command == pytest.approx(4 / 5)
    assert figures.share_at == pytest.approx({1: 2 / 3, 2: 1 / 3})


def test_nothing_in_flight_gives_zeros() -> None:
    figures = benchmark_engine.in_flight_figures([(0.0, 0)], until=1.0)
    assert (figures.most, figures.mean_while_calling, figures.mean_over_command, figures.share_at) == (0, 0.0, 0.0, {})


def test_a_cold_build_starts_from_an_empty_build_cache_and_the_existing_module_cache(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    (existing / "mod").mkdir(parents=True)
    (tmp_path / "build").mkdir()
    env, words = benchmark_engine.build_environment(True, {engine_build.CACHE_ENV: str(existing)}, tmp_path / "build")
    go = engine_build.go_environment(env)
    assert Path(go["GOMODCACHE"]).resolve() == (existing / "mod").resolve()
    assert Path(go["GOCACHE"]) == tmp_path / "build" / "go-cache" / "build" and not Path(go["GOCACHE"]).exists()
    assert words.startswith("an empty GOCACHE")


def test_a_warm_build_keeps_the_environment_as_it_is(tmp_path: Path) -> None:
    environ = {engine_build.CACHE_ENV: str(tmp_path / "existing")}
    env, words = benchmark_engine.build_environment(False, environ, tmp_path)
    assert env == environ and words == f"the existing module and build caches in {tmp_path / 'existing'}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("cold", "lines"), [(False, ["  warm: 1.5 s", "  cold: not measured"]), (True, ["  cold: 1.5 s"])])
def test_the_build_timing_says_which_build_was_measured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, cold: bool, lines: list[str]
) -> None:
    built: list[Path] = []
    ticks = iter([10.0, 11.5])
    monkeypatch.setattr(engine_build, "build", lambda version, bin_dir, environ: built.append(bin_dir) or bin_dir / "pulumi")
    monkeypatch.setattr(benchmark_engine.time, "perf_counter", lambda: next(ticks))
    timed = benchmark_engine.time_build(cold, {engine_build.CACHE_ENV: str(tmp_path)})
    assert (timed.kind, timed.seconds, len(built)) == ("cold" if cold else "warm", 1.5, 1)
    benchmark_engine.print_build(timed, cold)
    printed = capsys.readouterr().out.splitlines()
    assert [line[: len(expected)] for line, expected in zip(printed[1:], lines, strict=True)] == lines


def test_a_failed_build_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def fail(version: str, bin_dir: Path, environ: object) -> Path:
        raise engine_build.BuildError("`go` is not on PATH")

    monkeypatch.setattr(engine_build, "build", fail)
    timed = benchmark_engine.time_build(False, {})
    benchmark_engine.print_build(timed, False)
    assert "  warm: not measured: `go` is not on PATH" in capsys.readouterr().out
