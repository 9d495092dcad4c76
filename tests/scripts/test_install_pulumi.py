"""The CLI installer (`python -m scripts.install_pulumi`, and `make up` when `pulumi` is missing).

A loopback server stands in for the release site: a small archive shaped like pulumi/pulumi's
(`pulumi/` holding `pulumi` and a language plugin) and the release's checksums file.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from scripts.install_pulumi import (
    InstallError,
    archive_name,
    checksums_name,
    cli_path,
    find_or_install,
    install,
    pinned_version,
    published_checksum,
    release_platform,
)

from ..support.release_server import VERSION, closed_url, serve, version_script, write_release
from ..support.stack_files import ROOT

PLUGIN = "#!/bin/sh\necho python language host\n"
GOOD = {"pulumi/pulumi": version_script(), "pulumi/pulumi-language-python": PLUGIN}


def leftovers(install_root: Path) -> list[str] | None:
    """What the install folder holds; None when there is no such folder."""
    return sorted(p.name for p in install_root.iterdir()) if install_root.exists() else None


def install_from(release: Path, install_root: Path) -> Path:
    with serve(release) as url:
        return install(VERSION, install_root, url, system="Linux", machine="x86_64")


def test_the_cli_version_is_the_sdk_version_requirements_pins() -> None:
    assert pinned_version() == importlib.metadata.version("pulumi")


def test_a_requirements_file_without_a_pulumi_pin_is_a_clear_error(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("requests==2.34.2\npulumi-policy==1.0\n")
    with pytest.raises(InstallError, match="pins no `pulumi=="):
        pinned_version(requirements)


def test_release_file_names_follow_the_release() -> None:
    assert archive_name("3.272.0", "linux", "x64") == "pulumi-v3.272.0-linux-x64.tar.gz"
    assert archive_name("3.272.0", "darwin", "arm64") == "pulumi-v3.272.0-darwin-arm64.tar.gz"
    assert archive_name("3.272.0", "windows", "x64") == "pulumi-v3.272.0-windows-x64.zip"
    assert checksums_name("3.272.0") == "pulumi-3.272.0-checksums.txt"


def test_machine_names_map_to_the_release_platforms() -> None:
    assert release_platform("Linux", "x86_64") == ("linux", "x64")
    assert release_platform("Linux", "aarch64") == ("linux", "arm64")
    assert release_platform("Darwin", "arm64") == ("darwin", "arm64")
    assert release_platform("Windows", "AMD64") == ("windows", "x64")
    with pytest.raises(InstallError, match="no Pulumi CLI release for FreeBSD/riscv64"):
        release_platform("FreeBSD", "riscv64")


def test_the_checksum_is_read_for_the_archive_named() -> None:
    listing = f"{'a' * 64}  pulumi-v1-linux-arm64.tar.gz\n{'B' * 64} *pulumi-v1-linux-x64.tar.gz\n"
    assert published_checksum(listing, "pulumi-v1-linux-x64.tar.gz") == "b" * 64
    with pytest.raises(InstallError, match=re.escape("no SHA-256 for pulumi-v1-darwin-x64.tar.gz")):
        published_checksum(listing, "pulumi-v1-darwin-x64.tar.gz")


def test_a_verified_archive_installs_with_its_plugins_and_runs(tmp_path: Path) -> None:
    write_release(tmp_path / "release", GOOD)
    root = tmp_path / ".pulumi-cli"
    cli = install_from(tmp_path / "release", root)
    assert cli == root / f"v{VERSION}" / "bin" / "pulumi" == cli_path(VERSION, root)
    assert subprocess.run([cli, "version"], capture_output=True, text=True, check=True).stdout == f"v{VERSION}\n"
    assert (cli.parent / "pulumi-language-python").read_text() == PLUGIN
    assert leftovers(root) == [f"v{VERSION}"]  # no download or unpacked folder left behind


def test_a_wrong_checksum_is_refused_and_nothing_is_installed(tmp_path: Path) -> None:
    write_release(tmp_path / "release", GOOD, listed_checksum="0" * 64)
    root = tmp_path / ".pulumi-cli"
    with pytest.raises(InstallError, match="does not match its published SHA-256 checksum") as refused:
        install_from(tmp_path / "release", root)
    assert f"expected {'0' * 64}" in str(refused.value)
    assert leftovers(root) is None


def test_an_archive_the_checksums_do_not_list_is_refused(tmp_path: Path) -> None:
    write_release(tmp_path / "release", GOOD)
    (tmp_path / "release" / checksums_name(VERSION)).write_text(f"{'a' * 64}  pulumi-v{VERSION}-darwin-x64.tar.gz\n")
    root = tmp_path / ".pulumi-cli"
    with pytest.raises(InstallError, match=re.escape(f"no SHA-256 for pulumi-v{VERSION}-linux-x64.tar.gz")):
        install_from(tmp_path / "release", root)
    assert leftovers(root) is None


@pytest.mark.parametrize("name", ["pulumi/../../escaped", "/tmp/absolute-escape", "elsewhere/pulumi"])
def test_an_archive_reaching_outside_its_pulumi_folder_is_refused(tmp_path: Path, name: str) -> None:
    write_release(tmp_path / "release", {**GOOD, name: "#!/bin/sh\n"})
    root = tmp_path / "project" / ".pulumi-cli"
    with pytest.raises(InstallError, match="outside its `pulumi/` folder"):
        install_from(tmp_path / "release", root)
    assert leftovers(root) is None
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/absolute-escape").exists()


def test_an_archive_with_a_link_is_refused(tmp_path: Path) -> None:
    link = tarfile.TarInfo("pulumi/pulumi-language-python")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    write_release(tmp_path / "release", {"pulumi/pulumi": version_script(), "pulumi/pulumi-language-python": link})
    root = tmp_path / ".pulumi-cli"
    with pytest.raises(InstallError, match="links or devices"):
        install_from(tmp_path / "release", root)
    assert leftovers(root) is None


def test_a_binary_that_is_not_the_pinned_version_is_not_installed(tmp_path: Path) -> None:
    write_release(tmp_path / "release", {"pulumi/pulumi": version_script("3.1.0")})
    root = tmp_path / ".pulumi-cli"
    with pytest.raises(InstallError, match=re.escape(f"reports 'v3.1.0', not v{VERSION}")):
        install_from(tmp_path / "release", root)
    assert leftovers(root) is None


def test_without_network_the_download_failure_names_the_url(tmp_path: Path) -> None:
    url = closed_url()
    with pytest.raises(InstallError) as failed:
        install(VERSION, tmp_path / ".pulumi-cli", url, system="Linux", machine="x86_64")
    message = str(failed.value)
    assert "\n" not in message
    assert f"{url}{checksums_name(VERSION)}: Connection refused" in message
    assert leftovers(tmp_path / ".pulumi-cli") is None


def test_a_release_file_missing_on_the_server_is_named_with_its_status(tmp_path: Path) -> None:
    write_release(tmp_path / "release", GOOD)
    (tmp_path / "release" / archive_name(VERSION, "linux", "x64")).unlink()
    with pytest.raises(InstallError, match=re.escape(f"pulumi-v{VERSION}-linux-x64.tar.gz: HTTP 404")):
        install_from(tmp_path / "release", tmp_path / ".pulumi-cli")


def test_an_installed_cli_is_used_without_downloading_again(tmp_path: Path) -> None:
    write_release(tmp_path / "release", GOOD)
    root = tmp_path / ".pulumi-cli"
    cli = install_from(tmp_path / "release", root)
    environ = {"PATH": str(tmp_path / "empty"), "PULUMI_CLI_DOWNLOAD_URL": closed_url()}
    assert find_or_install(environ, root) == cli


def test_a_pulumi_on_path_wins_over_the_projects_own(tmp_path: Path) -> None:
    on_path = tmp_path / "bin" / "pulumi"
    on_path.parent.mkdir()
    on_path.write_text(version_script("3.300.0"))
    on_path.chmod(0o755)
    assert find_or_install({"PATH": str(on_path.parent)}, tmp_path / ".pulumi-cli") == on_path
    assert leftovers(tmp_path / ".pulumi-cli") is None


def test_the_command_prints_the_folder_to_put_on_path(tmp_path: Path) -> None:
    on_path = tmp_path / "bin" / "pulumi"
    on_path.parent.mkdir()
    on_path.write_text(version_script())
    on_path.chmod(0o755)
    found = subprocess.run(
        [sys.executable, "-m", "scripts.install_pulumi"], cwd=ROOT, env={"PATH": str(on_path.parent)}, capture_output=True, text=True
    )
    assert found.returncode == 0 and found.stdout == f"{on_path.parent}\n"
