"""``salescycle prune-jobs [--days N]``: remove finished jobs, their files and the queue's finished rows older than
``SALESCYCLE_JOBS_KEEP_DAYS`` (issue #16); ``salescycle run-jobs`` also does it once an hour."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.jobs.prune import prune_jobs


class Command(BaseCommand):
    help = "Remove finished background jobs (and their files) older than SALESCYCLE_JOBS_KEEP_DAYS days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="keep this many days (default: the setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.JOBS_KEEP_DAYS if options["days"] is None else options["days"]
        if days < 0:
            raise CommandError("--days must be 0 or more")
        result = prune_jobs(keep_days=days)
        self.stdout.write(
            f"Removed {result.jobs} job(s) finished more than {days} day(s) ago, {result.files} file(s) and "
            f"{result.task_results} queue row(s)."
        )
