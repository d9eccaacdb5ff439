"""The new built-in metrics and metric plugins on the platform.

Competitions with fbeta, top_k_accuracy, smape, pinball and the column-wise
multi-label metrics are created through the API and from bundles, and scored.
Metric plugins are installed for this module as an installed package is seen
by importlib.metadata (a module and its .dist-info with entry points in the
group holdout.metrics, on sys.path); a plugin that raises, gives a non-finite
score or runs past the time limit leaves the submission as 'error', answered
without a 500 and without using the learner's quota.
"""
from __future__ import annotations

import importlib
import io
import json
import logging
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import tomli_w
from lifecycle_support import DEADLINE, DURING, MARK, START, TEST_CSV, assert_no_solution, metadata, predictions

import scoring
from competitions import bundles, catalog, participation, quota, solutions
from scoring.metrics import registry

API = "/api/v1"
IDS = list(range(1, 21))
USAGE = ["Public" if i <= 10 else "Private" for i in IDS]
TAGS = ["toxic", "spam", "funny"]


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _case(name: str):
    """(metric params, solution bytes, a valid submission's bytes) for one new metric on 20 rows."""
    rng = np.random.default_rng(len(name))
    weights = rng.choice([0.5, 1.0, 2.0], 20)
    if name == "fbeta":
        y = np.array(["yes", "no"] * 10)
        p = np.where(rng.random(20) < 0.7, y, "yes")
        sol = pd.DataFrame({"id": IDS, "label": y, "Usage": USAGE, "Weight": weights})
        return {"beta": 2, "positive_label": "yes"}, _csv(sol), _csv(pd.DataFrame({"id": IDS, "label": p}))
    if name == "top_k_accuracy":
        labels = list("abcde")
        y = np.array([labels[i % 5] for i in range(20)])
        p = [" ".join(rng.permutation(labels)[:2]) for _ in IDS]
        sol = pd.DataFrame({"id": IDS, "label": y, "Usage": USAGE})
        return {"k": 2}, _csv(sol), _csv(pd.DataFrame({"id": IDS, "label": p}))
    if name in ("smape", "pinball"):
        y = rng.normal(10, 3, 20).round(2)
        p = (y + rng.normal(0, 2, 20)).round(2)
        sol = pd.DataFrame({"id": IDS, "target": y, "Usage": USAGE, "Weight": weights})
        params = {"alpha": 0.8} if name == "pinball" else {}
        return params, _csv(sol), _csv(pd.DataFrame({"id": IDS, "target": p}))
    y = np.tile([[0, 1, 1], [1, 0, 0]], (10, 1))
    rng.shuffle(y)
    y[:2], y[10:12] = [[0, 0, 0], [1, 1, 1]], [[0, 0, 0], [1, 1, 1]]
    sol = pd.DataFrame(y, columns=TAGS)
    sol.insert(0, "id", IDS)
    sol["Usage"] = USAGE
    sub = pd.DataFrame(rng.uniform(0.05, 0.95, (20, 3)).round(3), columns=list(reversed(TAGS)))
    sub.insert(0, "id", IDS)
    return {}, _csv(sol), _csv(sub)


NEW = ["fbeta", "top_k_accuracy", "smape", "pinball", "mean_columnwise_auc", "mean_columnwise_log_loss"]


def _slug(name: str) -> str:
    return name.replace("_", "-")


