"""Property tests: the integer fast path for ids and the text path see the same files alike.

Random solutions and submissions mix canonical integers, integers written otherwise
('007', '+7', '-0', ' 7', '"7"'), numbers beyond int64, floats and text, with small read
and scan chunks so that files switch path mid-way and patterns straddle chunks.  For
each, everything observable (the solution's ids, width, fingerprint or its error; the
problems of validate_submission and check_ids with rows and messages; the scores) must be
identical with the fast path on and with ``scoring.io.INTEGER_IDS = False``.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring
import scoring.io

INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def io_settings(**values):
    old = {name: getattr(scoring.io, name) for name in values}
    for name, value in values.items():
        setattr(scoring.io, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(scoring.io, name, value)


def outcome(solution, submission, metric):
    try:
        parsed = scoring.read_solution(solution, metric)
    except scoring.SolutionError as error:
        return {"solution_error": str(error)}, None
    seen = {
        "ids": parsed.ids.tobytes(), "width": parsed.ids.dtype.itemsize, "fingerprint": parsed.fingerprint,
        "problems": [p.to_dict() for p in scoring.validate_submission(parsed, submission)],
        "check_ids": [p.to_dict() for p in scoring.check_ids(parsed, submission)],
    }
    if not seen["problems"]:
        seen["score"] = scoring.score_submission(parsed, submission).to_dict()
    return seen, parsed.index.ints is not None


def compare(solution, submission, metric="rmse", **io):
    with io_settings(**io):
        fast, integer = outcome(solution, submission, metric)
        with io_settings(INTEGER_IDS=False):
            text, _ = outcome(solution, submission, metric)
    assert fast == text
    return fast, integer


canonical = st.one_of(st.integers(-30, 400), st.integers(INT64_MIN, INT64_MAX)).map(str)
written_otherwise = st.sampled_from([
    "007", "07", "00", "+7", "-0", "-007", "+0", " 7", "7 ", "\t7", '"7"', '"007"', "7.0", "1e3", "1.5", "",
    "abc", "7x", "True", str(INT64_MAX + 1), str(INT64_MIN - 1), "18446744073709551615", "0x1A", "-", "٣",
])
cell_for_id = st.one_of(canonical, canonical, canonical, written_otherwise)
prediction = st.one_of(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.6g}"), st.sampled_from(["0", "-0.5", "x", ""]))
io_options = st.fixed_dictionaries({
    "CHUNK_ROWS": st.sampled_from([1, 2, 3, 5, 32_768]),
    "SCAN_CHUNK": st.sampled_from([1, 2, 7, 1 << 20]),
})


@st.composite
def case(draw, clean: bool):
    """(solution bytes, submission bytes): ids canonical only when ``clean``."""
    cells = canonical if clean else cell_for_id
    ids = draw(st.lists(cells, min_size=1, max_size=25, unique=draw(st.booleans()) or clean))
    targets = draw(st.lists(st.floats(-100, 100, allow_nan=False).map(lambda v: f"{v:.4g}"),
                            min_size=len(ids), max_size=len(ids)))
    usage = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    header = "id,target,Usage" if usage else "id,target"
    rows = [f"{i},{t}" + (f",{'Public' if k % 2 else 'Private'}" if usage else "")
            for k, (i, t) in enumerate(zip(ids, targets))]
    solution = newline.join([header, *rows]) + draw(st.sampled_from([newline, ""]))
    # The submission: the solution's ids reordered, some dropped or repeated, some others added.
    picked = draw(st.lists(st.sampled_from(ids), max_size=len(ids) + 3)) if not draw(st.booleans()) else list(ids)
    picked = draw(st.permutations(picked))
    extra = draw(st.lists(cell_for_id if not clean or draw(st.booleans()) else canonical, max_size=3))
    sub_ids = list(picked) + extra
    sub_ids = draw(st.permutations(sub_ids))
    values = draw(st.lists(prediction, min_size=len(sub_ids), max_size=len(sub_ids)))
    submission = newline.join(["id,target", *(f"{i},{v}" for i, v in zip(sub_ids, values))])
    submission += draw(st.sampled_from([newline, ""]))
    return solution.encode(), submission.encode()


@SETTINGS
@given(files=case(clean=False), io=io_options)
def test_both_paths_agree_on_random_files(files, io):
    compare(*files, **io)


@SETTINGS
@given(files=case(clean=True), io=io_options)
def test_canonical_integer_files_take_the_fast_path_and_agree(files, io):
    seen, integer = compare(*files, **io)
    assert integer or "solution_error" in seen  # the fast path really ran


@SETTINGS
@given(
    sol_ids=st.lists(st.integers(INT64_MIN, INT64_MAX), min_size=1, max_size=20, unique=True),
    drop=st.integers(0, 3), add=st.lists(st.integers(-50, 50), max_size=3), as_text=st.booleans(),
)
def test_dataframes_with_integer_ids_agree(sol_ids, drop, add, as_text):
    solution = pd.DataFrame({"id": np.array(sol_ids, dtype=np.int64), "target": np.arange(len(sol_ids), dtype=float)})
    sub_ids = sol_ids[::-1][drop:] + add
    submission = pd.DataFrame({"id": np.array(sub_ids, dtype=np.int64), "target": np.ones(len(sub_ids))})
    if as_text:
        submission["id"] = submission["id"].astype(str)
    seen, integer = compare(solution, submission)
    assert integer


@SETTINGS
@given(ids=st.lists(st.one_of(st.integers(-(10**6), 10**6), st.integers(INT64_MIN, INT64_MAX)), max_size=300))
def test_int_text_is_the_text_of_each_integer(ids):
    text = scoring.ids.int_text(np.array(ids, dtype=np.int64))
    assert [t.decode() for t in text] == [str(v) for v in ids]
    if ids:
        assert text.dtype.itemsize == max(len(str(v)) for v in ids)
