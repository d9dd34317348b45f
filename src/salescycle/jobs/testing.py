"""Test helpers for background jobs (issue #16)."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_jobs() -> int:
    """Run every queued task in this process with django-tasks-db's own ``Worker.run_task``, as ``salescycle
    run-jobs`` does, but without the worker's loop: that loop closes the database connection between tasks, which
    would end a test's transaction. Returns how many tasks ran."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    count = 0
    while (task_result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        count += 1
    return count
