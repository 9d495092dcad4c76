"""What adopt does with each live application: already declared, added (and how), or left out (and why).

Pure decisions over what was listed, what the folder's stack files declare and the target file's
defaults; no I/O. The order of the rules matters:
1. an application whose id a stack entry imports is declared by that stack;
2. applications sharing one `application_name` are left out together (a stack cannot tell them apart);
3. an application whose name a stack entry declares is declared by it (or, when that entry imports
   another id, left out: adopting it would give the folder two applications of one name);
4. an application whose live settings no declaration can match is left out with the reason;
5. every other one is added, under a new logical name, with the shortest entry that matches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .declared import Declaration, DeclaredApplications
from .entries import (
    AdoptionError,
    Defaults,
    logical_name_for,
    minimal_entry,
    settings_needing_a_secret,
    unmanaged_fields,
    without,
)


@dataclass(frozen=True)
class AlreadyDeclared:
    """A live application some stack already declares."""

    app_id: str
    application_name: str
    declarations: tuple[Declaration, ...]


@dataclass(frozen=True)
class Added:
    """A new entry: the logical name, the application, what to write, and the settings left for a secret."""

    logical_name: str
    app_id: str
    application_name: str
    entry: dict[str, Any]
    needs_secret: tuple[str, ...] = ()
    unmanaged: tuple[str, ...] = ()

    @property
    def written(self) -> dict[str, Any]:
        """The entry as written to the file: without the settings that must be stored as secrets."""
        return without(self.entry, self.needs_secret)


@dataclass(frozen=True)
class LeftOut:
    """Applications not adopted, and why."""

    app_ids: tuple[str, ...]
    application_name: str
    reason: str


@dataclass
class Plan:
    """The decision for every listed application."""

    found: int = 0
    already_declared: list[AlreadyDeclared] = field(default_factory=list)
    added: list[Added] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        """Logical name -> entry as written, for every added application."""
        return {added.logical_name: added.written for added in self.added}


def plan_adoption(
    apps: Sequence[Mapping[str, Any]],
    stack: str,
    defaults: Defaults,
    declared: DeclaredApplications,
    existing_logical_names: Iterable[str],
) -> Plan:
    """Decide, for each live application, whether it is declared, added or left out."""
    plan = Plan(found=len(apps))
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for app in apps:
        by_name.setdefault(_name(app), []).append(app)
    taken = set(existing_logical_names)
    candidates = []
    for name, group in by_name.items():
        undeclared = []
        for app in group:
            declarations = declared.by_id.get(str(app.get("id")))
            if declarations:
                plan.already_declared.append(AlreadyDeclared(str(app.get("id")), name, tuple(declarations)))
            else:
                undeclared.append(app)
        if not undeclared:
            continue
        if len(group) > 1:
            ids = tuple(sorted(str(app.get("id")) for app in undeclared))
            plan.left_out.append(LeftOut(ids, name, _shared_name_reason(len(group))))
            continue
        [app] = undeclared
        by_declared_name = declared.by_name.get(name, [])
        if by_declared_name:
            _declared_by_name(plan, app, name, by_declared_name)
        else:
            candidates.append(app)
    for app in sorted(candidates, key=lambda a: (_name(a).lower(), _name(a), str(a.get("id")))):
        _add(plan, app, stack, defaults, taken)
    return plan


def _declared_by_name(plan: Plan, app: Mapping[str, Any], name: str, declarations: list[Declaration]) -> None:
    importing_others = [d for d in declarations if d.import_id is not None]
    if len(importing_others) == len(declarations):
        where = ", ".join(f"{d} (import_id {d.import_id})" for d in declarations)
        plan.left_out.append(
            LeftOut((str(app.get("id")),), name, f"another application of this name is declared by {where}; rename one in the portal")
        )
    else:
        plan.already_declared.append(AlreadyDeclared(str(app.get("id")), name, tuple(declarations)))


def _add(plan: Plan, app: Mapping[str, Any], stack: str, defaults: Defaults, taken: set[str]) -> None:
    name = _name(app)
    logical_name = logical_name_for(name, stack, taken)
    try:
        entry = minimal_entry(stack, logical_name, app, defaults)
    except AdoptionError as error:
        plan.left_out.append(LeftOut((str(app.get("id")),), name, str(error)))
        return
    taken.add(logical_name)
    plan.added.append(
        Added(
            logical_name,
            str(app["id"]),
            name,
            entry,
            tuple(settings_needing_a_secret(entry)),
            tuple(unmanaged_fields(app)),
        )
    )


def _name(app: Mapping[str, Any]) -> str:
    name = app.get("application_name")
    return name if isinstance(name, str) else ""


def _shared_name_reason(count: int) -> str:
    return (
        f"{count} live applications share this name and a stack cannot declare two applications of one name; "
        "rename all but one in the portal, or adopt one by hand"
    )
