"""Routes of the web app: ``/opportunities/…`` (namespace ``opportunities``), ``/contacts/…`` (namespace
``contacts``: the contact list and card, whose views are here because the card shows opportunities), ``/analysis/…``
(namespace ``analysis``), ``/analysis/charts/`` (namespace ``charts``), ``/setup/…`` (namespace ``setup``) and the
reports ``/reports/…`` (namespace ``reports``, spec §5.9)."""

from django.urls import include, path

from salescycle.contacts import views as contact_views  # noqa: F401 — registers the contact setup pages
from salescycle.core.views import setup_delete, setup_edit, setup_index, setup_list
from salescycle.opportunities import views
from salescycle.opportunities.views import analysis, contacts
from salescycle.opportunities.views import opportunities as list_pages

opportunity_patterns = [
    path("", views.opportunity_list, name="list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("columns/", list_pages.list_columns, name="list_columns"),
    path("views/", list_pages.save_list_view, name="save_view"),
    path("views/<int:pk>/delete/", list_pages.delete_list_view, name="delete_view"),
    path("views/default/", list_pages.default_list_view, name="default_view"),
    path("new/", views.create_opportunity, name="create"),
    path("delete-closed/", views.delete_closed, name="delete_closed"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("board/", views.board, name="board"),
    path("board/move/", views.board_move, name="board_move"),
    path("board/close/", views.board_close, name="board_close"),
    path("board/<key:cycle>/<int:stage>/", views.board_column, name="board_column"),
    path("statistics/cycles/", views.cycle_statistics, name="cycle_statistics"),
    path("statistics/cycles/<key:code>/", views.stage_statistics, name="stage_statistics"),
    path("statistics/<str:kind>/", views.people_statistics, name="people_statistics"),
    path("<key:no>/", views.opportunity_card, name="card"),
    path("<key:no>/comments/", views.add_comment, name="add_comment"),
    path("<key:no>/interactions/new/", contacts.log_opportunity_interaction, name="log_interaction"),
    path("<key:no>/activate/", views.activate_first_stage, name="activate"),
    path("<key:no>/update/", views.update_opportunity, name="update"),
    path("<key:no>/close/", views.close_opportunity, name="close"),
    path("<key:no>/delete/", views.delete_opportunity, name="delete"),
]

contact_patterns = [
    path("", contacts.contact_list, name="list"),
    path("<key:no>/", contacts.contact_card_view, name="card"),
    path("<key:no>/interactions/new/", contacts.log_contact_interaction, name="log_interaction"),
]

analysis_patterns = [
    path("matrix/", analysis.matrix, name="matrix"),
    path("pipeline/", analysis.pipeline, name="pipeline"),
    path("movement/", analysis.movement, name="movement"),
    path("calibration/", analysis.calibration, name="calibration"),
    path("forecast/", analysis.forecast, name="forecast"),
]

report_patterns = [
    path("", views.report_index, name="index"),
    path("opportunity-list/", views.opportunity_list_report, name="opportunity_list"),
    path("salesperson-opportunities/", views.salesperson_opportunities_report, name="salesperson_opportunities"),
    path("sales-cycle-analysis/", views.sales_cycle_analysis_report, name="sales_cycle_analysis"),
    path("opportunity-details/<key:no>/", views.opportunity_details_report, name="opportunity_details"),
]

setup_patterns = [
    path("", setup_index, name="index"),
    path("marketing/", views.marketing_setup, name="marketing"),
    path("<slug:slug>/", setup_list, name="list"),
    path("<slug:slug>/new/", setup_edit, name="create"),
    path("<slug:slug>/<key:key>/", setup_edit, name="edit"),
    path("<slug:slug>/<key:key>/delete/", setup_delete, name="delete"),
]

# Its own namespace beside the other analysis pages under /analysis/ (issue #14).
chart_patterns = [path("", views.charts_page, name="index")]

urlpatterns = [
    path("opportunities/", include((opportunity_patterns, "opportunities"))),
    path("contacts/", include((contact_patterns, "contacts"))),
    path("analysis/", include((analysis_patterns, "analysis"))),
    path("analysis/charts/", include((chart_patterns, "charts"))),
    path("setup/", include((setup_patterns, "setup"))),
    path("reports/", include((report_patterns, "reports"))),
]
