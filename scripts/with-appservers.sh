#!/usr/bin/env bash
# Run a command against several throwaway app servers behind a load balancer, then stop them all (issue #16).
#
#   scripts/with-postgres.sh scripts/with-appservers.sh [--servers N] [--workers W] CMD [ARGS...]
#
# Given DATABASE_URL (a database every server reaches: run it inside scripts/with-postgres.sh), in a fresh temporary
# folder: migrates and collects the static files (both at once), then starts
#   - N app servers (default 2): gunicorn with W sync workers each (default $WEB_WORKERS, else 3, as make run), with
#     make run's request limits, each in its own process group on its own free port of 127.0.0.1, all with the same
#     SECRET_KEY ($SECRET_KEY, else a random throwaway one) and DEBUG off; each answers with an `X-Served-By: appK`
#     header (SALESCYCLE_SERVER_NAME), so a client sees which server answered;
#   - one background-job worker (`salescycle run-jobs`): the queue is the database, claimed row by row with SKIP
#     LOCKED, so one worker serves every server (more would be safe too, and only poll more);
#   - HAProxy (Debian's haproxy package: installed with apt-get when missing and we are root), round-robin over the
#     servers, checking GET /api/v1/health on each every second (down after 2 failures, up after 1 success); a
#     request whose connection a server refuses (it died) is sent to another server at once (retries + redispatch:
#     only connection failures are retried, so a POST is never sent twice).
# Nothing is shared between the servers but the database: sessions, idempotency keys, sign-in throttling and the job
# queue are all tables in it, and each server serves the static files itself (WhiteNoise).
#
# Then exports, and runs CMD with them:
#   SALESCYCLE_LB_URL     http://127.0.0.1:PORT, the balancer
#   SALESCYCLE_APP_URLS   the servers' own URLs, space-separated (app1 first)
#   SALESCYCLE_APP_PIDS   the servers' gunicorn master pids, space-separated; each is its process group's id, so
#                         `kill -KILL -- -PID` kills one server with its workers (the rest keep serving)
#   SALESCYCLE_LB_PID     HAProxy's pid
#   SALESCYCLE_JOBS_PID   the job worker's pid
#   SECRET_KEY, DEBUG=0   as the servers have them (so CMD's own `salescycle` commands work on the same database)
# Everything is stopped and the folder (logs included) removed on every exit path (success, failure, Ctrl-C); the
# exit code is CMD's. Set SALESCYCLE_APPSERVERS_LOGS=DIR to keep a copy of the servers' and HAProxy's logs there.
#
# Environment: DATABASE_URL (required), SECRET_KEY, WEB_WORKERS, LOG_LEVEL (the servers', default WARNING: the
# per-request lines would only fill the temporary folder), SALESCYCLE_PYTHON (the Python with Salescycle installed;
# default .venv/bin/python, else python3).
set -euo pipefail

usage() {
    echo "usage: $0 [--servers N] [--workers W] CMD [ARGS...]" >&2
    exit 2
}

