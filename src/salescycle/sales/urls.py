"""Routes of the sales screens under ``/sales/`` (namespace ``sales``)."""

from django.urls import include, path

from salescycle.sales import views
from salescycle.sales.models import DocumentType

sales_patterns = [
    path("quotes/", views.document_list, {"document_type": DocumentType.QUOTE}, name="quotes"),
    path("quotes/<key:no>/", views.quote_card, name="quote"),
    path("quotes/<key:no>/make-order/", views.make_order, name="make_order"),
    path("quotes/<key:no>/delete/", views.delete_quote, name="delete_quote"),
    path("orders/", views.document_list, {"document_type": DocumentType.ORDER}, name="orders"),
    path("orders/<key:no>/", views.order_card, name="order"),
    path("orders/<key:no>/post/", views.post_order, name="post_order"),
    path("orders/<key:no>/delete/", views.delete_order, name="delete_order"),
    path("invoices/<key:no>/", views.invoice_card, name="invoice"),
    path("opportunities/<key:no>/create-sales-quote/", views.create_sales_quote, name="create_sales_quote"),
    path("opportunities/<key:no>/sales-quote/", views.show_sales_quote, name="show_sales_quote"),
]

urlpatterns = [path("sales/", include((sales_patterns, "sales")))]
