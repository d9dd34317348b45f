"""Fail when the installed packages do not satisfy pyproject.toml: the lock in requirements/ is stale.

``make run`` and ``make test`` install the lock exactly (``pip install --no-deps -r requirements/….txt``), so a
dependency added to pyproject.toml without ``make lock`` would be missing, or installed at a version outside its new
range. This script compares each requirement of pyproject.toml (the runtime ones, plus those of the extras named on
the command line, e.g. ``dev``) with what is installed, and exits 1 naming every mismatch and the fix. Transitive
requirements are ``pip check``'s job (the Makefile runs both).

Usage: ``python scripts/check_lock.py [EXTRA ...]``. Standard library only, plus the ``packaging`` that pip vendors
(every virtualenv has pip).
"""

from __future__ import annotations

import importlib.metadata
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ImportError:  # a runtime-only virtualenv need not have packaging: pip always carries a copy
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def problems(extras: list[str]) -> list[str]:
    """One line per requirement of pyproject.toml (runtime plus ``extras``) that the environment does not satisfy:
    not installed, or installed at a version outside the range. Requirements whose markers exclude this
    interpreter/platform are skipped."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    wanted = list(project.get("dependencies", []))
    for extra in extras:
        wanted += project.get("optional-dependencies", {}).get(extra, [])
    found = []
    for line in wanted:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{requirement.name}: not installed (pyproject.toml wants {requirement})")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{requirement.name} {version} is installed, pyproject.toml wants {requirement}")
    return found


def main(argv: list[str]) -> int:
    """Print the mismatches and return 1, or return 0 when every requirement is satisfied."""
    found = problems(argv)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print("The lock in requirements/ does not match pyproject.toml: run `make lock`.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
