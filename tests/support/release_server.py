"""A Pulumi CLI release on loopback: an archive shaped like pulumi/pulumi's and its checksums file."""

from __future__ import annotations

import functools
import hashlib
import io
import socket
import tarfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scripts.install_pulumi import archive_name, checksums_name, pinned_version

VERSION = pinned_version()


def version_script(version: str = VERSION) -> str:
    """A tiny `pulumi` that answers `pulumi version` as the real one does."""
    return f'#!/bin/sh\nif [ "$1" = version ]; then echo v{version}; else echo "stand-in pulumi $*"; fi\n'


def write_release(
    folder: Path,
    members: Mapping[str, str | tarfile.TarInfo],
    *,
    version: str = VERSION,
    listed_checksum: str | None = None,
    platform: tuple[str, str] = ("linux", "x64"),
) -> str:
    """Write the release's `.tar.gz` for `platform` holding `members` (name → text, mode 0755) and the
    checksums file listing it (with its real SHA-256 unless `listed_checksum` says otherwise); return
    the archive's name."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = archive_name(version, *platform)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for name, content in members.items():
            if isinstance(content, tarfile.TarInfo):
                bundle.addfile(content)
                continue
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            bundle.addfile(info, io.BytesIO(data))
    (folder / archive).write_bytes(buffer.getvalue())
    digest = listed_checksum or hashlib.sha256(buffer.getvalue()).hexdigest()
    other = hashlib.sha256(b"another archive").hexdigest()
    (folder / checksums_name(version)).write_text(
        f"{other}  pulumi-v{version}-darwin-arm64.tar.gz\n{digest}  {archive}\n"
    )
    return archive


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on loopback; yield its base URL (ending in `/`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def closed_url() -> str:
    """A loopback URL where nothing listens: a download there fails as it does without a network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
