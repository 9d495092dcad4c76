"""Every form in which an echoed request could carry a secret: what redaction must catch."""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

# A key with every character that changes under some encoding (all printable ASCII, as the client requires).
AWKWARD_KEY = "KEY0123/abc+def=ghi&<jk>\"lm\\no'pq"


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda found: found.group().lower(), text)


def encoded_forms(secret: str) -> dict[str, str]:
    """Each way a proxy or an API could echo `secret`, by name."""
    return {
        "raw": secret,
        "repr": repr(secret),
        "json": json.dumps(secret),
        "json with escaped slashes": json.dumps(secret).replace("/", "\\/"),
        "go json": json.dumps(secret).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
        "html": html.escape(secret),
        "quote": quote(secret, safe=""),
        "quote keeping slashes": quote(secret),
        "quote_plus": quote_plus(secret),
        "quote, lower-case hex": _lower_hex(quote(secret, safe="")),
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64 url-safe": base64.urlsafe_b64encode(secret.encode()).decode(),
        "bearer header in base64": base64.b64encode(f"Bearer {secret}".encode()).decode(),
        "basic credentials": base64.b64encode(f"user:{secret}".encode()).decode(),
        "basic credentials, other alignment": base64.b64encode(f"me:{secret}:x".encode()).decode(),
        "basic credentials url-safe": base64.urlsafe_b64encode(f"u:{secret}".encode()).decode(),
    }
