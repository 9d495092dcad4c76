"""Every message the provider and the commands can print, found in their source: what docs/troubleshooting.md lists.

A message is a string literal or f-string that reaches one of the places a message leaves the code (the roots):

- an exception built (`raise X(...)`, `FieldError(...)`, `CheckFailure(...)`, `return TelnyxApiError(...)`): a class
  of ours deriving from an exception, or any other callable named `…Error`, `…Exception`, `…Exit`, `…Failure`;
- the argument named `message` or `reason` of a class of ours (`LeftOut(..., reason)`);
- whatever is raised (`raise failure(...)`), `print(..., file=sys.stderr)`, `parser.error(...)`, `sys.exit(...)`,
  `warn(...)` / `log.warn(...)` / `self._warn(...)`;
- what is added to a list of messages (`problems`, `warnings`, `reasons`, `messages`, `tried`, `failures`);
- what a function returning `list[str]` returns when it is handed over as a callback (the policy rules' checks).

From a root the text is followed the way it flows: local variables (every assignment, `+=`, loop and comprehension
targets), module and class constants (also imported ones, and `self.X.format(...)`), `.join`/`.format`/`.upper()`,
conditional expressions, and calls to our own functions and methods annotated to return a `str` (or an exception),
whose returns are followed in turn; a parameter is followed to the string literals its callers pass
(`_stage("compiling …")`). An f-string's `{…}` becomes a placeholder, except a constant without whitespace (a
key, a variable's name, a number), which is written in: `'{NAMESPACE}:{key}'` reads `'telnyx-call-control:<key>'`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The code that prints what a user reads: the provider and the program, and the commands (tests/docs names the page).
SOURCE_GLOBS = (
    "__main__.py",
    "provider/*.py",
    "telnyx_client/*.py",
    "field_model/*.py",
    "stack_files/*.py",
    "scripts/*.py",
    "scripts/*/*.py",
    "policies/rules.py",
    "benchmarks/*.py",
    "telnyx_fake/__main__.py",
)
MESSAGE_LISTS = frozenset({"problems", "warnings", "reasons", "messages", "tried", "failures"})
MESSAGE_FIELDS = ("message", "reason")
EXCEPTION_SUFFIXES = ("Error", "Exception", "Exit", "Failure")
STRING_METHODS = frozenset({"upper", "lower", "capitalize", "strip", "rstrip", "lstrip", "replace", "removeprefix",
                            "removesuffix", "format"})
# An f-string placeholder is written `<…>`; `str.format` templates hold `{name}`.
_FORMAT_FIELD = re.compile(r"\{\w*\}")
_PLACEHOLDER = re.compile(r"<[^<>]*>")


@dataclass(frozen=True)
class Message:
    """One message as the source writes it: where, its text with `<…>` placeholders, and its longest literal part."""

    path: str
    line: int
    text: str

    @property
    def fragments(self) -> list[str]:
        """The literal parts between placeholders, whitespace collapsed."""
        return literal_fragments(self.text)

    @property
    def key(self) -> str:
        """The longest literal part: what the page must contain."""
        return max(self.fragments, key=len, default="")

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def normalised(text: str) -> str:
    """Whitespace collapsed to single spaces and case folded, for comparing a message with a page."""
    return " ".join(text.split()).casefold()


def literal_fragments(text: str) -> list[str]:
    """The parts of `text` between `<placeholder>`s (quoted or not) and `…`s, whitespace collapsed, none empty."""
    parts = re.split(r"'?<[^<>]*>'?|…", text)  # `{name!r}` prints quotes: `'<name>'` on the page
    return [" ".join(part.split()) for part in parts if part.strip()]


def source_files(root: Path) -> dict[str, str]:
    """Each source file (path relative to `root`) and its text."""
    paths = sorted({path for pattern in SOURCE_GLOBS for path in root.glob(pattern)})
    return {str(path.relative_to(root)): path.read_text(encoding="utf-8") for path in paths}


def messages(root: Path, not_messages: Iterable[tuple[str, str]] = ()) -> list[Message]:
    """Every message of the project's source files (see `extract` for `not_messages`)."""
    return extract(source_files(root), not_messages)


def extract(sources: Mapping[str, str], not_messages: Iterable[tuple[str, str]] = ()) -> list[Message]:
    """Every message of `sources` (path -> Python text), in file and line order.

    `not_messages` names functions, as (path, function name), whose roots are no messages: what they add to a list
    called `reasons` (say) is some other text.
    """
    return _Extractor(sources, frozenset(not_messages)).messages()


