#!/usr/bin/env bash
# `make check-run`: prove that `make run` on a fresh clone serves the opportunity list with the Maven CRM data
# (issue #6), end to end and over plain HTTP.
#
#   1. clones this repository's HEAD (committed work only) into a new folder beside this checkout, so that the
#      clone's ../shared/data/maven-crm is the same folder as ours (when that parent folder is not writable, the
#      clone goes to /tmp and MAVEN_CRM_DIR points run.sh at our Maven folder);
#   2. runs `make run` there on a free port (SALESCYCLE_BIND), with no DATABASE_URL, SECRET_KEY or
#      SALESCYCLE_DATA_DIR from this shell: the clone creates .venv, installs, and keeps its database in its data/;
#   3. waits for GET /api/v1/health (the first run creates the virtualenv and installs: minutes);
#   4. with curl: reads the sign-in page's CSRF token and cookie, signs in with the credentials `make run` printed,
#      and checks that the opportunity list answers 200 and shows the first Maven deal of sales_pipeline.csv (sorted
#      by opportunity_id, as the list is sorted by No.), then that the API (with the same session) counts every
#      Maven deal on the MAVEN sales cycle and the whole list holds at least as many;
#   5. stops `make run` and everything it started (its own process group), removes the clone.
#
# Prints PASS or FAIL with what it saw; exits non-zero on failure. Not part of `make test` (a fresh install is too
# slow for CI). Environment: CHECK_RUN_TIMEOUT (seconds to wait for the server, default 900), PORT (default: a free
# one), PYTHON (passed to make, default python3), KEEP_CLONE=1 (leave the clone and its log for inspection).
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd -P)"
started=$(date +%s)
timeout="${CHECK_RUN_TIMEOUT:-900}"
host=127.0.0.1

say() { echo "check-make-run: $*"; }
elapsed() { echo "$(($(date +%s) - started))s"; }

clone=
work=
log=
server_pid=

