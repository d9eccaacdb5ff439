"""Large uploads scored by a background job: queued -> scoring -> scored/invalid, through the API
and the pages, with the quota reserved while queued and given back for an invalid file."""
from __future__ import annotations

import io
import re

import pytest
from lifecycle_support import DURING, invalid_predictions, predictions
from sqlalchemy import func, select

from competitions.models import QuotaUsage, Submission, SubmissionScore

API = "/api/v1/competitions/house-prices"


def upload(data: bytes, name: str = "sub.csv") -> dict:
    return {"file": (io.BytesIO(data), name)}


@pytest.fixture
def world(people, make_competition, join, clock):
    competition = make_competition(people.org, daily_limit=2)
    join(competition, people.alice)
    join(competition, people.bob)
    return competition


def _row(sessions, submission_id):
    with sessions() as s:
        row = s.get(Submission, submission_id)
        s.expunge(row)
        return row


def _used(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.coalesce(func.sum(QuotaUsage.used), 0)))


def test_a_queued_upload_is_scored_by_its_job_through_the_api(queued_app, run_jobs, world, people, bearer, sessions):
    app = queued_app()
    client, alice = app.test_client(), bearer(people.alice)
    sent = client.post(f"{API}/submissions", headers=alice, data=upload(predictions(0.2)))
    assert sent.status_code == 202
    body = sent.get_json()
    assert body["status"] == "queued" and body["public_score"] is None
    assert body["remaining_today"] == 1  # the queued file holds its slot
    assert sent.headers["Location"] == body["url"] and body["url"].endswith(f"/submissions/{body['id']}")
    path = body["url"].split("localhost", 1)[1]

    # Nothing changes on the boards while it waits.
    assert client.get(f"{path}", headers=alice).get_json()["status"] == "queued"
    assert client.get(f"{API}/leaderboard").get_json()["entries"] == []

    # Scoring re-ranked the board, so its tie marks are queued after the scoring job commits.
    assert [name for name, _ in run_jobs(app)] == ["holdout.score_submission", "holdout.ties"]
    done = client.get(path, headers=alice).get_json()
    assert done["status"] == "scored" and done["public_score"] == pytest.approx(0.2, abs=1e-3)
    # The job stored the learner's feedback too, as an instant upload gets it (no page view needed).
    with sessions() as s:
        stored = s.get(Submission, body["id"]).feedback
    assert stored is not None and stored["score"] == pytest.approx(0.2, abs=1e-3)
    assert [e["team"] for e in client.get(f"{API}/leaderboard").get_json()["entries"]] == ["alice"]
    assert _used(sessions) == 1
    with sessions() as s:  # one score in the history, one attempt
        assert s.scalar(select(func.count(SubmissionScore.id))) == 1
        assert s.get(Submission, body["id"]).attempts == 1
    # Another team does not see it; the organizer does.
    assert client.get(path, headers=bearer(people.bob)).status_code == 404
    assert client.get(path, headers=bearer(people.org)).get_json()["team"] == "alice"
    # Running the job again (a duplicate message) changes nothing.
    assert run_jobs(app) == []
    with app.app_context():
        from webapp.jobs import get_queue

        get_queue(app).score(body["id"])
    assert run_jobs(app) == [("holdout.score_submission", "skipped")]
    assert _used(sessions) == 1


def test_small_files_keep_the_instant_path(queued_app, run_jobs, world, people, bearer):
    app = queued_app(ASYNC_SCORING_MB=5)
    sent = app.test_client().post(f"{API}/submissions", headers=bearer(people.alice), data=upload(predictions(0.2)))
    assert sent.status_code == 201 and sent.get_json()["status"] == "scored"
    assert run_jobs(app) == [("holdout.ties", 0)]  # only the tie marks of the re-ranked board, no scoring


