#!/usr/bin/env python
"""Load test of the write path on one app server and on two behind HAProxy, on PostgreSQL (issue #16).

    scripts/with-postgres.sh python bench/load.py [--size 100000] [--clients 16] [--workers 3] [--per-client 20]
                                                 [--rounds 3] [--pin] [--cpu-quota 0.5]
    make bench-load                               # the same, with the defaults

1. The dataset: the benchmark's own (``bench/run.py --leg postgresql --datasets-only``: ``salescycle generate``,
   cached as a dump under ``data/bench/``, with the ``bench`` superuser and its API token), copied to a scratch
   database.
2. ``scripts/with-appservers.sh --servers 2 --workers W`` on that copy: two gunicorn servers of W sync workers each
   (default 3, ``make run``'s), one job worker, HAProxy round-robin; it runs this script again with ``--drive``.
3. ``--drive``: ``--clients`` threads, each with its own keep-alive HTTP connection and its own distinct open
   opportunities of the generated cycle (as ``bench/run.py`` (c) picks them: In Progress, stage below 6), send for
   each opportunity the API's update (``{"action_type": "next"}``) and then its close (Lost, ``PRICE_L``), as fast
   as the answers come. Two set-ups, each after a warm-up round, in alternating order for ``--rounds`` rounds:
   *one server* (app1's own URL: W workers) and *two servers* (HAProxy: 2 × W workers). Per set-up: requests/s
   (all requests ÷ the time from the first to the last, per round; median of rounds), the latency p50/p95 of every
   request, errors (any answer but 200), and the CPU each process used (from ``/proc``: cores = CPU seconds ÷ wall
   seconds; PostgreSQL counts the whole cluster, the load generator is this process) against what the whole machine
   used, so a CPU-bound result says so.

``--pin`` runs each app server's processes on a CPU of their own (app1 on CPU 0, app2 on CPU 1): a model of one
machine per app server, with PostgreSQL, HAProxy and the load generator left free on both.

``--cpu-quota F`` gives each app server (its gunicorn master and workers) a CPU budget of its own, ``F`` CPUs, with
a cgroup (the kernel's CFS bandwidth control: cgroup v1 ``cpu.cfs_quota_us`` or v2 ``cpu.max``; needs root): the
model of one machine per app server on a machine that has too few CPUs to give each server, the database and the
load generator a whole one. With 2 CPUs, two unrestricted (or pinned) servers fill the machine before the second
server can add its share; with a budget each, the app tier is the bottleneck in both set-ups, as it is when each
server has a machine of its own, and the database and load generator keep the CPU they need. The report says which
model was used.

Targets (issue #16): two servers ≥ 1.6 × one server's requests/s with 16 clients, p95 < 300 ms. The report goes to
stdout and ``bench/results/load.md`` (JSON beside it). See bench/README.md "Several app servers (issue #16)".
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from run import code_hash  # bench/run.py: the key of the cached datasets

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CYCLE = "GENERATED"  # bench/legs.py's cycle of the generated data
UPDATE = ("update", {"action_type": "next"})
CLOSE = ("close", {"outcome": "lost", "close_opportunity_code": "PRICE_L"})
WARMUP_PER_CLIENT = 2
TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="opportunities in the dataset (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server (default 3, make run's)")
    parser.add_argument("--per-client", type=int, default=20, help="opportunities per client and round (2 requests)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per set-up (alternating)")
    parser.add_argument("--pin", action="store_true", help="each app server on a CPU of its own")
    parser.add_argument(
        "--cpu-quota", type=float, default=None, metavar="F", help="each app server limited to F CPUs (a cgroup)"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench", help="cached datasets")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)  # inside with-appservers.sh
    return parser.parse_args(argv)


def pass_through(args: argparse.Namespace) -> list[str]:
    items = ["--size", str(args.size), "--seed", str(args.seed), "--clients", str(args.clients)]
    items += ["--workers", str(args.workers), "--per-client", str(args.per_client), "--rounds", str(args.rounds)]
    items += ["--data-dir", str(args.data_dir.resolve()), "--results", str(args.results.resolve())]
    items += ["--cpu-quota", str(args.cpu_quota)] if args.cpu_quota else []
    return items + (["--pin"] if args.pin else [])


# ---------------------------------------------------------------------------------------------------------------
# The orchestrator: dataset, scratch copy, with-appservers.sh.


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.drive:
        return drive(args)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("bench/load.py needs PostgreSQL: scripts/with-postgres.sh python bench/load.py")
    args.results.mkdir(parents=True, exist_ok=True)
    # The servers read and write the scratch copy only (a replica of DATABASE_URL's database is not one of it).
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_REPLICA_URL"}
    env["SECRET_KEY"] = os.environ.get("SECRET_KEY") or os.urandom(32).hex()
    print(f"==> dataset: {args.size:,} opportunities (bench/run.py --datasets-only)", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--leg", "postgresql", "--datasets-only", "--no-maven",
         "--sizes", str(args.size), "--seed", str(args.seed), "--data-dir", str(args.data_dir.resolve()),
         "--results", str(args.results.resolve())],
        check=True, env=env, cwd=ROOT,
    )  # fmt: skip
    meta = json.loads((args.data_dir / f"postgresql-{args.size}-s{args.seed}-{code_hash()}.json").read_text())
    server = urllib.parse.urlsplit(url)
    maintenance = server._replace(path="/postgres").geturl()
    pristine, scratch = f"bench_{args.size}_s{args.seed}", f"load_{args.size}_s{args.seed}"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{pristine}"')
    try:
        env.update(
            DATABASE_URL=server._replace(path=f"/{scratch}").geturl(),
            LOAD_TOKEN=meta["token"],
            SALESCYCLE_PYTHON=sys.executable,
            LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO"),  # the servers log one line per request, as in production
        )
        command = [str(ROOT / "scripts" / "with-appservers.sh"), "--servers", "2", "--workers", str(args.workers)]
        command += [sys.executable, str(Path(__file__).resolve()), "--drive", *pass_through(args)]
        print(f"==> {' '.join(command[:5])} … --drive", file=sys.stderr, flush=True)
        return subprocess.run(command, env=env, cwd=ROOT).returncode
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------------------------
# CPU use from /proc.


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _ticks(fields: list[str]) -> int:
    # utime, stime, cutime, cstime: the process's own CPU and that of its children it has reaped
    return sum(int(value) for value in fields[11:15])


@dataclass
class Processes:
    """The processes whose CPU is measured: app servers and HAProxy by process group, PostgreSQL by its postmaster."""

    groups: dict[str, int]  # name -> process group id
    postmaster: int

    def snapshot(self) -> dict[str, int]:
        """CPU ticks by name now, plus ``machine`` (busy ticks of all CPUs) and ``machine_total``."""
        ticks = dict.fromkeys([*self.groups, "postgres", "load generator"], 0)
        by_group = {group: name for name, group in self.groups.items()}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            fields = _stat(entry.name)
            if fields is None:
                continue
            pid, parent, group = int(entry.name), int(fields[1]), int(fields[2])
            if group in by_group:
                ticks[by_group[group]] += _ticks(fields)
            elif pid == self.postmaster or parent == self.postmaster:
                ticks["postgres"] += _ticks(fields)
        own = _stat("self")
        ticks["load generator"] = int(own[11]) + int(own[12]) if own else 0
        cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        values = [int(v) for v in cpu]
        idle = values[3] + values[4]  # idle + iowait
        ticks["machine"] = sum(values[:8]) - idle
        ticks["machine_total"] = sum(values[:8])
        return ticks


def cores(before: dict[str, int], after: dict[str, int], seconds: float) -> dict[str, float]:
    """CPU cores each name used between two snapshots (CPU seconds ÷ wall seconds); ``machine`` is the whole
    machine's busy cores and ``others`` what the processes not measured here used (other work on the machine)."""
    used = {name: (after[name] - before[name]) / TICKS / seconds for name in after if name != "machine_total"}
    ncpu = os.cpu_count() or 1
    total = after["machine_total"] - before["machine_total"]
    used["machine"] = (after["machine"] - before["machine"]) / total * ncpu if total else 0.0
    used["others"] = max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine"))
    return used


