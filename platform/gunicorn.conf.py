"""Gunicorn settings for `make run` (scripts/run.sh): bounded requests, recycled workers.

A plain folder, not a package (no __init__.py), so it never shadows Python's own
`platform` module; gunicorn loads this file by path (--config platform/gunicorn.conf.py).
Each value may be overridden by an environment variable of the same name.

What the timeout does, honestly: gunicorn's arbiter kills a worker that has not
notified it for `timeout` seconds (a sync or gthread worker stuck in one request),
logs "WORKER TIMEOUT" and starts a new one. The client of the killed request gets
its connection closed (or, behind a proxy, the proxy's 502/504), not a page: there
is no way to answer from a worker that is stuck. The upload limits (scoring.Limits,
HOLDOUT_MAX_INFLATED_MB and friends) are what make every upload finish well inside
the timeout with a clear message; the timeout is the backstop for anything else.
"""
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Seconds a worker may spend silent (one request) before the arbiter kills and replaces it.
timeout = _int("GUNICORN_TIMEOUT", 120)
# Seconds a worker gets to finish its requests on restart or recycling.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycle each worker after this many requests (plus up to `max_requests_jitter`, so workers
# do not all restart at once): memory a worker grew on a large file is given back.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Request line and headers: gunicorn's defaults, stated here so they are not changed by accident.
limit_request_line = 4094
limit_request_fields = 100

# Two processes (one per core of the reference machine) of four threads each: a thread waiting on
# the database or the network leaves the process to the others. --workers/--threads override these.
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"


def post_worker_init(worker):
    """Freeze what start-up made (the app, its modules, compiled regexes, the models' metadata).

    Called in each worker after it has loaded the app. Frozen objects move to a permanent
    generation the collector never scans again, so the full collections that large requests
    (a 1,000-team board builds many small objects) set off no longer walk the hundreds of
    thousands of start-up objects: that walk was the p95 tail of the leaderboard
    (docs/performance.md). gc.collect() first, so garbage is not frozen with the rest.
    """
    import gc

    if os.environ.get("GUNICORN_GC_FREEZE", "1") == "0":  # bench/bench_throughput.py compares both
        return
    gc.collect()
    gc.freeze()
    worker.log.info("gc.freeze(): %d start-up objects will not be scanned again", gc.get_freeze_count())
