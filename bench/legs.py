"""One database leg of the benchmark (imported by run.py once Django is set up): datasets, copies, measurements."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import floor
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from run import AS_OF, DELETE_TARGET, MAVEN_DIR, code_hash, interleaved, median_ms, pg_tool

from salescycle.apitokens.tokens import create_token
from salescycle.contacts.models import Campaign, Contact, Salesperson
from salescycle.core import money
from salescycle.core.actors import SYSTEM
from salescycle.core.models import UserPreference
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import services
from salescycle.opportunities.choices import IN_PROGRESS_ACTIONS
from salescycle.opportunities.models import (
    Interaction,
    Opportunity,
    OpportunityComment,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.tasks.models import Task

CYCLE = "GENERATED"
ORIGINAL_NAME = connection.settings_dict["NAME"]


def _t(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _c(model: Any, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


# ---------------------------------------------------------------------------------------------------------------
# Databases: SQLite files and PostgreSQL databases, switched by changing the connection's NAME.


def use(name: str) -> None:
    connections.close_all()
    connection.settings_dict["NAME"] = name


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def _maintenance(sql: str) -> None:
    """Run CREATE/DROP DATABASE from the maintenance database (no session may use the template)."""
    current = connection.settings_dict["NAME"]
    use("postgres")
    with connection.cursor() as cursor:
        cursor.execute(sql)
    use(current)


def drop(name: str) -> None:
    if is_pg():
        _maintenance(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)


def copy(source: str, target: str) -> str:
    """An identical fresh copy of database ``source``: a file copy (SQLite) or ``CREATE DATABASE … TEMPLATE``."""
    drop(target)
    if is_pg():
        _maintenance(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
        return target
    use(source)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connections.close_all()
    shutil.copyfile(source, target)
    return target


def fresh(name: str) -> str:
    """An empty, migrated database ``name``."""
    drop(name)
    if is_pg():
        _maintenance(f'CREATE DATABASE "{name}"')
    use(name)
    call_command("migrate", verbosity=0)
    return name


@contextmanager
def scratch(source: str, target: str) -> Iterator[str]:
    """A copy of ``source`` for the duration of the block, dropped afterwards."""
    copy(source, target)
    try:
        use(target)
        yield target
    finally:
        drop(target)


# ---------------------------------------------------------------------------------------------------------------
# Datasets


def dataset(args: argparse.Namespace, size: int) -> tuple[str, dict[str, Any]]:
    """The pristine database with ``size`` generated opportunities (built or restored from the cache) and its
    metadata (token, generation time)."""
    key = f"{size}-s{args.seed}-{code_hash()}"
    meta_path = args.data_dir / f"{args.leg}-{key}.json"
    if is_pg():
        name = f"bench_{size}_s{args.seed}"
        dump = args.data_dir / f"postgresql-{key}.dump"
        if dump.exists() and meta_path.exists():
            drop(name)
            _maintenance(f'CREATE DATABASE "{name}"')
            started = time.monotonic()
            _pg_run("pg_restore", "--no-owner", "-j", "2", "-d", name, str(dump))
            use(name)
            call_command("migrate", verbosity=0)  # the dump may predate the newest migrations (see code_hash)
            with connection.cursor() as cursor:
                # as after `generate` (bulk.analyze): statistics and the visibility map for index-only scans
                cursor.execute("VACUUM ANALYZE")
            print(f"    restored {dump.name} in {time.monotonic() - started:.0f} s", flush=True)
            return name, json.loads(meta_path.read_text())
        meta = _build(args, name, size)
        _pg_run("pg_dump", "-Fc", "-Z", "1", "-f", str(dump), name)
        _prune(args, f"postgresql-{size}-s{args.seed}-", keep=key)
    else:
        name = str(args.data_dir / f"sqlite-{key}.sqlite3")
        if Path(name).exists() and meta_path.exists():
            use(name)
            call_command("migrate", verbosity=0)  # in place: the file may predate the newest migrations
            return name, json.loads(meta_path.read_text())
        meta = _build(args, name, size)
        _prune(args, f"sqlite-{size}-s{args.seed}-", keep=key)
    meta_path.write_text(json.dumps(meta))
    return name, meta


def _prune(args: argparse.Namespace, prefix: str, *, keep: str) -> None:
    for path in args.data_dir.glob(f"{prefix}*"):
        if keep not in path.name:
            path.unlink()


def _build(args: argparse.Namespace, name: str, size: int) -> dict[str, Any]:
    fresh(name)
    started = time.monotonic()
    call_command("generate", "--opportunities", str(size), "--seed", str(args.seed), "--as-of", AS_OF, "--no-progress")
    seconds = time.monotonic() - started
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-password")
    _row, token = create_token(user, name="bench")
    return {"token": token, "generate_s": seconds, "built_at": time.time()}


def _pg_run(tool: str, *arguments: str) -> None:
    settings = connection.settings_dict
    env = {**os.environ, "PGHOST": settings["HOST"], "PGPORT": str(settings["PORT"]), "PGUSER": settings["USER"]}
    subprocess.run([pg_tool(tool), *arguments], check=True, env=env)


# ---------------------------------------------------------------------------------------------------------------
# Measurements


def _fetch(sql: str, params: list[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ok(response: Any) -> Any:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return response


# Issue #4: the list, card and board pages under 150 ms server time (at 1,000,000 opportunities on SQLite).
PAGE_MS = 150.0
RATIO = 1.5
# Issue #13 item 9: what the application's own code may add to the floor (the same SQL through the same stack),
# in ms: a faster stack lowers the floor and the app alike, so this target, unlike the ratio, never punishes it.
OVER_FLOOR_MS = {"JSON": 2.0, "HTML": 5.0}


def card_opportunity(salesperson: str) -> str:
    """An In Progress opportunity of ``salesperson`` in the generated cycle with the most entries (then tasks):
    the card page's worst ordinary case."""
    candidates = list(
        Opportunity.objects.filter(salesperson_id=salesperson, sales_cycle_id=CYCLE, status="in_progress")
        .annotate(n=Count("entries"))
        .order_by("-n", "no")
        .values_list("no", "n")[:20]
    )
    assert candidates, "no In Progress opportunity for the card page"
    tasks = {no: Task.objects.filter(opportunity_no=no).count() for no, _n in candidates}
    return max(candidates, key=lambda row: (row[1], tasks[row[0]], row[0]))[0]


