"""Bootstrap intervals and paired comparisons."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoring
from scoring import uncertainty


@pytest.mark.parametrize("name", sorted(scoring.METRICS))
def test_intervals_are_deterministic_and_contain_the_score(name, make_case):
    sol, sub, _ = make_case(name, n=80)
    sol = scoring.assign_usage(sol, 0.5, seed=1)
    a = scoring.score_submission(sol, sub, name)
    b = scoring.score_submission(sol, sub.iloc[::-1], name)
    assert a.public_ci == b.public_ci and a.private_ci == b.private_ci
    for score, ci in ((a.public, a.public_ci), (a.private, a.private_ci)):
        low, high = ci
        assert low <= high
        assert low - 1e-9 <= score <= high + 1e-9


def test_interval_matches_a_plain_index_bootstrap():
    """The weighted replicates equal recomputing the metric on resampled rows."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 200).astype(float)
    p = rng.random(200)
    metric = scoring.get_metric("auc")
    reps = uncertainty.replicates(metric, y, p, {}, metric.score(y, p), "public", lambda d, r: d[r])
    # Rebuild the first block of resamples from the same generator.
    gen = np.random.default_rng([uncertainty.SEED, 1, 200])
    draws = gen.integers(0, 200, size=(uncertainty._BLOCK, 200))
    from sklearn.metrics import roc_auc_score

    expected = [roc_auc_score(y[d], p[d]) for d in draws[:10]]
    assert reps[:10] == pytest.approx(expected, abs=1e-12)
    assert len(reps) >= 200


def test_large_parts_use_a_rescaled_subsample():
    rng = np.random.default_rng(0)
    n = uncertainty.MAX_ROWS * 4
    y = rng.normal(size=n)
    p = y + rng.normal(size=n)
    metric = scoring.get_metric("mae")
    score = metric.score(y, p)
    reps = uncertainty.replicates(metric, y, p, {}, score, "public", lambda d, r: d[r])
    low, high = uncertainty.interval(reps)
    # Normal-theory half-width of a mean of |errors|: 1.96 * sd / sqrt(n).
    half = 1.96 * np.abs(y - p).std() / np.sqrt(n)
    assert (high - low) / 2 == pytest.approx(half, rel=0.2)
    assert low < score < high


def test_more_rows_give_narrower_intervals(make_case):
    widths = []
    for n in (100, 1000):
        sol, sub, _ = make_case("rmse", n=n)
        ci = scoring.score_submission(sol, sub, "rmse").public_ci
        widths.append(ci[1] - ci[0])
    assert widths[1] < widths[0]


def _scored(noise, n=400, seed=0, name="rmse"):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    sol = scoring.assign_usage(pd.DataFrame({"id": range(n), "t": y}), 0.5, seed=3)
    parsed = scoring.read_solution(sol, name)
    sub = pd.DataFrame({"id": range(n), "t": y + rng.normal(scale=noise, size=n)})
    return parsed, scoring.score_submission(parsed, sub)


def test_compare_detects_a_clear_difference():
    _, good = _scored(0.1)
    _, bad = _scored(1.0)
    result = scoring.compare(good, bad)
    assert result.distinguishable and result.better == "a"
    assert result.difference == pytest.approx(good.public - bad.public)
    assert result.ci[1] < 0 and result.p_value < 0.05
    assert scoring.compare(bad, good).better == "b"
    assert set(result.to_dict()) >= {"difference", "ci", "p_value", "distinguishable", "better"}


def test_compare_identical_submissions_is_not_distinguishable():
    _, a = _scored(0.5)
    _, b = _scored(0.5)
    result = scoring.compare(a, b, part="private")
    assert result.difference == 0 and not result.distinguishable and result.better is None
    assert result.p_value == 1.0


def test_compare_is_paired():
    """Two close submissions: the paired interval is far narrower than the unpaired ones."""
    rng = np.random.default_rng(9)
    n = 2000
    y = rng.normal(size=n)
    noise = rng.normal(size=n)
    sol = pd.DataFrame({"id": range(n), "t": y})
    a = scoring.score_submission(sol, pd.DataFrame({"id": range(n), "t": y + noise}), "mse")
    b = scoring.score_submission(sol, pd.DataFrame({"id": range(n), "t": y + noise * 1.02}), "mse")
    result = scoring.compare(a, b)
    assert result.distinguishable and result.better == "a"
    assert (result.ci[1] - result.ci[0]) < 0.2 * (a.public_ci[1] - a.public_ci[0])


def test_compare_refuses_different_solutions():
    _, a = _scored(0.5, seed=0)
    _, b = _scored(0.5, seed=1)
    with pytest.raises(ValueError, match="same solution"):
        scoring.compare(a, b)


def test_compare_needs_in_process_results():
    _, a = _scored(0.5)
    plain = scoring.ScoreResult(**{k: v for k, v in a.to_dict().items()
                                   if k not in ("public_ci", "private_ci")},
                                public_ci=a.public_ci, private_ci=a.private_ci)
    assert plain == a  # the private replicates do not take part in equality
    with pytest.raises(ValueError, match="in this process"):
        scoring.compare(a, plain)
