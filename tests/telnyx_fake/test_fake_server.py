"""The fake as a process: `python -m telnyx_fake`, its first line, and its control endpoint."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running_fake(*flags: str) -> Iterator[str]:
    """Run `python -m telnyx_fake FLAGS` and yield the base URL it printed first."""
    process = subprocess.Popen([sys.executable, "-m", "telnyx_fake", *flags], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def fake_process() -> Iterator[str]:
    with running_fake("--port", "0", "--api-key", "process-key") as base_url:
        yield base_url


def test_it_prints_a_loopback_base_url_ending_in_v2(fake_process: str) -> None:
    assert fake_process.startswith("http://127.0.0.1:") and fake_process.endswith("/v2")


def test_it_serves_the_api_with_the_key_it_was_given(fake_process: str) -> None:
    url = f"{fake_process}/call_control_applications"
    assert requests.get(url, headers={"Authorization": "Bearer process-key"}).status_code == 200
    assert requests.get(url, headers={"Authorization": "Bearer other"}).status_code == 401


def test_control_endpoint_injects_faults_logs_requests_and_resets(fake_process: str) -> None:
    root = fake_process.removesuffix("/v2")
    url = f"{fake_process}/call_control_applications"
    auth = {"Authorization": "Bearer process-key"}
    assert requests.post(f"{root}/_fake/faults", json={"status": 503, "times": 1, "retry_after": 2}).status_code == 201
    first = requests.get(url, headers=auth)
    assert first.status_code == 503 and first.headers["Retry-After"] == "2"
    assert requests.get(url, headers=auth).status_code == 200
    log = requests.get(f"{root}/_fake/requests").json()["data"]
    assert [(r["method"], r["status"]) for r in log] == [("GET", 503), ("GET", 200)]
    requests.post(f"{root}/_fake/reset")
    assert requests.get(f"{root}/_fake/requests").json()["data"] == []


def test_the_control_endpoint_switches_the_patch_mode(fake_process: str) -> None:
    root = fake_process.removesuffix("/v2")
    url = f"{fake_process}/call_control_applications"
    auth = {"Authorization": "Bearer process-key"}
    body = {"application_name": "a", "webhook_event_url": "https://example.com"}
    app_id = requests.post(url, json={**body, "dtmf_type": "Inband"}, headers=auth).json()["data"]["id"]
    assert requests.get(f"{root}/_fake/patch-mode").json()["data"] == {"mode": "merge"}
    assert requests.post(f"{root}/_fake/patch-mode", json={"mode": "reset"}).json()["data"] == {"mode": "reset"}
    patched = requests.patch(f"{url}/{app_id}", json=body, headers=auth).json()["data"]
    assert patched["dtmf_type"] == "RFC 2833"
    assert requests.post(f"{root}/_fake/patch-mode", json={"mode": "sometimes"}).status_code == 400
    requests.post(f"{root}/_fake/reset")
    assert requests.get(f"{root}/_fake/patch-mode").json()["data"] == {"mode": "reset"}  # a setting, like the key
    log = requests.get(f"{root}/_fake/requests").json()["data"]
    assert log == []


def test_the_patch_mode_flag_applies_from_the_start() -> None:
    auth = {"Authorization": "Bearer fake-telnyx-key"}
    body = {"application_name": "a", "webhook_event_url": "https://example.com"}
    with running_fake("--patch-mode", "reset") as base:
        app_id = requests.post(f"{base}/call_control_applications", json={**body, "dtmf_type": "Inband"}, headers=auth).json()["data"]["id"]
        patched = requests.patch(f"{base}/call_control_applications/{app_id}", json=body, headers=auth).json()["data"]
        log = requests.get(f"{base.removesuffix('/v2')}/_fake/requests").json()["data"]
    assert patched["dtmf_type"] == "RFC 2833"
    assert [r["body"] for r in log] == [{**body, "dtmf_type": "Inband"}, body]


def test_fault_flags_apply_from_the_start() -> None:
    with running_fake("--fault-status", "429", "--fault-times", "1", "--fault-retry-after", "1") as base:
        statuses = [requests.get(f"{base}/call_control_applications").status_code for _ in range(2)]
    assert statuses == [429, 401]


def test_a_data_file_keeps_applications_across_restarts(tmp_path: Path) -> None:
    from telnyx_fake import FakeTelnyxServer, TelnyxBackend

    data_file = str(tmp_path / "state.json")
    body = {"application_name": "kept", "webhook_event_url": "https://example.com"}
    with FakeTelnyxServer(TelnyxBackend(), data_file=data_file) as first:
        auth = {"Authorization": f"Bearer {first.backend.api_key}"}
        app_id = requests.post(f"{first.base_url}/call_control_applications", json=body, headers=auth).json()["data"]["id"]
    with FakeTelnyxServer(TelnyxBackend(), data_file=data_file) as second:
        response = requests.get(f"{second.base_url}/call_control_applications/{app_id}", headers=auth)
    assert response.status_code == 200 and response.json()["data"]["application_name"] == "kept"


def test_concurrent_changes_all_reach_the_data_file(tmp_path: Path) -> None:
    import json
    from concurrent.futures import ThreadPoolExecutor

    from telnyx_fake import FakeTelnyxServer, TelnyxBackend

    data_file = tmp_path / "state.json"
    with FakeTelnyxServer(TelnyxBackend(), data_file=str(data_file)) as server:
        auth = {"Authorization": f"Bearer {server.backend.api_key}"}
        url = f"{server.base_url}/call_control_applications"

        def create(n: int) -> int:
            body = {"application_name": f"app-{n}", "webhook_event_url": "https://example.com"}
            return requests.post(url, json=body, headers=auth, timeout=10).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(60)))
    assert statuses == [201] * 60
    assert len(json.loads(data_file.read_text())["applications"]) == 60
    assert list(tmp_path.glob("*.tmp")) == []


def test_control_endpoint_sets_and_shows_the_rate_limit(fake_process: str) -> None:
    root = fake_process.removesuffix("/v2")
    url = f"{fake_process}/call_control_applications"
    auth = {"Authorization": "Bearer process-key"}
    assert requests.post(f"{root}/_fake/rate-limit", json={"limit": 1, "window": 60}).status_code == 200
    assert requests.get(f"{root}/_fake/rate-limit").json()["data"] == {"limit": 1, "window": 60, "refused": 0}
    answers = [requests.get(url, headers=auth) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    assert answers[1].headers["x-ratelimit-remaining"] == "0" and "Retry-After" in answers[1].headers


@pytest.mark.parametrize("body", [{"limit": 0, "window": 1}, {"limit": 5}, {"limit": "many", "window": 1}])
def test_control_endpoint_refuses_a_bad_rate_limit(fake_process: str, body: dict[str, object]) -> None:
    root = fake_process.removesuffix("/v2")
    refused = requests.post(f"{root}/_fake/rate-limit", json=body)
    assert refused.status_code == 400 and "limit" in refused.json()["errors"][0]["detail"]


def test_control_endpoint_injects_a_lost_response_for_one_method(fake_process: str) -> None:
    root = fake_process.removesuffix("/v2")
    url = f"{fake_process}/call_control_applications"
    auth = {"Authorization": "Bearer process-key"}
    fault = {"lose_response": True, "method": "POST", "times": 1}
    assert requests.post(f"{root}/_fake/faults", json=fault).status_code == 201
    assert requests.get(url, headers=auth).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={"application_name": "lost", "webhook_event_url": "https://example.com"}, headers=auth)
    names = [a["application_name"] for a in requests.get(url, headers=auth).json()["data"]]
    assert names == ["lost"]


def test_rate_limit_flags_set_the_budget_from_the_start() -> None:
    with running_fake("--rate-limit", "2", "--rate-limit-window", "60") as base:
        answers = [requests.get(f"{base}/call_control_applications") for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert [a.headers["x-ratelimit-limit"] for a in answers] == ["2", "2", "2"]


def test_lost_response_flags_apply_from_the_start() -> None:
    flags = ("--api-key", "k", "--fault-lose-response", "--fault-method", "POST", "--fault-times", "1")
    with running_fake(*flags) as base:
        url, auth = f"{base}/call_control_applications", {"Authorization": "Bearer k"}
        with pytest.raises(requests.ConnectionError):
            requests.post(url, json={"application_name": "lost", "webhook_event_url": "https://example.com"}, headers=auth)
        assert requests.get(url, headers=auth).json()["meta"]["total_results"] == 1


def test_a_nonsensical_rate_limit_flag_is_refused() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "telnyx_fake", "--rate-limit", "0"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert finished.returncode == 2 and "--rate-limit" in finished.stderr
