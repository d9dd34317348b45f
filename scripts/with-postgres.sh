#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server, then stop it and delete it.
#
#   scripts/with-postgres.sh [--replica] CMD [ARGS...]
#
# Starts a private cluster in a fresh temporary folder (initdb; postgres runs as this script's child; pg_ctl stops
# it), listening only on 127.0.0.1 on a free port, with trust authentication and durability switched off (fsync,
# synchronous_commit, full_page_writes: the data is thrown away anyway). Creates the database `salescycle`, exports
# DATABASE_URL=postgres://postgres@127.0.0.1:PORT/salescycle and runs CMD. The server is stopped and the folder
# removed on every exit path (success, failure, Ctrl-C); the exit code is CMD's.
#
# --replica also makes a real streaming standby of that server (issue #16 item 2): the primary runs with
# wal_level=replica and a replication entry (trust, 127.0.0.1) in pg_hba.conf; `pg_basebackup -R` copies it into a
# second folder with standby.signal and primary_conninfo; the standby runs as a hot standby on its own free port.
# Exports DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:PORT2/salescycle beside DATABASE_URL, and
# SALESCYCLE_TEST_STANDBY_CTL: a command taking `stop` or `start` that stops or restarts the standby (the replica
# tests stop it to see reads fall back). Both servers are stopped and both folders removed on every exit path.
#
# The connecting role is the cluster's superuser `postgres`, so test runners may create test databases.
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user (runuser).
# Environment: PG_BINDIR overrides where initdb/pg_ctl/postgres/createdb are found.
set -euo pipefail

replica=0
if [[ "${1:-}" == "--replica" ]]; then
    replica=1
    shift
fi
if [[ $# -eq 0 ]]; then
    echo "usage: $0 [--replica] CMD [ARGS...]" >&2
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
standby_datadir="$workdir/standby"
standby_logfile="$workdir/standby.log"
standby_pid=""

# The server tools run from the work folder: the postgres user may not be allowed into the caller's folder.
as_postgres=(env -C "$workdir")
if [[ $(id -u) -eq 0 ]]; then
    as_postgres+=(runuser -u postgres --)
fi

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # The standby first (it would otherwise retry connecting to the stopped primary); the test's ctl may have
    # restarted it under pg_ctl, so stop it by its folder whenever it has a postmaster.pid.
    if [[ -n "$standby_pid" || -f "$standby_datadir/postmaster.pid" ]]; then
        "${as_postgres[@]}" "$PG_BINDIR/pg_ctl" -D "$standby_datadir" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            { [[ -n "$standby_pid" ]] && kill "$standby_pid" 2>/dev/null; } || true
        [[ -n "$standby_pid" ]] && { wait "$standby_pid" 2>/dev/null || true; }
    fi
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
# Arguments: the data folder, the log file, then extra server settings; sets $started_pid.
start_server() {
    local dir=$1 log=$2
    shift 2
    setsid "${as_postgres[@]}" "$PG_BINDIR/postgres" -D "$dir" -c listen_addresses=127.0.0.1 -p "$port" \
        -c unix_socket_directories="$workdir" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        "$@" >>"$log" 2>&1 &
    started_pid=$!
    for _ in $(seq 300); do
        if "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port"; then
            return 0
        fi
        if ! kill -0 "$started_pid" 2>/dev/null; then
            wait "$started_pid" 2>/dev/null || true
            started_pid=""
            return 1
        fi
        sleep 0.1
    done
    kill "$started_pid" 2>/dev/null || true
    wait "$started_pid" 2>/dev/null || true
    started_pid=""
    return 1
}

# The port is free when chosen but could be taken before postgres binds it: retry with another one.
primary_settings=()
if [[ $replica -eq 1 ]]; then
    primary_settings=(-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on)
    # pg_basebackup and the standby's WAL receiver connect as `postgres` over TCP to the replication pseudo-database.
    echo "host replication postgres 127.0.0.1/32 trust" >>"$datadir/pg_hba.conf"
fi

started=0
started_pid=""
for _ in 1 2 3; do
    port=$(free_port)
    if start_server "$datadir" "$logfile" "${primary_settings[@]}"; then
        server_pid=$started_pid
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

# Without --replica, a replica URL from the caller's environment would point at some other server.
unset DATABASE_REPLICA_URL SALESCYCLE_TEST_STANDBY_CTL
if [[ $replica -eq 1 ]]; then
    primary_port=$port
    # -R writes standby.signal and primary_conninfo; -X stream copies the WAL written during the copy too.
    "${as_postgres[@]}" "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$standby_datadir" \
        -R -X stream -c fast --no-sync >"$workdir/basebackup.log" 2>&1 || {
        cat "$workdir/basebackup.log" >&2
        exit 1
    }
    # Created by the server's user: the ctl's `pg_ctl start -l` appends to it as that user.
    "${as_postgres[@]}" touch "$standby_logfile"
    started=0
    for _ in 1 2 3; do
        port=$(free_port)
        # The standby's own settings live in its folder, so that the ctl below restarts it as it was.
        {
            echo "port = $port"
            echo "listen_addresses = '127.0.0.1'"
            echo "unix_socket_directories = '$workdir'"
            echo "hot_standby = on"
            echo "fsync = off"
            echo "full_page_writes = off"
        } >"$workdir/standby.conf"
        "${as_postgres[@]}" cp "$workdir/standby.conf" "$standby_datadir/conf.d.standby.conf"
        if ! grep -q "conf.d.standby.conf" "$standby_datadir/postgresql.conf"; then
            echo "include_if_exists = 'conf.d.standby.conf'" | "${as_postgres[@]}" tee -a \
                "$standby_datadir/postgresql.conf" >/dev/null
        fi
        if start_server "$standby_datadir" "$standby_logfile"; then
            standby_pid=$started_pid
            started=1
            break
        fi
    done
    if [[ $started -eq 0 ]]; then
        echo "with-postgres: the standby did not start; its log:" >&2
        cat "$standby_logfile" >&2 || true
        exit 1
    fi
    ctl="$workdir/standby-ctl"
    {
        echo '#!/usr/bin/env bash'
        echo '# Stops (immediate) or starts the throwaway standby of scripts/with-postgres.sh --replica.'
        echo 'set -euo pipefail'
        printf 'case "${1:-}" in\n'
        printf '  stop) exec %q -D %q -m immediate -w -t 30 stop >/dev/null ;;\n' "$PG_BINDIR/pg_ctl" "$standby_datadir"
        printf '  start) exec %q -D %q -l %q -w -t 60 start >/dev/null ;;\n' "$PG_BINDIR/pg_ctl" "$standby_datadir" \
            "$standby_logfile"
        printf '  *) echo "usage: $0 stop|start" >&2; exit 2 ;;\nesac\n'
    } >"$ctl.inner"
    {
        echo '#!/usr/bin/env bash'
        printf 'exec'
        printf ' %q' "${as_postgres[@]}" bash "$ctl.inner"
        printf ' "$@"\n'
    } >"$ctl"
    chmod 755 "$ctl" "$ctl.inner"
    export DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$port/salescycle"
    export SALESCYCLE_TEST_STANDBY_CTL="$ctl"
    echo "with-postgres: streaming standby on 127.0.0.1:$port" >&2
fi

set +e
"$@"
status=$?
set -e
exit "$status"
