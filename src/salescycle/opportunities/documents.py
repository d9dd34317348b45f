"""What the opportunity rules need to know about linked sales documents (spec §4.5.5, §4.6, §4.10.1).

The sales app (quotes, orders, posted invoices) registers a :class:`DocumentLookup`; until then no document exists,
so Quote Required stages cannot be entered by Next/Skip and a Won close takes the typed sales value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class DocumentLookup(Protocol):
    """Answers questions about sales documents by type (``quote``, ``order``, ``posted_invoice``) and number."""

    def exists(self, document_type: str, no: str, *, contact_no: str | None = None) -> bool:
        """True when the document exists (and, if ``contact_no`` is given, is for that sell-to contact)."""
        ...

    def amount(self, document_type: str, no: str) -> Decimal | None:
        """The document's amount excluding VAT in LCY, or None when it does not exist."""
        ...

    def set_quote_opportunity(self, quote_no: str, opportunity_no: str) -> None:
        """Set (or, with ``opportunity_no=""``, clear) the Opportunity No. of sales quote ``quote_no`` if it exists
        (spec §4.10.1: the previous quote loses the link, the new one gets it)."""
        ...

    def set_quote_contact(self, quote_no: str, contact_no: str) -> None:
        """Make ``contact_no`` the sell-to contact of sales quote ``quote_no`` if it exists and differs
        (spec §4.3.1: the linked quote follows the opportunity's contact)."""
        ...


class _NoDocuments:
    def exists(self, document_type: str, no: str, *, contact_no: str | None = None) -> bool:
        return False

    def amount(self, document_type: str, no: str) -> Decimal | None:
        return None

    def set_quote_opportunity(self, quote_no: str, opportunity_no: str) -> None:
        return None

    def set_quote_contact(self, quote_no: str, contact_no: str) -> None:
        return None


@dataclass
class _Registry:
    lookup: DocumentLookup


_registry = _Registry(_NoDocuments())


def register(lookup: DocumentLookup) -> None:
    """Install the sales app's document lookup (called from its ``AppConfig.ready``)."""
    _registry.lookup = lookup


def lookup() -> DocumentLookup:
    """The installed document lookup."""
    return _registry.lookup


def linked_quote_value(sales_document_type: str, sales_document_no: str) -> Decimal | None:
    """The amount of the linked sales quote, or None when the opportunity is not linked to an existing quote."""
    if sales_document_type != "quote" or not sales_document_no:
        return None
    return _registry.lookup.amount("quote", sales_document_no)
