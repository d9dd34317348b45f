#!/usr/bin/env python
"""The batch delete as a background job (issue #16) against the hand-written statements of bench/run.py's (d).

    python bench/jobs.py [--size 100000] [--database sqlite|postgresql] [--runs 1] [--poll 0.5]

On run.py's cached dataset of ``--size`` opportunities (built like run.py does when missing), the same cut-off as
(d) (min(100,000, 60 % of the closed) opportunities), each on its own fresh copy:

- the job path: ``POST /api/v1/opportunities/delete-closed`` (Bearer token; answers 202 with the job) timed, then a
  real worker (``salescycle run-jobs``, a separate process on the same database) runs the job while this process
  polls ``GET /api/v1/jobs/{id}`` and the job page's htmx part ``GET /jobs/{id}/`` every ``--poll`` seconds,
  timing every request; the job's time is its record's ``started_at`` → ``finished_at`` (the worker's own work,
  steps of 10,000 keys each committed with its checkpoint); the wall time from the POST to the poll that saw it
  done is reported too;
- the hand-written statements of (d) (``legs.delete_sql``: one transaction, set-based UPDATE/DELETE).

Targets (issue #16): the job ≤ 1.5× the hand-written statements, no request over 1 s. The PostgreSQL leg runs
through ``scripts/with-postgres.sh`` like run.py's. Results go to stdout and ``bench/results/jobs-<database>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASES = ("sqlite", "postgresql")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="opportunities in the dataset")
    parser.add_argument("--database", choices=DATABASES, default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="job and hand-written runs (medians reported)")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between two status polls")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench", help="run.py's cached datasets")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--leg", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.database == "postgresql" and not args.leg:
        command = [str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, __file__, *sys.argv[1:], "--leg"]
        return subprocess.run(command, check=False, cwd=ROOT).returncode
    args.data_dir.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)
    if args.database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{args.data_dir / 'scratch.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import jobs_leg  # bench/jobs_leg.py: needs Django set up

    result = jobs_leg.measure(args)
    (args.results / f"jobs-{args.database}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
