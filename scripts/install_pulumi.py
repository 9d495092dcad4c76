"""`python -m scripts.install_pulumi`: the Pulumi CLI this project needs, installed inside it if missing.

Prints the folder holding `pulumi`; with `--shell`, the `export` lines that put that CLI and the environment the
project runs it with (scripts/pulumi_env.py) into a POSIX shell, for the `pulumi` commands you type:

    eval "$(.venv/bin/python -m scripts.install_pulumi --shell)"

The CLI is found in this order (the first that works wins):
1. `pulumi` on PATH at a usable version: `pulumi version` parses and is at least the pinned one;
2. the project's own, installed earlier in `.pulumi-cli/v<version>/bin/` (git-ignored);
3. the release download: pulumi/pulumi's GitHub release for this OS and architecture, checked against the
   release's published SHA-256 checksums (PULUMI_CLI_DOWNLOAD_URL replaces the release folder's URL);
4. a build of the engine from its Go modules when `go` is on PATH (scripts/engine_build.py; PULUMI_CLI_BUILD=0
   turns it off);
else one line naming each way tried and how to install by hand. The version is the Pulumi SDK's that
requirements.txt pins (the CLI and the SDK share version numbers); pulumi-engine/go.mod requires the same.
Whatever is installed is put together in a temporary folder and only then renamed into place, so a failed or
refused attempt leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import platform
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from scripts import pulumi_env
from scripts.engine_build import BuildError, build

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
INSTALL_ROOT = ROOT / ".pulumi-cli"
DOWNLOAD_URL_ENV = "PULUMI_CLI_DOWNLOAD_URL"
BUILD_ENV = "PULUMI_CLI_BUILD"
RELEASE_URL = "https://github.com/pulumi/pulumi/releases/download/v{version}/"
INSTALL_DOCS = "https://www.pulumi.com/docs/install/"
DOWNLOAD_TIMEOUT_SECS = 60.0
SYSTEMS = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows"}
MACHINES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


class InstallError(Exception):
    """The CLI could not be installed; the message is one line saying what was tried and what to do."""


def main(argv: list[str] | None = None) -> int:
    """Make sure the CLI is available; print the folder that holds it, or the shell's `export` lines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shell", action="store_true", help="print `export` lines for a POSIX shell's eval")
    args = parser.parse_args(argv)
    try:
        cli = find_or_install(os.environ)
    except InstallError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(pulumi_env.shell_exports(cli, os.environ) if args.shell else cli.parent, end="" if args.shell else "\n")
    return 0


def find_or_install(environ: Mapping[str, str], install_root: Path = INSTALL_ROOT) -> Path:
    """The `pulumi` to run, found or installed in the order the module's docstring gives."""
    version = pinned_version()
    tried: list[str] = []
    on_path = shutil.which("pulumi", path=environ.get("PATH"))
    if on_path:
        found = cli_version(Path(on_path))
        if found is not None and version_key(found) >= version_key(version):
            return Path(on_path)
        tried.append(f"`pulumi` on PATH ({on_path}) reports {found or 'no version'}, not v{version} or newer")
    installed = installed_cli(version, install_root)
    if installed is not None:
        return installed
    try:
        return install(version, install_root, environ.get(DOWNLOAD_URL_ENV) or RELEASE_URL.format(version=version))
    except InstallError as error:
        tried.append(str(error))
    if environ.get(BUILD_ENV, "").strip().lower() in ("0", "off", "false", "no"):
        tried.append(f"building the engine from its Go modules is off ({BUILD_ENV}={environ[BUILD_ENV]})")
    else:
        print("The Pulumi CLI is neither on PATH nor downloadable: building it from its Go modules", file=sys.stderr)
        try:
            return build_from_modules(version, install_root, environ)
        except BuildError as error:
            tried.append(f"building the engine from its Go modules failed: {error}")
    raise InstallError(
        f"no Pulumi CLI v{version}: {'; '.join(tried)}; install it by hand "
        f"(`curl -fsSL https://get.pulumi.com | sh -s -- --version {version}`, see {INSTALL_DOCS}) and run this again"
    )


