"""Admin for the sales app's setup data."""

from __future__ import annotations

from django.contrib import admin

from salescycle.sales.models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("code", "description", "unit_price", "blocked")
    search_fields = ("code", "description")
