#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests: `scripts/pg.sh start` prints the env to export,
# `scripts/pg.sh stop` removes it. The cluster lives in a temp dir, owned by the `postgres` OS user
# (initdb refuses root), listens on loopback only, and uses a free port. PG_SETTINGS=default starts it with
# PostgreSQL's default settings (as installed: what the benchmark measures) instead of the tuning for tests below;
# PG_STATE_DIR puts it in a directory of its own (a second server beside the tests' one).
set -euo pipefail

# One server per checkout: two clones (a CI run beside a working copy) never share, or stop, each other's.
project_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="${PG_STATE_DIR:-${TMPDIR:-/tmp}/outreach-warehouse-pg-$(printf '%s' "$project_dir" | md5sum | cut -c1-8)}"
pg_bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        su postgres -s /bin/bash -c "$*"
    else
        bash -c "$*"
    fi
}

ensure_binaries() {
    if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
        echo "pg.sh: installing Debian's postgresql package" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir "$state_dir" --shell /bin/bash postgres
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    ensure_binaries
    if [ -f "$state_dir/port" ] && as_postgres "'$pg_bin/pg_ctl' -D '$state_dir/data' status" >/dev/null 2>&1; then
        port="$(cat "$state_dir/port")"
    else
        rm -rf "$state_dir"
        mkdir -p "$state_dir"
        chmod 755 "$state_dir"
        [ "$(id -u)" = "0" ] && chown postgres "$state_dir"
        port="$(free_port)"
        as_postgres "'$pg_bin/initdb' -D '$state_dir/data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >'$state_dir/initdb.log' 2>&1"
        # The superuser connects without a password; every other login (the tenant logins of the access
        # tests) must give its password, as in production.
        cat >"$state_dir/data/pg_hba.conf" <<HBA
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
        [ "$(id -u)" = "0" ] && chown postgres "$state_dir/data/pg_hba.conf"
        tuning="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB \
            -c work_mem=128MB -c maintenance_work_mem=512MB -c max_wal_size=4GB"
        [ "${PG_SETTINGS:-}" = "default" ] && tuning=""
        as_postgres "'$pg_bin/pg_ctl' -D '$state_dir/data' -l '$state_dir/server.log' -w -t 60 \
            -o \"-p $port -k '$state_dir' -c listen_addresses=127.0.0.1 -c timezone=UTC $tuning\" start >/dev/null"
        echo "$port" >"$state_dir/port"
        as_postgres "'$pg_bin/createdb' -h 127.0.0.1 -p $port -U postgres outreach"
    fi
    cat <<ENV
export DBT_POSTGRES_HOST=127.0.0.1
export DBT_POSTGRES_PORT=$port
export DBT_POSTGRES_USER=postgres
export DBT_POSTGRES_DATABASE=outreach
export PGTZ=UTC
ENV
}

stop() {
    if [ -d "$state_dir/data" ]; then
        as_postgres "'$pg_bin/pg_ctl' -D '$state_dir/data' -m fast -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$state_dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
