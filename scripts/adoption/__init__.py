"""The library behind `python -m scripts.adopt`: bring a live Telnyx account's applications into a stack file.

One module per job: `listing` (the account, read-only), `declared` (what the folder's stack files
already declare), `entries` (a live application as the shortest stack entry), `plan` (the decision
for each application), `stack_file` (the YAML, kept as people wrote it) and `report` (what is printed).
`adopt` ties them together; tests and the benchmark call it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from telnyx_client.client import TelnyxClient

from .declared import read_declarations
from .entries import read_defaults
from .listing import list_applications
from .plan import Plan, plan_adoption
from .stack_file import StackFile


@dataclass
class Outcome:
    """What one adopt run decided and did."""

    plan: Plan
    stack_file: Path
    created: bool = False
    written: bool = False
    would_add: str = ""
    warnings: list[str] = field(default_factory=list)


def adopt(
    client: TelnyxClient,
    stack: str,
    target: StackFile,
    *,
    name_contains: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """List the account, decide for each application, and add the new entries to the stack file.

    The stack file and its defaults are read before any request, so a mistake there costs no API call.
    With `dry_run`, nothing is written and `would_add` holds the YAML that would be added.
    """
    defaults = read_defaults(stack, target.defaults)
    declared = read_declarations(target.path, stack, target.config)
    apps = list_applications(client, name_contains)
    plan = plan_adoption(apps, stack, defaults, declared, target.logical_names)
    outcome = Outcome(plan, target.path, warnings=declared.warnings)
    if not plan.added:
        return outcome
    if dry_run:
        outcome.would_add = target.render(plan.entries)
        return outcome
    outcome.created = not target.exists
    target.add(plan.entries)
    target.save()
    outcome.written = True
    return outcome
