"""Building the engine from its Go modules (scripts/engine_build.py) and the installer's order of ways.

A fake `go` on PATH stands in for the toolchain, so these tests check the build's steps, flags and atomic
install in seconds; tests/engine/test_engine_install.py checks the real build's result.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import engine_build, pulumi_env
from scripts.engine_build import BuildError, go_environment, required_engine_version
from scripts.install_pulumi import InstallError, cli_path, find_or_install, pinned_version, version_key

from ..support.release_server import VERSION, closed_url, version_script

# `go mod download` and `go list` answer; `go build … -ldflags "… -X <symbol>=<v>" -o <out> <pkg>` writes a
# `pulumi` that prints what -X set (an empty line when the symbol is wrong, as the real build does).
FAKE_GO = r"""#!/bin/sh
echo "go $*" >> "$FAKE_GO_LOG"
case "$1" in
  mod) exit 0 ;;
  list) echo "$FAKE_SDK_DIR" ;;
  build)
    [ -n "$FAKE_GO_FAIL" ] && { echo "compile: something broke" >&2; echo "$FAKE_GO_FAIL" >&2; exit 1; }
    out=""; version=""
    while [ $# -gt 0 ]; do
      case "$1" in
        -o) out=$2; shift ;;
        -ldflags) version=$(echo "$2" | sed -n "s|.*-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=\([^ ]*\).*|\1|p") ;;
      esac
      shift
    done
    printf '#!/bin/sh\necho %s\n' "$version" > "$out"; chmod +x "$out" ;;
