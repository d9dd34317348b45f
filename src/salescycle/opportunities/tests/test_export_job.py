"""Large exports of the Opportunity List as background jobs (issue #16): over ``JOBS_SYNC_LIMIT`` rows the export
asks before starting a job (a GET never writes), the job writes the same file as the request would (same rows,
columns, order and formula guard, one writer), its page offers the download, and only those who may see the job
download its file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.jobs.files import job_file
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities import services
from salescycle.opportunities.selectors import ListFilters

pytestmark = pytest.mark.django_db

PAYLOADS = ["=1+2", '@SUM(1+9)*cmd|" /C calc"!A0', "+1+2", "-2+3", "Plain"]


@pytest.fixture
def world(demo: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.JOBS_FILES_DIR = tmp_path / "exports"
    manager = testing.make_manager("mona")
    salesperson = testing.make_salesperson("AH")
    contact = testing.make_company("CT-1", name="=cmd|' /C calc'!A0")
    for index, description in enumerate(PAYLOADS, start=1):
        testing.create_opportunity(
            contact, salesperson, no=f"OP-{index}", description=description, creation_date=dt.date(2026, 1, 5)
        )
    return {"manager": manager}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_values(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_large_export_asks_then_runs_as_a_job_whose_file_equals_the_request_s(
    world: dict[str, Any], settings: Any, file_format: str
) -> None:
    manager = signed_in(world["manager"])
    url = f"/opportunities/export.{file_format}?sort=-no&q=OP"
    settings.JOBS_SYNC_LIMIT = 5
    in_request = body(manager.get(url))
    settings.JOBS_SYNC_LIMIT = 4

    asked = manager.get(url)
    assert asked.status_code == 200
    assert 'id="export-job-form"' in asked.content.decode()
    assert not Job.objects.exists()  # a GET never starts a job

    posted = manager.post(url)
    job = Job.objects.get()
    assert (posted.status_code, posted["Location"]) == (302, f"/jobs/{job.pk}/")
    assert job.parameters["filters"] == {"q": "OP", "sort": "-no"}
    assert manager.get(f"/jobs/{job.pk}/download/").status_code == 404  # not written yet

    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error_message
    assert job.result is not None
    assert job.result["rows"] == 5
    assert job.result["download_url"] == f"/jobs/{job.pk}/download/"
    page = manager.get(f"/jobs/{job.pk}/").content.decode()
    assert f'id="job-download" href="/jobs/{job.pk}/download/"' in page

    downloaded = manager.get(f"/jobs/{job.pk}/download/")
    assert downloaded.status_code == 200
    assert f'filename="opportunities.{file_format}"' in downloaded["Content-Disposition"]
    content = body(downloaded)
    if file_format == "csv":
        assert content == in_request
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert [row[0] for row in rows[1:]] == ["OP-5", "OP-4", "OP-3", "OP-2", "OP-1"]
        header = rows[0]
        described = {row[0]: row[header.index("Description")] for row in rows[1:]}
        assert described["OP-1"] == "'=1+2"
        assert described["OP-5"] == "Plain"
        assert rows[1][header.index("Contact Name")] == "'=cmd|' /C calc'!A0"
    else:
        values = xlsx_values(content)
        assert values == xlsx_values(in_request)
        assert ("=1+2", "s") in values[-1]
        assert b"<f>" not in content


def test_only_those_who_see_the_job_download_its_file(world: dict[str, Any], settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 1
    job = services.start_export_job_if_large(ListFilters(), file_format="csv", by=world["manager"])
    assert job is not None
    run_queued_jobs()
    url = f"/jobs/{job.pk}/download/"

    assert signed_in(world["manager"]).get(url).status_code == 200
    assert signed_in(testing.make_manager("max")).get(url).status_code == 200
    assert signed_in(testing.make_administrator()).get(url).status_code == 200
    assert signed_in(testing.make_viewer("vera")).get(url).status_code == 404
    assert signed_in(testing.make_salesperson_user("sam")).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in

    api = Client(headers={"Authorization": f"Bearer {create_token(world['manager'], name='t')[1]}"})
    polled = api.get(f"/api/v1/jobs/{job.pk}").json()
    assert polled["result"]["api_download_url"] == f"/api/v1/jobs/{job.pk}/file"
    file = api.get(polled["result"]["api_download_url"])
    assert file.status_code == 200
    assert body(file).decode("utf-8-sig").splitlines()[0].startswith("No.,Closed,")
    other = Client(headers={"Authorization": f"Bearer {create_token(testing.make_viewer('v2'), name='t')[1]}"})
    assert other.get(f"/api/v1/jobs/{job.pk}/file").json()["code"] == "not_found"


def test_the_job_exports_what_its_user_sees_when_it_runs(world: dict[str, Any], settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 0
    mine = testing.make_salesperson("SAM")
    own = testing.make_salesperson_user("sam", salesperson=mine)
    testing.create_opportunity(testing.make_company("CT-2"), mine, no="OP-SAM")
    job = services.start_export_job_if_large(ListFilters(), file_format="csv", by=own)
    assert job is not None
    run_queued_jobs()

    lines = job_file(job.pk, "csv").read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["OP-SAM"]


def test_a_small_export_is_answered_in_the_request(world: dict[str, Any], settings: Any) -> None:
    settings.JOBS_SYNC_LIMIT = 5
    response = signed_in(world["manager"]).get("/opportunities/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    posted = signed_in(world["manager"]).post("/opportunities/export.csv")
    assert posted.status_code == 200  # still small: the file, no job
    assert not Job.objects.exists()


def test_the_api_export_answers_202_and_its_file_equals_the_web_export(world: dict[str, Any], settings: Any) -> None:
    token = create_token(world["manager"], name="t")[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    body_in = {"format": "csv", "sort": "-no", "q": "OP", "closed": False, "creation_date_from": "2026-01-01"}

    answer = api.post("/api/v1/opportunities/export", body_in, content_type="application/json")

    assert answer.status_code == 202, answer.content
    job = answer.json()["job"]
    assert answer["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["parameters"]["filters"] == {"q": "OP", "closed": "no", "created_from": "2026-01-01", "sort": "-no"}
    run_queued_jobs()
    done = api.get(f"/api/v1/jobs/{job['id']}").json()
    assert (done["state"], done["result"]["rows"]) == ("succeeded", 5)
    from_api = body(api.get(done["result"]["api_download_url"]))
    settings.JOBS_SYNC_LIMIT = 10
    web = signed_in(world["manager"]).get("/opportunities/export.csv?sort=-no&q=OP&closed=no&created_from=2026-01-01")
    assert from_api == body(web)


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"format": "csv", "contact_company_no": "CT-1"}, "contact_company_no"),
        ({"format": "csv", "sort": "description"}, "sort"),
        ({"format": "csv", "creation_date_from": "05.01.2026"}, "creation_date_from"),
        ({}, "format"),
    ],
)
def test_the_api_export_refuses_what_it_does_not_understand(
    world: dict[str, Any], sent: dict[str, Any], field: str
) -> None:
    api = Client(headers={"Authorization": f"Bearer {create_token(world['manager'], name='t')[1]}"})

    answer = api.post("/api/v1/opportunities/export", sent, content_type="application/json")

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert field in answer.json()["fields"]
    assert not Job.objects.exists()
