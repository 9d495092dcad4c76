"""`TelnyxClient.find_by_name`: exact, case-sensitive lookup by application_name, through both front doors."""

from __future__ import annotations

from urllib.parse import parse_qs

from telnyx_client import TelnyxClient
from telnyx_fake import TelnyxBackend

from ..conftest import REQUIRED

NAME_FILTER = "filter[application_name][contains]"


def add(backend: TelnyxBackend, *names: str) -> list[str]:
    """Create applications straight in the fake account; returns their ids."""
    return [backend.create({**REQUIRED, "application_name": name})["id"] for name in names]


def queries(backend: TelnyxBackend) -> list[dict[str, list[str]]]:
    return [parse_qs(r.query) for r in backend.calls("GET")]


def test_only_the_exact_name_counts_not_substrings_or_other_cases(client: TelnyxClient, backend: TelnyxBackend) -> None:
    [exact] = add(backend, "router")
    add(backend, "router-eu", "my-router", "Router", "ROUTER", "route")
    found = client.find_by_name("router")
    assert [app["id"] for app in found] == [exact]


def test_the_lookup_narrows_the_list_with_the_contains_filter(client: TelnyxClient, backend: TelnyxBackend) -> None:
    add(backend, "router", "ivr")
    client.find_by_name("router")
    [query] = queries(backend)
    assert query[NAME_FILTER] == ["router"]


def test_a_name_nobody_has_is_not_found(client: TelnyxClient, backend: TelnyxBackend) -> None:
    add(backend, "router-eu")
    assert client.find_by_name("router") == []


def test_every_application_with_the_name_is_returned_oldest_first(client: TelnyxClient, backend: TelnyxBackend) -> None:
    first, second = add(backend, "router", "router")
    assert [app["id"] for app in client.find_by_name("router")] == [first, second]


def test_a_name_shorter_than_three_characters_lists_the_account_unfiltered(
    client: TelnyxClient, backend: TelnyxBackend
) -> None:
    [exact] = add(backend, "ab")
    add(backend, "abc", "AB", "xab")
    assert [app["id"] for app in client.find_by_name("ab")] == [exact]
    assert all(NAME_FILTER not in query for query in queries(backend))


def test_every_page_is_read(client: TelnyxClient, backend: TelnyxBackend) -> None:
    add(backend, *[f"router-{n}" for n in range(250)])
    [late] = add(backend, "router")  # created last: on the second page, oldest first
    assert [app["id"] for app in client.find_by_name("router")] == [late]
    assert [query["page[number]"] for query in queries(backend)] == [["1"], ["2"]]


def test_every_page_is_read_for_a_short_name_too(client: TelnyxClient, backend: TelnyxBackend) -> None:
    add(backend, *[f"app-{n}" for n in range(250)])
    [late] = add(backend, "ab")
    assert [app["id"] for app in client.find_by_name("ab")] == [late]
    assert len(queries(backend)) == 2
