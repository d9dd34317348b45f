"""Admin for the shared kernel, read-only: number series (changed in Marketing Setup) and user preferences
(changed by each user)."""

from django.contrib import admin

from salescycle.core.admin_mixins import ReadOnlyAdmin
from salescycle.core.models import NumberSeries, UserPreference


@admin.register(NumberSeries)
class NumberSeriesAdmin(ReadOnlyAdmin):
    list_display = ("code", "description", "prefix", "digits", "last_no_used", "manual_nos")
    search_fields = ("code", "description", "prefix")


@admin.register(UserPreference)
class UserPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "work_date", "language")
    list_filter = ("language",)
    search_fields = ("user__username",)
