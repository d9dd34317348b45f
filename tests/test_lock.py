"""Issue #12 item 13: the lock in ``requirements/`` (``make lock``) matches pyproject.toml and depends on PyPI only.

``make run`` installs ``requirements/run.txt`` and ``make test`` ``requirements/dev.txt`` exactly (``--no-deps``), so
a dependency added to pyproject.toml without ``make lock`` must be caught here, before an install on a fresh machine
misses it. Reads files only (no network, no pip).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.sqlite_only  # no database involved: once is enough

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name: str) -> dict[str, str]:
    """``requirements/<name>``'s pins: canonical package name → version (markers dropped)."""
    found: dict[str, str] = {}
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)(\s*;.*)?", line)
        assert match, f"{name}: not an exact pin: {line!r}"
        found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def _check(requirements: list[str], locked: dict[str, str]) -> list[str]:
    problems = []
    for line in requirements:
        requirement = Requirement(line)
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in the lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    return problems


def test_every_runtime_dependency_is_locked_within_its_range() -> None:
    assert _check(PROJECT["dependencies"], pins("run.txt")) == []


def test_every_dev_dependency_is_locked_within_its_range() -> None:
    requirements = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]
    assert _check(requirements, pins("dev.txt")) == []


def test_the_runtime_lock_is_the_dev_lock_s_subset() -> None:
    run, dev = pins("run.txt"), pins("dev.txt")
    assert {name: dev.get(name) for name in run} == run


def test_every_dependency_has_an_upper_bound() -> None:
    for line in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]:
        operators = {spec.operator for spec in Requirement(line).specifier}
        assert operators & {"<", "<=", "==", "~="}, f"{line}: no upper bound"


@pytest.mark.parametrize("name", ["run.txt", "dev.txt"])
def test_the_lock_names_no_index_and_no_local_path(name: str) -> None:
    text = (ROOT / "requirements" / name).read_text()
    assert not re.search(r"^\s*-", text, re.MULTILINE), "pip options in the lock (index, find-links, -e …)"
    assert "file:" not in text
    assert "/opt/" not in text
