"""Activities (templates of task steps) and tasks (BC To-do), spec §2.7–§2.8 and §4.9."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from salescycle.core.dates import date_formula_validator


class TaskType(models.TextChoices):
    """Task Type (spec §3); blank is stored as ``""`` and shown as JSON null."""

    BLANK = "", _("(blank)")
    MEETING = "meeting", _("Meeting")
    PHONE_CALL = "phone_call", _("Phone Call")


class TaskStatus(models.TextChoices):
    """Task Status (spec §3)."""

    NOT_STARTED = "not_started", _("Not Started")
    IN_PROGRESS = "in_progress", _("In Progress")
    COMPLETED = "completed", _("Completed")
    WAITING = "waiting", _("Waiting")
    POSTPONED = "postponed", _("Postponed")


class Priority(models.TextChoices):
    """Priority of tasks, activity steps and opportunities (spec §3)."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Activity(models.Model):
    """An activity: a template of task steps created when an opportunity reaches a stage (spec §2.7)."""

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class ActivityStep(models.Model):
    """One step of an activity: becomes one task, dated CalcDate(date formula, entry's Date of Change)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="steps", db_column="activity_code"
    )
    step_no = models.PositiveIntegerField(_("step no."))
    type = models.CharField(_("type"), max_length=12, choices=TaskType.choices, blank=True, default="")
    description = models.CharField(_("description"), max_length=100, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    date_formula = models.CharField(_("date formula"), max_length=32, blank=True, validators=[date_formula_validator])

    class Meta:
        verbose_name = _("activity step")
        verbose_name_plural = _("activity steps")
        ordering = ["activity", "step_no"]
        constraints = [models.UniqueConstraint(fields=["activity", "step_no"], name="activity_step_unique")]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.step_no} {self.description}".strip()


class TaskQuerySet(models.QuerySet["Task"]):
    """Chainable filters for tasks."""

    def open(self) -> TaskQuerySet:
        """Tasks not closed (and therefore not canceled)."""
        return self.filter(closed=False)

    def for_opportunity(self, no: str) -> TaskQuerySet:
        """Tasks linked to opportunity ``no``."""
        return self.filter(opportunity_no=no)


class Task(models.Model):
    """A task (BC To-do): something a salesperson must do, e.g. created by a stage's activity (spec §2.8)."""

    no = models.CharField(_("no."), max_length=20, primary_key=True)
    type = models.CharField(_("type"), max_length=12, choices=TaskType.choices, blank=True, default="")
    description = models.CharField(_("description"), max_length=100, blank=True)
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    closed = models.BooleanField(_("closed"), default=False)
    canceled = models.BooleanField(_("canceled"), default=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    recurring = models.BooleanField(_("recurring"), default=False)
    duration_minutes = models.PositiveIntegerField(_("duration (min.)"), default=0)
    salesperson = models.ForeignKey(
        "contacts.Salesperson",
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="tasks",
    )
    team = models.ForeignKey(
        "contacts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="team_code",
        related_name="tasks",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="contact_no",
        related_name="tasks",
    )
    contact_company = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact company no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="contact_company_no",
        related_name="company_tasks",
    )
    campaign = models.ForeignKey(
        "contacts.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="campaign_no",
        related_name="tasks",
    )
    segment = models.ForeignKey(
        "contacts.Segment",
        verbose_name=_("segment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="segment_no",
        related_name="tasks",
    )
    # A soft link (not a foreign key): deleting an opportunity keeps its tasks and clears this (D1).
    opportunity_no = models.CharField(_("opportunity no."), max_length=20, blank=True, db_index=True)
    opportunity_entry_no = models.PositiveBigIntegerField(_("opportunity entry no."), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["date", "no"]
        indexes = [
            models.Index(fields=["salesperson", "closed", "date"], name="task_salesperson"),
            models.Index(fields=["opportunity_no", "closed"], name="task_opportunity_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date__gte="1900-01-01", date__lte="2999-12-31"), name="task_date_range"
            ),
            models.CheckConstraint(
                condition=models.Q(closed=False) | models.Q(date_closed__isnull=False), name="task_closed_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()
