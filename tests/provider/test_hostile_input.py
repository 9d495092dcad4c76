"""Hostile and careless input over Pulumi's provider protocol: what reaches the engine, and what never does.

Values are sent as the engine sends them to this provider (plain: the host declares
`acceptSecrets: false`, so the engine unwraps secrets before every call). A check failure the
engine receives is printed with the value of the property it names (`issueCheckFailures` in
pulumi/pulumi), so "what the engine would print" is the reason plus that value.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telnyx_client.errors import KEY_HELP
from telnyx_fake import FakeTelnyxServer

from ..support.dynamic_host import DynamicProviderHost, Failure, with_provider
from ..support.hostile_values import BAD_IDS, BAD_NAMES, BAD_URLS
from ..support.secret_forms import AWKWARD_KEY, encoded_forms

REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://hooks.example.com/telnyx"}
TOKEN = "tok_9f8e7d6c5b4a"
STORED = {**REQUIRED, "id": "1293384261075731499", "record_type": "call_control_application"}

Responder = Callable[[str, dict[str, str], bytes], tuple[int, Any]]


class StandIn:
    """A loopback HTTP server standing in for the API or a proxy in front of it: answers with `responder`.

    Listing the collection (a create's lookup by name) finds an empty account, so a create's POST is what meets `responder`.
    """

    def __init__(self) -> None:
        self.responder: Responder = lambda method, headers, body: (500, None)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "GET" and urlsplit(self.path).path == "/v2/call_control_applications":
                    status, payload = 200, {"data": [], "meta": {"total_pages": 1}}
                else:
                    status, payload = stand_in.responder(self.command, dict(self.headers.items()), body)
                content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v2"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    yield server
    server.close()


@pytest.fixture(scope="module")
def echo_host(stand_in: StandIn) -> Iterator[DynamicProviderHost]:
    """A provider host whose API key holds every character some encoding changes, talking to the stand-in."""
    host = DynamicProviderHost()
    host.configure({"telnyx:apiKey": AWKWARD_KEY, "telnyx:baseUrl": stand_in.base_url})
    yield host
    stderr = host.close()
    assert not any(form in stderr for form in encoded_forms(AWKWARD_KEY).values())


def error_details(call: Callable[[], Any]) -> str:
    """What the engine receives when a provider call fails: the host's traceback text."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    details = caught.value.details()
    assert isinstance(details, str)
    return details


def leaked_forms(text: str) -> list[str]:
    """The names of the key's encoded forms found in `text`."""
    return [name for name, form in encoded_forms(AWKWARD_KEY).items() if form in text]


def key_in(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


# --- the API key, echoed back by an API or a proxy --------------------------------------------------------


@pytest.mark.parametrize("form", list(encoded_forms(AWKWARD_KEY)))
def test_an_error_echoing_the_key_in_any_encoding_reaches_the_engine_scrubbed(
    stand_in: StandIn, echo_host: DynamicProviderHost, form: str
) -> None:
    def echo(method: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        echoed = encoded_forms(key_in(headers))[form]
        errors = [{"code": "10015", "title": f"Bad header {echoed}", "detail": f"Authorization: Bearer {echoed}",
                   "source": {"pointer": f"/{echoed}"}}]
        return 422, {"errors": errors}

    stand_in.responder = echo
    details = error_details(lambda: echo_host.create(with_provider(REQUIRED)))
    assert leaked_forms(details) == []
    assert "HTTP 422" in details and "***" in details.split("Authorization: Bearer ", 1)[1]


@pytest.mark.parametrize("operation", ["create", "read", "update", "delete"])
def test_every_operation_scrubs_an_echoed_key(stand_in: StandIn, echo_host: DynamicProviderHost, operation: str) -> None:
    stand_in.responder = lambda method, headers, body: (403, {"errors": [{"detail": f"key {key_in(headers)} may not"}]})
    calls = {
        "create": lambda: echo_host.create(with_provider(REQUIRED)),
        "read": lambda: echo_host.read(STORED["id"], with_provider(STORED)),
        "update": lambda: echo_host.update(STORED["id"], with_provider(STORED), with_provider(REQUIRED)),
        "delete": lambda: echo_host.delete(STORED["id"], with_provider(STORED)),
    }
    details = error_details(calls[operation])
    assert leaked_forms(details) == [] and "key *** may not" in details and "HTTP 403" in details


def test_a_proxy_page_that_is_not_json_is_not_shown(stand_in: StandIn, echo_host: DynamicProviderHost) -> None:
    stand_in.responder = lambda method, headers, body: (400, f"<html>Bad request: {headers['Authorization']}</html>".encode())
    details = error_details(lambda: echo_host.create(with_provider(REQUIRED)))
    assert leaked_forms(details) == [] and "HTTP 400: no error details were returned" in details


# --- webhook URLs, echoed back -------------------------------------------------------------------------------


@pytest.mark.parametrize("encode", [str, lambda url: json.dumps(url)[1:-1].replace("/", "\\/"), lambda url: quote(url, safe="")])
def test_an_error_echoing_a_webhook_url_shows_it_masked(
    stand_in: StandIn, echo_host: DynamicProviderHost, encode: Callable[[str], str]
) -> None:
    def echo(method: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        sent = json.loads(body)
        detail = f"{encode(sent['webhook_event_url'])} did not answer; failover {encode(sent['webhook_event_failover_url'])}"
        return 422, {"errors": [{"detail": detail, "source": {"pointer": "/webhook_event_url"}}]}

    stand_in.responder = echo
    program = {
        **REQUIRED,
        "webhook_event_url": f"https://hooks.example.com/telnyx?token={TOKEN}",
        "webhook_event_failover_url": f"https://ops:{TOKEN}@failover.example.com/telnyx",
    }
    details = error_details(lambda: echo_host.create(with_provider(program)))
    assert TOKEN not in details
    assert "https://hooks.example.com/… did not answer; failover https://failover.example.com/…" in details


def test_a_failed_adoption_shows_the_differing_urls_masked(stand_in: StandIn, echo_host: DynamicProviderHost) -> None:
    live = {**STORED, "webhook_event_url": f"https://old.example.com/telnyx?token={TOKEN}"}
    stand_in.responder = lambda method, headers, body: (200, {"data": live})
    program = {**REQUIRED, "webhook_event_url": f"https://new.example.com/t/{TOKEN}", "import_id": STORED["id"]}
    details = error_details(lambda: echo_host.create(with_provider(program)))
    assert TOKEN not in details
    assert (
        "webhook_event_url: the application has https://old.example.com/…, the program declares "
        "https://new.example.com/… (only scheme and host are shown)" in details
    )


# --- what the last line of an error says ----------------------------------------------------------------------


def last_line(details: str) -> str:
    return details.rstrip().splitlines()[-1]


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (422, "correct the values named above and run again"),
        (403, "use a key of the account that owns them"),
        (401, f"the API key was refused; {KEY_HELP}"),
    ],
)
def test_the_last_line_says_what_failed_the_status_and_what_to_do(
    stand_in: StandIn, echo_host: DynamicProviderHost, status: int, advice: str
) -> None:
    stand_in.responder = lambda method, headers, body: (status, {"errors": [{"detail": "no", "source": {"pointer": "/dtmf_type"}}]})
    details = error_details(lambda: echo_host.create(with_provider(REQUIRED)))
    line = last_line(details)
    assert line.startswith(
        "telnyx_client.errors.TelnyxApiError: Could not create call control application 'call-router': "
        f"Telnyx API POST /call_control_applications failed with HTTP {status}: "
    )
    assert line.endswith(advice)
    assert "During handling of the above exception" not in details and "direct cause" not in details


def test_an_update_of_an_application_deleted_behind_pulumis_back_says_to_refresh(
    stand_in: StandIn, echo_host: DynamicProviderHost
) -> None:
    stand_in.responder = lambda method, headers, body: (404, {"errors": [{"detail": "gone"}]})
    line = last_line(error_details(lambda: echo_host.update(STORED["id"], with_provider(STORED), with_provider(REQUIRED))))
    assert line.startswith(f"telnyx_client.errors.TelnyxApiError: Could not update call control application {STORED['id']} ('call-router'): ")
    assert "HTTP 404" in line and line.endswith("run `pulumi refresh` to drop it from the state, then `pulumi up` to create it again")


def test_an_unexpected_answer_is_a_bug_report_with_its_frames_and_a_last_line(
    stand_in: StandIn, echo_host: DynamicProviderHost
) -> None:
    stand_in.responder = lambda method, headers, body: (201, {"data": {"application_name": key_in(headers)}})  # no id
    details = error_details(lambda: echo_host.create(with_provider(REQUIRED)))
    assert last_line(details) == (
        "Could not create call control application 'call-router': unexpected KeyError: 'id'; "
        "this is a bug in the provider, please report it"
    )
    assert "RuntimeError: Traceback" in details and "dynamic_provider.py" in details and leaked_forms(details) == []


# --- check: what it refuses, and what it lets the engine print ----------------------------------------------


def reported_path(failure: Failure) -> str:
    """The setting a failure is about: its property, or (for one that names none) the first word of its reason."""
    return failure.property or failure.reason.split(" ", 1)[0]


def printed_by_engine(failure: Failure, news: dict[str, Any]) -> str:
    """What `issueCheckFailures` prints for a failure: the reason, and the named property's value if any."""
    return failure.reason + (repr(news.get(failure.property)) if failure.property else "")


@pytest.mark.parametrize("kind", list(BAD_URLS))
@pytest.mark.parametrize("setting", ["webhook_event_url", "webhook_event_failover_url"])
def test_a_bad_webhook_url_fails_check_naming_no_property_and_quoting_nothing(
    protocol_host: DynamicProviderHost, protocol_fake: FakeTelnyxServer, setting: str, kind: str
) -> None:
    url, rule = BAD_URLS[kind]
    news = with_provider({**REQUIRED, setting: url})
    protocol_fake.backend.clear_requests()
    _, [failure] = protocol_host.check(news)
    assert failure.property == ""
    assert failure.reason.startswith(f"{setting} is not a valid webhook URL: ") and rule in failure.reason
    assert url not in failure.reason.split("; expected ")[0]
    assert protocol_fake.backend.calls() == []


@pytest.mark.parametrize("value", BAD_IDS)
def test_an_id_that_is_not_ascii_digits_fails_check(protocol_host: DynamicProviderHost, value: str) -> None:
    news = with_provider({**REQUIRED, "import_id": value, "outbound": {"outbound_voice_profile_id": value}})
    _, failures = protocol_host.check(news)
    assert sorted(reported_path(f) for f in failures) == ["import_id", "outbound.outbound_voice_profile_id"]
    assert all("ASCII digits" in f.reason for f in failures)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_with_a_control_character_fails_check(protocol_host: DynamicProviderHost, name: str) -> None:
    _, failures = protocol_host.check(with_provider({**REQUIRED, "application_name": name, "tags": [name]}))
    assert sorted(f.property for f in failures) == ["application_name", "tags"]
    assert all("control character or line break" in f.reason for f in failures)


# --- the property: any mix of valid and invalid values ---------------------------------------------------------

Part = tuple[Any, bool]  # a value, and whether the API accepts it

HIDDEN = [" ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u00a0", "\u200b", "\u2028", "\ufeff"]
NAME_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@st.composite
def webhook_urls(draw: st.DrawFn) -> Part:
    """A webhook URL, often carrying TOKEN, and whether it is one the API accepts."""
    scheme = draw(st.sampled_from(["https", "http", "HTTPS"]))
    user = draw(st.sampled_from(["", f"hooks:{TOKEN}@", "ops@"]))
    host = draw(st.one_of(
        st.lists(LABEL, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "example"])),
        st.ip_addresses(v=4).map(str),
        st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
    ))
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda number: f":{number}")))
    tail = draw(st.sampled_from(["", "/", f"/telnyx/{TOKEN}", f"/telnyx?token={TOKEN}", f"#{TOKEN}"]))
    mistake = draw(st.sampled_from([None, None, None, "scheme", "port", "hidden", "host"]))
    if mistake == "scheme":
        scheme = draw(st.sampled_from(["ftp", "javascript", "htp", ""]))
    elif mistake == "port":
        port = draw(st.sampled_from([":0", ":65536", ":99999", ":", ":https", ":-1"]))
    elif mistake == "host":
        host = draw(st.sampled_from(["exa_mple.com", "-hooks.example", "192.0.2.300", "[192.0.2.1]", "::1", "a" * 64 + ".io", ""]))
    url = f"{scheme}://{user}{host}{port}{tail}" if scheme else f"{user}{host}{port}{tail}"
    if mistake == "hidden":
        at = draw(st.integers(0, len(url)))
        url = url[:at] + draw(st.sampled_from(HIDDEN)) + url[at:]
    return url, mistake is None


