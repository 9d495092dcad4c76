"""`make comment-picture`: docs/images/review-comment.png, the review comment of a real preview, as GitHub shows it.

    python -m scripts.comment_picture [STACK ...] [--picture PNG]

One module per stage, each usable alone:

- `preview`: a scratch copy of the project deploys each stack to the fake Telnyx, makes a small pull request's change
  to its stack file (`preview.CHANGE`) and previews it as `make review` does; the comment is what `scripts.review`
  prints of those previews. The project itself, its stack files and its demo (`.fake-telnyx/`) are not touched.
- `page`: that Markdown as one self-contained HTML page, rendered as GitHub renders a comment (markdown-it-py), that
  loads nothing from anywhere.
- `stylesheet`: GitHub's comment stylesheet, the npm package github-markdown-css at a pinned version and integrity,
  cached in `.venv/` (git-ignored, never committed).
- `screenshot`: Debian's headless Chromium, its background networking off, screenshots the page (installed with
  apt-get, as root, when it is missing).
"""

from __future__ import annotations

import sys


def progress(text: str) -> None:
    """One line on stderr saying what a long step is doing."""
    print(f"comment-picture: {text}", file=sys.stderr, flush=True)
