"""Bounded work for hostile files: bombs, huge lines, wide headers, floods of problems.

The bombs are built in memory (bench/bombs.py) and written compressed (a few MB);
memory is measured in a child process as its peak RSS growth, never time.
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

import scoring

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import bombs  # noqa: E402

SOLUTION = b"id,target\nid_1,0.5\nid_2,0.1\n"
PLATFORM = scoring.Limits(max_inflated_bytes=1000 << 20)

_CHILD = r"""
import json, sys
import pandas, numpy, scoring

def rss(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) * 1024

before = rss("VmRSS:")
problems = scoring.validate_submission(sys.argv[1], sys.argv[2], "rmse",
                                       limits=scoring.Limits(max_inflated_bytes=1000 << 20))
answer = json.dumps([p.to_dict() for p in problems])
print(json.dumps({"grew": rss("VmHWM:") - before, "answer_bytes": len(answer), "problems": json.loads(answer)}))
"""


def _measure(tmp_path, data: bytes, suffix: str) -> dict:
    solution, submission = tmp_path / "solution.csv", tmp_path / f"submission{suffix}"
    solution.write_bytes(SOLUTION)
    submission.write_bytes(data)
    out = subprocess.run([sys.executable, "-c", _CHILD, str(solution), str(submission)], capture_output=True,
                         text=True, cwd=ROOT, timeout=300, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("make,suffix,code", [
    (lambda: bombs.wide_csv(1_000_000), ".csv", "too_many_columns"),
    (lambda: bombs.wide_csv(20_000, rows=3), ".csv", "too_many_columns"),
    (lambda: bombs.gzip_bomb(4 << 30, "line"), ".csv.gz", "line_too_long"),
    (lambda: bombs.gzip_bomb(8 << 30, "rows"), ".csv.gz", "file_too_large"),
    (lambda: bombs.zip_bomb(4 << 30, "line"), ".zip", "file_too_large"),
    (lambda: bombs.zip_bomb(8 << 30, "rows"), ".zip", "file_too_large"),
], ids=["1M-columns", "20k-columns", "gzip-4GiB-line", "gzip-8GiB-rows", "zip-4GiB-line", "zip-8GiB-rows"])
def test_hostile_files_get_one_small_answer_in_bounded_memory(tmp_path, make, suffix, code):
    measured = _measure(tmp_path, make(), suffix)
    assert [p["code"] for p in measured["problems"]] == [code]
    assert measured["answer_bytes"] < 1000
    assert measured["grew"] < 200 << 20, measured["grew"]


def test_a_gzip_that_inflates_past_the_limit_is_stopped_there():
    data = gzip.compress(b"id,target\n" + b"id_1,0.5\n" * 200_000)  # 1.8 MB inflated
    problems = scoring.validate_submission(SOLUTION, data, "rmse", limits=scoring.Limits(max_inflated_bytes=1 << 20))
    assert [p.code for p in problems] == ["file_too_large"]
    assert "1 MiB" in problems[0].message
    # The same file within the limit is read as usual (and has its own problems).
    problems = scoring.validate_submission(SOLUTION, data, "rmse", limits=scoring.Limits(max_inflated_bytes=2 << 20))
    assert "file_too_large" not in {p.code for p in problems}


def test_the_inflated_limit_does_not_apply_to_plain_csv():
    data = b"id,target\nid_1,0.5\nid_2,0.1\n"
    assert scoring.validate_submission(SOLUTION, data, "rmse", limits=scoring.Limits(max_inflated_bytes=8)) == []


def test_a_long_line_anywhere_is_refused_with_its_number():
    data = b"id,target\nid_1,0.5\nid_2," + b"1" * 5000 + b"\n"
    problems = scoring.validate_submission(SOLUTION, data, "rmse", limits=scoring.Limits(max_line_bytes=4096))
    assert [(p.code, p.row) for p in problems] == [("line_too_long", 3)]


def test_lines_up_to_the_limit_pass():
    data = b"id,target\nid_1,0.5\nid_2," + b"0" * 100 + b"1\n"
    assert scoring.validate_submission(SOLUTION, data, "rmse", limits=scoring.Limits(max_line_bytes=106)) == []


def test_header_width_counts_quoted_commas_once():
    header = ",".join(f'"c,{i}"' for i in range(12)).encode()
    problems = scoring.validate_submission(SOLUTION, header + b"\n" + b"1," * 11 + b"1\n", "rmse",
                                           limits=scoring.Limits(max_columns=12))
    assert "too_many_columns" not in {p.code for p in problems}
    problems = scoring.validate_submission(SOLUTION, header + b"\n", "rmse", limits=scoring.Limits(max_columns=11))
    assert [p.code for p in problems] == ["too_many_columns"]


def test_problems_are_capped_with_one_summary_line_per_code():
    columns = [f"x{i}" for i in range(300)]
    data = ("id,target," + ",".join(columns) + "\nid_1,0.5" + ",1" * 300 + "\nid_2,0.1" + ",1" * 300 + "\n").encode()
    problems = scoring.validate_submission(SOLUTION, data, "rmse")
    # One summarizing problem ("300 columns that are not part of a submission") stands above the capped list.
    assert len(problems) == 102 and problems[0].code == "many_extra_columns"
    assert [p.code for p in problems[1:101]] == ["extra_columns"] * 100
    summary = problems[101]
    assert summary.code == "extra_columns" and "And 200 more problems of the same kind" in summary.message
    assert len(scoring.validate_submission(SOLUTION, data, "rmse", limits=scoring.Limits(max_problems=5))) == 7


def test_cap_problems_summarises_each_code_in_order():
    problems = [scoring.Problem("a", "x")] * 3 + [scoring.Problem("b", "y")] * 1_000_000
    capped = scoring.cap_problems(problems, 2)
    assert [p.code for p in capped] == ["a", "a", "a", "b"]
    assert "1,000,000 more problems" in capped[3].message and "And 1 more problem " in capped[2].message


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="max_columns"):
        scoring.Limits(max_columns=0)
