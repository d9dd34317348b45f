"""Completing, cancelling and reopening tasks (spec §2.8)."""

from __future__ import annotations

import datetime as dt

import pytest

from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import today
from salescycle.tasks.models import Task
from salescycle.tasks.services import cancel_task, closing_changes, complete_task, reopen_task

pytestmark = pytest.mark.django_db


def make_task(status: str = "not_started") -> Task:
    return Task.objects.create(no="TD1", date=dt.date(2026, 1, 5), status=status, recurring=True)


def test_completing_closes_the_task_on_the_system_date() -> None:
    make_task("in_progress")

    task = complete_task("td1", by=SYSTEM)

    assert (task.status, task.closed, task.canceled, task.date_closed) == ("completed", True, False, today())


def test_cancelling_closes_as_completed_and_stops_recurrence() -> None:
    make_task()

    task = cancel_task("TD1", by=SYSTEM)

    assert (task.status, task.closed, task.canceled, task.recurring, task.date_closed) == (
        "completed", True, True, False, today()
    )  # fmt: skip


def test_reopening_clears_canceled_and_date_closed_and_completed_becomes_in_progress() -> None:
    make_task()
    cancel_task("TD1", by=SYSTEM)

    task = reopen_task("TD1", by=SYSTEM)

    assert (task.status, task.closed, task.canceled, task.date_closed) == ("in_progress", False, False, None)


def test_another_status_reopens_and_keeps_that_status() -> None:
    changes = closing_changes(closed=True, status="completed", canceled=True, changes={"status": "waiting"})

    assert changes == {"status": "waiting", "closed": False, "canceled": False, "date_closed": None}


def test_a_closed_task_keeps_its_date_closed_when_closed_again() -> None:
    changes = closing_changes(closed=True, status="completed", canceled=False, changes={"canceled": True})

    assert changes == {"canceled": True, "closed": True, "status": "completed"}
