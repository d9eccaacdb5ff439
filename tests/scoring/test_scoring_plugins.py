"""Metric plugins: entry points in the group holdout.metrics.

Most tests install a small distribution the cheap way (a module and its
.dist-info folder in a temporary directory on sys.path, which is what an
installed package is to importlib.metadata).  One test builds the example
package in examples/ into a wheel, installs it into a temporary directory with
pip (offline) and uses it from a fresh interpreter, as an administrator would.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scoring
from scoring.metrics import registry

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "holdout-metric-example"
SECRET = "2718281828"

PLUGIN_SOURCE = textwrap.dedent(f'''
    import time

    import numpy as np

    from scoring import Metric


    def _abs(y, p, ctx):
        return np.abs(y - p)


    def _raises(y, p, w, ctx):
        raise ZeroDivisionError("the truth holds {SECRET}")


    def _nan(y, p, w, ctx):
        return np.full(1 if w is None else w.shape[0], np.nan)


    def _slow(y, p, w, ctx):
        time.sleep(5)
        return np.zeros(1 if w is None else w.shape[0])


    def _scalar(y, p, w, ctx):
        return 0.0  # right for the score, wrong for a block of resamples


    def _reg(name, **extra):
        return Metric(name=name, description="test plugin " + name, kind="regression", greater_is_better=False,
                      truth="number", prediction="number", **extra)


    PLUG_MAE = _reg("plug_mae", row_values=_abs, weighted=True, params={{"scale": 1.0}})
    PLUG_RAISES = _reg("plug_raises", compute=_raises)
    PLUG_NAN = _reg("plug_nan", compute=_nan)
    PLUG_SLOW = _reg("plug_slow", compute=_slow)
    PLUG_SCALAR = _reg("plug_scalar", compute=_scalar)
    SHADOW = _reg("rmse", row_values=_abs)
    NOT_A_METRIC = object()
''')

ENTRY_POINTS = {
    "plug_mae": "holdout_test_plugins:PLUG_MAE",
    "plug_raises": "holdout_test_plugins:PLUG_RAISES",
    "plug_nan": "holdout_test_plugins:PLUG_NAN",
    "plug_slow": "holdout_test_plugins:PLUG_SLOW",
    "plug_scalar": "holdout_test_plugins:PLUG_SCALAR",
    "rmse": "holdout_test_plugins:SHADOW",
    "not_metric": "holdout_test_plugins:NOT_A_METRIC",
    "misnamed": "holdout_test_plugins:PLUG_MAE",
    "broken": "holdout_no_such_module:METRIC",
}


def write_distribution(root: Path, name: str, module: str, source: str, entry_points: dict) -> Path:
    """An installed distribution as importlib.metadata sees one: a module and its .dist-info."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(source)
    info = root / f"{name.replace('-', '_')}-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[holdout.metrics]\n{lines}")
    return root


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory):
    """The test plugins, installed (on sys.path) for this module's tests, then uninstalled."""
    root = write_distribution(tmp_path_factory.mktemp("plugins"), "holdout-test-plugins", "holdout_test_plugins",
                              PLUGIN_SOURCE, ENTRY_POINTS)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    registry.reload_plugins()
    yield root
    sys.path.remove(str(root))
    sys.modules.pop("holdout_test_plugins", None)
    registry.reload_plugins()


