#!/usr/bin/env bash
# Migrate, seed the demo into an empty database, then serve with gunicorn.
# Called by `make run` once .venv has the requirements.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
WORKERS="${WEB_CONCURRENCY:-2}"

echo "==> Migrating the database (alembic upgrade head)"
"$BIN/alembic" upgrade head

# Also checks the configuration (e.g. HOLDOUT_SECRET_KEY in production) and creates
# the local secret key before several gunicorn workers could race to do it.
users=$("$BIN/python" - <<'PY'
from sqlalchemy import func, select

from competitions.db import make_engine
from competitions.models import User
from webapp.config import ConfigError, database_url_from_env, is_production, secret_key_from_env

try:
    secret_key_from_env(is_production())
except ConfigError as exc:
    raise SystemExit(f"error: {exc}")
engine = make_engine(database_url_from_env())
with engine.connect() as conn:
    print(conn.scalar(select(func.count()).select_from(User)))
engine.dispose()
PY
)

if [ "$users" = "0" ]; then
    echo "==> Empty database: seeding the demo"
    "$BIN/flask" --app wsgi demo seed
else
    echo "==> The database already has $users user(s): demo not seeded."
    echo "    (\`make seed\` adds the demo if it is missing and prints its credentials again.)"
fi

echo "==> Removing interrupted uploads' temporary files"
"$BIN/flask" --app wsgi storage clean-temp

URL="http://$HOST:$PORT"
cat <<MSG

==============================================================
  Holdout is starting on $URL
  (stop it with Ctrl-C; PORT=... make run picks another port)
==============================================================

MSG
# One background worker beside the server: it scores large uploads and re-scores after a
# solution change (webapp/jobs.py). Its queue is the file instance/jobs.sqlite unless
# HOLDOUT_QUEUE_URL or HOLDOUT_REDIS_URL names Redis, so no other service is needed.
# HOLDOUT_RUN_WORKER=0 starts none (workers run elsewhere, platform/worker.sh).
if [ "${HOLDOUT_RUN_WORKER:-1}" != "0" ]; then
    "$BIN/flask" --app wsgi jobs worker --workers "${JOB_WORKERS:-2}" &
    worker=$!
    # When gunicorn stops (Ctrl-C, or it fails), so does the worker: SIGINT lets its running job finish.
    trap 'kill -INT "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
fi
# Timeouts and worker recycling live in platform/gunicorn.conf.py.
"$BIN/gunicorn" --config platform/gunicorn.conf.py --bind "$HOST:$PORT" --workers "$WORKERS" --threads 4 \
    --access-logfile - wsgi:app
