"""Benchmark: gunicorn throughput with wrk, for reads (leaderboards and competition pages) and uploads.

    .venv/bin/python bench/bench_throughput.py [--database-url URL] [--keep DIR] [--duration 10]
        [--connections 1,2,4,8] [--teams 1000] [--submissions 100000]

Needs wrk (Debian: apt-get install wrk). Uses the database bench_leaderboard.py builds (a
finalized 1,000-team competition; built here if --keep has none, or given by --database-url,
which must then be empty), adds an open competition for uploads and eight uploaders with API
tokens, starts gunicorn with platform/gunicorn.conf.py (2 workers x 4 threads) on a loopback
port, and runs wrk:

- reads: a mix of the 1,000-team board (API and HTML page), the open competition's board, the
  competition pages and the list, at each of --connections;
- uploads alone: 4 connections, each a different team, POST /api/v1/.../submissions (a 20-row file);
- uploads beside readers: the same, while 4 other connections read the mix.

For each: requests/s, p50, p99 and errors (non-2xx/3xx answers and socket errors), as wrk
reports them; the same server run with GUNICORN_GC_FREEZE=0 gives the board's latency
without the start-up freeze. Rate limits are off (HOLDOUT_RATELIMIT_ENABLED=0): this measures the server.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

UTC = timezone.utc
UPLOADERS = 8
N_ROWS = 20

READ_LUA = r"""
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS"), "[^,]+") do paths[#paths + 1] = p end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""

UPLOAD_LUA = r"""
local tokens = {}
for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
local n = 0
function setup(thread)
  n = n + 1
  thread:set("token", tokens[((n - 1) % #tokens) + 1])
end
local boundary = "holdoutbenchboundary"
local body = "--" .. boundary .. "\r\n" ..
  'Content-Disposition: form-data; name="file"; filename="sub.csv"\r\n' ..
  "Content-Type: text/csv\r\n\r\n" .. os.getenv("BENCH_FILE") .. "\r\n--" .. boundary .. "--\r\n"
request = function()
  return wrk.format("POST", os.getenv("BENCH_UPLOAD_PATH"), {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
end
"""

DONE_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"status_errors":%d,' ..
    '"socket_errors":%d}\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def prepare(url: str, folder: Path, teams: int, submissions: int, fresh: bool) -> dict:
    """The 1,000-team board (built if needed), an open competition for uploads, and uploaders' tokens."""
    import bench_leaderboard
    from sqlalchemy import select

    from competitions import hosting, participation, tokens
    from competitions.db import make_engine, make_session_factory
    from competitions.models import Competition, User
    from competitions.spec import parse_spec
    from competitions.storage import LocalStorage

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    if fresh:
        try:
            with sessions() as s:
                fresh = s.scalar(select(Competition.id).where(Competition.slug == "board-bench")) is None
        except Exception:  # noqa: BLE001 - an empty database has no tables yet
            fresh = True
    if fresh:
        bench_leaderboard.build(url, folder / "data", teams, submissions)
    now = datetime.now(UTC)
    with sessions() as s:
        if s.scalar(select(Competition.id).where(Competition.slug == "upload-bench")) is None:
            owner = s.scalar(select(User).where(User.username == "organizer"))
            solution = "id,target,Usage\n" + "".join(
                f"{i},{i}.5,{'Public' if i <= N_ROWS // 2 else 'Private'}\n" for i in range(1, N_ROWS + 1))
            spec = parse_spec({"title": "Upload bench", "slug": "upload-bench", "metric": "rmse",
                               "metric_params": {}, "id_column": "id",
                               "start": (now - timedelta(days=1)).isoformat(),
                               "deadline": (now + timedelta(days=30)).isoformat(), "daily_limit": 1000,
                               "final_selections": 2, "description": "", "rules": "", "visibility": "public"})
            hosting.create_competition(s, LocalStorage(str(folder / "data")), owner, spec,
                                       io.BytesIO(solution.encode()), [], now)
            s.commit()
        competition = s.scalar(select(Competition).where(Competition.slug == "upload-bench"))
        plaintexts = []
        for i in range(UPLOADERS):
            name = f"uploader{i}"
            user = s.scalar(select(User).where(User.username == name))
            if user is None:
                user = User(username=name, username_key=name, password_hash="x", role="learner", created_at=now)
                s.add(user)
                s.flush()
                participation.join(s, competition, user, now)
            _, plaintext = tokens.create_token(s, user, "bench", now=now)
            plaintexts.append(plaintext)
        s.commit()
    engine.dispose()
    return {"tokens": plaintexts}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, folder: Path, freeze: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HOLDOUT_DATABASE_URL": url, "HOLDOUT_DATA_DIR": str(folder / "data"),
           "HOLDOUT_SECRET_KEY": "bench-" + "x" * 40, "HOLDOUT_INSTANCE_DIR": str(folder / "instance"),
           "HOLDOUT_RATELIMIT_ENABLED": "0", "GUNICORN_MAX_REQUESTS": "0",
           "GUNICORN_GC_FREEZE": "1" if freeze else "0", "HOLDOUT_QUEUE_URL": f"sqlite:///{folder / 'jobs.sqlite'}"}
    env.pop("HOLDOUT_REDIS_URL", None)
    log = open(folder / f"gunicorn-{port}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--config", "platform/gunicorn.conf.py",
                             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"gunicorn did not start; see {log.name}")