def cli_version(binary: Path) -> str | None:
    """What `pulumi version` prints (`v3.260.0`), or None when it does not run or prints no version."""
    try:
        result = subprocess.run(
            [str(binary), "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **pulumi_env.FIXED},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    printed = result.stdout.strip()
    return printed if result.returncode == 0 and VERSION_PATTERN.fullmatch(printed) else None


VERSION_PATTERN = re.compile(r"v?(\d+)\.(\d+)\.(\d+)([-+.].*)?")


def version_key(version: str) -> tuple[int, int, int]:
    """A version's numbers, for comparing (`v3.260.0` and `3.260.0` are equal)."""
    match = VERSION_PATTERN.fullmatch(version.strip())
    if match is None:
        raise InstallError(f"{version!r} is not a version")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def pinned_version(requirements: Path = REQUIREMENTS) -> str:
    """The Pulumi SDK version requirements.txt pins (`pulumi==X.Y.Z`): the CLI release to use."""
    match = re.search(r"^pulumi==([0-9][0-9A-Za-z.+-]*)\s*$", requirements.read_text(), re.M)
    if match is None:
        raise InstallError(f"{requirements.name} pins no `pulumi==<version>`, so the matching CLI is unknown")
    return match.group(1)


def release_platform(system: str | None = None, machine: str | None = None) -> tuple[str, str]:
    """This machine in the release's words: (`linux`|`darwin`|`windows`, `x64`|`arm64`)."""
    system = system or platform.system()
    machine = machine or platform.machine()
    if system not in SYSTEMS or machine.lower() not in MACHINES:
        raise InstallError(f"there is no Pulumi CLI release for {system}/{machine}; install it by hand ({INSTALL_DOCS})")
    return SYSTEMS[system], MACHINES[machine.lower()]


def archive_name(version: str, os_name: str, arch: str) -> str:
    """The release asset for one platform, as pulumi/pulumi's .goreleaser.yml names it."""
    return f"pulumi-v{version}-{os_name}-{arch}.{'zip' if os_name == 'windows' else 'tar.gz'}"


def checksums_name(version: str) -> str:
    """The release's `sha256sum`-format list of every asset's checksum."""
    return f"pulumi-{version}-checksums.txt"


def cli_path(version: str, install_root: Path = INSTALL_ROOT, os_name: str | None = None) -> Path:
    """Where the project's own `pulumi` lives once installed (`bin/` keeps the release's plugins beside it)."""
    return install_root / f"v{version}" / "bin" / _binary_name(os_name or release_platform()[0])


def _binary_name(os_name: str) -> str:
    return "pulumi.exe" if os_name == "windows" else "pulumi"


def installed_cli(version: str, install_root: Path = INSTALL_ROOT) -> Path | None:
    """The project's own `pulumi` of this version, or None when it is not installed."""
    path = cli_path(version, install_root)
    return path if path.is_file() else None


def install(
    version: str,
    install_root: Path,
    release_url: str,
    system: str | None = None,
    machine: str | None = None,
) -> Path:
    """Download, verify and unpack the release for this platform; return the installed `pulumi`."""
    os_name, arch = release_platform(system, machine)
    archive = archive_name(version, os_name, arch)
    base = release_url if release_url.endswith("/") else release_url + "/"

    def download(staging: Path) -> Path:
        sums = staging / checksums_name(version)
        _download(base + sums.name, sums, archive)
        expected = published_checksum(sums.read_text(), archive)
        print(f"The Pulumi CLI is not on PATH: downloading {base + archive}", file=sys.stderr)
        actual = _download(base + archive, staging / archive, archive)
        if actual != expected:
            raise InstallError(
                f"{base + archive} does not match its published SHA-256 checksum "
                f"(expected {expected}, got {actual}); nothing was installed"
            )
        return _unpack(staging / archive, staging / "unpacked", os_name)

    return _install_into(version, install_root, os_name, download, "Installed the Pulumi CLI")


def build_from_modules(version: str, install_root: Path, environ: Mapping[str, str]) -> Path:
    """Build the engine from its Go modules (scripts/engine_build.py); return the installed `pulumi`."""

    def built(staging: Path) -> Path:
        build(version, staging / "release" / "bin", environ)
        return staging / "release"

    try:
        return _install_into(version, install_root, "linux", built, "Built the Pulumi CLI from its Go modules")
    except InstallError as error:
        raise BuildError(str(error)) from None


def _install_into(
    version: str, install_root: Path, os_name: str, make: Callable[[Path], Path], done: str
) -> Path:
    """Make a release folder (`<folder>/bin/pulumi`) in a temporary folder inside `install_root`; only a complete,
    runnable CLI of the right version is renamed to `v<version>/`, so a failure at any step leaves nothing behind."""
    install_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=install_root))
    try:
        release = make(staging)
        _check_runs(release / "bin" / _binary_name(os_name), version)
        target = install_root / f"v{version}"
        try:
            release.rename(target)
        except OSError as error:
            if not cli_path(version, install_root, os_name).is_file():  # not a concurrent install that won
                raise InstallError(f"could not move the Pulumi CLI into {target}: {error}") from None
        print(f"{done} v{version} in {target}", file=sys.stderr)
        return cli_path(version, install_root, os_name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            install_root.rmdir()  # only when empty: a failed first install leaves no folder behind


def published_checksum(checksums: str, archive: str) -> str:
    """The SHA-256 the checksums file lists for `archive` (`<hex>  <name>` lines, as `sha256sum` writes)."""
    for line in checksums.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == archive and re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
            return parts[0].lower()
    raise InstallError(f"the release's checksums list has no SHA-256 for {archive}; nothing was installed")


def _download(url: str, destination: Path, archive: str) -> str:
    """Stream `url` (the archive or its checksums) into `destination`; return its SHA-256."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECS) as response, destination.open("wb") as file:  # noqa: S310 - https by default; the mirror URL is the user's choice
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                file.write(chunk)
    except urllib.error.HTTPError as error:
        raise InstallError(_cannot_download(url, f"HTTP {error.code} {error.reason}", archive)) from None
    except urllib.error.URLError as error:
        reason = getattr(error.reason, "strerror", None) or str(error.reason)
        raise InstallError(_cannot_download(url, reason, archive)) from None
    except (OSError, TimeoutError) as error:
        raise InstallError(_cannot_download(url, str(error) or type(error).__name__, archive)) from None
    return digest.hexdigest()


def _cannot_download(url: str, reason: str, archive: str) -> str:
    return f"downloading the release's {archive} failed: {url}: {reason}"


def _unpack(archive: Path, destination: Path, os_name: str) -> Path:
    """Unpack the archive's `pulumi/` folder safely; return the folder that has `bin/pulumi` in it."""
    destination.mkdir()
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            _check_member_names(archive.name, bundle.namelist())
            bundle.extractall(destination)  # noqa: S202 - names checked above; zipfile also strips ".." and roots
    else:
        with tarfile.open(archive, "r:gz") as bundle:
            members = bundle.getmembers()
            _check_member_names(archive.name, [m.name for m in members])
            if any(not (m.isfile() or m.isdir()) for m in members):
                raise InstallError(f"{archive.name} holds links or devices, not only files; nothing was installed")
            if hasattr(tarfile, "data_filter"):
                bundle.extractall(destination, filter="data")
            else:  # Python before 3.10.12 has no filters; the members were checked above
                bundle.extractall(destination)  # noqa: S202
    # The release wraps its files in `pulumi/` (`pulumi/bin/` on Windows): make both `<release>/bin/`.
    unpacked = destination / "pulumi"
    if os_name == "windows":
        return unpacked
    release = destination / "release"
    release.mkdir()
    unpacked.rename(release / "bin")
    return release


def _check_member_names(archive: str, names: Iterable[str]) -> None:
    for name in names:
        normalised = posixpath.normpath(name.replace("\\", "/"))
        if normalised.startswith(("/", "..")) or normalised.split("/")[0] != "pulumi" or ":" in normalised:
            raise InstallError(f"{archive} holds {name!r}, outside its `pulumi/` folder; nothing was installed")


def _check_runs(binary: Path, version: str) -> None:
    """Run `pulumi version` before installing, so a wrong or broken binary is never put in place."""
    if not binary.is_file():
        raise InstallError(f"the release archive has no {binary.name} in its pulumi/ folder; nothing was installed")
    try:
        result = subprocess.run(
            [str(binary), "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
            check=False,
        )
    except OSError as error:
        raise InstallError(f"the new {binary.name} does not run here ({error}); nothing was installed") from None
    if result.returncode != 0 or result.stdout.strip().lstrip("v") != version:
        raise InstallError(
            f"the new {binary.name} reports {result.stdout.strip() or result.stderr.strip()!r}, "
            f"not v{version}; nothing was installed"
        )


if __name__ == "__main__":
    sys.exit(main())
