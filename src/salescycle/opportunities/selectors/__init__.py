"""Composed reads for the screens and the API (statistics are in ``opportunities/statistics.py``): the opportunity
list, card and entries (:mod:`.opportunities`), the pipeline board (:mod:`.board`) and the wizards' initial values
(:mod:`.wizards`), and what the rules read of a cycle (:mod:`.cycles`) and of an opportunity's state (:mod:`.entries`).
Every function runs a fixed number of queries whatever the number of rows."""

from salescycle.opportunities.selectors.board import BOARD_PAGE_SIZE, BoardColumn, board, board_cards
from salescycle.opportunities.selectors.cycles import default_sales_cycle_code, load_cycle
from salescycle.opportunities.selectors.entries import active_entry, entry_state, has_quote, quote_value
from salescycle.opportunities.selectors.opportunities import (
    EXPORT_COLUMNS,
    LIST_WORDS,
    PAGE_SIZE,
    Card,
    ListFilters,
    ListPage,
    caption_for,
    card,
    changes,
    counted_interactions,
    entries,
    export_rows,
    filter_opportunities,
    filtered_opportunities,
    list_query,
    opportunities,
    opportunity,
    opportunity_page,
    opportunity_values,
    ordered,
    visible,
    visible_opportunity,
)
from salescycle.opportunities.selectors.wizards import (
    create_defaults,
    default_date_closed,
    stage_names,
    update_proposal,
)

__all__ = [
    "BOARD_PAGE_SIZE",
    "EXPORT_COLUMNS",
    "LIST_WORDS",
    "PAGE_SIZE",
    "BoardColumn",
    "Card",
    "ListFilters",
    "ListPage",
    "active_entry",
    "board",
    "board_cards",
    "caption_for",
    "card",
    "changes",
    "counted_interactions",
    "create_defaults",
    "default_date_closed",
    "default_sales_cycle_code",
    "entries",
    "entry_state",
    "export_rows",
    "filter_opportunities",
    "filtered_opportunities",
    "has_quote",
    "list_query",
    "load_cycle",
    "opportunities",
    "opportunity",
    "opportunity_page",
    "opportunity_values",
    "ordered",
    "quote_value",
    "stage_names",
    "update_proposal",
    "visible",
    "visible_opportunity",
]
