"""A stand-in for GitHub's `gh` CLI (GitHub cannot be reached from a test): one repository's pull-request comments
and issues, kept in a JSON file, and every call recorded with the body it sent.

It answers exactly the calls the workflows make, the way `gh` does: `gh api --paginate <comments> --jq F` and
`gh issue list --json FIELDS --jq F` (the filter run by `jq -r`, as `gh` prints strings raw), `gh api --method
POST|PATCH … -F body=@FILE`, `gh issue create|edit|close`, `gh label create`. It refuses what it does not know
(exit 1) and, like `gh` in a workflow, refuses to run without `GH_TOKEN` (exit 4). `install` puts it on a PATH.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

BOT = "github-actions[bot]"


class GitHubStandIn:
    """The state `gh` reads and writes: comments per pull request, issues, labels, and the calls made."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / "github.json"
        if not self.file.exists():
            self.file.write_text(json.dumps({"comments": [], "issues": [], "labels": [], "calls": [], "next_id": 4000}))

    def install(self, bin_folder: Path) -> None:
        """Write `bin_folder/gh`, which runs this module against this state."""
        bin_folder.mkdir(parents=True, exist_ok=True)
        gh = bin_folder / "gh"
        gh.write_text(f'#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} {self.file} "$@"\n')
        gh.chmod(0o755)

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.file.read_text()))

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every call: its arguments (`argv`) and the body it sent (`body`, the file's text at the time) if any."""
        return list(self.state()["calls"])

    def comments(self, pull_request: int) -> list[dict[str, Any]]:
        """The comments on one pull request, oldest first."""
        return [c for c in self.state()["comments"] if c["issue"] == pull_request]

    def issues(self) -> list[dict[str, Any]]:
        """Every issue, open and closed, oldest first."""
        return list(self.state()["issues"])


def _jq(documents: list[dict[str, Any]], program: str | None) -> str:
    text = json.dumps(documents)
    if program is None:
        return text + "\n"
    return subprocess.run(["jq", "-r", program], input=text, capture_output=True, text=True, check=True).stdout


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def _body(argv: list[str]) -> str | None:
    field = _option(argv, "-F") or _option(argv, "--field")
    if field is not None and field.startswith("body=@"):
        return Path(field.removeprefix("body=@")).read_text()
    file = _option(argv, "--body-file")
    return Path(file).read_text() if file is not None else None


def _api(state: dict[str, Any], argv: list[str]) -> str:
    method = _option(argv, "--method") or "GET"
    path = next(a for a in argv[1:] if a.startswith("repos/"))
    listing = re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", path)
    single = re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", path)
    if method == "GET" and listing:
        found = [c for c in state["comments"] if c["issue"] == int(listing.group(1))]
        return _jq([{"id": c["id"], "user": {"login": c["user"]}, "body": c["body"]} for c in found], _option(argv, "--jq"))
    if method == "POST" and listing:
        state["next_id"] += 1
        state["comments"].append({"id": state["next_id"], "issue": int(listing.group(1)), "user": BOT, "body": _body(argv), "edits": 0})
        return json.dumps({"id": state["next_id"]}) + "\n"
    if method == "PATCH" and single:
        comment = next(c for c in state["comments"] if c["id"] == int(single.group(1)))
        comment.update(body=_body(argv), edits=comment["edits"] + 1)
        return json.dumps({"id": comment["id"]}) + "\n"
    raise LookupError(f"gh api {method} {path}")


def _issue(state: dict[str, Any], argv: list[str]) -> str:
    command = argv[1]
    if command == "list":
        label, wanted = _option(argv, "--label"), _option(argv, "--state") or "open"
        fields = (_option(argv, "--json") or "number").split(",")
        found = [i for i in state["issues"] if (label is None or label in i["labels"]) and wanted in ("all", i["state"])]
        return _jq([{field: issue[field] for field in fields} for issue in found], _option(argv, "--jq"))
    if command == "create":
        number = len(state["issues"]) + 1
        labels = [argv[i + 1] for i, a in enumerate(argv) if a == "--label"]
        missing = [label for label in labels if label not in state["labels"]]
        if missing:  # as GitHub answers: an issue cannot be given a label the repository does not have
            raise LookupError(f"could not add label: {missing[0]!r} not found")
        state["issues"].append({"number": number, "title": _option(argv, "--title"), "labels": labels, "body": _body(argv), "state": "open", "comments": []})
        return f"https://github.com/acme/telnyx/issues/{number}\n"
    issue = next(i for i in state["issues"] if i["number"] == int(argv[2]))
    if command == "edit":
        issue["body"] = _body(argv)
        return ""
    if command == "close":
        issue["state"] = "closed"
        issue["comments"].append(_option(argv, "--comment"))
        return ""
    raise LookupError(f"gh issue {command}")


def main(argv: list[str]) -> int:
    """`gh <argv[1:]>` against the state in the file `argv[0]`."""
    file, arguments = Path(argv[0]), argv[1:]
    state = json.loads(file.read_text())
    state["calls"].append({"argv": arguments, "body": _body(arguments)})
    try:
        if not os.environ.get("GH_TOKEN"):
            print("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.", file=sys.stderr)
            return 4
        if arguments[:1] == ["api"]:
            sys.stdout.write(_api(state, arguments))
        elif arguments[:1] == ["issue"]:
            sys.stdout.write(_issue(state, arguments))
        elif arguments[:2] == ["label", "create"]:
            state["labels"] = sorted({*state["labels"], arguments[2]})
        else:
            raise LookupError(" ".join(arguments))
    except (LookupError, StopIteration, ValueError, IndexError, subprocess.CalledProcessError) as error:
        print(f"gh stand-in: not a call it knows: {error}", file=sys.stderr)
        return 1
    finally:
        file.write_text(json.dumps(state, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
