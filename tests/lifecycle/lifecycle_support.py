"""Data and helpers for the competition lifecycle tests.

Every competition here is a small regression (rmse) task: ids 1..20, ids 1..10
Public and 11..20 Private. Each solution target carries MARK in its decimals,
so any response body that quotes the answer key is easy to catch. Learners'
predictions are rounded to 3 decimals and never contain MARK.

A prediction made by `predictions(pub_err, priv_err)` is off by a constant on
each part, so its rmse is |pub_err| on the public rows and |priv_err| on the
private rows (to about 2e-4, from the rounding).
"""
from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
START = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
DEADLINE = datetime(2030, 2, 1, 0, 0, tzinfo=UTC)
DURING = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
AFTER = DEADLINE + timedelta(days=1)
BEFORE = START - timedelta(days=1)

MARK = "2718281828"
N_ROWS = 20
PUBLIC_IDS = range(1, 11)


def solution_csv(shift: int = 0, usage: bool = True) -> bytes:
    lines = ["id,target" + (",Usage" if usage else "")]
    for i in range(1, N_ROWS + 1):
        row = f"{i},{i + shift}.{MARK}"
        if usage:
            row += ",Public" if i in PUBLIC_IDS else ",Private"
        lines.append(row)
    return ("\n".join(lines) + "\n").encode()


def predictions(pub_err: float, priv_err: float | None = None, *, ids=None) -> bytes:
    """A valid submission whose rmse is about |pub_err| (public) and |priv_err| (private)."""
    priv_err = pub_err if priv_err is None else priv_err
    ids = range(1, N_ROWS + 1) if ids is None else ids
    lines = ["id,target"]
    for i in ids:
        err = pub_err if i in PUBLIC_IDS else priv_err
        lines.append(f"{i},{i + float('0.' + MARK) + err:.3f}")
    body = "\n".join(lines) + "\n"
    assert MARK not in body
    return body.encode()


def invalid_predictions() -> bytes:
    """Rows missing and a non-numeric value: invalid, with several problems."""
    lines = ["id,target"] + [f"{i},{i}.5" for i in range(1, 15)] + ["15,abc"]
    return ("\n".join(lines) + "\n").encode()


TRAIN_CSV = b"id,x,target\n101,0.5,1.0\n102,0.7,2.0\n"
TEST_CSV = ("id,x\n" + "".join(f"{i},0.{i}\n" for i in range(1, N_ROWS + 1))).encode()


def metadata(slug: str = "house-prices", **overrides) -> dict:
    data = {"title": "House prices", "slug": slug, "subtitle": "Predict the price", "metric": "rmse",
            "metric_params": {}, "id_column": "id", "start": START.isoformat(), "deadline": DEADLINE.isoformat(),
            "daily_limit": 5, "final_selections": 2, "description": "## Welcome\nPredict *well*.",
            "rules": "Be nice.", "visibility": "public"}
    data.update(overrides)
    return data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_no_solution(body: bytes, solution: bytes = None) -> None:
    """The body quotes neither the answer key's values nor its bytes nor its hash."""
    solution = solution or solution_csv()
    assert MARK.encode() not in body
    assert solution not in body
    assert sha256(solution).encode() not in body


def multipart_competition(meta: dict, solution: bytes | None = None, files=None) -> dict:
    files = files if files is not None else {"train.csv": TRAIN_CSV, "test.csv": TEST_CSV}
    return {"metadata": json.dumps(meta), "solution": (io.BytesIO(solution or solution_csv()), "solution.csv"),
            "files": [(io.BytesIO(data), name) for name, data in files.items()]}
