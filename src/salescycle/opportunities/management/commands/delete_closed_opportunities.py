"""``salescycle delete-closed-opportunities``: the Delete Opportunities batch job (spec §4.11.2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities.services import delete_closed_opportunities, start_deleting_closed_opportunities


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Delete closed (Won/Lost) opportunities with their entries and comments; prints how many were deleted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no", help="opportunity no.")
        parser.add_argument("--date-closed-from", type=_date, help="YYYY-MM-DD")
        parser.add_argument("--date-closed-to", type=_date, help="YYYY-MM-DD")
        parser.add_argument("--salesperson-code")
        parser.add_argument("--campaign-no")
        parser.add_argument("--contact-no")
        parser.add_argument("--sales-cycle-code")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue it as a background job for `salescycle run-jobs` and print the job's id (issue #16)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        filters = {
            key: options[key]
            for key in (
                "no",
                "date_closed_from",
                "date_closed_to",
                "salesperson_code",
                "campaign_no",
                "contact_no",
                "sales_cycle_code",
            )
            if options.get(key)
        }
        if options["background"] and not options["dry_run"]:
            job = start_deleting_closed_opportunities(**filters, by=SYSTEM)
            self.stdout.write(
                f"Queued job {job.pk}: `salescycle run-jobs` runs it; `salescycle job {job.pk}` shows it."
            )
            return
        try:
            result = delete_closed_opportunities(dry_run=options["dry_run"], **filters, by=SYSTEM)
        except DomainError as error:
            raise CommandError(error.message) from error
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {result.deleted_opportunities} opportunities and {result.deleted_entries} entries.")
