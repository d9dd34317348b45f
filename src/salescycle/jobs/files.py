"""The files that background jobs write (issue #16): a large export is written by the worker into
``JOBS_FILES_DIR`` (default ``<SALESCYCLE_DATA_DIR>/exports``), one file per job named after the job's id, and
downloaded from the job's page by whoever may see the job (:func:`salescycle.jobs.selectors.can_see_job`).

The file's name on disk is never taken from the job's stored result: it is the job's UUID and one of the known
extensions (:data:`FILE_TYPES`), so no stored text can name another file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.urls import reverse

# extension → content type of the files a job may write
FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def job_file(job_id: uuid.UUID | str, extension: str) -> Path:
    """Where the file of job ``job_id`` with ``extension`` (a key of :data:`FILE_TYPES`) lives. Errors:
    ``ValueError`` for an unknown extension or an id that is not a UUID."""
    if extension not in FILE_TYPES:
        raise ValueError(extension)
    return Path(settings.JOBS_FILES_DIR) / f"{uuid.UUID(str(job_id))}.{extension}"


def write_job_file(job_id: uuid.UUID | str, extension: str, write: Callable[[IO[bytes]], object]) -> Path:
    """Write the file of job ``job_id``: ``write(output)`` fills a temporary file beside it, which then replaces the
    file in one rename, so a download never sees half a file and a job run again after a crash simply writes it
    anew (idempotent). Returns the file's path."""
    path = job_file(job_id, extension)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with partial.open("wb") as output:
            write(output)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def file_result(job_id: uuid.UUID | str, extension: str, *, file_name: str, **extra: Any) -> dict[str, Any]:
    """The result of a job that wrote a file: ``extension``, the name a download gets (``file_name``), the web
    and API download addresses (``download_url``, ``api_download_url``) and ``extra`` (e.g. ``rows``)."""
    return {
        "extension": extension,
        "file_name": file_name,
        "download_url": reverse("jobs:download", args=[job_id]),
        "api_download_url": reverse("api:download_job_file", args=[job_id]),
        **extra,
    }


def result_file(job_id: uuid.UUID | str, result: dict[str, Any] | None) -> tuple[Path, str, str] | None:
    """The file of a succeeded job with ``result`` as ``(path, download name, content type)``, or None when the job
    wrote no file (or it is gone: pruned)."""
    extension = (result or {}).get("extension")
    if not isinstance(extension, str) or extension not in FILE_TYPES:
        return None
    path = job_file(job_id, extension)
    if not path.is_file():
        return None
    name = str((result or {}).get("file_name") or path.name)
    return path, name, FILE_TYPES[extension]


def remove_job_files(job_id: uuid.UUID | str) -> int:
    """Remove every file job ``job_id`` wrote (all known extensions); how many were there."""
    removed = 0
    for extension in FILE_TYPES:
        path = job_file(job_id, extension)
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
