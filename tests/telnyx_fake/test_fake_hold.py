"""The fake's held answers (`Fault(hold=True)`): the request is served and logged, then its answer waits until it is
released or its timeout passes. The same through both front doors, the control endpoint and the flags."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from telnyx_fake import FakeTelnyxServer, Fault, TelnyxBackend, mock_telnyx

from ..conftest import REQUIRED
from .test_fake_server import ROOT, running_fake

WAIT = 10.0  # the deadline of every wait on a condition; none is reached when the fake behaves


@dataclass
class Api:
    """A bare session with the fake's key, the collection's URL, and a thread to send requests that will wait."""

    session: requests.Session
    url: str
    pool: ThreadPoolExecutor

    def create_in_background(self) -> Future[requests.Response]:
        return self.pool.submit(self.session.post, self.url, json=REQUIRED, timeout=WAIT)

    def list(self) -> requests.Response:
        return self.session.get(self.url, timeout=WAIT)


@pytest.fixture(params=["in-process", "loopback-server"])
def api(request: pytest.FixtureRequest, backend: TelnyxBackend) -> Iterator[Api]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {backend.api_key}"
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            if request.param == "in-process":
                with mock_telnyx(backend):
                    yield Api(session, "https://api.telnyx.com/v2/call_control_applications", pool)
            else:
                with FakeTelnyxServer(backend) as server:
                    yield Api(session, f"{server.base_url}/call_control_applications", pool)
        finally:
            backend.release_held()  # a failed test must not leave a request waiting out its timeout
    session.close()


def test_a_held_create_is_applied_and_logged_while_its_answer_waits(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(hold=True, times=1, method="POST"))
    answer = api.create_in_background()
    held = backend.wait_for_held(WAIT)
    assert (held.method, held.path, held.status) == ("POST", "/v2/call_control_applications", 201)
    assert not answer.done()
    assert [app["application_name"] for app in backend.applications.values()] == ["call-router"]
    assert [(r.method, r.status) for r in backend.calls()] == [("POST", 201)]


def test_a_released_answer_reaches_the_client_as_the_api_gave_it(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(hold=True, times=1, method="POST"))
    answer = api.create_in_background()
    held = backend.wait_for_held(WAIT)
    assert backend.release_held() == 1
    response = answer.result(WAIT)
    assert response.status_code == 201 and list(backend.applications) == [response.json()["data"]["id"]]
    assert held.wait_until_answered(WAIT) and held.released and backend.held() == []


def test_an_answer_nobody_releases_goes_out_after_the_hold_timeout(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(hold=True, hold_timeout=0.2, times=1, method="POST"))
    started = time.monotonic()
    response = api.create_in_background().result(WAIT)
    assert response.status_code == 201 and time.monotonic() - started >= 0.2
    assert backend.held() == []


def test_a_held_lost_response_is_applied_then_dropped_when_released(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(hold=True, lose_response=True, times=1, method="POST"))
    answer = api.create_in_background()
    assert backend.wait_for_held(WAIT).status == 0
    assert len(backend.applications) == 1
    backend.release_held()
    with pytest.raises(requests.ConnectionError):
        answer.result(WAIT)


def test_a_held_answer_of_one_method_leaves_the_others_alone(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(hold=True, times=1, method="POST"))
    answer = api.create_in_background()
    backend.wait_for_held(WAIT)
    listed = api.list()
    assert listed.status_code == 200 and listed.json()["meta"]["total_results"] == 1
    assert not answer.done()


def test_reset_releases_every_held_answer(api: Api, backend: TelnyxBackend) -> None:
    backend.inject(Fault(hold=True, times=1, method="POST"))
    answer = api.create_in_background()
    backend.wait_for_held(WAIT)
    backend.reset()
    assert answer.result(WAIT).status_code == 201 and backend.held() == []


def test_waiting_for_a_held_answer_that_never_comes_times_out_naming_what_was_served(backend: TelnyxBackend) -> None:
    backend.record("GET", "/v2/call_control_applications", 200)
    with pytest.raises(TimeoutError, match=r"no answer was held within 0\.05 s; requests served: GET /v2/call_control_applications 200"):
        backend.wait_for_held(0.05)


@pytest.mark.parametrize("timeout", [0, -1, "soon", True])
def test_a_hold_timeout_that_is_not_a_positive_number_is_refused(timeout: object) -> None:
    with pytest.raises(ValueError, match="hold_timeout must be a positive number of seconds"):
        Fault(hold=True, hold_timeout=timeout)  # type: ignore[arg-type]  # the point is the wrong value


def test_a_stopped_server_lets_its_held_answers_go(backend: TelnyxBackend) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        server = FakeTelnyxServer(backend).start()
        backend.inject(Fault(hold=True, times=1, method="POST"))
        headers = {"Authorization": f"Bearer {backend.api_key}"}
        answer = pool.submit(requests.post, f"{server.base_url}/call_control_applications", json=REQUIRED, headers=headers, timeout=WAIT)
        held = backend.wait_for_held(WAIT)
        server.stop()
        assert held.wait_until_answered(WAIT)
        assert answer.result(WAIT).status_code == 201


# --- the control endpoint and the flags -----------------------------------------------------------------


@pytest.fixture
def fake_process() -> Iterator[str]:
    with running_fake("--api-key", "process-key") as base_url:
        yield base_url


def wait_for_held_over_http(root: str) -> list[dict[str, object]]:
    """GET /_fake/held until it lists an answer (or the deadline passes)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        held = requests.get(f"{root}/_fake/held", timeout=WAIT).json()["data"]
        if held:
            return list(held)
        time.sleep(0.01)  # polling a condition, with a deadline
    raise AssertionError("no answer was held")