# ---------------------------------------------------------------------------------------------------------------
# The clients.


@dataclass
class Round:
    """One round of one set-up: every request's latency (s), the errors, the wall time and the CPU used."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds


def client(base: str, token: str, nos: list[str], start: threading.Barrier, out: Round, lock: threading.Lock) -> None:
    """Next, then close, for each of ``nos``, over one keep-alive connection (reopened when a server closes it)."""
    parsed = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, errors = [], []
    start.wait()
    try:
        for no in nos:
            for action, body in (UPDATE, CLOSE):
                started = time.perf_counter()
                try:
                    conn.request("POST", f"/api/v1/opportunities/{no}/{action}", json.dumps(body), headers)
                    response = conn.getresponse()
                    payload = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    payload, status = str(error).encode(), 0
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors.append(f"{action} {no}: {status} {payload[:200]!r}")
    finally:
        conn.close()
        with lock:
            out.latencies += latencies
            out.errors += errors


def run_round(base: str, token: str, batches: list[list[str]], processes: Processes) -> Round:
    """All clients at once, one batch of opportunities each; the round's figures."""
    out, lock = Round(), threading.Lock()
    start = threading.Barrier(len(batches) + 1)
    threads = [
        threading.Thread(target=client, args=(base, token, nos, start, out, lock), daemon=True) for nos in batches
    ]
    for thread in threads:
        thread.start()
    before = processes.snapshot()
    started = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    out.seconds = time.perf_counter() - started
    out.cpu = cores(before, processes.snapshot(), out.seconds)
    return out


