"""Rerunnable engine benchmark: `make benchmark-engine` (or `python -m benchmarks.engine`).

The real `pulumi` CLI (the one `make up` runs) in temporary copies of the project, against the fake Telnyx on
loopback at each injected latency, one run of each figure:

1. Stacks of N applications (a generated stack file; the program is `__main__.py`): `pulumi preview` of the
   creates, the `pulumi up --yes` that makes them, and a no-op `pulumi up --refresh --yes --expect-no-changes`.
   Wall time and requests at the fake per command, per application.
2. Beside each, the same stack file in a project whose program declares a `DoNothing` per application
   (benchmarks/do_nothing/: a dynamic provider that calls nothing), served and run the same way, each command
   just before ours: ours/do-nothing is what the Telnyx provider adds to the engine's own cost. Each row also
   shows the load average as it started, since other work on the machine skews a wall time.
3. The requests in flight at the fake during the `up` of a stack of creates at one latency: the most at once,
   the time-weighted mean, the share of time at each count. The dynamic host (`python -m pulumi.dynamic`) has
   a gRPC pool of 4 workers, so it should serve 4 calls at a time: the figures confirm it or refute it.
4. The engine build (scripts/engine_build.py) into a temporary folder: warm, with the existing Go caches, by
   default; with --cold-build, cold: a fresh, empty build cache (GOCACHE) and the same module cache (no
   download), which takes many minutes. The output says which was measured. --no-build skips it.

Every command runs with the engine's own defaults (no --parallel). Its program is served as `make up` serves it
(scripts/program_host.py), from a fresh process of its own; the fake is served from this one. Progress goes to
stderr, the tables to stdout.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import yaml

from scripts import engine_build, program_host, pulumi_env
from scripts.install_pulumi import InstallError, cli_version, find_or_install, pinned_version
from telnyx_fake import FakeTelnyxServer, Fault, TelnyxBackend
from telnyx_fake.backend import RequestRecord
from telnyx_fake.rate_limit import Budget

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "benchmark-engine-key"
PASSPHRASE = "benchmark-engine passphrase"  # noqa: S105 - the throwaway state's, guarding nothing
STACK = "bench"
APPLICATIONS_KEY = "telnyx-call-control:applications"
OURS, DO_NOTHING = "ours", "do-nothing"
# What each program's project copy holds beside Pulumi.yaml and requirements.txt: {path in the copy: source}.
PROGRAMS: dict[str, dict[str, Path]] = {
    OURS: {"__main__.py": ROOT / "__main__.py", **{package: ROOT / package for package in program_host.PROGRAM_PACKAGES}},
    DO_NOTHING: {
        "__main__.py": ROOT / "benchmarks" / "do_nothing" / "__main__.py",
        "benchmarks/__init__.py": ROOT / "benchmarks" / "__init__.py",
        "benchmarks/do_nothing/__init__.py": ROOT / "benchmarks" / "do_nothing" / "__init__.py",
    },
}
PREVIEW, CREATE, NO_OP_UP = "preview", "up (creates)", "up --refresh (no-op)"
COMMANDS: dict[str, list[str]] = {
    PREVIEW: ["preview", "--stack", STACK],
    CREATE: ["up", "--yes", "--stack", STACK],
    NO_OP_UP: ["up", "--refresh", "--yes", "--expect-no-changes", "--stack", STACK],
}
HOST_WORKERS = 4  # `python -m pulumi.dynamic` serves on grpc.server(ThreadPoolExecutor(max_workers=4))
COMMAND_TIMEOUT_SECS = 3600.0
STARTED = time.monotonic()


def progress(text: str) -> None:
    """One line of progress on stderr, with the seconds since the benchmark started."""
    print(f"[benchmark-engine {time.monotonic() - STARTED:6.0f}s] {text}", file=sys.stderr, flush=True)


# --- the fake: requests counted, and those in flight timed ---------------------------------------------------


class InFlightBackend(TelnyxBackend):
    """A fake account that also notes when each API request starts and ends, to count those in flight.

    A request starts where the fake spends its rate-limit budget (the first thing it does with one, before any
    injected latency) and ends where it logs it (the last); both happen once for every API request.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self._in_flight_lock = threading.Lock()
        self._in_flight = 0
        self._changes: list[tuple[float, int]] = []  # (monotonic time, requests in flight from then on)

    def spend_budget(self) -> Budget:
        """Note one more request in flight, then spend its budget."""
        self._note(+1)
        return super().spend_budget()

    def record(self, method: str, path: str, status: int, query: str = "", body: Any = None) -> None:
        """Log the request, then note one fewer in flight."""
        super().record(method, path, status, query, body)
        self._note(-1)

    def _note(self, step: int) -> None:
        with self._in_flight_lock:
            self._in_flight += step
            self._changes.append((time.monotonic(), self._in_flight))

    def start_watch(self) -> float:
        """Forget the request log and the in-flight history; return the time the watch starts."""
        self.clear_requests()
        with self._in_flight_lock:
            self._changes = [(time.monotonic(), self._in_flight)]
            return self._changes[0][0]

    def in_flight(self, until: float) -> InFlight:
        """How many requests were in flight from `start_watch` to `until`."""
        with self._in_flight_lock:
            return in_flight_figures(list(self._changes), until)


