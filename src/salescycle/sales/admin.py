"""Admin for the sales app: items and customer templates (setup), documents read-only for support."""

from __future__ import annotations

from django.contrib import admin

from salescycle.sales.models import CustomerTemplate, Item, PostedInvoice, SalesHeader


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("code", "description", "unit_price", "blocked")
    search_fields = ("code", "description")


@admin.register(CustomerTemplate)
class CustomerTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "description")
    search_fields = ("code", "description")


class _ReadOnly(admin.ModelAdmin):
    # Documents change only through the sales services (links to opportunities, §4.10).
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(SalesHeader)
class SalesHeaderAdmin(_ReadOnly):
    list_display = ("document_type", "no", "sell_to_contact", "sell_to_customer", "opportunity_no")
    list_filter = ("document_type",)
    search_fields = ("no", "opportunity_no")


@admin.register(PostedInvoice)
class PostedInvoiceAdmin(_ReadOnly):
    list_display = ("no", "order_no", "sell_to_customer", "posting_date", "amount", "opportunity_no")
    search_fields = ("no", "order_no", "opportunity_no")
