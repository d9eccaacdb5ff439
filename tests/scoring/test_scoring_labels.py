"""Declared labels: the ``labels`` parameter of every metric with labels or classes."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import scoring

DECLARED = ["cat", "dog", "bird"]  # 'bird' never occurs in the test rows below
SOLUTION = b"id,t\na,cat\nb,dog\nc,cat\nd,dog\n"


def problems(submission, metric="accuracy", solution=SOLUTION, **params):
    return scoring.validate_submission(solution, submission, metric, **params)


# -- the parameter -------------------------------------------------------------------
def test_has_labels_covers_exactly_the_metrics_with_labels_or_classes():
    with_labels = {name for name, m in scoring.METRICS.items() if m.has_labels}
    assert with_labels == {"accuracy", "macro_f1", "macro_precision", "macro_recall", "precision", "recall",
                           "f1", "mcc", "multiclass_log_loss", "fbeta", "top_k_accuracy", "mean_columnwise_auc",
                           "mean_columnwise_log_loss"}
    for name, m in scoring.METRICS.items():
        assert m.has_labels == (m.truth in ("label", "class", "binary_columns")), name
        assert ("labels" in m.params) == m.has_labels, name
        assert m.to_dict()["has_labels"] == m.has_labels


@pytest.mark.parametrize("given,expected", [
    (["cat", "dog"], ["cat", "dog"]),
    (("cat", "dog"), ["cat", "dog"]),
    (" cat, dog ,bird", ["cat", "dog", "bird"]),  # the command line's form
    ([1.0, 0, " x "], ["1", "0", "x"]),  # as label_text: 1.0 is the label '1'
])
def test_labels_become_a_list_of_label_texts_in_declared_order(given, expected):
    assert scoring.get_metric("accuracy").resolve_params({"labels": given}) == {"labels": expected}


def test_without_labels_the_params_are_unchanged():
    assert scoring.get_metric("accuracy").resolve_params({}) == {}
    assert scoring.get_metric("accuracy").resolve_params({"labels": None}) == {}
    assert scoring.get_metric("f1").resolve_params({}) == {"positive_label": "1"}


@pytest.mark.parametrize("bad,match", [
    ([], "at least one label"),
    ("", "at least one label"),
    ([1, 1.0], "'1' more than once"),
    (["cat", "cat "], "'cat' more than once"),
    ({"cat", "dog"}, "must be a list"),
    (5, "must be a list"),
    (["cat", None], "None or NaN"),
    (["cat", ""], "empty label"),
    ("cat,,dog", "empty label"),
])
def test_bad_labels_are_a_value_error(bad, match):
    with pytest.raises(ValueError, match=match) as info:
        scoring.read_solution(SOLUTION, "accuracy", labels=bad)
    assert not isinstance(info.value, (scoring.SolutionError, scoring.SubmissionError))


def test_params_with_labels_are_json_safe_and_compare_whatever_form_they_were_given_in():
    parsed = scoring.read_solution(SOLUTION, "accuracy", labels=("cat", "dog", "bird"))
    data = parsed.to_dict()
    assert data["params"] == {"labels": DECLARED}
    assert json.loads(json.dumps(data)) == data
    sub = b"id,t\na,cat\nb,bird\nc,cat\nd,dog\n"
    expected = scoring.score_submission(parsed, sub)
    for same in (DECLARED, tuple(DECLARED), "cat,dog,bird"):
        assert scoring.score_submission(parsed, sub, "accuracy", labels=same) == expected
        assert scoring.read_solution(SOLUTION, "accuracy", labels=same).fingerprint == parsed.fingerprint
    with pytest.raises(ValueError, match="read for metric"):
        scoring.score_submission(parsed, sub, "accuracy", labels=["dog", "cat", "bird"])  # order matters
    assert scoring.read_solution(SOLUTION, "accuracy").fingerprint != parsed.fingerprint


# -- the solution --------------------------------------------------------------------------
def test_solution_value_outside_labels_is_a_solution_error():
    with pytest.raises(scoring.SolutionError, match=r"2 values that are not among the declared labels.*'dog'.*row 3"):
        scoring.read_solution(SOLUTION, "accuracy", labels=["cat", "bird"])


def test_labels_set_the_label_set_and_its_order():
    parsed = scoring.read_solution(SOLUTION, "multiclass_log_loss", labels=DECLARED)
    assert parsed.labels == tuple(DECLARED) and parsed.prediction_columns == tuple(DECLARED)
    assert scoring.read_solution(SOLUTION, "multiclass_log_loss").prediction_columns == ("cat", "dog")
    assert list(scoring.sample_submission(parsed).columns) == ["id", *DECLARED]


def test_a_declared_label_cannot_be_named_like_the_id_column():
    with pytest.raises(scoring.SolutionError, match="id column"):
        scoring.read_solution(SOLUTION, "multiclass_log_loss", labels=["cat", "dog", "id"])


# -- a class absent from the test rows ----------------------------------------------------
def test_class_absent_from_the_test_rows_is_a_column_in_any_order_and_scores_like_scikit_learn():
    rng = np.random.default_rng(4)
    truth = np.array(["cat", "dog"] * 20, dtype=object)
    p = rng.dirichlet([1, 1, 1], truth.size) * rng.uniform(0.3, 1.0, (truth.size, 1))  # rows need not sum to 1
    p[0] = [0.0, 1.0, 0.0]  # clipped, then renormalized
    sol = pd.DataFrame({"id": range(truth.size), "label": truth})
    sub = pd.DataFrame({"bird": p[:, 2], "id": range(truth.size), "dog": p[:, 1], "cat": p[:, 0]})

    # Without labels the classes come from the rows, so 'bird' is not a column of this competition.
    assert [x.code for x in scoring.validate_submission(sol, sub, "multiclass_log_loss")] == ["extra_columns"]
    # Declared, it is: a column for a class no test row has must not be refused (that would tell the learner).
    assert scoring.validate_submission(sol, sub, "multiclass_log_loss", labels=DECLARED) == []
    score = scoring.score_submission(sol, sub, "multiclass_log_loss", labels=DECLARED).overall

    q = np.clip(p, 1e-15, 1 - 1e-15)
    q /= q.sum(axis=1, keepdims=True)  # the repo's convention: clip, then renormalize each row
    order = ["bird", "cat", "dog"]  # scikit-learn wants its labels sorted, columns in that order
    expected = skm.log_loss(truth, q[:, [DECLARED.index(c) for c in order]], labels=order)
    assert score == pytest.approx(expected, rel=1e-12)
    # The absent class matters only through renormalization: dropping its column changes the score.
    q2 = np.clip(p[:, :2], 1e-15, 1 - 1e-15)
    assert score != pytest.approx(skm.log_loss(truth, q2 / q2.sum(axis=1, keepdims=True), labels=["cat", "dog"]))


def test_a_missing_declared_column_is_still_missing():
    sub = b"id,cat,dog\na,0.5,0.5\nb,0.5,0.5\nc,0.5,0.5\nd,0.5,0.5\n"
    found = problems(sub, "multiclass_log_loss", labels=DECLARED)
    assert [(x.code, x.column) for x in found] == [("missing_columns", "bird")]
    assert "Expected columns: id, cat, dog, bird" in found[0].message


def test_one_hot_solution_with_labels():
    one_hot = b"id,dog,cat\na,0,1\nb,1,0\nc,0,1\nd,1,0\n"
    sub = b"id,cat,dog,bird\na,0.7,0.2,0.1\nb,0.2,0.5,0.3\nc,0.6,0.2,0.2\nd,0.1,0.8,0.1\n"
    from_labels = scoring.score_submission(SOLUTION.replace(b",t", b",label"), sub, "multiclass_log_loss",
                                           labels=DECLARED)
    from_one_hot = scoring.score_submission(one_hot, sub, "multiclass_log_loss", labels=DECLARED)
    assert from_one_hot.overall == pytest.approx(from_labels.overall, abs=1e-15)
    expected = -(math.log(0.7) + math.log(0.5) + math.log(0.6) + math.log(0.8)) / 4
    assert from_one_hot.overall == pytest.approx(expected, abs=1e-12)
    with pytest.raises(scoring.SolutionError, match="'fish' are not among the declared labels"):
        scoring.read_solution(b"id,cat,fish\na,1,0\nb,0,1\n", "multiclass_log_loss", labels=DECLARED)


@pytest.mark.parametrize("name", ["accuracy", "macro_f1", "macro_precision", "macro_recall"])
def test_declaring_an_unused_label_changes_nothing(name):
    sub = b"id,t\na,cat\nb,cat\nc,dog\nd,dog\n"
    with_labels = scoring.score_submission(SOLUTION, sub, name, labels=DECLARED).overall
    assert with_labels == scoring.score_submission(SOLUTION, sub, name).overall


SKLEARN = {
    "accuracy": skm.accuracy_score,
    "macro_f1": lambda y, p: skm.f1_score(y, p, average="macro", zero_division=0),
    "macro_precision": lambda y, p: skm.precision_score(y, p, average="macro", zero_division=0),
    "macro_recall": lambda y, p: skm.recall_score(y, p, average="macro", zero_division=0),
}


@pytest.mark.parametrize("name", sorted(SKLEARN))
def test_predicting_a_label_absent_from_the_test_rows(name):
    sub = b"id,t\na,bird\nb,dog\nc,cat\nd,bird\n"
    assert problems(sub, name, labels=DECLARED) == []
    y, p = ["cat", "dog", "cat", "dog"], ["bird", "dog", "cat", "bird"]
    # scikit-learn without labels= averages over labels in the truth or the predictions, as the metric does.
    assert scoring.score_submission(SOLUTION, sub, name, labels=DECLARED).overall == pytest.approx(
        SKLEARN[name](y, p), abs=1e-12)


def test_accuracy_and_macro_f1_by_hand_with_an_absent_label():
    sub = b"id,t\na,bird\nb,dog\nc,cat\nd,bird\n"
    assert scoring.score_submission(SOLUTION, sub, "accuracy", labels=DECLARED).overall == 0.5
    # cat: tp 1, 2 true, 1 predicted -> 2/3; dog: tp 1, 2 true, 1 predicted -> 2/3; bird: predicted, never true -> 0.
    assert scoring.score_submission(SOLUTION, sub, "macro_f1", labels=DECLARED).overall == pytest.approx(4 / 9)


# -- learner's messages ---------------------------------------------------------------------
def test_unknown_label_lists_the_declared_labels():
    (p,) = problems(b"id,t\na,cat\nb,fish\nc,cat\nd,dog\n", labels=DECLARED)
    assert (p.code, p.row, p.column) == ("unknown_label", 3, "t")
    assert "'fish'" in p.message and "one of 'cat', 'dog', 'bird'" in p.message


def test_unknown_label_without_labels_does_not_list_the_solutions_labels():
    (p,) = problems(b"id,t\na,cat\nb,fish\nc,cat\nd,dog\n")
    assert p.code == "unknown_label" and "'fish'" in p.message
    assert "'cat'" not in p.message and "'dog'" not in p.message
    assert "one of the 2 labels used in this competition" in p.message


# -- binary label metrics --------------------------------------------------------------------
BINARY = b"id,t\na,yes\nb,no\nc,yes\nd,yes\n"


def test_positive_label_must_be_one_of_the_labels():
    with pytest.raises(ValueError, match="positive_label '1' is not one of the declared labels 'no', 'yes'"):
        scoring.read_solution(BINARY, "f1", labels=["no", "yes"])
    with pytest.raises(ValueError, match="at most 2 labels"):
        scoring.read_solution(BINARY, "f1", labels=["no", "yes", "maybe"], positive_label="yes")
    with pytest.raises(ValueError, match="positive_label"):
        scoring.get_metric("recall").resolve_params({"labels": "no,yes", "positive_label": "maybe"})


@pytest.mark.parametrize("name,reference", [
    ("f1", lambda y, p: skm.f1_score(y, p, pos_label="yes")),
    ("precision", lambda y, p: skm.precision_score(y, p, pos_label="yes")),
    ("recall", lambda y, p: skm.recall_score(y, p, pos_label="yes")),
    ("mcc", skm.matthews_corrcoef),
])
def test_binary_label_metrics_with_declared_labels(name, reference):
    sub = b"id,t\na,yes\nb,yes\nc,no\nd,yes\n"
    y, p = ["yes", "no", "yes", "yes"], ["yes", "yes", "no", "yes"]
    score = scoring.score_submission(BINARY, sub, name, labels=["no", "yes"], positive_label="yes").overall
    assert score == pytest.approx(reference(y, p), abs=1e-12)


def test_binary_solution_may_lack_a_declared_label():
    only_yes = b"id,t\na,yes\nb,yes\n"
    parsed = scoring.read_solution(only_yes, "recall", labels=["no", "yes"], positive_label="yes")
    assert scoring.score_submission(parsed, b"id,t\na,no\nb,yes\n").overall == 0.5
    (p,) = scoring.validate_submission(parsed, b"id,t\na,maybe\nb,yes\n")
    assert p.code == "unknown_label" and "one of 'no', 'yes'" in p.message
