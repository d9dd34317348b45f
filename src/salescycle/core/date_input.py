"""Date inputs in the interface language's format (issue #15, "Formats"): a native ``<input type=date>`` shows the
browser's locale (``12/02/2026`` in an en-US browser with the interface in Finnish, beside page text ``2.12.2026``),
so every date field of the forms is a text input that shows the active language's short date format and accepts
that language's ways of typing a date, ISO ``2026-12-02`` always included.

Shown as: en ``12/02/2026`` (m/d/Y, as the pages write dates in English), nl ``2-12-2026``, de and nb ``02.12.2026``,
fi ``2.12.2026`` (Django's ``SHORT_DATE_FORMAT`` of each language). Accepted: Django's ``DATE_INPUT_FORMATS`` of the
active language, to which Django always adds ISO ``YYYY-MM-DD`` (so links, tests and scripts that post ISO keep
working). ``static/salescycle/app.js`` adds a calendar button that opens the browser's date picker (``showPicker()``)
and writes the chosen date in this format, and sends the dates of a GET form (the list filters) as ISO, so that a
link or a saved view means the same date in every language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _

# The placeholder's example: the last day of a year shows day, month and year unmistakably (31 > 12).
EXAMPLE_MONTH_DAY = (12, 31)


def date_input_text(value: dt.date) -> str:
    """``value`` as the date inputs show it in the active language (``SHORT_DATE_FORMAT``: ``2.12.2026`` in fi)."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def parse_date_input(text: str) -> dt.date | None:
    """The date ``text`` means in the active language (its ``DATE_INPUT_FORMATS``, ISO included), or None when it
    is no date in any of them. The same parsing as the forms' ``DateField``."""
    text = text.strip()
    for input_format in formats.get_format("DATE_INPUT_FORMATS"):
        try:
            return dt.datetime.strptime(text, input_format).date()
        except (ValueError, TypeError):
            continue
    return None


class LocalizedDateInput(forms.DateInput):
    """The date widget of every form: a text input in the active language's format (see the module), with the
    format as an example placeholder and, for ``app.js``, the format and the calendar button's name as data
    attributes. The value posted is parsed by ``forms.DateField`` as before (the language's formats and ISO)."""

    input_type = "text"

    def format_value(self, value: Any) -> str | None:
        """A date in the language's short format, also one given as text in another accepted form (ISO from a
        link, a typed ``3.12.26``); text that is no date (a typing error, redisplayed) unchanged."""
        if isinstance(value, str):
            value = parse_date_input(value) or value
        if isinstance(value, dt.date):
            return date_input_text(value)
        return None if value in (None, "") else str(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        example = dt.date(dt.date.today().year, *EXAMPLE_MONTH_DAY)
        widget_attrs.setdefault("placeholder", date_input_text(example))
        widget_attrs.setdefault("autocomplete", "off")
        widget_attrs["class"] = " ".join(filter(None, [widget_attrs.get("class"), "js-date"]))
        widget_attrs["data-date-format"] = formats.get_format("SHORT_DATE_FORMAT")
        widget_attrs["data-picker-label"] = _("Choose a date")
        return context
