"""Setup pages of salespeople, contacts, campaigns and segments (with lines), saved through the contact services
(``contacts/services/``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions, services
from salescycle.contacts.forms import CampaignForm, ContactForm, SalespersonForm, SegmentForm, SegmentLineFormSet
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.core.actors import Actor
from salescycle.core.views import SetupPage, register_setup


def _opportunity_links(param: str) -> Any:
    def links(row: Any) -> list[tuple[Any, str]]:
        return [
            (_("Opportunities"), f"{reverse('opportunities:list')}?{urlencode({param: row.pk})}"),
            (_("New opportunity"), f"{reverse('opportunities:create')}?{urlencode({param: row.pk})}"),
        ]

    return links


def _save_salesperson(by: Actor, obj: Salesperson | None, data: dict[str, Any], lines: Any) -> Salesperson:
    if obj is None:
        return services.create_salesperson(by=by, **data)
    data.pop("code", None)
    return services.update_salesperson(obj.code, by=by, **data)


def _save_contact(by: Actor, obj: Contact | None, data: dict[str, Any], lines: Any) -> Contact:
    if obj is None:
        return services.create_contact(by=by, **data)
    data.pop("no", None)
    return services.update_contact(obj.no, by=by, **data)


def _save_campaign(by: Actor, obj: Campaign | None, data: dict[str, Any], lines: Any) -> Campaign:
    if obj is None:
        return services.create_campaign(by=by, **data)
    data.pop("no", None)
    return services.update_campaign(obj.no, by=by, **data)


def _save_segment(by: Actor, obj: Segment | None, data: dict[str, Any], lines: Any) -> Segment:
    if obj is None:
        return services.create_segment(by=by, lines=lines or [], **data)
    data.pop("no", None)
    return services.update_segment(obj.no, by=by, lines=lines or [], **data)


register_setup(
    SetupPage(
        slug="salespeople",
        title=_("Salespeople"),
        model=Salesperson,
        form=SalespersonForm,
        columns=("code", "name", "email", "blocked"),
        may_edit=permissions.may_setup,
        save=_save_salesperson,
        delete=lambda by, obj: services.delete_salesperson(obj.code, by=by),
        extra_links=_opportunity_links("salesperson"),
    )
)


def _contact_links(row: Contact) -> list[tuple[Any, str]]:
    return [(_("Contact card"), reverse("contacts:card", kwargs={"no": row.pk})), *_opportunity_links("contact")(row)]


register_setup(
    SetupPage(
        slug="contacts",
        title=_("Contacts"),
        model=Contact,
        form=ContactForm,
        columns=("no", "name", "type", "company", "salesperson"),
        may_edit=permissions.may_write,
        save=_save_contact,
        delete=lambda by, obj: services.delete_contact(obj.no, by=by),
        initial=lambda obj: {"company_no": obj.company_id if not obj.is_company else ""},
        extra_links=_contact_links,
    )
)
register_setup(
    SetupPage(
        slug="campaigns",
        title=_("Campaigns"),
        model=Campaign,
        form=CampaignForm,
        columns=("no", "description", "starting_date", "ending_date", "activated"),
        may_edit=permissions.may_write,
        save=_save_campaign,
        delete=lambda by, obj: services.delete_campaign(obj.no, by=by),
        extra_links=_opportunity_links("campaign"),
    )
)
register_setup(
    SetupPage(
        slug="segments",
        title=_("Segments"),
        model=Segment,
        form=SegmentForm,
        columns=("no", "description", "campaign", "salesperson"),
        may_edit=permissions.may_write,
        save=_save_segment,
        delete=lambda by, obj: services.delete_segment(obj.no, by=by),
        formset=SegmentLineFormSet,
        lines=lambda obj: [
            {"contact_no": line.contact_id, "description": line.description} for line in obj.lines.order_by("line_no")
        ],
        extra_links=_opportunity_links("segment"),
    )
)
