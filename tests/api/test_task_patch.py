"""PATCH /tasks/{no} follows the closing and reopening rules of spec §2.8, like the task actions."""

from __future__ import annotations

from tests.api.conftest import ApiClient


def _task(api: ApiClient) -> str:
    response = api.post("/api/v1/tasks", {"description": "Call back", "date": "2026-03-02"})
    assert response.status_code == 201, response.content
    return response.json()["no"]


def test_canceling_a_task_by_patch_closes_it_with_status_completed(api: ApiClient) -> None:
    no = _task(api)

    body = api.patch(f"/api/v1/tasks/{no}", {"canceled": True}).json()

    assert (body["canceled"], body["closed"], body["status"]) == (True, True, "completed")
    assert body["date_closed"] is not None


def test_reopening_a_canceled_task_by_patch_clears_canceled_and_date_closed(api: ApiClient) -> None:
    no = _task(api)
    api.patch(f"/api/v1/tasks/{no}", {"canceled": True})

    body = api.patch(f"/api/v1/tasks/{no}", {"status": "in_progress"}).json()

    assert (body["canceled"], body["closed"], body["status"], body["date_closed"]) == (
        False,
        False,
        "in_progress",
        None,
    )
