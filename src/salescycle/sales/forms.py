"""Forms of the sales screens: quote header, lines formset, Make Order, Delete Order, Create Sales Quote.
Forms check shape only; the rules are in ``sales.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salescycle.core.date_input import LocalizedDateInput
from salescycle.core.widgets import with_lookups
from salescycle.opportunities.choices import CloseType
from salescycle.opportunities.models import CloseOpportunityCode
from salescycle.sales.models import CustomerTemplate

DATE = LocalizedDateInput()  # in the interface language's format (issue #15)


def _template_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(t.code, str(t)) for t in CustomerTemplate.objects.order_by("code")]


@with_lookups
class QuoteHeaderForm(forms.Form):
    """The header of a sales quote."""

    sell_to_contact_no = forms.CharField(label=_("Sell-to Contact No."), max_length=20, required=False)
    customer_template = forms.ChoiceField(label=_("Customer Template"), required=False)
    salesperson_code = forms.CharField(label=_("Salesperson Code"), max_length=20, required=False)
    campaign_no = forms.CharField(label=_("Campaign No."), max_length=20, required=False)
    opportunity_no = forms.CharField(label=_("Opportunity No."), max_length=20, required=False)
    order_date = forms.DateField(label=_("Order Date"), required=False, widget=DATE)
    shipment_date = forms.DateField(label=_("Shipment Date"), required=False, widget=DATE)
    reassign = forms.BooleanField(
        label=_("Reassign the opportunity to this quote if it has another document"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_template"].choices = _template_choices()  # type: ignore[attr-defined]


@with_lookups
class LineForm(forms.Form):
    """One line of a quote: an item or free text."""

    line_no = forms.IntegerField(widget=forms.HiddenInput, required=False)
    item_code = forms.CharField(label=_("Item No."), max_length=20, required=False)
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=20, decimal_places=5, min_value=0, required=False)
    unit_price = forms.DecimalField(
        label=_("Unit Price (LCY)"), max_digits=20, decimal_places=5, min_value=0, required=False
    )
    line_discount_pct = forms.DecimalField(
        label=_("Line Discount %"), max_digits=8, decimal_places=5, min_value=0, max_value=100, required=False
    )

    def line(self) -> dict[str, Any] | None:
        """The line for the service, or None for an empty (or deleted) row."""
        data = self.cleaned_data
        if not data or data.get("DELETE") or not (data.get("item_code") or data.get("description")):
            return None
        return {
            "line_no": data.get("line_no"),
            "item_code": data.get("item_code") or None,
            "description": data.get("description") or "",
            "quantity": data.get("quantity") or Decimal(0),
            "unit_price": data.get("unit_price"),
            "line_discount_pct": data.get("line_discount_pct") or Decimal(0),
        }


LineFormSet = forms.formset_factory(LineForm, extra=2, can_delete=True)


class CreateQuoteForm(forms.Form):
    """Create Sales Quote (spec §4.10.2): the customer template for a contact that is not a customer yet."""

    customer_template = forms.ChoiceField(label=_("Customer Template"), required=False)
    create_customer = forms.BooleanField(label=_("Create the customer from the template now"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_template"].choices = _template_choices()  # type: ignore[attr-defined]


class MakeOrderForm(forms.Form):
    """Make Order (spec §4.10.5): close a linked open opportunity as won and create the customer if needed."""

    close_opportunity_code = forms.ChoiceField(label=_("Close Opportunity Code (won)"), required=False)
    date_closed = forms.DateField(label=_("Closing Date"), required=False, widget=DATE)
    create_customer = forms.BooleanField(label=_("Create the customer if the contact is not one"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = CloseOpportunityCode.objects.filter(type=CloseType.WON).order_by("code")
        self.fields["close_opportunity_code"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.code, str(c)) for c in codes
        ]


class DeleteOrderForm(forms.Form):
    """Delete Order (spec §4.11.6): a linked won opportunity must be set to Lost."""

    set_opportunity_lost = forms.BooleanField(
        label=_("Change the linked opportunity to Lost"), required=False, initial=True
    )
