"""`make benchmark` (`benchmarks/provider_calls.py`) at a few rounds: the figures it computes are the ones docs/performance.md documents."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from benchmarks import provider_calls as benchmark
from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from ..support.dynamic_host import SERIALISED_PROVIDER, DynamicProviderHost, secret

DOCUMENTED_CALLS = {
    "check": 0,
    "create": 2,
    "create with tags": 3,
    "diff": 0,
    "update": 1,
    "read": 1,
    "delete": 1,
    "check of an adoption": 1,
    "create of an adoption": 1,
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelnyxServer]:
    with FakeTelnyxServer(TelnyxBackend(api_key=benchmark.API_KEY)) as server:
        yield server


def test_it_counts_the_api_calls_each_provider_operation_makes(fake: FakeTelnyxServer) -> None:
    fake.backend.reset()
    host = DynamicProviderHost()
    try:
        host.configure({"telnyx:apiKey": secret(benchmark.API_KEY), "telnyx:baseUrl": fake.base_url})
        assert benchmark.calls_per_operation(host, fake.backend) == DOCUMENTED_CALLS
    finally:
        host.close()
    assert len(fake.backend.calls()) == sum(DOCUMENTED_CALLS.values())


def test_against_an_api_that_resets_omitted_fields_only_the_first_update_sends_a_second_patch(fake: FakeTelnyxServer) -> None:
    fake.backend.reset()
    assert benchmark.patches_per_update_when_patch_resets(fake, updates=3) == [2, 1, 1]


def test_the_provider_pickled_by_value_is_far_bigger_than_by_reference() -> None:
    assert benchmark.by_value_size() > 100 * len(SERIALISED_PROVIDER)


def test_median_seconds_is_the_median_of_the_rounds() -> None:
    assert 0 <= benchmark.median_seconds(lambda: None, 3) < 0.1


def test_the_command_prints_every_measurement(capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.main(["--rounds", "3"])
    printed = capsys.readouterr().out
    calls = ", ".join(f"{operation} {count}" for operation, count in DOCUMENTED_CALLS.items())
    assert f"API calls per operation: {calls}\n" in printed
    assert "one provider process: [2, 1, 1]\n" in printed
    assert f"serialised provider: {len(SERIALISED_PROVIDER)} bytes by reference" in printed
    assert re.search(r"read, median of 3: bare client [\d.]+ ms, through the provider host [\d.]+ ms", printed)
    assert "check, median of 3:" in printed and ", 0 API calls" in printed
    connections = re.search(r"HTTP connections opened for (\d+) API requests: (\d+)", printed)
    assert connections is not None
    requests, opened = map(int, connections.groups())
    assert requests > sum(DOCUMENTED_CALLS.values()) and 1 <= opened < 10, "connections are reused"
