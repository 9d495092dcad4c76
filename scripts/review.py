"""`python -m scripts.review PREVIEW.json...`: the Markdown review comment for `pulumi preview --json` files.

One file per stack (the stack is read from the URNs inside), in the order the comment lists them:

    pulumi preview --stack dev --json > dev.json
    python -m scripts.review dev.json staging.json prod.json

It prints, per stack, what each Telnyx call control application would go through (each changed
setting old → new, computed with the provider's field model), every change that can hurt a live
phone system first, the project's policy results (`policies/rules.py`), and never a
secret value or the API key. The comment stays within GitHub's 65,536-character limit.

--detailed-exitcode exits 0 when no application would change, 2 when some would (drift), and 1
when a preview failed or a file could not be read, as `terraform plan -detailed-exitcode` does.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from policies.rules import evaluate

from .review_comment.changes import StackChanges, stack_changes
from .review_comment.comment import DEFAULT_TITLE, GITHUB_COMMENT_LIMIT, MARKER, has_changes, render_comment
from .review_comment.preview_json import PreviewFileError, read_preview

NO_CHANGES, FAILED, CHANGES = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    """Read the preview files, print the comment; the exit code as described above."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("previews", nargs="+", type=Path, metavar="PREVIEW.json", help="`pulumi preview --json` output, one file per stack")
    parser.add_argument("--title", default=DEFAULT_TITLE, help=f"the comment's heading (default: {DEFAULT_TITLE!r})")
    parser.add_argument("--marker", default=MARKER, help=f"the hidden marker the comment is found again by (default: {MARKER!r})")
    parser.add_argument("--limit", type=int, default=GITHUB_COMMENT_LIMIT, help="the most characters to print; 0 for no limit")
    parser.add_argument("--details-url", help="where the uncut review can be read, named when the comment is cut")
    parser.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when an application would change")
    args = parser.parse_args(argv)

    stacks, problems = read_stacks(args.previews)
    print(
        render_comment(
            stacks,
            title=args.title,
            marker=args.marker,
            problems=problems,
            limit=args.limit or None,
            details_url=args.details_url,
            secret=os.environ.get("TELNYX_API_KEY"),
        ),
        end="",
    )
    if problems or any(stack.errors for stack in stacks):
        return FAILED
    return CHANGES if args.detailed_exitcode and has_changes(stacks) else NO_CHANGES


def read_stacks(paths: list[Path]) -> tuple[list[StackChanges], list[str]]:
    """Each readable file's changes, and one line per file that is not a preview."""
    stacks, problems = [], []
    for path in paths:
        try:
            stacks.append(stack_changes(read_preview(path), evaluate))
        except (OSError, PreviewFileError) as error:
            problems.append(str(error))
    return stacks, problems


if __name__ == "__main__":
    sys.exit(main())