def _money_sum(column: str, where: str = "") -> str:
    """The hand-written SQL of an exact money sum, as the app must compute it (spec D19, ``core.money.ExactSum``):
    ``SUM`` of ``numeric`` on PostgreSQL; on SQLite, whose decimals are floating point, the sum of the integer parts
    and the sum of the rounded fractions (two columns). A plain ``SUM`` there would be a cheaper wrong answer."""
    if is_pg():
        return f"SUM({column}) {where}"
    return f"SUM(CAST({column} AS INTEGER)) {where}, CAST(SUM({money._FRACTION.format(x=column)}) {where} AS INTEGER)"


def reads(
    args: argparse.Namespace, api: Client, web: Client | None, salesperson: str, card_no: str
) -> list[dict[str, Any]]:
    """(a) statistics, (b) list, card and board: app vs hand-written SQL, interleaved, medians."""
    E, O = OpportunityEntry, Opportunity  # noqa: E741
    stage_sql = [
        f"SELECT {_c(E, 'sales_cycle_stage')}, COUNT(*), {_money_sum(_c(E, 'estimated_value'))}, "
        f"{_money_sum(_c(E, 'calculated_current_value'))} FROM {_t(E)} WHERE {_c(E, 'active')} "
        f"AND {_c(E, 'sales_cycle')} = %s AND {_c(E, 'action_taken')} NOT IN ('won', 'lost') "
        f"GROUP BY {_c(E, 'sales_cycle_stage')}",
        f"SELECT {_c(E, 'sales_cycle_stage')}, COUNT(*), SUM({_c(E, 'days_open')}) FROM {_t(E)} "
        f"WHERE NOT {_c(E, 'active')} AND {_c(E, 'sales_cycle')} = %s GROUP BY {_c(E, 'sales_cycle_stage')}",
        f"SELECT {_c(SalesCycleStage, 'stage')}, {_c(SalesCycleStage, 'description')} FROM {_t(SalesCycleStage)} "
        f"WHERE {_c(SalesCycleStage, 'sales_cycle')} = %s ORDER BY 1",
    ]

    def cycle_sql() -> None:
        for sql in stage_sql:
            _fetch(sql, [CYCLE])

    salesperson_sql = (
        f"SELECT COUNT(*), {_money_sum(_c(E, 'estimated_value'))}, {_money_sum(_c(E, 'calculated_current_value'))} "
        f"FROM {_t(E)} WHERE {_c(E, 'active')} AND {_c(E, 'salesperson')} = %s"
    )
    S, C, I = Salesperson, Contact, Interaction  # noqa: E741
    select = (
        f"SELECT o.*, c.{_c(C, 'name')} AS contact_name, cc.{_c(C, 'name')} AS contact_company_name, "
        f"s.{_c(S, 'name')} AS salesperson_name, "
        f"(SELECT COUNT(*) FROM {_t(I)} i WHERE i.{_c(I, 'opportunity')} = o.{_c(O, 'no')} "
        f"AND NOT i.{_c(I, 'canceled')} AND NOT i.{_c(I, 'postponed')}) AS no_of_interactions "
        f"FROM {_t(O)} o LEFT JOIN {_t(C)} c ON c.{_c(C, 'no')} = o.{_c(O, 'contact')} "
        f"LEFT JOIN {_t(C)} cc ON cc.{_c(C, 'no')} = o.{_c(O, 'contact_company')} "
        f"LEFT JOIN {_t(S)} s ON s.{_c(S, 'code')} = o.{_c(O, 'salesperson')} "
        f"WHERE o.{_c(O, 'salesperson')} = %s "
    )
    list_sql = select + f"ORDER BY o.{_c(O, 'estimated_closing_date')} ASC NULLS FIRST, o.{_c(O, 'no')} LIMIT 51"
    count_sql = f"SELECT COUNT(*) FROM {_t(O)} WHERE {_c(O, 'salesperson')} = %s"
    web_sql = select + f"ORDER BY o.{_c(O, 'estimated_closing_date')}, o.{_c(O, 'no')} LIMIT 51"
    caption_sql = f"SELECT * FROM {_t(S)} WHERE {_c(S, 'code')} = %s"

    def list_ref() -> None:
        _fetch(count_sql, [salesperson])
        rows = _fetch(list_sql, [salesperson])
        assert len(rows) == 51 or len(rows) < 51

    def web_ref() -> None:
        _fetch(caption_sql, [salesperson])
        _fetch(web_sql, [salesperson])

    # The card (selectors.card): the opportunity with its related rows, its entries newest first with their close
    # codes, comments, the first 200 tasks, the interaction count.
    K, T, CC = OpportunityComment, Task, Campaign
    R = OpportunityEntry._meta.get_field("close_opportunity_code").related_model
    card_sql = [
        f"SELECT o.*, c.*, cc.*, s.*, k.*, sc.* FROM {_t(O)} o "
        f"LEFT JOIN {_t(C)} c ON c.{_c(C, 'no')} = o.{_c(O, 'contact')} "
        f"LEFT JOIN {_t(C)} cc ON cc.{_c(C, 'no')} = o.{_c(O, 'contact_company')} "
        f"LEFT JOIN {_t(S)} s ON s.{_c(S, 'code')} = o.{_c(O, 'salesperson')} "
        f"LEFT JOIN {_t(CC)} k ON k.{_c(CC, 'no')} = o.{_c(O, 'campaign')} "
        f"LEFT JOIN {_t(SalesCycle)} sc ON sc.{_c(SalesCycle, 'code')} = o.{_c(O, 'sales_cycle')} "
        f"WHERE o.{_c(O, 'no')} = %s",
        f"SELECT e.*, r.* FROM {_t(E)} e "
        f"LEFT JOIN {_t(R)} r ON r.{_c(R, 'code')} = e.{_c(E, 'close_opportunity_code')} "
        f"WHERE e.{_c(E, 'opportunity')} = %s ORDER BY e.{_c(E, 'entry_no')} DESC",
        f"SELECT * FROM {_t(K)} WHERE {_c(K, 'opportunity')} = %s ORDER BY {_c(K, 'line_no')}",
        f"SELECT * FROM {_t(T)} WHERE {_c(T, 'opportunity_no')} = %s ORDER BY {_c(T, 'date')}, {_c(T, 'no')} LIMIT 200",
        f"SELECT COUNT(*) FROM {_t(I)} WHERE {_c(I, 'opportunity')} = %s AND NOT {_c(I, 'canceled')} "
        f"AND NOT {_c(I, 'postponed')}",
    ]

    def card_ref() -> None:
        for sql in card_sql:
            _fetch(sql, [card_no])

    # The board (selectors.board): the cycles, the stages, the open figures per stage, and per stage the first 21
    # active entries by (estimated close date, entry no.) with their opportunity and contact.
    stages = list(SalesCycleStage.objects.filter(sales_cycle_id=CYCLE).values_list("stage", flat=True))
    cards_sql = (
        f"SELECT e.*, o.*, c.* FROM {_t(E)} e JOIN {_t(O)} o ON o.{_c(O, 'no')} = e.{_c(E, 'opportunity')} "
        f"LEFT JOIN {_t(C)} c ON c.{_c(C, 'no')} = e.{_c(E, 'contact')} "
        f"WHERE e.{_c(E, 'active')} AND e.{_c(E, 'sales_cycle')} = %s AND e.{_c(E, 'sales_cycle_stage')} = %s "
        f"ORDER BY e.{_c(E, 'estimated_close_date')}, e.{_c(E, 'entry_no')} LIMIT 21"
    )

    def board_ref() -> None:
        _fetch(f"SELECT * FROM {_t(SalesCycle)} ORDER BY {_c(SalesCycle, 'code')}", [])
        _fetch(stage_sql[2], [CYCLE])
        _fetch(stage_sql[0], [CYCLE])
        for stage in stages:
            _fetch(cards_sql, [CYCLE, stage])

    floor.SQL.update(
        stage_open=stage_sql[0],
        stage_days=stage_sql[1],
        stages=stage_sql[2],
        salesperson=salesperson_sql,
        count=count_sql,
        list=list_sql,
        caption=caption_sql,
        web_list=web_sql,
    )
    floors: dict[str, Callable[[], Any]] = {
        "cycle + stage statistics (API)": lambda: _ok(api.get(f"/bench-floor/api/cycle-statistics/{CYCLE}")),
        "salesperson statistics (API)": lambda: _ok(api.get(f"/bench-floor/api/salesperson-statistics/{salesperson}")),
        "opportunity list, first page (API)": lambda: _ok(
            api.get(f"/bench-floor/api/opportunities?salesperson_code={salesperson}")
        ),
    }
    if web is not None:
        floors["opportunity list, first page (HTML)"] = functools.partial(
            _get, web, f"/bench-floor/opportunities/?salesperson={salesperson}&sort=estimated_closing_date"
        )
    api_list = f"/api/v1/opportunities?salesperson_code={salesperson}&ordering=estimated_closing_date&limit=50"
    # (name, app request, hand-written reference, target ratio or None, target ms or None)
    cases: list[Case] = [
        (
            "cycle + stage statistics (API)",
            lambda: _ok(api.get(f"/api/v1/sales-cycles/{CYCLE}/statistics")),
            cycle_sql,
            RATIO,
            None,
        ),
        (
            "salesperson statistics (API)",
            lambda: _ok(api.get(f"/api/v1/salespeople/{salesperson}/statistics")),
            lambda: _fetch(salesperson_sql, [salesperson]),
            RATIO,
            None,
        ),
        ("opportunity list, first page (API)", lambda: _ok(api.get(api_list)), list_ref, RATIO, None),
    ]
    pages: list[tuple[str, str, Callable[[], Any], float | None, float | None]] = [
        (
            "opportunity list, first page (HTML)",
            f"/opportunities/?salesperson={salesperson}&sort=estimated_closing_date",
            web_ref,
            RATIO,
            PAGE_MS,
        ),
        ("opportunity card (HTML)", f"/opportunities/{card_no}/", card_ref, None, PAGE_MS),
        ("pipeline board (HTML)", f"/opportunities/board/?cycle={CYCLE}", board_ref, None, PAGE_MS),
        # No ratio target: the issue sets it for the statistics *endpoints* (API); the page is measured alongside.
        ("stage statistics page (HTML)", f"/opportunities/statistics/cycles/{CYCLE}/", cycle_sql, None, None),
    ]
    for name, url, ref, ratio, ms in pages:
        if web is not None and _status(web, url) == 200:  # a page being built by someone else may not work yet
            cases.append((name, functools.partial(_get, web, url), ref, ratio, ms))
    return measure(args, cases, floors)


