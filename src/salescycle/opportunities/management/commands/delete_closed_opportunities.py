"""``salescycle delete-closed-opportunities``: the Delete Opportunities batch job (spec §4.11.2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities.services import (
    closed_opportunities_preview,
    delete_closed_opportunities,
    start_deleting_closed_opportunities,
)
from salescycle.opportunities.services.delete import PREVIEW_ROWS


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Delete closed (Won/Lost) opportunities with their entries and comments; prints how many were deleted."

    def add_arguments(self, parser: CommandParser) -> None:
        syntax = "; BC filter syntax: * any characters, ? one character, A..B range, A|B either"
        parser.add_argument("--no", help=f"opportunity no.{syntax} (e.g. 'OP0000*')")
        parser.add_argument("--date-closed-from", type=_date, help="YYYY-MM-DD")
        parser.add_argument("--date-closed-to", type=_date, help="YYYY-MM-DD")
        parser.add_argument("--salesperson-code", help=f"salesperson code{syntax}")
        parser.add_argument("--campaign-no", help=f"campaign no.{syntax}")
        parser.add_argument("--contact-no", help=f"contact no.{syntax}")
        parser.add_argument("--sales-cycle-code", help=f"sales cycle code{syntax}")
        parser.add_argument(
            "--dry-run", action="store_true", help=f"only count what would be deleted and list the first {PREVIEW_ROWS}"
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue it as a background job for `salescycle run-jobs` and print the job's id (issue #16)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        filters = {key: options[key] for key in ("date_closed_from", "date_closed_to") if options.get(key)}
        # The key options take Business Central's filter syntax (issue #15, L9): the service's ``*_filter`` arguments.
        filters |= {
            f"{key}_filter": options[key]
            for key in ("no", "salesperson_code", "campaign_no", "contact_no", "sales_cycle_code")
            if options.get(key)
        }
        try:
            if options["background"] and not options["dry_run"]:
                job = start_deleting_closed_opportunities(**filters, by=SYSTEM)
                self.stdout.write(
                    f"Queued job {job.pk}: `salescycle run-jobs` runs it; `salescycle job {job.pk}` shows it."
                )
                return
            result = delete_closed_opportunities(dry_run=options["dry_run"], **filters, by=SYSTEM)
            first = closed_opportunities_preview(**filters, by=SYSTEM) if options["dry_run"] else []
        except DomainError as error:
            raise CommandError(_message(error)) from error
        for row in first:
            closed = row["date_closed"].isoformat() if row["date_closed"] else ""
            self.stdout.write(f"{row['no']}\t{row['status']}\t{closed}\t{row['description']}")
        if first and len(first) < result.deleted_opportunities:
            self.stdout.write(f"… the first {len(first)} of {result.deleted_opportunities}")
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {result.deleted_opportunities} opportunities and {result.deleted_entries} entries.")


def _message(error: DomainError) -> str:
    """The error with the option it concerns (``--no: …``) when it names one."""
    for name, texts in error.fields.items():
        option = "--" + name.removesuffix("_filter").replace("_", "-")
        return f"{option}: {' '.join(texts)}"
    return error.message
