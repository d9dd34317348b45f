from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from salescycle.opportunities import contact_sections, documents
from salescycle.opportunities.contact_sections import ContactSection


class SalesConfig(AppConfig):
    name = "salescycle.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        # The opportunity rules ask about quotes/orders through this lookup (spec §4.5.5, §4.6, §4.10.1). In-function
        # import (Django's idiom): the lookup uses models, which cannot be imported while the app registry is filled.
        from salescycle.sales.selectors import SalesDocumentLookup, contact_documents_section

        documents.register(SalesDocumentLookup())
        # The contact card (issue #15) shows the contact's quotes and orders; the card cannot import this app.
        section = ContactSection("sales_documents", "sales/contact_documents.html", contact_documents_section)
        contact_sections.register(section)
