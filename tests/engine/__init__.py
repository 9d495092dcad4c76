"""End-to-end tests on the real Pulumi engine: the CLI built from its Go modules (or a release on PATH), the
project's program and dynamic provider, and the fake Telnyx on loopback."""