@dataclass(frozen=True)
class InFlight:
    """Requests in flight at the fake during one command, time-weighted."""

    most: int
    mean_over_command: float  # from the command's start to its end
    mean_while_calling: float  # from the first request's start to the last one's end
    share_at: dict[int, float] = field(default_factory=dict)  # count in flight -> share of that second span


def in_flight_figures(changes: list[tuple[float, int]], until: float) -> InFlight:
    """The figures of a history of (time, count in flight from then on) that starts with the command and ends `until`."""
    spans = list(zip(changes, [*changes[1:], (until, 0)], strict=True))  # ((start, count), (end, _)) each
    calling = [index for index, ((_, count), _) in enumerate(spans) if count > 0]
    command = _seconds_at(spans)
    while_calling = _seconds_at(spans[calling[0]:calling[-1] + 1]) if calling else {}
    calling_seconds = sum(while_calling.values())
    return InFlight(
        most=max((count for _, count in changes), default=0),
        mean_over_command=_mean(command),
        mean_while_calling=_mean(while_calling),
        share_at={count: seconds / calling_seconds for count, seconds in sorted(while_calling.items()) if calling_seconds},
    )


def _seconds_at(spans: list[tuple[tuple[float, int], tuple[float, int]]]) -> dict[int, float]:
    seconds_at: dict[int, float] = {}
    for (start, count), (end, _) in spans:
        seconds_at[count] = seconds_at.get(count, 0.0) + max(end - start, 0.0)
    return seconds_at


def _mean(seconds_at: dict[int, float]) -> float:
    total = sum(seconds_at.values())
    return sum(count * seconds for count, seconds in seconds_at.items()) / total if total else 0.0


def request_mix(calls: Iterable[RequestRecord]) -> str:
    """The requests by kind, such as `list 2, POST 2`: `list` a GET of the collection, `GET` one of an application."""
    kinds = Counter(
        "list" if call.method == "GET" and call.path.rstrip("/").endswith("/call_control_applications") else call.method
        for call in calls
    )
    return ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())) or "none"


@dataclass(frozen=True)
class Account:
    """The fake Telnyx account every stack is deployed to: the loopback server and its watched backend."""

    server: FakeTelnyxServer
    backend: InFlightBackend

    def empty(self, latency: float) -> None:
        """Forget every application, request and fault; from now on every API request takes `latency` s more."""
        self.backend.reset()
        if latency:
            self.backend.inject(Fault(latency=latency))


# --- the projects the CLI runs in --------------------------------------------------------------------------


def stack_document(size: int) -> dict[str, Any]:
    """A stack file declaring `size` applications, each with its own webhook URL (and so its own name)."""
    applications = {
        f"app-{number:05d}": {"webhook_event_url": f"https://hooks.example.com/telnyx/{number}"} for number in range(size)
    }
    return {"config": {APPLICATIONS_KEY: applications}}


def copy_project(program: str, size: int, destination: Path) -> Path:
    """A project folder running `program` (OURS or DO_NOTHING) over a generated stack of `size` applications."""
    destination.mkdir(parents=True)
    for name in ("Pulumi.yaml", "requirements.txt"):
        shutil.copy(ROOT / name, destination / name)
    for name, source in PROGRAMS[program].items():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    (destination / "stacks").mkdir()
    (destination / "stacks" / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(stack_document(size), sort_keys=False))
    (destination / ".venv").symlink_to(ROOT / ".venv")  # Pulumi.yaml names it as the program's virtualenv
    return destination


