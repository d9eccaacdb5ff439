"""Tests of the example plugin, the way a plugin author would write them.

They need Holdout's ``scoring`` package importable (run them from a Holdout
checkout, or with it installed) and this package installed.
"""
from __future__ import annotations

from importlib import metadata

import numpy as np
import pandas as pd
import pytest
from holdout_metric_example import HUBER, MAX_ERROR

import scoring


def _frames(y, p, **extra):
    solution = pd.DataFrame({"id": range(len(y)), "target": y, **extra})
    return solution, pd.DataFrame({"id": range(len(p)), "target": p})


def test_huber_by_hand():
    solution, submission = _frames([0.0, 0.0, 0.0], [0.5, -2.0, 3.0])
    # errors 0.5, 2, 3 with delta 1: 0.125, 1.5, 2.5
    result = scoring.score_submission(solution, submission, HUBER)
    assert result.overall == pytest.approx((0.125 + 1.5 + 2.5) / 3)
    result = scoring.score_submission(solution, submission, HUBER, delta=4)
    assert result.overall == pytest.approx((0.125 + 2 + 4.5) / 3)


def test_huber_takes_sample_weights():
    solution, submission = _frames([0.0, 0.0], [0.5, 3.0], Weight=[3.0, 1.0])
    assert scoring.score_submission(solution, submission, HUBER).overall == pytest.approx((3 * 0.125 + 2.5) / 4)


def test_bad_delta_is_refused():
    with pytest.raises(ValueError, match="delta must be positive"):
        HUBER.resolve_params({"delta": 0})


def test_max_error_and_its_interval():
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    p = y + rng.normal(size=200)
    solution, submission = _frames(y, p)
    result = scoring.score_submission(solution, submission, MAX_ERROR)
    assert result.overall == pytest.approx(np.abs(y - p).max())
    low, high = result.public_ci
    assert low <= result.public <= high


def test_the_installed_plugins_are_registered():
    names = {entry.name for entry in metadata.entry_points(group="holdout.metrics")}
    if not {"huber", "max_error"} <= names:
        pytest.skip("holdout-metric-example is not installed")
    assert scoring.METRICS["huber"].plugin.startswith("holdout-metric-example ")
    assert scoring.METRICS["max_error"].plugin == scoring.METRICS["huber"].plugin
