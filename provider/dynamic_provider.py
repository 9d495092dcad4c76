"""`CallControlApplicationProvider`: Pulumi's dynamic-provider contract for call control applications.

The engine runs this class inside `python -m pulumi.dynamic`, which loads it
with dill from the `__provider` property. It lives in an importable module so
dill pickles it by reference: the serialised provider stays a few hundred
bytes, is stable between runs, and picks up fixed code at once. It captures
nothing at construction, so nothing secret is ever pickled into state.

diff makes no API call, and neither does check, except for one GET when a
create adopts an existing application (`import_id`) and a key is configured:
a preview works without a key, and with one it fails a mismatched adoption.
create looks the name up, then makes one POST, and one PATCH more when tags
are declared (`creates.py`: no duplicate, no orphan, one application even when
an answer is lost); delete makes one call; update makes one PATCH carrying
only what changes (see `writes.py` for when it makes a second); read makes one
GET, or shares one listing of the account with the other reads of a refresh
(`account_snapshot.py`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from pulumi import log
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from field_model import fields
from telnyx_client.account_snapshot import AccountSnapshot
from telnyx_client.client import TelnyxClient
from telnyx_client.errors import KEY_HELP, TelnyxApiError

from . import adoption, wire
from .creates import ApplicationCreator
from .reporting import check_failure, reported
from .settings import ApiSettings, resolve_settings
from .writes import ApplicationWriter


class CallControlApplicationProvider(ResourceProvider):
    """Creates, reads, updates and deletes Telnyx call control applications for Pulumi."""

    # Nothing secret is captured at construction, so the serialised provider need not be a secret.
    serialize_as_secret_always = False

    def __getstate__(self) -> dict[str, Any]:
        # Whatever configure() set up (key, client, lock) stays in the host process.
        return {}

    def configure(self, req: ConfigureRequest) -> None:
        """Read `telnyx:apiKey` / `telnyx:baseUrl` from stack config, else TELNYX_API_KEY / TELNYX_BASE_URL."""
        self._settings = resolve_settings(req.config.get, os.environ)
        self._client: TelnyxClient | None = None
        self._application_writer: ApplicationWriter | None = None
        self._application_creator: ApplicationCreator | None = None
        self._lock = threading.Lock()
        self._applications = AccountSnapshot(self._api, by_list=self._settings.refresh_by_list)

    @reported("check")
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise the inputs; every failure at once, naming the property where printing it is safe.

        The inputs returned name every field (defaults filled in), so the engine's own
        field-by-field display compares like with like, before and after a refresh. No API
        call, except one GET to check an adoption (`import_id` at create) when a key is set.
        """
        secret = wire.secret_keys(news)
        result = fields.validate(wire.properties(news), is_placeholder=wire.is_unknown)
        failures = [check_failure(f) for f in result.failures]
        inputs = fields.desired_state(result.properties)
        if wire.APPLICATION_ID in olds:
            inputs[wire.APPLICATION_ID] = wire.plain(olds[wire.APPLICATION_ID])
        import_id, import_failures = _import_id_to_keep(olds, wire.import_id(news))
        failures += import_failures
        if import_id is not None:
            inputs[wire.IMPORT_ID] = import_id
            if not olds and not import_failures and not wire.is_unknown(import_id):
                failures += self._check_adoption(import_id, inputs, {f.path for f in result.failures})
        inputs = {k: wire.as_secret(v) if k in secret else v for k, v in inputs.items()}
        return CheckResult(inputs, failures)

    @reported("compare")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the live outputs with what the program asks for (omitted = API default). No API call."""
        if wire.contains_unknown(wire.properties(news)):
            return _in_place(changes=True)
        desired = fields.desired_state(fields.validate(wire.properties(news)).properties)
        live = fields.live_state(wire.properties(olds))
        return _in_place(changes=bool(fields.differing_paths(desired, live)))

    @reported("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the application once, refusing a name already taken (`ApplicationCreator`).

        A name lookup and one POST, plus one PATCH when tags are declared; the outputs are the
        application as Telnyx finally kept it. With an import id, one GET instead: the existing
        application is adopted as it is, and only if it already matches the declaration.
        """
        body = _request_body(props)
        import_id = wire.import_id(props)
        app = self._adopt(str(import_id), body) if import_id else self._creator().create(body)
        return CreateResult(str(app["id"]), _outputs(app))

    @reported("read")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET, or an answer from the refresh's one listing of the account (`AccountSnapshot`).

        In a refresh, a vanished application reads as an empty id, which drops it from state;
        for `CallControlApplication.get()` it is an error. The inputs returned are the live
        settings (never `import_id`), plus the application id under a key the engine does not
        display, so a later check can tell which application this state entry manages.
        """
        try:
            app = self._snapshot().retrieve(id_)
        except TelnyxApiError as error:
            if error.not_found and not wire.is_lookup(props):
                return ReadResult("", {})
            raise
        app_id = str(app["id"])
        inputs = {**fields.live_state(app), wire.APPLICATION_ID: app_id}
        return ReadResult(app_id, _outputs(app), inputs=inputs)

    @reported("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PATCH carrying only the fields that change (a removed field changes back to its default).

        `olds` are the old outputs: the application as last read. `ApplicationWriter` checks
        the answer and corrects an API that reset what the PATCH left out.
        """
        desired = _request_body(news)
        last_known = fields.live_state(wire.properties(olds))
        return UpdateResult(_outputs(self._writer().update(id_, desired, last_known)))

    @reported("delete")
    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        """One DELETE; an application that is already gone counts as deleted."""
        try:
            self._api().delete(id_)
        except TelnyxApiError as error:
            if not error.not_found:
                raise

    def _adopt(self, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            app = self._api().retrieve(app_id)
        except TelnyxApiError as error:
            if error.not_found:
                raise TelnyxApiError(f"Cannot import: {adoption.does_not_exist(app_id)}", 404) from None
            raise
        differences = adoption.mismatches(body, app)
        if differences:
            described = "; ".join(m.describe() for m in differences)
            raise TelnyxApiError(f"Cannot import: {adoption.declare_as_it_is(app_id)}. Differences: {described}")
        return app

    def _check_adoption(self, app_id: str, declared: dict[str, Any], failing: set[str]) -> list[CheckFailure]:
        # Without a key there is nothing to ask: the preview shows a plain adoption, and create checks it.
        settings: ApiSettings | None = getattr(self, "_settings", None)
        if settings is None or not settings.api_key:
            return []
        try:
            app = self._api().retrieve(app_id)
        except TelnyxApiError as error:
            if error.not_found:
                return [CheckFailure(wire.IMPORT_ID, adoption.does_not_exist(app_id))]
            return [CheckFailure(wire.IMPORT_ID, f"could not read call control application {app_id} to check the adoption: {error.message}")]

        def not_comparable(path: str, value: Any) -> bool:
            return path in failing or wire.contains_unknown(value)

        # The failures name import_id, so the engine's line quotes the id, never a declared value (a URL may hold credentials).
        return [
            CheckFailure(wire.IMPORT_ID, f"{m.describe()}; {adoption.declare_as_it_is(app_id)}")
            for m in adoption.mismatches(declared, app, skip=not_comparable)
        ]

    def _snapshot(self) -> AccountSnapshot:
        self._connected()  # a provider not configured, or without a key, fails here saying how to fix it
        return self._applications

    def _api(self) -> TelnyxClient:
        return self._connected()[0]

    def _writer(self) -> ApplicationWriter:
        return self._connected()[1]

    def _creator(self) -> ApplicationCreator:
        return self._connected()[2]

    def _connected(self) -> tuple[TelnyxClient, ApplicationWriter, ApplicationCreator]:
        settings: ApiSettings | None = getattr(self, "_settings", None)
        if settings is None:
            raise TelnyxApiError("The Telnyx provider was not configured; the Pulumi engine configures it before use")
        with self._lock:
            if self._client is None or self._application_writer is None or self._application_creator is None:
                if not settings.api_key:
                    raise TelnyxApiError(f"No Telnyx API key is set; {KEY_HELP}")
                try:
                    self._client = TelnyxClient(
                        settings.api_key,
                        settings.base_url,
                        backoff_factor=settings.backoff_factor,
                        pace_by_rate_limit_headers=settings.pace_by_rate_limit_headers,
                    )
                except ValueError as error:
                    raise TelnyxApiError(f"{error} (set by telnyx:baseUrl or TELNYX_BASE_URL)") from None
                # The host has no engine connection, so pulumi.log.warn writes to stderr, which the CLI shows.
                self._application_writer = ApplicationWriter(self._client, log.warn)
                self._application_creator = ApplicationCreator(self._client, self._application_writer)
            return self._client, self._application_writer, self._application_creator


def _import_id_to_keep(olds: Mapping[str, Any], import_id: Any) -> tuple[Any, list[CheckFailure]]:
    """The `import_id` the checked inputs keep, and what is wrong with it.

    Kept for a create, or when the old inputs hold the same one (so a refresh, which drops it,
    and a stack file that still carries it agree). Dropped for an application already in state,
    unless it names another application than the one this entry manages: that fails.
    """
    if import_id is None:
        return None, []
    if wire.is_unknown(import_id):
        return (import_id if not olds else None), []
    if not fields.is_id(import_id):
        return import_id, [CheckFailure(wire.IMPORT_ID, f"got {import_id!r}; expected an application id, a string of ASCII digits")]
    if not olds:
        return import_id, []
    adopted = wire.import_id(olds)
    if import_id == adopted:
        return import_id, []
    managed = adopted or wire.plain(olds.get(wire.APPLICATION_ID))
    if managed and import_id != managed:
        return None, [
            CheckFailure(
                wire.IMPORT_ID,
                f"names call control application {import_id}, but this resource already manages application "
                f"{managed}; an import_id adopts an application only at create. Remove the line, or declare "
                f"application {import_id} under another logical name to adopt it",
            )
        ]
    return None, []


def _in_place(changes: bool) -> DiffResult:
    # Every field of a call control application updates in place: nothing ever forces a replacement.
    return DiffResult(changes=changes, replaces=[], stables=[], delete_before_replace=False)


def _request_body(props: Mapping[str, Any]) -> dict[str, Any]:
    result = fields.validate(wire.properties(props))
    if result.failures:
        problems = "; ".join(f"{f.path} {f.reason}" for f in result.failures)
        raise ValueError(f"Invalid call control application: {problems}")
    return fields.desired_state(result.properties)


def _outputs(app: Mapping[str, Any]) -> dict[str, Any]:
    outputs = fields.live_state(app)
    outputs.update({name: app.get(name) for name in fields.OUTPUT_ONLY_FIELDS})
    return outputs
