"""The demo setup of spec §7 (Contoso W1): sales cycles EXISTING and NEW with their stages, activities with steps,
close opportunity codes and Marketing Setup. :func:`install_demo_setup` is idempotent."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from salescycle.core.numbering import ensure_default_series
from salescycle.opportunities.models import CloseOpportunityCode, MarketingSetup, SalesCycle, SalesCycleStage
from salescycle.tasks.models import Activity, ActivityStep

PRIORITY = {0: "low", 1: "normal", 2: "high"}
TYPE = {" ": "", "P": "phone_call", "M": "meeting"}

# code: (description, probability calculation)
SALES_CYCLES = {
    "EXISTING": ("Existing customer", "completed"),
    "NEW": ("New customer", "chances_of_success"),
}

# (cycle, stage, description, completed %, chances %, activity, quote required, allow skip)
STAGES = [
    ("EXISTING", 1, "Initial", 2, 10, "INIT", False, True),
    ("EXISTING", 2, "Presentation", 50, 40, "P-WORK", False, True),
    ("EXISTING", 3, "Proposal", 80, 80, "PROPOSAL", True, False),
    ("EXISTING", 4, "Sign Contract", 95, 100, "SIGN", True, False),
    ("NEW", 1, "Initial", 2, 10, "INIT", False, False),
    ("NEW", 2, "Qualification", 5, 20, "QUAL", False, False),
    ("NEW", 3, "Presentation", 40, 50, "P-WORK", True, True),
    ("NEW", 4, "Proposal", 60, 75, "PROPOSAL", True, False),
    ("NEW", 5, "Sign Contract", 95, 100, "SIGN", True, False),
]

ACTIVITIES = {
    "C-PRES": "Company Presentation tasks",
    "INIT": "Initial tasks",
    "NEEDS": "Understanding needs tasks",
    "P-PRES": "Product presentation tasks",
    "PROPOSAL": "Proposal tasks",
    "P-WORK": "Presentation workshop tasks",
    "QUAL": "Qualification tasks",
    "SIGN": "Sign contract tasks",
    "WORKSHOP": "Workshop tasks",
}

# (activity, step no., type: ' '/P/M, description, priority 0/1/2, date formula)
ACTIVITY_STEPS = [
    ("C-PRES", 10000, " ", "Invite key persons to presentation", 2, ""),
    ("C-PRES", 20000, " ", "Check dates for showroom availability", 1, "+1W"),
    ("C-PRES", 30000, "P", "Call customer to confirm date", 2, "+1W"),
    ("C-PRES", 40000, " ", "Book showroom etc.", 1, "+1W"),
    ("C-PRES", 50000, " ", "Tailor presentation to customer", 2, "+2W"),
    ("INIT", 5000, " ", "Verify quality of opportunity", 2, ""),
    ("INIT", 10000, " ", "Identify key persons", 1, "+1W"),
    ("NEEDS", 10000, " ", "Est. customer needs", 0, ""),
    ("NEEDS", 20000, "P", "Set up meeting", 1, "+3D"),
    ("NEEDS", 25000, "M", "Go through expectations and needs", 2, "+2W"),
    ("NEEDS", 30000, " ", "Verify/change customer needs", 1, "+3W"),
    ("P-PRES", 10000, "P", "Make appointment for product presentation", 1, ""),
    ("P-PRES", 20000, " ", "Confirm product presentation in writing", 2, "+2D"),
    ("P-PRES", 30000, " ", "Book necessary equipment", 1, "+2D"),
    ("PROPOSAL", 10000, " ", "Draft a proposal", 2, ""),
    ("PROPOSAL", 20000, " ", "Internal approvement of proposal", 2, "+3D"),
    ("PROPOSAL", 30000, "P", "Arrange date for the presentation of the proposal", 2, "+1W"),
    ("PROPOSAL", 40000, "M", "Present the proposal and set date for follow-up", 2, "+2W"),
    ("P-WORK", 10000, "P", "Make appointment for product presentation/workshop", 1, ""),
    ("P-WORK", 20000, " ", "Confirm product presentation/workshop in writing", 0, "+3D"),
    ("P-WORK", 30000, " ", "Book necessary equipment", 0, "+3D"),
    ("P-WORK", 40000, " ", "Ensure availability of internal resources", 1, "+3D"),
    ("QUAL", 10000, " ", "Est. customer needs", 1, ""),
    ("QUAL", 20000, " ", "Send letter of introduction", 1, "+1W"),
    ("QUAL", 30000, "P", "Follow-up on introduction letter", 2, "+2W"),
    ("QUAL", 40000, " ", "Verify/change customer needs", 2, "+2W+1D"),
    ("SIGN", 10000, " ", "Check delivery status on products", 0, ""),
    ("SIGN", 20000, "M", "Sign Contract", 2, "+1W"),
    ("SIGN", 30000, " ", "Arrange that the admin. handles the contract", 1, "+2W"),
    ("SIGN", 40000, " ", "Follow-up on customer satisfaction", 1, "+6M"),
    ("WORKSHOP", 10000, "P", "Make appointment for workshop", 1, ""),
    ("WORKSHOP", 20000, " ", "Confirm workshop in writing", 2, "+3D"),
    ("WORKSHOP", 30000, " ", "Ensure availability of internal resources", 2, "+3D"),
]

# code: (description, type)
CLOSE_CODES = {
    "BUSINESS_L": ("Inadequate knowledge of cust", "lost"),
    "BUSINESS_W": ("Knowledge of cust. business", "won"),
    "CONSULT_L": ("Ineffective consultant", "lost"),
    "CONSULT_W": ("Competent consultant", "won"),
    "CP": ("Closed from Commerce Portal", "won"),
    "POSTPND_L": ("Deal postponed indefinitely", "lost"),
    "PRES_L": ("Ineffective presale work", "lost"),
    "PRES_W": ("Strong presale work", "won"),
    "PRICE_L": ("Our product was too expensive", "lost"),
    "PRICE_W": ("Best price", "won"),
    "PRODUCT_L": ("Customer chose another product", "lost"),
    "PRODUCT_W": ("Best product", "won"),
    "RELATION_L": ("Poor customer relations", "lost"),
    "RELATION_W": ("Good customer relations", "won"),
    "SALESREP_L": ("Attitude of salesperson", "lost"),
    "SALESREP_W": ("Competent salesperson", "won"),
    "TIMEWST_L": ("Cust. not committed to deal", "lost"),
    "WALKED_L": ("We walked", "lost"),
}


@transaction.atomic
def install_demo_setup() -> None:
    """Create (or leave as they are) the §7 setup records and make NEW the default sales cycle. Idempotent: existing
    records are not changed."""
    ensure_default_series()
    for code, description in ACTIVITIES.items():
        Activity.objects.get_or_create(code=code, defaults={"description": description})
    for activity, step_no, kind, description, priority, formula in ACTIVITY_STEPS:
        ActivityStep.objects.get_or_create(
            activity_id=activity,
            step_no=step_no,
            defaults={
                "type": TYPE[kind],
                "description": description,
                "priority": PRIORITY[priority],
                "date_formula": formula,
            },
        )
    for code, (description, method) in SALES_CYCLES.items():
        SalesCycle.objects.get_or_create(
            code=code, defaults={"description": description, "probability_calculation": method}
        )
    for cycle, stage, description, completed, chances, activity, quote, skip in STAGES:
        SalesCycleStage.objects.get_or_create(
            sales_cycle_id=cycle,
            stage=stage,
            defaults={
                "description": description,
                "completed_pct": Decimal(completed),
                "chances_of_success_pct": Decimal(chances),
                "activity_id": activity,
                "quote_required": quote,
                "allow_skip": skip,
            },
        )
    for code, (description, kind) in CLOSE_CODES.items():
        CloseOpportunityCode.objects.get_or_create(code=code, defaults={"description": description, "type": kind})
    setup = MarketingSetup.get()
    if setup.default_sales_cycle_id is None:
        setup.default_sales_cycle_id = "NEW"
        setup.save(update_fields=["default_sales_cycle"])
