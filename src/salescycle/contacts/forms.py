"""Setup forms for salespeople, contacts, campaigns and segments (shape only; services hold the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.core.date_input import LocalizedDateInput
from salescycle.core.views import LineForm, LineFormSet
from salescycle.core.widgets import with_lookups

DATE = LocalizedDateInput()  # in the interface language's format (issue #15)


class KeyLockedForm(forms.ModelForm):
    """A setup form whose key cannot change once the record exists."""

    key_field = "code"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.instance._state.adding:
            self.fields[self.key_field].disabled = True


class SalespersonForm(KeyLockedForm):
    class Meta:
        model = Salesperson
        fields = ["code", "name", "email", "phone", "job_title", "blocked", "user"]


@with_lookups
class ContactForm(KeyLockedForm):
    key_field = "no"
    company_no = forms.CharField(label=_("Company No."), max_length=20, required=False)

    class Meta:
        model = Contact
        fields = ["no", "type", "name", "salesperson", "email", "phone", "address", "city", "post_code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["no"].required = False
        self.fields["no"].help_text = _("Blank: the next number of the contact series.")


class CampaignForm(KeyLockedForm):
    key_field = "no"

    class Meta:
        model = Campaign
        fields = ["no", "description", "starting_date", "ending_date", "salesperson", "activated"]
        widgets = {"starting_date": DATE, "ending_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["no"].required = False


class SegmentForm(KeyLockedForm):
    key_field = "no"

    class Meta:
        model = Segment
        fields = ["no", "description", "campaign", "salesperson"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["no"].required = False


@with_lookups
class SegmentLineForm(LineForm):
    contact_no = forms.CharField(label=_("Contact No."), max_length=20)
    description = forms.CharField(label=_("Description"), max_length=100, required=False)


SegmentLineFormSet = forms.formset_factory(SegmentLineForm, formset=LineFormSet, extra=3, can_delete=True)
