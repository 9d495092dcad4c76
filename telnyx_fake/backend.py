"""The fake's state and rules: call control applications in memory, a request log, injected faults (answers held
back among them) and a rate limit.

Business rules live here and never touch HTTP; the front doors (`api.py`
through `inprocess.py` and `server.py`) read requests and render responses.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import errors, schema
from .rate_limit import Budget, RateLimit

DEFAULT_API_KEY = "fake-telnyx-key"
SORT_KEYS = {"created_at": "created_at", "connection_name": "application_name", "active": "active"}
MAX_PAGE_SIZE = 250
# What a PATCH does with the optional fields it leaves out: "merge" keeps them, "reset" puts them back
# to their defaults. The reference does not say which the live API does, so the fake can play both.
PATCH_MODES = ("merge", "reset")
# How long a held answer waits for a release before it goes out anyway: long enough for any test to act,
# short enough that a test that forgets to release does not hang a client for good.
DEFAULT_HOLD_TIMEOUT = 30.0


@dataclass(frozen=True)
class RequestRecord:
    """One request the fake served."""

    method: str
    path: str
    status: int
    query: str = ""
    body: Any = None  # the JSON body the client sent (None without one), so tests can see what was written


@dataclass
class Fault:
    """Answer the next `times` requests (or a `ratio` of them) with `status`, after `latency` seconds.

    With `disconnect`, the connection is dropped without any answer, before the request is
    applied; with `lose_response`, the request is applied and then the connection is dropped,
    so the answer is lost (a create that happened, though its client never heard). Both are
    logged with status 0. With `method`, only requests of that method (e.g. "POST") count.

    With `hold`, the request is served as the other settings say (applied, unless `disconnect`) and
    logged, and then its answer is held back (`HeldAnswer`) until it is released
    (`TelnyxBackend.release_held`, `POST /_fake/held/release`) or `hold_timeout` seconds pass: the
    moment a client has sent a write that took effect and waits for the answer, kept open for as
    long as a test needs to act in it (kill the client, say).
    """

    status: int | None = None
    times: int | None = None
    ratio: float | None = None
    retry_after: float | None = None
    latency: float = 0.0
    disconnect: bool = False
    lose_response: bool = False
    method: str | None = None
    hold: bool = False
    hold_timeout: float = DEFAULT_HOLD_TIMEOUT

    def __post_init__(self) -> None:
        if isinstance(self.hold_timeout, bool) or not isinstance(self.hold_timeout, (int, float)) or not self.hold_timeout > 0:
            raise ValueError(f"hold_timeout must be a positive number of seconds, not {self.hold_timeout!r}")

    def applies_to(self, method: str) -> bool:
        """Whether this fault concerns a request of `method`."""
        return self.method is None or self.method.upper() == method.upper()


class HeldAnswer:
    """The answer to one request, held back by a `Fault(hold=True)` after the request was served and logged.

    The front door waits in `hold` until `release` (or the fault's timeout), writes the answer, then
    calls `mark_answered`; a test waits for that with `wait_until_answered`.
    """

    def __init__(self, method: str, path: str, status: int) -> None:
        self.method = method
        self.path = path
        self.status = status  # what the answer says (0: the connection is dropped instead)
        self._released = threading.Event()
        self._answered = threading.Event()

    def __repr__(self) -> str:
        return f"HeldAnswer({self.method} {self.path} -> {self.status})"

    @property
    def released(self) -> bool:
        """Whether the answer was let go (by a release or the timeout)."""
        return self._released.is_set()

    def release(self) -> None:
        """Let the answer go."""
        self._released.set()

    def wait_for_release(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds to be let go; whether it was (False: the timeout lets it go)."""
        return self._released.wait(timeout)

    def mark_answered(self) -> None:
        """Called by the front door once the answer is written (or the connection dropped)."""
        self._answered.set()

    def wait_until_answered(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the answer to have been written; whether it was."""
        return self._answered.wait(timeout)

    def describe(self) -> dict[str, Any]:
        """What the control endpoint shows of it."""
        return {"method": self.method, "path": self.path, "status": self.status, "released": self.released}


@dataclass
class _Page:
    data: list[dict[str, Any]]
    meta: dict[str, int]


@dataclass
class TelnyxBackend:
    """One Telnyx account's call control applications, with the API's rules."""

    api_key: str = DEFAULT_API_KEY
    seed: int = 0
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    patch_mode: str = "merge"
    rate_limit: RateLimit = field(default_factory=RateLimit)

    def __post_init__(self) -> None:
        self.set_patch_mode(self.patch_mode)
        self._lock = threading.RLock()
        self._random = random.Random(self.seed)
        self._created = 0
        self._held: list[HeldAnswer] = []
        self._held_changed = threading.Condition(self._lock)

    # --- control: what tests use to set the stage and count calls -------------------------

    def reset(self) -> None:
        """Forget every application, request and fault, and release every held answer; the rate limit stays, with a
        fresh window."""
        self.release_held()
        with self._lock:
            self.applications.clear()
            self.requests.clear()
            self.faults.clear()
            self.rate_limit = RateLimit(self.rate_limit.limit, self.rate_limit.window)

    def set_rate_limit(self, limit: int, window: float) -> None:
        """Allow `limit` API requests per `window` seconds from now on (a fresh window)."""
        with self._lock:
            self.rate_limit = RateLimit(limit, window)

    def spend_budget(self) -> Budget:
        """Count one API request against the rate limit; says whether it is allowed and what is left."""
        with self._lock:
            return self.rate_limit.spend(time.monotonic())

    def inject(self, fault: Fault) -> None:
        """Add a fault; it applies to API requests until spent."""
        with self._lock:
            self.faults.append(fault)

    def set_patch_mode(self, mode: str) -> None:
        """Choose what PATCH does with omitted optional fields: "merge" keeps them, "reset" resets them."""
        if mode not in PATCH_MODES:
            raise ValueError(f"patch mode {mode!r} is not one of {', '.join(PATCH_MODES)}")
        self.patch_mode = mode

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._lock:
            self.requests.clear()

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self.faults.clear()

    def record(self, method: str, path: str, status: int, query: str = "", body: Any = None) -> None:
        """Log a served request."""
        with self._lock:
            self.requests.append(RequestRecord(method, path, status, query, body))

    def calls(self, method: str | None = None) -> list[RequestRecord]:
        """The API requests served so far, optionally only those of one method."""
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]

    def next_fault(self, method: str) -> Fault | None:
        """The fault that applies to the `method` request being served now, if any (spends one use)."""
        with self._lock:
            for fault in list(self.faults):
                if not fault.applies_to(method):
                    continue
                if fault.ratio is not None and self._random.random() >= fault.ratio:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    # --- held answers (`Fault(hold=True)`) ------------------------------------------------------

    def hold(self, method: str, path: str, status: int, timeout: float) -> HeldAnswer:
        """Hold the answer to a request just served until it is released or `timeout` seconds pass; return it.

        Blocks the calling front door's thread; the answer shows in `held()` while it waits.
        """
        held = HeldAnswer(method, path, status)
        with self._held_changed:
            self._held.append(held)
            self._held_changed.notify_all()
        try:
            held.wait_for_release(timeout)
        finally:
            held.release()
            with self._held_changed:
                self._held.remove(held)
                self._held_changed.notify_all()
        return held

    def held(self) -> list[HeldAnswer]:
        """The answers being held now, oldest first."""
        with self._lock:
            return list(self._held)

    def wait_for_held(self, timeout: float) -> HeldAnswer:
        """The oldest answer being held, waiting up to `timeout` seconds for one; TimeoutError if none came."""
        deadline = time.monotonic() + timeout
        with self._held_changed:
            while not self._held:
                left = deadline - time.monotonic()
                if left <= 0:
                    served = ", ".join(f"{r.method} {r.path} {r.status}" for r in self.requests) or "none"
                    raise TimeoutError(f"no answer was held within {timeout:g} s; requests served: {served}")
                self._held_changed.wait(left)
            return self._held[0]

    def release_held(self) -> int:
        """Let every held answer go; how many there were."""
        with self._lock:
            held = list(self._held)
        for answer in held:
            answer.release()
        return len(held)

    def save(self, path: str) -> None:
        """Write the applications to a JSON file (atomically), so a later fake can pick them up."""
        with self._lock:  # one writer at a time, each with its own temporary file
            descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump({"applications": self.applications, "created": self._created}, file)
            os.replace(temporary, path)

    def load(self, path: str) -> None:
        """Read applications saved by `save`; a missing file means an empty account."""
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as file:
            snapshot = json.load(file)
        with self._lock:
            self.applications = snapshot["applications"]
            self._created = snapshot["created"]

    # --- the API ------------------------------------------------------------------------------

    def authorize(self, authorization: str | None) -> None:
        """Raise 401 unless the header carries this account's bearer key."""
        if authorization != f"Bearer {self.api_key}":
            raise errors.unauthorized()

    def create(self, body: Any) -> dict[str, Any]:
        """POST: validate (a create body takes no `tags`), fill defaults, store, return the new application."""
        return self._store(schema.check_create_body(body))

    def add_from_portal(self, body: Any) -> dict[str, Any]:
        """Store an application as someone made it in the Telnyx portal, which sets every field, tags included.

        Not an API request: for tests and demos that set the stage.
        """
        return self._store(schema.check_body(body))

    def _store(self, clean: dict[str, Any]) -> dict[str, Any]:
        now = _timestamp()
        with self._lock:
            app_id = self._new_id()
            app = schema.merge(schema.defaults(), clean)
            app.update(id=app_id, record_type="call_control_application", created_at=now, updated_at=now)
            app["_order"] = self._created
            self._created += 1
            self.applications[app_id] = app
            return _public(app)

    def retrieve(self, app_id: str) -> dict[str, Any]:
        """GET one application."""
        with self._lock:
            return _public(self._get(app_id))

    def update(self, app_id: str, body: Any) -> dict[str, Any]:
        """PATCH: the two required fields must be present; the others are merged, or reset when omitted
        (in the "reset" patch mode)."""
        with self._lock:
            current = self._get(app_id)
            clean = schema.check_body(body)
            if self.patch_mode == "reset":
                current = schema.merge(current, schema.defaults())
            updated = schema.merge(current, clean)
            updated["updated_at"] = _timestamp()
            self.applications[app_id] = updated
            return _public(updated)

    def delete(self, app_id: str) -> dict[str, Any]:
        """DELETE: remove and return the application."""
        with self._lock:
            app = self._get(app_id)
            del self.applications[app_id]
            return _public(app)

    def list(self, query: dict[str, str]) -> _Page:
        """GET the collection: filters, sort and pagination as the API documents them."""
        number = _page_param(query, "page[number]", 1, None)
        size = _page_param(query, "page[size]", 20, MAX_PAGE_SIZE)
        with self._lock:
            apps = [dict(a) for a in self.applications.values()]
        apps = _filtered(apps, query)
        apps = _sorted(apps, query.get("sort"))
        total = len(apps)
        start = (number - 1) * size
        meta = {
            "page_number": number,
            "page_size": size,
            "total_pages": max(1, math.ceil(total / size)),
            "total_results": total,
        }
        return _Page([_public(a) for a in apps[start:start + size]], meta)

    def _get(self, app_id: str) -> dict[str, Any]:
        if not schema.is_int64_id(app_id):
            raise errors.invalid_id(app_id)
        app = self.applications.get(app_id)
        if app is None:
            raise errors.not_found(f"/v2/call_control_applications/{app_id}")
        return app

    def _new_id(self) -> str:
        while True:
            candidate = str(self._random.randint(10**18, 9 * 10**18))
            if candidate not in self.applications:
                return candidate


def _public(app: dict[str, Any]) -> dict[str, Any]:
    public = {k: v for k, v in app.items() if not k.startswith("_")}
    for group in schema.NESTED:
        public[group] = dict(public.get(group, {}))
    public["tags"] = list(public.get("tags", []))
    return public


def _timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _page_param(query: dict[str, str], name: str, default: int, maximum: int | None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.bad_request(f"{name} must be an integer.", name) from None
    if value < 1 or (maximum is not None and value > maximum):
        span = f"between 1 and {maximum}" if maximum else "at least 1"
        raise errors.bad_request(f"{name} must be {span}.", name)
    return value


def _filtered(apps: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    contains = query.get("filter[application_name][contains]")
    if contains is not None:
        if len(contains) < 3:
            raise errors.bad_request(
                "filter[application_name][contains] requires at least three characters.",
                "filter[application_name][contains]",
            )
        apps = [a for a in apps if contains.lower() in a["application_name"].lower()]
    profile = query.get("filter[outbound_voice_profile_id]")
    if profile is not None:
        apps = [a for a in apps if a["outbound"].get("outbound_voice_profile_id") == profile]
    return apps


def _sorted(apps: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    if sort is None:
        return sorted(apps, key=lambda a: (a["created_at"], a["_order"]), reverse=True)
    descending = sort.startswith("-")
    key = SORT_KEYS.get(sort.lstrip("-"))
    if key is None:
        raise errors.bad_request(f"sort must be one of {', '.join(SORT_KEYS)} (with '-' for descending).", "sort")
    return sorted(apps, key=lambda a: (a[key], a["_order"]), reverse=descending)


def pause(seconds: float) -> None:
    """Sleep for injected latency (a function so tests can see where time goes)."""
    if seconds > 0:
        time.sleep(seconds)
