"""`make benchmark-soak` runs end to end on a small account (the figures come from the full run, not from here)."""

from __future__ import annotations

import pytest

from benchmarks import soak as benchmark_soak


def test_a_small_soak_creates_reads_updates_and_deletes_everything_safely(capsys: pytest.CaptureFixture[str]) -> None:
    status = benchmark_soak.main(["--applications", "12", "--concurrency", "4", "--budget", "1000", "--no-unpaced"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "exactly 12 applications, 0 duplicates, 0 missing from state, and 0 left over after delete" in printed
    assert [line.split()[0] for line in printed.splitlines() if line.startswith("  ") and line.split()[0] in benchmark_soak.OPERATIONS] == list(
        benchmark_soak.OPERATIONS
    )
