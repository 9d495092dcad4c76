"""Serve the stack program (`__main__.py`) to the Pulumi engine over its language protocol.

`pulumi preview` and `pulumi up` normally start the Python language host (`pulumi-language-python`) to run the
program. Where the engine is built from its Go modules that host cannot be had (the module proxy serves no
version of `github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`), so the program is served from
this process with the Pulumi SDK's own language server, the one its Automation API uses for inline programs, and
the CLI is pointed at it with `--client` (the flag the Automation API passes). Every other flag is the user's.

`python -m scripts.program_host [PROGRAM]` serves it from a process of its own: it prints the address, then serves
until its standard input closes (the end-to-end tests run each program that way, apart from pytest's process).
"""

from __future__ import annotations

import argparse
import runpy
import sys
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path

import grpc
from pulumi.automation._server import LanguageServer  # the Automation API's inline-program server (SDK-pinned)
from pulumi.runtime.proto import language_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
# The commands that run the program (refresh and destroy run it only with --run-program, which we never pass).
RUNS_PROGRAM = ("preview", "up", "update")
# The packages the program imports (and the engine's dynamic-provider host unpickles from), beside `__main__.py`.
PROGRAM_PACKAGES = ("provider", "telnyx_client", "field_model", "stack_files")


def runs_program(arguments: list[str]) -> bool:
    """Whether a `pulumi` command line runs the stack program, and so needs `--client`."""
    return bool(arguments) and arguments[0] in RUNS_PROGRAM


@contextmanager
def serving(program: Path = ROOT / "__main__.py") -> Iterator[str]:
    """Serve `program` on a free loopback port for the duration; yield the `--client` address."""

    def run() -> None:
        runpy.run_path(str(program), run_name="__main__")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageServer(run), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


def with_client(arguments: list[str], address: str) -> list[str]:
    """`arguments` with `--client <address>` added when the command runs the program."""
    return [*arguments, f"--client={address}"] if runs_program(arguments) else list(arguments)


def main(argv: list[str] | None = None) -> int:
    """Serve the program, print its `--client` address, and serve until standard input closes."""
    parser = argparse.ArgumentParser(description="Serve a Pulumi stack program to `pulumi --client=ADDRESS`.")
    parser.add_argument("program", nargs="?", type=Path, default=ROOT / "__main__.py")
    args = parser.parse_args(argv)
    with serving(args.program.resolve()) as address:
        print(address, flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
