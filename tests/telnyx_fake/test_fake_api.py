"""The fake Telnyx behaves like the real API: envelopes, defaults, listing, and every rejection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from telnyx_fake import TelnyxBackend, mock_telnyx

from ..conftest import REQUIRED
from ..support.hostile_values import BAD_IDS, BAD_NAMES, BAD_URLS, VALID_IDS, VALID_URLS

BASE = "https://api.telnyx.com/v2/call_control_applications"


@pytest.fixture
def api(backend: TelnyxBackend) -> Iterator[requests.Session]:
    """A bare HTTP session against the in-process fake, with the right key."""
    with mock_telnyx(backend):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {backend.api_key}"
        yield session


def create(api: requests.Session, **fields: Any) -> requests.Response:
    return api.post(BASE, json={**REQUIRED, **fields})


def test_create_answers_201_with_a_data_envelope_and_server_fields(api: requests.Session) -> None:
    response = create(api)
    assert response.status_code == 201
    app = response.json()["data"]
    assert app["id"].isdigit()
    assert app["record_type"] == "call_control_application"
    assert app["created_at"].endswith("Z") and app["created_at"] == app["updated_at"]
    assert app["webhook_api_version"] == "1" and app["first_command_timeout_secs"] == 30
    assert app["webhook_timeout_secs"] is None and app["webhook_event_failover_url"] == ""
    assert app["tags"] == [] and app["call_cost_in_webhooks"] is False
    assert app["inbound"]["shaken_stir_enabled"] is False


def test_anchorsite_is_stored_unquoted_whichever_spelling_arrives(api: requests.Session) -> None:
    quoted = create(api, anchorsite_override='"Chicago, IL"').json()["data"]
    plain = create(api, anchorsite_override="Chicago, IL").json()["data"]
    assert quoted["anchorsite_override"] == plain["anchorsite_override"] == "Chicago, IL"
    assert create(api).json()["data"]["anchorsite_override"] == "Latency"


def test_patch_keeps_fields_it_does_not_name(api: requests.Session) -> None:
    app = create(api, dtmf_type="Inband", inbound={"channel_limit": 4}).json()["data"]
    patched = api.patch(f"{BASE}/{app['id']}", json={**REQUIRED, "inbound": {"sip_subdomain": "ivr"}})
    data = patched.json()["data"]
    assert patched.status_code == 200
    assert data["dtmf_type"] == "Inband" and data["inbound"]["channel_limit"] == 4
    assert data["inbound"]["sip_subdomain"] == "ivr"


def test_a_post_carrying_tags_is_refused_as_an_unknown_field(api: requests.Session, backend: TelnyxBackend) -> None:
    response = create(api, tags=["ivr"], colour="blue")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["source"]["pointer"], e["detail"]) for e in errors] == [
        ("/tags", "'tags' is not a valid parameter."),
        ("/colour", "'colour' is not a valid parameter."),
    ]
    assert backend.applications == {}


def test_tags_are_set_by_a_patch_after_the_create(api: requests.Session) -> None:
    app = create(api).json()["data"]
    patched = api.patch(f"{BASE}/{app['id']}", json={**REQUIRED, "tags": ["ivr", "prod"]})
    assert patched.status_code == 200 and patched.json()["data"]["tags"] == ["ivr", "prod"]


def test_an_application_made_in_the_portal_can_carry_tags_from_the_start(backend: TelnyxBackend) -> None:
    app = backend.add_from_portal({**REQUIRED, "tags": ["legacy"]})
    assert backend.applications[app["id"]]["tags"] == ["legacy"] and backend.calls() == []


def test_in_reset_mode_a_patch_resets_the_optional_fields_it_omits(api: requests.Session, backend: TelnyxBackend) -> None:
    app = backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband", "tags": ["ivr"], "inbound": {"channel_limit": 4, "sip_subdomain": "acme"}})
    backend.set_patch_mode("reset")
    patched = api.patch(f"{BASE}/{app['id']}", json={**REQUIRED, "active": False, "inbound": {"sip_subdomain": "acme"}})
    data = patched.json()["data"]
    assert patched.status_code == 200
    assert data["active"] is False and data["inbound"]["sip_subdomain"] == "acme"
    assert data["dtmf_type"] == "RFC 2833" and data["tags"] == [] and data["inbound"]["channel_limit"] is None
    assert (data["id"], data["created_at"], data["record_type"]) == (app["id"], app["created_at"], app["record_type"])


def test_an_unknown_patch_mode_is_refused(backend: TelnyxBackend) -> None:
    with pytest.raises(ValueError, match="'replace' is not one of merge, reset"):
        backend.set_patch_mode("replace")
    assert backend.patch_mode == "merge"


def test_delete_returns_the_object_then_it_is_gone(api: requests.Session) -> None:
    app_id = create(api).json()["data"]["id"]
    assert api.delete(f"{BASE}/{app_id}").json()["data"]["id"] == app_id
    assert api.get(f"{BASE}/{app_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"webhook_event_url": "https://example.com"}, "/application_name"),
        ({"application_name": "x"}, "/webhook_event_url"),
        ({**REQUIRED, "dtmf_type": "Pulse"}, "/dtmf_type"),
        ({**REQUIRED, "anchorsite_override": "Paris, FR"}, "/anchorsite_override"),
        ({**REQUIRED, "webhook_api_version": 2}, "/webhook_api_version"),
        ({**REQUIRED, "webhook_timeout_secs": 31}, "/webhook_timeout_secs"),
        ({**REQUIRED, "webhook_timeout_secs": -1}, "/webhook_timeout_secs"),
        ({**REQUIRED, "webhook_event_url": "example.com/hook"}, "/webhook_event_url"),
        ({**REQUIRED, "webhook_event_failover_url": "//no-scheme.example.com"}, "/webhook_event_failover_url"),
        ({**REQUIRED, "first_command_timeout_secs": 25.0}, "/first_command_timeout_secs"),
        ({**REQUIRED, "active": "true"}, "/active"),
        ({**REQUIRED, "colour": "blue"}, "/colour"),
        ({**REQUIRED, "inbound": {"channel_limit": 2.5}}, "/inbound/channel_limit"),
        ({**REQUIRED, "inbound": {"sip_subdomain_receive_settings": "everyone"}}, "/inbound/sip_subdomain_receive_settings"),
        ({**REQUIRED, "inbound": {"shaken_stir_enabled": 1}}, "/inbound/shaken_stir_enabled"),
        ({**REQUIRED, "outbound": {"outbound_voice_profile_id": "abc"}}, "/outbound/outbound_voice_profile_id"),
        ({**REQUIRED, "outbound": {"trunk": 1}}, "/outbound/trunk"),
    ],
)
def test_invalid_bodies_are_rejected_with_422_pointing_at_the_field(
    api: requests.Session, backend: TelnyxBackend, body: dict[str, Any], pointer: str
) -> None:
    response = api.post(BASE, json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["source"]["pointer"] for e in errors} == {pointer}
    assert all({"code", "title", "detail"} <= e.keys() for e in errors)
    assert backend.applications == {}


@pytest.mark.parametrize("tags", ["prod", [1], [None], {"a": "b"}])
def test_a_patch_refuses_tags_that_are_not_a_list_of_strings(api: requests.Session, tags: Any) -> None:
    app = create(api).json()["data"]
    response = api.patch(f"{BASE}/{app['id']}", json={**REQUIRED, "tags": tags})
    assert response.status_code == 422
    assert [e["source"]["pointer"] for e in response.json()["errors"]] == ["/tags"]


@pytest.mark.parametrize("url", VALID_URLS)
def test_the_api_takes_a_webhook_url_with_a_valid_host_and_port(api: requests.Session, url: str) -> None:
    response = create(api, webhook_event_url=url, webhook_event_failover_url=url)
    assert response.status_code == 201 and response.json()["data"]["webhook_event_url"] == url


@pytest.mark.parametrize("kind", list(BAD_URLS))
def test_the_api_refuses_a_webhook_url_it_cannot_deliver_to(api: requests.Session, backend: TelnyxBackend, kind: str) -> None:
    url, _ = BAD_URLS[kind]
    for name in ("webhook_event_url", "webhook_event_failover_url"):
        response = create(api, **{name: url})
        assert response.status_code == 422, (kind, name)
        assert [e["source"]["pointer"] for e in response.json()["errors"]] == [f"/{name}"]
    assert backend.applications == {}


@pytest.mark.parametrize("value", BAD_IDS)
def test_the_api_refuses_an_id_that_is_not_ascii_digits(api: requests.Session, backend: TelnyxBackend, value: str) -> None:
    response = create(api, outbound={"outbound_voice_profile_id": value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/outbound/outbound_voice_profile_id"
    if value.strip() and "/" not in value:
        assert api.get(f"{BASE}/{value}").status_code == 422


@pytest.mark.parametrize("value", VALID_IDS)
def test_the_api_takes_an_id_of_ascii_digits(api: requests.Session, value: str) -> None:
    assert create(api, outbound={"outbound_voice_profile_id": value}).status_code == 201
    assert api.get(f"{BASE}/{value}").status_code == 404


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_api_refuses_a_name_or_tag_with_a_control_character(api: requests.Session, name: str) -> None:
    assert create(api, application_name=name).json()["errors"][0]["source"]["pointer"] == "/application_name"
    app = create(api).json()["data"]
    patched = api.patch(f"{BASE}/{app['id']}", json={**REQUIRED, "tags": ["ok", name]})
    assert patched.json()["errors"][0]["source"]["pointer"] == "/tags"


@pytest.mark.parametrize("subdomain", ["acme ivr", "acme.ivr", "-acme", "acme_ivr", "ivr\n", ""])
def test_the_api_refuses_a_sip_subdomain_that_is_no_dns_label(api: requests.Session, subdomain: str) -> None:
    response = create(api, inbound={"sip_subdomain": subdomain})
    assert response.json()["errors"][0]["source"]["pointer"] == "/inbound/sip_subdomain"


def test_every_problem_in_a_body_is_reported_at_once(api: requests.Session) -> None:
    response = api.post(BASE, json={"dtmf_type": "Pulse", "inbound": {"channel_limit": 2.5}})
    pointers = sorted(e["source"]["pointer"] for e in response.json()["errors"])
    assert pointers == ["/application_name", "/dtmf_type", "/inbound/channel_limit", "/webhook_event_url"]


def test_patch_without_required_fields_is_rejected_and_changes_nothing(api: requests.Session, backend: TelnyxBackend) -> None:
    app_id = create(api).json()["data"]["id"]
    response = api.patch(f"{BASE}/{app_id}", json={"application_name": "renamed"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/webhook_event_url"
    assert backend.applications[app_id]["application_name"] == "call-router"


def test_patch_with_an_invalid_value_changes_nothing(api: requests.Session, backend: TelnyxBackend) -> None:
    app_id = create(api).json()["data"]["id"]
    response = api.patch(f"{BASE}/{app_id}", json={**REQUIRED, "application_name": "renamed", "dtmf_type": "x"})
    assert response.status_code == 422
    assert backend.applications[app_id]["application_name"] == "call-router"


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc"])
def test_requests_without_the_right_bearer_key_get_401(backend: TelnyxBackend, header: str | None) -> None:
    with mock_telnyx(backend):
        headers = {"Authorization": header} if header else {}
        response = requests.get(BASE, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "10009"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_malformed_ids_get_422(api: requests.Session, method: str) -> None:
    response = api.request(method, f"{BASE}/call-router", json=REQUIRED)
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["parameter"] == "id"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_ids_get_404(api: requests.Session, method: str) -> None:
    response = api.request(method, f"{BASE}/1293384261075731499", json=REQUIRED)
    assert response.status_code == 404
    assert response.json()["errors"][0]["title"] == "Resource not found"


def test_list_envelope_and_pagination_meta(api: requests.Session) -> None:
    for n in range(5):
        create(api, application_name=f"app-{n}")
    body = api.get(BASE, params={"page[number]": 2, "page[size]": 2}).json()
    assert body["meta"] == {"page_number": 2, "page_size": 2, "total_pages": 3, "total_results": 5}
    assert len(body["data"]) == 2
    assert api.get(BASE, params={"page[number]": 9, "page[size]": 2}).json()["data"] == []


def test_list_defaults_to_newest_first(api: requests.Session) -> None:
    for n in range(3):
        create(api, application_name=f"app-{n}")
    names = [a["application_name"] for a in api.get(BASE).json()["data"]]
    assert names == ["app-2", "app-1", "app-0"]


def test_sort_by_connection_name_orders_by_application_name(api: requests.Session) -> None:
    for name in ("bravo", "alpha", "charlie"):
        create(api, application_name=name)
    ascending = [a["application_name"] for a in api.get(BASE, params={"sort": "connection_name"}).json()["data"]]
    descending = [a["application_name"] for a in api.get(BASE, params={"sort": "-connection_name"}).json()["data"]]
    assert ascending == ["alpha", "bravo", "charlie"] and descending == ascending[::-1]


def test_sort_by_active(api: requests.Session) -> None:
    create(api, application_name="on")
    create(api, application_name="off", active=False)
    names = [a["application_name"] for a in api.get(BASE, params={"sort": "active"}).json()["data"]]
    assert names == ["off", "on"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page[size]": 251}, "page[size]"),
        ({"page[size]": 0}, "page[size]"),
        ({"page[number]": 0}, "page[number]"),
        ({"page[number]": "one"}, "page[number]"),
        ({"filter[application_name][contains]": "ab"}, "filter[application_name][contains]"),
        ({"sort": "name"}, "sort"),
    ],
)
def test_bad_list_parameters_get_400(api: requests.Session, params: dict[str, Any], parameter: str) -> None:
    response = api.get(BASE, params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"]["parameter"] == parameter


def test_name_filter_is_case_insensitive(api: requests.Session) -> None:
    create(api, application_name="Main-IVR")
    create(api, application_name="router")
    found = api.get(BASE, params={"filter[application_name][contains]": "ivr"}).json()["data"]
    assert [a["application_name"] for a in found] == ["Main-IVR"]


def test_the_request_log_counts_every_api_call(api: requests.Session, backend: TelnyxBackend) -> None:
    app_id = create(api).json()["data"]["id"]
    api.get(f"{BASE}/{app_id}")
    api.get(f"{BASE}/nope")
    assert [(r.method, r.status) for r in backend.calls()] == [("POST", 201), ("GET", 200), ("GET", 422)]


def test_the_request_log_keeps_each_json_body(api: requests.Session, backend: TelnyxBackend) -> None:
    app_id = create(api, dtmf_type="Inband").json()["data"]["id"]
    api.patch(f"{BASE}/{app_id}", json={**REQUIRED, "active": False})
    api.get(f"{BASE}/{app_id}")
    assert [r.body for r in backend.calls()] == [{**REQUIRED, "dtmf_type": "Inband"}, {**REQUIRED, "active": False}, None]


def test_a_fault_ratio_hits_only_a_share_of_requests(api: requests.Session, backend: TelnyxBackend) -> None:
    from telnyx_fake import Fault

    backend.inject(Fault(status=503, ratio=0.5))
    statuses = [api.get(BASE).status_code for _ in range(200)]
    assert 60 < statuses.count(503) < 140
    assert set(statuses) == {200, 503}


def test_injected_latency_delays_the_answer(api: requests.Session, backend: TelnyxBackend) -> None:
    import time

    from telnyx_fake import Fault

    backend.inject(Fault(latency=0.3, times=1))
    started = time.monotonic()
    assert api.get(BASE).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.get(BASE)
    assert time.monotonic() - started < 0.3


def test_a_fractional_retry_after_is_rounded_up(api: requests.Session, backend: TelnyxBackend) -> None:
    from telnyx_fake import Fault

    backend.inject(Fault(status=429, times=1, retry_after=0.5))
    assert api.get(BASE).headers["Retry-After"] == "1"