Case = tuple[str, Callable[[], Any], Callable[[], Any], float | None, float | None]


def measure(
    args: argparse.Namespace, cases: list[Case], floors: dict[str, Callable[[], Any]], *, over_floor: bool = True
) -> list[dict[str, Any]]:
    """Each case (name, app request, hand-written reference, target ratio or None, target ms or None) timed
    interleaved with its reference (and its floor, where ``floors`` has one): medians, ratios, queries, CPU, verdict.
    ``over_floor``: also judge app − floor against :data:`OVER_FLOOR_MS` (issue #13's target, not issue #14's)."""
    out = []
    for name, app, sql, ratio, ms in cases:
        with CaptureQueriesContext(connection) as captured:
            app()
        queries = len(captured)  # now: later requests reset the connection's query log
        cpu: list[list[float]] = []
        floor_fn = floors.get(name)
        timed = [app, sql] if floor_fn is None else [app, sql, floor_fn]
        samples = interleaved(timed, runs=args.runs, warmup=args.warmup, cpu=cpu)
        app_ms, sql_ms = median_ms(samples[0]), median_ms(samples[1])
        floor_ms = median_ms(samples[2]) if floor_fn is not None else None
        # The ratio target is judged against the floor (the same SQL through the same stack) where there is one.
        judged = app_ms / floor_ms if floor_ms else app_ms / sql_ms
        over_target = OVER_FLOOR_MS["HTML" if "(HTML)" in name else "JSON"] if floor_ms and over_floor else None
        out.append(
            {
                "name": name,
                "app_ms": app_ms,
                "sql_ms": sql_ms,
                "ratio": app_ms / sql_ms,
                "floor_ms": floor_ms,
                "floor_ratio": app_ms / floor_ms if floor_ms else None,
                "over_floor_ms": app_ms - floor_ms if floor_ms else None,
                "target_over_floor_ms": over_target,
                "queries": queries,
                # this process's CPU: the whole request on SQLite; without the server's share on PostgreSQL
                "app_cpu_ms": median_ms(cpu[0]),
                "floor_cpu_ms": median_ms(cpu[2]) if floor_fn is not None else None,
                "target_ratio": ratio,
                "target_ms": ms,
                "target": verdict(
                    app_ms, judged, ratio, ms, over=app_ms - floor_ms if floor_ms else None, target_over=over_target
                ),
            }
        )
        floor_text = (
            f", floor {floor_ms:.2f} ms ({app_ms / floor_ms:.2f}×, +{app_ms - floor_ms:.2f} ms)" if floor_ms else ""
        )
        print(
            f"    {name}: app {app_ms:.2f} ms ({queries} queries, CPU {median_ms(cpu[0]):.2f} ms), "
            f"SQL {sql_ms:.2f} ms ({app_ms / sql_ms:.2f}×){floor_text}",
            flush=True,
        )
    return out


