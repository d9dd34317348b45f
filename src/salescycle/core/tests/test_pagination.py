"""``paginate``'s ``count`` is the size of the whole filtered list on every page, whether it is read by a count
query or, when the first page holds the whole list, taken from the page's length (api.md "Lists")."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle.contacts.models import Salesperson
from salescycle.core.pagination import paginate

pytestmark = pytest.mark.django_db

LIMIT = 3


def _pages(queryset: Any) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        page = paginate(queryset, ordering=["name"], limit=LIMIT, cursor=cursor, serialize=lambda s: s.code)
        pages.append(page)
        cursor = page["next"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("size", [0, 1, LIMIT - 1, LIMIT, LIMIT + 1, 2 * LIMIT, 2 * LIMIT + 1])
def test_every_page_counts_the_whole_list(size: int) -> None:
    for n in range(size):
        Salesperson.objects.create(code=f"S{n:02}", name=f"Name {n:02}")
    Salesperson.objects.create(code="OTHER", name="Someone else")  # filtered out
    queryset = Salesperson.objects.filter(code__startswith="S")

    pages = _pages(queryset)

    assert [page["count"] for page in pages] == [size] * len(pages)
    assert [code for page in pages for code in page["items"]] == [f"S{n:02}" for n in range(size)]


@pytest.mark.parametrize(("size", "queries"), [(0, 1), (LIMIT, 1), (LIMIT + 1, 2)])
def test_a_first_page_holding_the_whole_list_needs_no_count_query(
    size: int, queries: int, django_assert_num_queries: Any
) -> None:
    for n in range(size):
        Salesperson.objects.create(code=f"S{n:02}", name=f"Name {n:02}")

    with django_assert_num_queries(queries):
        page = paginate(Salesperson.objects.all(), ordering=["name"], limit=LIMIT, serialize=lambda s: s.code)

    assert page["count"] == size