def open_opportunities(count: int) -> list[str]:
    """``count`` open opportunities of the generated cycle that can move to a next stage (bench/legs.py's pick:
    In Progress, stage below 6), by number."""
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT no FROM opportunities_opportunity WHERE sales_cycle_code = %s AND status = %s "
            "AND current_sales_cycle_stage < 6 ORDER BY no LIMIT %s",
            [CYCLE, "in_progress", count],
        ).fetchall()
    return [row[0] for row in rows]


def postmaster_pid() -> int:
    """The PostgreSQL server's postmaster: the parent of this connection's backend."""
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    fields = _stat(row[0])
    assert fields is not None, "the database server is not on this machine"
    return int(fields[1])


def pin(group: int, cpu: int) -> None:
    """Every process of process group ``group`` onto CPU ``cpu`` (gunicorn forks no new worker meanwhile)."""
    for pid in members(group):
        os.sched_setaffinity(pid, {cpu})


CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


def _cpu_controller() -> tuple[Path, bool]:
    """The directory where CPU-limited cgroups are made and whether it is cgroup v2 (``cpu.max``) rather than v1's
    ``cpu`` hierarchy (``cpu.cfs_quota_us``)."""
    unified = CGROUP_ROOT / "cgroup.controllers"
    if unified.exists() and "cpu" in unified.read_text().split():
        control = CGROUP_ROOT / "cgroup.subtree_control"
        if "cpu" not in control.read_text().split():
            control.write_text("+cpu")
        return CGROUP_ROOT, True
    if (CGROUP_ROOT / "cpu" / "cpu.cfs_quota_us").exists():
        return CGROUP_ROOT / "cpu", False
    raise SystemExit("--cpu-quota needs the cgroup cpu controller (v1 or v2) and root")


