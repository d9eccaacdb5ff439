"""Benchmark: scoring a 1M-row file whose ids are integers, against pandas with default types.

    .venv/bin/python bench/bench_int_ids.py [--rows 1000000] [--repeat 5]

Builds (once, cached in bench/data/, which git ignores) three rmse cases of 1M rows
with a 30% Public / 70% Private split, the submission rows shuffled relative to the
solution:

- ``int dense``: ids 1..n, as most test sets number their rows;
- ``int sparse``: ids drawn from 0..10^12, so no direct table fits and the hash path runs;
- ``string``: ids 'id_0000001', ... (the text path, as before).

Modes, each run in a fresh subprocess, alternated so machine noise hits all alike:

- ``baseline``: ``pandas.read_csv`` of both files with default types (integer ids
  become int64), ``sub.set_index('id')['target'].reindex(sol['id'])`` and a numpy RMSE
  on the Public and the Private rows; no validation, no intervals;
- ``holdout``: ``scoring.score_submission(solution, submission, 'rmse')``, reading both
  files, validating and computing the bootstrap intervals;
- ``text path``: the same with ``scoring.io.INTEGER_IDS = False``, i.e. every id read as
  text, as before the integer path existed (only for the integer cases).

Time is the median wall-clock time of the call (imports excluded); CPU is the median
CPU time of the child process over the same call, which shared-machine load distorts far
less than wall-clock time (both are reported, with their ratios); peak memory is the
child's peak RSS minus its RSS after imports, the largest over the runs.  The benchmark
checks that every mode gives the same Public and Private scores (to 1e-9).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
CASES = ("int dense", "int sparse", "string")


def generate(rows: int) -> dict:
    import numpy as np
    import pandas as pd

    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(13)
    ids = {
        "int dense": np.arange(1, rows + 1),
        "int sparse": np.sort(rng.choice(10**12, size=rows, replace=False)),
        "string": np.char.add("id_", np.char.zfill(np.arange(rows).astype(str), 7)),
    }
    usage = np.where(rng.random(rows) < 0.3, "Public", "Private")
    y = rng.normal(size=rows)
    p = y + 0.5 * rng.normal(size=rows)
    perm = rng.permutation(rows)  # submissions arrive in another order
    files = {}
    for case in CASES:
        slug = case.replace(" ", "_")
        sol, sub = DATA / f"ids_{slug}_solution_{rows}.csv", DATA / f"ids_{slug}_submission_{rows}.csv"
        if not sub.exists():
            pd.DataFrame({"id": ids[case], "target": y, "Usage": usage}).to_csv(sol, index=False, float_format="%.6f")
            pd.DataFrame({"id": ids[case][perm], "target": p[perm]}).to_csv(sub, index=False, float_format="%.6f")
        files[case] = (str(sol), str(sub))
    return files


# -- one measurement (runs in a child process) ------------------------------------------
def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(field)


def baseline(solution: str, submission: str) -> dict:
    import numpy as np
    import pandas as pd

    sol = pd.read_csv(solution)
    sub = pd.read_csv(submission)
    predicted = sub.set_index("id")["target"].reindex(sol["id"]).to_numpy()
    truth = sol["target"].to_numpy()
    out = {}
    for part in ("Public", "Private"):
        mask = (sol["Usage"] == part).to_numpy()
        out[part] = float(np.sqrt(np.mean((truth[mask] - predicted[mask]) ** 2)))
    out["id dtype"] = str(sol["id"].dtype)
    return out


def holdout(solution: str, submission: str, integers: bool) -> dict:
    import scoring
    import scoring.io

    scoring.io.INTEGER_IDS = integers
    parsed = scoring.read_solution(solution, "rmse")
    result = scoring.score_submission(parsed, submission)
    return {"Public": result.public, "Private": result.private, "integer path": parsed.index.ints is not None}


def child(mode: str, solution: str, submission: str) -> None:
    import numpy  # noqa: F401  - imports are not part of the measurement
    import pandas  # noqa: F401

    import scoring  # noqa: F401

    before = _rss_kib("VmRSS:")
    cpu = time.process_time()
    start = time.perf_counter()
    if mode == "baseline":
        scores = baseline(solution, submission)
    else:
        scores = holdout(solution, submission, integers=(mode == "holdout"))
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = _rss_kib("VmHWM:")
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mib": (peak - before) / 1024, "scores": scores}, default=float))


def measure(mode: str, solution: str, submission: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, solution, submission],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    files = generate(args.rows)
    print(f"rows={args.rows} repeat={args.repeat} python={sys.version.split()[0]} cpus={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.1f}")
    print(f"{'case':<12}{'sub MB':>7}{'base s':>8}{'holdout s':>10}{'ratio':>7}{'text s':>8}{'ratio':>7}"
          f"{'base cpu':>9}{'holdout cpu':>12}{'ratio':>7}{'text cpu':>9}{'ratio':>7}{'base MiB':>9}{'holdout MiB':>12}")
    for case in args.cases:
        solution, submission = files[case]
        size_mb = os.path.getsize(submission) / 1e6
        modes = ["baseline", "holdout"] + (["text"] if case != "string" else [])
        runs = {mode: [] for mode in modes}
        for _ in range(args.repeat):
            for mode in modes:
                runs[mode].append(measure(mode, solution, submission))
        first = runs["baseline"][0]["scores"]
        for mode in modes[1:]:  # every mode must agree with the baseline
            for part in ("Public", "Private"):
                assert abs(runs[mode][0]["scores"][part] - first[part]) < 1e-9, (case, mode, part)
        assert runs["holdout"][0]["scores"]["integer path"] == case.startswith("int"), case
        t = {mode: statistics.median(r["seconds"] for r in results) for mode, results in runs.items()}
        c = {mode: statistics.median(r["cpu"] for r in results) for mode, results in runs.items()}
        peak = {mode: max(r["peak_mib"] for r in results) for mode, results in runs.items()}
        text = f"{t['text']:>8.2f}{t['text'] / t['baseline']:>7.2f}" if "text" in t else f"{'-':>8}{'-':>7}"
        text_cpu = f"{c['text']:>9.2f}{c['text'] / c['baseline']:>7.2f}" if "text" in c else f"{'-':>9}{'-':>7}"
        print(f"{case:<12}{size_mb:>7.1f}{t['baseline']:>8.2f}{t['holdout']:>10.2f}{t['holdout'] / t['baseline']:>7.2f}"
              f"{text}{c['baseline']:>9.2f}{c['holdout']:>12.2f}{c['holdout'] / c['baseline']:>7.2f}{text_cpu}"
              f"{peak['baseline']:>9.0f}{peak['holdout']:>12.0f}")
        for mode, results in runs.items():
            print(f"  {mode:<9} seconds {[round(r['seconds'], 2) for r in results]}"
                  f"  cpu {[round(r['cpu'], 2) for r in results]}  peak MiB {[round(r['peak_mib']) for r in results]}")
    print("target: holdout within 1.5x of the baseline (ratio <= 1.5) for integer ids; string ids as before")


if __name__ == "__main__":
    main()
