"""The whole lifecycle through the HTML views, signed in with the session cookie."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from lifecycle_support import (
    AFTER,
    DURING,
    TEST_CSV,
    TRAIN_CSV,
    assert_no_solution,
    invalid_predictions,
    predictions,
    solution_csv,
)
from sqlalchemy import select

from competitions.models import Competition, Submission


def new_competition_form(**overrides) -> dict:
    form = {"title": "House prices", "slug": "house-prices", "subtitle": "Predict the price",
            "description_md": "## Welcome\n<script>alert(1)</script>Predict *well*.", "rules_md": "Be nice.",
            "metric": "rmse", "metric_params": "", "id_column": "id", "start_at": "2030-01-01T00:00",
            "deadline_at": "2030-02-01T00:00", "daily_limit": "2", "total_limit": "", "final_selections": "2",
            "visibility": "public", "public_fraction": "0.3", "seed": "0",
            "solution": (io.BytesIO(solution_csv()), "solution.csv"),
            "files": [(io.BytesIO(TRAIN_CSV), "train.csv"), (io.BytesIO(TEST_CSV), "test.csv")]}
    form.update(overrides)
    return form


def upload(data: bytes, description: str = "") -> dict:
    return {"file": (io.BytesIO(data), "predictions.csv"), "description": description}


def table_of(response) -> str:
    """The page's first table, leaving out the navigation (which names the signed-in user)."""
    html = response.get_data(as_text=True)
    return html[html.index("<table"):html.index("</table>")]


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_full_lifecycle_through_the_web_views(app, people, login, clock, sessions):
    org, alice, bob = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((org, "org"), (alice, "alice"), (bob, "bob")):
        assert login(client, name).status_code == 302
    learner_bodies: list[bytes] = []

    def get(client, path, expect=200):
        response = client.get(path)
        assert response.status_code == expect, (path, response.status_code)
        if client is not org:
            learner_bodies.append(response.get_data())
        return response

    # A learner cannot host; the organizer creates the competition with the form.
    assert alice.get("/organize/new").status_code == 403
    assert org.get("/organize/new").status_code == 200
    created = org.post("/organize/new", data=new_competition_form(), content_type="multipart/form-data")
    assert created.status_code == 302, created.get_data(as_text=True)
    assert created.headers["Location"].endswith("/organize/house-prices")
    assert "house-prices" in get(org, "/organize/house-prices").get_data(as_text=True)
    duplicate = org.post("/organize/new", data=new_competition_form(), content_type="multipart/form-data")
    assert duplicate.status_code == 422 and "is taken" in duplicate.get_data(as_text=True)
    # The form saves a draft, which nobody else sees until it is published.
    get(app.test_client(), "/c/house-prices", expect=404)
    assert org.post("/organize/house-prices/publish").status_code == 303

    # Learners browse (anonymously too), read the sanitized description and download data.
    assert "House prices" in get(app.test_client(), "/").get_data(as_text=True)
    overview = get(alice, "/c/house-prices").get_data(as_text=True)
    assert "<h2>Welcome</h2>" in overview and "<script>alert(1)</script>" not in overview
    data_page = get(alice, "/c/house-prices/data").get_data(as_text=True)
    assert "train.csv" in data_page and "test.csv" in data_page and "solution" not in data_page.lower()
    # Rules before data: the Data tab lists the files with a Join button; downloads wait for joining.
    assert "accept its rules" in data_page and 'action="/c/house-prices/join"' in data_page
    assert 'href="/c/house-prices/files/train.csv"' not in data_page
    assert "Join this competition" in get(alice, "/c/house-prices/files/train.csv", expect=403).get_data(as_text=True)
    get(alice, "/c/house-prices/files/solution.csv", expect=404)

    # Submitting before joining sends you to the overview; joining needs the rules accepted.
    assert alice.get("/c/house-prices/submit").status_code == 302
    refused = alice.post("/c/house-prices/join", data={})
    assert refused.status_code == 422 and "Accept the rules" in refused.get_data(as_text=True)
    for client in (alice, bob):
        joined = client.post("/c/house-prices/join", data={"accept_rules": "y"})
        assert joined.status_code == 302 and joined.headers["Location"].endswith("/c/house-prices/submit")
    assert "2</strong> of 2 submissions left today" in get(alice, "/c/house-prices/submit").get_data(as_text=True)
    assert get(alice, "/c/house-prices/files/train.csv").get_data() == TRAIN_CSV
    assert 'href="/c/house-prices/files/train.csv"' in get(alice, "/c/house-prices/data").get_data(as_text=True)

    # A valid file is scored at once; an invalid one lists its problems and uses no quota.
    scored = alice.post("/c/house-prices/submit", data=upload(predictions(0.5, 0.1), "first"),
                        follow_redirects=True)
    assert scored.status_code == 200 and "Scored: public score 0.50" in scored.get_data(as_text=True)
    invalid = alice.post("/c/house-prices/submit", data=upload(invalid_predictions()))
    assert invalid.status_code == 422
    page = invalid.get_data(as_text=True)
    assert "problems" in page and "1</strong> of 2 submissions left today" in page
    learner_bodies.append(invalid.get_data())
    clock.now = DURING + timedelta(minutes=1)
    assert alice.post("/c/house-prices/submit", data=upload(predictions(0.3, 0.4), "second")).status_code == 302
    clock.now = DURING + timedelta(minutes=2)
    quota_spent = alice.post("/c/house-prices/submit", data=upload(predictions(0.2)))
    assert quota_spent.status_code == 429 and "resets at 00:00 UTC" in quota_spent.get_data(as_text=True)
    assert bob.post("/c/house-prices/submit", data=upload(predictions(0.4, 0.2))).status_code == 302

    history = get(alice, "/c/house-prices/submissions").get_data(as_text=True)
    assert history.count("predictions.csv") == 3 and "invalid" in history and "first" in history

    with sessions() as s:
        rows = s.scalars(select(Submission).order_by(Submission.id)).all()
        assert [(r.user.username, r.status) for r in rows] == [
            ("alice", "scored"), ("alice", "invalid"), ("alice", "scored"), ("bob", "scored")]
        first_id, bob_id = rows[0].id, rows[3].id

    # The file sent can be downloaded by its team, and by nobody else.
    assert get(alice, f"/c/house-prices/submissions/{first_id}/file").get_data() == predictions(0.5, 0.1)
    get(bob, f"/c/house-prices/submissions/{first_id}/file", expect=404)

    # Final selection through the form.
    saved = alice.post("/c/house-prices/selection", data={"submission_ids": [str(first_id)]}, follow_redirects=True)
    assert "Final selection saved." in saved.get_data(as_text=True)
    stolen = alice.post("/c/house-prices/selection", data={"submission_ids": [str(bob_id)]}, follow_redirects=True)
    assert "is not one of your team" in stolen.get_data(as_text=True)
    with sessions() as s:
        assert {r.id for r in s.scalars(select(Submission).where(Submission.selected.is_(True)))} == {first_id}

    # Boards: the public one for all; the private one only for the organizer until finalize.
    board = table_of(get(alice, "/c/house-prices/leaderboard"))
    assert board.index("alice") < board.index("bob") and "0.300" in board
    get(alice, "/c/house-prices/leaderboard?board=private", expect=403)
    get(alice, "/c/house-prices/leaderboard.csv?board=private", expect=403)
    assert "organizer preview" in org.get("/c/house-prices/leaderboard?board=private").get_data(as_text=True)
    rows = csv_rows(get(app.test_client(), "/c/house-prices/leaderboard.csv"))
    assert [(r["rank"], r["team"], r["entries"]) for r in rows] == [("1", "alice", "2"), ("2", "bob", "1")]
    assert abs(float(rows[0]["score"]) - 0.3) < 1e-3

    # Organizer exports: every submission, including the invalid one.
    exported = org.get("/organize/house-prices/submissions.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert [r["status"] for r in csv_rows(exported)] == ["scored", "scored", "invalid", "scored"]
    assert alice.get("/organize/house-prices/submissions.csv").status_code == 403

    # Finalizing before the deadline is refused with a message; after it, the private board opens.
    refused = org.post("/organize/house-prices/finalize", follow_redirects=True)
    assert "only after its deadline" in refused.get_data(as_text=True)
    clock.now = AFTER
    late = bob.post("/c/house-prices/submit", data=upload(predictions(0.01), "late"), follow_redirects=True)
    assert "not ranked" in late.get_data(as_text=True)
    assert alice.post("/organize/house-prices/finalize").status_code == 403
    done = org.post("/organize/house-prices/finalize", follow_redirects=True)
    assert "Finalized" in done.get_data(as_text=True)
    with sessions() as s:
        assert s.scalar(select(Competition.finalized_at)) == AFTER

    private = table_of(get(alice, "/c/house-prices/leaderboard?board=private"))
    assert private.index("alice") < private.index("bob")
    rows = csv_rows(get(alice, "/c/house-prices/leaderboard.csv?board=private"))
    assert [(r["rank"], r["team"], r["rank_change"]) for r in rows] == [("1", "alice", "0"), ("2", "bob", "0")]
    assert abs(float(rows[0]["score"]) - 0.1) < 1e-3  # the selected submission's private score
    public = csv_rows(get(alice, "/c/house-prices/leaderboard.csv"))
    assert abs(float(public[1]["score"]) - 0.4) < 1e-3 and public[1]["entries"] == "1"  # late: neither ranked nor counted
    history = get(bob, "/c/house-prices/submissions").get_data(as_text=True)
    assert "late" in history and "Private" in history

    for body in learner_bodies:
        assert_no_solution(body)


def test_form_errors_name_the_field(app, people, login):
    org = app.test_client()
    login(org, "org")
    response = org.post("/organize/new", content_type="multipart/form-data",
                        data=new_competition_form(deadline_at="2029-01-01T00:00"))
    assert response.status_code == 422
    assert "The deadline must come after the start." in response.get_data(as_text=True)
    response = org.post("/organize/new", content_type="multipart/form-data",
                        data=new_competition_form(solution=(io.BytesIO(b"id,target\n1,1\n1,2\n"), "s.csv")))
    assert response.status_code == 422 and "duplicate" in response.get_data(as_text=True)


def test_organizer_edits_settings_and_files(app, people, login, clock, sessions, make_competition, join, submit):
    competition = make_competition(people.org)
    org = app.test_client()
    login(org, "org")
    form = new_competition_form(deadline_at="2030-03-01T12:00", daily_limit="7")
    del form["solution"], form["files"]
    saved = org.post("/organize/house-prices/edit", data=form)
    assert saved.status_code == 302
    with sessions() as s:
        c = s.scalar(select(Competition))
        assert (c.deadline_at.isoformat(), c.daily_limit) == ("2030-03-01T12:00:00+00:00", 7)
    # The metric may change until the first submission; then it is fixed, and the refusal names the field.
    assert org.post("/organize/house-prices/edit", data={**form, "metric": "mae"}).status_code == 302
    join(competition, people.alice)
    submit(competition, people.alice, predictions(0.2))
    refused = org.post("/organize/house-prices/edit", data={**form, "metric": "rmse"})
    assert refused.status_code == 422 and "fixed once anyone has submitted" in refused.get_data(as_text=True)

    # Data files: add, replace, refuse a 'solution…' name, remove.
    org.post("/organize/house-prices/files", content_type="multipart/form-data",
             data={"files": [(io.BytesIO(b"id,target\n1,0\n"), "sample_submission.csv"),
                             (io.BytesIO(b"id,x\n"), "train.csv")]})
    flagged = org.post("/organize/house-prices/files", content_type="multipart/form-data", follow_redirects=True,
                       data={"files": [(io.BytesIO(solution_csv()), "solution.csv")]})
    assert "Data files may not be named" in flagged.get_data(as_text=True)
    org.post("/organize/house-prices/files/test.csv/delete")
    files = {f["name"]: f["size"] for f in app.test_client().get(
        "/api/v1/competitions/house-prices/files").get_json()}
    assert files == {"sample_submission.csv": 14, "train.csv": 5}
