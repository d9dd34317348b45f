"""``salescycle serve``: run the app under gunicorn (several workers), as ``make run`` does."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Serve Salescycle with gunicorn (salescycle.wsgi:application)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("SALESCYCLE_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))

    def handle(self, *args: Any, **options: Any) -> None:
        gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
        if not os.path.exists(gunicorn):
            raise CommandError("gunicorn is not installed in this environment.")
        argv = [
            gunicorn,
            "salescycle.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            # The same request limits as scripts/run.sh (see there): gunicorn answers 414/431 itself past them.
            *("--limit-request-line", "8190", "--limit-request-fields", "100", "--limit-request-field_size", "8190"),
        ]
        os.execv(gunicorn, argv)  # noqa: S606 - replaces this process with the server, arguments are ours