def _serve_program(program: str, addresses: Any, stop: Event) -> None:
    with program_host.serving(Path(program)) as address:
        addresses.put(address)
        stop.wait()


@contextmanager
def serving_apart(program: Path) -> Iterator[str]:
    """`program_host.serving(program)` in a fresh process of its own, as each `make up` serves its program once.

    Not in this process: the program would share its GIL with the fake.
    """
    context = multiprocessing.get_context("spawn")  # no fork: this process runs the fake's threads
    addresses = context.Queue()
    stop = context.Event()
    server = context.Process(target=_serve_program, args=(str(program), addresses, stop), daemon=True)
    server.start()
    try:
        yield str(addresses.get(timeout=120))
    finally:
        stop.set()
        server.join(timeout=30)
        if server.is_alive():
            server.terminate()
            server.join()


class Project:
    """One project copy with its own state and Pulumi home, run with the real CLI against one fake account."""

    def __init__(self, cli: Path, program: str, size: int, folder: Path, account: Account) -> None:
        self.cli, self.program = cli, program
        self.path = copy_project(program, size, folder / "project")
        (folder / "state").mkdir(parents=True)
        base = {key: value for key, value in os.environ.items() if not key.startswith(("TELNYX_", "PULUMI_"))}
        base.update(
            PULUMI_BACKEND_URL=(folder / "state").as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            PULUMI_HOME=str(folder / "pulumi-home"),
            TELNYX_API_KEY=API_KEY,
            TELNYX_BASE_URL=account.server.base_url,
        )
        self.env = pulumi_env.engine_environment(cli, base, Path(sys.executable))
        self.run(["stack", "select", "--create", STACK])

    def run(self, arguments: list[str]) -> float:
        """`pulumi <arguments>`, the program served when it runs it; the wall seconds of `pulumi` alone."""
        with serving_apart(self.path / "__main__.py") if program_host.runs_program(arguments) else nullcontext("") as address:
            command = [str(self.cli), *program_host.with_client(arguments, address)]
            started = time.perf_counter()
            result = subprocess.run(
                command,
                cwd=self.path,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_SECS,
                check=False,
            )
            wall = time.perf_counter() - started
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
            raise SystemExit(f"`pulumi {' '.join(arguments)}` ({self.program}) exited {result.returncode}:\n{tail}")
        return wall


# --- the measurements --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One `pulumi` command on one stack: its wall time and what the fake saw meanwhile."""

    program: str
    size: int
    latency: float
    command: str
    wall: float
    requests: int
    mix: str
    in_flight: InFlight
    load: float = 0.0  # the 1-minute load average when it started: other work on the machine skews the figure


def run_side_by_side(cli: Path, size: int, latency: float, account: Account) -> list[Measured]:
    """COMMANDS in order on fresh stacks of `size` of both programs in an empty account at `latency`, each command
    run on the do-nothing stack and then at once on ours, so that both meet the machine in the same state."""
    account.empty(latency)
    with tempfile.TemporaryDirectory(prefix="benchmark-engine-") as folder:
        projects = [Project(cli, program, size, Path(folder) / program, account) for program in (DO_NOTHING, OURS)]
        measured = []
        for name, arguments in COMMANDS.items():
            for project in projects:
                progress(f"N={size}, {latency * 1000:.0f} ms: {project.program} `pulumi {' '.join(arguments)}`")
                measured.append(run_one(project, name, arguments, size, latency, account.backend))
        held = len(account.backend.applications)
        if held != size:
            raise SystemExit(f"the account holds {held} applications, not {size}: the figures would mean nothing")
        return measured


def run_one(project: Project, name: str, arguments: list[str], size: int, latency: float, backend: InFlightBackend) -> Measured:
    """One command on one project, watched from the fake."""
    load = os.getloadavg()[0]
    backend.start_watch()
    wall = project.run(arguments)
    figures = backend.in_flight(time.monotonic())
    calls = backend.calls()
    return Measured(project.program, size, latency, name, wall, len(calls), request_mix(calls), figures, load)


def measure(cli: Path, sizes: list[int], latencies: list[float], account: Account) -> list[Measured]:
    """Both programs at every size and latency."""
    return [run for size in sizes for latency in latencies for run in run_side_by_side(cli, size, latency, account)]


@dataclass(frozen=True)
class CreatesInFlight:
    """The `up` of a stack of creates at one latency, seen from the fake."""

    size: int
    latency: float
    wall: float
    requests: int
    in_flight: InFlight


