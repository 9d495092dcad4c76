"""The review comment for a pull request or a drift issue, from `pulumi preview --json`.

- `preview_json`: the engine's JSON (`PreviewDigest`), one file per stack, read.
- `changes`: what each application would go through, in the field model's words, with its dangers
  and the project's policy results.
- `comment`: the Markdown, dangers first, within GitHub's size limit.

`python -m scripts.review` is the command around it.
"""
