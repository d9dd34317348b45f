"""``salescycle demo-user [--claim-if-empty]``: the demo sign-in of ``make run`` (see ``salescycle.demo.demo_user``).

``--claim-if-empty`` (run.sh calls it before ``migrate``) marks a database without tables as created by make run.
Without it, the demo user is created or reset to ``$DEMO_PASSWORD`` (default ``demo-sales-2026``) on a marked
database only; on any other the command says so and changes nothing. Exit status 0 either way.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from salescycle.core.checks import DEFAULT_DEMO_PASSWORD, DEMO_USERNAME
from salescycle.demo.demo_user import claim_if_empty, ensure_demo_user, marker_path


class Command(BaseCommand):
    help = (
        "Create the demo superuser or reset its password ($DEMO_PASSWORD, default demo-sales-2026), only on a "
        "database that make run created; --claim-if-empty marks an empty database as such (before migrate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--claim-if-empty",
            action="store_true",
            help="before migrate: when the database has no table, record that make run creates it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["claim_if_empty"]:
            if claim_if_empty():
                self.stdout.write(f"Empty database: created by make run (marker {marker_path()}).")
            return
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        if ensure_demo_user(password):
            self.stdout.write(f"Log in as: {DEMO_USERNAME} / {password}")
        else:
            self.stdout.write(
                "Log in with an account of this database: make run did not create it, so the demo user's password "
                f"is left alone (no matching {marker_path()})."
            )
