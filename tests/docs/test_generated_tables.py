"""The tables of facts the code owns: the argument table is the one the field model writes, and the benchmark
table names every `make benchmark…` target with the modules it runs."""

from __future__ import annotations

import re

from field_model.reference import arguments_table

from ..support.stack_files import ROOT

STACK_FILES = (ROOT / "docs" / "stack-files.md").read_text()
PERFORMANCE = (ROOT / "docs" / "performance.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def test_the_argument_table_is_the_one_the_field_model_writes() -> None:
    between = STACK_FILES.split("<!-- arguments:start")[1].split("<!-- arguments:end -->")[0]
    assert between.split("\n", 1)[1].strip() == arguments_table(), "rewrite it with `.venv/bin/python -m field_model.reference`"


def benchmark_targets() -> dict[str, list[str]]:
    """Each `benchmark…` target of the Makefile and the `benchmarks.` modules its recipe runs."""
    targets: dict[str, list[str]] = {}
    for match in re.finditer(r"^(benchmark[\w-]*):[^\n]*\n((?:\t[^\n]*\n)+)", MAKEFILE, re.M):
        targets[match.group(1)] = re.findall(r"-m (benchmarks\.\w+)", match.group(2))
    return targets


def benchmark_rows() -> dict[str, str]:
    """The benchmark table of docs/performance.md: `make <target>` → its row."""
    table = PERFORMANCE.split("## Every benchmark")[1]
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `make (benchmark[\w-]*)` \|.*$", table, re.M)}


def test_every_benchmark_target_is_in_the_table_with_the_modules_it_runs() -> None:
    targets, rows = benchmark_targets(), benchmark_rows()
    assert len(targets) >= 5 and all(targets.values())
    assert set(rows) == set(targets)
    for target, modules in targets.items():
        for module in modules:
            path = module.replace(".", "/") + ".py"
            assert (ROOT / path).is_file()
            assert path in rows[target], (
                f"the row of `make {target}` does not name {path}, which `make {target}` runs"
            )
