"""``salescycle generate --opportunities N --seed S [--as-of YYYY-MM-DD] [--no-progress]``: synthetic data."""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.core.errors import DomainError
from salescycle.demo.generate import generate, prefix_for

DEFAULT_AS_OF = dt.date(2026, 6, 30)


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Add N synthetic opportunities (numbers G<seed>-0000001…) with multi-entry histories over three years, "
        "their salespeople, teams, contacts, stage tasks and customers, on the demo cycles and the GENERATED "
        "cycle. Deterministic for a given seed, N and --as-of; run again with another seed to add more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--opportunities", type=int, required=True, help="how many opportunities to add")
        parser.add_argument("--seed", type=int, default=1, help="random seed and number prefix (default 1)")
        parser.add_argument(
            "--as-of",
            type=_iso_date,
            default=DEFAULT_AS_OF,
            help=f"the histories end on or before this date (default {DEFAULT_AS_OF}, fixed so that a seed always "
            "gives the same data)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        seed: int = options["seed"]
        if seed < 0:
            raise CommandError("--seed must not be negative")
        try:
            result = generate(
                options["opportunities"],
                seed=seed,
                as_of=options["as_of"],
                progress=not options["no_progress"] and sys.stderr.isatty(),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message} ({exc.code})") from None
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(result.by_status.items()))
        self.stdout.write(
            f"Generated {result.opportunities} opportunities {prefix_for(seed)}… ({statuses}) with "
            f"{result.entries} entries and {result.tasks} tasks, {result.salespeople} salespeople in "
            f"{result.teams} teams, {result.contacts} contacts, {result.customers} customers "
            f"({time.monotonic() - started:.1f} s)."
        )
