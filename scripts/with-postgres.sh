#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server, then stop it and delete it.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# Starts a private cluster in a fresh temporary folder (initdb; postgres runs as this script's child; pg_ctl stops
# it), listening only on 127.0.0.1 on a free port, with trust authentication and durability switched off (fsync,
# synchronous_commit, full_page_writes: the data is thrown away anyway). Creates the database `salescycle`, exports
# DATABASE_URL=postgres://postgres@127.0.0.1:PORT/salescycle and runs CMD. The server is stopped and the folder
# removed on every exit path (success, failure, Ctrl-C); the exit code is CMD's.
#
# The connecting role is the cluster's superuser `postgres`, so test runners may create test databases.
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user (runuser).
# Environment: PG_BINDIR overrides where initdb/pg_ctl/postgres/createdb are found.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

if [[ -z "${PG_BINDIR:-}" ]]; then
    initdb_path=$(command -v initdb || true)
    if [[ -z "$initdb_path" ]]; then
        for candidate in /usr/lib/postgresql/*/bin; do
            [[ -x "$candidate/initdb" ]] && initdb_path="$candidate/initdb"
        done
    fi
    if [[ -z "$initdb_path" ]]; then
        echo "with-postgres: initdb not found (install postgresql or set PG_BINDIR)" >&2
        exit 2
    fi
    # Debian links initdb into PATH; createdb sits beside the real binary, not beside the link.
    PG_BINDIR=$(dirname "$(readlink -f "$initdb_path")")
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/salescycle-pg.XXXXXX")
datadir="$workdir/data"
logfile="$workdir/postgres.log"
server_pid=""

# The server tools run from the work folder: the postgres user may not be allowed into the caller's folder.
as_postgres=(env -C "$workdir")
if [[ $(id -u) -eq 0 ]]; then
    as_postgres+=(runuser -u postgres --)
fi

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$server_pid" ]]; then
        # Immediate: no checkpoint for data we are about to delete; it also ends sessions a test left open.
        "${as_postgres[@]}" "$PG_BINDIR/pg_ctl" -D "$datadir" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            kill "$server_pid" 2>/dev/null || true
        # The server is our child (not daemonized by pg_ctl start), so waiting reaps it: nothing is left behind.
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$workdir"
fi

"${as_postgres[@]}" "$PG_BINDIR/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$workdir/initdb.log" 2>&1 || {
    cat "$workdir/initdb.log" >&2
    exit 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts postgres on $port in the background and waits until it accepts connections; fails if it exits first.
# setsid: Ctrl-C or a CI cancel signals our process group, not the server; cleanup stops it in one known way.
start_server() {
    setsid "${as_postgres[@]}" "$PG_BINDIR/postgres" -D "$datadir" -c listen_addresses=127.0.0.1 -p "$port" \
        -c unix_socket_directories="$workdir" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        >>"$logfile" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do
        if "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port"; then
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" 2>/dev/null || true
            server_pid=""
            return 1
        fi
        sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    return 1
}

# The port is free when chosen but could be taken before postgres binds it: retry with another one.
started=0
for _ in 1 2 3; do
    port=$(free_port)
    if start_server; then
        started=1
        break
    fi
done
if [[ $started -eq 0 ]]; then
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$logfile" >&2 || true
    exit 1
fi

"$PG_BINDIR/createdb" -h 127.0.0.1 -p "$port" -U postgres salescycle

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/salescycle"
echo "with-postgres: PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
