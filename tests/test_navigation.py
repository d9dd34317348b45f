"""The main navigation marks the current page (``aria-current="page"``), and a missing page answers 404 inside the
layout (issue #15: the UX walk's L11 and "a 404 page inside the layout")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from salescycle import testing

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client) -> Client:
    testing.demo_setup()
    testing.make_company("CT-NAV")
    client.force_login(testing.make_user("nav", role="Administrator"))
    return client


def _current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', html)


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/opportunities/?view=all", ["/opportunities/"]),
        ("/opportunities/board/", ["/opportunities/board/"]),
        ("/opportunities/new/", ["/opportunities/new/"]),
        ("/contacts/", ["/contacts/"]),
        ("/contacts/CT-NAV/", ["/contacts/"]),
        ("/tasks/", ["/tasks/", "?show=mine"]),  # the task list's own filter tabs mark theirs
        ("/sales/quotes/", ["/sales/quotes/"]),
        ("/sales/orders/", ["/sales/orders/"]),
        ("/opportunities/statistics/cycles/", ["/opportunities/statistics/cycles/"] * 2),
        (
            "/opportunities/statistics/salespeople/",
            ["/opportunities/statistics/cycles/", "/opportunities/statistics/salespeople/"],
        ),
        ("/analysis/matrix/", ["/analysis/matrix/"] * 2),  # and the analysis sub-menu
        ("/setup/", ["/setup/"]),
        ("/", []),
    ],
)
def test_the_navigation_marks_the_current_page(signed_in: Client, path: str, current: list[str]) -> None:
    response = signed_in.get(path)

    assert response.status_code == 200
    assert _current(response.content.decode()) == current


def test_a_missing_page_answers_404_inside_the_layout(signed_in: Any) -> None:
    response = signed_in.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no such page, or you may not see it." in html
    assert '<nav aria-label="Main">' in html
