"""Build the Pulumi engine (the `pulumi` CLI) from its published Go modules, for machines that reach the Go
module proxy but not the CLI's release download.

The wrapper module `pulumi-engine/` pins the engine: its go.mod requires `github.com/pulumi/pulumi/pkg/v3` at
the SDK version requirements.txt pins, and go.sum fixes every module's checksum. The build follows the
release's own recipe (pulumi/pulumi `.goreleaser.yml`): CGO off, `-trimpath`, the tags `osusergo,grpcnotrace`,
and `-X …/version.Version=v<version>` (without it `pulumi version` prints nothing and the Automation API
refuses the CLI). Beside the binary go the two plugins a Python program with a dynamic provider and a Python
policy pack need when no language host is present (pulumi-engine/plugins/). The Python language host
(`pulumi-language-python`) is not built: the proxy serves no version of its module. So the project serves its
program to the engine itself (scripts/program_host.py).

The Go caches live at one fixed path outside the work tree that does not depend on HOME
(PULUMI_ENGINE_GO_CACHE, default /var/tmp/telnyx-call-control-go): a rebuild after `make clean`, another clone
and tests with their own HOME reuse them. A cold build takes many minutes; every stage prints its elapsed time.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE_MODULE = ROOT / "pulumi-engine"
PLUGINS = ENGINE_MODULE / "plugins"
ENGINE_PACKAGE = "github.com/pulumi/pulumi/pkg/v3"
SDK_PACKAGE = "github.com/pulumi/pulumi/sdk/v3"
CLI_PACKAGE = f"{ENGINE_PACKAGE}/cmd/pulumi"
VERSION_SYMBOL = f"{SDK_PACKAGE}/go/common/version.Version"
CACHE_ENV = "PULUMI_ENGINE_GO_CACHE"
DEFAULT_CACHE = Path("/var/tmp/telnyx-call-control-go")  # noqa: S108 - shared on purpose: one cache for every clone
# A cold module cache is about 1.6 GB and a cold build cache about 2.5 GB (measured at v3.260.0).
NEEDED_FREE_BYTES = 5 * 1024**3
PROGRESS_EVERY_SECS = 30.0


class BuildError(Exception):
    """The engine could not be built; the message is one line saying why and what to do."""


def cache_root(environ: Mapping[str, str]) -> Path:
    """Where the Go module and build caches live."""
    return Path(environ.get(CACHE_ENV) or DEFAULT_CACHE)


def go_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of every `go` command of the build: local toolchain, read-only go.mod, the proxy and
    the checksum database as configured (by default proxy.golang.org and sum.golang.org), fixed caches."""
    caches = cache_root(environ)
    env = {key: value for key, value in environ.items() if not key.startswith(("GONOSUM", "GOINSECURE", "GOPRIVATE"))}
    env.update(
        GOTOOLCHAIN="local",
        GOFLAGS="-mod=readonly -modcacherw",
        GOMODCACHE=str(caches / "mod"),
        GOCACHE=str(caches / "build"),
        CGO_ENABLED="0",
        GOWORK="off",
    )
    if env.get("GOSUMDB") == "off":
        env.pop("GOSUMDB")  # the checksum database is part of the pin: go.sum is checked against it
    return env


def required_engine_version(go_mod: Path = ENGINE_MODULE / "go.mod") -> str:
    """The engine version the wrapper module requires (`github.com/pulumi/pulumi/pkg/v3 vX.Y.Z`), without `v`."""
    match = re.search(rf"^\s*{re.escape(ENGINE_PACKAGE)}\s+v(\S+)(\s*//.*)?$", go_mod.read_text(), re.M)
    if match is None:
        raise BuildError(f"{go_mod} requires no {ENGINE_PACKAGE}, so there is nothing to build")
    return match.group(1)


def build(version: str, bin_dir: Path, environ: Mapping[str, str]) -> Path:
    """Build `pulumi` v<version> and its plugins into `bin_dir` (which must not exist yet); return the binary."""
    go = shutil.which("go", path=environ.get("PATH"))
    if go is None:
        raise BuildError("`go` is not on PATH")
    required = required_engine_version()
    if required != version:
        raise BuildError(
            f"pulumi-engine/go.mod requires the engine v{required} but requirements.txt pins the SDK at {version}; "
            "make them agree (the CLI and the SDK share version numbers)"
        )
    env = go_environment(environ)
    _check_free_disk(cache_root(environ))
    started = time.monotonic()
    _stage("downloading the engine's modules (checked against go.sum)", started)
    _go(go, ["mod", "download"], env, started)
    sdk_dir = _go(go, ["list", "-m", "-f", "{{.Dir}}", SDK_PACKAGE], env, started).strip()
    _stage("compiling the pulumi CLI (a cold build takes many minutes on 2 cores; a warm one seconds)", started)
    bin_dir.mkdir(parents=True)
    binary = bin_dir / "pulumi"
    _go(
        go,
        [
            "build",
            "-trimpath",
            "-tags",
            "osusergo,grpcnotrace",
            "-ldflags",
            f"-s -w -X {VERSION_SYMBOL}=v{version}",
            "-o",
            str(binary),
            CLI_PACKAGE,
        ],
        env,
        started,
    )
    _stage("adding the Python plugins beside it", started)
    _install_executable(Path(sdk_dir) / "python" / "dist" / "pulumi-resource-pulumi-python", bin_dir)
    for plugin in sorted(PLUGINS.iterdir()):
        _install_executable(plugin, bin_dir)
    _stage(f"built pulumi v{version}", started)
    return binary


def _check_free_disk(caches: Path) -> None:
    probe = caches
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < NEEDED_FREE_BYTES and not (caches / "build").exists():
        raise BuildError(
            f"building the engine needs about {NEEDED_FREE_BYTES // 1024**3} GB free for its Go caches in {caches}, "
            f"and {probe} has {free / 1024**3:.1f} GB; free some room or set {CACHE_ENV} to a roomier folder"
        )


def _stage(text: str, started: float) -> None:
    print(f"[engine build {time.monotonic() - started:6.0f}s] {text}", file=sys.stderr, flush=True)


def _go(go: str, arguments: list[str], env: dict[str, str], started: float) -> str:
    """Run one `go` command in the wrapper module, saying every PROGRESS_EVERY_SECS that it still runs."""
    done = threading.Event()

    def tick() -> None:
        while not done.wait(PROGRESS_EVERY_SECS):
            _stage(f"still running `go {arguments[0]}`", started)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        result = subprocess.run([go, *arguments], cwd=ENGINE_MODULE, env=env, capture_output=True, text=True, check=False)
    finally:
        done.set()
        ticker.join()
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BuildError(f"`go {' '.join(arguments[:1])}` in pulumi-engine/ failed: {lines[-1] if lines else result.returncode}")
    return result.stdout


def _install_executable(source: Path, bin_dir: Path) -> None:
    """Copy a plugin script beside the binary with the owner-exec bit the engine's plugin lookup requires."""
    target = bin_dir / source.name
    shutil.copyfile(source, target)
    target.chmod(target.stat().st_mode | stat.S_IRUSR | stat.S_IWUSR | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