def verdict(
    app_ms: float,
    ratio: float,
    target_ratio: float | None,
    target_ms: float | None,
    *,
    over: float | None = None,
    target_over: float | None = None,
) -> str:
    """The targets of a measurement with ✓/✗: ``≤ +2 ms ✓, ≤ 1.5× ✗, < 150 ms ✓`` (``over``: app − floor, ms)."""
    parts = []
    if target_over is not None and over is not None:
        parts.append(f"≤ +{target_over:g} ms {'✓' if over <= target_over else '✗'}")
    if target_ratio is not None:
        parts.append(f"≤ {target_ratio:g}× {'✓' if ratio <= target_ratio else '✗'}")
    if target_ms is not None:
        parts.append(f"< {target_ms:g} ms {'✓' if app_ms < target_ms else '✗'}")
    return ", ".join(parts)


def _get(client: Client, url: str) -> Any:
    return _ok(client.get(url))


def _status(client: Client, url: str) -> int:
    try:
        return int(client.get(url).status_code)
    except Exception:  # a page being built by someone else may not work yet: leave it out
        return 0


# (name, kind, path suffix, body): the write requests of (c). The API's Next and Lost-close answer 200 with the
# opportunity; the web wizards' POSTs (what the Update and Close forms send) answer 302 to the card.
WRITES: list[tuple[str, str, str, dict[str, str]]] = [
    ("Next (API)", "api", "update", {"action_type": "next"}),
    ("Close, lost (API)", "api", "close", {"outcome": "lost", "close_opportunity_code": "PRICE_L"}),
    ("Next (web wizard)", "web", "update", {"action_type": "next"}),
    (
        "Close, lost (web wizard)",
        "web",
        "close",
        {"outcome": "lost", "close_opportunity_code": "PRICE_L", "cancel_old_tasks": "on"},
    ),
]
WRITE_WARMUP = 2  # requests of each kind before the one whose queries are counted and the timed ones


