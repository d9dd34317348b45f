"""Admin for contacts, salespeople, teams, campaigns, segments and customers (staff setup screens)."""

from django.contrib import admin

from salescycle.contacts.models import Campaign, Contact, Customer, Salesperson, Segment, SegmentLine, Team
from salescycle.contacts.services import delete_contact
from salescycle.core.admin_mixins import ServiceDeleteMixin


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Salesperson)
class SalespersonAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "email", "job_title", "blocked", "user")
    list_filter = ("blocked", "teams")
    search_fields = ("code", "name", "email")
    filter_horizontal = ("teams",)
    exclude = ("version",)


@admin.register(Contact)
class ContactAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    service_delete = staticmethod(lambda obj: delete_contact(obj.no))
    list_display = ("no", "name", "type", "company", "salesperson", "city", "country_code", "industry")
    list_filter = ("type", "industry", "country_code", "salesperson")
    search_fields = ("no", "name", "email", "city")
    raw_id_fields = ("company", "parent_company")
    list_select_related = ("company", "salesperson")
    exclude = ("version",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("no", "name", "contact", "template_code")
    search_fields = ("no", "name")
    raw_id_fields = ("contact",)
    exclude = ("version",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("no", "description", "starting_date", "ending_date", "salesperson", "activated")
    list_filter = ("activated", "salesperson")
    search_fields = ("no", "description")
    exclude = ("version",)


class SegmentLineInline(admin.TabularInline):
    model = SegmentLine
    raw_id_fields = ("contact",)
    extra = 0


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("no", "description", "campaign", "salesperson")
    list_filter = ("campaign", "salesperson")
    search_fields = ("no", "description")
    inlines = [SegmentLineInline]
    exclude = ("version",)