def literal_corpus(sources: Mapping[str, str]) -> list[str]:
    """Every literal part of every string in `sources`, messages or not, constants written in: what "still exists
    in the code" means for a message the page quotes."""
    extractor = _Extractor(sources)
    parts: list[str] = []
    for module in extractor.modules.values():
        for node in ast.walk(module.tree):
            if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                parts += literal_fragments(extractor.render(node, _Scope(module)))
    return parts


# ---------------------------------------------------------------------------------------------------------------
# The index of the sources: modules, their constants, functions, classes and imports.


@dataclass
class _Module:
    name: str
    path: str
    tree: ast.Module
    constants: dict[str, ast.expr] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # local name -> (module, name)
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> module


@dataclass(frozen=True)
class _Scope:
    """Where an expression is read: its module, the functions around it (innermost last), its class."""

    module: _Module
    functions: tuple[ast.FunctionDef, ...] = ()
    cls: ast.ClassDef | None = None
    bindings: tuple[tuple[str, ast.expr, _Scope], ...] = ()  # comprehension targets -> their iterables

    def bind(self, names: Iterable[str], iterable: ast.expr) -> _Scope:
        return _Scope(self.module, self.functions, self.cls, (*self.bindings, *((n, iterable, self) for n in names)))


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []


def _final_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Extractor:
    def __init__(self, sources: Mapping[str, str], not_messages: frozenset[tuple[str, str]] = frozenset()) -> None:
        self._not_messages = not_messages
        self.modules: dict[str, _Module] = {}
        for path, text in sources.items():
            module = _Module(_module_name(path), path, ast.parse(text, filename=path))
            self.modules[module.name] = module
        for module in self.modules.values():
            self._index(module)
        self._locals: dict[int, dict[str, list[ast.expr]]] = {}
        self._seen: set[tuple[int, int]] = set()
        self._found: dict[tuple[str, int, int], tuple[ast.expr, _Scope]] = {}
        self._call_sites: dict[int, list[tuple[ast.Call, _Scope]]] | None = None

    # -- the index ------------------------------------------------------------------------------------------------

    def _index(self, module: _Module) -> None:
        package = module.name.rpartition(".")[0] if not module.path.endswith("__init__.py") else module.name
        for node in module.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        module.constants[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                module.constants[node.target.id] = node.value
            elif isinstance(node, ast.FunctionDef):
                module.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                module.classes[node.name] = node
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".") if package else []
                    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                for alias in node.names:
                    local = alias.asname or alias.name
                    if f"{base}.{alias.name}" in self.modules:
                        module.aliases[local] = f"{base}.{alias.name}"
                    elif base in self.modules:
                        module.imported[local] = (base, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in self.modules:
                        module.aliases[alias.asname or alias.name] = alias.name

    def _all_classes(self) -> Iterator[tuple[_Module, ast.ClassDef]]:
        for module in self.modules.values():
            for cls in module.classes.values():
                yield module, cls

    def _lookup(self, module: _Module, name: str) -> tuple[_Module, str] | None:
        """Where a module-level name of `module` is defined among the sources (following imports)."""
        for _ in range(5):
            if name in module.constants or name in module.functions or name in module.classes:
                return module, name
            if name not in module.imported:
                return None
            target, name = module.imported[name]
            module = self.modules[target]
        return None

    def _class(self, scope: _Scope, func: ast.expr) -> tuple[_Module, ast.ClassDef] | None:
        if isinstance(func, ast.Name) and func.id == "cls" and scope.cls is not None:  # in a classmethod
            return scope.module, scope.cls
        if isinstance(func, ast.Name):
            found = self._lookup(scope.module, func.id)
            if found and found[1] in found[0].classes:
                return found[0], found[0].classes[found[1]]
        alias = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
        if isinstance(func, ast.Attribute) and alias in scope.module.aliases:
            module = self.modules[scope.module.aliases[alias]]
            if func.attr in module.classes:
                return module, module.classes[func.attr]
        return None

    def _is_exception(self, module: _Module, cls: ast.ClassDef, depth: int = 0) -> bool:
        for base in cls.bases:
            name = _final_name(base)
            if name is None:
                continue
            if name.endswith(EXCEPTION_SUFFIXES):
                return True
            found = self._class(_Scope(module), base)
            if found and depth < 10 and self._is_exception(*found, depth=depth + 1):
                return True
        return False

    def _functions(self, scope: _Scope, func: ast.expr) -> list[tuple[_Module, ast.FunctionDef, ast.ClassDef | None]]:
        """The functions of ours a call may run: a module's function, `self`'s method, or any method of that name."""
        if isinstance(func, ast.Name):
            found = self._lookup(scope.module, func.id)
            if found and found[1] in found[0].functions:
                return [(found[0], found[0].functions[found[1]], None)]
            return []
        if not isinstance(func, ast.Attribute):
            return []
        if isinstance(func.value, ast.Name) and func.value.id in scope.module.aliases:
            module = self.modules[scope.module.aliases[func.value.id]]
            return [(module, module.functions[func.attr], None)] if func.attr in module.functions else []
        if isinstance(func.value, ast.Name) and func.value.id == "self" and scope.cls is not None:
            own: list[tuple[_Module, ast.FunctionDef, ast.ClassDef | None]] = [
                (scope.module, m, scope.cls) for m in _methods(scope.cls) if m.name == func.attr
            ]
            if own:
                return own
        return [(module, m, cls) for module, cls in self._all_classes() for m in _methods(cls) if m.name == func.attr]

    def _constant(self, scope: _Scope, node: ast.expr) -> tuple[ast.expr, _Scope] | None:
        """The value of a module or class constant an expression names, and the scope to read it in."""
        if isinstance(node, ast.Name):
            found = self._lookup(scope.module, node.id)
            if found and found[1] in found[0].constants:
                return found[0].constants[found[1]], _Scope(found[0])
            return None
        if not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name):
            return None
        if node.value.id in scope.module.aliases:
            module = self.modules[scope.module.aliases[node.value.id]]
            return (module.constants[node.attr], _Scope(module)) if node.attr in module.constants else None
        cls = scope.cls if node.value.id == "self" else None
        if cls is None:
            found_class = self._class(scope, node.value)
            cls = found_class[1] if found_class else None
        if cls is not None:
            for statement in cls.body:
                if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == node.attr for t in statement.targets
                ):
                    return statement.value, _Scope(scope.module, (), cls)
        return None

    def _locals_of(self, function: ast.FunctionDef) -> dict[str, list[ast.expr]]:
        """Every value a function's local names are given: assignments, `+=`, appends, loop and `with` targets."""
        if id(function) not in self._locals:
            found: dict[str, list[ast.expr]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        for name in _target_names(target):
                            found.setdefault(name, []).append(node.value)
                elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                    for name in _target_names(node.target):
                        found.setdefault(name, []).append(node.value)
                elif isinstance(node, ast.For):
                    for name in _target_names(node.target):
                        found.setdefault(name, []).append(node.iter)
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    for name in _target_names(node.optional_vars):
                        found.setdefault(name, []).append(node.context_expr)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("append", "extend")
                    and isinstance(node.func.value, ast.Name)
                ):
                    found.setdefault(node.func.value.id, []).extend(node.args)
            self._locals[id(function)] = found
        return self._locals[id(function)]

    # -- following the text ---------------------------------------------------------------------------------------

    def follow(self, node: ast.expr | None, scope: _Scope) -> None:
        """Record every string literal whose text `node` may carry."""
        if node is None:
            return
        seen = (id(node), id(scope.functions[-1]) if scope.functions else 0)
        if seen in self._seen:
            return
        self._seen.add(seen)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                self._found.setdefault((scope.module.path, node.lineno, node.col_offset), (node, scope))
        elif isinstance(node, ast.JoinedStr):
            self._found.setdefault((scope.module.path, node.lineno, node.col_offset), (node, scope))
            for value in node.values:
                if isinstance(value, ast.FormattedValue) and self._written_in(value.value, scope) is None:
                    self.follow(value.value, scope)
        elif isinstance(node, ast.BinOp):
            self.follow(node.left, scope)
            self.follow(node.right, scope)
        elif isinstance(node, ast.IfExp):
            self.follow(node.body, scope)
            self.follow(node.orelse, scope)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.follow(value, scope)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for element in node.elts:
                self.follow(element, scope)
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            inner = scope
            for generator in node.generators:
                inner = inner.bind(_target_names(generator.target), generator.iter)
            self.follow(node.elt, inner)
        elif isinstance(node, ast.Subscript):
            self._follow_subscript(node, scope)
        elif isinstance(node, ast.Name):
            self._follow_name(node, scope)
        elif isinstance(node, ast.Attribute):
            constant = self._constant(scope, node)
            if constant is not None:
                self._follow_constant(*constant)
        elif isinstance(node, ast.Call):
            self._follow_call(node, scope)

    def _follow_subscript(self, node: ast.Subscript, scope: _Scope) -> None:
        constant = self._constant(scope, node.value)
        if constant is not None and isinstance(constant[0], ast.Dict):
            for value in constant[0].values:
                self.follow(value, constant[1])
        else:
            self.follow(node.value, scope)

    def _follow_constant(self, value: ast.expr, scope: _Scope) -> None:
        # A module's tuple or dict of names (the anchorsites, the config keys) is data, not a message.
        if not isinstance(value, (ast.Tuple, ast.List, ast.Dict, ast.Set)):
            self.follow(value, scope)

    def _follow_name(self, node: ast.Name, scope: _Scope) -> None:
        for name, iterable, where in reversed(scope.bindings):
            if name == node.id:
                self.follow(iterable, where)
                return
        for depth in range(len(scope.functions), 0, -1):
            function = scope.functions[depth - 1]
            inner = _Scope(scope.module, scope.functions[:depth], scope.cls)
            assigned = self._locals_of(function).get(node.id)
            if assigned:
                for value in assigned:
                    self.follow(value, inner)
                return
            if node.id in _parameters(function):
                self._follow_parameter(function, node.id)
                return
        constant = self._constant(scope, node)
        if constant is not None:
            self._follow_constant(*constant)

    def _follow_parameter(self, function: ast.FunctionDef, name: str) -> None:
        """The string literals the callers of `function` pass as its parameter `name`."""
        parameters = _parameters(function)
        position = parameters.index(name)
        for call, where in self._sites().get(id(function), []):
            offset = 1 if parameters[:1] == ["self"] else 0
            passed = [kw.value for kw in call.keywords if kw.arg == name]
            if not passed and 0 <= position - offset < len(call.args):
                passed = [call.args[position - offset]]
            for value in passed:
                if isinstance(value, (ast.Constant, ast.JoinedStr)):
                    self.follow(value, where)

    def _sites(self) -> dict[int, list[tuple[ast.Call, _Scope]]]:
        if self._call_sites is None:
            self._call_sites = {}
            for call, scope in self._calls():
                for _, function, _ in self._functions(scope, call.func):
                    self._call_sites.setdefault(id(function), []).append((call, scope))
        return self._call_sites

    def _follow_call(self, node: ast.Call, scope: _Scope) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "join":
            for argument in node.args:
                self.follow(argument, scope)
            return
        if isinstance(func, ast.Attribute) and func.attr in STRING_METHODS:
            self.follow(func.value, scope)
            for argument in node.args:
                self.follow(argument, scope)
            return
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        found_class = self._class(scope, func)
        if found_class is not None:
            module, cls = found_class
            for method in _methods(cls):
                if method.name == "__init__":
                    for call in ast.walk(method):
                        if isinstance(call, ast.Call) and _is_super_init(call):
                            for argument in call.args:
                                self.follow(argument, _Scope(module, (method,), cls))
            for argument in arguments:
                self.follow(argument, scope)
            return
        functions = self._functions(scope, func)
        if functions:
            for module, function, owner in functions:
                if _returns_text_or_error(function):
                    for statement in ast.walk(function):
                        if isinstance(statement, ast.Return):
                            self.follow(statement.value, _Scope(module, (function,), owner))
            if any(_returns_text_or_error(function) for _, function, _ in functions):
                for argument in arguments:
                    self.follow(argument, scope)
            return
        if (_final_name(func) or "").endswith(EXCEPTION_SUFFIXES):
            for argument in arguments:
                self.follow(argument, scope)

    # -- the roots ------------------------------------------------------------------------------------------------

    def _calls(self) -> Iterator[tuple[ast.Call, _Scope]]:
        for node, scope in self._walk():
            if isinstance(node, ast.Call):
                yield node, scope

    def _walk(self) -> Iterator[tuple[ast.AST, _Scope]]:
        """Every node of every module, with its scope."""
        for module in self.modules.values():
            yield from _walk_scoped(module.tree, _Scope(module))

    def _roots(self) -> Iterator[tuple[ast.expr, _Scope]]:
        callbacks: set[int] = set()
        for node, scope in self._walk():
            if any((scope.module.path, function.name) in self._not_messages for function in scope.functions):
                continue
            if isinstance(node, ast.Raise) and node.exc is not None:
                yield node.exc, scope
            elif isinstance(node, ast.AugAssign) and _final_name(node.target) in MESSAGE_LISTS:
                yield node.value, scope
            elif isinstance(node, ast.Call):
                yield from self._call_roots(node, scope)
                for argument in (argument for argument in node.args if isinstance(argument, ast.Name)):
                    for module, function, cls in self._functions(scope, argument):
                        if _annotation(function) == "list[str]" and id(function) not in callbacks:
                            callbacks.add(id(function))
                            for statement in ast.walk(function):
                                if isinstance(statement, ast.Return) and statement.value is not None:
                                    yield statement.value, _Scope(module, (function,), cls)

    def _call_roots(self, node: ast.Call, scope: _Scope) -> Iterator[tuple[ast.expr, _Scope]]:
        func, name, keywords = node.func, _final_name(node.func) or "", node.keywords
        first = node.args[:1]
        found_class = self._class(scope, func)
        if found_class is not None:
            if self._is_exception(*found_class):
                yield node, scope
            else:
                fields = _message_fields(found_class[1])
                yield from ((node.args[i], scope) for i in fields if i < len(node.args))
                yield from ((kw.value, scope) for kw in node.keywords if kw.arg in MESSAGE_FIELDS)
        elif name.endswith(EXCEPTION_SUFFIXES):
            yield node, scope
        elif name == "print" and any(kw.arg == "file" and ast.unparse(kw.value) == "sys.stderr" for kw in keywords):
            yield from ((argument, scope) for argument in first)
        elif isinstance(func, ast.Attribute) and ast.unparse(func) in ("parser.error", "sys.exit"):
            yield from ((argument, scope) for argument in first)
        elif name in ("warn", "_warn", "warning"):
            yield from ((argument, scope) for argument in first)
        elif (
            isinstance(func, ast.Attribute)
            and name in ("append", "extend")
            and _final_name(func.value) in MESSAGE_LISTS
        ):
            yield from ((argument, scope) for argument in node.args)

    def messages(self) -> list[Message]:
        for root, scope in self._roots():
            self.follow(root, scope)
        found = [
            Message(path, line, self.render(node, scope))
            for (path, line, _), (node, scope) in sorted(self._found.items())
        ]
        return [message for message in found if message.fragments]

    # -- rendering ------------------------------------------------------------------------------------------------

    def _written_in(self, node: ast.expr, scope: _Scope) -> str | None:
        """The text of a constant without whitespace (a key, a variable's name, a number) that an f-string names."""
        constant = self._constant(scope, node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if constant is None:
            return None
        value, where = constant
        if isinstance(value, ast.Constant) and type(value.value) in (str, int, float):  # a bool is no name
            text = str(value.value)
            return text if text and not any(char.isspace() for char in text) else None
        if isinstance(value, ast.JoinedStr):
            text = self.render(value, where)
            return text if "<" not in text and not any(char.isspace() for char in text) else None
        if isinstance(value, (ast.Name, ast.Attribute)):
            return self._written_in(value, where)
        return None

    def render(self, node: ast.expr, scope: _Scope) -> str:
        """A literal's text, each placeholder written `<expression>` (a `str.format` field too)."""
        if isinstance(node, ast.Constant):
            return _FORMAT_FIELD.sub(lambda m: f"<{m.group()[1:-1]}>", str(node.value))
        assert isinstance(node, ast.JoinedStr)
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            assert isinstance(value, ast.FormattedValue)
            written = self._written_in(value.value, scope)
            if written is None:
                parts.append("<" + ast.unparse(value.value).replace("<", "").replace(">", "") + ">")
            else:
                parts.append(repr(written) if value.conversion == ord("r") else written)
        return "".join(parts)


def _walk_scoped(node: ast.AST, scope: _Scope) -> Iterator[tuple[ast.AST, _Scope]]:
    yield node, scope
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef):
            for decorator in child.decorator_list:
                yield from _walk_scoped(decorator, scope)
            inner = _Scope(scope.module, (*scope.functions, child), scope.cls)
            for statement in child.body:
                yield from _walk_scoped(statement, inner)
        elif isinstance(child, ast.ClassDef):
            yield from _walk_scoped(child, _Scope(scope.module, scope.functions, child))
        else:
            yield from _walk_scoped(child, scope)


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef]:
    return [node for node in cls.body if isinstance(node, ast.FunctionDef)]


def _parameters(function: ast.FunctionDef) -> list[str]:
    arguments = function.args
    return [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]


def _annotation(function: ast.FunctionDef) -> str:
    return ast.unparse(function.returns) if function.returns is not None else ""


def _returns_text_or_error(function: ast.FunctionDef) -> bool:
    annotation = _annotation(function)
    return bool(re.search(r"\bstr\b", annotation)) or annotation.endswith(("Error", "Exception"))


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and _final_name(func.value.func) == "super"
    )


def _message_fields(cls: ast.ClassDef) -> list[int]:
    """The positions of a class's `message`/`reason` field (a dataclass's annotations, or `__init__`'s parameters)."""
    init = next((m for m in _methods(cls) if m.name == "__init__"), None)
    if init is not None:
        names = _parameters(init)[1:]
    else:
        names = [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
    return [index for index, name in enumerate(names) if name in MESSAGE_FIELDS]
