"""The Opportunity List's exports (spec §5.2) as files, for the request and for the background job alike
(issue #16): one function writes the CSV and one the Excel workbook, both from :func:`selectors.export_rows`
(the same rows, columns and order) through :mod:`salescycle.core.spreadsheet` (the formula-injection guard).

Up to ``JOBS_SYNC_LIMIT`` (10,000) rows the web app answers the file in the request; a larger export becomes a
background job (:data:`EXPORT_JOB`) that writes the same file into ``JOBS_FILES_DIR`` for the job page's download."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.spreadsheet import csv_row, xlsx_row
from salescycle.jobs.files import file_result, write_job_file
from salescycle.jobs.models import Job
from salescycle.jobs.runner import JobRun, in_current_language, percent, start_job
from salescycle.opportunities import selectors
from salescycle.opportunities.selectors import ListFilters

EXPORT_JOB = "opportunities.export"
# file format → the name a download gets
EXPORT_FORMATS = {"csv": "opportunities.csv", "xlsx": "opportunities.xlsx"}
# Rows between two progress reports (and heartbeats) of an export job.
EXPORT_PROGRESS_ROWS = 10_000


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """The CSV export of ``rows`` (:func:`selectors.export_rows`) line by line: a UTF-8 BOM and the translated
    header of :data:`selectors.EXPORT_COLUMNS`, then one line per row; texts a spreadsheet program would read as
    formulas get a leading ``'`` (:func:`~salescycle.core.spreadsheet.csv_row`)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(csv_row(str(label) for _name, label in selectors.EXPORT_COLUMNS))
    for row in rows:
        yield writer.writerow(csv_row(row))


def write_csv(rows: Iterable[tuple[Any, ...]], output: IO[bytes]) -> None:
    """Write :func:`csv_lines` of ``rows`` to ``output`` as UTF-8 (the job's file; the request streams the lines)."""
    for line in csv_lines(rows):
        output.write(line.encode("utf-8"))


def write_xlsx(rows: Iterable[tuple[Any, ...]], output: IO[bytes]) -> None:
    """Write ``rows`` (:func:`selectors.export_rows`) as an Excel workbook to ``output``: one sheet, the translated
    header, one row per row, written by openpyxl's write-only mode (rows are never all in memory); every text is a
    string cell, never a formula (:func:`~salescycle.core.spreadsheet.xlsx_row`)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Opportunities")[:31])
    sheet.append(xlsx_row(sheet, [str(label) for _name, label in selectors.EXPORT_COLUMNS]))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    workbook.save(output)


WRITERS: dict[str, Callable[[Iterable[tuple[Any, ...]], IO[bytes]], None]] = {"csv": write_csv, "xlsx": write_xlsx}


def start_export_job_if_large(filters: ListFilters, *, file_format: str, by: Actor) -> Job | None:
    """Start the export of the list ``filters`` as ``by`` sees it in ``file_format`` (``csv`` or ``xlsx``) as a
    background job when it has more than ``JOBS_SYNC_LIMIT`` rows (the queued job), else None: the caller answers
    the file itself (:func:`csv_lines`, :func:`write_xlsx`). The job writes its labels in the active language.
    Counts at most ``JOBS_SYNC_LIMIT + 1`` rows. Errors: 403 ``permission_denied`` for a user without a role;
    ``ValueError`` for an unknown format (a bug). Implements spec §5.2 and issue #16."""
    permissions.require_read(by)
    if file_format not in EXPORT_FORMATS:
        raise ValueError(file_format)
    if not selectors.export_is_large(filters, user=by):
        return None
    return start_export_job(filters, file_format=file_format, by=by)


def start_export_job(filters: ListFilters, *, file_format: str, by: Actor) -> Job:
    """Start the export of the list ``filters`` as ``by`` sees it in ``file_format`` (``csv`` or ``xlsx``) as a
    background job, whatever its size (the API's ``POST /opportunities/export``); the job writes its labels in the
    active language. Errors: 403 ``permission_denied`` for a user without a role; ``ValueError`` for an unknown
    format (a bug). Implements spec §5.2 and issue #16."""
    permissions.require_read(by)
    if file_format not in EXPORT_FORMATS:
        raise ValueError(file_format)
    parameters = in_current_language(file_format=file_format, filters=filter_parameters(filters))
    return start_job(EXPORT_JOB, by=by, parameters=parameters)


def filter_parameters(filters: ListFilters) -> dict[str, Any]:
    """``filters`` as a job's parameters: the fields that are set, dates as ISO text (:func:`list_filters` reads
    them back)."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(filters):
        value = getattr(filters, item.name)
        if value is None or value == "" or value == item.default:
            continue
        values[item.name] = value.isoformat() if isinstance(value, dt.date) else value
    return values


def list_filters(parameters: dict[str, Any]) -> ListFilters:
    """The :class:`ListFilters` of a job's ``parameters`` (:func:`filter_parameters`). Errors: ``TypeError`` for
    a name :class:`ListFilters` does not have, ``ValueError`` for a date that is not ISO."""
    dates = {item.name for item in dataclasses.fields(ListFilters) if "date" in str(item.type)}
    values: dict[str, Any] = {
        name: dt.date.fromisoformat(value) if name in dates and isinstance(value, str) else value
        for name, value in parameters.items()
    }
    return ListFilters(**values)


def export_job(run: JobRun, *, by: Actor, file_format: str, filters: dict[str, Any], language: str) -> dict[str, Any]:
    """The job function of a large export: the rows of :func:`selectors.export_rows` for ``filters`` (as ``by``
    sees them now, in ``language``) written by :data:`WRITERS` [``file_format``] into the job's file, reporting
    progress every :data:`EXPORT_PROGRESS_ROWS` rows. A read: run again after a crash, it simply writes the whole
    file anew (:func:`~salescycle.jobs.files.write_job_file` replaces it in one rename). Result
    ``{"rows": N, "extension", "file_name", "download_url", "api_download_url"}``. Errors: 403
    ``permission_denied`` when ``by`` lost every role. Implements spec §5.2 and issue #16."""
    permissions.require_read(by)
    chosen = list_filters(filters)
    write = WRITERS[file_format]
    with translation.override(language):
        with run.step() as checkpoint:
            total = selectors.filtered_opportunities(chosen, user=by).count()
            checkpoint["total"] = total
        written = 0

        def counted(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
            nonlocal written
            for row in rows:
                yield row
                written += 1
                if written % EXPORT_PROGRESS_ROWS == 0:
                    run.progress = percent(written, total)
                    with run.step():
                        pass  # the progress and the heartbeat (the lease), nothing else to commit

        write_job_file(
            run.job_id, file_format, lambda output: write(counted(selectors.export_rows(chosen, user=by)), output)
        )
    return file_result(run.job_id, file_format, file_name=EXPORT_FORMATS[file_format], rows=written)