def writes(args: argparse.Namespace, api: Client, web: Client | None) -> list[dict[str, Any]]:
    """(c) Next and Lost-close through the API and the web wizards, each on its own distinct open opportunities,
    sequential, one client (the Django test client, in process: no HTTP, the whole middleware stack). Per kind:
    requests/s (median of 5 rounds of ``--writes`` requests, wall clock, as before), the median CPU time of this
    process per request (``time.process_time``: the whole request on SQLite, without the server's share on
    PostgreSQL) and wall time, and the queries of one request (after ``WRITE_WARMUP`` requests)."""
    cases = [case for case in WRITES if case[1] == "api" or web is not None]
    wanted = args.writes + WRITE_WARMUP + 1
    movable = list(
        Opportunity.objects.filter(
            sales_cycle_id=CYCLE, status="in_progress", current_sales_cycle_stage__lt=6
        ).values_list("no", flat=True)[: wanted * len(cases)]
    )
    per_case = min(wanted, len(movable) // len(cases))  # a small (smoke test) dataset has fewer
    assert per_case >= WRITE_WARMUP + 2, "not enough open opportunities for the write benchmark"
    out = []
    for index, (name, kind, action, body) in enumerate(cases):
        nos = movable[index * per_case : (index + 1) * per_case]
        request = functools.partial(_write, api if kind == "api" else web, kind, action, body)
        for no in nos[:WRITE_WARMUP]:
            request(no)
        with CaptureQueriesContext(connection) as captured:
            request(nos[WRITE_WARMUP])
        queries = len(captured)  # now: later requests reset the connection's query log
        timed = nos[WRITE_WARMUP + 1 :]
        per_round = max(1, len(timed) // 5)
        rates, cpu, wall = [], [], []
        for start in range(0, len(timed), per_round):
            chunk = timed[start : start + per_round]
            round_started = time.perf_counter()
            for no in chunk:
                cpu_started, started = time.process_time(), time.perf_counter()
                request(no)
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            rates.append(len(chunk) / (time.perf_counter() - round_started))
        result = {
            "name": name,
            "rps": sorted(rates)[len(rates) // 2],
            "cpu_ms": median_ms(cpu),
            "wall_ms": median_ms(wall),
            "queries": queries,
            "requests": len(timed),
        }
        out.append(result)
        print(
            f"    {name}: {result['rps']:.0f} req/s, CPU {result['cpu_ms']:.2f} ms, wall {result['wall_ms']:.2f} ms, "
            f"{result['queries']} queries",
            flush=True,
        )
    return out


def _write(client: Client | None, kind: str, action: str, body: dict[str, str], no: str) -> Any:
    assert client is not None
    if kind == "api":
        return _ok(client.post(f"/api/v1/opportunities/{no}/{action}", body, content_type="application/json"))
    response = client.post(f"/opportunities/{no}/{action}/", body)
    assert response.status_code == 302, (response.status_code, response.content[:500])
    return response


def delete_cutoff() -> tuple[str, int]:
    """The date closed up to which about min(100,000, 60 % of the closed) opportunities are deleted."""
    closed = Opportunity.objects.filter(closed=True).count()
    wanted = max(1, min(DELETE_TARGET, int(closed * 0.6)))
    cutoff = (
        Opportunity.objects.filter(closed=True)
        .order_by("date_closed")
        .values_list("date_closed", flat=True)[wanted - 1]
    )
    assert cutoff is not None
    return cutoff.isoformat(), wanted


def delete_sql(cutoff: str) -> None:
    """What the batch job does, by hand: unlink tasks and interactions, delete comments, entries, opportunities."""
    O, T, I, K, E = Opportunity, Task, Interaction, OpportunityComment, OpportunityEntry  # noqa: E741
    selected = f"SELECT {_c(O, 'no')} FROM {_t(O)} WHERE {_c(O, 'closed')} AND {_c(O, 'date_closed')} <= %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_t(T)} SET {_c(T, 'opportunity_no')} = '', {_c(T, 'opportunity_entry_no')} = 0 "
            f"WHERE {_c(T, 'opportunity_no')} IN ({selected})",
            [cutoff],
        )
        cursor.execute(
            f"UPDATE {_t(I)} SET {_c(I, 'opportunity')} = NULL WHERE {_c(I, 'opportunity')} IN ({selected})",
            [cutoff],
        )
        cursor.execute(f"DELETE FROM {_t(K)} WHERE {_c(K, 'opportunity')} IN ({selected})", [cutoff])
        cursor.execute(f"DELETE FROM {_t(E)} WHERE {_c(E, 'opportunity')} IN ({selected})", [cutoff])
        cursor.execute(
            f"DELETE FROM {_t(O)} WHERE {_c(O, 'closed')} AND {_c(O, 'date_closed')} <= %s",
            [cutoff],
        )


def deletes(pristine: str, cutoff: str, runs: int) -> dict[str, Any]:
    """(d) the service vs hand-written statements, each on its own fresh copy, ``runs`` times; medians."""
    service_samples, sql_samples = [], []
    counts: dict[str, int] = {}
    for _run in range(runs):
        with scratch(pristine, _copy_name(pristine, "del_a")):
            started = time.perf_counter()
            result = services.delete_closed_opportunities(date_closed_to=cutoff, by=SYSTEM)
            service_samples.append(time.perf_counter() - started)
            counts = {"opportunities": result.deleted_opportunities, "entries": result.deleted_entries}
        with scratch(pristine, _copy_name(pristine, "del_b")):
            before = Opportunity.objects.count()
            started = time.perf_counter()
            delete_sql(cutoff)
            sql_samples.append(time.perf_counter() - started)
            assert before - Opportunity.objects.count() == counts["opportunities"]
    out = {**counts, "service_ms": median_ms(service_samples), "sql_ms": median_ms(sql_samples), "runs": runs}
    print(
        f"    delete {counts['opportunities']} opportunities: service {out['service_ms']:.0f} ms, "
        f"SQL {out['sql_ms']:.0f} ms",
        flush=True,
    )
    return out


def _copy_name(pristine: str, suffix: str) -> str:
    if is_pg():
        return f"{pristine}_{suffix}"
    return str(Path(pristine).with_name(f"work-{Path(pristine).stem}-{suffix}.sqlite3"))


def maven(args: argparse.Namespace, runs: int = 3) -> float:
    """(e) import-maven into a fresh, migrated database; median seconds."""
    template = fresh(_scratch_name(args, "maven_template"))
    samples = []
    for _run in range(runs):
        with scratch(template, _scratch_name(args, "maven")):
            started = time.perf_counter()
            call_command("import_maven", str(MAVEN_DIR), "--no-progress", stdout=StringIO())
            samples.append(time.perf_counter() - started)
    drop(template)
    seconds = sorted(samples)[len(samples) // 2]
    print(f"    import-maven: {seconds:.1f} s (runs {[round(s, 1) for s in samples]})", flush=True)
    return seconds


def _scratch_name(args: argparse.Namespace, name: str) -> str:
    return name if is_pg() else str(args.data_dir / f"work-{name}.sqlite3")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "floor"  # the app's URLs plus the floor endpoints (bench/floor.py)
    clear_url_caches()
    versions: dict[str, Any] = {"database": args.leg}
    import sqlite3

    versions["sqlite_version"] = sqlite3.sqlite_version
    if is_pg():
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            versions["server_version"] = cursor.fetchone()[0]
    result: dict[str, Any] = {**versions, "sizes": {}}
    for size in args.sizes:
        print(f"==> {args.leg} {size:,} opportunities", flush=True)
        started = time.monotonic()
        pristine, meta = dataset(args, size)
        built = time.monotonic() - started
        generated = meta["generate_s"] if built > meta["generate_s"] * 0.5 else None
        print(f"    dataset ready in {built:.0f} s", flush=True)
        if args.datasets_only:
            result["sizes"][str(size)] = {"generate_s": generated}
            continue
        sections = args.only
        entry: dict[str, Any] = {"generate_s": generated, "reads": []}
        with scratch(pristine, _copy_name(pristine, "work")):
            salesperson = (
                Opportunity.objects.filter(salesperson__code__startswith=f"G{args.seed}-")
                .order_by("salesperson_id")
                .values_list("salesperson_id", flat=True)
                .first()
            )
            assert salesperson is not None
            api = Client(headers={"authorization": f"Bearer {meta['token']}"})
            web = Client()
            web.force_login(get_user_model().objects.get(username="bench"))
            web_ok = _status(web, f"/opportunities/?salesperson={salesperson}") == 200
            if "reads" in sections:
                card_no = card_opportunity(salesperson)
                print(f"    salesperson {salesperson}, card {card_no}", flush=True)
                entry["reads"] += reads(args, api, web if web_ok else None, salesperson, card_no)
                entry["list_ms"] = next(
                    m["app_ms"] for m in entry["reads"] if m["name"].startswith("opportunity list, first page (API)")
                )
            if "analysis" in sections:
                print(f"    analysis: salesperson {salesperson}", flush=True)
                entry["reads"] += analysis_reads(args, api, salesperson)
            if "writes" in sections:
                entry["writes"] = writes(args, api, web if web_ok else None)
                entry["update_rps"], entry["close_rps"] = entry["writes"][0]["rps"], entry["writes"][1]["rps"]
        if "delete" in sections:
            use(pristine)
            cutoff, _wanted = delete_cutoff()
            entry["delete"] = deletes(pristine, cutoff, runs=1 if size >= 1_000_000 or args.runs <= 3 else 3)
        result["sizes"][str(size)] = entry
    result["maven_s"] = None if args.no_maven or args.datasets_only or "maven" not in args.only else maven(args)
    use(ORIGINAL_NAME)
    return result


# ---------------------------------------------------------------------------------------------------------------
# (f) Analysis (issue #14 "Speed"): the matrix, the pipeline as of a date, the dashboard of a Salesperson.

# Issue #14 at 1,000,000 opportunities: matrix ≤ 1.5× and < 500 ms, pipeline as of a date < 1 s, dashboard < 300 ms.
MATRIX_MS, PIPELINE_MS, DASHBOARD_MS = 500.0, 1000.0, 300.0
# The matrix's 12 months: the as-of date's year (the bulk of the generated open pipeline closes in it).
MATRIX_START = AS_OF[:4] + "-01-01"
# The pipeline's date, mid-history: the generated history runs three years up to AS_OF.
PIPELINE_AS_OF = f"{int(AS_OF[:4]) - 2}-12-31"
SALESPERSON_USER = "bench-salesperson"


def _months(start: str, count: int) -> list[tuple[str, str]]:
    """``count`` months from ``start`` (a first of month) as (first day, first day of the next month), ISO."""
    year, month = int(start[:4]), int(start[5:7])
    out = []
    for _i in range(count):
        following = (year + month // 12, month % 12 + 1)
        out.append((f"{year:04d}-{month:02d}-01", f"{following[0]:04d}-{following[1]:02d}-01"))
        year, month = following
    return out


def _exact(parts: tuple[Any, ...]) -> list[Any]:
    """The money sums of a reference row as exact ``Decimal``s (two columns each on SQLite: see floor._sums)."""
    return list(floor._sums(tuple(parts)))


def salesperson_user(code: str) -> Any:
    """A user with the Salesperson role linked to generated salesperson ``code``, WorkDate = the dataset's as-of
    date (so "this month", "stale" and "tasks due" are those of the generated data), signed in on a web client."""
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(SALESPERSON_USER, password="bench-password")
    user.groups.add(Group.objects.get(name="Salesperson"))
    Salesperson.objects.filter(code=code).update(user=user)
    set_work_date(user, dt.date.fromisoformat(AS_OF))
    client = Client()
    client.force_login(user)
    return client


def analysis_reads(args: argparse.Namespace, api: Client, salesperson: str) -> list[dict[str, Any]]:
    """(f) The Opportunities matrix and the pipeline as of a date through the API (the superuser: everything), and
    the dashboard page of a Salesperson, each against the same answer by hand-written SQL on the same connection
    (and the matrix and pipeline against their floor: that SQL through the same stack, bench/floor.py)."""
    E, O, T, S = OpportunityEntry, Opportunity, Task, Salesperson  # noqa: E741
    months = _months(MATRIX_START, 12)
    ecd = _c(E, "estimated_close_date")
    month = f"strftime('%%Y-%%m', {ecd})" if not is_pg() else f"to_char({ecd}, 'YYYY-MM')"
    in_progress = "', '".join(a.value for a in IN_PROGRESS_ACTIONS)  # BC's In Progress actions (matrix status)
    matrix_sql = (
        f"SELECT {_c(E, 'salesperson')}, {month}, COUNT(*), {_money_sum(_c(E, 'estimated_value'))} FROM {_t(E)} "
        f"WHERE {_c(E, 'active')} AND {_c(E, 'action_taken')} IN ('{in_progress}') "
        f"AND {ecd} >= %s AND {ecd} < %s AND {_c(E, 'salesperson')} IS NOT NULL GROUP BY 1, 2"
    )
    names_sql = f"SELECT {_c(S, 'code')}, {_c(S, 'name')} FROM {_t(S)} WHERE {_c(S, 'code')} IN "
    matrix_params = [months[0][0], months[-1][1]]

    def matrix_ref() -> dict[str, Any]:
        grid: dict[str, dict[str, Any]] = {}
        for key, period, n, *sums in _fetch(matrix_sql, matrix_params):
            grid.setdefault(key, {})[period] = (n, _exact(tuple(sums))[0])
        keys = sorted(grid)
        names = dict(_fetch(names_sql + "(" + ", ".join(["%s"] * len(keys)) + ")", keys)) if keys else {}
        labels = [start[:7] for start, _end in months]
        rows, column_totals = [], [money.ZERO] * len(labels)
        for key in keys:
            cells = [grid[key].get(label, (0, money.ZERO))[1] for label in labels]
            column_totals = [a + b for a, b in zip(column_totals, cells, strict=True)]
            rows.append({"key": key, "name": names.get(key, ""), "cells": [_cent(c) for c in cells]})
        return {"rows": rows, "total": [_cent(c) for c in column_totals], "all": _cent(sum(column_totals))}

    stage_col, doc = _c(E, "sales_cycle_stage"), _c(E, "date_of_change")
    # By hand as the app does it (analysis._open_as_of): the open active entries changed on or before the day and
    # the inactive ones changed within the longest Days Open before it and replaced after it, each confirmed as its
    # opportunity's latest entry of the day; the two parts' rows per stage added up. (Over all history, the shape the
    # app had before, it took 0.3 s at 100k.)
    open_ = f"e.{_c(E, 'action_taken')} NOT IN ('won', 'lost')"
    in_cycle = f"e.{_c(E, 'sales_cycle')} = %s"
    replaced = (
        f"julianday(e.{doc}) + e.{_c(E, 'days_open')} > julianday(%s)"
        if not is_pg()
        else f"e.{doc} + e.{_c(E, 'days_open')} > CAST(%s AS date)"
    )
    figures = (
        f"SELECT e.{stage_col}, COUNT(*), {_money_sum('e.' + _c(E, 'estimated_value'))}, "
        f"{_money_sum('e.' + _c(E, 'calculated_current_value'))} FROM {_t(E)} e WHERE "
    )
    latest = (
        f"AND e.{_c(E, 'entry_no')} = (SELECT MAX(x.{_c(E, 'entry_no')}) FROM {_t(E)} x "
        f"WHERE x.{_c(E, 'opportunity')} = e.{_c(E, 'opportunity')} AND x.{doc} <= %s) GROUP BY 1"
    )
    pipeline_sql = (
        f"{figures} e.{_c(E, 'active')} AND {in_cycle} AND e.{doc} <= %s AND {open_} {latest} UNION ALL "
        f"{figures} NOT e.{_c(E, 'active')} AND {in_cycle} AND e.{doc} > %s AND e.{doc} <= %s AND {replaced} "
        f"AND {open_} {latest}"
    )
    longest_sql = (
        f"SELECT {_c(E, 'days_open')} FROM {_t(E)} WHERE NOT {_c(E, 'active')} "
        f"ORDER BY {_c(E, 'days_open')} DESC LIMIT 1"
    )

    cycle_sql = f"SELECT 1 FROM {_t(SalesCycle)} WHERE {_c(SalesCycle, 'code')} = %s"
    stages_sql = (
        f"SELECT {_c(SalesCycleStage, 'stage')}, {_c(SalesCycleStage, 'description')} FROM {_t(SalesCycleStage)} "
        f"WHERE {_c(SalesCycleStage, 'sales_cycle')} = %s ORDER BY 1"
    )

    def pipeline_params(as_of: str) -> list[Any]:
        longest = _fetch(longest_sql, [])
        start = dt.date.fromisoformat(as_of) - dt.timedelta(days=longest[0][0] if longest else 0)
        return [CYCLE, as_of, as_of, CYCLE, start.isoformat(), as_of, as_of, as_of]

    def pipeline_ref() -> dict[str, Any]:
        _fetch(cycle_sql, [CYCLE])
        figures: dict[int, tuple[int, Decimal, Decimal]] = {}
        for stage, n, *sums in _fetch(pipeline_sql, pipeline_params(PIPELINE_AS_OF)):
            before, more = figures.get(stage, (0, money.ZERO, money.ZERO)), _exact(tuple(sums))
            figures[stage] = (before[0] + n, before[1] + more[0], before[2] + more[1])
        stages = _fetch(stages_sql, [CYCLE])
        total = (
            sum(f[0] for f in figures.values()),
            _cent(sum((f[1] for f in figures.values()), money.ZERO)),
            _cent(sum((f[2] for f in figures.values()), money.ZERO)),
        )
        return {
            "stages": [(stage, description, figures.get(stage, (0, 0, 0))) for stage, description in stages],
            "total": total,
        }

    # The dashboard of a Salesperson (selectors.dashboard for scope "salesperson"): the WorkDate, the open pipeline
    # per cycle and stage, the open figures with this and next month's and the stale count, the tasks due (of no or a
    # visible opportunity), the five oldest stale opportunities.
    M = Salesperson.teams.through
    members = (
        f"SELECT m.{_c(M, 'salesperson')} FROM {_t(M)} m WHERE m.{_c(M, 'team')} IN "
        f"(SELECT n.{_c(M, 'team')} FROM {_t(M)} n WHERE n.{_c(M, 'salesperson')} = %s)"
    )
    ocd, sp, st = _c(O, "estimated_closing_date"), _c(O, "salesperson"), _c(O, "status")
    open_where = f"WHERE {sp} = %s AND {st} = 'in_progress'"

    def filtered(condition: str) -> str:
        """Count and exact sums of the open opportunities matching ``condition`` (literal dates)."""
        where = f"FILTER (WHERE {condition})"
        ev, cv = _c(O, "estimated_value"), _c(O, "calculated_current_value")
        return f"COUNT(*) {where}, {_money_sum(ev, where)}, {_money_sum(cv, where)}"

    U = UserPreference
    this_month, next_month = _months(AS_OF[:8] + "01", 2)

    def month_of(bounds: tuple[str, str]) -> str:
        return f"{ocd} >= '{bounds[0]}' AND {ocd} < '{bounds[1]}'"

    as_of = dt.date.fromisoformat(AS_OF)
    work_date_sql = f"SELECT {_c(U, 'work_date')} FROM {_t(U)} WHERE {_c(U, 'user')} = %s"
    dash_stages_sql = (
        f"SELECT {_c(O, 'sales_cycle')}, {_c(O, 'current_sales_cycle_stage')}, "
        f"MAX({_c(O, 'current_stage_description')}), COUNT(*), {_money_sum(_c(O, 'estimated_value'))}, "
        f"{_money_sum(_c(O, 'calculated_current_value'))} FROM {_t(O)} {open_where} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    dash_people_sql = (
        f"SELECT COUNT(*), {_money_sum(_c(O, 'estimated_value'))}, {_money_sum(_c(O, 'calculated_current_value'))}, "
        f"{filtered(month_of(this_month))}, {filtered(month_of(next_month))}, "
        f"COUNT(*) FILTER (WHERE {ocd} < '{AS_OF}') FROM {_t(O)} {open_where}"
    )
    dash_tasks_sql = (
        f"SELECT COUNT(*) FROM {_t(T)} WHERE {_c(T, 'salesperson')} = %s AND NOT {_c(T, 'closed')} "
        f"AND {_c(T, 'date')} <= %s AND ({_c(T, 'opportunity_no')} = '' OR EXISTS (SELECT 1 FROM {_t(O)} v "
        f"WHERE v.{_c(O, 'no')} = {_t(T)}.{_c(T, 'opportunity_no')} AND (v.{sp} = %s OR v.{sp} IN ({members}))))"
    )
    dash_stale_sql = (
        f"SELECT {_c(O, 'no')}, {_c(O, 'description')}, {sp}, {ocd}, {_c(O, 'estimated_value')} FROM {_t(O)} "
        f"{open_where} AND {ocd} < %s ORDER BY {ocd}, {_c(O, 'no')} LIMIT 5"
    )

    def dashboard_ref() -> None:
        user_id = get_user_model().objects.filter(username=SALESPERSON_USER).values_list("pk", flat=True).get()
        _fetch(work_date_sql, [user_id])
        _fetch(dash_stages_sql, [salesperson])
        _fetch(dash_people_sql, [salesperson])
        _fetch(dash_tasks_sql, [salesperson, as_of, salesperson, salesperson])
        _fetch(dash_stale_sql, [salesperson, as_of])

    floor.SQL.update(
        matrix=matrix_sql,
        matrix_names=names_sql,
        pipeline=pipeline_sql,
        pipeline_longest=longest_sql,
        pipeline_stages=stages_sql,
        cycle=cycle_sql,
    )
    web_sp = salesperson_user(salesperson)
    matrix_url = (
        f"/api/v1/analysis/matrix?rows=salesperson&show=estimated_value&period=month&columns=12&start={MATRIX_START}"
    )
    pipeline_url = f"/api/v1/analysis/pipeline?sales_cycle_code={CYCLE}&as_of={PIPELINE_AS_OF}"
    _check_matrix(_ok(api.get(matrix_url)).json(), matrix_ref())
    _check_pipeline(_ok(api.get(pipeline_url)).json(), pipeline_ref())
    cases: list[Case] = [
        ("matrix, 12 months by salesperson (API)", lambda: _ok(api.get(matrix_url)), matrix_ref, RATIO, MATRIX_MS),
        ("pipeline as of a date (API)", lambda: _ok(api.get(pipeline_url)), pipeline_ref, None, PIPELINE_MS),
        ("dashboard of a Salesperson (HTML)", functools.partial(_get, web_sp, "/"), dashboard_ref, None, DASHBOARD_MS),
    ]
    floors: dict[str, Callable[[], Any]] = {
        cases[0][0]: lambda: _ok(api.get(f"/bench-floor/api/matrix?start={months[0][0]}&end={months[-1][1]}")),
        cases[1][0]: lambda: _ok(api.get(f"/bench-floor/api/pipeline?code={CYCLE}&as_of={PIPELINE_AS_OF}")),
    }
    if getattr(args, "explain", False):
        explain([(api, matrix_url), (api, pipeline_url), (web_sp, "/")])
    return measure(args, cases, floors, over_floor=False)


def explain(requests: list[tuple[Client, str]]) -> None:
    """Print each request's SQL with its time and plan (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN
    (ANALYZE, BUFFERS)``), after one warm-up request."""
    for client, url in requests:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            _ok(client.get(url))
            total = (time.perf_counter() - started) * 1000
        print(f"\n## GET {url} — {total:.1f} ms, {len(captured)} queries ({connection.vendor})\n", flush=True)
        for query in captured.captured_queries:
            sql = query["sql"]
            print(f"-- {float(query['time']) * 1000:.1f} ms\n{sql}\n")
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                    lines = [f"    {row[3]}" for row in cursor.fetchall()]
                else:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    lines = [f"    {row[0]}" for row in cursor.fetchall()]
            print("\n".join(lines) + "\n", flush=True)


def _cent(value: Any) -> str:
    """An exact sum as the API writes an amount rounded to the cent (``"1234.50"``)."""
    return str(money.round_half_away(value))


def _check_matrix(answer: dict[str, Any], ref: dict[str, Any]) -> None:
    """The app's matrix equals the hand-written one (rows, names, cells, total row), or the comparison is unfair."""

    def text(cell: Any) -> str:
        return "0.00" if cell is None else str(money.round_half_away(Decimal(str(cell))))

    got = [{"key": r["key"], "name": r["name"], "cells": [text(c) for c in r["cells"]]} for r in answer["rows"]]
    assert got == ref["rows"], "matrix rows differ from the hand-written SQL"
    assert [text(c) for c in answer["total"]["cells"]] == ref["total"], "matrix total row differs"
    assert text(answer["total"]["total"]) == ref["all"]


def _check_pipeline(answer: dict[str, Any], ref: dict[str, Any]) -> None:
    """The app's pipeline as of a date equals the hand-written one (per stage and in total)."""
    got = [(s["stage"], s["description"], s["no_of_opportunities"], s["estimated_value"]) for s in answer["stages"]]
    want = [(stage, d, f[0], _cent(f[1] if f[0] else money.ZERO)) for stage, d, f in ref["stages"]]
    assert [(a, b, c, str(money.round_half_away(Decimal(v)))) for a, b, c, v in got] == want, (got, want)
    assert answer["no_of_opportunities"] == ref["total"][0], (answer, ref["total"])
