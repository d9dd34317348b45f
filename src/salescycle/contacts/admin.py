"""Admin for contacts, salespeople, teams, campaigns, segments and customers: read-only (issue #12), except the
assignments no other screen offers — teams, and a salesperson's sign-in user and teams — which are saved through
:mod:`salescycle.contacts.services` (Administrators only, ``version`` bumped)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest

from salescycle.contacts import services
from salescycle.contacts.models import Campaign, Contact, Customer, Salesperson, Segment, SegmentLine, Team
from salescycle.core.admin_mixins import ReadOnlyAdmin, ReadOnlyInline
from salescycle.core.errors import DomainError


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    exclude = ("version",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Team, form: ModelForm[Team], change: bool) -> None:
        try:
            services.save_team(obj.code, name=obj.name, by=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        services.delete_team(obj.code, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for team in queryset:
            self.delete_model(request, team)


@admin.register(Salesperson)
class SalespersonAdmin(ReadOnlyAdmin):
    """Salespeople are created and changed on the setup page or over the API; here only the sign-in user and the
    teams are set."""

    list_display = ("code", "name", "email", "job_title", "blocked", "user")
    list_filter = ("blocked", "teams")
    search_fields = ("code", "name", "email")
    filter_horizontal = ("teams",)
    fields = ("code", "name", "email", "job_title", "blocked", "user", "teams")
    readonly_fields = ("code", "name", "email", "job_title", "blocked")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def save_model(self, request: HttpRequest, obj: Salesperson, form: ModelForm[Salesperson], change: bool) -> None:
        try:
            services.assign_salesperson(
                obj.code, account=form.cleaned_data["user"], teams=list(form.cleaned_data["teams"]), by=request.user
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The teams were saved by :func:`services.assign_salesperson`."""


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("no", "name", "type", "company", "salesperson", "city", "country_code", "industry")
    list_filter = ("type", "industry", "country_code", "salesperson")
    search_fields = ("no", "name", "email", "city")
    raw_id_fields = ("company", "parent_company")
    list_select_related = ("company", "salesperson")
    exclude = ("version",)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("no", "name", "contact", "template_code")
    search_fields = ("no", "name")
    raw_id_fields = ("contact",)
    exclude = ("version",)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("no", "description", "starting_date", "ending_date", "salesperson", "activated")
    list_filter = ("activated", "salesperson")
    search_fields = ("no", "description")
    exclude = ("version",)


class SegmentLineInline(ReadOnlyInline):
    model = SegmentLine
    raw_id_fields = ("contact",)
    extra = 0


@admin.register(Segment)
class SegmentAdmin(ReadOnlyAdmin):
    list_display = ("no", "description", "campaign", "salesperson")
    list_filter = ("campaign", "salesperson")
    search_fields = ("no", "description")
    inlines = [SegmentLineInline]
    exclude = ("version",)
