"""Contacts, salespeople, teams, campaigns, segments and the customer link (spec §2.9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactType(models.TextChoices):
    """Contact Type (spec §3): a company or a person."""

    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class Team(models.Model):
    """A team of salespeople (a sales manager's team or a regional office)."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Salesperson(models.Model):
    """A salesperson (BC Salesperson/Purchaser) who owns opportunities; blocked ones get no new work."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    email = models.EmailField(_("email"), max_length=80, blank=True)
    phone = models.CharField(_("phone no."), max_length=30, blank=True)
    job_title = models.CharField(_("job title"), max_length=30, blank=True)
    blocked = models.BooleanField(_("blocked"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salesperson",
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="salespeople")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")
        ordering = ["code"]
        indexes = [models.Index(fields=["name"], name="salesperson_name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Contact(models.Model):
    """A company or a person the company sells to (BC Contact, table 5050)."""

    no = models.CharField(_("no."), max_length=20, primary_key=True)
    type = models.CharField(_("type"), max_length=10, choices=ContactType.choices, default=ContactType.COMPANY)
    name = models.CharField(_("name"), max_length=100)
    company = models.ForeignKey(
        "self",
        verbose_name=_("company no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        db_column="company_no",
        help_text=_("For a company its own number; for a person the company it works for (or blank)."),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="contacts",
    )
    email = models.EmailField(_("email"), max_length=80, blank=True)
    phone = models.CharField(_("phone no."), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    post_code = models.CharField(_("post code"), max_length=20, blank=True)
    country_code = models.CharField(_("country/region code"), max_length=10, blank=True)
    # Company profile (kept from the Maven CRM accounts).
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    year_established = models.PositiveSmallIntegerField(_("year established"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue (millions)"), max_digits=20, decimal_places=5, null=True, blank=True
    )
    no_of_employees = models.PositiveIntegerField(_("no. of employees"), null=True, blank=True)
    parent_company = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
        db_column="parent_company_no",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified at"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["no"]
        indexes = [
            models.Index(fields=["name"], name="contact_name"),
            models.Index(fields=["company", "no"], name="contact_company"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type="person") | models.Q(company=models.F("no")),
                name="contact_company_is_self_for_companies",
            )
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.name}"

    @property
    def is_company(self) -> bool:
        """True for a company contact."""
        return self.type == ContactType.COMPANY


class Customer(models.Model):
    """A customer created from a contact (the contact's Customer business relation, spec §4.8.4)."""

    no = models.CharField(_("no."), max_length=20, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    contact = models.OneToOneField(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="customer", db_column="contact_no"
    )
    template_code = models.CharField(_("customer template"), max_length=20, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["no"]

    def __str__(self) -> str:
        return f"{self.no} {self.name}"


class Campaign(models.Model):
    """A marketing campaign; opportunities may belong to an activated campaign whose period covers them."""

    no = models.CharField(_("no."), max_length=20, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    starting_date = models.DateField(_("starting date"), null=True, blank=True)
    ending_date = models.DateField(_("ending date"), null=True, blank=True)
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="campaigns",
    )
    activated = models.BooleanField(_("activated"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["no"]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()


class Segment(models.Model):
    """A segment: a list of contacts (lines) targeted together, optionally for a campaign."""

    no = models.CharField(_("no."), max_length=20, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="campaign_no",
        related_name="segments",
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="segments",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["no"]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()


class SegmentLine(models.Model):
    """One contact of a segment."""

    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="lines", db_column="segment_no"
    )
    line_no = models.PositiveIntegerField(_("line no."))
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        related_name="segment_lines",
        db_column="contact_no",
    )
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("segment line")
        verbose_name_plural = _("segment lines")
        ordering = ["segment", "line_no"]
        constraints = [models.UniqueConstraint(fields=["segment", "line_no"], name="segment_line_unique")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.line_no}"
