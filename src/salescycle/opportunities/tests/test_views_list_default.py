"""The Opportunity List's default view per user (issue #15 "The list": "saved views per user with 'My pipeline' as a
default"): ``/opportunities/`` without a query string redirects to it ("My pipeline" for a salesperson, everything
for a user without one, or the view the user made their default), any query parameter shows what it asks for,
``?view=all`` is the whole list, and making a view the default refuses unknown keys and another user's views."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import InvalidInput, NotFound, PermissionDenied
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import services
from salescycle.opportunities.models import ListPreference, Opportunity, SavedView
from salescycle.opportunities.selectors import figures, list_views
from salescycle.opportunities.services import list_views as view_services

pytestmark = pytest.mark.django_db

WORK_DATE = dt.date(2026, 3, 10)
LIST = "/opportunities/"
DEFAULT = "/opportunities/views/default/"


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Annette (AH) and Jo (JO), salespeople with users, and a manager without a salesperson: three open
    opportunities of Annette (one closing in March), one closed of hers and two open of Jo."""
    testing.demo_setup()
    annette_user = testing.make_user("annette", role="Salesperson")
    annette = testing.make_salesperson("AH", name="Annette Hill", user=annette_user)
    jo_user = testing.make_user("jo", role="Salesperson")
    jo = testing.make_salesperson("JO", name="Jo Otis", user=jo_user)
    manager = testing.make_manager("manager")
    for user in (annette_user, jo_user, manager):
        set_work_date(user, WORK_DATE)
    contact = testing.make_company("CT-ZETA", name="Zeta Ltd")
    closings = [dt.date(2026, 3, 20), dt.date(2026, 4, 20), dt.date(2026, 5, 20), dt.date(2026, 3, 25)]
    for closing in closings:
        testing.create_opportunity(contact, annette, activate=True, creation_date=dt.date(2026, 3, 1), closing=closing)
    services.close_opportunity(
        Opportunity.objects.filter(salesperson_id="AH").order_by("-no").values_list("no", flat=True)[0],
        outcome="lost",
        close_opportunity_code="BUSINESS_L",
        date_closed=dt.date(2026, 3, 5),
        by=SYSTEM,
    )
    for _ in range(2):
        testing.create_opportunity(contact, jo, activate=True, creation_date=dt.date(2026, 3, 1))
    return {"annette": annette_user, "jo": jo_user, "manager": manager}


def _signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def _rows(client: Client, url: str) -> set[str]:
    page = client.get(url)
    assert page.status_code == 200
    return {o.no for o in page.context["page"].rows}


def _nos(**filters: Any) -> set[str]:
    return set(Opportunity.objects.filter(**filters).values_list("no", flat=True))


# ---------------------------------------------------------------------------------------------------------------
# The landing view


def test_a_salesperson_lands_on_my_pipeline(client: Client, world: dict[str, Any]) -> None:
    annette = _signed_in(client, world["annette"])

    response = annette.get(LIST)

    assert response.status_code == 302
    assert response["Location"] == "/opportunities/?view=mine"
    assert _rows(annette, response["Location"]) == _nos(salesperson_id="AH", closed=False)
    assert len(_nos(salesperson_id="AH", closed=False)) == 3


def test_a_user_without_a_salesperson_lands_on_everything(client: Client, world: dict[str, Any]) -> None:
    manager = _signed_in(client, world["manager"])

    response = manager.get(LIST)

    assert response["Location"] == "/opportunities/?view=all"
    assert _rows(manager, response["Location"]) == _nos()
    assert len(_nos()) == 6


def test_all_opportunities_is_the_whole_list_for_a_salesperson_too(client: Client, world: dict[str, Any]) -> None:
    annette = _signed_in(client, world["annette"])

    page = annette.get("/opportunities/?view=all")

    visible = {item["no"] for item in annette.get("/api/v1/opportunities?limit=500").json()["items"]}
    assert {o.no for o in page.context["page"].rows} == visible  # closed ones too: everything they may see
    assert visible > _nos(salesperson_id="AH", closed=False)
    assert page.context["view"].key == "all"
    html = page.content.decode()
    assert "Views: All opportunities" in html
    assert '<a href="?view=all">Clear filters</a>' in html  # clearing the filters does not bounce to My pipeline


