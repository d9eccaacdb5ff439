"""Property tests: whatever bytes arrive, only the documented exceptions escape."""
from __future__ import annotations

import gzip

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring

SOLUTIONS = {
    "log_loss": b"id,target,Usage\na,0,Public\nb,1,Private\nc,1,Public\nd,0,Private\n",
    "accuracy": b"id,target\na,x\nb,y\nc,y\nd,x\n",
    "multiclass_log_loss": b"id,label\na,x\nb,y\nc,z\nd,x\n",
    "map_at_k": b"id,target\na,x y\nb,y\nc,\nd,z\n",
    "quadratic_weighted_kappa": b"id,target\na,1\nb,2\nc,3\nd,1\n",
    "rmse": b"id,target\na,1.5\nb,2\nc,3\nd,-1\n",
    "smape": b"id,target,Weight\na,1.5,1\nb,0,2\nc,3,0\nd,-1,1\n",
    "pinball": b"id,target,Usage\na,1.5,Public\nb,2,Private\nc,3,Public\nd,-1,Private\n",
    "fbeta": b"id,target\na,1\nb,0\nc,1\nd,0\n",
    "top_k_accuracy": b"id,target\na,x\nb,y\nc,y\nd,z\n",
    "mean_columnwise_auc": b"id,x,y,Usage\na,0,1,Public\nb,1,0,Private\nc,1,1,Public\nd,0,0,Private\n",
}
ALLOWED = (scoring.SubmissionError, scoring.SolutionError, ValueError)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell = st.one_of(
    st.sampled_from(["a", "b", "c", "d", "zz", "", " ", "0.5", "1", "-3", "nan", "inf", "1e400", "x y", '"q,"', "x"]),
    st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
header = st.lists(st.sampled_from(["id", "target", "label", "x", "y", "z", "Usage", "", "id "]), min_size=0, max_size=4)


@st.composite
def csv_bytes(draw):
    columns = draw(header)
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=5), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join([",".join(columns)] + [",".join(r) for r in rows])
    data = text.encode("utf-8", "surrogatepass") if draw(st.booleans()) else text.encode("utf-8", "replace")
    wrap = draw(st.sampled_from(["plain", "bom", "gzip", "truncated-gzip", "latin1-junk"]))
    if wrap == "bom":
        data = b"\xef\xbb\xbf" + data
    elif wrap == "gzip":
        data = gzip.compress(data)
    elif wrap == "truncated-gzip":
        data = gzip.compress(data)[:15]
    elif wrap == "latin1-junk":
        data += b"\xff\xfe\x00"
    return data


def _run(solution, submission, metric):
    try:
        problems = scoring.validate_submission(solution, submission, metric)
        assert all(isinstance(p, scoring.Problem) and p.code and p.message for p in problems)
        result = scoring.score_submission(solution, submission, metric)
        assert not problems and result.to_dict()["metric"] == metric
    except ALLOWED:
        pass


@SETTINGS
@given(metric=st.sampled_from(sorted(SOLUTIONS)), submission=csv_bytes())
def test_random_submissions_raise_only_documented_errors(metric, submission):
    _run(SOLUTIONS[metric], submission, metric)


@SETTINGS
@given(metric=st.sampled_from(sorted(SOLUTIONS)), solution=csv_bytes(), submission=csv_bytes())
def test_random_solutions_raise_only_documented_errors(metric, solution, submission):
    _run(solution, submission, metric)


@SETTINGS
@given(
    metric=st.sampled_from(sorted(SOLUTIONS)),
    ids=st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=6),
    values=st.lists(cell, min_size=6, max_size=6),
)
def test_near_valid_submissions_report_problems_or_score(metric, ids, values):
    columns = list(scoring.read_solution(SOLUTIONS[metric], metric).prediction_columns)
    frame = pd.DataFrame({"id": ids})
    for c in columns:
        frame[c] = values[: len(ids)]
    _run(SOLUTIONS[metric], frame.to_csv(index=False).encode(), metric)
    _run(SOLUTIONS[metric], frame, metric)
