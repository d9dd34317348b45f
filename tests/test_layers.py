"""The layers of conventions.md "Layout" (issue #13 item 7). The contracts themselves are import-linter's, in
pyproject.toml, checked by ``lint-imports`` in ``make test`` (``make lint``); what they cannot see is an import
hidden inside a function to dodge a cycle: at most five are left, each with a comment saying why."""

from __future__ import annotations

import ast
from pathlib import Path

import salescycle

SOURCE = Path(salescycle.__file__).resolve().parent
MOST_IN_FUNCTION_IMPORTS = 5


def in_function_imports() -> list[tuple[Path, int, str]]:
    """Every import statement inside a function of the package (tests and migrations aside): file, line, the
    comment lines just above it."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(SOURCE).parts):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    above = node.lineno - 2
                    comment = []
                    while above >= 0 and lines[above].strip().startswith("#"):
                        comment.insert(0, lines[above].strip())
                        above -= 1
                    found.append((path.relative_to(SOURCE), node.lineno, " ".join(comment)))
    return found


def test_at_most_five_imports_inside_functions() -> None:
    found = in_function_imports()

    assert len(found) <= MOST_IN_FUNCTION_IMPORTS, found


def test_every_import_inside_a_function_says_why() -> None:
    unexplained = [(str(path), line) for path, line, comment in in_function_imports() if "import" not in comment]

    assert unexplained == []
