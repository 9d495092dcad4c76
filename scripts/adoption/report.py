"""What adopt tells the user: counts first, then one line per application that needs a word.

No webhook URL is ever shown in full: `field_model.redact.mask_url` shows scheme and host only.
"""

from __future__ import annotations

import shlex

from field_model import fields
from field_model.redact import mask_url
from stack_files.loader import APPLICATIONS_KEY

from .plan import Added, Plan


def secret_command(stack: str, logical_name: str, setting: str) -> str:
    """The command that stores one setting of an entry encrypted; it prompts for the value, so none is printed."""
    # Quoted always, as the docs write it (logical names adopt derives hold only letters, digits and '-').
    key = f"'{APPLICATIONS_KEY}.{logical_name}.{setting}'"
    return f"pulumi config set --secret --path {key} --stack {shlex.quote(stack)}"


def summary(plan: Plan) -> str:
    """One line: found N, already declared K, added M (S need a secret), left out L."""
    needing = sum(1 for added in plan.added if added.needs_secret)
    left_out = sum(len(item.app_ids) for item in plan.left_out)
    secrets = f" ({needing} {'needs' if needing == 1 else 'need'} a secret)" if needing else ""
    return (
        f"found {plan.found}, already declared {len(plan.already_declared)}, "
        f"added {len(plan.added)}{secrets}, left out {left_out}"
    )


def report_lines(plan: Plan, stack: str) -> list[str]:
    """The full report: the summary, then who declares what, what was added, what needs a secret and why others were left out."""
    lines = [summary(plan)]
    if plan.already_declared:
        lines.append(f"already declared {len(plan.already_declared)}:")
        for declared in sorted(plan.already_declared, key=lambda d: (d.application_name, d.app_id)):
            by = ", ".join(f"stack {d.stack} as {d.logical_name}" for d in declared.declarations)
            lines.append(f"  {declared.app_id} {declared.application_name!r}: declared by {by}")
    if plan.added:
        lines.append(f"added {len(plan.added)}: {', '.join(added.logical_name for added in plan.added)}")
        for added in plan.added:
            if added.unmanaged:
                lines.append(
                    f"  {added.logical_name}: fields the provider does not manage stay as they are: {', '.join(added.unmanaged)}"
                )
    needing = [added for added in plan.added if added.needs_secret]
    if needing:
        lines.append(f"needs a secret {len(needing)}: {', '.join(added.logical_name for added in needing)}")
        for added in needing:
            lines.extend(_secret_lines(added, stack))
    if plan.left_out:
        lines.append(f"left out {sum(len(item.app_ids) for item in plan.left_out)}:")
        for item in sorted(plan.left_out, key=lambda i: (i.application_name, i.app_ids)):
            lines.append(f"  {', '.join(item.app_ids)} {item.application_name!r}: {item.reason}")
    return lines


def _secret_lines(added: Added, stack: str) -> list[str]:
    lines = []
    for setting in added.needs_secret:
        shown = mask_url(fields.value_at(added.entry, setting))
        lines.append(
            f"  {added.logical_name}.{setting} ({shown}) carries a credential, so it is not written to the file; "
            "store it encrypted (the command asks for the value; copy it from the Telnyx portal):"
        )
        lines.append(f"    {secret_command(stack, added.logical_name, setting)}")
    return lines
