"""``salescycle job ID``: a background job's state, progress and result or error (issue #16)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.core.actors import SYSTEM
from salescycle.core.errors import NotFound
from salescycle.jobs.schemas import job_out
from salescycle.jobs.selectors import visible_job


class Command(BaseCommand):
    help = "Print a background job as JSON (the API's GET /api/v1/jobs/{id}); exit 1 when it failed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            job = visible_job(options["job_id"], SYSTEM)
        except NotFound as error:
            raise CommandError(error.message) from error
        self.stdout.write(json.dumps(job_out(job), default=str, indent=2))
        if job.state == "failed":
            raise CommandError(f"{job.error_code}: {job.error_message}")
