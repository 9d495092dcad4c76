"""`make benchmark-adopt` on a tiny account: the figures it computes and its verdict (docs/performance.md's come from the full run)."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks import adopt as benchmark_adopt
from benchmarks.adopt import AdoptFigures

DEV_STACK_ENTRIES = 2  # call-router and ivr, in stacks/Pulumi.dev.yaml


@pytest.fixture(scope="module")
def figures() -> AdoptFigures:
    return benchmark_adopt.measure(260)  # two pages of 250


def test_a_small_adopt_lists_each_page_once_adds_everything_and_then_nothing(figures: AdoptFigures) -> None:
    assert (figures.list_calls, figures.other_requests, figures.expected_list_calls) == (2, 0, 2)
    assert (figures.added, figures.left_out) == (260, 0)
    assert (figures.second_added, figures.second_already_declared) == (0, 260)
    assert (figures.second_list_calls, figures.second_other_requests) == (2, 0)
    assert figures.loaded_entries == DEV_STACK_ENTRIES + 260
    assert 0 < figures.listing_seconds < figures.adopt_seconds and figures.second_seconds > 0 and figures.file_bytes > 0


def test_the_verdict_fails_an_extra_list_call_any_other_request_or_a_second_adopt_that_adds(figures: AdoptFigures) -> None:
    assert benchmark_adopt.meets_targets(figures)
    for missed in (
        {"list_calls": 3},
        {"second_list_calls": 3},
        {"other_requests": 1},
        {"second_other_requests": 1},
        {"second_added": 1},
    ):
        assert not benchmark_adopt.meets_targets(dataclasses.replace(figures, **missed)), missed


def test_the_command_prints_each_measurement_and_exits_0_when_the_targets_are_met(capsys: pytest.CaptureFixture[str]) -> None:
    assert benchmark_adopt.main(["--applications", "30"]) == 0
    printed = capsys.readouterr().out
    assert "30 applications: adopt made 1 list calls (ceil(30/250) = 1) and 0 other requests; added 30, left out 0" in printed
    assert "second adopt: added 0, already declared 30, 1 requests" in printed
    assert f"stack loader: {DEV_STACK_ENTRIES + 30} entries valid" in printed
    assert printed.rstrip().endswith("nothing added the second time: OK")


def test_the_command_exits_1_and_says_missed_when_a_target_is_missed(
    figures: AdoptFigures, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(benchmark_adopt, "measure", lambda count: dataclasses.replace(figures, other_requests=1))
    assert benchmark_adopt.main([]) == 1
    assert capsys.readouterr().out.rstrip().endswith("nothing added the second time: MISSED")
