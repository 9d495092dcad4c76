"""A refresh over Pulumi's provider protocol: many reads at once through `python -m pulumi.dynamic`,
answered from one listing of the account, byte for byte what reading each application by GET returns.

Each test starts its own provider host, as each `pulumi` command does, and counts the requests
that reach the fake Telnyx on loopback.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from pulumi.runtime import proto

from telnyx_fake import FakeTelnyxServer, TelnyxBackend

from ..conftest import PROTOCOL_API_KEY
from ..support.dynamic_host import DynamicProviderHost, from_struct, secret, to_struct, urn, with_provider

ENGINE_PARALLELISM = 16  # the engine sends reads as they come; the host serves 4 at a time
PAGE_SIZE = 250
DTMF_TYPES = ["RFC 2833", "Inband", "SIP INFO"]


@pytest.fixture
def backend(protocol_fake: FakeTelnyxServer) -> TelnyxBackend:
    protocol_fake.backend.reset()
    return protocol_fake.backend


@contextmanager
def provider_host(fake: FakeTelnyxServer, *, by_list: bool = True) -> Iterator[DynamicProviderHost]:
    """A fresh provider host (one `pulumi` command), configured as the engine does."""
    host = DynamicProviderHost(env={} if by_list else {"TELNYX_REFRESH_BY_LIST": "0"})
    try:
        host.configure({"telnyx:apiKey": secret(PROTOCOL_API_KEY), "telnyx:baseUrl": fake.base_url})
        yield host
    finally:
        assert PROTOCOL_API_KEY not in host.close()


def account(backend: TelnyxBackend, size: int) -> list[str]:
    """An account of `size` applications that differ in many fields; their ids, oldest first."""
    ids = []
    for n in range(size):
        app = backend.create(
            {
                "application_name": f"app-{n:04d}",
                "webhook_event_url": f"https://hooks.example.com/telnyx/{n}",
                "dtmf_type": DTMF_TYPES[n % 3],
                "anchorsite_override": '"Chicago, IL"' if n % 4 == 0 else "Latency",
                "active": n % 7 != 0,
                "webhook_timeout_secs": n % 31 if n % 2 else None,
                "inbound": {"channel_limit": n, "shaken_stir_enabled": n % 2 == 0},
                "outbound": {"outbound_voice_profile_id": str(10**18 + n) if n % 5 == 0 else None},
            }
        )
        backend.applications[app["id"]]["tags"] = [f"team-{n % 5}", "managed"][: 1 + n % 2]
        ids.append(app["id"])
    backend.clear_requests()
    return ids


def read(host: DynamicProviderHost, app_id: str) -> Any:
    """One Read as a refresh sends it (the old outputs, `__provider` among them); the raw ReadResponse."""
    state = to_struct(with_provider({"application_name": "as-last-refreshed"}))
    return host.stub.Read(proto.ReadRequest(id=app_id, urn=urn(f"app-{app_id}"), properties=state, inputs=state))


def refresh(host: DynamicProviderHost, ids: list[str]) -> dict[str, Any]:
    """Every id read at once, as the engine's refresh does: id -> ReadResponse."""
    with ThreadPoolExecutor(max_workers=ENGINE_PARALLELISM) as pool:
        return dict(zip(ids, pool.map(lambda app_id: read(host, app_id), ids), strict=True))


def differences(listed: Any, by_get: Any) -> list[str]:
    """Where two ReadResponses differ: the id, then output by output and input by input."""
    found = [] if listed.id == by_get.id else [f"id {listed.id!r} != {by_get.id!r}"]
    for part in ("properties", "inputs"):
        left, right = from_struct(getattr(listed, part)), from_struct(getattr(by_get, part))
        found += [f"{part}.{key}: {left.get(key)!r} != {right.get(key)!r}" for key in sorted(set(left) | set(right)) if left.get(key) != right.get(key)]
    if not found and listed.SerializeToString(deterministic=True) != by_get.SerializeToString(deterministic=True):
        found.append("equal field by field, but not byte for byte")
    return found


