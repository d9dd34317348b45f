"""Reads from a streaming replica vs. the same reads from the primary (issue #16 item 2: replica ≤ 1.1× primary).

    python bench/replica.py                       # 100,000 opportunities, 15 runs after 3 warm-up rounds
    python bench/replica.py --size 10000 --runs 9

Runs itself through ``scripts/with-postgres.sh --replica`` (a throwaway primary and a ``pg_basebackup`` standby on
this machine), generates the dataset on the primary (``salescycle generate``, as ``bench/run.py``; it is not cached:
the standby must replay it), waits until the standby has replayed it, and times the same API requests through the
whole stack (Django test client, Bearer token, every middleware) twice, interleaved: with ``REPLICA_DATABASES`` empty
(everything on the primary) and with the replica configured (the marked reads go to the standby, after the
router's choice and connection check). Prints a Markdown table with the medians, their ratio, and the queries each
request ran on the replica (0 for the primary runs, checked).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="generated opportunities (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not os.environ.get("DATABASE_REPLICA_URL"):
        command = [str(ROOT / "scripts" / "with-postgres.sh"), "--replica", sys.executable, __file__, *sys.argv[1:]]
        print(f"==> {' '.join(command)}", file=sys.stderr, flush=True)
        return subprocess.run(command, check=False, cwd=ROOT).returncode
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("SALESCYCLE_REPLICA_MAX_LAG_SECONDS", "3600")  # the run measures, it must not fall back
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import replica_leg

    print(replica_leg.run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