esac
"""


@pytest.fixture
def fake_go(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has a fake `go` (and a shell), an empty download URL and fixed caches."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "go").write_text(FAKE_GO)
    (tools / "go").chmod(0o755)
    sdk = tmp_path / "sdk" / "python" / "dist"
    sdk.mkdir(parents=True)
    (sdk / "pulumi-resource-pulumi-python").write_text("#!/bin/sh\nexec python3 -m pulumi.dynamic\n")
    (sdk / "pulumi-resource-pulumi-python").chmod(0o444)  # read-only, no exec bit: as the module publishes it
    return {
        "PATH": f"{tools}:/usr/bin:/bin",
        "FAKE_GO_LOG": str(tmp_path / "go.log"),
        "FAKE_SDK_DIR": str(tmp_path / "sdk"),
        "PULUMI_CLI_DOWNLOAD_URL": closed_url(),
        "PULUMI_ENGINE_GO_CACHE": str(tmp_path / "go-cache"),
    }


def go_calls(env: dict[str, str]) -> list[str]:
    return Path(env["FAKE_GO_LOG"]).read_text().splitlines()


def test_the_engine_module_requires_the_engine_and_sdk_at_the_pinned_version() -> None:
    go_mod = (engine_build.ENGINE_MODULE / "go.mod").read_text()
    assert required_engine_version() == pinned_version()
    assert re.search(rf"^\s*github.com/pulumi/pulumi/sdk/v3 v{re.escape(pinned_version())}\b", go_mod, re.M)
    assert re.search(r"^tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi$", go_mod, re.M)
    assert (engine_build.ENGINE_MODULE / "go.sum").stat().st_size > 0


def test_the_engine_module_repeats_the_engines_non_local_replace() -> None:
    go_mod = (engine_build.ENGINE_MODULE / "go.mod").read_text()
    assert "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard" in go_mod
    assert "=> ../" not in go_mod  # the engine's local replace of its own SDK must not be repeated


def test_without_cli_network_or_go_it_names_each_way_tried_in_one_line(tmp_path: Path) -> None:
    environ = {"PATH": str(tmp_path), "PULUMI_CLI_DOWNLOAD_URL": closed_url(), "PULUMI_CLI_BUILD": "0"}
    with pytest.raises(InstallError) as failed:
        find_or_install(environ, tmp_path / ".pulumi-cli")
    message = str(failed.value)
    assert "\n" not in message
    assert "checksums.txt: Connection refused" in message
    assert "building the engine from its Go modules is off (PULUMI_CLI_BUILD=0)" in message
    assert f"install it by hand (`curl -fsSL https://get.pulumi.com | sh -s -- --version {pinned_version()}`" in message
    assert not (tmp_path / ".pulumi-cli").exists()


def test_without_go_on_path_the_build_is_named_among_the_ways_tried(tmp_path: Path) -> None:
    environ = {"PATH": str(tmp_path), "PULUMI_CLI_DOWNLOAD_URL": closed_url()}
    with pytest.raises(InstallError, match=re.escape("building the engine from its Go modules failed: `go` is not on PATH")):
        find_or_install(environ, tmp_path / ".pulumi-cli")


def test_the_build_installs_the_cli_and_its_plugins_with_the_release_flags(tmp_path: Path, fake_go: dict[str, str]) -> None:
    cli = find_or_install(fake_go, tmp_path / ".pulumi-cli")
    assert cli == cli_path(VERSION, tmp_path / ".pulumi-cli")
    assert subprocess.run([cli], capture_output=True, text=True, check=True).stdout == f"v{VERSION}\n"
    for plugin in ("pulumi-resource-pulumi-python", "pulumi-analyzer-policy-python"):
        assert (cli.parent / plugin).stat().st_mode & 0o100, f"{plugin} needs the owner-exec bit the engine requires"
    build = next(call for call in go_calls(fake_go) if call.startswith("go build"))
    assert "-trimpath -tags osusergo,grpcnotrace" in build and build.endswith("github.com/pulumi/pulumi/pkg/v3/cmd/pulumi")
    assert f"-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v{VERSION}" in build
    assert sorted(p.name for p in (tmp_path / ".pulumi-cli").iterdir()) == [f"v{VERSION}"]


def test_a_failed_build_names_its_last_error_line_and_leaves_nothing(tmp_path: Path, fake_go: dict[str, str]) -> None:
    fake_go["FAKE_GO_FAIL"] = "cmd/pulumi: undefined: something"
    with pytest.raises(InstallError, match=re.escape("`go build` in pulumi-engine/ failed: cmd/pulumi: undefined: something")):
        find_or_install(fake_go, tmp_path / ".pulumi-cli")
    assert not (tmp_path / ".pulumi-cli").exists()


def test_a_build_whose_version_is_not_the_pin_is_refused(tmp_path: Path, fake_go: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_build, "VERSION_SYMBOL", "github.com/pulumi/pulumi/sdk/v3/go/common/version.Wrong")
    with pytest.raises(InstallError, match=re.escape(f"reports '', not v{VERSION}; nothing was installed")):
        find_or_install(fake_go, tmp_path / ".pulumi-cli")
    assert not (tmp_path / ".pulumi-cli").exists()


def test_a_go_mod_that_disagrees_with_the_sdk_pin_is_refused_before_building(tmp_path: Path, fake_go: dict[str, str]) -> None:
    with pytest.raises(BuildError, match=re.escape("requires the engine v" + pinned_version() + " but requirements.txt pins the SDK at 3.1.0")):
        engine_build.build("3.1.0", tmp_path / "bin", fake_go)
    assert not Path(fake_go["FAKE_GO_LOG"]).exists()


@pytest.mark.parametrize("printed", ["v3.1.0", ""])
def test_a_pulumi_on_path_older_than_the_pin_or_without_a_version_is_passed_over(
    tmp_path: Path, fake_go: dict[str, str], printed: str
) -> None:
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "pulumi").write_text(f"#!/bin/sh\necho {printed}\n")
    (stale / "pulumi").chmod(0o755)
    fake_go["PATH"] = f"{stale}:{fake_go['PATH']}"
    cli = find_or_install(fake_go, tmp_path / ".pulumi-cli")
    assert cli == cli_path(VERSION, tmp_path / ".pulumi-cli")


def test_a_newer_pulumi_on_path_is_usable(tmp_path: Path) -> None:
    newer = tmp_path / "bin"
    newer.mkdir()
    major, minor, patch = version_key(VERSION)
    (newer / "pulumi").write_text(version_script(f"{major}.{minor + 1}.{patch}"))
    (newer / "pulumi").chmod(0o755)
    assert find_or_install({"PATH": str(newer)}, tmp_path / ".pulumi-cli") == newer / "pulumi"


def test_the_go_environment_pins_the_toolchain_and_keeps_the_checksum_database(tmp_path: Path) -> None:
    env = go_environment({"PATH": "/bin", "GOSUMDB": "off", "GONOSUMDB": "*", "GOFLAGS": "-mod=mod", "PULUMI_ENGINE_GO_CACHE": str(tmp_path)})
    assert env["GOTOOLCHAIN"] == "local" and "-mod=readonly" in env["GOFLAGS"].split()
    assert "GOSUMDB" not in env and "GONOSUMDB" not in env
    assert (env["GOMODCACHE"], env["GOCACHE"]) == (str(tmp_path / "mod"), str(tmp_path / "build"))


def test_the_go_caches_do_not_depend_on_home() -> None:
    assert go_environment({"HOME": "/somewhere"})["GOCACHE"] == go_environment({"HOME": "/elsewhere"})["GOCACHE"]


@pytest.mark.parametrize("language_host", [True, False], ids=["release", "build"])
def test_the_shell_lines_put_the_cli_first_on_path_and_keep_pulumi_offline(tmp_path: Path, language_host: bool) -> None:
    cli = tmp_path / "bin" / "pulumi"
    cli.parent.mkdir()
    cli.write_text(version_script())
    cli.chmod(0o755)
    if language_host:
        (cli.parent / "pulumi-language-python").write_text("#!/bin/sh\n")
    printed = subprocess.run(
        [sys.executable, "-m", "scripts.install_pulumi", "--shell"],
        cwd=pulumi_env.ROOT, env={"PATH": f"{cli.parent}:/usr/bin:/bin"}, capture_output=True, text=True, check=True,
    ).stdout
    shell = subprocess.run(
        ["sh", "-c", printed + 'printf "%s\\n" "$PATH" "$PULUMI_HOME" "$PULUMI_SKIP_UPDATE_CHECK" '
         '"$PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION" "$PULUMI_PYTHON_CMD"; command -v pulumi'],
        env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert shell[0].split(":")[0] == str(cli.parent)
    assert shell[1:5] == [str(pulumi_env.PULUMI_HOME), "true", "true", str(pulumi_env.VENV_PYTHON)]
    exports = [line for line in printed.splitlines() if line.startswith("export ")]
    assert exports and all(shlex.split(line) for line in exports)
    if language_host:
        assert shell[5] == str(cli) and exports == printed.splitlines()
    else:  # a build has no language host: typed commands go through scripts/pulumi_cli.py, which serves the program
        assert shell[5] == "pulumi"
        (function,) = [line for line in printed.splitlines() if not line.startswith("export ")]
        assert function.startswith("pulumi() {") and "-m scripts.pulumi_cli" in function


def test_the_analyzer_plugin_runs_the_policy_pack_in_its_virtualenv(tmp_path: Path) -> None:
    venv = tmp_path / "pack" / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text('#!/bin/sh\necho "$@"\n')
    (venv / "python").chmod(0o755)
    plugin = engine_build.PLUGINS / "pulumi-analyzer-policy-python"
    ran = subprocess.run(
        [str(plugin), "127.0.0.1:1234", ".", "-toolchain=pip", "-virtualenv=venv"],
        cwd=tmp_path / "pack", capture_output=True, text=True, check=True,
    )
    assert ran.stdout == "-u -m pulumi.policy 127.0.0.1:1234 .\n"


def test_the_analyzer_plugin_names_a_missing_virtualenv(tmp_path: Path) -> None:
    plugin = engine_build.PLUGINS / "pulumi-analyzer-policy-python"
    ran = subprocess.run([str(plugin), "127.0.0.1:1", ".", "-virtualenv=venv"], cwd=tmp_path, capture_output=True, text=True)
    assert ran.returncode == 1 and f"{tmp_path}/venv" in ran.stderr and "make policy-pack" in ran.stderr
