"""Forms of the contact screens and of the interaction log (issue #15): the contact list's filters and "Log
interaction". They check shape only; the rules are the services' (conventions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.filters import ContactFilters
from salescycle.contacts.models import ContactType, Salesperson
from salescycle.core.date_input import LocalizedDateInput
from salescycle.core.fields import model_choices
from salescycle.core.widgets import with_lookups
from salescycle.opportunities.choices import InteractionType

BLANK: list[tuple[str, Any]] = [("", "—")]


@with_lookups
class ContactListFilterForm(forms.Form):
    """The contact list's filters (GET), handed to the list's one filter definition
    (:class:`~salescycle.contacts.filters.ContactFilters`), which the API list uses too."""

    q = forms.CharField(label=_("Search (no., name)"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=BLANK + list(ContactType.choices))
    company = forms.CharField(label=_("Company No."), required=False, max_length=100)
    salesperson = forms.ChoiceField(label=_("Salesperson"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = BLANK + [
            (code, f"{code} {name}".strip()) for code, name in Salesperson.objects.values_list("code", "name")
        ]
        self.fields["salesperson"].choices = choices  # type: ignore[attr-defined]

    def filters(self) -> ContactFilters:
        """The filters (an invalid value filters nothing: the list stays usable)."""
        data = self.cleaned_data if self.is_valid() else {}
        return ContactFilters(
            q=data.get("q") or None,
            type=data.get("type") or None,
            company_no=data.get("company") or None,
            salesperson_code=data.get("salesperson") or None,
        )


class InteractionForm(forms.Form):
    """Log an interaction (D22): its type, date (blank: the WorkDate) and description; from a contact card also the
    opportunity it belongs to (``opportunities``: the choices the card offers, none for the opportunity card)."""

    type = forms.ChoiceField(
        label=_("Type"), choices=model_choices(InteractionType), initial=InteractionType.CALL.value
    )
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=LocalizedDateInput(),
        help_text=_("Blank: the work date."),
    )
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    opportunity_no = forms.ChoiceField(label=_("Opportunity"), required=False)

    def __init__(self, *args: Any, opportunities: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if opportunities is None:
            del self.fields["opportunity_no"]
        else:
            self.fields["opportunity_no"].choices = BLANK + opportunities  # type: ignore[attr-defined]
