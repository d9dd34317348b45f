"""A long report's PDF as a background job (issue #16 item 1, "the reports' PDFs"). Drawing a PDF costs about 1 ms
of CPU per row (ReportLab): a printed list of 2,000 rows (``reports.REPORT_ROWS``, the most a list prints) took
2.6 s in the request at 1M opportunities, holding a web worker that long. A list report with more than
``REPORT_PDF_SYNC_ROWS`` rows (500 by default: about 0.5 s of drawing) is therefore drawn by the job worker: the job
builds the same report (as its user sees the data then) and writes the PDF into ``JOBS_FILES_DIR``, and the job page
offers it for download. Shorter reports, and the reports whose size does not grow with the data (Sales Cycle -
Analysis, Opportunity - Details), stay in the request."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.jobs.files import file_result, write_job_file
from salescycle.jobs.models import Job
from salescycle.jobs.runner import JobRun, in_current_language, start_job
from salescycle.opportunities import reports
from salescycle.opportunities.report_pdf import report_file_name, report_pdf
from salescycle.opportunities.selectors import ListFilters
from salescycle.opportunities.services.exports import filter_parameters, list_filters

REPORT_PDF_JOB = "opportunities.report_pdf"

# The list reports (the ones whose PDF grows with the data), by the name a job stores.
LIST_REPORTS: dict[str, Callable[..., reports.Report]] = {
    "opportunity_list": reports.opportunity_list,
    "salesperson_opportunities": reports.salesperson_opportunities,
}


def report_rows(report: reports.Report) -> int:
    """The number of rows ``report`` prints (all its tables)."""
    return sum(len(table.rows) for table in report.tables)


def pdf_is_long(report: reports.Report) -> bool:
    """Whether ``report``'s PDF is drawn in the background: more than ``settings.REPORT_PDF_SYNC_ROWS`` rows."""
    return report_rows(report) > settings.REPORT_PDF_SYNC_ROWS


def start_report_pdf_job(name: str, filters: ListFilters, *, captions: list[tuple[Any, str]], by: Actor) -> Job:
    """Start drawing the PDF of list report ``name`` (a key of :data:`LIST_REPORTS`) for ``filters`` as ``by`` sees
    the data when the job runs; ``captions`` are the filters as the report's header prints them ((label, value)
    pairs, translated now: the job writes in the active language). Errors: 403 ``permission_denied`` for a user
    without a role; ``KeyError`` for an unknown report (a bug). Implements spec §5.9 and issue #16 item 1."""
    permissions.require_read(by)
    if name not in LIST_REPORTS:
        raise KeyError(name)
    parameters = in_current_language(
        report=name,
        filters=filter_parameters(filters),
        captions=[[str(label), str(value)] for label, value in captions],
    )
    return start_job(REPORT_PDF_JOB, by=by, parameters=parameters)


def report_pdf_job(
    run: JobRun, *, by: Actor, report: str, filters: dict[str, Any], captions: list[list[str]], language: str
) -> dict[str, Any]:
    """The job function of :func:`start_report_pdf_job`: build list report ``report`` for ``filters`` as ``by`` sees
    the data now, draw its PDF in ``language`` and write it as the job's file (replaced whole, in one rename, when
    run again after a crash: a read). Progress 10 % once the rows are read. Result ``{"rows": N, "extension",
    "file_name", "download_url", "api_download_url"}``. Errors: 403 ``permission_denied`` when ``by`` lost every
    role. Implements spec §5.9 and issue #16 item 1."""
    permissions.require_read(by)
    with translation.override(language):
        built = LIST_REPORTS[report](list_filters(filters), user=by)
        built = dataclasses.replace(built, filters=[(label, value) for label, value in captions])
        run.progress = 10
        with run.step():
            pass  # the progress and the heartbeat (the lease), nothing else to commit
        document = report_pdf(built)
        write_job_file(run.job_id, "pdf", lambda output: output.write(document))
        return file_result(run.job_id, "pdf", file_name=report_file_name(built), rows=report_rows(built))
