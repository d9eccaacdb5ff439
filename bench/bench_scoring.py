"""Benchmark: scoring.score_submission against a plain pandas/numpy baseline.

    .venv/bin/python bench/bench_scoring.py [--rows 1000000] [--repeat 3]

Builds (once, cached in bench/data/, which git ignores) a 1M-row binary
submission (~26 MB, scored with auc) and a 1M x 10 multiclass submission
(~200 MB, scored with multiclass_log_loss), both with a Public/Private split.

Every measurement runs in a fresh subprocess so that peak memory is that
process's own: peak RSS (VmHWM from /proc) minus the RSS after imports, i.e.
the memory the scoring itself needed.  The baseline is what a careful
engineer would write: pandas.read_csv of both files, align by id
(set_index + reindex), and a vectorized numpy metric on the public and
private rows, without intervals.  Times are medians over --repeat runs,
alternating baseline and scoring runs so machine noise hits both alike.
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
CLASSES = [f"class_{i}" for i in range(10)]


# -- data ---------------------------------------------------------------------------
def generate(rows: int) -> dict:
    import numpy as np
    import pandas as pd

    DATA.mkdir(exist_ok=True)
    files = {
        "binary": (DATA / f"binary_solution_{rows}.csv", DATA / f"binary_submission_{rows}.csv"),
        "multiclass": (DATA / f"multiclass_solution_{rows}.csv", DATA / f"multiclass_submission_{rows}.csv"),
    }
    rng = np.random.default_rng(0)
    ids = np.char.add("id_", np.char.zfill(np.arange(rows).astype(str), 7))
    usage = np.where(rng.random(rows) < 0.3, "Public", "Private")
    perm = rng.permutation(rows)  # submissions arrive in another order
    sol, sub = files["binary"]
    if not sub.exists():
        y = rng.integers(0, 2, rows)
        p = np.clip(0.35 * y + 0.65 * rng.random(rows), 0, 1)
        pd.DataFrame({"id": ids, "target": y, "Usage": usage}).to_csv(sol, index=False)
        pd.DataFrame({"id": ids[perm], "target": p[perm]}).to_csv(sub, index=False, float_format="%.12f")
    sol, sub = files["multiclass"]
    if not sub.exists():
        y = rng.integers(0, len(CLASSES), rows)
        probs = rng.dirichlet(np.ones(len(CLASSES)), rows)
        probs[np.arange(rows), y] += 0.5
        probs /= probs.sum(axis=1, keepdims=True)
        pd.DataFrame({"id": ids, "label": np.array(CLASSES)[y], "Usage": usage}).to_csv(sol, index=False)
        frame = pd.DataFrame(probs[perm], columns=CLASSES)
        frame.insert(0, "id", ids[perm])
        frame.to_csv(sub, index=False, float_format="%.16f")
    return {k: (str(a), str(b)) for k, (a, b) in files.items()}


# -- one measurement (runs in a child process) ------------------------------------------
def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(field)


def _auc(y, s):
    from scipy.stats import rankdata

    ranks = rankdata(s)  # average ranks: ties count half
    pos = y == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _mlogloss(y_codes, probs):
    import numpy as np

    q = np.clip(probs, 1e-15, 1 - 1e-15)
    q /= q.sum(axis=1, keepdims=True)
    return float(-np.log(q[np.arange(len(y_codes)), y_codes]).mean())


def baseline(kind: str, solution: str, submission: str) -> dict:
    import pandas as pd

    sol = pd.read_csv(solution)
    sub = pd.read_csv(submission)
    aligned = sub.set_index("id").reindex(sol["id"])
    out = {}
    for part in ("Public", "Private"):
        mask = (sol["Usage"] == part).to_numpy()
        if kind == "binary":
            out[part] = _auc(sol["target"].to_numpy()[mask], aligned["target"].to_numpy()[mask])
        else:
            codes = pd.Index(CLASSES).get_indexer(sol["label"])
            out[part] = _mlogloss(codes[mask], aligned[CLASSES].to_numpy()[mask])
    return out


def scoring_run(kind: str, solution: str, submission: str, intervals: bool = True) -> dict:
    import numpy as np

    import scoring

    if not intervals:  # to measure what the intervals cost: replace the bootstrap by a constant
        scoring.uncertainty.replicates = lambda metric, y, p, ctx, score, part, take: np.full(2, score)

    metric = "auc" if kind == "binary" else "multiclass_log_loss"
    result = scoring.score_submission(solution, submission, metric)
    return {"Public": result.public, "Private": result.private, "public_ci": result.public_ci}


def child(mode: str, kind: str, solution: str, submission: str) -> None:
    import numpy  # noqa: F401  - imports are not part of the measurement
    import pandas  # noqa: F401
    import scipy.stats  # noqa: F401

    import scoring  # noqa: F401

    before = _rss_kib("VmRSS:")
    start = time.perf_counter()
    if mode == "baseline":
        scores = baseline(kind, solution, submission)
    else:
        scores = scoring_run(kind, solution, submission, intervals=(mode == "scoring"))
    seconds = time.perf_counter() - start
    peak = _rss_kib("VmHWM:")
    print(json.dumps({"seconds": seconds, "peak_mib": (peak - before) / 1024, "rss_after_import_mib": before / 1024,
                      "scores": scores}, default=float))


def measure(mode, kind, solution, submission) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, kind, solution, submission],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} {kind} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    files = generate(args.rows)
    print(f"rows={args.rows} repeat={args.repeat} python={sys.version.split()[0]} cpus={os.cpu_count()}")
    header = (f"{'case':<11}{'file MB':>9}{'base s':>9}{'score s':>9}{'ratio':>7}{'no-CI s':>9}{'CI share':>9}"
              f"{'base MiB':>10}{'score MiB':>10}{'MB/file':>9}")
    print(header)
    for kind, (solution, submission) in files.items():
        size_mb = os.path.getsize(submission) / 1e6
        runs = {"baseline": [], "scoring": [], "scoring-no-ci": []}
        for _ in range(args.repeat):
            for mode, results in runs.items():
                results.append(measure(mode, kind, solution, submission))
        b, s = runs["baseline"], runs["scoring"]
        t_b = statistics.median(r["seconds"] for r in b)
        t_s = statistics.median(r["seconds"] for r in s)
        t_n = statistics.median(r["seconds"] for r in runs["scoring-no-ci"])
        m_b = max(r["peak_mib"] for r in b)
        m_s = max(r["peak_mib"] for r in s)
        for part in ("Public", "Private"):  # the engine must agree with the baseline
            assert abs(b[0]["scores"][part] - s[0]["scores"][part]) < 1e-9, (kind, part, b[0], s[0])
        ratio_mem = m_s * 1.048576 / size_mb  # MiB -> MB, over the submission's size in MB
        share = (t_s - t_n) / t_n  # extra time the intervals add, relative to scoring without them
        print(f"{kind:<11}{size_mb:>9.1f}{t_b:>9.2f}{t_s:>9.2f}{t_s / t_b:>7.2f}{t_n:>9.2f}{share:>9.2f}"
              f"{m_b:>10.0f}{m_s:>10.0f}{ratio_mem:>9.2f}")
        for mode, results in runs.items():
            print(f"  {mode:<14} seconds {[round(r['seconds'], 2) for r in results]}"
                  f"  peak MiB {[round(r['peak_mib']) for r in results]}")
    print("targets: ratio <= 1.5; scoring peak <= 4 x submission size (MB/file <= 4); CI share <= 1")


if __name__ == "__main__":
    main()
