#!/usr/bin/env bash
# The full suite, twice: on SQLite, then on PostgreSQL (a fresh schema per run).
# Called by `make test` once .venv has requirements-dev.txt; extra arguments go to pytest.
#
#   HOLDOUT_TEST_PG_URL   PostgreSQL server for the second pass
#                         (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
#   HOLDOUT_TEST_PASSES   "sqlite postgres" (default), or just one of them
#   HOLDOUT_TEST_REDIS_URL Redis for the shared rate-limit tests (default redis://127.0.0.1:6379/15)
#   CI=true               PostgreSQL, Redis and chromium are mandatory (started / failed if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
PG_URL="${HOLDOUT_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
REDIS_URL="${HOLDOUT_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export HOLDOUT_TEST_REDIS_URL="$REDIS_URL"
PASSES="${HOLDOUT_TEST_PASSES:-sqlite postgres}"
CHROMIUM=/usr/bin/chromium
case "${CI:-}" in 1|true|TRUE|True|yes) IN_CI=1 ;; *) IN_CI=0 ;; esac

warnings=()
banner() {  # banner LINE...: a loud, unmissable message on stderr
    {
        echo
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        for line in "$@"; do echo "!!! $line"; done
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo
    } >&2
}

pg_reachable() {
    HOLDOUT_PG_PROBE_URL="$PG_URL" "$BIN/python" - <<'PY' 2>/dev/null
import os, sys
import psycopg
from sqlalchemy.engine import make_url

url = make_url(os.environ["HOLDOUT_PG_PROBE_URL"])
try:
    psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                    dbname=url.database, connect_timeout=3).close()
except Exception as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
PY
}

start_postgres() {
    local version
    version=$(ls /etc/postgresql 2>/dev/null | head -n1 || true)
    if [ -z "$version" ] || ! command -v pg_ctlcluster >/dev/null; then
        echo "PostgreSQL is not installed (no /etc/postgresql or pg_ctlcluster)" >&2
        return 1
    fi
    echo "==> Starting PostgreSQL $version (pg_ctlcluster)" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
        pg_reachable && return 0
        sleep 1
    done
    return 1
}

redis_reachable() {
    HOLDOUT_REDIS_PROBE_URL="$REDIS_URL" "$BIN/python" - <<'PY' 2>/dev/null
import os, sys
import redis

try:
    redis.Redis.from_url(os.environ["HOLDOUT_REDIS_PROBE_URL"], socket_connect_timeout=3).ping()
except Exception as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
PY
}

start_redis() {
    if ! command -v redis-server >/dev/null; then
        echo "Redis is not installed (no redis-server; apt-get install redis-server)" >&2
        return 1
    fi
    echo "==> Starting redis-server" >&2
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null || true
    for _ in $(seq 1 30); do
        redis_reachable && return 0
        sleep 1
    done
    return 1
}

# --- decide what runs ---------------------------------------------------------------------
browser_deselect=()
if [ ! -x "$CHROMIUM" ]; then
    if [ "$IN_CI" = 1 ]; then
        banner "$CHROMIUM is missing and CI=true: browser tests are mandatory in CI." \
               "Install Debian's chromium (apt-get install chromium); .ci/run does this."
        exit 1
    fi
    warnings+=("BROWSER TESTS SKIPPED: $CHROMIUM not found (apt-get install chromium)")
    banner "${warnings[-1]}"
    # The SQLite pass reports them as skipped with this reason; the PostgreSQL pass,
    # where any skip is a failure, leaves them out.
    browser_deselect=(-m "not browser")
fi

# Redis: the tests that need it skip loudly without it, and fail under CI=true (tests/conftest.py).
if ! redis_reachable; then
    if [ "$IN_CI" = 1 ]; then
        if ! start_redis; then
            banner "Redis at $REDIS_URL is unreachable and could not be started." \
                   "CI=true: the Redis rate-limit tests are mandatory. Failing."
            exit 1
        fi
    else
        warnings+=("REDIS TESTS SKIPPED: cannot connect to $REDIS_URL (start redis-server or set HOLDOUT_TEST_REDIS_URL)")
        banner "${warnings[-1]}"
    fi
fi

run_pg=0
if [[ " $PASSES " == *" postgres "* ]]; then
    if pg_reachable; then
        run_pg=1
    elif [ "$IN_CI" = 1 ]; then
        if start_postgres; then
            run_pg=1
        else
            banner "PostgreSQL at $PG_URL is unreachable and could not be started." \
                   "CI=true: the PostgreSQL pass is mandatory. Failing."
            exit 1
        fi
    else
        warnings+=("POSTGRESQL PASS SKIPPED: cannot connect to $PG_URL (start PostgreSQL or set HOLDOUT_TEST_PG_URL)")
        banner "${warnings[-1]}"
    fi
fi

# --- run ------------------------------------------------------------------------------------
status=0
results=()

echo "================ lint: ruff ================"
if "$BIN/ruff" check .; then
    results+=("lint: passed")
else
    results+=("lint: FAILED (ruff check .)")
    status=1
fi

run_pass() {  # run_pass NAME DATABASE_URL PYTEST_ARGS...
    local name=$1 url=$2; shift 2
    echo
    echo "================ pass: $name ================"
    set +e
    HOLDOUT_TEST_DATABASE_URL="$url" "$BIN/python" -m pytest -p no:cacheprovider "$@"
    local rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        results+=("$name: passed")
    else
        # Exit code 5 (no tests collected) counts as a failure too.
        results+=("$name: FAILED (pytest exit code $rc)")
        status=1
    fi
}

if [[ " $PASSES " == *" sqlite "* ]]; then
    run_pass sqlite "" "$@"
fi
if [ "$run_pg" = 1 ]; then
    run_pass postgresql "$PG_URL" "${browser_deselect[@]}" "$@"
fi

echo
echo "================ summary ================"
for line in "${results[@]}"; do echo "  $line"; done
if [ "${#warnings[@]}" -gt 0 ]; then
    banner "${warnings[@]}"
fi
if [ "${#results[@]}" = 0 ]; then
    echo "no test pass ran" >&2
    exit 1
fi
exit "$status"
