"""The screens in every language (issue #7): switch the language in the header, then walk the opportunity card, the
Update wizard and the Close wizard, checking the BC captions, a localized refusal and the local number format.
Screenshots of the card in Dutch and Finnish are kept in ``test-output/``."""

from __future__ import annotations

import os
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.models import UserPreference
from tests.browser.conftest import OUTPUT, sign_in
from tests.test_translations import use_compiled_catalogs

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# What each screen must say; the BC terms are the glossary's (Dutch: the entity is "verkoopkans", page and action
# names keep the loanword: "Opportunity bijwerken").
CAPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "opportunity": "Opportunity",
        "update": "Update",
        "close": "Close",
        "general": "General",
        "stages": "Sales Cycle Stages",
        "amount": "5,000.00",
        "update_title": "Update Opportunity",
        "action": "Action Type",
        "finish": "Finish",
        "date_error": "The Date of Change has to be after last Date of change.",
        "close_title": "Close Opportunity",
        "outcome": "Outcome",
        "won": "Won",
        "code_error": "You must fill in the Close Opportunity Code field.",
    },
    "nl": {
        "opportunity": "Verkoopkans",
        "update": "Bijwerken",
        "close": "Sluiten",
        "general": "Algemeen",
        "stages": "Verkoopcyclusfasen",
        "amount": "5.000,00",
        "update_title": "Opportunity bijwerken",
        "action": "Actiesoort",
        "finish": "Voltooien",
        "date_error": "De wijzigingsdatum moet na de laatste wijzigingsdatum liggen.",
        "close_title": "Opportunity afsluiten",
        "outcome": "Uitkomst",
        "won": "Gewonnen",
        "code_error": "U moet het veld Opportunitycode afsluiten invullen.",
    },
    "de": {
        "opportunity": "Verkaufschance",
        "update": "Aktualisieren",
        "close": "Abschluss",
        "general": "Allgemein",
        "stages": "Verkaufsprozess-Stufen",
        "amount": "5.000,00",
        "update_title": "Verkaufschance aktualisieren",
        "action": "Aktionsart",
        "finish": "Fertig stellen",
        "date_error": "Das Änderungsdatum muss nach dem letzten Änderungsdatum liegen.",
        "close_title": "Verkaufschance abschließen",
        "outcome": "Ergebnis",
        "won": "Gewonnen",
        "code_error": "Sie müssen das Feld Verkaufschancenabschlusscode ausfüllen.",
    },
    "nb": {
        "opportunity": "Salgsmulighet",
        "update": "Oppdater",
        "close": "Lukk",
        "general": "Generelt",
        "stages": "Salgssyklusfaser",
        "amount": "5\xa0000,00",
        "update_title": "Oppdater salgsmulighet",
        "action": "Handlingstype",
        "finish": "Fullfør",
        "date_error": "Endringsdatoen må være etter siste endringsdato.",
        "close_title": "Lukk salgsmulighet",
        "outcome": "Utfall",
        "won": "Vunnet",
        "code_error": "Du må velge en kode for lukking av salgsmuligheten.",
    },
    "fi": {
        "opportunity": "Mahdollisuus",
        "update": "Päivitä",
        "close": "Sulje",
        "general": "Yleiset",
        "stages": "Myyntisyklin vaiheet",
        "amount": "5\xa0000,00",
        "update_title": "Päivitä mahdollisuus",
        "action": "Toiminnon tyyppi",
        "finish": "Valmis",
        "date_error": "Muutospäivämäärän on oltava viimeisen muutospäivämäärän jälkeen.",
        "close_title": "Sulje mahdollisuus",
        "outcome": "Tulos",
        "won": "Voitettu",
        "code_error": "Kenttä Sulje mahdollisuuden koodi on täytettävä.",
    },
}


@pytest.fixture
def opportunity_no(transactional_db: Any) -> str:
    use_compiled_catalogs()
    testing.demo_setup()
    user = testing.make_user("lena", role="Salesperson")
    salesperson = testing.make_salesperson("LE", name="Lena Eriksen", user=user)
    contact = testing.make_company("CT-NORD", name="Nordlys AS", salesperson=salesperson)
    for code in ("WON-A", "WON-B"):
        testing.make_close_code(code, "won")
    opportunity = testing.create_opportunity(contact, salesperson, activate=True, value="5000", chances="20")
    return str(opportunity.no)


def _choose_language(page: Any, lang: str) -> None:
    page.select_option("#header-language", lang)
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")


@pytest.mark.parametrize("lang", ["nl", "de", "nb", "fi", "en"])
def test_card_and_wizards_speak_the_chosen_language(page: Any, live_server: Any, opportunity_no: str, lang: str):
    words = CAPTIONS[lang]
    base = live_server.url
    sign_in(page, base, "lena")
    page.goto(f"{base}/opportunities/{opportunity_no}/")
    _choose_language(page, lang)
    assert UserPreference.objects.get(user__username="lena").language == lang

    # The card.
    assert page.inner_text("h1").startswith(f"{words['opportunity']} {opportunity_no}")
    actions = page.locator(".page-head .actions")
    assert actions.get_by_role("link", name=words["update"], exact=True).count() == 1
    assert actions.get_by_role("link", name=words["close"], exact=True).count() == 1
    assert page.inner_text("#general-heading") == words["general"]
    assert page.inner_text("#entries-heading") == words["stages"]
    assert words["amount"] in page.inner_text(".factbox")
    if lang in ("nl", "fi"):
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"i18n-card-{lang}.png"), full_page=True)

    # The Update wizard refuses a date of change before the last one, in this language.
    actions.get_by_role("link", name=words["update"], exact=True).click()
    page.wait_for_url(f"**/opportunities/{opportunity_no}/update/")
    assert page.inner_text("h1").startswith(f"{words['update_title']} {opportunity_no}")
    assert page.inner_text("#update-form legend") == words["action"]
    page.fill("#id_date_of_change", "2025-01-01")
    page.get_by_role("button", name=words["finish"]).click()
    page.wait_for_selector(".error-box")
    assert words["date_error"] in page.inner_text(".error-box")

    # The Close wizard refuses to close as won without a close code, in this language.
    page.goto(f"{base}/opportunities/{opportunity_no}/close/")
    assert page.inner_text("h1").startswith(f"{words['close_title']} {opportunity_no}")
    assert page.inner_text("fieldset legend") == words["outcome"]
    assert page.get_by_label(words["won"], exact=True).is_checked()
    page.select_option("#id_close_opportunity_code", "")
    page.get_by_role("button", name=words["close_title"]).click()
    page.wait_for_selector(".error-box")
    assert words["code_error"] in page.inner_text(".error-box")
