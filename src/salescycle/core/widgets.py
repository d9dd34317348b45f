"""Form widgets shared by every screen (issue #15)."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _


class LookupInput(forms.TextInput):
    """A reference field (contact, company, salesperson, campaign, segment, item) as a WAI-ARIA combobox: a text
    input that still posts the key itself, so the server validates as before, with a listbox of suggestions by key
    or name fetched from the lookup endpoint ``url_name`` (``salescycle/lookups.py``) and the chosen record's name
    shown beside it. The behaviour is ``static/salescycle/lookup.js``'s (no inline script: the page's CSP); without
    JavaScript it is the plain text input it was."""

    def __init__(self, url_name: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url_name = url_name

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        base = widget_attrs.get("id") or f"id_{name}"
        widget_attrs.update(
            {
                "id": base,
                "class": " ".join(filter(None, [widget_attrs.get("class"), "js-lookup"])),
                "data-lookup-url": reverse(self.url_name),
                "data-lookup-empty": _("No match"),
                "autocomplete": "off",
                "aria-describedby": " ".join(filter(None, [widget_attrs.get("aria-describedby"), f"{base}-name"])),
            }
        )
        return context

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        base = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        field = super().render(name, value, {**(attrs or {}), "id": base}, renderer)
        return format_html(
            '<span class="lookup">{}<ul class="lookup-list" id="{}-list" role="listbox" hidden></ul>'
            '<span class="lookup-name" id="{}-name"></span></span>',
            field,
            base,
            base,
        )


# Reference fields by name → their lookup endpoint (``salescycle/lookups.py``): the one place that says which
# fields of the web forms are lookups.
REFERENCE_LOOKUPS: dict[str, str] = {
    "contact_no": "lookups:contacts",
    "contact": "lookups:contacts",
    "sell_to_contact_no": "lookups:contacts",
    "company_no": "lookups:companies",
    "company": "lookups:companies",
    "salesperson_code": "lookups:salespeople",
    "salesperson": "lookups:salespeople",
    "campaign_no": "lookups:campaigns",
    "campaign": "lookups:campaigns",
    "segment_no": "lookups:segments",
    "segment": "lookups:segments",
    "item_code": "lookups:items",
}

F = TypeVar("F", bound=type[forms.BaseForm])


def with_lookups(form_class: F) -> F:
    """Class decorator: every text field of ``form_class`` named in :data:`REFERENCE_LOOKUPS` gets a
    :class:`LookupInput` (choice fields, already pickers, are left alone). Applied to every form with reference
    fields, so that they all get the lookup from this one place (issue #15)."""
    fields: dict[str, forms.Field] = getattr(form_class, "base_fields")  # noqa: B009  (set by the metaclass)
    for name, field in fields.items():
        url_name = REFERENCE_LOOKUPS.get(name)
        if url_name is None or type(field) is not forms.CharField:
            continue
        widget = LookupInput(url_name, attrs=dict(field.widget.attrs))
        widget.is_required = field.required
        widget.attrs.update(field.widget_attrs(widget))
        field.widget = widget
    return form_class
