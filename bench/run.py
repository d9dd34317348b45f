#!/usr/bin/env python
"""Salescycle benchmarks: the ORM/API paths side by side with hand-written SQL on the same database.

    python bench/run.py [--sizes 10000,100000,1000000] [--databases sqlite,postgresql] [--seed 1] [--quick]

For each database (a "leg", run in its own process; PostgreSQL through ``scripts/with-postgres.sh``) and size:
a dataset made by ``salescycle generate`` (cached under ``data/bench/``, keyed by size, seed and a hash of the
migrations and the generator, so re-runs skip generation), then on copies of it:

(a) cycle (+stage) and salesperson statistics endpoints vs the same aggregates in SQL,
(b) the opportunity list endpoint and the HTML list page (first page, one salesperson, by estimated closing date)
    vs hand-written keyset SQL; the HTML opportunity card and pipeline board pages vs the same queries by hand
    (issue #4: list, card and board under 150 ms),
(c) update (Next) and close through the API in requests per second,
(d) the batch delete service vs hand-written UPDATE/DELETE statements, each on an identical fresh copy,
(e) ``import-maven`` into a fresh database (once per leg, not per size).

Reads are timed interleaved (ORM, SQL, ORM, SQL…) after warm-up; the medians are reported. Results go to stdout
and ``bench/results/`` (JSON per leg, ``latest.md``). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_DATABASES = ("sqlite", "postgresql")
AS_OF = "2026-06-30"
MAVEN_DIR = Path(os.environ.get("MAVEN_CRM_DIR", ROOT.parent / "shared" / "data" / "maven-crm"))
DELETE_TARGET = 100_000
SECTIONS = ("reads", "analysis", "writes", "delete", "maven")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated sizes")
    parser.add_argument("--databases", default=",".join(DEFAULT_DATABASES), help="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per read measurement (median reported)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--writes", type=int, default=100, help="update and close requests each (5 rounds)")
    parser.add_argument("--quick", action="store_true", help="3 runs, 1 warm-up, 6 writes, no Maven import")
    parser.add_argument("--no-maven", action="store_true", help="skip the Maven import measurement")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench", help="cached datasets")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results are written")
    parser.add_argument(
        "--datasets-only", action="store_true", help="build (or migrate) the cached datasets and measure nothing"
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help="comma-separated sections to run: reads (a, b), analysis (f), writes (c), delete (d), maven (e)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the SQL and plans of the analysis requests (section f)"
    )
    parser.add_argument("--leg", choices=DEFAULT_DATABASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in str(args.sizes).split(",") if s]
    args.databases = [d.strip() for d in str(args.databases).split(",") if d.strip()]
    for database in args.databases:
        if database not in DEFAULT_DATABASES:
            parser.error(f"unknown database {database!r}")
    args.only = [s.strip() for s in str(args.only).split(",") if s.strip()]
    for section in args.only:
        if section not in SECTIONS:
            parser.error(f"unknown section {section!r} (one of {', '.join(SECTIONS)})")
    if args.quick:
        args.runs, args.warmup, args.writes, args.no_maven = 3, 1, 6, True
    return args


# ---------------------------------------------------------------------------------------------------------------
# The orchestrator: one process per database leg, then the report.


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.leg:
        run_leg(args)
        return 0
    args.results.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    load_before = os.getloadavg()
    legs = []
    for database in args.databases:
        out = args.results / f"{database}.json"
        out.unlink(missing_ok=True)
        command = [sys.executable, str(Path(__file__).resolve()), "--leg", database, *pass_through(args)]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if database == "postgresql":
            command = [str(ROOT / "scripts" / "with-postgres.sh"), *command]
        print(f"==> {database}: {' '.join(command)}", file=sys.stderr, flush=True)
        subprocess.run(command, check=True, env=env, cwd=ROOT)
        legs.append(json.loads(out.read_text()))
    if args.datasets_only:
        return 0
    report = render(legs, args, load_before, os.getloadavg(), time.monotonic() - started)
    (args.results / "latest.md").write_text(report)
    print(report)
    return 0


def pass_through(args: argparse.Namespace) -> list[str]:
    items = [
        "--sizes",
        ",".join(map(str, args.sizes)),
        "--seed",
        str(args.seed),
        "--runs",
        str(args.runs),
        "--warmup",
        str(args.warmup),
        "--writes",
        str(args.writes),
        "--data-dir",
        str(args.data_dir.resolve()),
        "--results",
        str(args.results.resolve()),
        "--only",
        ",".join(args.only),
    ]
    if args.no_maven:
        items.append("--no-maven")
    if args.explain:
        items.append("--explain")
    if args.datasets_only:
        items.append("--datasets-only")
    return items


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def render(legs: list[dict[str, Any]], args: argparse.Namespace, load0: Any, load1: Any, seconds: float) -> str:
    """The Markdown report: machine, command, and one table per database."""
    first = legs[0] if legs else {}
    lines = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {seconds / 60:.1f} min; "
        f"machine: {os.cpu_count()} CPUs, {_memory_gb():.0f} GB RAM, load average {load0[0]:.1f} → {load1[0]:.1f}; "
        f"Python {platform.python_version()}, SQLite {first.get('sqlite_version', '?')}"
        + "".join(f", PostgreSQL {leg['server_version']}" for leg in legs if leg["database"] == "postgresql"),
        "",
        f"Command: `python bench/run.py --sizes {','.join(map(str, args.sizes))} "
        f"--databases {','.join(args.databases)} --seed {args.seed}"
        + (" --quick" if args.quick else f" --runs {args.runs}")
        + ("" if tuple(args.only) == SECTIONS else f" --only {','.join(args.only)}")
        + "`",
        "",
    ]
    for leg in legs:
        lines += [f"### {leg['database']}", ""]
        lines += [
            "| size | measurement | app (ms) | floor (ms) | app − floor (ms) | app ÷ floor | SQL (ms) | app ÷ SQL "
            "| queries | app CPU (ms) | floor CPU (ms) | target |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for size, result in leg["sizes"].items():
            for m in result["reads"]:
                ratio = f"{m['ratio']:.1f}×" if m.get("ratio") else "—"
                floor_ratio = f"{m['floor_ratio']:.2f}×" if m.get("floor_ratio") else "—"
                over = m.get("over_floor_ms")
                lines.append(
                    f"| {int(size):,} | {m['name']} | {_fmt_ms(m['app_ms'])} | {_fmt_ms(m.get('floor_ms'))} "
                    f"| {'—' if over is None else f'{over:+.2f}'} | {floor_ratio} | {_fmt_ms(m.get('sql_ms'))} "
                    f"| {ratio} | {m.get('queries', '—')} | {_fmt_ms(m.get('app_cpu_ms'))} "
                    f"| {_fmt_ms(m.get('floor_cpu_ms'))} | {m.get('target', '')} |"
                )
            d = result.get("delete")
            if d is None:
                continue
            delete_ratio = d["service_ms"] / d["sql_ms"]
            lines.append(
                f"| {int(size):,} | batch delete of {d['opportunities']:,} closed opportunities "
                f"({d['entries']:,} entries) | {d['service_ms']:.0f} | — | — | — | {d['sql_ms']:.0f} | "
                f"{delete_ratio:.2f}× | — | — | — | ≤ 2× {'✓' if delete_ratio <= 2 else '✗'} |"
            )
        lines += [
            "",
            "| size | write request (one client, sequential) | req/s | CPU (ms/request) | wall (ms/request) "
            "| queries/request |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for size, result in leg["sizes"].items():
            for w in result.get("writes", []):
                lines.append(
                    f"| {int(size):,} | {w['name']} | {w['rps']:.0f} | {w['cpu_ms']:.2f} | {w['wall_ms']:.2f} "
                    f"| {w['queries']} |"
                )
        lines += [
            "",
            "| size | generate (s, cached: —) | update (Next) req/s | close req/s | list at size ÷ list at smallest |",
            "|---:|---:|---:|---:|---:|",
        ]
        sizes = list(leg["sizes"])
        base = leg["sizes"][sizes[0]].get("list_ms") if sizes else None
        for size, result in leg["sizes"].items():
            gen = result.get("generate_s")
            growth = f"{result['list_ms'] / base:.2f}×" if base and result.get("list_ms") else "—"
            rates = [result.get("update_rps"), result.get("close_rps")]
            update, close = ("—" if rate is None else f"{rate:.0f}" for rate in rates)
            lines.append(f"| {int(size):,} | {'—' if gen is None else f'{gen:.0f}'} | {update} | {close} | {growth} |")
        if leg.get("maven_s") is not None:
            lines += ["", f"Maven import (8,800 deals, fresh database): median {leg['maven_s']:.1f} s (target < 20 s)"]
        lines.append("")
    return "\n".join(lines)


def _memory_gb() -> float:
    try:
        with open("/proc/meminfo") as handle:
            return int(handle.readline().split()[1]) / 1024 / 1024
    except OSError:
        return 0.0


# ---------------------------------------------------------------------------------------------------------------
# One leg: everything below runs inside Django, on one database vendor.


def run_leg(args: argparse.Namespace) -> None:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.leg == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{args.data_dir / 'scratch.sqlite3'}"
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("the postgresql leg needs DATABASE_URL (run it through scripts/with-postgres.sh)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
    # The settings refuse to start without a SECRET_KEY when DEBUG is off; nothing the benchmark signs outlives the
    # leg (sessions live in the throwaway copies, API tokens are plain hashes), so a random one will do.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import legs  # bench/legs.py: needs Django set up

    result = legs.run(args)
    (args.results / f"{args.leg}.json").write_text(json.dumps(result, indent=2))


# Shared helpers used by legs.py ---------------------------------------------------------------------------------


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def interleaved(
    pairs: list[Callable[[], Any]], *, runs: int, warmup: int, cpu: list[list[float]] | None = None
) -> list[list[float]]:  # one sample list per callable
    """Wall-clock seconds of ``runs`` interleaved calls of each callable after ``warmup`` rounds; when ``cpu`` is
    given, this process's CPU seconds of each call are appended to it too (one list per callable): on a loaded
    machine the wall time includes waiting for a CPU, the CPU time does not."""
    for _ in range(warmup):
        for fn in pairs:
            fn()
    samples: list[list[float]] = [[] for _ in pairs]
    if cpu is not None:
        cpu[:] = [[] for _ in pairs]
    for _ in range(runs):
        for index, fn in enumerate(pairs):
            cpu_started = time.process_time()
            started = time.perf_counter()
            fn()
            samples[index].append(time.perf_counter() - started)
            if cpu is not None:
                cpu[index].append(time.process_time() - cpu_started)
    return samples


def code_hash() -> str:
    """A hash of the code that decides a dataset's *content*: the generator, the bulk writer, the ledger and task
    row builders, the number series, the demo setup, the engine and the date formulas. Migrations are not part of
    it: a cached dataset is migrated to the current schema when it is used (``legs.dataset``), so a new index does
    not cost a new 1M dataset (20–40 min)."""
    digest = hashlib.sha256()
    src = ROOT / "src" / "salescycle"
    paths = [
        src / "demo" / "generate.py",
        src / "demo" / "bulk.py",
        src / "demo" / "setup_data.py",
        src / "opportunities" / "engine.py",
        src / "opportunities" / "ledger.py",
        src / "tasks" / "rows.py",
        src / "core" / "numbering.py",
        src / "core" / "dates.py",
    ]
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:10]


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise SystemExit(f"{name} not found")
    return candidates[-1]


if __name__ == "__main__":
    sys.exit(main())
