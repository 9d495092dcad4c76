"""`make postgres`: Debian's PostgreSQL server, which the team-backend and crash-safety tests start a private cluster of.

Installed with apt-get when it is missing and this runs as root on Debian (CI's machines); otherwise one line says
why not, and the tests that need it skip with that reason. The package starts its default cluster as a service
where it can; that cluster is stopped again, since the tests run their own on a free port and nothing may be left
running.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .debian_packages import apt_install, why_not_installable

PACKAGE = "postgresql"


def installed() -> Path | None:
    """The newest installed server's `initdb`, or None."""
    versions = [p for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.parent.parent.name.isdigit()]
    found = sorted(versions, key=lambda p: int(p.parent.parent.name))
    return found[-1] if found else None


def install() -> None:
    """The server package, then its own cluster stopped where the package started one."""
    print(f"installing Debian's {PACKAGE} server for the team-backend tests (apt-get)", file=sys.stderr, flush=True)
    apt_install([PACKAGE])
    # The package's service, where it was started: the tests need none of it.
    listing, control = shutil.which("pg_lsclusters"), shutil.which("pg_ctlcluster")
    if listing and control:
        clusters = subprocess.run([listing, "--no-header"], capture_output=True, text=True, check=False).stdout
        for line in clusters.splitlines():
            version, name, _port, status = line.split()[:4]
            if status == "online":
                subprocess.run([control, version, name, "stop"], check=False)


def main() -> int:
    if installed() is not None:
        return 0
    reason = why_not_installable([PACKAGE])
    if reason is not None:
        print(f"PostgreSQL server not installed and not installable here: {reason}; the tests that need it skip",
              file=sys.stderr)
        return 0
    try:
        install()
    except subprocess.CalledProcessError as error:
        print(f"PostgreSQL server could not be installed (`{' '.join(map(str, error.cmd))}` exited {error.returncode}); "
              "the tests that need it skip", file=sys.stderr)
        return 0
    return 0 if installed() is not None else 1


if __name__ == "__main__":
    sys.exit(main())
