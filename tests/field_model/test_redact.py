"""Redaction: the API key in every encoded form, and webhook URLs without their credentials."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from field_model.redact import (
    describe_difference,
    has_credential_part,
    mask_url,
    scrub_secret,
    scrub_values,
    shown_value,
)

from ..support.secret_forms import AWKWARD_KEY, encoded_forms

KEY = AWKWARD_KEY


@pytest.mark.parametrize("form", list(encoded_forms(KEY)))
def test_the_key_is_scrubbed_in_every_encoded_form(form: str) -> None:
    encoded = encoded_forms(KEY)[form]
    text = f"proxy said: Authorization: {encoded} was refused"
    scrubbed = scrub_secret(text, KEY)
    assert encoded not in scrubbed
    assert "***" in scrubbed and scrubbed.startswith("proxy said: Authorization: ")


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=16, max_size=64), st.text(max_size=5))
def test_no_base64_run_holding_the_key_survives(key: str, prefix: str) -> None:
    encoded = base64.b64encode(f"{prefix}:{key}".encode()).decode()
    scrubbed = scrub_secret(encoded, key)
    # At most a few characters next to the key's own may remain: never enough to rebuild it.
    survivors = scrubbed.split("***")
    assert len(survivors) >= 2
    assert all(len(part) <= len(base64.b64encode(f"{prefix}:".encode())) + 4 for part in survivors)


def test_text_without_the_key_is_unchanged() -> None:
    text = "Telnyx API GET /call_control_applications failed with HTTP 503: Service unavailable"
    assert scrub_secret(text, KEY) == text
    assert scrub_secret(text, None) == text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pass@hooks.example.com/telnyx?token=abc", "https://hooks.example.com/…"),
        ("https://hooks.example.com/services/T0/B0/secretpath", "https://hooks.example.com/…"),
        ("https://hooks.example.com", "https://hooks.example.com"),
        ("https://hooks.example.com/", "https://hooks.example.com"),
        ("http://[::1]:8080/x", "http://[::1]:8080/…"),
        ("hooks.example.com/?token=abc", "(hidden)"),
        ("https://exa mple.com/?token=abc", "(hidden)"),
        ("https://[::1/?token=abc", "(hidden)"),
        ("", "(empty)"),
        (None, "(empty)"),
        (42, "(hidden)"),
    ],
)
def test_a_masked_url_shows_scheme_and_host_only(url: object, shown: str) -> None:
    assert mask_url(url) == shown


def test_an_error_body_is_scrubbed_in_every_string_it_holds() -> None:
    body = {"errors": [{"detail": f"header Bearer {KEY}", "source": {"pointer": base64.b64encode(KEY.encode()).decode()}, "code": 10}]}
    scrubbed = scrub_values(body, KEY)
    assert scrubbed["errors"][0]["detail"] == "header Bearer ***"
    assert scrubbed["errors"][0]["source"]["pointer"].startswith("***") and scrubbed["errors"][0]["code"] == 10


def test_a_url_can_be_scrubbed_into_its_masked_form() -> None:
    url = "https://hooks.example.com/telnyx?token=s3cr3t"
    text = f'API said: "webhook_event_url" {url} and {quote(url, safe="")} are unreachable'
    assert scrub_secret(text, url, mask_url(url)) == (
        'API said: "webhook_event_url" https://hooks.example.com/… and https://hooks.example.com/… are unreachable'
    )


def test_a_settings_value_is_shown_masked_only_when_it_may_carry_a_credential() -> None:
    assert shown_value("webhook_event_url", "https://u:p@hooks.example.com/x") == "https://hooks.example.com/…"
    assert shown_value("webhook_event_failover_url", "") == "(empty)"
    assert shown_value("dtmf_type", "Inband") == "'Inband'"
    assert shown_value("inbound.channel_limit", 4) == "4"


def test_a_difference_names_the_setting_and_says_when_its_values_are_masked() -> None:
    assert describe_difference("dtmf_type", "sent", "Inband", "kept", "RFC 2833") == "dtmf_type: sent 'Inband', kept 'RFC 2833'"
    masked = describe_difference("webhook_event_url", "sent", "https://a.example.com/t?token=s3", "kept", "https://b.example.com/")
    assert masked == "webhook_event_url: sent https://a.example.com/…, kept https://b.example.com (only scheme and host are shown)"


@pytest.mark.parametrize(
    ("url", "carries"),
    [
        ("https://hooks.example.com/telnyx", False),
        ("https://hooks.example.com/telnyx?token=abc", True),
        ("https://user:pass@hooks.example.com/telnyx", True),
        ("https://user@hooks.example.com/telnyx", True),
        ("https://hooks.example.com/telnyx#sig=abc", True),
        ("", False),
        (None, False),
    ],
)
def test_a_url_with_user_info_a_query_or_a_fragment_carries_a_credential(url: Any, carries: bool) -> None:
    assert has_credential_part(url) is carries
