"""The background jobs of the demo app (issue #16): ``salescycle import-maven DIR --background`` queues the Maven
CRM import for ``salescycle run-jobs``, which calls the same :func:`~salescycle.demo.maven.load.import_maven` as
the command."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from salescycle.core.actors import SYSTEM, Actor, is_system
from salescycle.core.errors import DomainError, PermissionDenied
from salescycle.demo.maven.load import import_maven
from salescycle.demo.maven.read import MavenDataError, read_folder
from salescycle.jobs.models import Job
from salescycle.jobs.runner import JobRun, register, start_job

IMPORT_MAVEN_JOB = "demo.import_maven"


def start_import_maven_job(folder: Path, *, as_of: dt.date) -> Job:
    """Queue the import of the Maven CRM files of ``folder`` (read by the worker when it runs, so the worker must
    see the same folder) for the background worker, as the system. Errors: ``ValueError`` when ``folder`` is not a
    folder. Implements issue #16 ("imports")."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    return start_job(IMPORT_MAVEN_JOB, by=SYSTEM, parameters={"folder": str(folder.resolve()), "as_of": as_of})


def import_maven_job(run: JobRun, *, by: Actor, folder: str, as_of: str) -> dict[str, Any]:
    """The job function: :func:`read_folder` and :func:`import_maven` in one step, so the import (all or nothing,
    one transaction) commits together with the job's checkpoint holding its result. A worker killed during the
    import leaves nothing written and the next attempt imports again; one killed after the commit finds the result
    in the checkpoint and imports nothing twice (and a second import skips the deals that exist anyway). Result:
    the counts of :class:`~salescycle.demo.maven.load.ImportResult`. Errors: ``maven.bad_data`` (file, line,
    reason; nothing imported); 403 ``permission_denied`` unless started by the system."""
    if not is_system(by):
        raise PermissionDenied("permission_denied", _("Only the command line imports the Maven CRM data."))
    if "result" not in run.checkpoint:
        with run.step() as checkpoint:
            try:
                data = read_folder(Path(folder), as_of=dt.date.fromisoformat(as_of))
                result = import_maven(data)
            except MavenDataError as error:
                raise DomainError(
                    "maven.bad_data", _("%(error)s (nothing was imported)"), params={"error": str(error)}
                ) from error
            checkpoint["result"] = dataclasses.asdict(result)
    return dict(run.checkpoint["result"])


# Imported by ``JobsConfig.ready`` (``autodiscover_modules("jobs")``) in every process, web and worker alike.
register(IMPORT_MAVEN_JOB, label=_("Import Maven CRM data"), function=import_maven_job)
