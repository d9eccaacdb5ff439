"""The command line, run as a learner would: a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import scoring

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = "id,target,Usage\na,0,Public\nb,1,Private\nc,0,Public\nd,1,Private\n"
GOOD = "id,target\nd,0.8\nc,0.3\nb,0.6\na,0.1\n"
BAD = "id,target\na,x\nb,0.5\nb,0.5\n"


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "scoring", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


@pytest.fixture
def files(tmp_path):
    (tmp_path / "sol.csv").write_text(SOLUTION)
    (tmp_path / "good.csv").write_text(GOOD)
    (tmp_path / "bad.csv").write_text(BAD)
    return tmp_path


def _args(files, sub, metric="log_loss", *extra):
    return ["--solution", str(files / "sol.csv"), "--submission", str(files / sub), "--metric", metric, *extra]


def test_score_prints_the_same_numbers_as_the_library(files):
    out = run("score", *_args(files, "good.csv"))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    expected = scoring.score_submission(files / "sol.csv", files / "good.csv", "log_loss").to_dict()
    assert data == expected
    assert out.stderr == ""


def test_invalid_submission_exits_2_with_problems(files):
    out = run("score", *_args(files, "bad.csv"))
    assert out.returncode == 2
    problems = json.loads(out.stdout)["problems"]
    assert {p["code"] for p in problems} == {"not_a_number", "duplicate_ids", "missing_ids"}
    assert all(set(p) == {"code", "message", "row", "column"} for p in problems)


def test_validate(files):
    ok = run("validate", *_args(files, "good.csv"))
    assert ok.returncode == 0 and json.loads(ok.stdout) == {"valid": True, "problems": []}
    bad = run("validate", *_args(files, "bad.csv"))
    assert bad.returncode == 2 and json.loads(bad.stdout)["valid"] is False


@pytest.mark.parametrize("args", [
    ["score", "--solution", "/nonexistent.csv", "--submission", "x.csv", "--metric", "auc"],
    ["score", "--metric", "auc"],
    ["bogus"],
])
def test_usage_and_solution_errors_exit_1_without_traceback(args):
    out = run(*args)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_unknown_metric_and_bad_param_exit_1(files):
    for extra in (["--param", "k=1"], ["--param", "oops"]):
        out = run("score", *_args(files, "good.csv", "log_loss", *extra))
        assert out.returncode == 1 and "Traceback" not in out.stderr
    out = run("score", *_args(files, "good.csv", "nope"))
    assert out.returncode == 1 and "valid metrics" in out.stderr


def test_bad_solution_exits_1(files):
    (files / "sol.csv").write_text("id,target\na,0\na,1\n")
    out = run("score", *_args(files, "good.csv"))
    assert out.returncode == 1 and "duplicate" in out.stderr and "Traceback" not in out.stderr


def test_params_and_id_column(files):
    (files / "rank.csv").write_text("target,key\na b,1\nc,2\n")
    (files / "rank_sub.csv").write_text("key,target\n2,c\n1,b a\n")
    out = run("score", "--solution", str(files / "rank.csv"), "--submission", str(files / "rank_sub.csv"),
              "--metric", "map_at_k", "--param", "k=1", "--id-column", "key")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["overall"] == pytest.approx(1.0)


def test_metrics_table_and_json():
    table = run("metrics")
    assert table.returncode == 0 and "rmse" in table.stdout and "map_at_k" in table.stdout
    listed = json.loads(run("metrics", "--json").stdout)
    assert {m["name"] for m in listed} == set(scoring.METRICS)
    assert all({"name", "description", "kind", "greater_is_better", "params", "columns"} <= set(m) for m in listed)


NEW_METRIC_PARAMS = {
    "fbeta": {"beta": "2", "positive_label": "1"},
    "top_k_accuracy": {"k": "2", "labels": "a,b,c,d,e,f,g,h"},
    "smape": {},
    "pinball": {"alpha": "0.8"},
    "mean_columnwise_auc": {"labels": "sad,funny,spam,toxic"},
    "mean_columnwise_log_loss": {},
}


@pytest.mark.parametrize("name", sorted(NEW_METRIC_PARAMS))
def test_new_metrics_score_with_params_on_the_command_line(files, make_case, name):
    sol, sub, _ = make_case(name, n=40, seed=3)
    sol = scoring.assign_usage(sol, 0.5, seed=2)
    if scoring.get_metric(name).weighted:
        sol["Weight"] = [1.0, 2.0, 0.5, 3.0] * 10
    sol.to_csv(files / "new_sol.csv", index=False)
    sub.iloc[::-1].to_csv(files / "new_sub.csv", index=False)
    params = NEW_METRIC_PARAMS[name]
    out = run("score", "--solution", str(files / "new_sol.csv"), "--submission", str(files / "new_sub.csv"),
              "--metric", name, *[arg for k, v in params.items() for arg in ("--param", f"{k}={v}")])
    assert out.returncode == 0, out.stderr
    expected = scoring.score_submission(files / "new_sol.csv", files / "new_sub.csv", name, **params)
    assert json.loads(out.stdout) == expected.to_dict()
    default = scoring.score_submission(files / "new_sol.csv", files / "new_sub.csv", name)
    changed = abs(expected.overall - default.overall) > 1e-9  # labels in another order change nothing
    assert changed == (name in ("fbeta", "top_k_accuracy", "pinball"))


def test_metrics_listing_shows_weights_and_sources():
    table = run("metrics").stdout.splitlines()
    assert table[0].split()[:5] == ["name", "kind", "better", "weights", "source"]
    pinball = next(line for line in table if line.startswith("pinball "))
    assert pinball.split()[1:5] == ["regression", "lower", "yes", "built-in"] and "alpha=0.5" in pinball
    listed = {m["name"]: m for m in json.loads(run("metrics", "--json").stdout)}
    assert listed["smape"]["weighted"] is True and listed["auc"]["weighted"] is False
    assert all(m["plugin"] is None for m in listed.values())


def test_labels_param_declares_the_labels(files):
    (files / "classes.csv").write_text("id,label\na,cat\nb,dog\nc,cat\n")
    (files / "probs.csv").write_text("id,bird,dog,cat\na,0.1,0.2,0.7\nb,0.2,0.5,0.3\nc,0.3,0.3,0.4\n")
    args = ["--solution", str(files / "classes.csv"), "--submission", str(files / "probs.csv"),
            "--metric", "multiclass_log_loss"]
    out = run("score", *args, "--param", "labels=cat,dog,bird")
    assert out.returncode == 0, out.stderr
    expected = scoring.score_submission(files / "classes.csv", files / "probs.csv", "multiclass_log_loss",
                                        labels=["cat", "dog", "bird"])
    assert json.loads(out.stdout) == expected.to_dict()
    without = run("validate", *args)  # without labels, 'bird' is not a class of this solution
    assert without.returncode == 2 and json.loads(without.stdout)["problems"][0]["code"] == "extra_columns"


def test_labels_param_in_unknown_label_messages_and_errors(files):
    (files / "labels.csv").write_text("id,t\na,cat\nb,dog\n")
    (files / "guess.csv").write_text("id,t\na,fish\nb,dog\n")
    args = ["--solution", str(files / "labels.csv"), "--submission", str(files / "guess.csv"), "--metric", "accuracy"]
    out = run("validate", *args, "--param", "labels=cat,dog,bird")
    (problem,) = json.loads(out.stdout)["problems"]
    assert out.returncode == 2 and problem["code"] == "unknown_label"
    assert "one of 'cat', 'dog', 'bird'" in problem["message"]
    bad = run("validate", *args, "--param", "labels=cat,cat")
    assert bad.returncode == 1 and "more than once" in bad.stderr and "Traceback" not in bad.stderr
    stray = run("validate", *args, "--param", "labels=cat,bird")
    assert stray.returncode == 1 and "not among the declared labels" in stray.stderr


def test_row_longer_than_the_header_is_reported_without_warnings(files):
    (files / "trailing.csv").write_text("id,target\nd,0.8,\nc,0.3,\nb,0.6,\na,0.1,\n")
    out = run("validate", *_args(files, "trailing.csv"))
    assert out.returncode == 2 and out.stderr == ""
    (problem,) = json.loads(out.stdout)["problems"]
    assert (problem["code"], problem["row"]) == ("not_csv", 2)
