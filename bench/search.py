"""Server time of the list's search ``q`` and of the type-ahead lookups (issue #15) on an existing generated dataset:
Django test client (superuser session, full middleware), median of ``--runs`` after 3 warm-ups, wall and CPU time
(``time.process_time``: on SQLite the whole request, on PostgreSQL without the server's share) and query count.

    DATABASE_URL=sqlite:////path/copy.sqlite3 SECRET_KEY=x python bench/search.py [--runs 15] [--explain]

The database must hold a dataset made by ``salescycle generate`` (``bench/run.py --datasets-only`` caches them in
``data/bench/``), migrated to this code (``python -m django migrate``: the migration builds the search indexes).
Work on a copy: migrating changes the file. Texts are taken from the data: a rare word (one opportunity's
number), a common word (a salesperson's first name, which many persons share too), a contact's name (a person's
full name, and a company's), no match, and a two-letter text (below a trigram: the plain scan). ``--explain``
prints the plan of each list query."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
django.setup()  # before the models are imported

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from salescycle.contacts.models import Contact, ContactType, Salesperson  # noqa: E402
from salescycle.core.actors import SYSTEM  # noqa: E402
from salescycle.opportunities import filters, selectors  # noqa: E402
from salescycle.opportunities.models import Opportunity  # noqa: E402
from salescycle.opportunities.selectors.opportunities import list_totals  # noqa: E402
from salescycle.sales.models import Item  # noqa: E402

TARGET_MS = 100.0


def measure(client: Any, url: str, runs: int) -> tuple[float, float, int]:
    """Wall and CPU medians (ms) of GET ``url`` and its query count."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        client.get(url)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(walls), statistics.median(cpus), len(queries)


def texts() -> dict[str, str]:
    """The search texts, from the data."""
    middle = Opportunity.objects.count() // 2
    rare = Opportunity.objects.order_by("no").values_list("no", flat=True)[middle]
    first_name = str(Salesperson.objects.order_by("code").values_list("name", flat=True).first()).split()[0]
    person = Contact.objects.filter(type=ContactType.PERSON).order_by("no").values_list("name", flat=True).first()
    company = Contact.objects.filter(type=ContactType.COMPANY).order_by("no").values_list("name", flat=True).first()
    return {
        "rare word (an opportunity no.)": str(rare),
        "common word (a salesperson's first name)": first_name,
        "contact name (a person)": str(person),
        "contact name (a company)": str(company),
        "a word of many company names and descriptions": str(company).split()[len(str(company).split()) // 2],
        "no match": "Zyxwvut",
        "two letters, rare (below a trigram)": "zq",
        "two letters, common": "an",
        "one letter": "e",
    }


def explain(sql: str, params: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    return "\n".join("  " + " ".join(str(c) for c in row) for row in rows)


def counts(runs: int) -> int:
    """Wall-clock medians (ms) of each text's names look-up (``filters.search_keys``), of the API list's ``count``
    (``OpportunityFilters.count``) and of the list's count and sums (``list_totals``: the web list's
    totals, the API's ``totals=true``), without the request around them."""
    print("| `q` | matches | names (ms) | API count (ms) | count and sums (ms) |")
    print("|---|---:|---:|---:|---:|")
    rows = Opportunity.objects.all()
    for label, text in texts().items():
        times: list[list[float]] = [[], [], []]
        matches = 0
        for run in range(runs + 1):  # the first run warms the caches
            started = time.perf_counter()
            filters.search_keys(text)
            named = time.perf_counter()
            matches = filters.OpportunityFilters(q=text).count(rows)
            counted = time.perf_counter()
            list_totals(filters.OpportunityFilters(q=text).filter(rows))
            summed = time.perf_counter()
            if run:
                for column, ms in zip(times, (named - started, counted - named, summed - counted), strict=True):
                    column.append(ms * 1000)
        names_ms, count_ms, sums_ms = (statistics.median(column) for column in times)
        print(f"| {label}: {text!r} | {matches:,} | {names_ms:.1f} | {count_ms:.1f} | {sums_ms:.1f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--counts", action="store_true", help="only time each text's key look-up and its count")
    args = parser.parse_args(argv)
    if args.counts:
        return counts(args.runs)
    client = Client()
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    print(
        f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}: "
        f"{Opportunity.objects.count():,} opportunities, {Contact.objects.count():,} contacts, "
        f"{Salesperson.objects.count():,} salespeople, {Item.objects.count():,} items"
    )
    rows = []
    for label, text in texts().items():
        for face, url in (
            ("web list", "/opportunities/?" + urlencode({"q": text})),
            ("API list", "/api/v1/opportunities?" + urlencode({"q": text, "limit": 50})),
        ):
            wall, cpu, queries = measure(client, url, args.runs)
            rows.append((f"`q` {label}: {text!r}", face, wall, cpu, queries))
        if args.explain:
            page = selectors.ordered(
                selectors.filtered_opportunities(selectors.ListFilters(q=text), user=SYSTEM), selectors.ListFilters()
            )[:51]
            sql, params = page.query.sql_with_params()
            print(f"\n-- q={text!r}: first page ordered by no.\n{explain(sql, params)}")
    person = (
        Contact.objects.filter(type=ContactType.PERSON).order_by("no").values_list("name", flat=True).first() or "a"
    )
    salesperson = Salesperson.objects.order_by("code").values_list("name", "code").first() or ("a", "a")
    contact_no = Contact.objects.order_by("-no").values_list("no", flat=True).first() or "C"
    lookups = [
        ("contacts", "by name", str(person).split()[-1]),
        ("contacts", "by number prefix", contact_no[:-2]),
        ("contacts", "common name", str(person).split()[0]),
        ("contacts", "no match", "Zyxwvut"),
        ("companies", "by name", "Alpine"),
        ("salespeople", "by first name", str(salesperson[0]).split()[0]),
        ("salespeople", "by code", str(salesperson[1])),
        ("campaigns", "any", "a"),
        ("segments", "any", "a"),
        ("items", "by description", "bike"),
    ]
    for kind, label, text in lookups:
        wall, cpu, queries = measure(client, f"/lookups/{kind}/?" + urlencode({"q": text}), args.runs)
        rows.append((f"lookup {kind}, {label}: {text!r}", "lookup", wall, cpu, queries))
    print("\n| request | face | wall (ms) | CPU (ms) | queries | < 100 ms |")
    print("|---|---|---:|---:|---:|---|")
    for name, face, wall, cpu, queries in rows:
        print(f"| {name} | {face} | {wall:.1f} | {cpu:.1f} | {queries} | {'✓' if wall < TARGET_MS else '✗'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
