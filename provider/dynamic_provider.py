"""`CallControlApplicationProvider`: Pulumi's dynamic-provider contract for call control applications.

The engine runs this class inside `python -m pulumi.dynamic`, which loads it
with dill from the `__provider` property. It lives in an importable module so
dill pickles it by reference: the serialised provider stays a few hundred
bytes, is stable between runs, and picks up fixed code at once. It captures
nothing at construction, so nothing secret is ever pickled into state.

check and diff make no API call and need no API key, so a preview works
without one. create, read, update and delete make exactly one call each.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

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

from . import fields, wire
from .client import TelnyxClient
from .errors import KEY_HELP, TelnyxApiError
from .redact import shown_value
from .reporting import check_failure, reported
from .settings import ApiSettings, resolve_settings


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
        self._lock = threading.Lock()

    @reported("check")
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise the inputs; every failure at once, names the property. No API call.

        The inputs returned name every field (defaults filled in), so the engine's own
        field-by-field display compares like with like, before and after a refresh.
        """
        secret = wire.secret_keys(news)
        result = fields.validate(wire.properties(news), is_placeholder=wire.is_unknown)
        failures = [check_failure(f) for f in result.failures]
        inputs = fields.desired_state(result.properties)
        import_id = wire.import_id(news)
        if import_id is not None:
            inputs[wire.IMPORT_ID] = import_id
            if not wire.is_unknown(import_id) and not fields.is_id(import_id):
                failures.append(CheckFailure(wire.IMPORT_ID, f"got {import_id!r}; expected an application id, a string of ASCII digits"))
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
        """One POST carrying the full desired state; id and outputs come from its response.

        With an import id, one GET instead: the existing application is adopted as it is,
        and only if it already matches the declaration.
        """
        body = _request_body(props)
        import_id = wire.import_id(props)
        app = self._adopt(str(import_id), body) if import_id else self._api().create(body)
        return CreateResult(str(app["id"]), _outputs(app))

    @reported("read")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET. A vanished application reads as an empty id, which drops it from state."""
        try:
            app = self._api().retrieve(id_)
        except TelnyxApiError as error:
            if error.not_found:
                return ReadResult("", {})
            raise
        live = fields.live_state(app)
        return ReadResult(str(app["id"]), _outputs(app), inputs=live)

    @reported("update")
    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PATCH carrying the full desired state, so a removed field goes back to its default."""
        return UpdateResult(_outputs(self._api().update(id_, _request_body(news))))

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
                raise TelnyxApiError(f"Cannot import call control application {app_id}: it does not exist", 404) from None
            raise
        live = fields.live_state(app)
        differences = fields.differing_paths(body, live)
        if differences:
            described = "; ".join(
                f"{path}: the application has {shown_value(path, _at(live, path))}, "
                f"the program declares {shown_value(path, _at(body, path))}"
                for path in differences
            )
            raise TelnyxApiError(
                f"Cannot import call control application {app_id}: the program must declare what it has today "
                f"(change it in a later update). Differences: {described}"
            )
        return app

    def _api(self) -> TelnyxClient:
        settings: ApiSettings | None = getattr(self, "_settings", None)
        if settings is None:
            raise TelnyxApiError("The Telnyx provider was not configured; the Pulumi engine configures it before use")
        with self._lock:
            if self._client is None:
                if not settings.api_key:
                    raise TelnyxApiError(f"No Telnyx API key is set; {KEY_HELP}")
                try:
                    self._client = TelnyxClient(settings.api_key, settings.base_url)
                except ValueError as error:
                    raise TelnyxApiError(f"{error} (set by telnyx:baseUrl or TELNYX_BASE_URL)") from None
            return self._client


def _in_place(changes: bool) -> DiffResult:
    # Every field of a call control application updates in place: nothing ever forces a replacement.
    return DiffResult(changes=changes, replaces=[], stables=[], delete_before_replace=False)


def _request_body(props: Mapping[str, Any]) -> dict[str, Any]:
    result = fields.validate(wire.properties(props))
    if result.failures:
        problems = "; ".join(f"{f.path} {f.reason}" for f in result.failures)
        raise ValueError(f"Invalid call control application: {problems}")
    return fields.desired_state(result.properties)


def _at(state: Mapping[str, Any], path: str) -> Any:
    group, _, name = path.rpartition(".")
    return state[group][name] if group else state[name]


def _outputs(app: Mapping[str, Any]) -> dict[str, Any]:
    outputs = fields.live_state(app)
    outputs.update({name: app.get(name) for name in fields.OUTPUT_ONLY_FIELDS})
    return outputs
