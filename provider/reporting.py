"""How the provider's failures reach the Pulumi engine and the person reading its output.

- Check failures. The engine prints the value of the property a failure names, secret or not, and
  finds only top-level properties (`issueCheckFailures` in pulumi/pulumi's
  pkg/resource/deploy/step_generator.go). So a failure names its property only when that is a
  top-level setting that cannot carry a credential; any other failure names no property, and its
  reason starts with the setting's path, which the engine then prints alone.
- Errors. The provider host turns whatever a method raises into a traceback shown to the user
  (`_abort_with_traceback` in pulumi/dynamic/__main__.py), whose last line is the exception's
  message. `reported` makes that line say what failed, why (with the HTTP status) and what to do,
  with the API key and the webhook URLs scrubbed in every encoding, and raises it without the
  chained cause, which would only repeat it.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from pulumi.dynamic import CheckFailure

from field_model import fields
from field_model.redact import mask_url, scrub_secret, scrub_values
from telnyx_client.errors import TelnyxApiError

from . import wire

_Method = TypeVar("_Method", bound=Callable[..., Any])
# Shorter values are not scrubbed from messages: they could match unrelated text. No webhook URL is this short.
_MIN_SCRUBBED_URL = len("http://x")


def check_failure(failure: fields.FieldError) -> CheckFailure:
    """The check failure the engine receives for a field failure: named by property only when printing it is safe."""
    spec = fields.FIELDS_BY_PATH.get(failure.path)
    if spec is not None and spec.group is None and not fields.may_carry_credential(spec):
        return CheckFailure(failure.path, failure.reason)
    return CheckFailure("", f"{failure.path} {failure.reason}")


def reported(action: str) -> Callable[[_Method], _Method]:
    """Decorate a provider method so any error it raises reads as one clean line without a secret.

    `action` is the verb for the message ("create", "update", ...). The provider's API key is
    read from its `_settings`, set by `configure`.
    """

    def decorate(method: _Method) -> _Method:
        @functools.wraps(method)
        def reporting(self: Any, *args: Any) -> Any:
            try:
                return method(self, *args)
            except Exception as error:  # noqa: BLE001 - every error is re-raised, reworded: none is swallowed
                settings = getattr(self, "_settings", None)
                raise failure(action, args, error, getattr(settings, "api_key", None)) from None

        return cast(_Method, reporting)

    return decorate


def failure(action: str, args: Sequence[Any], error: Exception, api_key: str | None) -> Exception:
    """The error to raise for `error`, raised by the provider method `action` called with `args`."""
    summary = f"Could not {action} {_subject(args)}: "
    if isinstance(error, TelnyxApiError):
        return _reworded(error, scrub(summary + _api_reason(action, error), args, api_key), api_key)
    if isinstance(error, ValueError):
        message = summary + f"{error}; correct the program or the stack file and run again"
        return ValueError(scrub(message, args, api_key))
    # A bug: keep its frames for whoever fixes it, above the one line that says what happened.
    frames = "".join(traceback.format_exception(error)).rstrip()
    message = f"{frames}\n{summary}unexpected {type(error).__name__}: {error}; this is a bug in the provider, please report it"
    return RuntimeError(scrub(message, args, api_key))


def _reworded(error: TelnyxApiError, message: str, api_key: str | None) -> TelnyxApiError:
    # Reworded in place, so its class and attributes stay (a NotKeptError keeps `not_kept`). Its frames and
    # chained causes go: they may hold the request, key included, and add nothing to the message.
    error.args = (message,)
    error.message = message
    error.errors = scrub_values(error.errors, api_key)
    error.__cause__ = error.__context__ = None
    return error.with_traceback(None)


def scrub(text: str, args: Sequence[Any], api_key: str | None) -> str:
    """`text` without the API key, and with each webhook URL found in `args` masked to scheme and host."""
    for url in _webhook_urls(args):
        text = scrub_secret(text, url, mask_url(url))
    return scrub_secret(text, api_key)


def _webhook_urls(args: Sequence[Any]) -> list[str]:
    urls = set()
    for bag in args:
        if isinstance(bag, Mapping):
            properties = wire.properties(bag)
            for path in fields.CREDENTIAL_PATHS:
                value = fields.value_at(properties, path)
                if isinstance(value, str) and len(value) >= _MIN_SCRUBBED_URL:
                    urls.add(value)
    return sorted(urls, key=len, reverse=True)


def _subject(args: Sequence[Any]) -> str:
    app_id = args[0] if args and isinstance(args[0], str) and args[0] else None
    names = [bag.get("application_name") for bag in args if isinstance(bag, Mapping)]
    name = next((wire.plain(n) for n in reversed(names) if isinstance(wire.plain(n), str)), None)
    subject = "call control application"
    if app_id is not None:
        subject += f" {app_id}"
    if name is not None:
        subject += f" ({name!r})" if app_id is not None else f" {name!r}"
    return subject


def _api_reason(action: str, error: TelnyxApiError) -> str:
    if action == "update" and error.not_found:
        return (
            f"{error.message}; it was deleted outside Pulumi: run `pulumi refresh` to drop it from the state, "
            "then `pulumi up` to create it again"
        )
    return error.message
