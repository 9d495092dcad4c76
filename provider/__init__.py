"""Manage Telnyx call control applications with Pulumi.

`CallControlApplication` is the resource a stack declares; `CallControlApplicationProvider`
is the dynamic provider behind it; `TelnyxClient` speaks the Telnyx v2 API.
"""

from .client import TelnyxClient
from .dynamic_provider import CallControlApplicationProvider
from .errors import TelnyxApiError
from .resource import (
    CallControlApplication,
    CallControlApplicationArgs,
    CallControlApplicationInboundArgs,
    CallControlApplicationOutboundArgs,
)

__all__ = [
    "CallControlApplication",
    "CallControlApplicationArgs",
    "CallControlApplicationInboundArgs",
    "CallControlApplicationOutboundArgs",
    "CallControlApplicationProvider",
    "TelnyxApiError",
    "TelnyxClient",
]
