"""A moto-like fake of the Telnyx v2 call control applications API.

One in-memory backend (`TelnyxBackend`) with the API's rules, and two front
doors over it: `mock_telnyx` (in-process, through `responses`) and
`FakeTelnyxServer` / `python -m telnyx_fake` (a real HTTP server on loopback).
"""

from .backend import DEFAULT_API_KEY, Fault, HeldAnswer, RequestRecord, TelnyxBackend
from .inprocess import mock_telnyx
from .rate_limit import RateLimit
from .server import FakeTelnyxServer

__all__ = ["DEFAULT_API_KEY", "FakeTelnyxServer", "Fault", "HeldAnswer", "RateLimit", "RequestRecord", "TelnyxBackend", "mock_telnyx"]
