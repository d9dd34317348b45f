"""A long list report's PDF as a background job (issue #16 item 1, "the reports' PDFs"): over ``PDF_SYNC_ROWS``
rows the PDF link asks before starting a job (a GET never writes); the POST starts it and goes to its page; the job
draws the same report as the request would (the rows its user may see, the filters printed in the header, in the
user's language) and its page offers the PDF to those who may see the job only. A short report stays in the
request."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from salescycle import testing
from salescycle.jobs.models import Job, JobState
from salescycle.jobs.testing import run_queued_jobs
from salescycle.opportunities import services

pytestmark = pytest.mark.django_db

LIST = "/reports/opportunity-list/"
BY_SALESPERSON = "/reports/salesperson-opportunities/"


@pytest.fixture
def world(demo: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.JOBS_FILES_DIR = tmp_path / "files"
    settings.REPORT_PDF_SYNC_ROWS = 2
    annette = testing.make_salesperson("AH", name="Annette Hill")
    bob = testing.make_salesperson("BB", name="Bob Brown")
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    for index, salesperson in enumerate((annette, annette, annette, bob), start=1):
        testing.create_opportunity(
            cronus, salesperson, no=f"OP-{index}", description=f"Deal {index}", creation_date=dt.date(2026, 1, 5)
        )
    return {
        "annette": testing.make_salesperson_user("annette", salesperson=annette),
        "bob": testing.make_salesperson_user("bob", salesperson=bob),
        "mona": testing.make_manager("mona"),
    }


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("url", [LIST, BY_SALESPERSON])
def test_a_long_report_asks_then_draws_its_pdf_in_a_job_that_equals_the_request_s(
    world: dict[str, Any], settings: Any, url: str
) -> None:
    mona = signed_in(world["mona"])
    settings.REPORT_PDF_SYNC_ROWS = 4
    in_request = mona.get(f"{url}?salesperson=AH&format=pdf")
    assert in_request["Content-Type"] == "application/pdf"
    settings.REPORT_PDF_SYNC_ROWS = 2

    asked = mona.get(f"{url}?salesperson=AH&format=pdf")
    assert asked.status_code == 200
    page = asked.content.decode()
    assert 'id="report-job-form"' in page
    assert "This report prints 3 rows, more than 2." in page
    assert 'href="?salesperson=AH"' in page  # Cancel: back to the report's page
    assert not Job.objects.exists()  # a GET never starts a job

    posted = mona.post(f"{url}?salesperson=AH&format=pdf")
    job = Job.objects.get()
    assert (posted.status_code, posted["Location"]) == (302, f"/jobs/{job.pk}/")
    assert job.kind == services.REPORT_PDF_JOB
    assert job.parameters["filters"] == {"salesperson": "AH"}
    assert job.parameters["captions"] == [["Salesperson Code", "AH"]]

    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.result is not None
    assert (job.state, job.progress, job.result["rows"]) == (JobState.SUCCEEDED, 100, 3)
    download = mona.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    content = body(download)
    assert content.startswith(b"%PDF-")
    drawn = pdf_text(content)
    assert drawn == pdf_text(in_request.content)
    assert "Deal 1" in drawn
    assert "Deal 4" not in drawn  # Bob's, outside the filter
    assert "Salesperson Code: AH" in drawn


def test_the_job_prints_what_its_user_may_see(world: dict[str, Any]) -> None:
    annette = signed_in(world["annette"])
    annette.post(f"{LIST}?format=pdf")
    job = Job.objects.get()
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.result is not None
    assert job.result["rows"] == 3  # Annette's three, not Bob's
    assert signed_in(world["bob"]).get(f"/jobs/{job.pk}/download/").status_code == 404  # another user's job
    assert signed_in(world["mona"]).get(f"/jobs/{job.pk}/download/").status_code == 200  # a manager sees every job


def test_a_short_report_is_drawn_in_the_request(world: dict[str, Any]) -> None:
    response = signed_in(world["bob"]).get(f"{LIST}?format=pdf")  # Bob sees 1 row
    assert response["Content-Type"] == "application/pdf"
    assert "Deal 4" in pdf_text(response.content)
    assert not Job.objects.exists()


def test_the_job_writes_in_the_language_of_the_request(world: dict[str, Any]) -> None:
    mona = signed_in(world["mona"])
    mona.post(f"{LIST}?format=pdf", HTTP_ACCEPT_LANGUAGE="de")
    job = Job.objects.get()
    assert job.parameters["language"] == "de"
    run_queued_jobs()
    job.refresh_from_db()
    content = body(mona.get(f"/jobs/{job.pk}/download/"))
    assert "Verkaufschance - Liste" in pdf_text(content)


def test_a_user_without_a_role_cannot_start_the_job(world: dict[str, Any]) -> None:
    nobody = testing.make_user("nobody")
    response = signed_in(nobody).post(f"{LIST}?format=pdf")
    assert response.status_code == 403
    assert not Job.objects.exists()
