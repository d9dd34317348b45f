"""``salescycle import-maven DIR [--as-of 2017-12-31] [--no-progress]``: import the Maven CRM sample data."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.core.errors import DomainError
from salescycle.demo.jobs import start_import_maven_job
from salescycle.demo.maven import MavenDataError, import_maven, read_folder


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Import the Maven CRM files (accounts.csv, products.csv, sales_teams.csv, sales_pipeline.csv) of DIR as "
        "salespeople, teams, company contacts, items and opportunities with their entries on the MAVEN sales cycle. "
        "All or nothing; deals whose opportunity number exists are skipped, so a second import changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="folder holding the Maven CRM CSV files")
        parser.add_argument(
            "--as-of",
            type=_iso_date,
            default=dt.date(2017, 12, 31),
            help="creation date of deals without engage_date (Prospecting); default 2017-12-31",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue it as a background job for `salescycle run-jobs` (which reads DIR) and print the job's id",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["dir"]
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        if options["background"]:
            job = start_import_maven_job(folder, as_of=options["as_of"])
            self.stdout.write(
                f"Queued job {job.pk}: `salescycle run-jobs` runs it; `salescycle job {job.pk}` shows it."
            )
            return
        started = time.monotonic()
        try:
            data = read_folder(folder, as_of=options["as_of"])
            result = import_maven(data, progress=not options["no_progress"] and sys.stderr.isatty())
        except MavenDataError as exc:
            raise CommandError(f"{exc} (nothing was imported)") from None
        except DomainError as exc:
            raise CommandError(f"{exc.message} ({exc.code}; nothing was imported)") from None
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(result.by_status.items()))
        self.stdout.write(
            f"Imported {result.opportunities} opportunities ({statuses or 'none'}) with {result.entries} entries, "
            f"{result.salespeople} salespeople, {result.teams} teams, {result.contacts} contacts, "
            f"{result.items} items, {result.customers} customers; skipped {result.skipped} existing opportunities "
            f"({time.monotonic() - started:.1f} s)."
        )