def measure_creates_in_flight(cli: Path, size: int, latency: float, account: Account) -> CreatesInFlight:
    """`pulumi up --yes` of `size` creates at `latency`: the requests in flight over the whole command."""
    account.empty(latency)
    with tempfile.TemporaryDirectory(prefix="benchmark-engine-in-flight-") as folder:
        project = Project(cli, OURS, size, Path(folder), account)
        progress(f"in flight: `pulumi up --yes` of {size} creates at {latency * 1000:.0f} ms")
        account.backend.start_watch()
        wall = project.run(COMMANDS[CREATE])
        figures = account.backend.in_flight(time.monotonic())
        return CreatesInFlight(size, latency, wall, len(account.backend.calls()), figures)


@dataclass(frozen=True)
class BuildTime:
    """One engine build's wall time, or why there is none."""

    kind: str  # "warm" or "cold"
    caches: str  # what the build started from
    seconds: float | None
    failure: str | None = None


def build_environment(cold: bool, environ: Mapping[str, str], folder: Path) -> tuple[dict[str, str], str]:
    """The environment of a build in `folder`, and its caches in words.

    Warm: `environ` as it is (the existing caches). Cold: the cache root moved to `folder`, its module cache
    a link to the existing one (so nothing is downloaded) and its build cache (GOCACHE) empty.
    """
    existing = engine_build.cache_root(environ)
    if not cold:
        return dict(environ), f"the existing module and build caches in {existing}"
    caches = folder / "go-cache"
    caches.mkdir()
    (caches / "mod").symlink_to(existing / "mod", target_is_directory=True)
    words = f"an empty GOCACHE ({caches / 'build'}) and the module cache in {existing / 'mod'}"
    return {**environ, engine_build.CACHE_ENV: str(caches)}, words


def time_build(cold: bool, environ: Mapping[str, str]) -> BuildTime:
    """Build the pinned engine into a temporary folder (scripts.engine_build.build) and time it."""
    kind = "cold" if cold else "warm"
    with tempfile.TemporaryDirectory(prefix="benchmark-engine-build-") as folder:
        env, caches = build_environment(cold, environ, Path(folder))
        progress(f"{kind} engine build from {caches}")
        started = time.perf_counter()
        try:
            engine_build.build(pinned_version(), Path(folder) / "bin", env)
        except engine_build.BuildError as error:
            return BuildTime(kind, caches, None, str(error))
        return BuildTime(kind, caches, time.perf_counter() - started)


# --- the report ----------------------------------------------------------------------------------------------


def print_commands(runs: list[Measured]) -> None:
    """Every command of ours beside the same command of do-nothing: wall times, their ratio, the requests."""
    baseline = {(run.size, run.latency, run.command): run for run in runs if run.program == DO_NOTHING}
    print(
        f"{'N':>5}  {'latency':>7}  {'command':<20}  {'ours':>8}  {'do-nothing':>10}  {'ours/do-nothing':>15}  "
        f"{'requests':>8}  {'per app':>7}  {'most in flight':>14}  {'load':>4}  requests by kind"
    )
    for run in (run for run in runs if run.program == OURS):
        engine = baseline[(run.size, run.latency, run.command)]
        print(
            f"{run.size:>5}  {run.latency * 1000:>4.0f} ms  {run.command:<20}  {run.wall:>6.2f} s  {engine.wall:>8.2f} s  "
            f"{run.wall / engine.wall:>14.2f}x  {run.requests:>8}  {run.requests / run.size:>7.2f}  "
            f"{run.in_flight.most:>14}  {run.load:>4.1f}  {run.mix}"
        )
    stray = sum(run.requests for run in baseline.values())
    print(
        f"(do-nothing ran just before ours, command by command, and made {stray} requests in all; load: the "
        f"1-minute load average on {os.cpu_count()} CPUs as ours started)"
    )


