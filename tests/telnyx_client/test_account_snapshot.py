"""AccountSnapshot: which requests a run of reads costs, and that its answers are never stale."""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import pytest

from telnyx_client import TelnyxApiError, TelnyxClient
from telnyx_client.account_snapshot import MAX_AGE_SECONDS, AccountSnapshot
from telnyx_fake import FakeTelnyxServer, Fault, TelnyxBackend, mock_telnyx

from ..conftest import FAST_BACKOFF, REQUIRED


@pytest.fixture
def client(backend: TelnyxBackend) -> Iterator[TelnyxClient]:
    with mock_telnyx(backend) as mocked:
        yield TelnyxClient(mocked.api_key, backoff_factor=FAST_BACKOFF)


def account(backend: TelnyxBackend, size: int) -> list[str]:
    """Fill the account with `size` applications; their ids, oldest first (so the last listing page holds the first)."""
    ids = [backend.create({**REQUIRED, "application_name": f"app-{n}"})["id"] for n in range(size)]
    backend.clear_requests()
    return ids


def cheaper_way(reads: int, size: int) -> int:
    """What the cheaper of the two plain ways costs: one GET per read, or one list call per page of 250."""
    return min(reads, math.ceil(size / 250))


def requests_made(backend: TelnyxBackend) -> list[str]:
    """Each request as `list page N` or `GET <id>`."""
    made = []
    for record in backend.calls():
        last = record.path.rstrip("/").rpartition("/")[2]
        if last == "call_control_applications":
            made.append(f"list page {parse_qs(record.query)['page[number]'][0]}")
        else:
            made.append(f"{record.method} {last}")
    return made


def test_a_lone_read_is_one_get(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 30)
    assert AccountSnapshot(lambda: client).retrieve(ids[0]) == backend.retrieve(ids[0])
    assert requests_made(backend) == [f"GET {ids[0]}"]


def test_a_small_account_costs_one_get_and_one_page_however_many_reads(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 30)
    snapshot = AccountSnapshot(lambda: client)
    for app_id in ids:
        assert snapshot.retrieve(app_id) == backend.retrieve(app_id)
    assert requests_made(backend) == [f"GET {ids[0]}", "list page 1"]


def test_a_big_account_is_listed_once_the_reads_reach_its_remaining_pages(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 600)  # three pages of 250
    snapshot = AccountSnapshot(lambda: client)
    oldest = ids[:20]  # on the last page
    for app_id in oldest:
        assert snapshot.retrieve(app_id) == backend.retrieve(app_id)
    made = requests_made(backend)
    # the second read learns there are 3 pages; 2 reads asked reach the 2 pages left, so they are listed
    assert made[:2] == [f"GET {ids[0]}", "list page 1"] and sorted(made[2:]) == ["list page 2", "list page 3"]


def test_a_small_stack_in_a_big_account_pays_one_page_to_learn_its_size(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 2_600)  # eleven pages
    snapshot = AccountSnapshot(lambda: client)
    stack = ids[:5]  # none of them on page 1
    for app_id in stack:
        assert snapshot.retrieve(app_id) == backend.retrieve(app_id)
    assert requests_made(backend) == [f"GET {stack[0]}", "list page 1", *(f"GET {app_id}" for app_id in stack[1:])]


@pytest.mark.parametrize("size", [30, 400, 1_001, 2_600])
def test_reads_one_by_one_never_cost_more_than_twice_the_cheaper_way(client: TelnyxClient, backend: TelnyxBackend, size: int) -> None:
    ids = account(backend, size)
    for reads in range(1, math.ceil(size / 250) + 3):
        backend.clear_requests()
        snapshot = AccountSnapshot(lambda: client)
        for app_id in ids[:reads]:  # the oldest: never on page 1 once the account has more than one page
            snapshot.retrieve(app_id)
        assert len(backend.calls()) <= 2 * cheaper_way(reads, size), (reads, requests_made(backend))


def test_the_worst_case_is_a_stack_as_large_as_the_pages_left_after_page_1_at_exactly_twice_its_gets(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 10_000)  # 40 pages: 39 left to list once page 1 is known
    stack = ids[:39]
    snapshot = AccountSnapshot(lambda: client)
    for app_id in stack:
        assert snapshot.retrieve(app_id) == backend.retrieve(app_id)
    made = requests_made(backend)
    # reads 1 to 38 are GETs (the second also lists page 1); the 39th reaches the 39 pages left and lists them
    assert made[:2] == [f"GET {stack[0]}", "list page 1"]
    assert made[2:39] == [f"GET {app_id}" for app_id in stack[1:38]]
    assert sorted(made[39:]) == sorted(f"list page {n}" for n in range(2, 41))
    assert len(made) == 78 == 2 * cheaper_way(39, 10_000)


