"""TelnyxClient against the fake Telnyx, through both front doors."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

import pytest

from telnyx_client import TelnyxApiError, TelnyxClient
from telnyx_fake import Fault, TelnyxBackend

from ..conftest import REQUIRED

API_KEY_USED_BY_FAKE = TelnyxBackend().api_key


def test_create_returns_the_application_with_server_defaults(client: TelnyxClient) -> None:
    app = client.create(REQUIRED)
    assert app["id"].isdigit() and len(app["id"]) >= 18
    assert app["record_type"] == "call_control_application"
    assert app["dtmf_type"] == "RFC 2833" and app["active"] is True
    assert app["inbound"]["sip_subdomain_receive_settings"] == "from_anyone"


def test_retrieve_update_delete_round_trip(client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = client.create(REQUIRED)["id"]
    assert client.retrieve(app_id)["application_name"] == "call-router"
    updated = client.update(app_id, {**REQUIRED, "dtmf_type": "Inband", "inbound": {"channel_limit": 5}})
    assert updated["dtmf_type"] == "Inband" and updated["inbound"]["channel_limit"] == 5
    assert client.delete(app_id)["id"] == app_id
    assert backend.applications == {}


def test_update_without_the_required_fields_is_refused_before_sending(client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = client.create(REQUIRED)["id"]
    with pytest.raises(ValueError, match="webhook_event_url"):
        client.update(app_id, {"application_name": "x"})
    assert len(backend.calls("PATCH")) == 0


def test_not_found_is_distinguishable(client: TelnyxClient) -> None:
    with pytest.raises(TelnyxApiError) as caught:
        client.retrieve("1293384261075731499")
    assert caught.value.status == 404 and caught.value.not_found
    assert "not found" in str(caught.value)


def test_validation_error_carries_telnyx_error_objects(client: TelnyxClient) -> None:
    with pytest.raises(TelnyxApiError) as caught:
        client.create({**REQUIRED, "webhook_timeout_secs": 99})
    error = caught.value
    assert error.status == 422 and not error.not_found
    assert error.errors[0]["source"]["pointer"] == "/webhook_timeout_secs"
    assert "/webhook_timeout_secs" in str(error) and "\n" not in str(error)


def test_refused_key_says_how_to_set_one_and_never_shows_the_key(backend: TelnyxBackend, fake_server) -> None:
    wrong_key = "wrong-key-0123456789abcdef"
    with TelnyxClient(wrong_key, fake_server.base_url) as client:
        with pytest.raises(TelnyxApiError) as caught:
            client.retrieve("1")
    error = caught.value
    assert error.status == 401
    assert "telnyx:apiKey" in str(error) and "TELNYX_API_KEY" in str(error)
    for text in (str(error), repr(error), repr(error.errors), repr(client)):
        assert wrong_key not in text
    assert backend.calls()[0].status == 401


def test_key_never_appears_in_a_connection_error() -> None:
    secret = "secret-key-that-must-not-leak"
    client = TelnyxClient(secret, "http://127.0.0.1:9/v2", max_retries=0, timeout=1)
    with pytest.raises(TelnyxApiError) as caught:
        client.retrieve("1")
    assert caught.value.status is None
    assert secret not in str(caught.value) and "Authorization" not in str(caught.value)


def test_list_walks_every_page(client: TelnyxClient, backend: TelnyxBackend) -> None:
    for n in range(7):
        client.create({**REQUIRED, "application_name": f"app-{n}"})
    backend.clear_requests()
    names = [a["application_name"] for a in client.list(page_size=3, sort="connection_name")]
    assert names == [f"app-{n}" for n in range(7)]
    assert [r.method for r in backend.calls()] == ["GET", "GET", "GET"]


def test_list_filters_and_sorts_descending(client: TelnyxClient) -> None:
    client.create({**REQUIRED, "application_name": "ivr-main"})
    client.create({**REQUIRED, "application_name": "router-a"})
    client.create({**REQUIRED, "application_name": "router-b"})
    routers = [a["application_name"] for a in client.list(application_name_contains="ROUTER", sort="-connection_name")]
    assert routers == ["router-b", "router-a"]


def test_list_filter_by_outbound_voice_profile(client: TelnyxClient) -> None:
    client.create({**REQUIRED, "outbound": {"outbound_voice_profile_id": "1293384261075731499"}})
    client.create({**REQUIRED, "application_name": "other"})
    found = list(client.list(outbound_voice_profile_id="1293384261075731499"))
    assert [a["application_name"] for a in found] == ["call-router"]


def test_list_refuses_a_short_name_filter(client: TelnyxClient) -> None:
    with pytest.raises(ValueError, match="at least 3 characters"):
        list(client.list(application_name_contains="ab"))


def test_list_page_returns_one_page_and_the_page_count(client: TelnyxClient, backend: TelnyxBackend) -> None:
    for n in range(7):
        client.create({**REQUIRED, "application_name": f"app-{n}"})
    backend.clear_requests()
    page = client.list_page(3, page_size=3)
    assert page.total_pages == 3
    assert [a["application_name"] for a in page.applications] == ["app-0"]  # newest first: the oldest is last
    assert page.applications[0] == client.retrieve(page.applications[0]["id"])  # full objects, as a GET has them
    first = backend.calls()[0]
    assert first.method == "GET" and parse_qs(first.query) == {"page[size]": ["3"], "page[number]": ["3"]}


def test_every_write_is_announced_by_application_id_whatever_its_outcome(client: TelnyxClient) -> None:
    written: list[str] = []
    client.on_write(written.append)
    app_id = client.create(REQUIRED)["id"]
    client.retrieve(app_id)
    list(client.list())
    client.update(app_id, {**REQUIRED, "dtmf_type": "Inband"})
    with pytest.raises(TelnyxApiError):
        client.update(app_id, {**REQUIRED, "webhook_timeout_secs": 99})  # refused by the API: may still have been applied
    client.delete(app_id)
    with pytest.raises(TelnyxApiError):
        client.delete(app_id)
    assert written == [app_id] * 5


def test_a_503_storm_on_get_ends_in_success(client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = client.create(REQUIRED)["id"]
    backend.inject(Fault(status=503, times=3))
    assert client.retrieve(app_id)["id"] == app_id
    assert [r.status for r in backend.calls("GET")] == [503, 503, 503, 200]


def test_patch_and_delete_are_retried(client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = client.create(REQUIRED)["id"]
    backend.inject(Fault(status=502, times=1))
    client.update(app_id, REQUIRED)
    backend.inject(Fault(status=500, times=1))
    client.delete(app_id)
    assert [r.status for r in backend.calls("PATCH")] == [502, 200]
    assert [r.status for r in backend.calls("DELETE")] == [500, 200]


def test_a_storm_longer_than_the_budget_raises_with_the_last_status(backend: TelnyxBackend, fake_server) -> None:
    backend.inject(Fault(status=503))
    with TelnyxClient(backend.api_key, fake_server.base_url, max_retries=2, backoff_factor=0.01) as client:
        with pytest.raises(TelnyxApiError) as caught:
            client.retrieve("1")
    assert caught.value.status == 503
    assert len(backend.calls("GET")) == 3


def test_a_post_that_meets_a_503_is_not_resent(client: TelnyxClient, backend: TelnyxBackend) -> None:
    backend.inject(Fault(status=503, times=1))
    with pytest.raises(TelnyxApiError) as caught:
        client.create(REQUIRED)
    assert caught.value.status == 503
    assert len(backend.calls("POST")) == 1
    assert backend.applications == {}


def test_a_429_with_retry_after_is_waited_out_then_succeeds(server_client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = server_client.create(REQUIRED)["id"]
    backend.inject(Fault(status=429, times=1, retry_after=1))
    started = time.monotonic()
    assert server_client.retrieve(app_id)["id"] == app_id
    waited = time.monotonic() - started
    assert waited >= 0.95, f"Retry-After: 1 was not honoured (waited {waited:.3f}s)"
    assert [r.status for r in backend.calls("GET")] == [429, 200]


def test_concurrent_calls_share_one_client(server_client: TelnyxClient, backend: TelnyxBackend) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            app = server_client.create({**REQUIRED, "application_name": f"app-{n}"})
            server_client.retrieve(app["id"])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(backend.applications) == 16


@pytest.mark.parametrize(
    "base_url",
    ["http://api.telnyx.com/v2", "ftp://127.0.0.1/v2", "api.telnyx.com/v2"],
)
def test_unsafe_base_urls_are_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        TelnyxClient("key", base_url)


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8080/v2", "http://localhost/v2", "http://[::1]:80/v2"])
def test_plain_http_is_allowed_for_loopback(base_url: str) -> None:
    assert TelnyxClient("key", base_url).base_url == base_url


def test_an_empty_key_is_refused_with_how_to_set_one() -> None:
    with pytest.raises(TelnyxApiError, match="TELNYX_API_KEY"):
        TelnyxClient("")


def test_the_client_cannot_be_pickled() -> None:
    import pickle

    with pytest.raises(TypeError, match="must not be pickled"):
        pickle.dumps(TelnyxClient("secret-key"))


def test_sequential_calls_reuse_one_connection(server_client: TelnyxClient, fake_server) -> None:
    app_id = server_client.create(REQUIRED)["id"]
    for _ in range(10):
        server_client.retrieve(app_id)
    assert fake_server.connections == 1


def test_a_dropped_connection_on_get_is_retried(server_client: TelnyxClient, backend: TelnyxBackend) -> None:
    app_id = server_client.create(REQUIRED)["id"]
    backend.inject(Fault(disconnect=True, times=2))
    assert server_client.retrieve(app_id)["id"] == app_id
    assert [r.status for r in backend.calls("GET")] == [0, 0, 200]


def test_a_post_whose_connection_drops_is_not_resent(client: TelnyxClient, backend: TelnyxBackend) -> None:
    backend.inject(Fault(disconnect=True, times=1))
    with pytest.raises(TelnyxApiError) as caught:
        client.create(REQUIRED)
    assert caught.value.status is None and "could not be completed" in str(caught.value)
    assert [r.status for r in backend.calls("POST")] == [0]
    assert backend.applications == {}


def test_a_key_with_a_trailing_newline_is_trimmed(fake_server, backend: TelnyxBackend) -> None:
    with TelnyxClient(backend.api_key + "\n", fake_server.base_url) as client:
        assert list(client.list()) == []


def test_a_key_that_cannot_go_in_a_header_is_refused_without_echoing_it() -> None:
    with pytest.raises(TelnyxApiError) as caught:
        TelnyxClient("KEYpart1\nsecret-part-2")
    assert "secret-part-2" not in str(caught.value) and "line breaks" in str(caught.value)
