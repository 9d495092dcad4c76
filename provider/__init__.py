"""Pulumi's dynamic-provider semantics for Telnyx call control applications.

`CallControlApplication` is the resource a stack declares; `CallControlApplicationProvider` is the dynamic
provider behind it (check, diff, create, read, update, delete), speaking to Telnyx through `telnyx_client`.
Every deployed stack's state names `provider.dynamic_provider.CallControlApplicationProvider`: it stays there.
"""

from .dynamic_provider import CallControlApplicationProvider
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
]
