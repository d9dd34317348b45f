#!/usr/bin/env python
"""The query plans of the analysis reads of the benchmark (section (f), issue #14): the matrix, the pipeline as of a
date and the dashboard of a Salesperson, on a cached benchmark dataset.

    python bench/explain_analysis.py --size 100000 [--data-dir data/bench]   # SQLite
    scripts/with-postgres.sh python bench/explain_analysis.py --leg postgresql --size 100000

Sends each request once through the Django test client (as the benchmark does), captures its SQL and prints, per
statement, its time and the plan: ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL.
Works on a scratch copy of the dataset (dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leg", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--only", default="matrix,pipeline,dashboard", help="which requests")
    args = parser.parse_args()
    args.data_dir = args.data_dir.resolve()
    if args.leg == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{args.data_dir / 'scratch.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import legs
    from django.conf import settings
    from django.test import Client

    settings.ROOT_URLCONF = "floor"
    pristine, meta = legs.dataset(args, args.size)
    with legs.scratch(pristine, legs._copy_name(pristine, "explain")):
        from salescycle.opportunities.models import Opportunity

        salesperson = (
            Opportunity.objects.filter(salesperson__code__startswith=f"G{args.seed}-")
            .order_by("salesperson_id")
            .values_list("salesperson_id", flat=True)
            .first()
        )
        api = Client(headers={"authorization": f"Bearer {meta['token']}"})
        web = legs.salesperson_user(salesperson)
        matrix = (
            "/api/v1/analysis/matrix?rows=salesperson&show=estimated_value&period=month&columns=12"
            f"&start={legs.MATRIX_START}"
        )
        requests = {
            "matrix": (api, matrix),
            "pipeline": (api, f"/api/v1/analysis/pipeline?sales_cycle_code={legs.CYCLE}&as_of={legs.PIPELINE_AS_OF}"),
            "dashboard": (web, "/"),
        }
        legs.explain([requests[name] for name in args.only.split(",")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