def test_the_control_endpoint_holds_lists_and_releases_an_answer(fake_process: str) -> None:
    root, url = fake_process.removesuffix("/v2"), f"{fake_process}/call_control_applications"
    fault = {"hold": True, "method": "POST", "times": 1}
    assert requests.post(f"{root}/_fake/faults", json=fault, timeout=WAIT).status_code == 201
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(requests.post, url, json=REQUIRED, headers={"Authorization": "Bearer process-key"}, timeout=WAIT)
        held = wait_for_held_over_http(root)
        assert held == [{"method": "POST", "path": "/v2/call_control_applications", "status": 201, "released": False}]
        assert requests.post(f"{root}/_fake/held/release", timeout=WAIT).json()["data"] == {"released": 1}
        assert answer.result(WAIT).status_code == 201
    assert requests.get(f"{root}/_fake/held", timeout=WAIT).json()["data"] == []


def test_the_control_endpoint_refuses_a_bad_hold_timeout(fake_process: str) -> None:
    root = fake_process.removesuffix("/v2")
    refused = requests.post(f"{root}/_fake/faults", json={"hold": True, "hold_timeout": 0}, timeout=WAIT)
    assert refused.status_code == 400 and "hold_timeout" in refused.json()["errors"][0]["detail"]


def test_hold_flags_apply_from_the_start() -> None:
    flags = ("--api-key", "k", "--fault-hold", "--fault-method", "POST", "--fault-times", "1")
    with running_fake(*flags) as base, ThreadPoolExecutor(max_workers=1) as pool:
        root, url = base.removesuffix("/v2"), f"{base}/call_control_applications"
        answer = pool.submit(requests.post, url, json=REQUIRED, headers={"Authorization": "Bearer k"}, timeout=WAIT)
        assert [h["method"] for h in wait_for_held_over_http(root)] == ["POST"]
        requests.post(f"{root}/_fake/held/release", timeout=WAIT)
        assert answer.result(WAIT).status_code == 201


def test_the_hold_timeout_flag_lets_the_answer_go_by_itself() -> None:
    flags = ("--api-key", "k", "--fault-hold", "--fault-hold-timeout", "0.2", "--fault-times", "1")
    with running_fake(*flags) as base:
        started = time.monotonic()
        response = requests.post(f"{base}/call_control_applications", json=REQUIRED, headers={"Authorization": "Bearer k"}, timeout=WAIT)
    assert response.status_code == 201 and time.monotonic() - started >= 0.2


def test_a_nonsensical_hold_timeout_flag_is_refused() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "telnyx_fake", "--fault-hold", "--fault-hold-timeout", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert finished.returncode == 2 and "--fault-hold-timeout" in finished.stderr
