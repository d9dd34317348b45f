"""``salescycle check-integrity``: verify the opportunity ledger invariants and the stored keys; exit status 1 when
any is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from salescycle.opportunities.integrity import check_integrity


class Command(BaseCommand):
    help = (
        "Verify the opportunity ledger (one active entry per started opportunity, status and figures, Days Open) "
        "and that every stored key can travel in a URL."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = check_integrity()
        for problem in report.problems:
            self.stderr.write(problem)
        summary = f"{report.opportunities} opportunities, {report.entries} entries checked"
        if not report.ok:
            raise CommandError(f"{len(report.problems)} problem(s) found; {summary}.")
        self.stdout.write(f"OK: {summary}.")
