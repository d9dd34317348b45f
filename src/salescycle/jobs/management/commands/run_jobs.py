"""``salescycle run-jobs``: the background worker (issue #16), started by ``make run`` beside gunicorn."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from salescycle.jobs.prune import prune_jobs
from salescycle.jobs.runner import recover_stale_jobs, request_stop

# Seconds between two prunings of old finished jobs (JOBS_KEEP_DAYS) by a running worker.
PRUNE_EVERY = 3600.0


class Command(BaseCommand):
    help = (
        "Run the background jobs (the queue is the database): every queued job, then wait for more; jobs whose "
        "worker died are queued again first, and once an hour finished jobs older than SALESCYCLE_JOBS_KEEP_DAYS are "
        "removed. SIGTERM or Ctrl+C stops at the running job's next step and queues it "
        "again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks at an empty queue")
        parser.add_argument("--batch", action="store_true", help="run what is queued now, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        # django-tasks-db's own worker in its "batch" mode runs every ready task and returns; around it, the
        # recovery of stale jobs (the library has none: a task whose worker died stays RUNNING forever).
        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )

        def stop(signum: int, frame: FrameType | None) -> None:
            request_stop()  # the running job stops before its next step and goes back to the queue
            worker.shutdown(signum, frame)

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        pruned_at = -PRUNE_EVERY
        while worker.running:
            if time.monotonic() - pruned_at >= PRUNE_EVERY:
                pruned = prune_jobs()
                pruned_at = time.monotonic()
                if pruned.jobs or pruned.task_results:
                    self.stdout.write(f"Removed {pruned.jobs} old job(s), {pruned.files} file(s).")
            recovered = recover_stale_jobs()
            if recovered:
                self.stdout.write(f"Queued again {len(recovered)} job(s) whose worker had stopped.")
            worker.run()
            if options["batch"]:
                break
            time.sleep(options["interval"])
