"""How failures leave the provider: check failures the engine may print, errors with no secret and no chained cause."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from field_model.fields import FieldError
from provider import CallControlApplicationProvider
from provider.reporting import check_failure
from provider.writes import NotKeptError
from telnyx_client import TelnyxApiError

from ..support.secret_forms import AWKWARD_KEY, encoded_forms

REQUIRED = {"application_name": "call-router", "webhook_event_url": "https://hooks.example.com/telnyx?token=s3cr3t-t0ken"}


@pytest.fixture
def provider() -> CallControlApplicationProvider:
    provider = CallControlApplicationProvider()
    provider.configure(ConfigureRequest(Config({"telnyx:apiKey": AWKWARD_KEY}, "telnyx-call-control")))
    return provider


def raising(provider: CallControlApplicationProvider, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Make the provider's every API call raise `error`: an error raised in the provider, outside the client."""

    def broken() -> Any:
        raise error

    monkeypatch.setattr(provider, "_connected", broken)


@pytest.mark.parametrize("form", list(encoded_forms(AWKWARD_KEY)))
@pytest.mark.parametrize("kind", [RuntimeError, ValueError, KeyError])
def test_any_error_raised_in_the_provider_leaves_it_without_the_key(
    provider: CallControlApplicationProvider, monkeypatch: pytest.MonkeyPatch, form: str, kind: type[Exception]
) -> None:
    raising(provider, monkeypatch, kind(f"something went wrong with {encoded_forms(AWKWARD_KEY)[form]}"))
    with pytest.raises(Exception) as caught:
        provider.create(REQUIRED)
    text = str(caught.value)
    assert not any(encoded in text for encoded in encoded_forms(AWKWARD_KEY).values())
    assert "s3cr3t-t0ken" not in text
    assert text.rstrip().splitlines()[-1].startswith("Could not create call control application 'call-router': ")
    assert caught.value.__suppress_context__ and caught.value.__cause__ is None


def test_an_api_error_keeps_its_status_and_loses_the_key_in_its_error_objects(
    provider: CallControlApplicationProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    raising(provider, monkeypatch, TelnyxApiError("refused", 409, [{"detail": f"Bearer {AWKWARD_KEY}"}]))
    with pytest.raises(TelnyxApiError) as caught:
        provider.delete("1293384261075731499", REQUIRED)
    assert caught.value.status == 409 and caught.value.errors == [{"detail": "Bearer ***"}]
    assert str(caught.value) == "Could not delete call control application 1293384261075731499 ('call-router'): refused"
    # Raised afresh: no frame of where it first went wrong, no chained cause to print.
    assert "broken" not in [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert caught.value.__cause__ is None and caught.value.__context__ is None and caught.value.__suppress_context__


def test_a_webhook_url_in_an_error_is_shown_masked(provider: CallControlApplicationProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    raising(provider, monkeypatch, TelnyxApiError(f"{REQUIRED['webhook_event_url']} is unreachable", 422))
    with pytest.raises(TelnyxApiError, match=r"'call-router'\): https://hooks\.example\.com/… is unreachable$"):
        provider.update("1", REQUIRED, REQUIRED)


@pytest.mark.parametrize("path", ["dtmf_type", "application_name", "tags", "webhook_timeout_secs"])
def test_a_failure_on_a_top_level_setting_without_credentials_names_its_property(path: str) -> None:
    failure = check_failure(FieldError(path, "got 'x'; expected y"))
    assert (failure.property, failure.reason) == (path, "got 'x'; expected y")


@pytest.mark.parametrize(
    "path", ["webhook_event_url", "webhook_event_failover_url", "inbound.channel_limit", "webhook_event_ulr", "record_type", "inbound"]
)
def test_any_other_failure_names_no_property_and_starts_with_its_path(path: str) -> None:
    # A credential-bearing setting, a nested one (the engine finds only top-level properties), or one whose
    # value the model cannot vouch for: the engine must not print its value.
    failure = check_failure(FieldError(path, "is wrong; expected y"))
    assert (failure.property, failure.reason) == ("", f"{path} is wrong; expected y")


def test_an_api_error_keeps_its_class_and_attributes(provider: CallControlApplicationProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    not_kept = NotKeptError("1", [])
    raising(provider, monkeypatch, not_kept)
    with pytest.raises(NotKeptError) as caught:
        provider.update("1", REQUIRED, REQUIRED)
    assert caught.value.not_kept == [] and caught.value.status is None
    assert str(caught.value).startswith("Could not update call control application 1 ('call-router'): Telnyx did not keep")
