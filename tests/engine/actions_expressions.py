"""GitHub Actions' expression language (`${{ … }}` and `if:`), as much of it as the project's workflows use.

Literals (`'text'` with `''` for a quote, numbers, `true`, `false`, `null`), context look-ups (`a.b`, `a['b']`,
case-insensitive, a missing one is `null`), `!`, `<`, `<=`, `>`, `>=`, `==`, `!=`, `&&`, `||` and parentheses,
with GitHub's rules: `&&` and `||` return one of their operands, `==` ignores the case of text and compares values
of different types as numbers (`null` and `''` are both 0), and a value becomes text as `''` for `null` and
`true`/`false` for a boolean. The functions: the status checks (`success()`, `failure()`, `always()`,
`cancelled()`) and `contains`, `startsWith`, `endsWith`, `format`, `join`, `toJSON`, `fromJSON`.
(https://docs.github.com/en/actions/reference/workflows-and-actions/expressions)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))"
    r"|(?P<operator>==|!=|<=|>=|&&|\|\||[!<>()\[\].,])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.S)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


class ExpressionError(ValueError):
    """An expression this evaluator cannot read (a typo in a workflow, or syntax the workflows do not use)."""


def evaluate(expression: str, contexts: Mapping[str, Any], status: str = "success") -> Any:
    """The value of one expression (without `${{ }}`); `status` is the job's so far, for the status functions."""
    return _Parser(_tokens(expression), contexts, status).parse()


def substitute(text: str, contexts: Mapping[str, Any]) -> str:
    """`text` with every `${{ … }}` replaced by its value as text."""
    return _EMBEDDED.sub(lambda match: as_text(evaluate(match.group(1), contexts)), text)


def condition(text: str | bool | None, contexts: Mapping[str, Any], status: str) -> bool:
    """Whether an `if:` holds: written with or without `${{ }}`, and `success() &&` in front unless it calls a status
    function itself (GitHub's rule); no `if:` at all is `success()`."""
    if text is None:
        text = "success()"
    if isinstance(text, bool):
        return text and status == "success"
    inner = text.strip()
    whole = _EMBEDDED.fullmatch(inner)
    if whole:
        inner = whole.group(1)
    if not re.search(rf"\b(?:{'|'.join(STATUS_FUNCTIONS)})\s*\(", inner):
        inner = f"success() && ({inner})"
    return truthy(evaluate(inner, contexts, status))


def as_text(value: Any) -> str:
    """A value as `${{ }}` writes it into a workflow."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping | list):
        return json.dumps(value, indent=2)
    return str(value)


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, '', null and NaN are false; everything else is true."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(expression):
        if expression[position:].strip() == "":
            break
        match = _TOKEN.match(expression, position)
        if not match:
            raise ExpressionError(f"cannot read {expression!r} at {expression[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, Mapping | list) or isinstance(right, Mapping | list):
        return left is right
    if type(left) is type(right) and not isinstance(left, float):
        return bool(left == right)
    return _number(left) == _number(right)


def _compare(operator: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.casefold()
        b: Any = right.casefold()
    else:
        a, b = _number(left), _number(right)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]


def _member(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        if key in container:
            return container[key]
        folded = str(key).casefold()
        return next((value for name, value in container.items() if str(name).casefold() == folded), None)
    if isinstance(container, list) and isinstance(key, int | float) and not isinstance(key, bool):
        index = int(key)
        return container[index] if 0 <= index < len(container) else None
    return None


def _format(template: str, *arguments: Any) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        return as_text(arguments[int(match.group(1))])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", replace, template)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": lambda haystack, needle: (
        any(_equal(item, needle) for item in haystack) if isinstance(haystack, list) else as_text(needle).casefold() in as_text(haystack).casefold()
    ),
    "startswith": lambda text, prefix: as_text(text).casefold().startswith(as_text(prefix).casefold()),
    "endswith": lambda text, suffix: as_text(text).casefold().endswith(as_text(suffix).casefold()),
    "format": _format,
    "join": lambda items, separator=",": as_text(separator).join(map(as_text, items)) if isinstance(items, list) else as_text(items),
    "tojson": lambda value: json.dumps(value, indent=2),
    "fromjson": lambda text: json.loads(text),
}


class _Parser:
    """Recursive descent over the tokens, lowest precedence first: `||`, `&&`, equality, comparison, `!`, access."""

    def __init__(self, tokens: list[tuple[str, str]], contexts: Mapping[str, Any], status: str) -> None:
        self.tokens, self.position, self.contexts, self.status = tokens, 0, contexts, status

    def parse(self) -> Any:
        value = self._or()
        if self.position != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.position][1]!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ExpressionError(f"the expression ends where {expected or 'a value'} was expected")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {token[1]!r}")
        self.position += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._equality()
        while self._peek() == "&&":
            self._take()
            right = self._equality()
            value = right if truthy(value) else value
        return value

    def _equality(self) -> Any:
        value = self._comparison()
        while self._peek() in ("==", "!="):
            operator = self._take()[1]
            right = self._comparison()
            value = _equal(value, right) == (operator == "==")
        return value

    def _comparison(self) -> Any:
        value = self._unary()
        while self._peek() in ("<", "<=", ">", ">="):
            operator = self._take()[1]
            value = _compare(operator, value, self._unary())
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._access()

    def _access(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            number = _number(text)
            return int(number) if number.is_integer() else number
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r}")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self._peek() == "(":
            return self._call(text)
        value = _member(self.contexts, text)
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                value = _member(value, self._take()[1])
            else:
                key = self._or()
                self._take("]")
                value = _member(value, key)
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        arguments = []
        while self._peek() != ")":
            arguments.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        folded = name.casefold()
        if folded in STATUS_FUNCTIONS:
            return {"success": self.status == "success", "failure": self.status == "failure", "always": True, "cancelled": False}[folded]
        if folded not in _FUNCTIONS:
            raise ExpressionError(f"no function {name!r} here")
        return _FUNCTIONS[folded](*arguments)
