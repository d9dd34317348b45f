"""Every write on opportunities (spec §4.1–§4.9, §4.11): one function per business verb, one transaction each; and
every write on their setup and log, one module per concept: sales cycles and stages (:mod:`.sales_cycles`), close
codes (:mod:`.close_codes`), Marketing Setup (:mod:`.marketing_setup`), activities (:mod:`.activities`) and
interactions (:mod:`.interactions`); and the bulk actions on a selection (:mod:`.bulk`, issue #15), which call the
verbs one opportunity at a time. The web pages, the API, the admin and the commands reach them all here.

Each verb locks the opportunity row (``SELECT … FOR UPDATE``; on SQLite the IMMEDIATE transaction serialises
writers), asks the pure engine for the new entry and writes it with :func:`_insert_entry`, the only place that
changes the active entry, the status and the opportunity's copy of the active entry's figures. A refused action
raises a ``DomainError`` and, because nothing is written before the engine has accepted it, leaves the database
unchanged (the transaction is rolled back in any case).
"""

from salescycle.opportunities.services.activities import delete_activity, save_activity
from salescycle.opportunities.services.bulk import (
    MAX_SELECTION,
    BulkResult,
    Refusal,
    close_as_lost,
    reassign_salesperson,
)
from salescycle.opportunities.services.close_codes import (
    create_close_code,
    delete_close_opportunity_code,
    update_close_code,
)
from salescycle.opportunities.services.create import (
    CREATE_FROM_SEGMENT_JOB,
    Estimates,
    create_opportunities_from_segment,
    create_opportunities_from_segment_job,
    create_opportunities_from_segment_or_start_job,
    create_opportunity,
)
from salescycle.opportunities.services.delete import (
    DELETE_CLOSED_JOB,
    DeleteResult,
    closed_opportunities_preview,
    delete_closed_opportunities,
    delete_closed_opportunities_job,
    delete_closed_opportunities_or_start_job,
    delete_opportunity,
    start_deleting_closed_opportunities,
)
from salescycle.opportunities.services.exports import (
    EXPORT_JOB,
    csv_lines,
    export_job,
    start_export_job,
    start_export_job_if_large,
    write_csv,
    write_xlsx,
)
from salescycle.opportunities.services.fields import (
    EDITABLE,
    add_comment,
    change_opportunity,
)
from salescycle.opportunities.services.interactions import create_interaction, update_interaction
from salescycle.opportunities.services.marketing_setup import update_setup
from salescycle.opportunities.services.moves import (
    activate_first_stage,
    close_opportunity,
    get_update_options,
    update_opportunity,
)
from salescycle.opportunities.services.report_jobs import (
    LIST_REPORTS,
    REPORT_PDF_JOB,
    pdf_is_long,
    report_pdf_job,
    report_rows,
    start_report_pdf_job,
)
from salescycle.opportunities.services.sales_cycles import (
    create_sales_cycle,
    create_sales_cycle_stage,
    delete_sales_cycle,
    delete_sales_cycle_stage,
    save_sales_cycle,
    update_sales_cycle,
    update_sales_cycle_stage,
)
from salescycle.opportunities.services.sales_links import (
    assign_quote,
    link_new_quote,
    lock_for_sales_quote,
    lose_opportunity_of_deleted_order,
    move_link_to_order,
    move_link_to_posted_invoice,
    open_opportunity_of_quote,
    set_active_calculated_value,
    unlink_document,
)

# The verbs, with the inputs and results they take and give (Estimates, DeleteResult) and the fields each status lets
# change (EDITABLE). Helpers shared by the verbs stay in their modules; reads are selectors.
__all__ = [
    "CREATE_FROM_SEGMENT_JOB",
    "DELETE_CLOSED_JOB",
    "EDITABLE",
    "EXPORT_JOB",
    "LIST_REPORTS",
    "MAX_SELECTION",
    "REPORT_PDF_JOB",
    "BulkResult",
    "DeleteResult",
    "Estimates",
    "Refusal",
    "activate_first_stage",
    "add_comment",
    "assign_quote",
    "change_opportunity",
    "close_as_lost",
    "close_opportunity",
    "closed_opportunities_preview",
    "create_close_code",
    "create_interaction",
    "create_opportunities_from_segment",
    "create_opportunities_from_segment_job",
    "create_opportunities_from_segment_or_start_job",
    "create_opportunity",
    "create_sales_cycle",
    "create_sales_cycle_stage",
    "csv_lines",
    "delete_activity",
    "delete_close_opportunity_code",
    "delete_closed_opportunities",
    "delete_closed_opportunities_job",
    "delete_closed_opportunities_or_start_job",
    "delete_opportunity",
    "delete_sales_cycle",
    "delete_sales_cycle_stage",
    "export_job",
    "get_update_options",
    "link_new_quote",
    "lock_for_sales_quote",
    "lose_opportunity_of_deleted_order",
    "move_link_to_order",
    "move_link_to_posted_invoice",
    "open_opportunity_of_quote",
    "pdf_is_long",
    "reassign_salesperson",
    "report_pdf_job",
    "report_rows",
    "save_activity",
    "save_sales_cycle",
    "set_active_calculated_value",
    "start_deleting_closed_opportunities",
    "start_export_job",
    "start_export_job_if_large",
    "start_report_pdf_job",
    "unlink_document",
    "update_close_code",
    "update_interaction",
    "update_opportunity",
    "update_sales_cycle",
    "update_sales_cycle_stage",
    "update_setup",
    "write_csv",
    "write_xlsx",
]