stop_server() {
    [[ -n "$server_pid" ]] || return 0
    # `make run` was started with setsid: make, run.sh (exec'd into gunicorn) and the workers share its group.
    if kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM -- "-$server_pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 -- "-$server_pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL -- "-$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

cleanup() {
    stop_server
    if [[ "${KEEP_CLONE:-0}" == 1 ]]; then
        [[ -n "$clone" ]] && say "kept the clone: $clone (log, cookies and last response: $work)"
        return 0
    fi
    [[ -n "$clone" ]] && rm -rf "$clone"
    [[ -n "$work" ]] && rm -rf "$work"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $* ($(elapsed))"
    if [[ -n "$log" && -s "$log" ]]; then
        echo "--- last lines of make run's output ---"
        tail -n 40 "$log"
    fi
    exit 1
}

for tool in git curl make python3 setsid; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done

# --- the Maven data and the deal to look for ------------------------------------------------------------------
maven_dir="$(cd "$repo_root/.." && pwd -P)/shared/data/maven-crm"
pipeline="$maven_dir/sales_pipeline.csv"
[[ -s "$pipeline" ]] || fail "$pipeline is missing: nothing to prove"
# The importer upper-cases opportunity_id into the opportunity's No.; the list is sorted by No. (byte order).
deals=$(tail -n +2 "$pipeline" | tr -d '\r' | cut -d, -f1 | grep -v '^$' | tr '[:lower:]' '[:upper:]')
deal_count=$(wc -l <<<"$deals")
first_deal=$(LC_ALL=C sort <<<"$deals" | sed -n 1p)
say "Maven data: $deal_count deals in $pipeline; the list's first row should be $first_deal"

# --- the clone ------------------------------------------------------------------------------------------------
parent="$(dirname "$repo_root")"
if clone=$(mktemp -d "$parent/salescycle-check-run.XXXXXX" 2>/dev/null); then
    unset MAVEN_CRM_DIR # run.sh's default, ../shared/data/maven-crm, must find it on its own
else
    clone=$(mktemp -d "${TMPDIR:-/tmp}/salescycle-check-run.XXXXXX")
    export MAVEN_CRM_DIR="$maven_dir"
fi
git clone --quiet --no-hardlinks "$repo_root" "$clone" || fail "git clone of $repo_root failed"
say "cloned $(git -C "$clone" rev-parse --short HEAD) into $clone"
if [[ -z "${MAVEN_CRM_DIR:-}" ]]; then
    [[ "$(cd "$clone/../shared/data/maven-crm" && pwd -P)" == "$maven_dir" ]] ||
        fail "the clone's ../shared/data/maven-crm is not $maven_dir"
fi

# --- make run -------------------------------------------------------------------------------------------------
port="${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
base="http://$host:$port"
work=$(mktemp -d "${TMPDIR:-/tmp}/salescycle-check-run-http.XXXXXX")
log="$work/make-run.log"
jar="$work/cookies"
body="$work/body"

# As from a fresh shell: none of this checkout's database, key or data folder, no outer make's flags, and not
# this checkout's virtualenv on PATH (the clone makes its own from $PYTHON).
path_without_venv=$(tr ':' '\n' <<<"$PATH" | grep -v -x -F "$repo_root/.venv/bin" | paste -s -d: -)
say "make run on $base (log: $log)"
env -u DATABASE_URL -u SECRET_KEY -u SALESCYCLE_DATA_DIR -u DEBUG -u VIRTUAL_ENV \
    -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    PATH="$path_without_venv" SALESCYCLE_BIND="$host:$port" \
    setsid make -C "$clone" run ${PYTHON:+PYTHON="$PYTHON"} >"$log" 2>&1 </dev/null &
server_pid=$!

while :; do
    if health=$(curl --noproxy '*' -fsS --max-time 5 "$base/api/v1/health" 2>/dev/null); then
        break
    fi
    kill -0 "$server_pid" 2>/dev/null || fail "make run exited before the server answered"
    (($(date +%s) - started < timeout)) || fail "no answer from $base/api/v1/health within ${timeout}s"
    sleep 1
done
say "server up after $(elapsed): /api/v1/health → $health"
[[ "$health" == *'"status": "ok"'* ]] || fail "/api/v1/health answered $health"

# --- sign in --------------------------------------------------------------------------------------------------
credentials=$(sed -n 's/^Log in as: \(.*\) \/ \(.*\)$/\1\t\2/p' "$log" | tail -n 1)
if [[ -n "$credentials" ]]; then
    username=${credentials%%$'\t'*}
    password=${credentials#*$'\t'}
    say "make run printed the credentials: $username / $password"
else
    username=demo
    password="${DEMO_PASSWORD:-demo-sales-2026}"
    say "make run printed no credentials: using the documented $username / $password"
fi

# Like a browser: the cookie jar, and an Origin header on the POST (Django checks it against the host).
http() { curl --noproxy '*' -sS --max-time 60 -b "$jar" -c "$jar" -o "$body" -w '%{http_code} %{redirect_url}' "$@"; }

read -r status _ <<<"$(http "$base/accounts/login/")"
[[ "$status" == 200 ]] || fail "GET /accounts/login/ answered $status"
token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$body" | sed -n 1p | sed 's/.*value="\([^"]*\)"/\1/')
[[ -n "$token" ]] || fail "no CSRF token on the sign-in page"
grep -q 'csrftoken' "$jar" || fail "no csrftoken cookie from the sign-in page"
say "GET /accounts/login/ → 200, CSRF token and cookie received"

read -r status location <<<"$(http -H "Origin: $base" -H "Referer: $base/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=$username" \
    --data-urlencode "password=$password" "$base/accounts/login/")"
[[ "$status" == 302 ]] || fail "signing in as $username answered $status (expected 302: wrong password?)"
grep -q 'sessionid' "$jar" || fail "signing in set no session cookie"
say "POST /accounts/login/ → 302 to ${location:-?}, session cookie set"

# --- the opportunity list -------------------------------------------------------------------------------------
read -r status _ <<<"$(http "$base/opportunities/")"
[[ "$status" == 200 ]] || fail "GET /opportunities/ answered $status"
shown=$(grep -o 'href="/opportunities/[^/"]*/"' "$body" | sed 's|href="/opportunities/\([^/"]*\)/"|\1|' |
    grep -v -x -E 'new|export\.csv|export\.xlsx|delete-closed|board|statistics' || true)
rows=$(grep -c . <<<"$shown" || true)
maven_rows=$(grep -c -x -F -f <(printf '%s\n' "$deals") <<<"$shown" || true)
say "GET /opportunities/ → 200: $rows rows, $maven_rows of them Maven deals, first row ${shown%%$'\n'*}"
grep -q ">$first_deal<" "$body" || fail "the list page does not show $first_deal"
((maven_rows > 0)) || fail "the list page shows no Maven deal"

# --- the API, with the same session ---------------------------------------------------------------------------
# "<count> <No. of the first item>" of an API page.
page_summary() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["count"], (d["items"] or [{"no": "-"}])[0]["no"])'; }

read -r status _ <<<"$(http "$base/api/v1/opportunities?limit=1")"
[[ "$status" == 200 ]] || fail "GET /api/v1/opportunities?limit=1 answered $status"
read -r total _ <<<"$(page_summary <"$body")"
say "GET /api/v1/opportunities?limit=1 → 200, count $total"

read -r status _ <<<"$(http "$base/api/v1/opportunities?limit=1&sales_cycle_code=MAVEN")"
[[ "$status" == 200 ]] || fail "GET /api/v1/opportunities?limit=1&sales_cycle_code=MAVEN answered $status"
read -r maven_total maven_first <<<"$(page_summary <"$body")"
say "GET /api/v1/opportunities?limit=1&sales_cycle_code=MAVEN → 200, count $maven_total, first $maven_first"
((maven_total == deal_count)) || fail "the API counts $maven_total Maven opportunities, the CSV has $deal_count"
((total >= deal_count)) || fail "the API counts $total opportunities in all, fewer than the $deal_count Maven deals"
[[ "$maven_first" == "$first_deal" ]] || fail "the API's first Maven opportunity is $maven_first, not $first_deal"

stop_server
echo "PASS: make run on a fresh clone served $base/opportunities/ (200, $first_deal and $maven_rows Maven rows" \
    "on the first page) and the API ($maven_total of $deal_count Maven deals, $total opportunities) ($(elapsed))"