def limit_cpu(group: int, name: str, cpus: float) -> Path:
    """Every process of process group ``group`` into a new cgroup ``salescycle-load-<name>`` allowed ``cpus`` CPUs
    (CFS bandwidth: ``cpus`` × 100 ms per 100 ms period); returns the cgroup's directory for :func:`unlimit`."""
    base, v2 = _cpu_controller()
    path = base / f"salescycle-load-{name}"
    path.mkdir(exist_ok=True)
    quota = int(cpus * PERIOD_US)
    if v2:
        (path / "cpu.max").write_text(f"{quota} {PERIOD_US}")
    else:
        (path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (path / "cpu.cfs_quota_us").write_text(str(quota))
    for pid in members(group):
        (path / "cgroup.procs").write_text(str(pid))
    return path


def unlimit(path: Path) -> None:
    """Move what is left in cgroup ``path`` back to its parent and remove it."""
    for pid in (path / "cgroup.procs").read_text().split():
        try:
            (path.parent / "cgroup.procs").write_text(pid)
        except OSError:  # the process has ended meanwhile
            continue
    path.rmdir()


def members(group: int) -> list[int]:
    """The processes of process group ``group``."""
    found = []
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else None
        if fields is not None and int(fields[2]) == group:
            found.append(int(entry.name))
    return found


def settle(processes: Processes, limit: float = 60.0) -> None:
    """Wait (at most ``limit`` seconds) until the app servers and the job worker have booted: each used under a
    tenth of a core over half a second, so that no start-up CPU is counted in a round."""
    deadline = time.monotonic() + limit
    quiet = [name for name in processes.groups if name != "haproxy"]
    while time.monotonic() < deadline:
        before = processes.snapshot()
        time.sleep(0.5)
        used = cores(before, processes.snapshot(), 0.5)
        if all(used[name] < 0.1 for name in quiet):
            return


def drive(args: argparse.Namespace) -> int:
    token = os.environ["LOAD_TOKEN"]
    app_urls = os.environ["SALESCYCLE_APP_URLS"].split()
    app_groups = [int(pid) for pid in os.environ["SALESCYCLE_APP_PIDS"].split()]
    setups = [("one server", app_urls[0]), ("two servers (HAProxy)", os.environ["SALESCYCLE_LB_URL"])]
    processes = Processes(
        groups={
            "app1": app_groups[0],
            "app2": app_groups[1],
            "haproxy": int(os.environ["SALESCYCLE_LB_PID"]),
            "job worker": int(os.environ["SALESCYCLE_JOBS_PID"]),
        },
        postmaster=postmaster_pid(),
    )
    settle(processes)
    if args.pin:
        ncpu = os.cpu_count() or 1
        for index, group in enumerate(app_groups):
            pin(group, index % ncpu)
    limited = (
        [limit_cpu(group, f"app{i + 1}", args.cpu_quota) for i, group in enumerate(app_groups)]
        if args.cpu_quota
        else []
    )
    try:
        return _drive(args, token, setups, processes)
    finally:
        for path in limited:
            unlimit(path)


def _drive(args: argparse.Namespace, token: str, setups: list[tuple[str, str]], processes: Processes) -> int:
    per_round = args.clients * args.per_client
    wanted = len(setups) * (args.clients * WARMUP_PER_CLIENT + args.rounds * per_round)
    nos = open_opportunities(wanted)
    if len(nos) < wanted:
        raise SystemExit(f"{len(nos)} open opportunities, {wanted} needed: a larger --size or fewer --per-client")
    taken = iter(nos)

    def batches(per_client: int) -> list[list[str]]:
        return [[next(taken) for _ in range(per_client)] for _ in range(args.clients)]

    load_before = os.getloadavg()
    for name, base in setups:
        warm = run_round(base, token, batches(WARMUP_PER_CLIENT), processes)
        print(f"    warm-up, {name}: {warm.rps:.0f} req/s, {len(warm.errors)} errors", file=sys.stderr, flush=True)
    rounds: dict[str, list[Round]] = {name: [] for name, _ in setups}
    for index in range(args.rounds):
        for name, base in setups if index % 2 == 0 else setups[::-1]:
            result = run_round(base, token, batches(args.per_client), processes)
            rounds[name].append(result)
            print(
                f"    round {index + 1}, {name}: {result.rps:.0f} req/s, p95 {_pct(result.latencies, 95):.0f} ms, "
                f"machine {result.cpu['machine']:.2f} cores, {len(result.errors)} errors",
                file=sys.stderr,
                flush=True,
            )
    report = render(args, rounds, load_before, os.getloadavg())
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "load.md").write_text(report)
    (args.results / "load.json").write_text(json.dumps(summary(rounds), indent=2))
    print(report)
    return 1 if any(r.errors for rs in rounds.values() for r in rs) else 0


