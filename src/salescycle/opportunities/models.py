"""Sales cycles, stages, close codes, opportunities and their entries (spec §2.1–§2.6, §3)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salescycle.core.dates import date_formula_validator
from salescycle.core.fields import model_choices
from salescycle.core.money import amount_field, percent_field, percent_range_q
from salescycle.opportunities.choices import (
    ActionTaken,
    CloseType,
    InteractionType,
    OpportunityStatus,
    ProbabilityCalculation,
    SalesDocumentType,
)
from salescycle.tasks.models import Priority


class MarketingSetup(models.Model):
    """The singleton setup of opportunity management (spec §2.1): default cycle, customer relation code."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    default_sales_cycle = models.ForeignKey(
        "SalesCycle",
        verbose_name=_("default sales cycle code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="default_sales_cycle_code",
        related_name="+",
    )
    bus_rel_code_for_customers = models.CharField(
        _("bus. rel. code for customers"), max_length=10, blank=True, default="CUST"
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("marketing setup")
        verbose_name_plural = _("marketing setup")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="marketing_setup_singleton")]

    def __str__(self) -> str:
        return str(_("Marketing Setup"))

    @classmethod
    def get(cls) -> MarketingSetup:
        """The setup row (created on first use)."""
        setup, _created = cls.objects.get_or_create(id=1)
        return setup


