"""A learner's round trip through `holdout`: list, download, join, validate, submit, select, leaderboard."""
from __future__ import annotations

import hashlib
import json

import pytest
from client_support import SOLUTION_CSV, TEST_CSV, TRAIN_CSV, invalid_predictions, predictions


@pytest.fixture
def run(world, holdout, monkeypatch):
    """holdout(...) as alice, configured through the environment."""
    monkeypatch.setenv("HOLDOUT_SERVER", world.server)
    monkeypatch.setenv("HOLDOUT_TOKEN", world.token)
    return holdout


def _file(tmp_path, data: bytes, name: str = "preds.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_competitions_table_and_json(run, world):
    table = run("competitions")
    assert table.code == 0, table.err
    header, row = table.out.splitlines()
    assert header.split() == ["slug", "title", "metric", "state", "deadline"]
    assert row.startswith(world.slug) and "rmse" in row and "open" in row and "UTC" in row

    listed = run("competitions", "--json")
    (competition,) = json.loads(listed.out)
    assert competition["slug"] == world.slug and competition["state"] == "open"


def test_download_checks_every_file_against_the_listing(run, world, tmp_path):
    files = run("files", world.slug, "--json")
    assert {f["name"]: f["sha256"] for f in json.loads(files.out)} == {
        "train.csv": hashlib.sha256(TRAIN_CSV).hexdigest(), "test.csv": hashlib.sha256(TEST_CSV).hexdigest()}

    target = tmp_path / "downloaded"  # tmp_path / "data" is the server's storage
    # Rules before data: the files come after joining, and the refusal says how to join.
    refused = run("download", world.slug, "--dir", target)
    assert refused.code == 1 and "holdout join" in refused.err, refused.err
    assert not target.exists() or list(target.iterdir()) == []
    assert run("join", world.slug).code == 0
    done = run("download", world.slug, "--dir", target)
    assert done.code == 0, done.err
    assert done.out.count("sha256 ok") == 2
    assert (target / "train.csv").read_bytes() == TRAIN_CSV
    assert (target / "test.csv").read_bytes() == TEST_CSV
    assert sorted(p.name for p in target.iterdir()) == ["test.csv", "train.csv"]  # no .part left behind
    assert SOLUTION_CSV not in b"".join(p.read_bytes() for p in target.iterdir())


def test_download_rejects_a_file_whose_hash_does_not_match(run, world, tmp_path, monkeypatch):
    from holdout_client import api

    monkeypatch.setattr(api.Api, "download", lambda self, path, target: target.write_bytes(b"x") and "0" * 64)
    assert run("join", world.slug).code == 0
    done = run("download", world.slug, "--dir", tmp_path / "bad")
    assert done.code == 1
    assert "sha256 mismatch" in done.err and done.err.count("\n") == 1
    assert list((tmp_path / "bad").iterdir()) == []


def test_submitting_before_joining_shows_the_servers_message(run, world, tmp_path):
    done = run("submit", world.slug, _file(tmp_path, predictions()))
    assert done.code == 1
    assert done.err.startswith("error: ") and "join" in done.err.lower() and done.err.count("\n") == 1


def test_join_validate_submit_and_see_the_score(run, world, tmp_path):
    joined = run("join", world.slug, "--json")
    assert joined.code == 0 and json.loads(joined.out)["joined"] is True

    good = _file(tmp_path, predictions(0.5))
    checked = run("validate", world.slug, good)
    assert checked.code == 0 and "passes every check" in checked.out

    done = run("submit", world.slug, good, "-m", "plus a half")
    assert done.code == 0, done.err
    assert "Public score: 0.5 (95% interval " in done.out
    assert "It would rank 1 of 1 on the public board." in done.out  # the upload's feedback, as on the web
    assert "Submissions left today: 4" in done.out

    listed = json.loads(run("submissions", world.slug, "--json").out)
    assert [(s["description"], s["public_score"]) for s in listed] == [("plus a half", pytest.approx(0.5))]
    table = run("submissions", world.slug).out
    assert "plus a half" in table and "scored" in table

    board = run("leaderboard", world.slug)
    assert board.code == 0
    assert board.out.splitlines()[1].split()[:3] == ["1", "alice", "0.5"]
    assert json.loads(run("leaderboard", world.slug, "--json").out)["entries"][0]["team"] == "alice"

    chosen = run("select", world.slug, listed[0]["id"])
    assert chosen.code == 0 and str(listed[0]["id"]) in chosen.out
    cleared = run("select", world.slug, "--clear", "--json")
    assert json.loads(cleared.out) == {"selected": []}


def test_an_invalid_file_lists_every_problem_and_exits_2(run, world, tmp_path):
    run("join", world.slug)
    bad = _file(tmp_path, invalid_predictions())
    done = run("submit", world.slug, bad)
    assert done.code == 2
    problems = [line for line in done.err.splitlines() if line.startswith("  ")]
    assert len(problems) >= 2
    assert any("column target" in p and "row 16" in p for p in problems)  # the non-numeric value
    assert all("[" in p and "]:" in p for p in problems)  # every problem shows its code

    as_json = run("submit", world.slug, bad, "--json")
    assert as_json.code == 2
    body = json.loads(as_json.out)
    assert body["error"] == "invalid_submission" and len(body["problems"]) == len(problems)

    checked = run("validate", world.slug, bad)
    assert checked.code == 2 and len([x for x in checked.err.splitlines() if x.startswith("  ")]) == len(problems)
    assert run("submissions", world.slug, "--json").code == 0


def test_a_spent_quota_says_when_to_try_again(world, holdout, make_user, make_competition, make_token, tmp_path,
                                              monkeypatch):
    monkeypatch.setenv("HOLDOUT_SERVER", world.server)
    monkeypatch.setenv("HOLDOUT_TOKEN", world.token)
    slug = make_competition(make_user("org2", role="organizer"), slug="one-a-day", daily_limit=1)
    holdout("join", slug)
    good = _file(tmp_path, predictions())
    assert holdout("submit", slug, good).code == 0
    done = holdout("submit", slug, good)
    assert done.code == 1
    assert "used all 1 submissions for today" in done.err
    assert "Try again in " in done.err and done.err.count("\n") == 1


def test_the_private_board_before_finalize_is_a_clean_error(run, world):
    done = run("leaderboard", world.slug, "--private")
    assert done.code == 1 and done.err.startswith("error: ") and done.err.count("\n") == 1


def test_a_missing_file_is_a_one_line_error(run, world, tmp_path):
    done = run("submit", world.slug, tmp_path / "nope.csv")
    assert done.code == 1 and "cannot read" in done.err and done.err.count("\n") == 1


def test_offline_runs_the_servers_scorer(holdout, tmp_path):
    solution = _file(tmp_path, SOLUTION_CSV, "solution.csv")
    preds = _file(tmp_path, predictions(0.5))
    done = holdout("offline", "score", "--solution", solution, "--submission", preds, "--metric", "rmse")
    assert done.code == 0, done.err
    assert json.loads(done.out)["public"] == pytest.approx(0.5)