def print_totals(runs: list[Measured]) -> None:
    """Per size and latency, the three commands together: what the provider adds per application."""
    baseline = {(run.size, run.latency, run.command): run.wall for run in runs if run.program == DO_NOTHING}
    print(
        f"{'N':>5}  {'latency':>7}  {'ours, 3 commands':>16}  {'do-nothing':>10}  {'ours/do-nothing':>15}  "
        f"{'do-nothing per app':>18}  {'ours adds per app':>17}"
    )
    stacks = sorted({(run.size, run.latency) for run in runs if run.program == OURS})
    for size, latency in stacks:
        ours = [run for run in runs if run.program == OURS and (run.size, run.latency) == (size, latency)]
        ours_wall = sum(run.wall for run in ours)
        engine_wall = sum(baseline[(size, latency, run.command)] for run in ours)
        print(
            f"{size:>5}  {latency * 1000:>4.0f} ms  {ours_wall:>14.1f} s  {engine_wall:>8.1f} s  {ours_wall / engine_wall:>14.2f}x  "
            f"{engine_wall / size * 1000:>15.0f} ms  {(ours_wall - engine_wall) / size * 1000:>14.0f} ms"
        )


def print_in_flight(creates: CreatesInFlight) -> None:
    """The in-flight figures of the creates, and whether the host served HOST_WORKERS calls at a time."""
    figures = creates.in_flight
    latency_ms = creates.latency * 1000
    print(
        f"In flight at the fake during `pulumi up --yes` of {creates.size} creates at {latency_ms:.0f} ms: "
        f"{creates.requests} requests ({creates.requests / creates.size:.2f} per application) in {creates.wall:.1f} s"
    )
    print(
        f"  most at once {figures.most}; time-weighted mean {figures.mean_while_calling:.2f} from the first request's start "
        f"to the last one's end, {figures.mean_over_command:.2f} over the whole command"
    )
    shares = ", ".join(f"{count}: {share:.0%}" for count, share in figures.share_at.items())
    print(f"  share of the time from the first request to the last with k in flight: {shares}")
    floor = creates.requests * creates.latency / HOST_WORKERS
    print(f"  {creates.requests} requests at {latency_ms:.0f} ms, {HOST_WORKERS} at a time, take at least {floor:.1f} s")
    if figures.most == HOST_WORKERS:
        verdict = f"confirmed: never more than {HOST_WORKERS} in flight, and {HOST_WORKERS} at the peak"
    else:
        verdict = f"refuted: at most {figures.most} in flight, not {HOST_WORKERS}"
    print(f"  the dynamic host serves {HOST_WORKERS} calls at a time: {verdict}")


def print_build(built: BuildTime, cold_requested: bool) -> None:
    """The engine build's time, saying which build it was and that the other was not measured."""
    print(f"Engine build (scripts.engine_build.build of v{pinned_version()} into a temporary folder), from {built.caches}:")
    if built.seconds is None:
        print(f"  {built.kind}: not measured: {built.failure}")
    else:
        print(f"  {built.kind}: {built.seconds:.1f} s")
    if not cold_requested:
        print("  cold: not measured (--cold-build measures it: an empty GOCACHE, the same module cache; many minutes)")


def main(argv: list[str] | None = None) -> int:
    """Measure, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500], help="applications per stack (default 10 100 500)")
    parser.add_argument("--latencies-ms", type=float, nargs="+", default=[0.0, 80.0], help="the fake's added latencies (default 0 80)")
    parser.add_argument("--in-flight-creates", type=int, default=200, help="the creates whose requests in flight are counted (default 200)")
    parser.add_argument("--in-flight-latency-ms", type=float, default=80.0, help="the latency of those creates (default 80)")
    builds = parser.add_mutually_exclusive_group()
    builds.add_argument("--cold-build", action="store_true", help="time a cold engine build (many minutes), not a warm one")
    builds.add_argument("--no-build", action="store_true", help="time no engine build")
    parser.add_argument("--cli", type=Path, help="the `pulumi` to run (default: the one `make up` runs, installed if need be)")
    args = parser.parse_args(argv)
    latencies = [latency / 1000 for latency in args.latencies_ms]

    try:
        cli = args.cli or find_or_install(os.environ)
    except InstallError as error:
        print(f"error: {error}", file=sys.stderr)
        return 127
    backend = InFlightBackend(api_key=API_KEY)
    with FakeTelnyxServer(backend) as server:
        account = Account(server, backend)
        runs = measure(cli, args.sizes, latencies, account)
        creates = measure_creates_in_flight(cli, args.in_flight_creates, args.in_flight_latency_ms / 1000, account)
    built = None if args.no_build else time_build(args.cold_build, os.environ)

    print(f"pulumi {cli_version(cli) or '(no version)'} at {cli}, against the fake Telnyx on loopback; one run of each figure")
    print_commands(runs)
    print()
    print_totals(runs)
    print()
    print_in_flight(creates)
    if built is not None:
        print()
        print_build(built, args.cold_build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
