"""Server time of the list, card and board pages on an existing (large) database: Django test client, median of 15
after 3 warm-ups, wall and CPU time and query count; also the whole list in each order and its count and sums (as htmx
asks for them: every request carries ``HX-Request``, which changes nothing for the full pages). Usage: ``DATABASE_URL=sqlite:////path/db.sqlite3 SECRET_KEY=x
python bench/measure_pages.py`` (the database must hold a generated dataset with the cycle GENERATED)."""

from __future__ import annotations

import os
import statistics
import time

# The web list's sorts besides No. (selectors.SORTS), descending: the last rows of each index.
LIST_SORTS = ("-salesperson", "-contact", "-status", "-calculated_current_value", "-estimated_value")


def main() -> None:
    """Print one line per page: wall and CPU medians (ms) and the number of SQL queries."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from salescycle.opportunities.models import Opportunity

    client = Client()
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    in_progress = Opportunity.objects.filter(status="in_progress", sales_cycle_id="GENERATED")
    salesperson = in_progress.values_list("salesperson_id", flat=True).first()
    card_no = in_progress.values_list("no", flat=True).first()
    pages = {
        "board": "/opportunities/board/?cycle=GENERATED",
        "list": f"/opportunities/?salesperson={salesperson}&sort=estimated_closing_date",
        "card": f"/opportunities/{card_no}/",
        # The whole list (issue #15): its rows in each order, and its count and sums (htmx loads them after the rows).
        "list, all": "/opportunities/",
        **{f"list, all by {sort}": f"/opportunities/?sort={sort}" for sort in LIST_SORTS},
        "list, all after More (rows=100)": "/opportunities/?rows=100",
        "list, My pipeline": "/opportunities/?view=mine",
        "list, Stale": "/opportunities/?view=stale",
        "totals, all": "/opportunities/?totals=1",
        "totals, salesperson": f"/opportunities/?salesperson={salesperson}&totals=1",
        "totals, Stale": "/opportunities/?view=stale&totals=1",
    }
    htmx = {"HTTP_HX_REQUEST": "true"}
    for name, url in pages.items():
        for _ in range(3):
            assert client.get(url, **htmx).status_code == 200, url
        walls, cpus = [], []
        for _ in range(15):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(url, **htmx)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, **htmx)
        print(
            f"{name}: wall median {statistics.median(walls):.1f} ms, "
            f"cpu median {statistics.median(cpus):.1f} ms, {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