@st.composite
def names(draw: st.DrawFn) -> Part:
    name = draw(st.text(NAME_CHARS, min_size=1, max_size=12).filter(str.strip))
    if draw(st.booleans()):
        return name, True
    at = draw(st.integers(0, len(name)))
    return name[:at] + draw(st.sampled_from(["\n", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028"])) + name[at:], False


def ids() -> st.SearchStrategy[Part]:
    good = st.from_regex(r"[0-9]{1,19}", fullmatch=True).map(lambda value: (value, True))
    bad = st.sampled_from(BAD_IDS).map(lambda value: (value, False))
    return st.one_of(good, bad)


def optional(part: st.SearchStrategy[Part]) -> st.SearchStrategy[Part | None]:
    return st.one_of(st.none(), part)


@st.composite
def property_bags(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    """A program's inputs mixing valid and invalid values, and the paths whose values the API would refuse."""
    parts: dict[str, Part | None] = {
        "application_name": draw(names()),
        "webhook_event_url": draw(webhook_urls()),
        "webhook_event_failover_url": draw(optional(st.one_of(st.just(("", True)), webhook_urls()))),
        "webhook_timeout_secs": draw(optional(st.one_of(st.integers(0, 30).map(lambda n: (n, True)), st.sampled_from([(31, False), (-1, False), (2.5, False)])))),
        "tags": draw(optional(st.lists(names(), max_size=3).map(lambda tags: ([t for t, _ in tags], all(ok for _, ok in tags))))),
        "import_id": draw(optional(ids())),
        "outbound.outbound_voice_profile_id": draw(optional(ids())),
        "inbound.sip_subdomain": draw(optional(st.one_of(LABEL.map(lambda v: (v, True)), st.sampled_from(["acme ivr", "acme.ivr", "-acme", "ivr\n"]).map(lambda v: (v, False))))),
        "webhook_event_ulr": draw(optional(st.just((f"https://hooks.example.com/?token={TOKEN}", False)))),
    }
    bag: dict[str, Any] = {}
    refused = set()
    for path, part in parts.items():
        if part is None:
            continue
        value, ok = part
        group, _, name = path.rpartition(".")
        (bag.setdefault(group, {}) if group else bag)[name] = value
        if not ok:
            refused.add(path)
    return bag, refused


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(property_bags())
def test_check_refuses_exactly_the_invalid_values_and_never_lets_a_token_be_printed(
    protocol_host: DynamicProviderHost, protocol_fake: FakeTelnyxServer, case: tuple[dict[str, Any], set[str]]
) -> None:
    bag, refused = case
    news = with_provider(bag)
    protocol_fake.backend.reset()
    _, failures = protocol_host.check(news)
    # The one request check may make: a valid import_id's adoption is checked with one GET (this fake
    # account holds no such application, so that check fails too).
    adopting = "import_id" in bag and "import_id" not in refused
    expected_refused = refused | {"import_id"} if adopting else refused
    assert {reported_path(f) for f in failures} == expected_refused
    if adopting:
        assert any(f.property == "import_id" and "does not exist" in f.reason for f in failures)
    for failure in failures:
        assert TOKEN not in printed_by_engine(failure, news)
    expected_requests = [("GET", f"/v2/call_control_applications/{bag['import_id']}")] if adopting else []
    assert [(r.method, r.path) for r in protocol_fake.backend.calls()] == expected_requests
