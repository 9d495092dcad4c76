"""`python -m scripts.install_pulumi`: the Pulumi CLI this project needs, installed inside it if missing.

Prints the folder holding `pulumi` (to put on PATH), installing it first when `pulumi` is not on PATH; when that
fails it prints nothing on stdout, hence the `&&` (an empty PATH entry would mean the current directory):

    cli=$(.venv/bin/python -m scripts.install_pulumi) && export PATH="$cli:$PATH"

The release matches the Pulumi SDK pinned in requirements.txt (the CLI and the SDK share version
numbers). It is downloaded for this OS and architecture from pulumi/pulumi's GitHub release, checked
against the release's published SHA-256 checksums, unpacked into a temporary folder and only then
renamed into place, `.pulumi-cli/v<version>/bin/` (git-ignored), so a failed or refused download
leaves nothing behind. `make up` does the same by itself. PULUMI_CLI_DOWNLOAD_URL replaces the release
folder's URL (a mirror holding the same files).
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
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
INSTALL_ROOT = ROOT / ".pulumi-cli"
DOWNLOAD_URL_ENV = "PULUMI_CLI_DOWNLOAD_URL"
RELEASE_URL = "https://github.com/pulumi/pulumi/releases/download/v{version}/"
INSTALL_DOCS = "https://www.pulumi.com/docs/install/"
DOWNLOAD_TIMEOUT_SECS = 60.0
SYSTEMS = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows"}
MACHINES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


class InstallError(Exception):
    """The CLI could not be installed; the message is one line saying what was tried and what to do."""


def main(argv: list[str] | None = None) -> int:
    """Make sure the CLI is available and print the folder that holds it."""
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    try:
        cli = find_or_install(os.environ)
    except InstallError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(cli.parent)
    return 0


def find_or_install(environ: Mapping[str, str], install_root: Path = INSTALL_ROOT) -> Path:
    """The `pulumi` to run: the one on PATH, else the project's own, downloaded first if needed."""
    on_path = shutil.which("pulumi", path=environ.get("PATH"))
    if on_path:
        return Path(on_path)
    version = pinned_version()
    installed = installed_cli(version, install_root)
    if installed is not None:
        return installed
    return install(version, install_root, environ.get(DOWNLOAD_URL_ENV) or RELEASE_URL.format(version=version))


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
    """Download, verify and unpack the release for this platform; return the installed `pulumi`.

    Everything happens in a temporary folder inside `install_root`; only a complete, verified,
    runnable CLI is renamed to `v<version>/`, so a failure at any step leaves nothing behind.
    """
    os_name, arch = release_platform(system, machine)
    archive = archive_name(version, os_name, arch)
    base = release_url if release_url.endswith("/") else release_url + "/"
    install_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=install_root))
    try:
        sums = staging / checksums_name(version)
        _download(base + sums.name, sums, archive, version)
        expected = published_checksum(sums.read_text(), archive)
        print(f"The Pulumi CLI is not on PATH: downloading {base + archive}", file=sys.stderr)
        actual = _download(base + archive, staging / archive, archive, version)
        if actual != expected:
            raise InstallError(
                f"{base + archive} does not match its published SHA-256 checksum "
                f"(expected {expected}, got {actual}); nothing was installed"
            )
        release = _unpack(staging / archive, staging / "unpacked", os_name)
        _check_runs(release / "bin" / _binary_name(os_name), version)
        target = install_root / f"v{version}"
        try:
            release.rename(target)
        except OSError as error:
            if not cli_path(version, install_root, os_name).is_file():  # not a concurrent install that won
                raise InstallError(f"could not move the Pulumi CLI into {target}: {error}") from None
        print(f"Installed the Pulumi CLI v{version} in {target}", file=sys.stderr)
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


def _download(url: str, destination: Path, archive: str, version: str) -> str:
    """Stream `url` (the archive or its checksums) into `destination`; return its SHA-256."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECS) as response, destination.open("wb") as file:  # noqa: S310 - https by default; the mirror URL is the user's choice
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                file.write(chunk)
    except urllib.error.HTTPError as error:
        raise InstallError(_cannot_download(url, f"HTTP {error.code} {error.reason}", archive, version)) from None
    except urllib.error.URLError as error:
        reason = getattr(error.reason, "strerror", None) or str(error.reason)
        raise InstallError(_cannot_download(url, reason, archive, version)) from None
    except (OSError, TimeoutError) as error:
        raise InstallError(_cannot_download(url, str(error) or type(error).__name__, archive, version)) from None
    return digest.hexdigest()


def _cannot_download(url: str, reason: str, archive: str, version: str) -> str:
    return (
        f"the Pulumi CLI is not on PATH and downloading {archive} failed: {url}: {reason}; "
        f"install it by hand (`curl -fsSL https://get.pulumi.com | sh -s -- --version {version}`, "
        f"see {INSTALL_DOCS}) and run this again"
    )


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
        raise InstallError(f"the downloaded {binary.name} does not run here ({error}); nothing was installed") from None
    if result.returncode != 0 or result.stdout.strip().lstrip("v") != version:
        raise InstallError(
            f"the downloaded {binary.name} reports {result.stdout.strip() or result.stderr.strip()!r}, "
            f"not v{version}; nothing was installed"
        )


if __name__ == "__main__":
    sys.exit(main())
