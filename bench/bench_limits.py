"""Benchmark: hostile uploads (issue 12) answered with the platform's limits.

    .venv/bin/python bench/bench_limits.py

Builds the bombs in memory (bench/bombs.py; the compressed files, a few MB, go to a
temporary folder) and validates each in a fresh subprocess with the platform's
default limits (HOLDOUT_MAX_INFLATED_MB = 10 x 100 MB upload limit, 10,000 columns,
1 MiB per line). Time is the call's wall-clock time; peak memory is the child's peak
RSS (VmHWM) minus its RSS after imports. The baseline, measured in the same run, is
the same call on an ordinary valid submission of 100,000 rows (1.4 MB), so the ratios
say what a bomb costs compared with a normal upload. Targets: under 5 s and under
500 MB of growth each.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import bombs  # noqa: E402

CHILD = r"""
import json, sys, time
import numpy, pandas, scoring

def rss(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) * 1024

before = rss("VmRSS:")
start = time.perf_counter()
problems = scoring.validate_submission(sys.argv[1], sys.argv[2], "rmse",
                                       limits=scoring.Limits(max_inflated_bytes=1000 << 20))
seconds = time.perf_counter() - start
answer = json.dumps([p.to_dict() for p in problems])
print(json.dumps({"seconds": seconds, "peak_mib": (rss("VmHWM:") - before) / 2**20, "answer_bytes": len(answer),
                  "codes": [p.code for p in problems]}))
"""

CASES = [
    ("normal 100k rows (baseline)", ".csv", None),
    ("1,000,000 columns", ".csv", lambda: bombs.wide_csv(1_000_000)),
    ("20,000 columns", ".csv", lambda: bombs.wide_csv(20_000, rows=3)),
    ("gzip, one 4 GiB line", ".csv.gz", lambda: bombs.gzip_bomb(4 << 30, "line")),
    ("gzip, 8 GiB of rows", ".csv.gz", lambda: bombs.gzip_bomb(8 << 30, "rows")),
    ("zip, one 4 GiB line", ".zip", lambda: bombs.zip_bomb(4 << 30, "line")),
    ("zip, 8 GiB of rows", ".zip", lambda: bombs.zip_bomb(8 << 30, "rows")),
]


def main() -> None:
    rows = 100_000
    ids = [f"id_{i}" for i in range(rows)]
    with tempfile.TemporaryDirectory() as tmp:
        solution = Path(tmp) / "solution.csv"
        solution.write_text("id,target\n" + "".join(f"{i},0.5\n" for i in ids))
        normal = ("id,target\n" + "".join(f"{i},0.25\n" for i in ids)).encode()
        print(f"{'case':<28} {'file MB':>8} {'s':>6} {'x base':>7} {'peak MiB':>9} {'x base':>7} "
              f"{'answer B':>9}  codes")
        base = None
        for name, suffix, make in CASES:
            data = normal if make is None else make()
            path = Path(tmp) / f"submission{suffix}"
            path.write_bytes(data)
            out = subprocess.run([sys.executable, "-c", CHILD, str(solution), str(path)], capture_output=True,
                                 text=True, cwd=ROOT, check=True)
            m = json.loads(out.stdout)
            base = base or m
            print(f"{name:<28} {len(data) / 1e6:>8.1f} {m['seconds']:>6.2f} {m['seconds'] / base['seconds']:>7.1f} "
                  f"{m['peak_mib']:>9.1f} {m['peak_mib'] / max(base['peak_mib'], 0.1):>7.1f} "
                  f"{m['answer_bytes']:>9}  {','.join(m['codes']) or 'valid'}")


if __name__ == "__main__":
    main()
