"""Guardrails for call control applications: `rules.py` (plain functions, imported as `policies.rules`)
and the Pulumi policy pack around them (`__main__.py`, run by `pulumi preview --policy-pack policies`)."""
