"""The fake's rate limit (x-ratelimit-* headers, 429 past the budget) and its write faults,
the same through both front doors, with bare `requests` (no client in between)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from telnyx_fake import FakeTelnyxServer, Fault, RateLimit, TelnyxBackend, mock_telnyx

from ..conftest import REQUIRED

LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@dataclass
class Api:
    """A bare session with the fake's key, and the collection's URL, behind one front door."""

    session: requests.Session
    url: str

    def create(self) -> requests.Response:
        return self.session.post(self.url, json=REQUIRED)

    def list(self) -> requests.Response:
        return self.session.get(self.url)


@pytest.fixture(params=["in-process", "loopback-server"])
def api(request: pytest.FixtureRequest, backend: TelnyxBackend) -> Iterator[Api]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {backend.api_key}"
    if request.param == "in-process":
        with mock_telnyx(backend):
            yield Api(session, "https://api.telnyx.com/v2/call_control_applications")
    else:
        with FakeTelnyxServer(backend) as server:
            yield Api(session, f"{server.base_url}/call_control_applications")
    session.close()


# --- the rate limit -------------------------------------------------------------------------------


def test_every_answer_carries_the_rate_limit_headers(api: Api) -> None:
    answers = [api.create(), api.list(), api.session.get(f"{api.url}/1293384261075731499"), api.session.post(api.url, json={})]
    assert [a.status_code for a in answers] == [201, 200, 404, 422]
    for answer in answers:
        assert all(name in answer.headers for name in LIMIT_HEADERS), answer.headers


def test_the_default_budget_is_generous(api: Api) -> None:
    headers = api.list().headers
    assert int(headers["x-ratelimit-limit"]) >= 10_000
    assert int(headers["x-ratelimit-remaining"]) == int(headers["x-ratelimit-limit"]) - 1


def test_remaining_counts_down_and_past_the_budget_comes_429_with_retry_after(api: Api, backend: TelnyxBackend) -> None:
    backend.set_rate_limit(2, 60)
    answers = [api.list() for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["1", "0", "0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"2"}
    refused = answers[2]
    assert 0 < int(refused.headers["x-ratelimit-reset"]) <= 60
    assert refused.headers["Retry-After"] == refused.headers["x-ratelimit-reset"]
    assert refused.json()["errors"][0]["code"] == "10011"


def test_the_budget_counts_what_it_refused_and_not_injected_429s(api: Api, backend: TelnyxBackend) -> None:
    backend.set_rate_limit(2, 60)
    backend.inject(Fault(status=429, times=1))
    assert [api.list().status_code for _ in range(4)] == [429, 200, 429, 429]
    assert backend.rate_limit.refused == 2


def test_a_request_over_the_budget_is_not_applied(api: Api, backend: TelnyxBackend) -> None:
    backend.set_rate_limit(1, 60)
    api.list()
    assert api.create().status_code == 429
    assert backend.applications == {}


def test_a_new_window_refills_the_budget(api: Api, backend: TelnyxBackend) -> None:
    backend.set_rate_limit(1, 0.3)
    assert [api.list().status_code for _ in range(2)] == [200, 429]
    time.sleep(0.35)
    assert api.list().status_code == 200


def test_reset_keeps_the_budget_and_refills_its_window(api: Api, backend: TelnyxBackend) -> None:
    backend.set_rate_limit(1, 60)
    assert [api.list().status_code for _ in range(2)] == [200, 429]
    backend.reset()
    assert [api.list().status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize(("limit", "window"), [(0, 1.0), (1, 0), (2.5, 1.0), (True, 1.0)])
def test_a_nonsensical_budget_is_refused(limit: object, window: object) -> None:
    with pytest.raises(ValueError, match=r"limit|window"):
        RateLimit(limit, window)  # type: ignore[arg-type]  # the point is the wrong type


# --- write faults -----------------------------------------------------------------------------------


def test_a_lost_response_applies_the_request_then_drops_the_connection(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(lose_response=True, times=1))
    with pytest.raises(requests.ConnectionError):
        api.create()
    assert len(backend.applications) == 1
    assert [(r.method, r.status) for r in backend.calls()] == [("POST", 0)]
    assert api.list().json()["meta"]["total_results"] == 1


def test_a_disconnect_drops_the_connection_before_applying(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(disconnect=True, times=1))
    with pytest.raises(requests.ConnectionError):
        api.create()
    assert backend.applications == {}


def test_a_fault_for_one_method_leaves_the_others_alone(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(status=503, method="POST"))
    assert api.list().status_code == 200
    assert api.create().status_code == 503
    assert api.list().status_code == 200
