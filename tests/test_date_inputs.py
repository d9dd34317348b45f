"""Date inputs follow the interface language, not the browser (issue #15, "Formats"): every date field of every form
uses the one widget (``core.date_input.LocalizedDateInput``), which shows the language's short format and takes that
format and ISO back."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salescycle
from salescycle.core.date_input import LocalizedDateInput, date_input_text, parse_date_input

LANGUAGES = ("en", "nl", "de", "nb", "fi")
SHOWN = {"en": "12/02/2026", "nl": "2-12-2026", "de": "02.12.2026", "nb": "02.12.2026", "fi": "2.12.2026"}


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(salescycle.__path__, "salescycle."):
        if ".tests" in module.name or ".migrations" in module.name or module.name.endswith(("wsgi", "cli")):
            continue
        importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    stack: list[Any] = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("salescycle."):
                found.append(sub)
    return found


def test_every_date_field_of_our_forms_uses_the_localized_widget() -> None:
    date_fields = {
        f"{form.__module__}.{form.__name__}.{name}": field
        for form in _all_form_classes()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.DateField)
    }

    assert len(date_fields) >= 20  # the walk found the forms
    wrong = [name for name, field in date_fields.items() if not isinstance(field.widget, LocalizedDateInput)]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_input_shows_the_languages_format_and_is_a_text_input(language: str) -> None:
    with translation.override(language):
        html = LocalizedDateInput().render("d", dt.date(2026, 12, 2))

    assert 'type="text"' in html
    assert f'value="{SHOWN[language]}"' in html
    assert 'class="js-date"' in html
    assert "placeholder=" in html


@pytest.mark.parametrize("language", LANGUAGES)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_what_the_input_shows_reads_back_as_the_same_date_and_iso_is_always_taken(language: str, day: dt.date) -> None:
    field = forms.DateField(widget=LocalizedDateInput())
    with translation.override(language):
        assert field.clean(date_input_text(day)) == day
        assert field.clean(day.isoformat()) == day
        assert parse_date_input(date_input_text(day)) == day


def test_typed_forms_per_language() -> None:
    field = forms.DateField(widget=LocalizedDateInput())
    for language, typed in [("fi", "3.12.2026"), ("de", "3.12.2026"), ("nb", "03.12.2026"), ("nl", "3-12-2026"),
                            ("en", "12/03/2026")]:  # fmt: skip
        with translation.override(language):
            assert field.clean(typed) == dt.date(2026, 12, 3), language
    with translation.override("en"), pytest.raises(forms.ValidationError):
        field.clean("3.12.2026")
