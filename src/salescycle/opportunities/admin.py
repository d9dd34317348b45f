"""Admin for the opportunity setup (cycles with stages, close codes, Marketing Setup) and read-only ledgers.

Opportunities and entries are shown read-only: every change goes through the services (the web app and the API),
so the admin can never write an entry that the engine did not compute.
"""

from django.contrib import admin

from salescycle.core.admin_mixins import ReadOnlyAdmin, ReadOnlyInline
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    Interaction,
    MarketingSetup,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)


class SalesCycleStageInline(ReadOnlyInline):
    model = SalesCycleStage
    extra = 0
    exclude = ("version",)
    can_delete = False  # stages are deleted on their own page, where the deletion rules apply


@admin.register(SalesCycle)
class SalesCycleAdmin(ReadOnlyAdmin):
    list_display = ("code", "description", "probability_calculation", "blocked")
    list_filter = ("probability_calculation", "blocked")
    search_fields = ("code", "description")
    inlines = [SalesCycleStageInline]
    exclude = ("version",)


@admin.register(SalesCycleStage)
class SalesCycleStageAdmin(ReadOnlyAdmin):
    list_display = (
        "sales_cycle",
        "stage",
        "description",
        "completed_pct",
        "chances_of_success_pct",
        "activity",
        "quote_required",
        "allow_skip",
        "date_formula",
    )
    list_filter = ("sales_cycle", "quote_required", "allow_skip")
    search_fields = ("description",)
    exclude = ("version",)


@admin.register(CloseOpportunityCode)
class CloseOpportunityCodeAdmin(ReadOnlyAdmin):
    list_display = ("code", "description", "type")
    list_filter = ("type",)
    search_fields = ("code", "description")
    exclude = ("version",)


@admin.register(MarketingSetup)
class MarketingSetupAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "default_sales_cycle", "bus_rel_code_for_customers")
    exclude = ("version",)


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = (
        "no",
        "description",
        "contact",
        "salesperson",
        "sales_cycle",
        "status",
        "current_stage_description",
        "estimated_value",
        "calculated_current_value",
        "estimated_closing_date",
    )
    list_filter = ("status", "closed", "sales_cycle", "priority", "salesperson")
    search_fields = ("no", "description")
    list_select_related = ("contact", "salesperson", "sales_cycle")
    show_full_result_count = False


@admin.register(OpportunityEntry)
class OpportunityEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "entry_no",
        "opportunity",
        "sales_cycle",
        "sales_cycle_stage",
        "action_taken",
        "date_of_change",
        "active",
        "days_open",
        "estimated_value",
        "calculated_current_value",
        "probability_pct",
        "close_opportunity_code",
    )
    list_filter = ("action_taken", "active", "sales_cycle")
    search_fields = ("opportunity__no",)
    show_full_result_count = False


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("entry_no", "date", "contact", "opportunity", "salesperson", "description", "canceled", "postponed")
    list_filter = ("canceled", "postponed")
    search_fields = ("description", "contact__name")
    raw_id_fields = ("contact", "opportunity", "salesperson")
    exclude = ("version",)
