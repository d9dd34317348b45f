"""HTML views of opportunities (issue #4): the list and card (:mod:`.opportunities`), the list's bulk actions
(:mod:`.bulk`), the wizards (:mod:`.wizards`), the pipeline board (:mod:`.board`), the dashboard and the charts
(:mod:`.charts`), the statistics pages (:mod:`.statistics`), the reports (:mod:`.reports`) and the opportunity setup
pages (:mod:`.setup`, which registers them on import)."""

from salescycle.opportunities.views.board import board, board_close, board_column, board_move
from salescycle.opportunities.views.bulk import bulk_action
from salescycle.opportunities.views.charts import charts_page, home
from salescycle.opportunities.views.opportunities import (
    activate_first_stage,
    add_comment,
    delete_opportunity,
    export_csv,
    export_xlsx,
    opportunity_card,
    opportunity_list,
)
from salescycle.opportunities.views.reports import (
    opportunity_details_report,
    opportunity_list_report,
    report_index,
    sales_cycle_analysis_report,
    salesperson_opportunities_report,
)
from salescycle.opportunities.views.setup import marketing_setup
from salescycle.opportunities.views.statistics import cycle_statistics, people_statistics, stage_statistics
from salescycle.opportunities.views.wizards import (
    close_opportunity,
    create_opportunity,
    delete_closed,
    update_opportunity,
)

__all__ = [
    "activate_first_stage",
    "add_comment",
    "board",
    "board_close",
    "board_column",
    "board_move",
    "bulk_action",
    "charts_page",
    "close_opportunity",
    "create_opportunity",
    "cycle_statistics",
    "delete_closed",
    "delete_opportunity",
    "export_csv",
    "export_xlsx",
    "home",
    "marketing_setup",
    "opportunity_card",
    "opportunity_details_report",
    "opportunity_list",
    "opportunity_list_report",
    "people_statistics",
    "report_index",
    "sales_cycle_analysis_report",
    "salesperson_opportunities_report",
    "stage_statistics",
    "update_opportunity",
]
