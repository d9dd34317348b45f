#!/usr/bin/env bash
# `make run`: bring the database up to date, load the demo data, ensure the demo user, serve with gunicorn and run
# the background job worker (`salescycle run-jobs`) beside it.
#
# Expects the virtualenv in .venv (the Makefile creates it). Environment:
#   DEMO_PASSWORD     the demo user's password (default demo-sales-2026), set at every start on a database this
#                     script created (first migrate on an empty database), never on another
#   SALESCYCLE_BIND   gunicorn's address (default 127.0.0.1:8000)
#   WEB_WORKERS       gunicorn worker processes (default 3)
#   MAVEN_CRM_DIR     the Maven CRM data to import when present (default ../shared/data/maven-crm)
# plus the settings' own variables (DATABASE_URL, SECRET_KEY, …; see README "Configuration"). Without SECRET_KEY,
# a random key is created once in the data folder (data/secret_key, readable by this user only) and used from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=.venv/bin
salescycle=$bin/salescycle
export DEBUG=0
export DEMO_PASSWORD="${DEMO_PASSWORD:-demo-sales-2026}"
bind="${SALESCYCLE_BIND:-127.0.0.1:8000}"
maven_dir="${MAVEN_CRM_DIR:-../shared/data/maven-crm}"
data_dir="${SALESCYCLE_DATA_DIR:-data}"

# DEBUG is off, so the settings refuse to start without SECRET_KEY. The key must stay the same across restarts (it
# signs the sessions), so it is kept in the data folder, beside the SQLite database.
if [[ -z "${SECRET_KEY:-}" ]]; then
    key_file="$data_dir/secret_key"
    if [[ ! -s "$key_file" ]]; then
        mkdir -p "$(dirname "$key_file")"
        (umask 077 && "$bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$key_file.tmp")
        mv "$key_file.tmp" "$key_file"
    fi
    chmod 600 "$key_file"
    SECRET_KEY="$(<"$key_file")"
    export SECRET_KEY
fi

# A command is used only once it exists, so this script picks up new ones without changes.
has_command() {
    "$salescycle" help "${1//-/_}" >/dev/null 2>&1
}

# Before migrate: an empty database (no table) is about to be created by this script; remember that, so that the
# demo user's known password is only ever set on such a database (issue #12 item 14).
"$salescycle" demo-user --claim-if-empty
"$salescycle" migrate --noinput

# The .mo files are not in git: compile the message catalogs (src/salescycle/locale) with GNU msgfmt.
if command -v msgfmt >/dev/null; then
    "$salescycle" compilemessages --ignore ".venv" --ignore "data" --ignore "bench" --verbosity 0
else
    echo "warning: GNU gettext (msgfmt) is not installed: the interface stays in English (apt-get install gettext)" >&2
fi

if has_command load-demo; then
    "$salescycle" load-demo
fi

if [[ -d "$maven_dir" ]] && has_command import-maven; then
    "$salescycle" import-maven "$maven_dir"
fi

# The demo sign-in: created or reset to $DEMO_PASSWORD only on a database that this script created (the marker of
# `demo-user --claim-if-empty` above, in the data folder); any other database keeps its users' passwords.
demo_sign_in="$("$salescycle" demo-user)"

"$salescycle" collectstatic --noinput --verbosity 0

echo
echo "Salescycle is starting on http://$bind/"
echo "$demo_sign_in"
echo

mkdir -p "$data_dir"
# gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two servers of one user
# (a developer's make run and the test suite's) would fight over it, so each data folder gets its own.
# Request limits (issue #12 item 9): gunicorn itself refuses a request line (method, path and query) over
# --limit-request-line bytes with 414 and a header over --limit-request-field_size bytes (or more than
# --limit-request-fields headers) with 431, as a small HTML page, before the app sees the request: the API's JSON
# error shape cannot cover them. The request line is raised to gunicorn's maximum, 8190 bytes (the default, 4094,
# cut long list queries and cursors); headers keep gunicorn's defaults, 8190 bytes each and 100 of them. Bodies are
# limited by the app (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB: 413 in the error shape). Logs: gunicorn's error log goes
# to stderr beside the app's JSON lines; its access log stays off (the app logs one line per request).
# The background job worker (issue #16) runs beside gunicorn: the queue is the same database, so the embedded
# default needs no other server. It is started again when it dies (a job it was running is queued again by the next
# worker once its lease passes), and stopped with gunicorn: SIGTERM or Ctrl+C to this script stops both (the worker
# puts a running job back in the queue at its next step). If gunicorn exits, the worker is stopped too.
worker_pid=
start_worker() {
    "$salescycle" run-jobs &
    worker_pid=$!
}
start_worker
"$bin/gunicorn" salescycle.wsgi:application --bind "$bind" --workers "${WEB_WORKERS:-3}" \
    --control-socket "$data_dir/gunicorn.ctl" \
    --limit-request-line 8190 --limit-request-fields 100 --limit-request-field_size 8190 &
server_pid=$!

stopping=0
stop_all() {
    stopping=1
    kill -TERM "$server_pid" "$worker_pid" 2>/dev/null || true
}
trap stop_all TERM INT
while ((!stopping)); do
    wait -n "$server_pid" "$worker_pid" || true  # returns when either exits, or when a trapped signal arrives
    if ((stopping)); then
        break
    elif ! kill -0 "$server_pid" 2>/dev/null; then
        echo "gunicorn stopped: stopping the job worker" >&2
        stop_all
    elif ! kill -0 "$worker_pid" 2>/dev/null; then
        echo "the job worker stopped: starting it again" >&2
        sleep 1
        start_worker
    fi
done
wait "$server_pid" 2>/dev/null || true
wait "$worker_pid" 2>/dev/null || true
