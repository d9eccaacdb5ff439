"""Benchmark: upload -> score -> standing through HTTP against a live gunicorn, and the
same file scored in-process with the scoring API.

    .venv/bin/python bench/bench_upload_http.py [--rows 100000] [--uploads 20]

Sets up, in a temporary folder: a SQLite database migrated with alembic, the local data
folder, an organizer and a learner with API tokens (the flask CLI), then starts gunicorn
with platform/gunicorn.conf.py (2 workers x 4 threads) on a free loopback port.  Through
the JSON API the organizer creates an rmse competition (100k-row solution with integer
ids and a Usage column; daily limit raised to 1,000), the learner joins, then uploads
``--uploads`` different 100k-row submissions (1.7 MB each, rows shuffled), one after
the other.  Each upload is timed from the start of the POST until the public leaderboard
(GET, JSON) shows the team with that submission counted: the file travels, is stored,
validated, scored with intervals, the standing is updated and the board is read.

The in-process figure is ``scoring.score_submission(parsed, path)`` on the same files
(the solution parsed once, as the platform keeps it parsed), median over the files; the
ratio is HTTP p50 over it.  The files are below HOLDOUT_ASYNC_SCORING_MB, so they are
scored inside the request (no worker involved); the upload rate limit is raised too.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-upload-http-Passw0rd!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_files(folder: Path, rows: int, uploads: int) -> tuple[Path, list[Path]]:
    rng = np.random.default_rng(17)
    ids = np.arange(1, rows + 1)
    y = rng.normal(size=rows)
    usage = np.where(rng.random(rows) < 0.3, "Public", "Private")
    solution = folder / "solution.csv"
    pd.DataFrame({"id": ids, "target": y, "Usage": usage}).to_csv(solution, index=False, float_format="%.6f")
    files = []
    for k in range(uploads):
        perm = rng.permutation(rows)
        p = y + (0.2 + 0.02 * k) * rng.normal(size=rows)
        path = folder / f"submission_{k}.csv"
        pd.DataFrame({"id": ids[perm], "target": p[perm]}).to_csv(path, index=False, float_format="%.6f")
        files.append(path)
    return solution, files


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    out = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], input=stdin, capture_output=True, text=True,
                         cwd=ROOT, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "platform/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/metrics", timeout=10).ok:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: gunicorn's arbiter and workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--uploads", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="holdout-bench-") as tmp:
        folder = Path(tmp)
        solution, files = make_files(folder, args.rows, args.uploads)
        env = {
            **os.environ,
            "HOLDOUT_INSTANCE_DIR": str(folder / "instance"),
            "HOLDOUT_DATABASE_URL": f"sqlite:///{folder / 'holdout.sqlite'}",
            "HOLDOUT_SECRET_KEY": "bench-secret-key-not-for-production",
            "HOLDOUT_LIMIT_UPLOADS": "10000 per minute",
            "HOLDOUT_ASYNC_SCORING_MB": "1000",  # scored inside the request, like any file under 5 MB
            "PYTHONPATH": str(ROOT),
        }
        for name in ("HOLDOUT_REDIS_URL", "HOLDOUT_QUEUE_URL", "HOLDOUT_STORAGE_URL", "HOLDOUT_DATA_DIR"):
            env.pop(name, None)  # the defaults of `make run`: SQLite and the local folder
        (folder / "instance").mkdir()
        subprocess.run([str(BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True)
        for name, role in (("bench_org", "organizer"), ("bench_learner", "learner")):
            flask(env, "users", "create", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        org = flask(env, "tokens", "create", "bench_org").strip().splitlines()[-1]
        learner = flask(env, "tokens", "create", "bench_learner").strip().splitlines()[-1]

        port = free_port()
        server = start_server(env, port, folder / "gunicorn.log")
        try:
            wait_ready(server, port, folder / "gunicorn.log")
            http = run_http(port, org, learner, solution, files)
        finally:
            stop_server(server)
        local = run_local(solution, files)

    report(args, http, local)


def run_http(port: int, org: str, learner: str, solution: Path, files: list[Path]) -> dict:
    api = f"http://127.0.0.1:{port}/api/v1"
    as_org = requests.Session()
    as_org.headers["Authorization"] = f"Bearer {org}"
    as_learner = requests.Session()
    as_learner.headers["Authorization"] = f"Bearer {learner}"
    now = datetime.now(UTC)
    metadata = {
        "title": "Upload bench", "slug": "upload-bench", "metric": "rmse",
        "start": (now - timedelta(days=1)).isoformat(), "deadline": (now + timedelta(days=30)).isoformat(),
        "daily_limit": 1000, "total_limit": 10000,
    }
    with solution.open("rb") as fh:
        answer = as_org.post(f"{api}/competitions", data={"metadata": json.dumps(metadata)},
                             files={"solution": ("solution.csv", fh, "text/csv")}, timeout=120)
    if answer.status_code != 201:
        raise SystemExit(f"creating the competition: {answer.status_code} {answer.text[:2000]}")
    answer = as_learner.post(f"{api}/competitions/upload-bench/join", timeout=30)
    if not answer.ok:
        raise SystemExit(f"joining: {answer.status_code} {answer.text[:2000]}")

    totals, posts, boards, scores = [], [], [], []
    for k, path in enumerate(files, start=1):
        start = time.perf_counter()
        with path.open("rb") as fh:
            answer = as_learner.post(f"{api}/competitions/upload-bench/submissions",
                                     files={"file": (path.name, fh, "text/csv")}, data={"description": f"run {k}"},
                                     timeout=300)
        posted = time.perf_counter()
        body = answer.json()
        if answer.status_code != 201 or body.get("status") != "scored":
            raise SystemExit(f"upload {k}: {answer.status_code} {answer.text[:2000]}")
        while True:  # the standing: the team on the public board with this submission counted
            board = as_learner.get(f"{api}/competitions/upload-bench/leaderboard?board=public", timeout=30).json()
            entry = next((e for e in board["entries"] if "bench_learner" in json.dumps(e["members"])), None)
            if entry is not None and entry["entries"] == k:
                break
        done = time.perf_counter()
        posts.append(posted - start)
        boards.append(done - posted)
        totals.append(done - start)
        scores.append(body["public_score"])
    return {"totals": totals, "posts": posts, "boards": boards, "scores": scores}


def run_local(solution: Path, files: list[Path]) -> dict:
    sys.path.insert(0, str(ROOT))
    import scoring

    parsed = scoring.read_solution(solution, "rmse")
    times, scores = [], []
    for path in files:
        start = time.perf_counter()
        result = scoring.score_submission(parsed, path)
        times.append(time.perf_counter() - start)
        scores.append(result.public)
    start = time.perf_counter()
    scoring.read_solution(solution, "rmse")
    return {"times": times, "scores": scores, "read_solution": time.perf_counter() - start}


def report(args, http: dict, local: dict) -> None:
    for a, b in zip(http["scores"], local["scores"]):
        assert abs(a - b) < 1e-9, (a, b)  # the server and the library agree
    p50, p95 = statistics.median(http["totals"]), percentile(http["totals"], 95)
    in_process = statistics.median(local["times"])
    print(f"rows={args.rows} uploads={args.uploads} python={sys.version.split()[0]} cpus={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.1f}")
    print(f"{'':<34}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
    for label, key in (("upload -> score -> standing", "totals"), ("  POST (upload, score)", "posts"),
                       ("  GET board until it shows it", "boards")):
        values = http[key]
        print(f"{label:<34}{statistics.median(values):>8.3f}{percentile(values, 95):>8.3f}{max(values):>8.3f}")
    print(f"{'in-process score_submission':<34}{in_process:>8.3f}{percentile(local['times'], 95):>8.3f}"
          f"{max(local['times']):>8.3f}")
    print(f"ratio HTTP p50 / in-process p50: {p50 / in_process:.2f}; HTTP p95 / in-process p50: {p95 / in_process:.2f}")
    print(f"(reading the 100k-row solution once, in-process: {local['read_solution']:.3f} s)")
    print("all uploads seconds:", [round(t, 3) for t in http["totals"]])


if __name__ == "__main__":
    main()