@pytest.mark.parametrize(
    "query",
    ["view=stale", "sort=no", "rows=10", "after=abc", "closed=", "q=", "salesperson=JO", "cols=status", "totals=1"],
)
def test_any_query_parameter_shows_the_list_it_asks_for_without_a_redirect(
    client: Client, world: dict[str, Any], query: str
) -> None:
    annette = _signed_in(client, world["annette"])

    assert annette.get(f"/opportunities/?{query}").status_code == 200


def test_the_users_default_view_is_where_the_list_opens(client: Client, world: dict[str, Any]) -> None:
    annette = _signed_in(client, world["annette"])

    response = annette.post(DEFAULT, {"view": "closing", "next": "view=mine&sort=no&rows=50"})

    assert response.status_code == 302
    assert response["Location"] == "/opportunities/?sort=no&view=mine"  # back where they were, paging left out
    assert ListPreference.objects.get(user=world["annette"]).default_view == "closing"
    assert annette.get(LIST)["Location"] == "/opportunities/?view=closing"
    march = _nos(salesperson_id="AH", closed=False, estimated_closing_date__month=3)
    assert _rows(annette, "/opportunities/?view=closing") == march
    assert march
    # Only hers: Jo still lands on his pipeline.
    assert _signed_in(Client(), world["jo"]).get(LIST)["Location"] == "/opportunities/?view=mine"


def test_a_user_without_a_salesperson_may_choose_my_pipeline_or_any_view(client: Client, world: dict[str, Any]) -> None:
    manager = _signed_in(client, world["manager"])

    manager.post(DEFAULT, {"view": "stale"})

    assert manager.get(LIST)["Location"] == "/opportunities/?view=stale"


def test_the_menu_marks_the_default_view_and_offers_the_others(client: Client, world: dict[str, Any]) -> None:
    annette = _signed_in(client, world["annette"])
    views_menu = annette.get("/opportunities/?view=stale").content.decode().split('id="views-menu"')[1]

    mine = views_menu.split('href="?view=mine"')[1].split("</li>")[0]
    closing = views_menu.split('href="?view=closing"')[1].split("</li>")[0]
    assert 'id="default-view-mark"' in mine
    assert "My pipeline" in mine
    assert 'id="default-view-mark"' not in closing
    assert 'name="view" value="closing"' in closing
    assert "Make default<" in closing
    assert views_menu.count('id="default-view-mark"') == 1
    assert 'name="csrfmiddlewaretoken"' in closing

    annette.post(DEFAULT, {"view": "closing"})

    views_menu = annette.get("/opportunities/?view=stale").content.decode().split('id="views-menu"')[1]
    assert 'id="default-view-mark"' in views_menu.split('href="?view=closing"')[1].split("</li>")[0]
    assert views_menu.count('id="default-view-mark"') == 1


def test_a_manager_without_salesperson_sees_all_opportunities_marked_as_the_default(
    client: Client, world: dict[str, Any]
) -> None:
    views_menu = _signed_in(client, world["manager"]).get("/opportunities/?view=all").content.decode()

    assert 'id="default-view-mark"' in views_menu.split('href="?view=all"')[1].split("</li>")[0]


def test_a_saved_view_may_be_the_default_until_it_is_deleted(client: Client, world: dict[str, Any]) -> None:
    annette = _signed_in(client, world["annette"])
    saved = view_services.save_list_view(name="Big deals", query="closed=no&sort=-estimated_value", by=world["annette"])

    response = annette.post(DEFAULT, {"saved": saved.pk, "next": "view=all"})

    assert response["Location"] == "/opportunities/?view=all"
    assert annette.get(LIST)["Location"] == "/opportunities/?closed=no&sort=-estimated_value"
    menu = annette.get("/opportunities/?view=all").content.decode().split('id="saved-views"')[1]
    assert '<a href="?closed=no&amp;sort=-estimated_value">Big deals</a>' in menu
    assert 'id="default-view-mark"' in menu.split("Big deals</a>")[1].split("</li>")[0]

    annette.post(DEFAULT, {"view": "stale"})  # a built-in view replaces it…
    preference = ListPreference.objects.get(user=world["annette"])
    assert (preference.default_view, preference.default_saved_view_id) == ("stale", None)

    annette.post(DEFAULT, {"saved": saved.pk})
    view_services.delete_list_view(saved.pk, by=world["annette"])  # …and deleting it returns to My pipeline

    assert annette.get(LIST)["Location"] == "/opportunities/?view=mine"


