"""Every write on opportunities (spec §4.1–§4.9, §4.11): one function per business verb, one transaction each.

Each verb locks the opportunity row (``SELECT … FOR UPDATE``; on SQLite the IMMEDIATE transaction serialises
writers), asks the pure engine for the new entry and writes it with :func:`_insert_entry`, the only place that
changes the active entry, the status and the opportunity's copy of the active entry's figures. A refused action
raises a ``DomainError`` and, because nothing is written before the engine has accepted it, leaves the database
unchanged (the transaction is rolled back in any case).
"""

from salescycle.opportunities.services._common import (
    _check_campaign,
    _check_segment,
    _cycle_or_error,
    _has_quote,
    _insert_entry,
    _lock,
    _quote_value,
    _sales_cycle,
    _salesperson,
    _user_salesperson,
    _work_date,
    active_entry,
    copy_active_figures,
    default_sales_cycle_code,
    entry_state,
    load_cycle,
)
from salescycle.opportunities.services.create import (
    Estimates,
    _check_create_estimates,
    create_opportunities_from_segment,
    create_opportunity,
)
from salescycle.opportunities.services.delete import (
    DeleteResult,
    _delete,
    closed_opportunities,
    delete_closed_opportunities,
    delete_opportunity,
)
from salescycle.opportunities.services.fields import (
    EDITABLE,
    _change_campaign,
    _change_contact,
    _change_document,
    _change_salesperson,
    _change_segment,
    add_comment,
    change_opportunity,
)
from salescycle.opportunities.services.moves import (
    activate_first_stage,
    close_opportunity,
    get_update_options,
    update_opportunity,
)
from salescycle.opportunities.services.sales_links import (
    assign_quote,
    has_linked_document,
    link_new_quote,
    lock_for_sales_quote,
    lose_opportunity_of_deleted_order,
    move_link_to_order,
    move_link_to_posted_invoice,
    open_opportunity_of_quote,
    set_active_calculated_value,
    unlink_document,
)

__all__ = [
    "EDITABLE",
    "DeleteResult",
    "Estimates",
    "_change_campaign",
    "_change_contact",
    "_change_document",
    "_change_salesperson",
    "_change_segment",
    "_check_campaign",
    "_check_create_estimates",
    "_check_segment",
    "_cycle_or_error",
    "_delete",
    "_has_quote",
    "_insert_entry",
    "_lock",
    "_quote_value",
    "_sales_cycle",
    "_salesperson",
    "_user_salesperson",
    "_work_date",
    "activate_first_stage",
    "active_entry",
    "add_comment",
    "assign_quote",
    "change_opportunity",
    "close_opportunity",
    "closed_opportunities",
    "copy_active_figures",
    "create_opportunities_from_segment",
    "create_opportunity",
    "default_sales_cycle_code",
    "delete_closed_opportunities",
    "delete_opportunity",
    "entry_state",
    "get_update_options",
    "has_linked_document",
    "link_new_quote",
    "load_cycle",
    "lock_for_sales_quote",
    "lose_opportunity_of_deleted_order",
    "move_link_to_order",
    "move_link_to_posted_invoice",
    "open_opportunity_of_quote",
    "set_active_calculated_value",
    "unlink_document",
    "update_opportunity",
]
