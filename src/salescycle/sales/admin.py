"""Admin for the sales app, read-only (items, customer templates, documents): the sales services are the only
writers (issue #12)."""

from __future__ import annotations

from django.contrib import admin

from salescycle.core.admin_mixins import ReadOnlyAdmin
from salescycle.sales.models import CustomerTemplate, Item, PostedInvoice, SalesHeader


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "description", "unit_price", "blocked")
    search_fields = ("code", "description")


@admin.register(CustomerTemplate)
class CustomerTemplateAdmin(ReadOnlyAdmin):
    list_display = ("code", "description")
    search_fields = ("code", "description")


@admin.register(SalesHeader)
class SalesHeaderAdmin(ReadOnlyAdmin):
    list_display = ("document_type", "no", "sell_to_contact", "sell_to_customer", "opportunity_no")
    list_filter = ("document_type",)
    search_fields = ("no", "opportunity_no")


@admin.register(PostedInvoice)
class PostedInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("no", "order_no", "sell_to_customer", "posting_date", "amount", "opportunity_no")
    search_fields = ("no", "order_no", "opportunity_no")