class SalesCycle(models.Model):
    """A sales cycle: the ordered stages an opportunity moves through (spec §2.2)."""

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    probability_calculation = models.CharField(
        _("probability calculation"),
        max_length=20,
        choices=model_choices(ProbabilityCalculation),
        default=ProbabilityCalculation.MULTIPLY.value,
    )
    blocked = models.BooleanField(_("blocked"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("sales cycle")
        verbose_name_plural = _("sales cycles")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class SalesCycleStage(models.Model):
    """One stage of a sales cycle, ordered by its integer ``stage`` (spec §2.3)."""

    sales_cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle code"),
        on_delete=models.CASCADE,
        related_name="stages",
        db_column="sales_cycle_code",
    )
    stage = models.PositiveIntegerField(_("stage"))
    description = models.CharField(_("description"), max_length=100, blank=True)
    completed_pct = percent_field(_("completed %"))
    chances_of_success_pct = percent_field(_("chances of success %"))
    activity = models.ForeignKey(
        "tasks.Activity",
        verbose_name=_("activity code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="activity_code",
        related_name="stages",
    )
    quote_required = models.BooleanField(_("quote required"), default=False)
    allow_skip = models.BooleanField(_("allow skip"), default=False)
    date_formula = models.CharField(_("date formula"), max_length=32, blank=True, validators=[date_formula_validator])
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("sales cycle stage")
        verbose_name_plural = _("sales cycle stages")
        ordering = ["sales_cycle", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["sales_cycle", "stage"], name="stage_unique_in_cycle"),
            models.CheckConstraint(condition=Q(stage__gte=1), name="stage_min_1"),
            models.CheckConstraint(condition=percent_range_q("completed_pct"), name="stage_completed_pct_range"),
            models.CheckConstraint(condition=percent_range_q("chances_of_success_pct"), name="stage_chances_pct_range"),
        ]

    def __str__(self) -> str:
        return f"{self.sales_cycle_id} {self.stage} {self.description}".strip()


class CloseOpportunityCode(models.Model):
    """A reason for winning or losing an opportunity; usable only for closings of its own type (spec §2.4)."""

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=4, choices=model_choices(CloseType), default=CloseType.WON.value)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("close opportunity code")
        verbose_name_plural = _("close opportunity codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class OpportunityQuerySet(models.QuerySet["Opportunity"]):
    """Chainable filters for opportunities."""

    def open(self) -> OpportunityQuerySet:
        """Not closed (Not Started or In Progress)."""
        return self.filter(closed=False)

    def closed(self) -> OpportunityQuerySet:
        """Won or Lost."""
        return self.filter(closed=True)

    def won(self) -> OpportunityQuerySet:
        """Won opportunities."""
        return self.filter(status=OpportunityStatus.WON)

    def lost(self) -> OpportunityQuerySet:
        """Lost opportunities."""
        return self.filter(status=OpportunityStatus.LOST)

    def for_salesperson(self, code: str) -> OpportunityQuerySet:
        """Opportunities of salesperson ``code``."""
        return self.filter(salesperson_id=code)


class Opportunity(models.Model):
    """A potential sale to a contact, moved through a sales cycle; its figures come from its active entry.

    The ``current_*``/estimate columns are a copy of the active entry's values (spec §2.5 FlowFields 17–22, 28),
    written only by the services in the same transaction as the entry, so lists can filter and sort on indexes.
    ``check_integrity()`` verifies they agree.
    """

    no = models.CharField(_("no."), max_length=20, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    salesperson = models.ForeignKey(
        "contacts.Salesperson",
        verbose_name=_("salesperson code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="opportunities",
    )
    campaign = models.ForeignKey(
        "contacts.Campaign",
        verbose_name=_("campaign no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="campaign_no",
        related_name="opportunities",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="contact_no",
        related_name="opportunities",
    )
    contact_company = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact company no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="contact_company_no",
        related_name="company_opportunities",
    )
    sales_cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="sales_cycle_code",
        related_name="opportunities",
    )
    segment = models.ForeignKey(
        "contacts.Segment",
        verbose_name=_("segment no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="segment_no",
        related_name="opportunities",
    )
    segment_description = models.CharField(_("segment description"), max_length=100, blank=True)
    sales_document_type = models.CharField(
        _("sales document type"), max_length=16, choices=model_choices(SalesDocumentType), blank=True, default=""
    )
    sales_document_no = models.CharField(_("sales document no."), max_length=20, blank=True)
    creation_date = models.DateField(_("creation date"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=model_choices(OpportunityStatus),
        default=OpportunityStatus.NOT_STARTED.value,
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    closed = models.BooleanField(_("closed"), default=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    no_series = models.CharField(_("no. series"), max_length=20, blank=True)
    # Copy of the active entry (see class docstring).
    current_sales_cycle_stage = models.PositiveIntegerField(_("current sales cycle stage"), default=0)
    current_stage_description = models.CharField(_("current stage description"), max_length=100, blank=True)
    estimated_value = amount_field(_("estimated value (LCY)"))
    chances_of_success_pct = percent_field(_("chances of success %"))
    completed_pct = percent_field(_("completed %"))
    probability_pct = percent_field(_("probability %"))
    calculated_current_value = amount_field(_("calcd. current value (LCY)"))
    estimated_closing_date = models.DateField(_("estimated closing date"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified at"), auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["no"]
        indexes = [
            models.Index(fields=["salesperson", "closed", "no"], name="opp_salesperson_closed"),
            models.Index(fields=["salesperson", "estimated_closing_date", "no"], name="opp_salesperson_closing"),
            # The dashboard (issue #14 item 5): a salesperson's (or a team's) open pipeline by status, and its
            # forecast and stale opportunities by Estimated Closing Date, without reading his closed ones.
            models.Index(fields=["salesperson", "status", "estimated_closing_date"], name="opp_salesperson_status"),
            models.Index(fields=["contact_company", "contact", "closed"], name="opp_contact_closed"),
            models.Index(fields=["contact", "no"], name="opp_contact"),
            models.Index(fields=["campaign", "closed"], name="opp_campaign_closed"),
            models.Index(fields=["segment", "closed"], name="opp_segment_closed"),
            models.Index(fields=["sales_cycle", "status"], name="opp_cycle_status"),
            models.Index(fields=["sales_document_type", "sales_document_no"], name="opp_sales_document"),
            models.Index(fields=["status", "no"], name="opp_status"),
            models.Index(fields=["closed", "date_closed"], name="opp_closed_date"),
            models.Index(fields=["creation_date", "no"], name="opp_creation_date"),
            models.Index(fields=["estimated_closing_date", "no"], name="opp_estimated_closing"),
            models.Index(fields=["estimated_value", "no"], name="opp_estimated_value"),
            # The web list's sorts by salesperson and by Calcd. Current Value (issue #15 "The list"); by contact and
            # by status read opp_contact and opp_status.
            models.Index(fields=["salesperson", "no"], name="opp_salesperson"),
            models.Index(fields=["calculated_current_value", "no"], name="opp_calculated_current_value"),
            models.Index(fields=["description"], name="opp_description"),
            models.Index(fields=["modified_at"], name="opp_modified_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(closed=True) & Q(status__in=["won", "lost"]) & Q(date_closed__isnull=False))
                | (Q(closed=False) & Q(status__in=["not_started", "in_progress"]) & Q(date_closed__isnull=True)),
                name="opp_closed_agrees_with_status",
            ),
            models.CheckConstraint(
                condition=Q(sales_document_type="") | ~Q(sales_document_no=""), name="opp_document_no_with_type"
            ),
            models.CheckConstraint(condition=percent_range_q("chances_of_success_pct"), name="opp_chances_range"),
            models.CheckConstraint(condition=percent_range_q("completed_pct"), name="opp_completed_range"),
            models.CheckConstraint(condition=percent_range_q("probability_pct"), name="opp_probability_range"),
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()

    @property
    def is_started(self) -> bool:
        """True once the opportunity has entries (In Progress, Won or Lost)."""
        return self.status != OpportunityStatus.NOT_STARTED


class InLiterals(models.Lookup):
    """``field__in_literals=[…]``: IN with the values written into the SQL, for fixed choice values only (never
    input), so that a partial index whose condition names those values can be used."""

    lookup_name = "in_literals"
    prepare_rhs = False  # keep the sequence; each value is quoted below

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        quoted = (str(value).replace("'", "''") for value in self.rhs)
        values = ", ".join(f"'{value}'" for value in quoted)
        return f"{lhs} IN ({values})", tuple(params)


CLOSING_ACTIONS = (ActionTaken.WON.value, ActionTaken.LOST.value)


class OpportunityEntryQuerySet(models.QuerySet["OpportunityEntry"]):
    """Chainable filters for opportunity entries."""

    def active(self) -> OpportunityEntryQuerySet:
        """The active entries (one per started opportunity)."""
        return self.filter(active=True)

    def open(self) -> OpportunityEntryQuerySet:
        """Active entries whose Action Taken is not Won/Lost (open opportunities, spec §5.3).

        The two closing values are written into the SQL (``in_literals``) so that SQLite can use the partial index
        ``entry_open_cycle_stage``, whose condition names them; with bound parameters it cannot prove the query
        implies that condition and walks every active entry instead (9 s → 80 ms at 1M, bench/README.md)."""
        return self.filter(active=True).exclude(action_taken__in_literals=CLOSING_ACTIONS)


class OpportunityEntry(models.Model):
    """One line of an opportunity's ledger: a move through the cycle or a closing (spec §2.6).

    Exactly one entry per started opportunity is active (a partial unique index enforces it).
    """

    entry_no = models.BigAutoField(_("entry no."), primary_key=True)
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity no."),
        on_delete=models.CASCADE,
        related_name="entries",
        db_column="opportunity_no",
    )
    sales_cycle = models.ForeignKey(
        SalesCycle,
        verbose_name=_("sales cycle code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="sales_cycle_code",
        related_name="entries",
    )
    sales_cycle_stage = models.PositiveIntegerField(_("sales cycle stage"), default=0)
    sales_cycle_stage_description = models.CharField(_("sales cycle stage description"), max_length=100, blank=True)
    previous_sales_cycle_stage = models.PositiveIntegerField(_("previous sales cycle stage"), default=0)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="contact_no",
        related_name="opportunity_entries",
    )
    contact_company = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact company no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="contact_company_no",
        related_name="company_opportunity_entries",
    )
    salesperson = models.ForeignKey(
        "contacts.Salesperson",
        verbose_name=_("salesperson code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="opportunity_entries",
    )
    campaign = models.ForeignKey(
        "contacts.Campaign",
        verbose_name=_("campaign no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="campaign_no",
        related_name="opportunity_entries",
    )
    date_of_change = models.DateField(_("date of change"))
    active = models.BooleanField(_("active"), default=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    days_open = models.PositiveIntegerField(_("days open"), default=0)
    action_taken = models.CharField(_("action taken"), max_length=10, choices=model_choices(ActionTaken))
    estimated_value = amount_field(_("estimated value (LCY)"))
    calculated_current_value = amount_field(_("calcd. current value (LCY)"))
    completed_pct = percent_field(_("completed %"))
    chances_of_success_pct = percent_field(_("chances of success %"))
    probability_pct = percent_field(_("probability %"))
    close_opportunity_code = models.ForeignKey(
        CloseOpportunityCode,
        verbose_name=_("close opportunity code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="close_opportunity_code",
        related_name="entries",
    )
    estimated_close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = OpportunityEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity entry")
        verbose_name_plural = _("opportunity entries")
        ordering = ["entry_no"]
        indexes = [
            models.Index(fields=["opportunity", "entry_no"], name="entry_opportunity"),
            # The pipeline as of a date (api.md "Analysis"): an opportunity's latest entry dated on or before a day,
            # read backwards from the index alone (analysis._latest_as_of).
            models.Index(fields=["opportunity", "entry_no", "date_of_change"], name="entry_opportunity_dated"),
            models.Index(
                fields=["sales_cycle", "sales_cycle_stage", "estimated_close_date"],
                name="entry_active_cycle_stage",
                condition=Q(active=True),
            ),
            # Covering indexes of the statistics (spec §5.3, §5.5): the aggregates read only the index.
            models.Index(
                fields=[
                    "sales_cycle",
                    "sales_cycle_stage",
                    "estimated_close_date",
                    "estimated_value",
                    "calculated_current_value",
                ],
                name="entry_open_cycle_stage",
                condition=Q(active=True) & ~Q(action_taken__in=["won", "lost"]),
            ),
            models.Index(
                fields=["sales_cycle", "sales_cycle_stage", "estimated_close_date", "days_open"],
                name="entry_inactive_stage",
                condition=Q(active=False),
            ),
            # The salesperson statistics (spec §5.5) and the Opportunities matrix by salesperson (§5.7: a range of
            # Estimated Close Dates, an action filter, sums): both read only the index.
            models.Index(
                fields=[
                    "salesperson",
                    "estimated_close_date",
                    "action_taken",
                    "estimated_value",
                    "calculated_current_value",
                    "active",
                ],
                name="entry_active_salesperson_act",
                condition=Q(active=True),
            ),
            # The pipeline as of a date (analysis._open_as_of), read from the indexes alone: the open active entries
            # of a cycle in stage order (the grouping; else SQLite walks entry_open_cycle_stage for that order and
            # reads the table) changed on or before the day, and the inactive ones changed within the longest Days
            # Open before it (which ``entry_inactive_days_open`` gives) and replaced after it; each with what the
            # figures and the check that it is its opportunity's latest entry of the day need. SQLite (3.40) reads
            # an index alone only when it holds every column the query names, also those of the index's own
            # condition (active, action taken).
            models.Index(
                fields=[
                    "sales_cycle",
                    "sales_cycle_stage",
                    "date_of_change",
                    "opportunity",
                    "estimated_value",
                    "calculated_current_value",
                    "entry_no",
                    "active",
                    "action_taken",
                ],
                name="entry_open_cycle_changed",
                condition=Q(active=True) & ~Q(action_taken__in=["won", "lost"]),
            ),
            models.Index(
                fields=[
                    "sales_cycle",
                    "date_of_change",
                    "days_open",
                    "action_taken",
                    "opportunity",
                    "sales_cycle_stage",
                    "estimated_value",
                    "calculated_current_value",
                    "entry_no",
                    "active",
                ],
                name="entry_inactive_cycle_changed",
                condition=Q(active=False),
            ),
            models.Index(fields=["days_open"], name="entry_inactive_days_open", condition=Q(active=False)),
            models.Index(fields=["contact_company", "contact"], name="entry_active_contact", condition=Q(active=True)),
            models.Index(fields=["campaign"], name="entry_active_campaign", condition=Q(active=True)),
            models.Index(fields=["close_opportunity_code"], name="entry_close_code"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["opportunity"], condition=Q(active=True), name="entry_one_active"),
            models.CheckConstraint(condition=percent_range_q("completed_pct"), name="entry_completed_range"),
            models.CheckConstraint(condition=percent_range_q("chances_of_success_pct"), name="entry_chances_range"),
            models.CheckConstraint(condition=percent_range_q("probability_pct"), name="entry_probability_range"),
            models.CheckConstraint(
                condition=Q(action_taken__in=["won", "lost"], sales_cycle_stage=0, date_closed__isnull=False)
                | (~Q(action_taken__in=["won", "lost"]) & Q(date_closed__isnull=True)),
                name="entry_closing_has_stage_0_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_no} {self.opportunity_id} {self.action_taken}"


OpportunityEntry._meta.get_field("action_taken").register_lookup(InLiterals)


class OpportunityComment(models.Model):
    """A comment line on an opportunity (BC Rlshp. Mgt. Comment Line); deleted with the opportunity."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="comments",
        db_column="opportunity_no",
    )
    line_no = models.PositiveIntegerField(_("line no."))
    date = models.DateField(_("date"))
    comment = models.CharField(_("comment"), max_length=250)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["opportunity", "line_no"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "line_no"], name="opp_comment_unique")]

    def __str__(self) -> str:
        return self.comment


class Interaction(models.Model):
    """A minimal interaction log entry, so that No. of Interactions is real (D22)."""

    entry_no = models.BigAutoField(_("entry no."), primary_key=True)
    date = models.DateField(_("date"))
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact no."),
        on_delete=models.PROTECT,
        related_name="interactions",
        db_column="contact_no",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity no."),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
        db_column="opportunity_no",
    )
    salesperson = models.ForeignKey(
        "contacts.Salesperson",
        verbose_name=_("salesperson code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="interactions",
    )
    type = models.CharField(_("type"), max_length=30, blank=True, choices=model_choices(InteractionType))
    description = models.CharField(_("description"), max_length=100, blank=True)
    canceled = models.BooleanField(_("canceled"), default=False)
    postponed = models.BooleanField(_("postponed"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("interaction log entry")
        verbose_name_plural = _("interaction log entries")
        ordering = ["entry_no"]
        indexes = [models.Index(fields=["opportunity", "canceled", "postponed"], name="interaction_opportunity")]

    def __str__(self) -> str:
        return f"{self.entry_no} {self.description}".strip()


class OpportunityChange(models.Model):
    """One changed field of an opportunity: who changed it, when, and its old and new value (the audit trail)."""

    opportunity_no = models.CharField(_("opportunity no."), max_length=20)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    field = models.CharField(_("field"), max_length=40)
    old_value = models.CharField(_("old value"), max_length=250, blank=True)
    new_value = models.CharField(_("new value"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("opportunity change")
        verbose_name_plural = _("opportunity changes")
        ordering = ["-id"]
        indexes = [models.Index(fields=["opportunity_no", "-id"], name="opp_change_newest")]

    def __str__(self) -> str:
        return f"{self.opportunity_no} {self.field}"


class ListPreference(models.Model):
    """A user's columns and default view of the Opportunity List (issue #15 "The list": column chooser and saved
    views per user, "My pipeline" as the default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="opportunity_list_preference",
    )
    # Column keys of ``selectors.display.LIST_COLUMNS``, in any order; unknown keys are ignored when read.
    columns = models.JSONField(_("columns"), default=list)
    # The view ``/opportunities/`` opens: a built-in view's key (``selectors.list_views.BUILTIN_VIEWS``, "all" among
    # them) or one of the user's saved views, at most one of the two; neither (or an unknown key, ignored when read):
    # "My pipeline" for a user with a salesperson, everything otherwise.
    default_view = models.CharField(_("default view"), max_length=20, blank=True, default="")
    default_saved_view = models.ForeignKey(
        "SavedView",
        verbose_name=_("default saved view"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("opportunity list preference")
        verbose_name_plural = _("opportunity list preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_view="") | Q(default_saved_view__isnull=True),
                name="list_preference_one_default_view",
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        if self.default_view and self.default_saved_view_id is not None:
            raise ValidationError(_("Choose a built-in view or a saved view as the default, not both."))


class SavedView(models.Model):
    """A named Opportunity List view of one user: its filters, sort and columns as the list's query string (issue #15
    "Saved views per user"); only its user sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_user_name")]

    def __str__(self) -> str:
        return self.name
