#!/usr/bin/env bash
# Start one Holdout background worker: scores large uploads and re-scores after a
# solution change (webapp/jobs.py), until stopped.
#
#   platform/worker.sh [--workers N] [--no-periodic]     (`flask --app wsgi jobs worker --help`)
#
# It uses the app's own settings, so give it the web nodes' environment: the database
# (HOLDOUT_DATABASE_URL), the storage (HOLDOUT_STORAGE_URL or HOLDOUT_DATA_DIR) and the
# queue: HOLDOUT_QUEUE_URL, else HOLDOUT_REDIS_URL (a Redis every host reaches: start
# workers on as many hosts as you like), else the file jobs.sqlite in the instance
# folder (workers on this machine only: what `make run` uses). At start it queues again
# whatever a killed worker left unfinished. SIGINT lets running jobs finish; SIGTERM
# stops at once (the job it was scoring is taken again when its lease expires,
# HOLDOUT_JOB_LEASE_SECONDS, 600 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${HOLDOUT_VENV:-.venv}/bin"
exec "$BIN/flask" --app wsgi jobs worker "$@"