def test_a_refresh_of_500_applications_costs_a_few_list_pages_and_reads_exactly_what_gets_read(
    protocol_fake: FakeTelnyxServer, backend: TelnyxBackend
) -> None:
    ids = account(backend, 500)
    changed, deleted = ids[123], ids[321]
    backend.applications[changed].update(dtmf_type="SIP INFO", active=False)  # in the portal, before the refresh
    backend.applications[changed]["inbound"]["channel_limit"] = 7
    del backend.applications[deleted]

    with provider_host(protocol_fake) as host:
        listed = refresh(host, ids)
    requests = backend.calls()
    backend.clear_requests()
    with provider_host(protocol_fake, by_list=False) as host:
        by_get = refresh(host, ids)

    assert len(requests) <= math.ceil(500 / PAGE_SIZE) + 10, [(r.method, r.path, r.query) for r in requests]
    assert len(backend.calls()) == 500, "without the listing, every read is its own GET"
    assert {app_id: differences(listed[app_id], by_get[app_id]) for app_id in ids} == {app_id: [] for app_id in ids}
    outputs = from_struct(listed[changed].properties)
    assert (outputs["dtmf_type"], outputs["active"], outputs["inbound"]["channel_limit"]) == ("SIP INFO", False, 7.0)
    assert from_struct(listed[changed].inputs)["dtmf_type"] == "SIP INFO"
    assert listed[deleted].id == "" and set(from_struct(listed[deleted].properties)) == {"__provider"}


def test_five_reads_in_an_account_of_1000_make_at_most_six_requests(protocol_fake: FakeTelnyxServer, backend: TelnyxBackend) -> None:
    ids = account(backend, 1_000)
    stack = ids[:5]  # the oldest: on the last page, not the first
    with provider_host(protocol_fake) as host:
        answers = refresh(host, stack)
    assert len(backend.calls()) <= 6, [(r.method, r.path, r.query) for r in backend.calls()]
    assert [from_struct(answers[app_id].properties)["application_name"] for app_id in stack] == [f"app-{n:04d}" for n in range(5)]


def test_a_refresh_never_costs_more_than_twice_the_cheaper_way_even_at_its_worst(protocol_fake: FakeTelnyxServer, backend: TelnyxBackend) -> None:
    ids = account(backend, 10_000)  # 40 pages
    stack = ids[:39]  # as many as the pages left once page 1 is known: the listing's worst case
    with provider_host(protocol_fake) as host:
        answers = refresh(host, stack)
    cheaper_way = min(len(stack), math.ceil(10_000 / PAGE_SIZE))  # 39 GETs
    assert len(backend.calls()) <= 2 * cheaper_way, [(r.method, r.path, r.query) for r in backend.calls()]
    assert [from_struct(answers[app_id].properties)["application_name"] for app_id in stack] == [f"app-{n:04d}" for n in range(39)]


def test_what_the_process_writes_after_a_refresh_is_read_again_by_get_and_writes_cost_what_they_did(
    protocol_fake: FakeTelnyxServer, backend: TelnyxBackend
) -> None:
    ids = account(backend, 30)
    with provider_host(protocol_fake) as host:
        refresh(host, ids)
        backend.clear_requests()
        updated, removed = ids[4], ids[5]
        outputs = from_struct(read(host, updated).properties)
        program = {"application_name": "app-0004", "webhook_event_url": "https://hooks.example.com/telnyx/4"}
        inputs, _ = host.check(with_provider({**program, "dtmf_type": "Inband"}))
        host.update(updated, outputs, inputs)
        host.delete(removed, outputs)
        created, _ = host.create(host.check(with_provider({**program, "application_name": "created-now"}))[0])
        # The read above came from the listing; a create looks its name up first.
        assert [r.method for r in backend.calls()] == ["PATCH", "DELETE", "GET", "POST"]

        assert from_struct(read(host, updated).properties)["dtmf_type"] == "Inband"
        assert read(host, removed).id == ""
        assert from_struct(read(host, created).properties)["application_name"] == "created-now"
    paths = [f"{r.method} {r.path.rpartition('/')[2]}" for r in backend.calls()[4:]]
    assert paths == [f"GET {updated}", f"GET {removed}", f"GET {created}"]
