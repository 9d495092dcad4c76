"""Creates over Pulumi's provider protocol against the fake on loopback: no duplicate, one application even
when an answer is lost, tags set in the same `up`, and no application left behind that no state knows about."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from ruamel.yaml import YAML

from provider.creates import LOOKUPS_AFTER_UNKNOWN_OUTCOME, MAX_RESENDS, STATE_BACKUP, import_line
from scripts.adoption.stack_file import to_yaml_node
from telnyx_fake import FakeTelnyxServer, Fault, TelnyxBackend

from ..conftest import PROTOCOL_API_KEY
from ..support.dynamic_host import DIFF_NONE, DynamicProviderHost, secret, with_provider

REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://hooks.example.com/telnyx"}
RERUN_IS_SAFE = "running `pulumi up` again is safe"
STATUS_PAGE = "Telnyx could not serve the request, even after retries: run again later (see https://status.telnyx.com)"
UNKNOWN = "; it may have reached Telnyx and been applied; whether it took effect is unknown"


@pytest.fixture(scope="module")
def fast_host(protocol_fake: FakeTelnyxServer) -> Iterator[DynamicProviderHost]:
    """A provider host whose client backs off 1 ms between retries (TELNYX_RETRY_BACKOFF), so storms are quick.

    The backoff doubles per retry: at 10 ms, three lookups of five retries each waited 0.9 s for nothing a test checks.
    """
    host = DynamicProviderHost(env={"TELNYX_RETRY_BACKOFF": "0.001"})
    host.configure({"telnyx:apiKey": secret(PROTOCOL_API_KEY), "telnyx:baseUrl": protocol_fake.base_url})
    yield host
    host.close()


@pytest.fixture
def backend(protocol_fake: FakeTelnyxServer) -> Iterator[TelnyxBackend]:
    backend = protocol_fake.backend
    backend.reset()
    yield backend
    backend.set_patch_mode("merge")


@pytest.fixture
def host(fast_host: DynamicProviderHost, backend: TelnyxBackend) -> DynamicProviderHost:
    return fast_host


def create(host: DynamicProviderHost, program: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """check then create, as `pulumi up` does for a new resource: (id, outputs, checked inputs)."""
    inputs, failures = host.check(with_provider(program))
    assert failures == []
    app_id, outputs = host.create(inputs)
    return app_id, outputs, inputs


def failed_create(host: DynamicProviderHost, program: dict[str, Any]) -> str:
    """The last line of the error a create fails with, as the engine shows it."""
    inputs, _ = host.check(with_provider(program))
    with pytest.raises(grpc.RpcError) as caught:
        host.create(inputs)
    details = caught.value.details()
    assert isinstance(details, str)

    return details.rstrip().splitlines()[-1]


def requests_made(backend: TelnyxBackend) -> list[tuple[str, int]]:
    return [(r.method, r.status) for r in backend.calls()]


def named(backend: TelnyxBackend, name: str) -> list[str]:
    return [app_id for app_id, app in backend.applications.items() if app["application_name"] == name]


def while_the_post_is_held(backend: TelnyxBackend, fault: Fault, action: Callable[[], Any]) -> threading.Thread:
    """Inject `fault` (one POST, with latency) and run `action` once that POST has taken it and is being held."""
    backend.inject(fault)

    def run() -> None:
        deadline = time.monotonic() + 10
        while any(f is fault for f in backend.faults) and time.monotonic() < deadline:
            time.sleep(0.005)
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


# --- a lost answer: one application, in this same create ---------------------------------------------------


def test_a_create_whose_answer_is_lost_after_commit_returns_the_one_application_it_made(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    backend.inject(Fault(lose_response=True, times=1, method="POST"))
    app_id, outputs, _ = create(host, REQUIRED)
    assert list(backend.applications) == [app_id]
    assert outputs["application_name"] == "call-router" and outputs["created_at"]
    assert requests_made(backend) == [("GET", 200), ("POST", 0), ("GET", 200)]


def test_a_post_dropped_before_it_was_applied_is_found_missing_and_sent_again(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    backend.inject(Fault(disconnect=True, times=1, method="POST"))
    app_id, _, _ = create(host, REQUIRED)
    assert list(backend.applications) == [app_id]
    assert requests_made(backend) == [("GET", 200), ("POST", 0), ("GET", 200), ("POST", 201)]


def test_a_post_that_never_gets_a_clear_answer_is_sent_three_times_then_fails_saying_a_rerun_is_safe(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    backend.inject(Fault(status=503, method="POST"))
    line = failed_create(host, REQUIRED)
    assert backend.applications == {}
    assert requests_made(backend) == [("GET", 200)] + [("POST", 503), ("GET", 200)] * (1 + MAX_RESENDS)
    assert f"nothing was created: the POST was sent {1 + MAX_RESENDS} times without a clear answer" in line
    assert RERUN_IS_SAFE in line and line.endswith("failed with HTTP 503: Injected fault: HTTP 503. (code 10006); " + STATUS_PAGE + UNKNOWN)


def test_a_create_answered_429_once_succeeds_in_the_same_create(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    backend.inject(Fault(status=429, times=1, method="POST"))
    app_id, _, _ = create(host, REQUIRED)
    assert list(backend.applications) == [app_id]
    assert requests_made(backend) == [("GET", 200), ("POST", 429), ("POST", 201)]


def test_a_lost_answer_after_which_two_applications_have_the_name_fails_naming_both(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    twin: list[str] = []
    held = while_the_post_is_held(
        backend,
        Fault(lose_response=True, times=1, latency=0.5, method="POST"),
        lambda: twin.append(backend.add_from_portal(REQUIRED)["id"]),  # another pipeline, at the same instant
    )
    line = failed_create(host, REQUIRED)
    held.join()
    ids = named(backend, "call-router")
    assert len(ids) == 2 and twin[0] in ids
    assert f"2 call control applications already have the name 'call-router' (ids {', '.join(ids)})" in line
    assert 'import_id: "<id>"' in line and "no more POSTs were sent (this create's POST got no clear answer" in line
    assert [m for m, _ in requests_made(backend)] == ["GET", "POST", "GET"]


def test_a_lost_answer_after_which_one_application_with_other_settings_has_the_name_fails_naming_it(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    other: list[str] = []
    held = while_the_post_is_held(
        backend,
        Fault(disconnect=True, times=1, latency=0.5, method="POST"),  # this POST is never applied
        lambda: other.append(backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband"})["id"]),
    )
    line = failed_create(host, REQUIRED)
    held.join()
    assert list(backend.applications) == other
    assert f"call control application {other[0]} already has the name 'call-router'" in line
    assert "dtmf_type: sent 'RFC 2833', kept 'Inband'" in line and import_line(other[0]) in line
    assert [m for m, _ in requests_made(backend)] == ["GET", "POST", "GET"]


def test_a_lost_answer_whose_lookup_fails_says_an_application_may_exist_and_the_rerun_names_it(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    held = while_the_post_is_held(
        backend,
        Fault(lose_response=True, times=1, latency=0.5, method="POST"),
        lambda: backend.inject(Fault(status=503, method="GET")),
    )
    line = failed_create(host, REQUIRED)
    held.join()
    [app_id] = named(backend, "call-router")
    assert "an application named 'call-router' may now exist that no Pulumi state knows about" in line
    assert f"looking the name up to find out failed too, {LOOKUPS_AFTER_UNKNOWN_OUTCOME} times; running `pulumi up` again is safe" in line
    assert "The last lookup: Telnyx API GET /call_control_applications failed with HTTP 503" in line
    lookups = [r for r in backend.calls("GET") if r.status == 503]
    assert len(lookups) == LOOKUPS_AFTER_UNKNOWN_OUTCOME * 6  # each lookup retried 5 times by the client

    backend.clear_faults()
    backend.clear_requests()
    rerun = failed_create(host, REQUIRED)
    assert f"call control application {app_id} already has the name 'call-router'" in rerun and import_line(app_id) in rerun
    assert requests_made(backend) == [("GET", 200)]


# --- duplicates refused by name ----------------------------------------------------------------------------


def test_a_create_that_finds_the_name_taken_fails_naming_it_with_the_import_line_and_sends_no_post(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    existing = backend.add_from_portal({**REQUIRED, "dtmf_type": "Inband"})["id"]
    line = failed_create(host, REQUIRED)
    assert line.startswith("provider.creates.NameTakenError: Could not create call control application 'call-router': ")
    assert f"call control application {existing} already has the name 'call-router', so no POST was sent" in line
    assert f'add `import_id: "{existing}"` under this application\'s entry in the stack file' in line
    assert requests_made(backend) == [("GET", 200)]
    assert list(backend.applications) == [existing]


def test_a_refusal_names_the_recovery_from_an_interrupted_up_in_order(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    made = backend.create(dict(REQUIRED))["id"]  # what the POST of an `up` killed before it saved the id left behind
    line = failed_create(host, REQUIRED)
    assert "If a `pulumi up` was interrupted while creating this application" in line
    steps = [
        f"`pulumi stack export --file {STATE_BACKUP}`",
        "add the `import_id` line",
        "`pulumi refresh --clear-pending-creates --yes`",
        "`pulumi up --yes` (adopts the application), then remove the `import_id` line",
    ]
    positions = [line.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), line
    assert import_line(made) in line and "It differs from this declaration" not in line
    assert list(backend.applications) == [made]


def test_a_refusal_names_what_the_application_has_that_the_declaration_does_not(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    backend.create(dict(REQUIRED))  # a create killed before its tags PATCH: the application has no tags
    line = failed_create(host, {**REQUIRED, "tags": ["ivr"]})
    assert "It differs from this declaration in: tags: the application has [], the program declares ['ivr']" in line
    assert "so declare those as the application has them (a create interrupted before its tags PATCH" in line
    assert line.endswith("then put the entry back as it was, without the `import_id` line, and run `pulumi up --yes` "
                         "again (it changes what was declared only to adopt the application)")


def test_a_name_held_by_several_applications_names_every_id(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    ids = [backend.add_from_portal(REQUIRED)["id"] for _ in range(2)]
    line = failed_create(host, REQUIRED)
    assert f"(ids {ids[0]}, {ids[1]})" in line and "no POST was sent" in line
    assert requests_made(backend) == [("GET", 200)]


def test_a_name_shorter_than_three_characters_is_still_found(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    existing = backend.add_from_portal({**REQUIRED, "application_name": "ab"})["id"]
    line = failed_create(host, {**REQUIRED, "application_name": "ab"})
    assert f"call control application {existing} already has the name 'ab'" in line
    assert [r.method for r in backend.calls()] == ["GET"] and "filter" not in backend.calls()[0].query


def test_a_name_that_is_part_of_another_applications_name_is_not_mistaken_for_it(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    others = {backend.add_from_portal({**REQUIRED, "application_name": name})["id"] for name in ("call-router-eu", "Call-Router")}
    app_id, outputs, _ = create(host, REQUIRED)
    assert outputs["application_name"] == "call-router" and set(backend.applications) == others | {app_id}


def test_an_adoption_looks_no_name_up_and_posts_nothing(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    existing = backend.add_from_portal(REQUIRED)["id"]
    app_id, _, _ = create(host, {**REQUIRED, "import_id": existing})
    assert app_id == existing
    assert [(r.method, r.path.rpartition("/")[2]) for r in backend.calls()] == [("GET", existing), ("GET", existing)]


def test_the_import_line_is_the_one_make_adopt_writes() -> None:
    written: list[str] = []
    YAML().dump(to_yaml_node({"import_id": "1293384261075731499"}), _Lines(written))
    assert "".join(written) == import_line("1293384261075731499") + "\n"


class _Lines:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str | bytes) -> None:
        self.lines.append(text.decode() if isinstance(text, bytes) else text)


# --- converge in one `up` ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["merge", "reset"])
def test_a_create_with_tags_sets_them_with_one_patch_and_then_nothing_changes(
    host: DynamicProviderHost, backend: TelnyxBackend, mode: str
) -> None:
    backend.set_patch_mode(mode)
    program = {**REQUIRED, "tags": ["ivr", "prod"], "dtmf_type": "Inband", "inbound": {"channel_limit": 5}}
    app_id, outputs, inputs = create(host, program)
    assert backend.applications[app_id]["tags"] == ["ivr", "prod"] and outputs["tags"] == ["ivr", "prod"]
    assert [m for m, _ in requests_made(backend)] == ["GET", "POST", "PATCH"]
    post, patch = backend.calls("POST")[0].body, backend.calls("PATCH")[0].body
    assert "tags" not in post and patch["tags"] == ["ivr", "prod"] and patch["dtmf_type"] == "Inband"

    assert host.diff(app_id, outputs, inputs).changes == DIFF_NONE  # `preview` right after `up`
    _, live, read_inputs = host.read(app_id, outputs, inputs)  # and after a refresh
    rechecked, _ = host.check(with_provider(program), olds=read_inputs)
    assert host.diff(app_id, live, rechecked).changes == DIFF_NONE


def test_a_create_without_tags_is_a_lookup_and_a_post_only(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    create(host, {**REQUIRED, "dtmf_type": "Inband"})
    assert [m for m, _ in requests_made(backend)] == ["GET", "POST"]


# --- no orphan: a create that fails after its POST leaves nothing behind ----------------------------------


def test_a_failed_tags_patch_rolls_the_create_back(host: DynamicProviderHost, backend: TelnyxBackend) -> None:
    backend.inject(Fault(status=422, times=1, method="PATCH"))
    line = failed_create(host, {**REQUIRED, "tags": ["ivr"]})
    assert backend.applications == {}
    assert [m for m, _ in requests_made(backend)] == ["GET", "POST", "PATCH", "DELETE"]
    app_id = backend.calls("DELETE")[0].path.rpartition("/")[2]
    assert f"call control application {app_id} ('call-router') was created, but finishing the create failed, so it was deleted again" in line
    assert "nothing is left behind in Telnyx" in line and RERUN_IS_SAFE in line
    assert "What failed: Telnyx API PATCH" in line and "HTTP 422" in line


def test_tags_the_api_does_not_keep_fail_naming_them_and_the_create_is_rolled_back(
    host: DynamicProviderHost, backend: TelnyxBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    update = backend.update
    monkeypatch.setattr(backend, "update", lambda app_id, body: update(app_id, {k: v for k, v in body.items() if k != "tags"}))
    line = failed_create(host, {**REQUIRED, "tags": ["ivr"]})
    assert "tags: sent ['ivr'], kept []" in line and "so it was deleted again" in line
    assert backend.applications == {}
    assert [m for m, _ in requests_made(backend)] == ["GET", "POST", "PATCH", "DELETE"]


def test_a_field_the_post_did_not_keep_gets_one_corrective_patch(
    host: DynamicProviderHost, backend: TelnyxBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = backend.create
    monkeypatch.setattr(backend, "create", lambda body: store({k: v for k, v in body.items() if k != "dtmf_type"}))
    app_id, outputs, inputs = create(host, {**REQUIRED, "dtmf_type": "Inband"})
    assert backend.applications[app_id]["dtmf_type"] == "Inband" and outputs["dtmf_type"] == "Inband"
    assert [m for m, _ in requests_made(backend)] == ["GET", "POST", "PATCH"]
    assert host.diff(app_id, outputs, inputs).changes == DIFF_NONE


def test_a_rollback_that_fails_names_the_application_and_how_to_adopt_or_delete_it(
    host: DynamicProviderHost, backend: TelnyxBackend
) -> None:
    backend.inject(Fault(status=503, method="PATCH"))
    backend.inject(Fault(status=503, method="DELETE"))
    line = failed_create(host, {**REQUIRED, "tags": ["ivr"]})
    [app_id] = backend.applications
    assert f"call control application {app_id} ('call-router') was created, but finishing the create failed and deleting it again failed too" in line
    assert "The DELETE: Telnyx API DELETE" in line
    assert f"add `{import_line(app_id)}` under this application's entry in the stack file" in line
    assert "otherwise delete it in the Telnyx portal" in line

    backend.clear_faults()
    rerun = failed_create(host, {**REQUIRED, "tags": ["ivr"]})  # the re-run refuses a second one and names it
    assert f"call control application {app_id} already has the name 'call-router'" in rerun
    assert list(backend.applications) == [app_id]