def test_a_queued_file_holds_the_days_last_slot(queued_app, run_jobs, world, people, bearer, sessions):
    app = queued_app()
    client, alice = app.test_client(), bearer(people.alice)
    assert client.post(f"{API}/submissions", headers=alice, data=upload(predictions(0.1))).status_code == 202
    assert client.post(f"{API}/submissions", headers=alice, data=upload(predictions(0.2))).status_code == 202
    refused = client.post(f"{API}/submissions", headers=alice, data=upload(predictions(0.3)))
    assert refused.status_code == 429 and refused.get_json()["error"] == "quota_exceeded"
    run_jobs(app)
    assert _used(sessions) == 2
    with sessions() as s:
        assert sorted(s.scalars(select(Submission.status))) == ["scored", "scored"]


def test_an_invalid_queued_file_gives_its_slot_back(queued_app, run_jobs, world, people, bearer, sessions):
    app = queued_app()
    client, alice = app.test_client(), bearer(people.alice)
    first = client.post(f"{API}/submissions", headers=alice, data=upload(invalid_predictions())).get_json()
    assert first["status"] == "queued"
    assert client.post(f"{API}/submissions", headers=alice, data=upload(predictions(0.2))).status_code == 202
    assert client.post(f"{API}/submissions", headers=alice, data=upload(predictions(0.3))).status_code == 429
    run_jobs(app)
    row = client.get(f"{API}/submissions/{first['id']}", headers=alice).get_json()
    assert row["status"] == "invalid" and {"missing_ids", "not_a_number"} <= {p["code"] for p in row["problems"]}
    assert _used(sessions) == 1  # given back: the day has a slot again
    again = client.post(f"{API}/submissions", headers=alice, data=upload(predictions(0.3)))
    assert again.status_code == 202 and again.get_json()["remaining_today"] == 0
    run_jobs(app)
    with sessions() as s:
        assert sorted(s.scalars(select(Submission.status))) == ["invalid", "scored", "scored"]
        assert s.scalar(select(func.count(SubmissionScore.id))) == 2


def test_the_page_says_queued_then_the_row_refreshes(queued_app, run_jobs, world, people, login, sessions):
    app = queued_app()
    web = app.test_client()
    login(web, "alice")
    sent = web.post("/c/house-prices/submit", data={**upload(predictions(0.2), "big.csv"), "description": "big"},
                    content_type="multipart/form-data", follow_redirects=True)
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "Queued: big.csv is large" in html
    with sessions() as s:
        sid = s.scalar(select(Submission.id))
    status_url = f"/c/house-prices/submissions/{sid}/status"
    # The pending row carries the URL the script polls; without JavaScript, a Refresh link.
    assert f'data-status-url="{status_url}"' in html and 'data-status="queued"' in html
    assert "submission-status.js" in html and ">Refresh</a>" in html
    waiting = web.get(status_url).get_json()
    assert waiting["status"] == "queued" and waiting["final"] is False

    run_jobs(app)
    done = web.get(status_url).get_json()
    assert done["status"] == "scored" and done["final"] is True
    assert done["public_score"] == pytest.approx(0.2, abs=1e-3)
    # The row the script swaps in: scored, no longer polled, and its score shown.
    assert done["row_html"].strip().startswith(f'<tr id="submission-{sid}" data-status="scored">')
    assert "data-status-url" not in done["row_html"] and "0.20" in done["row_html"]
    page = web.get("/c/house-prices/submissions").get_data(as_text=True)
    assert "submission-status.js" not in page and "data-status-url" not in page
    # Another learner may not poll it.
    other = app.test_client()
    login(other, "bob")
    assert other.get(status_url).status_code == 404


def test_the_status_script_is_served_and_has_no_inline_code(client):
    script = client.get("/static/submission-status.js")
    assert script.status_code == 200 and b"data-status-url" in script.data
    assert not re.search(rb"\beval\(|new Function", script.data)


def test_immediate_mode_scores_before_the_answer(app, client, world, people, bearer):
    """The test suite's default (tests/conftest.py): the job runs in-process when queued."""
    app.config["ASYNC_SCORING_MB"] = 0
    sent = client.post(f"{API}/submissions", headers=bearer(people.alice), data=upload(predictions(0.2)))
    assert sent.status_code == 202
    now = client.get(sent.get_json()["url"].split("localhost", 1)[1], headers=bearer(people.alice)).get_json()
    assert now["status"] == "scored"
    assert DURING.isoformat() == now["created_at"]