# ---------------------------------------------------------------------------------------------------------------
# The report.


def _pct(latencies: list[float], percent: int) -> float:
    """The ``percent`` percentile of ``latencies`` in ms (nearest rank)."""
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))] * 1000


def summary(rounds: dict[str, list[Round]]) -> dict[str, Any]:
    out = {}
    for name, results in rounds.items():
        latencies = [lat for r in results for lat in r.latencies]
        wall = sum(r.seconds for r in results)
        out[name] = {
            "rps_rounds": [r.rps for r in results],
            "rps": statistics.median(r.rps for r in results),
            "p50_ms": _pct(latencies, 50),
            "p95_ms": _pct(latencies, 95),
            "requests": len(latencies),
            "errors": [e for r in results for e in r.errors][:20],
            "error_count": sum(len(r.errors) for r in results),
            # CPU cores per process over all rounds (weighted by the rounds' wall time)
            "cores": {k: sum(r.cpu[k] * r.seconds for r in results) / wall for k in results[0].cpu},
        }
    return out


def render(args: argparse.Namespace, rounds: dict[str, list[Round]], load0: Any, load1: Any) -> str:
    data = summary(rounds)
    (one, one_data), (two, two_data) = data.items()
    ratio = two_data["rps"] / one_data["rps"]
    two_p95 = two_data["p95_ms"]  # the target's set-up: "with two app servers … p95 under 300 ms"
    names = [k for k in one_data["cores"] if k not in {"machine", "others"}] + ["others", "machine"]
    lines = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} CPUs, load average "
        f"{load0[0]:.1f} → {load1[0]:.1f}; Python {platform.python_version()}",
        "",
        f"Command: `scripts/with-postgres.sh python bench/load.py --size {args.size} --clients {args.clients} "
        f"--workers {args.workers} --per-client {args.per_client} --rounds {args.rounds}"
        + (" --pin" if args.pin else "")
        + (f" --cpu-quota {args.cpu_quota:g}" if args.cpu_quota else "")
        + "`",
        "",
        f"{args.clients} clients, each Next then Close (Lost) on its own open opportunities through the API; "
        f"{args.workers} gunicorn workers per server; {args.rounds} rounds of {args.clients * args.per_client * 2} "
        f"requests per set-up"
        + ("; each app server pinned to a CPU of its own" if args.pin else "")
        + (f"; each app server limited to {args.cpu_quota:g} CPU by a cgroup" if args.cpu_quota else "")
        + ".",
        "",
        "| set-up | workers | req/s (median of rounds) | rounds | p50 (ms) | p95 (ms) | errors |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for name, d, workers in ((one, one_data, args.workers), (two, two_data, 2 * args.workers)):
        lines.append(
            f"| {name} | {workers} | {d['rps']:.0f} | {', '.join(f'{x:.0f}' for x in d['rps_rounds'])} "
            f"| {d['p50_ms']:.0f} | {d['p95_ms']:.0f} | {d['error_count']} |"
        )
    lines += [
        "",
        f"Two servers ÷ one: **{ratio:.2f}×** (target ≥ 1.6× {'✓' if ratio >= 1.6 else '✗'}); p95 with two servers "
        f"**{two_p95:.0f} ms** (target < 300 ms {'✓' if two_p95 < 300 else '✗'}).",
        "",
        "CPU used during the timed rounds, in cores (CPU seconds per second; the machine has "
        f"{os.cpu_count()}; *others* is everything else running on the machine):",
        "",
        "| set-up | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for name, d in data.items():
        lines.append(f"| {name} | " + " | ".join(f"{d['cores'][k]:.2f}" for k in names) + " |")
    for name, d in data.items():
        if d["errors"]:
            lines += ["", f"Errors ({name}, first {len(d['errors'])}):", *[f"- {e}" for e in d["errors"]]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
