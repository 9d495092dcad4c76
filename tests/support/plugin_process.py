"""A Pulumi plugin run as the engine runs one: a subprocess that prints its gRPC port, and a channel to it."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import grpc


class PluginProcess:
    """A started plugin (`argv` in `cwd` with `env`) and an open gRPC channel to the port it printed."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.process.stdout is not None and self.process.stderr is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.process.kill()
            raise AssertionError(f"{' '.join(argv)} did not start: {line!r} {self.process.communicate()[1].decode()}")
        # Read stderr as it comes, so a chatty plugin never blocks on a full pipe during a long run.
        self._stderr: list[bytes] = []
        self._stderr_reader = threading.Thread(target=self._stderr.extend, args=(self.process.stderr,), daemon=True)
        self._stderr_reader.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(self.channel).result(timeout=30)

    def close(self) -> str:
        """Stop the plugin; return what it wrote to stderr."""
        self.channel.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        self._stderr_reader.join(timeout=30)
        assert self.process.stdout is not None and self.process.stderr is not None
        self.process.stdout.close()
        self.process.stderr.close()
        return b"".join(self._stderr).decode(errors="replace")
