#!/usr/bin/env bash
# Several web nodes and workers on one machine, on loopback ports: what the two-node
# test (tests/cluster/) starts, and a way to try a multi-node layout on a laptop.
#
#   platform/cluster.sh start DIR PORT [PORT ...]   migrate, then one web node per PORT
#                                                   and $HOLDOUT_CLUSTER_WORKERS workers (default 1)
#   platform/cluster.sh stop DIR                    stop everything started in DIR
#
# The shared services come from the environment, exactly as on separate hosts:
# HOLDOUT_DATABASE_URL, HOLDOUT_STORAGE_URL, HOLDOUT_REDIS_URL, HOLDOUT_SECRET_KEY.
# Logs and pid files go to DIR. `start` returns once every node answers /healthz
# (or fails, printing the logs, after $HOLDOUT_CLUSTER_WAIT seconds, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${HOLDOUT_VENV:-.venv}/bin"

usage() { echo "usage: $0 start DIR PORT [PORT ...] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1 dir=$2
shift 2

stop() {
    local pidfile pid
    for pidfile in "$dir"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pidfile in "$dir"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

case "$action" in
start)
    [ $# -ge 1 ] || usage
    mkdir -p "$dir"
    "$BIN/alembic" upgrade head >"$dir/migrate.log" 2>&1 || { cat "$dir/migrate.log" >&2; exit 1; }
    for port in "$@"; do
        GUNICORN_CMD_ARGS="--pid $dir/web-$port.pid --access-logfile $dir/web-$port.access.log" \
            setsid platform/web.sh "127.0.0.1:$port" >"$dir/web-$port.log" 2>&1 &
    done
    for i in $(seq 1 "${HOLDOUT_CLUSTER_WORKERS:-1}"); do
        setsid platform/worker.sh >"$dir/worker-$i.log" 2>&1 &
        echo $! >"$dir/worker-$i.pid"
    done
    deadline=$((SECONDS + ${HOLDOUT_CLUSTER_WAIT:-60}))
    for port in "$@"; do
        until "$BIN/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
                "http://127.0.0.1:$port/healthz" 2>/dev/null; do
            if [ $SECONDS -ge $deadline ]; then
                echo "web node on port $port did not answer /healthz; its log:" >&2
                cat "$dir/web-$port.log" >&2
                stop
                exit 1
            fi
            sleep 0.3
        done
    done
    echo "cluster up: web nodes on $* (logs in $dir)"
    ;;
stop)
    stop
    ;;
*)
    usage
    ;;
esac
