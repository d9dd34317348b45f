"""Admin for activities (with steps) and tasks."""

from django.contrib import admin

from salescycle.core.admin_mixins import ReadOnlyAdmin, ReadOnlyInline
from salescycle.tasks.models import Activity, ActivityStep, Task


class ActivityStepInline(ReadOnlyInline):
    model = ActivityStep
    extra = 0


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("code", "description")
    search_fields = ("code", "description")
    inlines = [ActivityStepInline]
    exclude = ("version",)


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = (
        "no",
        "description",
        "type",
        "date",
        "status",
        "priority",
        "salesperson",
        "opportunity_no",
        "closed",
    )
    list_filter = ("status", "type", "priority", "closed", "canceled", "salesperson")
    search_fields = ("no", "description", "opportunity_no")
    raw_id_fields = ("contact", "contact_company", "campaign", "segment")
    date_hierarchy = "date"
    exclude = ("version",)