def test_a_saved_view_without_filters_opens_all_opportunities(client: Client, world: dict[str, Any]) -> None:
    saved = SavedView.objects.create(user=world["annette"], name="Everything", query="")
    view_services.set_default_list_view(saved_view_id=saved.pk, by=world["annette"])

    assert list_views.list_settings(world["annette"]).default_query == "view=all"
    menu = _signed_in(client, world["annette"]).get("/opportunities/?view=all").content.decode()
    assert '<a href="?view=all">Everything</a>' in menu


def test_a_drill_down_without_words_opens_all_opportunities_not_the_default() -> None:
    assert figures.list_url({"salesperson": ""}) == "/opportunities/?view=all"
    assert figures.list_url({"salesperson": "AH"}) == "/opportunities/?salesperson=AH"


def test_an_unknown_stored_key_falls_back_to_the_rule(world: dict[str, Any]) -> None:
    ListPreference.objects.create(user=world["annette"], default_view="gone")

    assert list_views.list_settings(world["annette"]).default_query == "view=mine"
    assert list_views.list_settings(SYSTEM).default_query == "view=all"


# ---------------------------------------------------------------------------------------------------------------
# Refused


def test_an_unknown_view_is_refused_with_a_message_and_nothing_is_saved(client: Client, world: dict[str, Any]) -> None:
    annette = _signed_in(client, world["annette"])

    response = annette.post(DEFAULT, {"view": "everything_secret", "next": "view=stale"}, follow=True)

    assert response.redirect_chain == [("/opportunities/?view=stale", 302)]
    assert "Unknown view: everything_secret." in response.content.decode()
    assert not ListPreference.objects.exists()
    with pytest.raises(InvalidInput) as error:
        view_services.set_default_list_view(view="", by=world["annette"])
    assert error.value.code == "invalid_input"
    with pytest.raises(InvalidInput):
        view_services.set_default_list_view(view="mine", saved_view_id=1, by=world["annette"])


def test_a_malformed_choice_is_refused(client: Client, world: dict[str, Any]) -> None:
    annette = _signed_in(client, world["annette"])

    response = annette.post(DEFAULT, {"saved": "abc"}, follow=True)

    assert "Unknown view." in response.content.decode()
    assert not ListPreference.objects.exists()


def test_another_users_saved_view_is_not_found_and_not_made_a_default(client: Client, world: dict[str, Any]) -> None:
    jos = view_services.save_list_view(name="Jo's", query="salesperson=JO", by=world["jo"])
    annette = _signed_in(client, world["annette"])

    assert annette.post(DEFAULT, {"saved": jos.pk}).status_code == 404
    assert annette.post(DEFAULT, {"saved": 999999}).status_code == 404
    assert not ListPreference.objects.exists()
    with pytest.raises(NotFound):
        view_services.set_default_list_view(saved_view_id=jos.pk, by=world["annette"])


def test_only_a_signed_in_user_has_a_default_view(client: Client, world: dict[str, Any]) -> None:
    response = client.post(DEFAULT, {"view": "closing"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(LIST)["Location"].startswith("/accounts/login/")
    with pytest.raises(PermissionDenied):
        view_services.set_default_list_view(view="closing", by=SYSTEM)
    assert _signed_in(client, world["annette"]).get(DEFAULT).status_code == 405


def test_a_preference_holds_one_default_view_at_most(world: dict[str, Any]) -> None:
    saved = SavedView.objects.create(user=world["annette"], name="Mine", query="closed=no")

    with pytest.raises(IntegrityError):
        ListPreference.objects.create(user=world["annette"], default_view="stale", default_saved_view=saved)


# ---------------------------------------------------------------------------------------------------------------
# Queries


def test_the_default_is_one_query_and_the_landing_redirect_reads_nothing_else(
    client: Client, world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    saved = view_services.save_list_view(name="Big deals", query="closed=no", by=world["annette"])
    view_services.set_default_list_view(saved_view_id=saved.pk, by=world["annette"])
    view_services.save_list_columns(columns=["status"], by=world["annette"])

    with django_assert_num_queries(1):
        chosen = list_views.list_settings(world["annette"])
    assert (chosen.columns, chosen.default_saved_view_id, chosen.default_query) == (["status"], saved.pk, "closed=no")

    annette = _signed_in(client, world["annette"])
    # The session, the user, their list settings.
    with django_assert_num_queries(3):
        assert annette.get(LIST)["Location"] == "/opportunities/?closed=no"
