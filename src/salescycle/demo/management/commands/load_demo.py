"""``salescycle load-demo [--base-date YYYY-MM-DD]``: install the demo setup and data (idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.core.errors import DomainError
from salescycle.core.workdate import today
from salescycle.demo.demo_data import load_demo


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Install the spec §7 demo setup (sales cycles EXISTING and NEW, stages, activities, close codes), "
        "salespeople JO/OF/PS, demo contacts and opportunities OP100015–OP100040 with their histories. "
        "A second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-date",
            type=_iso_date,
            default=None,
            help="the demo histories end on this date (default today); only used for opportunities not yet loaded",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_demo(options["base_date"] or today())
        except DomainError as exc:
            raise CommandError(f"{exc.message} ({exc.code})") from None
        self.stdout.write(
            f"Demo data loaded: {result.salespeople} salespeople, {result.contacts} contacts and "
            f"{result.opportunities} opportunities created."
        )
