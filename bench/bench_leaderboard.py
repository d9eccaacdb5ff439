"""Benchmark: the 1,000-team leaderboard, server time per request, cached and uncached.

    .venv/bin/python bench/bench_leaderboard.py [--database-url URL] [--teams 1000]
        [--submissions 100000] [--requests 200] [--keep DIR] [--json]

Builds a database (default: a new SQLite file in a temporary folder; or an empty PostgreSQL
database/schema given by --database-url, which it migrates) with one finalized competition,
--teams teams of one learner each and --submissions scored submissions spread over them, then
recomputes the standings. It then times, inside the process, the full WSGI handling of each page
(Flask test client: routing, session, queries, serialization; no network): the API board (JSON,
100 and 1,000 a page), the CSV export and the HTML page, public and private boards, with the board
cache on (warm: the state a board is in between two changes) and off (what every request cost
before the cache, and what the first request after a change costs). Each figure is the median and
the p95 of --requests requests after 5 warm-up ones. It also times the warm API board with and
without gc.freeze() of the start-up objects (what platform/gunicorn.conf.py does in each worker).
"""
from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UTC = timezone.utc
START = datetime(2026, 1, 1, tzinfo=UTC)
DEADLINE = datetime(2026, 3, 1, tzinfo=UTC)
N_ROWS = 20


def build(url: str, data_dir: Path, teams: int, submissions: int) -> str:
    """Migrate `url` and fill it; returns the competition's slug."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert, select

    from competitions import hosting, standings
    from competitions.db import make_engine, make_session_factory
    from competitions.models import Competition, Submission, Team, TeamMember, User
    from competitions.spec import parse_spec
    from competitions.storage import LocalStorage

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    storage = LocalStorage(str(data_dir))
    rng = random.Random(13)
    with sessions() as s:
        s.execute(insert(User), [{"username": name, "username_key": name, "password_hash": "x", "role": role,
                                  "created_at": START} for name, role in
                                 [("organizer", "organizer"), *((f"learner{i:04d}", "learner") for i in range(teams))]])
        owner = s.scalar(select(User).where(User.username == "organizer"))
        solution = "id,target,Usage\n" + "".join(
            f"{i},{i}.5,{'Public' if i <= N_ROWS // 2 else 'Private'}\n" for i in range(1, N_ROWS + 1))
        spec = parse_spec({"title": "Board bench", "slug": "board-bench", "metric": "rmse", "metric_params": {},
                           "id_column": "id", "start": START.isoformat(), "deadline": DEADLINE.isoformat(),
                           "daily_limit": 5, "final_selections": 2, "description": "", "rules": "",
                           "visibility": "public"})
        test_csv = "id,x\n" + "".join(f"{i},0.{i}\n" for i in range(1, N_ROWS + 1))
        competition = hosting.create_competition(
            s, storage, owner, spec, io.BytesIO(solution.encode()), [("test.csv", io.BytesIO(test_csv.encode()))],
            START).competition
        s.commit()
        cid = competition.id
        users = list(s.scalars(select(User.id).where(User.role == "learner").order_by(User.id)))
        s.execute(insert(Team), [{"competition_id": cid, "name": f"team-{i:04d}", "created_at": START}
                                 for i in range(teams)])
        team_ids = list(s.scalars(select(Team.id).where(Team.competition_id == cid).order_by(Team.id)))
        s.execute(insert(TeamMember), [{"team_id": t, "competition_id": cid, "user_id": u, "joined_at": START}
                                       for t, u in zip(team_ids, users)])
        rows = []
        for n in range(submissions):
            k = n % teams
            public, private = rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0)
            rows.append({"competition_id": cid, "team_id": team_ids[k], "user_id": users[k],
                         "created_at": START + timedelta(seconds=30 * n), "file_name": "sub.csv",
                         "file_sha256": "0" * 64, "file_size": 100, "status": "scored", "problems": [],
                         "public_score": public, "private_score": private,
                         "public_ci_low": public - 0.05, "public_ci_high": public + 0.05,
                         "private_ci_low": private - 0.05, "private_ci_high": private + 0.05,
                         "solution_version": 1, "scorer_version": "bench"})
            if len(rows) == 10_000:
                s.execute(insert(Submission), rows)
                rows = []
        if rows:
            s.execute(insert(Submission), rows)
        s.commit()
        competition = s.get(Competition, cid)
        standings.refresh_all(s, competition)
        competition.finalized_at = DEADLINE + timedelta(days=1)  # both boards are public
        s.commit()
    engine.dispose()
    return "board-bench"


def timed(client, url: str, n: int) -> dict:
    for _ in range(5):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.get_data(as_text=True)[:300])
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (n - 1))], 2),
            "bytes": len(answer.get_data())}


def measure(url: str, data_dir: Path, slug: str, n: int) -> dict:
    from webapp import create_app

    results = {}
    pages = {
        "api public (100/page)": f"/api/v1/competitions/{slug}/leaderboard",
        "api private (100/page)": f"/api/v1/competitions/{slug}/leaderboard?board=private",
        "api public (1000/page)": f"/api/v1/competitions/{slug}/leaderboard?per_page=1000",
        "csv public": f"/c/{slug}/leaderboard.csv",
        "html public": f"/c/{slug}/leaderboard",
        "html private": f"/c/{slug}/leaderboard?board=private",
    }
    for cache in (True, False):
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DATA_DIR": str(data_dir),
                          "RATELIMIT_ENABLED": False, "REDIS_URL": None, "BOARD_CACHE": cache,
                          "JOBS_IMMEDIATE": True})
        client = app.test_client()
        for name, page in pages.items():
            key = f"{name}, cache {'on' if cache else 'off'}"
            results[key] = timed(client, page, n)
            print(key, results[key], file=sys.stderr, flush=True)
        app.extensions["holdout.engine"].dispose()
    # The tail that full collections of start-up objects add, and gc.freeze() removes.
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DATA_DIR": str(data_dir),
                      "RATELIMIT_ENABLED": False, "REDIS_URL": None, "BOARD_CACHE": False, "JOBS_IMMEDIATE": True})
    client = app.test_client()
    page = pages["html public"]
    gc.unfreeze()
    results["html public, cache off, no gc.freeze"] = timed(client, page, n)
    gc.collect()
    gc.freeze()
    results["html public, cache off, gc.freeze"] = timed(client, page, n)
    gc.unfreeze()
    app.extensions["holdout.engine"].dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an EMPTY database to fill (default: a new SQLite file)")
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", help="folder for the SQLite file and data (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--reuse", action="store_true", help="measure a database this script already filled")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="holdout-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
    os.environ.setdefault("HOLDOUT_INSTANCE_DIR", str(folder / "instance"))
    t0 = time.perf_counter()
    slug = "board-bench" if args.reuse else build(url, folder / "data", args.teams, args.submissions)
    built = time.perf_counter() - t0
    results = measure(url, folder / "data", slug, args.requests)
    engine = url.split(":", 1)[0].split("+", 1)[0]
    if args.json:
        print(json.dumps({"database": engine, "teams": args.teams, "submissions": args.submissions,
                          "build_s": round(built, 1), "results": results}, indent=2))
        return
    print(f"{engine}: {args.teams} teams, {args.submissions} submissions (built in {built:.0f} s), "
          f"{args.requests} requests each")
    print(f"{'page':48} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>9}")
    for name, r in results.items():
        print(f"{name:48} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['bytes']:9d}")


if __name__ == "__main__":
    main()