def _frames(n=30, **extra):
    rng = np.random.default_rng(0)
    y = rng.normal(size=n)
    sol = pd.DataFrame({"id": range(n), "t": y, "Usage": ["Public", "Private"] * (n // 2), **extra})
    return sol, pd.DataFrame({"id": range(n), "t": y + rng.normal(size=n)})


def test_a_plugin_joins_the_registry_with_its_mark(plugin_dir):
    metric = scoring.get_metric("plug_mae")
    assert metric.plugin == "holdout-test-plugins 0.0.1"
    assert metric.to_dict()["plugin"] == "holdout-test-plugins 0.0.1" and metric.to_dict()["weighted"] is True
    assert list(scoring.METRICS)[-1] in ENTRY_POINTS  # after the built-in metrics
    sol, sub = _frames(Weight=np.linspace(0.5, 2, 30))
    result = scoring.score_submission(sol, sub, "plug_mae", scale="2")
    merged = sol.merge(sub, on="id")
    error = np.abs(merged["t_x"] - merged["t_y"]).to_numpy()
    public = (merged["Usage"] == "Public").to_numpy()
    expected = np.average(error[public], weights=merged["Weight"].to_numpy()[public])
    assert result.public == pytest.approx(expected, abs=1e-12)
    assert result.public_ci[0] < result.public < result.public_ci[1]


def test_plugins_cannot_shadow_built_ins_and_bad_ones_are_left_out(plugin_dir):
    assert scoring.get_metric("rmse").plugin is None
    problems = registry.plugin_problems()
    assert any("cannot replace the built-in metric 'rmse'" in p for p in problems)
    assert any("'not_metric'" in p and "not a scoring.Metric" in p for p in problems)
    assert any("'misnamed'" in p and "named like its metric" in p for p in problems)
    assert any("'broken'" in p and "could not be loaded" in p and "ModuleNotFoundError" in p for p in problems)
    assert all("holdout-test-plugins 0.0.1" in p for p in problems)
    for name in ("not_metric", "misnamed", "broken"):
        assert name not in scoring.METRICS
    with pytest.raises(ValueError, match=r"unknown metric 'broken'.*could not be loaded: ModuleNotFoundError"):
        scoring.get_metric("broken")


@pytest.mark.parametrize("name,reason,detail", [
    ("plug_raises", "raised", f"raised ZeroDivisionError: the truth holds {SECRET}"),
    ("plug_nan", "non_finite", "gave a non-finite score (nan) for the public rows"),
    ("plug_scalar", "raised", "shape (50,)"),
])
def test_a_failing_plugin_raises_metric_error(plugin_dir, name, reason, detail):
    sol, sub = _frames()
    with pytest.raises(scoring.MetricError) as info:
        scoring.score_submission(sol, sub, name)
    error = info.value
    assert (error.metric, error.reason, error.plugin) == (name, reason, "holdout-test-plugins 0.0.1")
    assert detail in str(error) and str(error).startswith(f"metric {name!r} (plugin holdout-test-plugins 0.0.1)")
    assert not isinstance(error, ValueError)  # not the file's fault, nor the caller's


def test_a_slow_plugin_runs_out_of_time(plugin_dir, monkeypatch):
    monkeypatch.setenv("HOLDOUT_METRIC_TIME_LIMIT", "0.1")  # the plugin sleeps 5 seconds
    sol, sub = _frames()
    with pytest.raises(scoring.MetricError) as info:
        scoring.score_submission(sol, sub, "plug_slow")
    assert info.value.reason == "time_limit" and "time limit of 0.1 seconds" in str(info.value)


@pytest.mark.parametrize("value", ["x", "-1", "nan"])
def test_a_bad_time_limit_setting_is_refused(plugin_dir, monkeypatch, value):
    monkeypatch.setenv("HOLDOUT_METRIC_TIME_LIMIT", value)
    sol, sub = _frames()
    with pytest.raises(ValueError, match="HOLDOUT_METRIC_TIME_LIMIT"):
        scoring.score_submission(sol, sub, "plug_mae")


def test_built_in_metrics_never_go_through_the_guard(plugin_dir, monkeypatch):
    monkeypatch.setenv("HOLDOUT_METRIC_TIME_LIMIT", "x")  # would fail any plugin metric
    sol, sub = _frames()
    assert scoring.score_submission(sol, sub, "mae").public > 0


def test_the_command_line_lists_plugins_and_reports_their_failures(plugin_dir, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_dir), str(ROOT)])}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "scoring", *args], capture_output=True, text=True,
                              cwd=tmp_path, env=env, check=False)

    table = run("metrics")
    assert table.returncode == 0
    line = next(row for row in table.stdout.splitlines() if row.startswith("plug_mae "))
    assert "plugin (holdout-test-plugins 0.0.1)" in line
    assert "cannot replace the built-in metric 'rmse'" in table.stderr
    listed = {m["name"]: m for m in json.loads(run("metrics", "--json").stdout)}
    assert listed["plug_mae"]["plugin"] == "holdout-test-plugins 0.0.1" and listed["rmse"]["plugin"] is None
    sol, sub = _frames()
    sol.to_csv(tmp_path / "sol.csv", index=False)
    sub.to_csv(tmp_path / "sub.csv", index=False)
    failed = run("score", "--solution", "sol.csv", "--submission", "sub.csv", "--metric", "plug_raises")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert failed.stderr.startswith("error: metric 'plug_raises' (plugin holdout-test-plugins 0.0.1) raised")


def test_the_example_package_builds_installs_and_scores_offline(tmp_path):
    """Build examples/holdout-metric-example into a wheel, install it into a temporary target
    with pip (no index, no build isolation: offline), and use it from a fresh interpreter."""
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    built = subprocess.run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index", "-q",
                            "-w", str(tmp_path / "dist")], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("holdout_metric_example-0.1.0-*.whl")
    target = tmp_path / "site"
    installed = subprocess.run([*pip, "install", "--no-deps", "--no-index", "-q", "--target", str(target),
                                str(wheel)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}

    def run(*args):
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=300, check=False)

    listing = run("-m", "scoring", "metrics")
    assert listing.returncode == 0 and listing.stderr == ""
    rows = {row.split()[0]: row for row in listing.stdout.splitlines()[1:]}
    assert "plugin (holdout-metric-example 0.1.0)" in rows["huber"] and "delta=1.0" in rows["huber"]
    assert "plugin (holdout-metric-example 0.1.0)" in rows["max_error"]
    assert "built-in" in rows["rmse"]

    rng = np.random.default_rng(3)
    y = rng.normal(size=60)
    p = y + rng.normal(scale=2.0, size=60)
    w = rng.uniform(0.5, 2.0, 60)
    pd.DataFrame({"id": range(60), "t": y, "Weight": w}).to_csv(tmp_path / "sol.csv", index=False)
    pd.DataFrame({"id": range(60), "t": p}).iloc[::-1].to_csv(tmp_path / "sub.csv", index=False)
    scored = run("-m", "scoring", "score", "--solution", "sol.csv", "--submission", "sub.csv", "--metric", "huber",
                 "--param", "delta=1.5")
    assert scored.returncode == 0, scored.stderr
    error = np.abs(y - p)
    rows_loss = np.where(error <= 1.5, 0.5 * error**2, 1.5 * (error - 0.75))
    result = json.loads(scored.stdout)
    assert result["overall"] == pytest.approx(np.average(rows_loss, weights=w), abs=1e-9)
    assert result["public_ci"][0] <= result["public"] <= result["public_ci"][1]
    assert result["scorer_version"] == scoring.SCORER_VERSION

    # The example's own tests, as its author runs them, against the installed package.
    tests = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(source / "tests"))
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "5 passed" in tests.stdout
