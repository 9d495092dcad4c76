"""`python -m scripts.comment_picture [STACK ...] [--picture PNG]`: see the package's docstring."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from . import __doc__ as usage
from . import progress
from .page import comment_page
from .preview import review_comment
from .screenshot import install_missing, screenshot
from .stylesheet import stylesheet

ROOT = Path(__file__).resolve().parents[2]
PICTURE = ROOT / "docs" / "images" / "review-comment.png"
# The comment and its page, kept for a look (git-ignored, beside `make review`'s previews).
KEPT = ROOT / ".review"


def main(argv: list[str] | None = None) -> int:
    """Preview, render and screenshot; the picture's path and size on stderr."""
    parser = argparse.ArgumentParser(prog="python -m scripts.comment_picture", description=usage,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stacks", nargs="*", default=["dev"], metavar="STACK",
                        help="the stacks the comment covers, in its order (default: dev)")
    parser.add_argument("--picture", type=Path, default=PICTURE, help=f"the PNG to write (default: {PICTURE.relative_to(ROOT)})")
    args = parser.parse_args(argv)

    # What can fail quickly goes first, before the deploys and previews.
    install_missing()
    css = stylesheet()
    with tempfile.TemporaryDirectory(prefix="comment-picture-") as scratch:
        markdown = review_comment(args.stacks, Path(scratch))
    KEPT.mkdir(exist_ok=True)
    (KEPT / "comment.md").write_text(markdown, encoding="utf-8")
    page = KEPT / "comment.html"
    page.write_text(comment_page(markdown, css), encoding="utf-8")
    progress(f"rendered {page}")
    screenshot(page, args.picture)
    progress(f"wrote {args.picture} ({args.picture.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
