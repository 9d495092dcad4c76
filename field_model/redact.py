"""Redaction: what may never reach a log, an error or a comment, removed in one place.

- The API key, in every form an echoed request could carry it: raw, Python repr, JSON-escaped,
  URL-encoded (upper- or lower-case hex), HTML-escaped, and base64 (standard or URL-safe, alone or
  inside a longer run such as the credentials of a `Basic` header).
- Webhook URLs, which often carry a credential (`https://user:pass@host/…`, `?token=…`, a secret
  path): shown as scheme and host only, and so is the value of every setting that may carry a
  credential (`fields.may_carry_credential`) wherever a message shows a setting's value.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from . import fields

REDACTED = "***"
# A base64 fragment shorter than this could occur by chance in unrelated text.
_MIN_BASE64_FRAGMENT = 8


def scrub_secret(text: str, secret: str | None, replacement: str = REDACTED) -> str:
    """`text` with every encoded form of `secret` replaced by `replacement` (`***`)."""
    if not secret:
        return text
    for form in sorted(_forms(secret), key=len, reverse=True):
        text = text.replace(form, replacement)
    return text


def scrub_values(value: Any, secret: str | None) -> Any:
    """A JSON-like value (such as an API error body) with `secret` scrubbed from every string in it."""
    if isinstance(value, str):
        return scrub_secret(value, secret)
    if isinstance(value, dict):
        return {scrub_secret(str(k), secret): scrub_values(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_values(item, secret) for item in value]
    return value


def _forms(secret: str) -> set[str]:
    url_encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        _go_json_escaped(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        *url_encoded,
        *(re.sub(r"%[0-9A-F]{2}", lambda hex_: hex_.group().lower(), form) for form in url_encoded),
    }
    forms.update(_base64_fragments(secret.encode()))
    return {form for form in forms if form}


def _go_json_escaped(secret: str) -> str:
    # Go's encoding/json escapes <, > and & as \u003c, \u003e and \u0026.
    return json.dumps(secret)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _base64_fragments(raw: bytes) -> Iterable[str]:
    """The base64 text that `raw` alone decides, at each of the three byte alignments it may start at.

    Inside a longer base64 run (`Basic dXNlcjpLRVk…`) the characters around the secret mix in its
    neighbours' bits; the ones between are the same wherever the secret sits, so they are what to remove.
    """
    for offset in range(3):
        padded = bytes(offset) + raw
        first = 4 if offset else 0  # the first quantum mixes in the padding
        last = len(padded) // 3 * 4  # a trailing partial quantum mixes in what follows
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            fragment = encode(padded).decode()[first:last]
            if len(fragment) >= _MIN_BASE64_FRAGMENT:
                yield fragment


def has_credential_part(url: object) -> bool:
    """Whether a webhook URL has a part that commonly holds a credential: user info, a query or a fragment.

    Such a URL is shown only masked, and never written in plain text into a tracked file. A value
    that does not parse as a URL counts as having one (the safe side).
    """
    if not isinstance(url, str) or not url:
        return False
    try:
        parts = urlsplit(url)
        return bool(parts.username is not None or parts.password is not None or parts.query or parts.fragment)
    except ValueError:
        return True


def mask_url(url: object) -> str:
    """A webhook URL as it may be shown anywhere: scheme and host only, `…` for whatever followed.

    The user part, path, query and fragment may all carry a credential, so none is shown. A value
    that is not a URL is not shown at all.
    """
    if not isinstance(url, str) or not url:
        return "(empty)" if url in ("", None) else "(hidden)"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "(hidden)"
    if not parts.scheme or not host or any(char.isspace() or ord(char) < 32 for char in host):
        return "(hidden)"
    host = f"[{host}]" if ":" in host else host
    shown = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    rest = bool(parts.username or parts.password or parts.path.strip("/") or parts.query or parts.fragment)
    return shown + ("/…" if rest else "")


def shown_value(path: str, value: object) -> str:
    """A setting's value as a message may show it: masked (`mask_url`) when the setting may carry a credential, else its repr."""
    spec = fields.FIELDS_BY_PATH.get(path)
    return mask_url(value) if spec is not None and fields.may_carry_credential(spec) else repr(value)


def describe_difference(path: str, first: str, first_value: object, second: str, second_value: object) -> str:
    """One line naming a setting and two of its values, each shown as `shown_value` shows it.

    `describe_difference("dtmf_type", "sent", "Inband", "kept", "RFC 2833")` is
    `dtmf_type: sent 'Inband', kept 'RFC 2833'`. Masked values can look alike, so the line says when they are.
    """
    line = f"{path}: {first} {shown_value(path, first_value)}, {second} {shown_value(path, second_value)}"
    spec = fields.FIELDS_BY_PATH.get(path)
    return line + " (only scheme and host are shown)" if spec is not None and fields.may_carry_credential(spec) else line
