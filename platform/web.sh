#!/usr/bin/env bash
# Start one Holdout web node: gunicorn with platform/gunicorn.conf.py, serving wsgi:app.
#
#   platform/web.sh [BIND]        BIND defaults to $HOLDOUT_BIND, then 127.0.0.1:8000
#
# A node is stateless: everything it keeps lives in the shared services named by
# HOLDOUT_DATABASE_URL (PostgreSQL), HOLDOUT_STORAGE_URL (s3://bucket/prefix) and
# HOLDOUT_REDIS_URL (rate limits, board cache, job queue). Every node needs the same
# HOLDOUT_SECRET_KEY, so a session signed by one node is valid on the others.
# Migrations are not run here: run `alembic upgrade head` once, before starting
# the new version's nodes (docs/deploy.md, "Upgrades").
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${HOLDOUT_VENV:-.venv}/bin"
BIND="${1:-${HOLDOUT_BIND:-127.0.0.1:8000}}"
exec "$BIN/gunicorn" --config platform/gunicorn.conf.py --bind "$BIND" wsgi:app
