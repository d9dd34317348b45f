"""The job leg of bench/jobs.py (imported once Django is set up, like run.py's legs): see bench/jobs.py."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import legs
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from salescycle.jobs.models import Job

ROOT = Path(__file__).resolve().parents[1]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    args.leg = args.database  # legs.dataset names its cache files after the leg
    pristine, meta = legs.dataset(args, args.size)
    legs.use(pristine)
    cutoff, _wanted = legs.delete_cutoff()
    print(f"==> {args.database} {args.size:,} opportunities, delete closed up to {cutoff}", flush=True)
    load_before = os.getloadavg()[0]
    job_s, wall_s, sql_s, starts, polls = [], [], [], [], []
    counts: dict[str, int] = {}
    for _run in range(args.runs):
        with legs.scratch(pristine, legs._copy_name(pristine, "job_a")) as name:
            api = Client(headers={"authorization": f"Bearer {meta['token']}"})
            web = Client()
            web.force_login(get_user_model().objects.get(username="bench"))
            started = time.perf_counter()
            answer = api.post(
                "/api/v1/opportunities/delete-closed", {"date_closed_to": cutoff}, content_type="application/json"
            )
            starts.append(time.perf_counter() - started)
            assert answer.status_code == 202, answer.content[:500]
            job_id = answer.json()["job"]["id"]
            worker = subprocess.Popen(
                [sys.executable, "-m", "django", "run_jobs", "--interval", "0.1"],
                env={
                    **os.environ,
                    "DATABASE_URL": _url(connection.settings_dict, name),
                    "PYTHONPATH": str(ROOT / "src"),
                },
            )
            try:
                state = "queued"
                while state not in ("succeeded", "failed"):
                    time.sleep(args.poll)
                    started = time.perf_counter()
                    polled = api.get(f"/api/v1/jobs/{job_id}")
                    polls.append(("api", time.perf_counter() - started))
                    state = polled.json()["state"]
                    started = time.perf_counter()
                    page = web.get(f"/jobs/{job_id}/", headers={"HX-Request": "true"})
                    polls.append(("web", time.perf_counter() - started))
                    assert page.status_code == 200
            finally:
                worker.terminate()
                worker.wait(timeout=30)
            job = Job.objects.get(pk=job_id)
            assert job.state == "succeeded", (job.error_code, job.error_message)
            assert job.started_at is not None
            assert job.finished_at is not None
            job_s.append((job.finished_at - job.started_at).total_seconds())
            wall_s.append((job.finished_at - job.created_at).total_seconds())
            counts = {"opportunities": job.result["deleted_opportunities"], "entries": job.result["deleted_entries"]}
        with legs.scratch(pristine, legs._copy_name(pristine, "job_b")):
            started = time.perf_counter()
            legs.delete_sql(cutoff)
            sql_s.append(time.perf_counter() - started)
    slowest = max(seconds for _kind, seconds in polls)
    by_kind = {
        kind: {
            "polls": len(times),
            "median_ms": statistics.median(times) * 1000,
            "slowest_ms": max(times) * 1000,
            "over_1s": sum(1 for seconds in times if seconds >= 1),
        }
        for kind in ("api", "web")
        if (times := [seconds for name, seconds in polls if name == kind])
    }
    result = {
        "database": args.database,
        "size": args.size,
        **counts,
        "job_ms": statistics.median(job_s) * 1000,
        "queued_to_done_ms": statistics.median(wall_s) * 1000,
        "sql_ms": statistics.median(sql_s) * 1000,
        "start_request_ms": max(starts) * 1000,
        "polls": len(polls),
        "slowest_poll_ms": slowest * 1000,
        "polls_by_kind": by_kind,
        "runs": args.runs,
        "load_average": [load_before, os.getloadavg()[0]],
    }
    result["ratio"] = result["job_ms"] / result["sql_ms"]
    print(
        f"    delete {counts['opportunities']:,} opportunities / {counts['entries']:,} entries: job "
        f"{result['job_ms']:,.0f} ms (queued→done {result['queued_to_done_ms']:,.0f} ms), hand-written "
        f"{result['sql_ms']:,.0f} ms: {result['ratio']:.2f}× (target ≤ 1.5× "
        f"{'✓' if result['ratio'] <= 1.5 else '✗'}); the POST {result['start_request_ms']:.0f} ms, "
        f"slowest of {len(polls)} polls {result['slowest_poll_ms']:.0f} ms (target < 1 s "
        f"{'✓' if max(result['start_request_ms'], result['slowest_poll_ms']) < 1000 else '✗'})",
        flush=True,
    )
    print(f"    load average {load_before:.1f} → {os.getloadavg()[0]:.1f}", flush=True)
    for kind, figures in by_kind.items():
        print(
            f"    {kind} polls: {figures['polls']}, median {figures['median_ms']:.0f} ms, slowest "
            f"{figures['slowest_ms']:.0f} ms, {figures['over_1s']} over 1 s",
            flush=True,
        )
    return result


def _url(settings: dict[str, Any], name: str) -> str:
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT']}/{name}"
