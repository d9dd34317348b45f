"""Admin for activities (with steps) and tasks."""

from django.contrib import admin

from salescycle.core.admin_mixins import ServiceDeleteMixin
from salescycle.tasks.models import Activity, ActivityStep, Task


class ActivityStepInline(admin.TabularInline):
    model = ActivityStep
    extra = 0


def _delete_activity(obj: Activity) -> None:
    from salescycle.opportunities.setup import delete_activity

    delete_activity(obj.code)


@admin.register(Activity)
class ActivityAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    service_delete = staticmethod(_delete_activity)
    list_display = ("code", "description")
    search_fields = ("code", "description")
    inlines = [ActivityStepInline]
    exclude = ("version",)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
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
