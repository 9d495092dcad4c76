"""`make adopt STACK=<stack>` (or `python -m scripts.adopt --stack <stack>`): bring a live account into a stack file.

Lists every call control application the API key can see (reads only: nothing on the account
changes), skips those any stack file in the folder already declares, and adds each other one to
the stack file as an entry with its `import_id` and only the settings that differ from the file's
defaults and the API defaults. Then `make preview` shows one adoption per new entry, `make up`
adopts them without writing to Telnyx, and the `import_id` lines can go.

The key and base URL come from TELNYX_API_KEY and TELNYX_BASE_URL (or the stack's plain
`telnyx:baseUrl`), as the provider reads them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from telnyx_client.errors import TelnyxApiError

from .adoption import Outcome, adopt
from .adoption.entries import AdoptionError
from .adoption.listing import MIN_NAME_FILTER, client_for
from .adoption.report import report_lines
from .adoption.stack_file import StackFile, StackFileError

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, adopt, print what was done; return the exit code."""
    args = _parser().parse_args(argv)
    stack_file = Path(args.stack_file) if args.stack_file else ROOT / "stacks" / f"Pulumi.{args.stack}.yaml"
    try:
        target = StackFile(stack_file, args.stack)
        with client_for(os.environ, target.config) as client:
            print(f"Reading call control applications from {client.base_url} (reads only; nothing is changed)")
            outcome = adopt(client, args.stack, target, name_contains=args.name_contains, dry_run=args.dry_run)
    except (StackFileError, AdoptionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except TelnyxApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    _print(outcome, args.stack, stack_file)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.adopt", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stack", required=True, help="the stack to adopt into (dev, staging, prod, or a new one)")
    parser.add_argument("--stack-file", help="the stack file to write (default: stacks/Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--name-contains",
        type=_name_filter,
        help=f"only applications whose name contains this text (at least {MIN_NAME_FILTER} characters; the API's filter)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the YAML that would be added; write nothing")
    return parser


def _name_filter(text: str) -> str:
    if len(text) < MIN_NAME_FILTER:
        raise argparse.ArgumentTypeError(f"needs at least {MIN_NAME_FILTER} characters (a Telnyx API rule), got {text!r}")
    return text


def _print(outcome: Outcome, stack: str, stack_file: Path) -> None:
    for warning in outcome.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line in report_lines(outcome.plan, stack):
        print(line)
    shown = _shown(stack_file)
    if outcome.would_add:
        print(f"--dry-run: nothing written; {shown} would get:")
        print(outcome.would_add, end="")
    elif outcome.written:
        print(f"{'created' if outcome.created else 'updated'} {shown}")
        default_file = ROOT / "stacks" / f"Pulumi.{stack}.yaml"
        if stack_file.resolve() != default_file.resolve():
            print(f"next: copy the entries into stacks/Pulumi.{stack}.yaml, the stack file Pulumi reads; then:")
        print(
            f"next: `make preview STACK={stack}` shows one adoption per added entry; `make up STACK={stack}` adopts "
            "them without writing to Telnyx; then remove the import_id lines"
        )
    else:
        print(f"nothing to add; {shown} is unchanged")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
