"""``make lock`` helper: let the resolver keep what this virtualenv has installed.

``uv pip compile`` prefers the pins it finds in the output file. This appends ``name==version`` for every package
installed in the running interpreter's environment that the lock file does not pin yet (e.g. a dependency another
branch added and installed, not locked yet), so that ``make lock`` locks the installed version when pyproject.toml's
ranges allow it, and the newest allowed otherwise. Packaging tools (pip, setuptools, wheel, uv) and the project itself
are left out. The resolver rewrites the whole file, so the appended lines never survive as such.

Usage: ``python scripts/lock_preferences.py requirements/dev.txt``. Standard library only.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

SKIP = {"pip", "setuptools", "wheel", "uv", "salescycle"}


def canonical(name: str) -> str:
    """PEP 503 normalised name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def main(argv: list[str]) -> int:
    """Append the missing preferences to the lock file named in ``argv`` (created when absent); return 0."""
    lock = Path(argv[0])
    text = lock.read_text() if lock.exists() else ""
    pinned = {canonical(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9._-]+)==", text, re.MULTILINE)}
    extra = sorted(
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"] and canonical(dist.metadata["Name"]) not in pinned | SKIP
    )
    if extra:
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text(text + ("" if not text or text.endswith("\n") else "\n") + "\n".join(extra) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
