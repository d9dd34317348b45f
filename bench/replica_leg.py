"""The measurements of ``bench/replica.py`` (imported once Django is set up, inside ``with-postgres.sh --replica``)."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import close_old_connections, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from salescycle.apitokens.tokens import create_token
from salescycle.core import replicas
from salescycle.opportunities.models import Opportunity

AS_OF = "2026-06-30"
CYCLE = "GENERATED"
TARGET = 1.1
PIPELINE = "2024-12-31"  # as bench/legs.py: two years before the as-of date


def wait_for_replay(connections: Any, timeout: float = 1800) -> float:
    """Seconds until the standby has replayed what the primary has written so far."""
    started = time.monotonic()
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        target = cursor.fetchone()[0]
    while True:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the standby did not replay up to {target} in {timeout} s")
        time.sleep(0.2)


def run(args: argparse.Namespace) -> str:
    """Build the dataset on the primary, wait for the standby, time the reads; a Markdown report."""
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("generate", "--opportunities", str(args.size), "--seed", str(args.seed), "--as-of", AS_OF)
    generated = time.monotonic() - started
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-password")
    _row, token = create_token(user, name="bench")
    replayed = wait_for_replay(connections)
    salesperson = (
        Opportunity.objects.filter(salesperson__code__startswith=f"G{args.seed}-")
        .order_by("salesperson_id")
        .values_list("salesperson_id", flat=True)
        .first()
    )
    api = Client(headers={"authorization": f"Bearer {token}"})
    reads = [
        (
            "opportunity list, first page (API)",
            f"/api/v1/opportunities?salesperson_code={salesperson}&ordering=estimated_closing_date&limit=50",
        ),
        ("cycle statistics (API)", f"/api/v1/sales-cycles/{CYCLE}/statistics"),
        ("salesperson statistics (API)", f"/api/v1/salespeople/{salesperson}/statistics"),
        (
            "pipeline as of a date (API analysis)",
            f"/api/v1/analysis/pipeline?sales_cycle_code={CYCLE}&as_of=2024-12-31",
        ),
        (
            "matrix by salesperson, 12 months (API analysis)",
            "/api/v1/analysis/matrix?rows=salesperson&show=estimated_value&period=month&columns=12&start=2026-01-01",
        ),
    ]
    primary = override_settings(REPLICA_DATABASES=[])
    replica = override_settings(REPLICA_DATABASES=["replica"])

    def get(url: str, where: Any) -> tuple[float, float, int]:
        # Both connections recorded in both modes, so that the recording costs the two the same.
        with (
            where,
            CaptureQueriesContext(connections["default"]),
            CaptureQueriesContext(connections["replica"]) as on_replica,
        ):
            # As a server does at each request (the test client leaves it out): Django checks each kept connection
            # once per request (CONN_HEALTH_CHECKS), the primary's as the replica's.
            close_old_connections()
            cpu = time.process_time()
            wall = time.perf_counter()
            response = api.get(url)
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return wall, cpu, len(on_replica.captured_queries)

    replicas.forget_health()
    lines = [
        f"{args.size:,} opportunities (generated in {generated:.0f} s, replayed by the standby {replayed:.1f} s "
        f"later); {args.runs} runs after {args.warmup} warm-up rounds, interleaved; medians of wall-clock (CPU of "
        "this process) in ms.",
        "",
        "| read | primary ms | replica ms | replica ÷ primary | CPU primary → replica | queries on the replica |",
        "|---|---:|---:|---:|---|---:|",
    ]
    worst = 0.0
    for name, url in reads:
        for _ in range(args.warmup):
            get(url, primary)
            get(url, replica)
        samples: dict[str, list[tuple[float, float, int]]] = {"primary": [], "replica": []}
        for _ in range(args.runs):
            samples["primary"].append(get(url, primary))
            samples["replica"].append(get(url, replica))
        assert all(queries == 0 for *_, queries in samples["primary"]), name
        assert all(queries > 0 for *_, queries in samples["replica"]), name
        p_wall, r_wall = (statistics.median(s[0] for s in samples[k]) * 1000 for k in ("primary", "replica"))
        p_cpu, r_cpu = (statistics.median(s[1] for s in samples[k]) * 1000 for k in ("primary", "replica"))
        ratio = r_wall / p_wall
        worst = max(worst, ratio)
        mark = "✓" if ratio <= TARGET else "✗"
        lines.append(
            f"| {name} | {p_wall:.1f} | {r_wall:.1f} | {ratio:.2f} {mark} | {p_cpu:.1f} → {r_cpu:.1f} | "
            f"{samples['replica'][0][2]} |"
        )
    lines += ["", f"Worst ratio {worst:.2f} (target ≤ {TARGET}); load average {os.getloadavg()[0]:.1f}."]
    return "\n".join(lines)
