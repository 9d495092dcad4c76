"""The Telnyx v2 API over HTTP: the client, its transport and retries, rate-limit pacing, the account snapshot a
refresh reads from, and the API's errors. Nothing here knows Pulumi; the field model says what a field is."""

from .client import TelnyxClient
from .errors import TelnyxApiError

__all__ = ["TelnyxApiError", "TelnyxClient"]
