"""The ``salescycle`` command: Django's management commands under one name.

``salescycle migrate``, ``salescycle check-integrity``, ``salescycle delete-closed-opportunities``, … are the
management commands of this project (dashes or underscores both work); ``salescycle serve`` runs gunicorn.
"""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    """Run a management command: ``salescycle <command> [options]``. Dashes in the name become underscores."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(["salescycle", *args[1:]])


if __name__ == "__main__":
    main()
