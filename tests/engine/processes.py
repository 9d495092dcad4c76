"""The processes of a `pulumi` run, from /proc: its tree, whether they are stopped or gone, and killing the whole run at
once as a lost CI runner would (the engine starts each plugin in a process group of its own, so the CLI's group alone
is not the run). Every wait is for a condition, with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

WAIT = 60.0  # the deadline of every wait on a condition; none is reached when things behave


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT) -> None:
    """Wait for `condition`, checking every few milliseconds, up to `timeout` seconds; fail saying `what` never happened."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.005)  # polling a condition, with a deadline


def _states(pid: int) -> list[str]:
    """The scheduler state of each of the process's threads (empty once it is gone)."""
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        states.append(text[text.rindex(")") + 2])
    return states


def stopped(pid: int) -> bool:
    """Whether every thread of the process is stopped (or the process is gone)."""
    return all(state in "tTZX" for state in _states(pid))


def gone(pid: int) -> bool:
    """Whether the process has died (a zombie counts: it runs no more)."""
    return all(state in "ZX" for state in _states(pid))


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        children.setdefault(int(text[text.rindex(")") + 2:].split()[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def stop_engine(cli: subprocess.Popen[str]) -> None:
    """SIGSTOP the CLI (the engine, which writes the state) and wait until it is stopped."""
    os.kill(cli.pid, signal.SIGSTOP)
    wait_until(lambda: stopped(cli.pid), "the CLI stopped")


def kill_the_whole_run(cli: subprocess.Popen[str]) -> list[int]:
    """SIGKILL the CLI and every process it started, each plugin's process group too; return their pids.

    All are stopped first, so none sees another die and reacts (the engine, say, recording a failed create).
    """
    stop_engine(cli)  # it can start nothing more
    tree = process_tree(cli.pid)
    for pid in tree:
        os.kill(pid, signal.SIGSTOP)
    wait_until(lambda: all(stopped(pid) for pid in tree), "every process of the run stopped")
    for group in {os.getpgid(pid) for pid in tree}:
        os.killpg(group, signal.SIGKILL)
    wait_until(lambda: all(gone(pid) for pid in tree), "every process of the run died")
    return tree