@pytest.mark.parametrize("name", NEW)
def test_a_competition_with_a_new_metric_is_created_and_scored_through_the_api(client, people, bearer, clock, name):
    org, alice = bearer(people.org), bearer(people.alice)
    params, solution, submission = _case(name)
    meta = metadata(_slug(name), metric=name, metric_params=params)
    created = client.post(f"{API}/competitions", headers=org, data={
        "metadata": json.dumps(meta), "solution": (io.BytesIO(solution), "solution.csv"),
        "files": [(io.BytesIO(TEST_CSV), "test.csv")]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["metric"] == name and {k: body["metric_params"][k] for k in params} == params
    if scoring.get_metric(name).has_labels:
        assert body["labels_from"] == "solution" and body["metric_params"]["labels"]
    assert client.post(f"{API}/competitions/{_slug(name)}/join", headers=alice).status_code == 200
    scored = client.post(f"{API}/competitions/{_slug(name)}/submissions", headers=alice,
                         data={"file": (io.BytesIO(submission), "sub.csv")})
    assert scored.status_code == 201, scored.get_json()
    expected = scoring.score_submission(solution, submission, name, **body["metric_params"])
    assert scored.get_json()["status"] == "scored"
    assert scored.get_json()["public_score"] == pytest.approx(expected.public, abs=1e-9)
    assert scored.get_json()["public_ci"] == pytest.approx(list(expected.public_ci), abs=1e-9)


@pytest.mark.parametrize("name", NEW)
def test_a_competition_with_a_new_metric_is_imported_from_a_bundle(sessions, storage, people, submit, join, name,
                                                                    tmp_path):
    params, solution, submission = _case(name)
    root = tmp_path / "bundle"
    (root / "data").mkdir(parents=True)
    (root / "data" / "test.csv").write_bytes(TEST_CSV)
    (root / "data" / "sample_submission.csv").write_bytes(submission)
    (root / "solution.csv").write_bytes(solution)
    (root / "description.md").write_text("Bundled.")
    (root / "rules.md").write_text("Be nice.")
    settings = {"title": "Bundled", "slug": _slug(name), "subtitle": "sub", "metric": name, "id_column": "id",
                "start": START, "deadline": DEADLINE, "daily_limit": 4, "final_selections": 1,
                "visibility": "public", "sample_submission": "sample_submission.csv", "test_file": "test.csv"}
    if params:
        settings["metric_params"] = params
    (root / "competition.toml").write_text(tomli_w.dumps({"competition": settings}))
    with sessions() as s:
        created = bundles.import_bundle(s, storage, s.merge(people.org), root, DURING)
        s.commit()
        competition = created.competition
        assert (competition.metric, created.labels_from is not None) == (name, scoring.get_metric(name).has_labels)
        current = solutions.current_solution(s, competition)
        assert (current.n_public, current.n_private) == (10, 10)
    join(competition, people.alice)
    row = submit(competition, people.alice, submission)
    assert row.status == "scored"
    with sessions() as s:
        stored = catalog.get_competition(s, _slug(name)).metric_params
    expected = scoring.score_submission(solution, submission, name, **stored)
    assert row.public_score == pytest.approx(expected.public, abs=1e-9)


def test_a_bundled_top_k_sample_submission_declares_its_labels(sessions, storage, people, tmp_path):
    """The labels of a top-k sample submission are its space-separated labels, not whole cells."""
    params, solution, _ = _case("top_k_accuracy")
    sample = _csv(pd.DataFrame({"id": IDS, "label": ["e a"] * 20}))
    root = tmp_path / "b"
    (root / "data").mkdir(parents=True)
    (root / "data" / "sample_submission.csv").write_bytes(sample)
    (root / "solution.csv").write_bytes(solution)
    (root / "description.md").write_text("x")
    (root / "rules.md").write_text("x")
    settings = {"title": "Top k", "slug": "top-k", "subtitle": "s", "metric": "top_k_accuracy", "id_column": "id",
                "start": START, "deadline": DEADLINE, "daily_limit": 4, "final_selections": 1,
                "visibility": "public", "sample_submission": "sample_submission.csv", "metric_params": params}
    (root / "competition.toml").write_text(tomli_w.dumps({"competition": settings}))
    with sessions() as s:
        created = bundles.import_bundle(s, storage, s.merge(people.org), root, DURING)
        assert created.competition.metric_params["labels"] == list("abcde")


def test_the_organizer_form_lists_every_new_metric(app, people, login):
    org = app.test_client()
    login(org, "org")
    page = org.get("/organize/new").get_data(as_text=True)
    for name in NEW:
        assert f'value="{name}"' in page, name


# -- plugins -------------------------------------------------------------------------------------
PLUGINS = textwrap.dedent(f'''
    import time

    import numpy as np

    from scoring import Metric


    def _abs(y, p, ctx):
        return np.abs(y - p)


    def _raises(y, p, w, ctx):
        raise ValueError("the first target is {MARK}")


    def _nan(y, p, w, ctx):
        return np.full(1 if w is None else w.shape[0], np.nan)


    def _slow(y, p, w, ctx):
        time.sleep(5)
        return np.zeros(1 if w is None else w.shape[0])


    def _reg(name, **extra):
        return Metric(name=name, description="platform test plugin " + name, kind="regression",
                      greater_is_better=False, truth="number", prediction="number", **extra)


    PLAT_MAE = _reg("plat_mae", row_values=_abs, weighted=True)
    PLAT_RAISES = _reg("plat_raises", compute=_raises)
    PLAT_NAN = _reg("plat_nan", compute=_nan)
    PLAT_SLOW = _reg("plat_slow", compute=_slow)
''')
DIST = "holdout-platform-plugins 0.0.1"


@pytest.fixture(scope="module")
def plugins(tmp_path_factory):
    root = tmp_path_factory.mktemp("platform-plugins")
    (root / "holdout_platform_plugins.py").write_text(PLUGINS)
    info = root / "holdout_platform_plugins-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: holdout-platform-plugins\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text("[holdout.metrics]\n" + "".join(
        f"{name} = holdout_platform_plugins:{name.upper()}\n"
        for name in ("plat_mae", "plat_raises", "plat_nan", "plat_slow")))
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    registry.reload_plugins()
    yield root
    sys.path.remove(str(root))
    sys.modules.pop("holdout_platform_plugins", None)
    registry.reload_plugins()


