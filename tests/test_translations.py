"""Translations (issue #7): the catalogs compile and pass ``scripts/check_translations.py``; amounts, dates and date
inputs follow the locale; the user's language is remembered.

``make test`` compiles and checks before pytest; these tests do it again (into a temporary folder) so that the rules
hold when this file is run alone.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import polib
import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import formats, translation

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.core.models import UserPreference
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import engine
from salescycle.opportunities.choices import CloseType
from salescycle.opportunities.forms import ListFilterForm
from salescycle.opportunities.models import Opportunity

CHECKER = Path(__file__).resolve().parents[1] / "scripts" / "check_translations.py"
LANGUAGES = ("nl", "de", "nb", "fi")


def load_checker() -> ModuleType:
    """``scripts/check_translations.py`` as a module."""
    if "check_translations" not in sys.modules:
        spec = importlib.util.spec_from_file_location("check_translations", CHECKER)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["check_translations"] = module
        spec.loader.exec_module(module)
    return sys.modules["check_translations"]


def use_compiled_catalogs() -> None:
    """Compile stale catalogs in place and make Django reload them (for tests that read translated text)."""
    if load_checker().ensure_compiled():
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None


@pytest.fixture(scope="module", autouse=True)
def _catalogs() -> None:
    use_compiled_catalogs()


# ---------------------------------------------------------------------------------------------------------------
# The catalogs


def test_the_catalogs_compile_and_pass_every_check(tmp_path: Path) -> None:
    checker = load_checker()

    assert checker.compile_all(target=tmp_path) == []
    assert checker.check_all() == []
    for lang in (*LANGUAGES, "en"):
        assert (tmp_path / lang / "LC_MESSAGES" / "django.mo").stat().st_size > 0


def test_every_message_is_translated_in_every_language() -> None:
    counts = {
        lang: (len(po.translated_entries()), len(po))
        for lang in LANGUAGES
        for po in [polib.pofile(str(settings.LOCALE_PATHS[0] / lang / "LC_MESSAGES" / "django.po"))]
    }

    assert all(done == total and total > 400 for done, total in counts.values()), counts


def _catalog(*entries: polib.POEntry) -> polib.POFile:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
    for entry in entries:
        po.append(entry)
    return po


def test_the_checker_refuses_untranslated_fuzzy_and_changed_placeholders() -> None:
    checker = load_checker()
    po = _catalog(
        polib.POEntry(msgid="Save", msgstr=""),
        polib.POEntry(msgid="Back", msgstr="Terug", flags=["fuzzy"]),
        polib.POEntry(msgid="%(no)s saved.", msgstr="%(nr)s opgeslagen.", flags=["python-format"]),
        polib.POEntry(msgid="Share %%", msgstr="Aandeel", flags=["python-format"]),
        polib.POEntry(msgid="Unknown series: %s.", msgstr="Onbekende reeks.", flags=["python-format"]),
        polib.POEntry(msgid="%(no)s moved.", msgstr="%(no)s verplaatst.", flags=["python-format"]),
    )

    problems = checker.check_catalog(po, "nl", checker.load_glossary(), "test.po")

    assert len(problems) == 5, problems
    assert "'Save': not translated" in problems[0]
    assert "'Back': marked fuzzy" in problems[1]
    assert all("placeholders" in line for line in problems[2:])


def test_the_checker_holds_glossary_terms_to_the_glossary() -> None:
    checker = load_checker()
    glossary = checker.load_glossary()
    po = _catalog(
        polib.POEntry(msgid="Sales Cycle Stages", msgstr="Verkaufsprozessstufen"),
        polib.POEntry(msgid="sales cycle stages", msgstr="Verkaufsprozess-Stufen"),
        polib.POEntry(msgid="Close", msgstr="Schließen"),
        polib.POEntry(msgid="Close", msgctxt="dialog", msgstr="Schließen"),
        polib.POEntry(msgid="Chances of Success %%", msgstr="Erfolgschancen %%", flags=["python-format"]),
    )

    problems = checker.check_catalog(po, "de", glossary, "test.po")

    assert len(problems) == 2
    assert "'Sales Cycle Stages'" in problems[0]
    assert "'Verkaufsprozess-Stufen'" in problems[0]
    assert "'Close'" in problems[1]
    assert "'Abschluss'" in problems[1]


def test_dutch_page_and_action_names_keep_the_glossarys_loanword() -> None:
    checker = load_checker()
    po = _catalog(
        polib.POEntry(msgid="Update Opportunity", msgstr="Verkoopkans bijwerken"),
        polib.POEntry(msgid="Close Opportunity Code", msgstr="Opportunitycode afsluiten"),
        polib.POEntry(msgid="Opportunities", msgstr="Opportunities"),
        polib.POEntry(msgid="Opportunity", msgstr="Verkoopkans"),
        polib.POEntry(
            msgid="%(opportunity)s is linked.", msgstr="%(opportunity)s is gekoppeld.", flags=["python-format"]
        ),
    )

    problems = checker.check_catalog(po, "nl", checker.load_glossary(), "test.po")

    assert len(problems) == 1, problems
    assert "'Update Opportunity'" in problems[0]
    assert "'Opportunity bijwerken'" in problems[0]


@pytest.mark.parametrize(
    ("lang", "msgid", "expected"),
    [
        ("nl", "Opportunity", "Verkoopkans"),
        ("de", "Opportunity", "Verkaufschance"),
        ("nb", "Opportunity", "Salgsmulighet"),
        ("fi", "Opportunity", "Mahdollisuus"),
        ("nl", "Sales Cycle Stages", "Verkoopcyclusfasen"),
        ("nl", "Update Opportunity", "Opportunity bijwerken"),
        ("nl", "Opportunities", "Opportunities"),
        ("de", "Update Opportunity", "Verkaufschance aktualisieren"),
        ("nb", "Close Opportunity", "Lukk salgsmulighet"),
        ("fi", "Chances of Success %", "Onnistumis-%"),
    ],
)
def test_the_running_app_uses_the_glossary_terms(lang: str, msgid: str, expected: str) -> None:
    with translation.override(lang):
        assert translation.gettext(msgid) == expected


@pytest.mark.parametrize(
    ("lang", "one", "many"),
    [
        (
            "en",
            "1 closed opportunity and 1 entry were deleted.",
            "2 closed opportunities and 1,000 entries were deleted.",
        ),
        (
            "nl",
            "1 afgesloten verkoopkans en 1 post zijn verwijderd.",
            "2 afgesloten verkoopkansen en 1.000 posten zijn verwijderd.",
        ),
        (
            "fi",
            "1 suljettu mahdollisuus ja 1 tapahtuma poistettiin.",
            "2 suljettua mahdollisuutta ja 1\xa0000 tapahtumaa poistettiin.",
        ),
    ],
)
def test_counts_take_the_plural_forms_of_the_language(lang: str, one: str, many: str) -> None:
    template = Template(
        "{% load i18n %}{% blocktranslate count e=entries asvar text %}{{ e }} entry{% plural %}{{ e }} entries"
        "{% endblocktranslate %}{% blocktranslate count o=opportunities with entries=text %}{{ o }} closed opportunity"
        " and {{ entries }} were deleted.{% plural %}{{ o }} closed opportunities and {{ entries }} were deleted."
        "{% endblocktranslate %}"
    )

    with translation.override(lang):
        assert template.render(Context({"opportunities": 1, "entries": 1})) == one
        assert template.render(Context({"opportunities": 2, "entries": 1000})) == many


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "1 opportunity created.", "2 opportunities created."),
        ("de", "1 Verkaufschance erstellt.", "2 Verkaufschancen erstellt."),
        ("fi", "1 mahdollisuus luotu.", "2 mahdollisuutta luotu."),
    ],
)
def test_the_created_message_counts_in_the_language(lang: str, one: str, two: str) -> None:
    with translation.override(lang):
        texts = [
            translation.ngettext("%(count)s opportunity created.", "%(count)s opportunities created.", n) % {"count": n}
            for n in (1, 2)
        ]

    assert texts == [one, two]


# ---------------------------------------------------------------------------------------------------------------
# Numbers, amounts and dates


@pytest.mark.parametrize(
    ("lang", "amount", "count", "short_date"),
    [
        ("en", "1,234,567.89", "12,345", "01/20/2026"),
        ("nl", "1.234.567,89", "12.345", "20-1-2026"),
        ("de", "1.234.567,89", "12.345", "20.01.2026"),
        ("nb", "1\xa0234\xa0567,89", "12\xa0345", "20.01.2026"),
        ("fi", "1\xa0234\xa0567,89", "12\xa0345", "20.1.2026"),
    ],
)
def test_amounts_counts_and_dates_follow_the_locale(lang: str, amount: str, count: str, short_date: str) -> None:
    template = Template('{{ amount|floatformat:"2g" }}|{{ amount }}|{{ count }}|{{ day|date:"SHORT_DATE_FORMAT" }}')
    context = Context({"amount": Decimal("1234567.89"), "count": 12345, "day": dt.date(2026, 1, 20)})

    with translation.override(lang):
        assert template.render(context) == f"{amount}|{amount}|{count}|{short_date}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "shown"), [("en", "01/05/2026"), ("nl", "5-1-2026"), ("de", "05.01.2026"), ("fi", "5.1.2026")]
)
def test_screens_and_inputs_show_dates_in_the_short_format_of_the_language(lang: str, shown: str) -> None:
    testing.demo_setup()
    salesperson = testing.make_salesperson("SP1")
    contact = testing.make_company("C1", salesperson=salesperson)
    opportunity = testing.create_opportunity(
        contact, salesperson, activate=True, creation_date=dt.date(2026, 1, 5), by=SYSTEM
    )
    viewer = testing.make_user(role="Viewer")
    client = _signed_in(viewer, accept_language=lang)
    with translation.override(lang):
        expected = formats.date_format(dt.date(2026, 1, 5), "SHORT_DATE_FORMAT")

    card = client.get(f"/opportunities/{opportunity.no}/").content.decode()
    listed = client.get("/opportunities/?cols=no&cols=creation_date").content.decode()  # Creation Date is not a default

    assert expected == shown
    assert f'<span class="readonly">{shown}</span>' in card
    assert f"<td>{shown}</td>" in listed
    assert "<td>2026-01-05</td>" not in card + listed
    # The work date's input, too, shows the language's format (issue #15: date inputs follow the UI language).
    with translation.override(lang):
        work_date = formats.date_format(get_work_date(viewer), "SHORT_DATE_FORMAT")
    assert f'name="work_date" value="{work_date}"' in card


@pytest.mark.parametrize(
    ("lang", "typed"),
    [("nl", "20-01-2026"), ("de", "20.01.2026"), ("nb", "20.01.2026"), ("fi", "20.1.2026"), ("en", "2026-01-20")],
)
def test_date_inputs_accept_the_locale_format_and_iso(lang: str, typed: str) -> None:
    field = forms.DateField()

    with translation.override(lang):
        assert field.clean(typed) == dt.date(2026, 1, 20)
        assert field.clean("2026-01-20") == dt.date(2026, 1, 20)


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "typed"), [("nl", "20-01-2026"), ("de", "20.01.2026"), ("fi", "20.1.2026")])
def test_the_list_filters_take_dates_typed_the_local_way(lang: str, typed: str) -> None:
    with translation.override(lang):
        form = ListFilterForm({"created_from": typed, "closing_to": "2026-02-01"})
        assert form.is_valid(), form.errors
        filters = form.filters()

    assert (filters.created_from, filters.closing_to) == (dt.date(2026, 1, 20), dt.date(2026, 2, 1))


# ---------------------------------------------------------------------------------------------------------------
# The user's language


def _signed_in(user: Any, **headers: str) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def _page_language(client: Client, path: str = "/opportunities/?view=all") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return str(response["Content-Language"])


@pytest.mark.django_db
def test_a_signed_in_user_gets_the_saved_language_over_the_browser_default() -> None:
    user = testing.make_user("fiona", role="Viewer")
    UserPreference.objects.create(user=user, language="fi")

    client = _signed_in(user, accept_language="de")

    assert _page_language(client) == "fi"
    assert '<html lang="fi">' in client.get("/opportunities/?view=all").content.decode()


@pytest.mark.django_db
def test_without_a_saved_language_the_browser_decides() -> None:
    client = _signed_in(testing.make_user("dieter", role="Viewer"), accept_language="de")

    assert _page_language(client) == "de"


@pytest.mark.django_db
def test_the_language_chosen_in_this_browser_beats_the_saved_one() -> None:
    user = testing.make_user("fiona", role="Viewer")
    UserPreference.objects.create(user=user, language="fi")
    client = _signed_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"

    assert _page_language(client) == "nl"


@pytest.mark.django_db
def test_switching_the_language_saves_it_for_the_user_on_every_browser() -> None:
    user = testing.make_user("nora", role="Viewer")
    client = _signed_in(user)

    response = client.post("/i18n/setlang/", {"language": "nb", "next": "/opportunities/"})

    assert (response.status_code, response["Location"]) == (302, "/opportunities/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nb"
    assert UserPreference.objects.get(user=user).language == "nb"
    assert _page_language(client) == "nb"
    assert _page_language(_signed_in(user, accept_language="en")) == "nb"


@pytest.mark.django_db
def test_an_unknown_language_is_not_saved() -> None:
    user = testing.make_user("xavier", role="Viewer")
    client = _signed_in(user)

    client.post("/i18n/setlang/", {"language": "xx", "next": "/opportunities/"})

    assert not UserPreference.objects.filter(user=user, language="xx").exists()


@pytest.mark.django_db
def test_signed_out_pages_follow_the_browser() -> None:
    response = Client(headers={"accept-language": "nl"}).get("/accounts/login/")

    assert response["Content-Language"] == "nl"
    assert "Aanmelden" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "nl", "fi"])
def test_the_card_groups_amounts_but_keeps_the_version_field_machine_readable(lang: str) -> None:
    testing.demo_setup()
    salesperson = testing.make_salesperson("SP1")
    contact = testing.make_company("C1", salesperson=salesperson)
    opportunity = testing.create_opportunity(contact, salesperson, activate=True, value="1234567.5")
    Opportunity.objects.filter(no=opportunity.no).update(version=12345)

    page = _signed_in(testing.make_user(role="Viewer"), accept_language=lang).get(f"/opportunities/{opportunity.no}/")

    html = page.content.decode()
    assert 'name="version" value="12345"' in html
    grouped = {"en": "1,234,567.50", "nl": "1.234.567,50", "fi": "1\xa0234\xa0567,50"}[lang]
    assert grouped in html


def test_engine_messages_and_enumeration_labels_follow_the_active_language() -> None:
    # The engine and choices.py import no Django: their texts are translated by the translator the core app
    # installs, in the language active when they are shown.
    cycle = engine.Cycle(code="EMPTY")
    for lang in LANGUAGES:
        with translation.override(lang):
            assert str(CloseType.WON.label) == translation.gettext("Won") != "Won"
            with pytest.raises(DomainError) as refused:
                engine.plan_first_stage(cycle, date_of_change=dt.date(2026, 1, 5))
            expected = translation.gettext("There are no stages in sales cycle %(cycle)s.") % {"cycle": "EMPTY"}
            assert refused.value.message == expected != "There are no stages in sales cycle EMPTY."