def wrk(base: str, script: str, connections: int, duration: int, env: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + DONE_LUA)
    threads = min(connections, 4)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "30s",
                          "-s", f.name, base], capture_output=True, text=True, env={**os.environ, **env}, check=True)
    os.unlink(f.name)
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON "):])
    seconds = raw["duration_us"] / 1e6
    return {"connections": connections, "req_s": round(raw["requests"] / seconds, 1),
            "p50_ms": round(raw["p50_us"] / 1000, 1), "p99_ms": round(raw["p99_us"] / 1000, 1),
            "errors": raw["status_errors"] + raw["socket_errors"], "requests": raw["requests"]}


def warm(base: str, paths: list[str]) -> None:
    for path in paths:
        for _ in range(4):
            urllib.request.urlopen(base + path, timeout=60).read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a database bench_leaderboard.py filled, or an empty one to fill "
                        "(default: SQLite in --keep)")
    parser.add_argument("--keep", help="folder of bench_leaderboard.py's SQLite file (reused when present)")
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="1,2,4,8")
    parser.add_argument("--skip-freeze-compare", action="store_true")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="holdout-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
    fresh = bool(args.database_url) or not (folder / "bench.sqlite").exists()
    setup = prepare(url, folder, args.teams, args.submissions, fresh)
    file_body = "id,target\n" + "".join(f"{i},{i}.4\n" for i in range(1, N_ROWS + 1))
    reads = ["/api/v1/competitions/board-bench/leaderboard", "/c/board-bench/leaderboard",
             "/api/v1/competitions/upload-bench/leaderboard", "/c/board-bench", "/c/upload-bench", "/"]
    read_env = {"BENCH_PATHS": ",".join(reads)}
    upload_env = {"BENCH_TOKENS": ",".join(setup["tokens"][:4]), "BENCH_FILE": file_body,
                  "BENCH_UPLOAD_PATH": "/api/v1/competitions/upload-bench/submissions"}
    engine = url.split(":", 1)[0].split("+", 1)[0]
    results: dict = {"database": engine, "reads": [], "duration_s": args.duration}
    proc, base = start_server(url, folder, freeze=True)
    try:
        warm(base, reads)
        for c in [int(x) for x in args.connections.split(",")]:
            results["reads"].append(wrk(base, READ_LUA, c, args.duration, read_env))
            print("reads", results["reads"][-1], flush=True)
        results["uploads_alone"] = wrk(base, UPLOAD_LUA, 4, args.duration, upload_env)
        print("uploads alone", results["uploads_alone"], flush=True)
        upload_env["BENCH_TOKENS"] = ",".join(setup["tokens"][4:])
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(READ_LUA + DONE_LUA)
        readers = subprocess.Popen(["wrk", "-t", "4", "-c", "4", "-d", f"{args.duration + 2}s", "--timeout", "30s",
                                    "-s", f.name, base], stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, **read_env})
        time.sleep(1)
        results["uploads_beside_readers"] = wrk(base, UPLOAD_LUA, 4, args.duration, upload_env)
        line = next(x for x in readers.communicate()[0].splitlines() if x.startswith("WRKJSON "))
        os.unlink(f.name)
        raw = json.loads(line[len("WRKJSON "):])
        results["readers_beside_uploads"] = {
            "req_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1), "p50_ms": round(raw["p50_us"] / 1000, 1),
            "p99_ms": round(raw["p99_us"] / 1000, 1), "errors": raw["status_errors"] + raw["socket_errors"]}
        print("uploads beside readers", results["uploads_beside_readers"], "readers",
              results["readers_beside_uploads"], flush=True)
        board = {"BENCH_PATHS": "/c/board-bench/leaderboard"}
        results["html_board_1_conn_freeze"] = wrk(base, READ_LUA, 1, args.duration, board)
    finally:
        proc.terminate()
        proc.wait(30)
    if not args.skip_freeze_compare:
        proc, base = start_server(url, folder, freeze=False)
        try:
            warm(base, reads)
            results["html_board_1_conn_no_freeze"] = wrk(base, READ_LUA, 1, args.duration, board)
        finally:
            proc.terminate()
            proc.wait(30)
    reads_by_c = {r["connections"]: r["req_s"] for r in results["reads"]}
    if 1 in reads_by_c and 4 in reads_by_c:
        results["read_scaling_4_vs_1"] = round(reads_by_c[4] / reads_by_c[1], 2)
    results["uploads_beside_vs_alone_req_s"] = round(
        results["uploads_alone"]["req_s"] / max(results["uploads_beside_readers"]["req_s"], 0.1), 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
