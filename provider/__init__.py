"""Manage Telnyx call control applications with Pulumi."""

from .client import TelnyxClient
from .errors import TelnyxApiError

__all__ = ["TelnyxApiError", "TelnyxClient"]
