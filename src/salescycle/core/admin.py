"""Admin for the shared kernel: number series and user preferences."""

from django.contrib import admin

from salescycle.core.models import NumberSeries, UserPreference


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    list_display = ("code", "description", "prefix", "digits", "last_no_used", "manual_nos")
    search_fields = ("code", "description", "prefix")


@admin.register(UserPreference)
class UserPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "work_date", "language")
    list_filter = ("language",)
    search_fields = ("user__username",)
