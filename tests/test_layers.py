"""The layers of conventions.md "Layout" hold (issue #13 items 3 and 4): ``core`` imports nothing of ours, and the
reads (selectors, statistics) import no service. Read from the source, imports inside functions included; the
engine's freedom from Django is checked by running it (``opportunities/tests/test_engine_imports.py``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import salescycle

SOURCE = Path(salescycle.__file__).resolve().parent
APPS = ("apitokens", "contacts", "demo", "opportunities", "sales", "tasks")


def imported_modules(path: Path) -> Iterator[str]:
    """Every module ``path`` imports (absolute names; relative imports are not used in this code base)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_core_imports_nothing_of_ours() -> None:
    found = {
        f"{path.relative_to(SOURCE)}: {module}"
        for path in (SOURCE / "core").rglob("*.py")
        if "migrations" not in path.parts
        for module in imported_modules(path)
        if module.split(".")[:2] in [["salescycle", app] for app in APPS]
    }

    assert sorted(found) == []


def test_selectors_and_statistics_import_no_service() -> None:
    reads = [
        *(SOURCE / "opportunities" / "selectors").glob("*.py"),
        SOURCE / "opportunities" / "statistics.py",
        SOURCE / "sales" / "selectors.py",
        SOURCE / "contacts" / "selectors.py",
    ]
    found = {
        f"{path.relative_to(SOURCE)}: {module}"
        for path in reads
        for module in imported_modules(path)
        if module.startswith("salescycle.")
        and any(part == "services" or part.endswith("_services") for part in module.split(".")[2:])
    }

    assert sorted(found) == []
