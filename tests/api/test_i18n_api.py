"""The API answers in the client's language (issue #7): ``message`` follows ``Accept-Language``; ``code`` and the
JSON shape never change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.core.models import UserPreference
from tests.test_translations import use_compiled_catalogs

MISMATCH = {
    "en": "Close opportunity code LOSTIT is of type Lost and cannot be used to close as Won.",
    "nl": "Opportunitycode afsluiten LOSTIT is van het soort 'Verloren' en kan niet worden gebruikt om af te sluiten"
    " als 'Gewonnen'.",
    "de": "Verkaufschancenabschlusscode LOSTIT hat die Art „Verloren“ und kann nicht für einen Abschluss als"
    " „Gewonnen“ verwendet werden.",
    "nb": "Koden for lukking av salgsmulighet LOSTIT har typen «Tapt» og kan ikke brukes til å lukke som «Vunnet».",
    "fi": "Sulje mahdollisuuden koodin LOSTIT tyyppi on ”Hävitty”, eikä sitä voi käyttää sulkemiseen tuloksella"
    " ”Voitettu”.",
}
FIELD = {
    "en": "The code's type does not match the outcome.",
    "nl": "Het soort van de code komt niet overeen met de uitkomst.",
    "de": "Die Art des Codes passt nicht zum Ergebnis.",
    "nb": "Kodens type samsvarer ikke med utfallet.",
    "fi": "Koodin tyyppi ei vastaa tulosta.",
}


@pytest.fixture(scope="module", autouse=True)
def _catalogs() -> None:
    use_compiled_catalogs()


@pytest.fixture
def opportunity_no(api: Any, demo: None) -> str:
    salesperson = testing.make_salesperson("SP1", name="Sam")
    company = testing.make_company("C1", name="Contoso", salesperson=salesperson)
    testing.make_person(company, "P1", name="Pat", salesperson=salesperson)
    testing.make_close_code("LOSTIT", "lost")
    response = api.post(
        "/opportunities",
        {
            "description": "Big deal",
            "contact_no": "P1",
            "creation_date": "2026-01-05",
            "activate_first_stage": True,
            "estimated_value": "2000",
            "chances_of_success_pct": 50,
            "estimated_closing_date": "2026-03-01",
        },
    )
    assert response.status_code == 201, response.content
    return str(response.json()["no"])


def _close_won_with_a_lost_code(api: Any, no: str, **headers: str) -> Any:
    return api.post(f"/opportunities/{no}/close", {"outcome": "won", "close_opportunity_code": "LOSTIT"}, **headers)


@pytest.mark.parametrize("lang", ["de", "fi", "nl", "nb", "en"])
def test_a_refusal_keeps_its_code_and_is_explained_in_the_clients_language(api: Any, opportunity_no: str, lang: str):
    response = _close_won_with_a_lost_code(api, opportunity_no, Accept_Language=lang)

    assert response.status_code == 422
    assert response["Content-Language"] == lang
    assert response.json() == {
        "code": "close.code_type_mismatch",
        "message": MISMATCH[lang],
        "fields": {"close_opportunity_code": [FIELD[lang]]},
    }


def test_german_and_finnish_differ_only_in_the_words(api: Any, opportunity_no: str) -> None:
    german = _close_won_with_a_lost_code(api, opportunity_no, Accept_Language="de").json()
    finnish = _close_won_with_a_lost_code(api, opportunity_no, Accept_Language="fi").json()

    assert german["code"] == finnish["code"] == "close.code_type_mismatch"
    assert german.keys() == finnish.keys()
    assert german["fields"].keys() == finnish["fields"].keys()
    assert german["message"] != finnish["message"]


def test_the_preferred_of_several_languages_is_used(api: Any, opportunity_no: str) -> None:
    response = _close_won_with_a_lost_code(api, opportunity_no, Accept_Language="sv;q=1, fi;q=0.5, de;q=0.8")

    assert response.json()["message"] == MISMATCH["de"]


def test_a_language_we_do_not_have_gets_english(api: Any, opportunity_no: str) -> None:
    response = _close_won_with_a_lost_code(api, opportunity_no, Accept_Language="sv")

    assert response.json()["message"] == MISMATCH["en"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("de", "Verkaufschance NOPE ist nicht vorhanden."),
        ("fi", "Mahdollisuus NOPE ei ole olemassa."),
        ("nl", "Verkoopkans NOPE bestaat niet."),
    ],
)
def test_not_found_names_the_record_in_the_clients_language(api: Any, lang: str, message: str) -> None:
    response = api.get("/opportunities/NOPE", Accept_Language=lang)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": message, "fields": {}}


def test_framework_errors_are_translated_too(anonymous: Any) -> None:
    unknown = anonymous.get("/no-such-route", Accept_Language="fi")
    unauthenticated = anonymous.get("/opportunities", Accept_Language="nb")

    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert unknown.json()["message"] == "Tällaista API-reittiä ei ole."
    assert (unauthenticated.status_code, unauthenticated.json()["code"]) == (401, "not_authenticated")
    assert unauthenticated.json()["message"] == "Påloggingsinformasjon mangler eller er ugyldig."


def test_a_browser_session_gets_the_users_language_unless_the_request_names_one(client: Client, user: Any) -> None:
    UserPreference.objects.create(user=user, language="fi")
    client.force_login(user)

    saved = client.get("/api/v1/opportunities/NOPE")
    asked = client.get("/api/v1/opportunities/NOPE", headers={"accept-language": "de"})

    assert saved.json()["message"] == "Mahdollisuus NOPE ei ole olemassa."
    assert asked.json()["message"] == "Verkaufschance NOPE ist nicht vorhanden."


@pytest.mark.parametrize(
    ("lang", "date"), [("en", "01/05/2026"), ("de", "05.01.2026"), ("nl", "5-1-2026"), ("fi", "5.1.2026")]
)
def test_a_date_inside_a_refusal_is_written_in_the_clients_language(
    api: Any, opportunity_no: str, lang: str, date: str
) -> None:
    """Issue #15: "dates inside error messages localized" (they were ISO next to localized dates)."""
    testing.make_close_code("WONIT", "won")
    body = {"outcome": "won", "close_opportunity_code": "WONIT", "date_closed": "2026-01-04"}

    response = api.post(f"/opportunities/{opportunity_no}/close", body, Accept_Language=lang)

    assert response.status_code == 422
    error = response.json()
    assert date in error["message"], error
    assert "2026-01-05" not in error["message"]
    assert any(date in text for text in error["fields"]["date_closed"]), error
