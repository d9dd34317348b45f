"""What the opportunities app plugs into the apps below it (contacts, tasks), installed from
:meth:`OpportunitiesConfig.ready <salescycle.opportunities.apps.OpportunitiesConfig.ready>`: they ask through these
hooks instead of importing opportunities, so dependencies keep pointing one way (conventions.md "Layout")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Contact
from salescycle.contacts.services import contacts as contact_services
from salescycle.core.errors import DomainError
from salescycle.jobs import runner as jobs
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import create as create_services
from salescycle.opportunities.services import delete as delete_services
from salescycle.opportunities.services import exports as export_services
from salescycle.opportunities.services import report_jobs
from salescycle.tasks import services as task_services


def refuse_deleting_contact_with_open_opportunities(contact: Contact) -> None:
    """Refuse to delete ``contact`` while it, or for a company any of its persons, has Not Started or In Progress
    opportunities: ``contact.has_open_opportunities``. Implements spec §4.11.4."""
    open_opportunities = Opportunity.objects.open()
    if (
        open_opportunities.filter(contact_id=contact.no).exists()
        or open_opportunities.filter(contact_company_id=contact.no).exists()
    ):
        raise DomainError(
            "contact.has_open_opportunities",
            _("You cannot delete contact %(no)s because one or more opportunities are not started or in progress."),
            params={"no": contact.no},
        )


def active_entry_no(opportunity_no: str) -> int:
    """The No. of opportunity ``opportunity_no``'s active entry, 0 when it has none (not started, or no such
    opportunity): what a task linked to it by hand takes as Opportunity Entry No. (spec §2.8, rule 15)."""
    entries = OpportunityEntry.objects.filter(opportunity_id=opportunity_no, active=True)
    return entries.values_list("entry_no", flat=True).first() or 0


def install() -> None:
    """Register the hooks (idempotent: a second call changes nothing)."""
    if refuse_deleting_contact_with_open_opportunities not in contact_services.DELETE_CONTACT_CHECKS:
        contact_services.DELETE_CONTACT_CHECKS.append(refuse_deleting_contact_with_open_opportunities)
    task_services.ACTIVE_ENTRY_NO[0] = active_entry_no
    # The background jobs of this app (issue #16), known to every process (web and worker) once apps are ready.
    jobs.register(
        delete_services.DELETE_CLOSED_JOB,
        label=_("Delete Closed Opportunities"),
        function=delete_services.delete_closed_opportunities_job,
    )
    jobs.register(export_services.EXPORT_JOB, label=_("Export Opportunities"), function=export_services.export_job)
    jobs.register(report_jobs.REPORT_PDF_JOB, label=_("Report PDF"), function=report_jobs.report_pdf_job)
    jobs.register(
        create_services.CREATE_FROM_SEGMENT_JOB,
        label=_("Create Opportunities from Segment"),
        function=create_services.create_opportunities_from_segment_job,
    )