servers=2
workers="${WEB_WORKERS:-3}"
while [[ $# -gt 0 ]]; do
    case "$1" in
    --servers) [[ $# -ge 2 ]] || usage; servers="$2"; shift 2 ;;
    --workers) [[ $# -ge 2 ]] || usage; workers="$2"; shift 2 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
    esac
done
[[ $# -gt 0 ]] || usage
if ! [[ "$servers" =~ ^[1-9][0-9]?$ && "$workers" =~ ^[1-9][0-9]?$ ]]; then
    echo "with-appservers: --servers and --workers take a number from 1 to 99" >&2
    exit 2
fi
if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "with-appservers: DATABASE_URL is not set (run it inside scripts/with-postgres.sh)" >&2
    exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${SALESCYCLE_PYTHON:-}"
if [[ -z "$python" ]]; then
    if [[ -x "$root/.venv/bin/python" ]]; then python="$root/.venv/bin/python"; else python=python3; fi
fi

# HAProxy from Debian, installed the way the Makefile installs chromium: only when missing, only as root.
if ! command -v haproxy >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "with-appservers: installing haproxy (apt-get)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
    fi
    if ! command -v haproxy >/dev/null; then
        echo "with-appservers: haproxy not found (sudo apt-get install haproxy, or make haproxy)" >&2
        exit 2
    fi
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/salescycle-apps.XXXXXX")
app_pids=()
app_urls=()
started=()  # every process group this script started (stopped by cleanup, whether it still runs or not)

# Stops the process group of our child $1: TERM, up to 10 s for its leader to exit (gunicorn's master waits for its
# workers), then KILL to whatever is left of the group; reaps the child. A child already reaped is skipped: its
# process group id may belong to someone else by now.
stop_group() {
    local pid=$1 state
    [[ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$$" ]] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
        [[ -n "$state" && "$state" != Z* ]] || break  # exited (a zombie until reaped below)
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local i
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do  # the balancer first, then the job worker, then the servers
        stop_group "${started[$i]}"
    done
    if [[ -n "${SALESCYCLE_APPSERVERS_LOGS:-}" ]]; then
        mkdir -p "$SALESCYCLE_APPSERVERS_LOGS" && cp "$workdir"/*.log "$SALESCYCLE_APPSERVERS_LOGS"/ 2>/dev/null || true
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export DEBUG=0
if [[ -z "${SECRET_KEY:-}" ]]; then
    SECRET_KEY=$("$python" -c 'import secrets; print(secrets.token_urlsafe(50))')
fi
export SECRET_KEY
export DJANGO_SETTINGS_MODULE=salescycle.settings
# The collected static files go to the temporary folder (each real server collects its own copy).
export SALESCYCLE_DATA_DIR="$workdir/data"
app_log_level="${LOG_LEVEL:-WARNING}"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# 0 when GET URL answers 200 within 2 s.
answers() {
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null ||
        "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null
}

show_log() {
    echo "with-appservers: $1; the end of its log:" >&2
    tail -n 40 "$2" >&2 || true
}

# migrate, collectstatic and the servers' boot need little of each other: at once. The servers start once the
# static files are collected (WhiteNoise lists them when a worker loads the app), and they are not handed to CMD
# before migrate is done (their health check needs only the connection).
# --skip-checks: the system checks cost a second or two of CPU on every start and guard nothing of a throwaway site
# (make test runs `check --deploy`).
setsid "$python" -m django migrate --noinput --skip-checks >"$workdir/migrate.log" 2>&1 &
migrate_pid=$!
started+=("$migrate_pid")
setsid "$python" -m django collectstatic --noinput --skip-checks --verbosity 0 >"$workdir/collectstatic.log" 2>&1 &
collect_pid=$!
started+=("$collect_pid")
if ! wait "$collect_pid"; then
    show_log "collectstatic failed" "$workdir/collectstatic.log"
    exit 1
fi

# gunicorn for server $1 on $2, in its own process group (setsid), with make run's request limits (scripts/run.sh
# explains them); no control socket (gunicorn 27's default path is one per user: the servers would fight over it).
# Sets started_pid (not printed: a command substitution would make the server a subshell's child, not ours).
start_app() {
    local name=$1 port=$2
    SALESCYCLE_SERVER_NAME="$name" LOG_LEVEL="$app_log_level" setsid "$python" -m gunicorn \
        salescycle.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" --no-control-socket \
        --limit-request-line 8190 --limit-request-fields 100 --limit-request-field_size 8190 \
        >>"$workdir/$name.log" 2>&1 &
    started_pid=$!
    started+=("$started_pid")
}

# The servers boot together; each is then waited for (its health answering 200). A port taken between free_port
# and gunicorn's bind makes gunicorn exit: that server is started again on another port (at most 3 tries).
declare -A ports pids tries
for ((k = 1; k <= servers; k++)); do
    ports[$k]=$(free_port)
    start_app "app$k" "${ports[$k]}"
    pids[$k]=$started_pid
    tries[$k]=1
done
if ! wait "$migrate_pid"; then
    show_log "migrate failed" "$workdir/migrate.log"
    exit 1
fi
for ((k = 1; k <= servers; k++)); do
    deadline=$((SECONDS + 120))
    until answers "http://127.0.0.1:${ports[$k]}/api/v1/health"; do
        if ! kill -0 "${pids[$k]}" 2>/dev/null; then
            wait "${pids[$k]}" 2>/dev/null || true
            if ((tries[$k] >= 3)); then
                show_log "app$k did not start" "$workdir/app$k.log"
                exit 1
            fi
            ports[$k]=$(free_port)
            start_app "app$k" "${ports[$k]}"
            pids[$k]=$started_pid
            tries[$k]=$((tries[$k] + 1))
        elif ((SECONDS > deadline)); then
            show_log "app$k did not answer within 120 s" "$workdir/app$k.log"
            exit 1
        fi
        sleep 0.2
    done
    app_pids+=("${pids[$k]}")
    app_urls+=("http://127.0.0.1:${ports[$k]}")
done

setsid "$python" -m django run_jobs --skip-checks >"$workdir/jobs.log" 2>&1 &
jobs_pid=$!
started+=("$jobs_pid")

# HAProxy in the foreground (-db: no daemon), as our child in its own process group. The health check sends a Host
# the app accepts (ALLOWED_HOSTS). Timeouts: connect 2 s (a dead server refuses at once anyway), a request may take
# as long as gunicorn lets it (its worker timeout is 30 s).
write_haproxy_config() {
    local lb_port=$1 k
    {
        echo "global"
        echo "    maxconn 1024"
        echo "    log stderr format short local0 warning"
        echo "defaults"
        echo "    mode http"
        echo "    log global"
        echo "    option dontlognull"
        echo "    timeout connect 2s"
        echo "    timeout client 60s"
        echo "    timeout server 60s"
        echo "    timeout http-keep-alive 10s"
        echo "    retries 3"
        echo "    retry-on conn-failure"
        echo "    option redispatch 1"
        echo "frontend salescycle"
        echo "    bind 127.0.0.1:$lb_port"
        echo "    default_backend appservers"
        echo "backend appservers"
        echo "    balance roundrobin"
        echo "    option httpchk"
        echo "    http-check send meth GET uri /api/v1/health ver HTTP/1.1 hdr Host 127.0.0.1"
        echo "    http-check expect status 200"
        echo "    default-server check inter 1s fall 2 rise 1"
        for ((k = 1; k <= servers; k++)); do
            echo "    server app$k 127.0.0.1:${ports[$k]}"
        done
    } >"$workdir/haproxy.cfg"
}

lb_ready=0
for _ in 1 2 3; do
    lb_port=$(free_port)
    write_haproxy_config "$lb_port"
    setsid haproxy -db -f "$workdir/haproxy.cfg" >>"$workdir/haproxy.log" 2>&1 &
    lb_pid=$!
    started+=("$lb_pid")
    for _ in $(seq 100); do
        if answers "http://127.0.0.1:$lb_port/api/v1/health"; then
            lb_ready=1
            break
        fi
        kill -0 "$lb_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ((lb_ready)); then
        break
    fi
    kill -KILL -- "-$lb_pid" 2>/dev/null || true
    wait "$lb_pid" 2>/dev/null || true
done
if ((!lb_ready)); then
    show_log "haproxy did not start" "$workdir/haproxy.log"
    exit 1
fi

export SALESCYCLE_LB_URL="http://127.0.0.1:$lb_port"
export SALESCYCLE_APP_URLS="${app_urls[*]}"
export SALESCYCLE_APP_PIDS="${app_pids[*]}"
export SALESCYCLE_LB_PID="$lb_pid"
export SALESCYCLE_JOBS_PID="$jobs_pid"
echo "with-appservers: $servers server(s) x $workers worker(s) ($SALESCYCLE_APP_URLS) behind HAProxy $(haproxy -v |
    awk 'NR == 1 {print $3}') on $SALESCYCLE_LB_URL" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