def test_plugins_are_offered_with_their_mark(plugins, client, app, people, login):
    listed = {m["name"]: m for m in client.get(f"{API}/metrics").get_json()}
    assert listed["plat_mae"]["plugin"] == DIST and listed["plat_mae"]["weighted"] is True
    assert listed["rmse"]["plugin"] is None and set(NEW) <= set(listed)
    org = app.test_client()
    login(org, "org")
    page = org.get("/organize/new").get_data(as_text=True)
    assert f"plat_mae [plugin: {DIST}]" in page
    assert "rmse — " in page and "rmse [plugin" not in page


def test_a_plugin_metric_scores_like_a_built_in_one(plugins, client, people, bearer, clock):
    org, alice = bearer(people.org), bearer(people.alice)
    created = client.post(f"{API}/competitions", headers=org, data={
        "metadata": json.dumps(metadata("plugged", metric="plat_mae")),
        "solution": (io.BytesIO(_weighted_solution()), "solution.csv")})
    assert created.status_code == 201, created.get_json()
    client.post(f"{API}/competitions/plugged/join", headers=alice)
    scored = client.post(f"{API}/competitions/plugged/submissions", headers=alice,
                         data={"file": (io.BytesIO(predictions(0.5, 1.0)), "p.csv")})
    assert scored.status_code == 201, scored.get_json()
    assert scored.get_json()["public_score"] == pytest.approx(0.5, abs=1e-3)  # every public error is 0.5


def _weighted_solution() -> bytes:
    rows = ["id,target,Usage,Weight"] + [f"{i},{i}.{MARK},{'Public' if i <= 10 else 'Private'},{1 + i % 3}"
                                         for i in IDS]
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("name,what", [
    ("plat_raises", "it raised an error"),
    ("plat_nan", "it gave a score that is not a finite number"),
    ("plat_slow", "it took longer than the time limit"),
])
def test_a_failing_plugin_records_an_error_without_a_500_or_quota(plugins, client, people, bearer, clock, sessions,
                                                                  make_competition, join, monkeypatch, caplog,
                                                                  name, what):
    monkeypatch.setenv("HOLDOUT_METRIC_TIME_LIMIT", "0.2")  # plat_slow sleeps 5 seconds
    competition = make_competition(people.org, metric=name, daily_limit=1, total_limit=1)
    join(competition, people.alice)
    alice, org = bearer(people.alice), bearer(people.org)
    submit_url = f"{API}/competitions/{competition.slug}/submissions"
    bodies = []
    with caplog.at_level(logging.ERROR, logger="holdout.scorer"):
        for _ in range(2):  # a limit of 1: the second upload is not refused, so the first used no quota
            failed = client.post(submit_url, headers=alice, data={"file": (io.BytesIO(predictions(0.1)), "p.csv")})
            assert failed.status_code == 409, failed.get_json()
            assert failed.get_json()["error"] == "metric_error" and what in failed.get_json()["message"]
            bodies.append(failed.get_data())
    # The organizer-facing details (what the plugin raised, which may quote the solution) are logged.
    logged = [r.getMessage() for r in caplog.records if "metric plugin failed" in r.getMessage()]
    assert len(logged) == 2 and all(f"metric {name!r} (plugin {DIST})" in m for m in logged)
    if name == "plat_raises":
        assert f"the first target is {MARK}" in logged[0]
    mine = client.get(submit_url, headers=alice)
    assert [s["status"] for s in mine.get_json()] == ["error", "error"]
    problem = mine.get_json()[0]["problems"][0]
    assert problem["code"] == "metric_error" and what in problem["message"] and repr(name) in problem["message"]
    for body in [*bodies, mine.get_data()]:
        assert_no_solution(body)  # learners never see what the plugin raised
    everyone = client.get(submit_url, headers=org).get_json()
    assert {s["problems"][0]["code"] for s in everyone} == {"metric_error"}
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        view = quota.quota_view(s, c, participation.team_of(s, c, s.merge(people.alice)), DURING)
        assert view.remaining_today == 1
    board = client.get(f"{API}/competitions/{competition.slug}/leaderboard").get_json()
    assert board["entries"] == []


def test_a_failing_plugin_on_the_web_form_is_not_a_500(plugins, app, people, make_competition, join, clock, login):
    competition = make_competition(people.org, metric="plat_raises")
    join(competition, people.alice)
    alice = app.test_client()
    login(alice, "alice")
    response = alice.post(f"/c/{competition.slug}/submit", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(predictions(0.1)), "p.csv"), "description": ""})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "(a plugin) failed on this file: it raised an error" in page.replace("&#39;", "'")
    assert MARK not in page