def test_concurrent_reads_wait_for_the_one_listing_in_flight(backend: TelnyxBackend) -> None:
    ids = account(backend, 600)
    backend.inject(Fault(latency=0.05))  # keeps each listing in flight while the other reads arrive
    with FakeTelnyxServer(backend) as server, TelnyxClient(backend.api_key, server.base_url) as client:
        snapshot = AccountSnapshot(lambda: client)
        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = dict(zip(ids, pool.map(snapshot.retrieve, ids), strict=True))
    backend.clear_faults()
    assert answers == {app_id: backend.retrieve(app_id) for app_id in ids}
    made = requests_made(backend)
    assert sorted(m for m in made if m.startswith("list")) == ["list page 1", "list page 2", "list page 3"]
    assert len(made) == 4, made  # and the one GET of the read that came first


def test_an_application_this_process_writes_is_read_again_with_a_get(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 30)
    snapshot = AccountSnapshot(lambda: client)
    snapshot.retrieve(ids[0])
    snapshot.retrieve(ids[1])  # the account is now listed
    client.update(ids[5], {**REQUIRED, "application_name": "app-5", "dtmf_type": "Inband"})
    client.delete(ids[6])
    backend.clear_requests()

    assert snapshot.retrieve(ids[5])["dtmf_type"] == "Inband"
    with pytest.raises(TelnyxApiError) as caught:
        snapshot.retrieve(ids[6])
    assert caught.value.not_found
    assert requests_made(backend) == [f"GET {ids[5]}", f"GET {ids[6]}"]


def test_an_application_missing_from_the_snapshot_is_read_with_a_get(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 30)
    snapshot = AccountSnapshot(lambda: client)
    snapshot.retrieve(ids[0])
    snapshot.retrieve(ids[1])
    created_since = backend.create({**REQUIRED, "application_name": "created-since"})["id"]
    backend.clear_requests()

    assert snapshot.retrieve(created_since)["application_name"] == "created-since"
    with pytest.raises(TelnyxApiError) as caught:
        snapshot.retrieve("1293384261075731499")
    assert caught.value.not_found
    assert requests_made(backend) == [f"GET {created_since}", "GET 1293384261075731499"]


def test_a_snapshot_is_never_used_beyond_its_max_age(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 30)
    now = [0.0]
    snapshot = AccountSnapshot(lambda: client, clock=lambda: now[0])
    snapshot.retrieve(ids[0])
    snapshot.retrieve(ids[1])
    backend.applications[ids[2]]["active"] = False
    backend.applications[ids[3]]["active"] = False
    backend.clear_requests()

    now[0] = MAX_AGE_SECONDS
    assert snapshot.retrieve(ids[2])["active"] is True  # still within the bound: the listing's answer
    assert requests_made(backend) == []
    now[0] = MAX_AGE_SECONDS + 0.01
    assert snapshot.retrieve(ids[3])["active"] is False
    assert requests_made(backend) == [f"GET {ids[3]}"]


def test_a_failed_listing_falls_back_to_gets(backend: TelnyxBackend) -> None:
    ids = account(backend, 30)
    with mock_telnyx(backend) as mocked:
        client = TelnyxClient(mocked.api_key, max_retries=0)
        snapshot = AccountSnapshot(lambda: client)
        snapshot.retrieve(ids[0])
        backend.inject(Fault(status=500, times=1))
        answers = [snapshot.retrieve(app_id) for app_id in ids[1:4]]
    assert answers == [backend.retrieve(app_id) for app_id in ids[1:4]]
    assert requests_made(backend) == [f"GET {ids[0]}", "list page 1", *(f"GET {app_id}" for app_id in ids[1:4])]


def test_answers_are_copies_that_callers_may_change(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 3)
    snapshot = AccountSnapshot(lambda: client)
    snapshot.retrieve(ids[0])
    snapshot.retrieve(ids[1])["inbound"]["channel_limit"] = 99
    assert snapshot.retrieve(ids[1])["inbound"]["channel_limit"] is None


def test_listing_can_be_turned_off_so_every_read_is_a_get(client: TelnyxClient, backend: TelnyxBackend) -> None:
    ids = account(backend, 10)
    snapshot = AccountSnapshot(lambda: client, by_list=False)
    for app_id in ids:
        snapshot.retrieve(app_id)
    assert requests_made(backend) == [f"GET {app_id}" for app_id in ids]
