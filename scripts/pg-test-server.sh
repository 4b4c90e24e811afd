#!/usr/bin/env bash
# A throwaway PostgreSQL server for the archive tests (issue 12), from Debian's packages.
#
#   eval "$(scripts/pg-test-server.sh start DIR)"   # prints: export COPYDESK_TEST_POSTGRES=…; export COPYDESK_TEST_PG_DIR=…
#   scripts/pg-test-server.sh kill DIR      # immediate shutdown (clients lose their connections); restart DIR starts it again
#   scripts/pg-test-server.sh stop DIR
#
# start: installs postgresql with apt-get when initdb is missing (as root), runs initdb in DIR/data (as the user
# postgres when run as root: initdb and postgres refuse root), starts it on a Unix socket in DIR/sock only
# (listen_addresses = ''), creates the database copydesk_test and the role copydesk_pw_test (a password, required
# for that role alone: the wrong-password test). stop: pg_ctl stop, then removes DIR.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?folder}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_start() {
    # The server must not keep the caller's descriptors: Foundation's Process (the Swift tests) hands every child
    # the end of a socket pair it watches to learn that the child exited, so a postmaster holding it made
    # `Process.waitUntilExit()` on this script wait forever (the child a zombie, the test hung). Close everything
    # above stderr in a subshell before starting it.
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            case $fd in 0|1|2) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
        done
        as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -c fsync=off" start >/dev/null
    )
}
case "$cmd" in
kill)
    # The server goes away under its clients (the archive tests' "server gone mid-run"): immediate shutdown.
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
restart)
    pg_start
    ;;
start)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
            bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
        else
            echo "PostgreSQL is not installed and cannot be installed (not root): no server for the archive tests" >&2
            exit 1
        fi
    fi
    mkdir -p "$dir/data" "$dir/sock"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; chmod 755 "$dir"; fi
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    # The password role must authenticate; everyone else is trusted on this private socket.
    printf 'local all copydesk_pw_test scram-sha-256\n' | cat - "$dir/data/pg_hba.conf" > "$dir/pg_hba.conf"
    cp "$dir/pg_hba.conf" "$dir/data/pg_hba.conf"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir/data/pg_hba.conf"; fi
    pg_start
    as_pg "$bindir/psql" -h "$dir/sock" -U postgres -q -c "CREATE DATABASE copydesk_test" \
        -c "CREATE ROLE copydesk_pw_test LOGIN PASSWORD 'right-secret'" >/dev/null
    echo "export COPYDESK_TEST_POSTGRES='postgres://postgres@/copydesk_test?host=$dir/sock'"
    echo "export COPYDESK_TEST_PG_DIR='$dir'"
    ;;
stop)
    if [ -n "$bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
esac
