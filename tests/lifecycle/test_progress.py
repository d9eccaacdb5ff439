"""My progress: each upload's feedback (rank it would have, beats the best, paired bootstrap),
the progress chart and rank on My submissions, the spent-quota form, and the wrong-file summary."""
from __future__ import annotations

import io
from datetime import timedelta

from lifecycle_support import DURING, MARK, N_ROWS, TEST_CSV, assert_no_solution, predictions

from competitions import catalog, progress, submitting
from competitions.models import Submission

C = "/c/house-prices"


def noisy(errors: dict[int, float]) -> bytes:
    """A valid submission off by errors[i] on row i (0 elsewhere)."""
    lines = ["id,target"] + [f"{i},{i + float('0.' + MARK) + errors.get(i, 0.0):.3f}" for i in range(1, N_ROWS + 1)]
    body = "\n".join(lines) + "\n"
    assert MARK not in body
    return body.encode()


def _record(sessions, storage, submission_id: int) -> dict:
    with sessions() as s:
        row = s.get(Submission, submission_id)
        feedback = progress.record(s, storage, catalog.get_competition(s, "house-prices"), row)
        s.commit()
        return feedback


def test_feedback_first_better_worse_and_within_noise(people, make_competition, join, submit, sessions, storage):
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    submit(competition, people.bob, predictions(0.15), now=DURING - timedelta(hours=1))

    first = submit(competition, people.alice, predictions(0.2))
    feedback = _record(sessions, storage, first.id)
    assert feedback["previous_best"] is None and feedback["beats_best"] is None
    assert (feedback["would_rank"], feedback["teams"]) == (2, 2)  # bob's 0.15 is ahead (rmse: lower wins)
    assert feedback["ci"][0] <= feedback["score"] <= feedback["ci"][1]
    assert "first scored submission" in " ".join(progress.sentences(feedback))

    # A constant 0.1 better on every public row: better on every resample, a real improvement.
    better = submit(competition, people.alice, predictions(0.1), now=DURING + timedelta(minutes=1))
    feedback = _record(sessions, storage, better.id)
    assert feedback["beats_best"] is True and feedback["previous_best"]["id"] == first.id
    assert feedback["would_rank"] == 1
    comparison = feedback["comparison"]
    assert comparison["available"] and comparison["real"] and comparison["share_better"] == 1.0
    text = " ".join(progress.sentences(feedback))
    assert "Better than your best on 100% of 400 paired resamples" in text and "a real improvement" in text

    # Worse than the best (0.1): not better on any resample, a real drop.
    worse = submit(competition, people.alice, predictions(0.3), now=DURING + timedelta(minutes=2))
    feedback = _record(sessions, storage, worse.id)
    assert feedback["beats_best"] is False and feedback["previous_best"]["id"] == better.id
    assert feedback["comparison"]["share_better"] == 0.0 and feedback["comparison"]["real"]
    assert feedback["comparison"]["share_worse"] == 1.0
    text = " ".join(progress.sentences(feedback))
    assert "Worse than your best on 100% of 400 paired resamples" in text and "a real drop" in text

    # The best file sent again: the same score is said as such, not as "worse on 0% of resamples".
    again = submit(competition, people.alice, predictions(0.1), now=DURING + timedelta(minutes=3))
    feedback = _record(sessions, storage, again.id)
    text = " ".join(progress.sentences(feedback))
    assert "It equals your best" in text and "resamples" not in text and "real drop" not in text


def test_a_lucky_difference_is_called_noise(people, make_competition, join, submit, sessions, storage):
    """Two files as good as each other, with their errors on different rows: too close to call."""
    competition = make_competition(people.org)
    join(competition, people.alice)
    a = submit(competition, people.alice, noisy({1: 0.5, 2: -0.4, 3: 0.3}))
    b = submit(competition, people.alice, noisy({4: 0.5, 5: -0.4, 6: 0.29}), now=DURING + timedelta(minutes=1))
    feedback = _record(sessions, storage, b.id)
    assert feedback["previous_best"]["id"] == a.id and feedback["beats_best"] is True
    comparison = feedback["comparison"]
    assert comparison["available"] and not comparison["real"]
    assert 0.0 < comparison["share_better"] < 1.0
    text = " ".join(progress.sentences(feedback))
    assert f"Better than your best on {comparison['share_better']:.0%}" in text and "too close to call" in text


def test_a_late_file_is_not_ranked_and_does_not_move_the_best_line(people, make_competition, join, submit,
                                                                   sessions, storage):
    from lifecycle_support import AFTER

    competition = make_competition(people.org)
    join(competition, people.alice)
    submit(competition, people.alice, predictions(0.3))
    late = submit(competition, people.alice, predictions(0.1), now=AFTER)
    feedback = _record(sessions, storage, late.id)
    assert feedback["late"] and "not ranked" in " ".join(progress.sentences(feedback))
    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        points = progress.timeline(c, submitting.team_submissions(s, s.get(Submission, late.id).team))
    assert [p.ranked for p in points] == [True, False]
    assert points[-1].best == points[0].score  # the late 0.1 is plotted, but the best stays 0.3


def test_web_upload_shows_the_feedback_chart_and_rank(app, people, login, clock, make_competition, join, submit):
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    submit(competition, people.bob, predictions(0.15), now=DURING - timedelta(hours=1))
    alice = app.test_client()
    login(alice, "alice")
    page = alice.get(f"{C}/submissions").get_data(as_text=True)
    assert "No submissions yet" in page and "progress-chart" not in page

    for minute, error in ((0, 0.2), (1, 0.1)):
        clock.now = DURING + timedelta(minutes=minute)
        response = alice.post(f"{C}/submit", data={"file": (io.BytesIO(predictions(error)), "p.csv")})
        assert response.status_code == 302 and response.headers["Location"].endswith(f"{C}/submissions")
    body = alice.get(f"{C}/submissions").get_data(as_text=True)
    # Drawn twice (for a laptop and a phone), two dots each.
    assert '<svg class="progress-chart chart-wide"' in body and body.count('class="dot"') == 4
    assert 'class="best-line"' in body
    assert "Your team ranks <strong>1</strong> of 2 on the public board" in body
    assert "Your latest upload" in body and "would rank 1 of 2" in body and "beats your best" in body
    assert "Better than your best on 100% of 400 paired resamples" in body
    assert_no_solution(body.encode())


def test_api_submission_answer_carries_the_feedback(app, people, bearer, login, make_competition, join, clock):
    competition = make_competition(people.org)
    join(competition, people.alice)
    headers = bearer(people.alice)
    client = app.test_client()
    first = client.post("/api/v1/competitions/house-prices/submissions", headers=headers,
                        data={"file": (io.BytesIO(predictions(0.3)), "a.csv")})
    assert first.status_code == 201
    assert first.json["feedback"]["previous_best"] is None and first.json["feedback"]["would_rank"] == 1
    clock.now = DURING + timedelta(minutes=1)
    second = client.post("/api/v1/competitions/house-prices/submissions", headers=headers,
                         data={"file": (io.BytesIO(predictions(0.1)), "b.csv")})
    feedback = second.json["feedback"]
    assert feedback["beats_best"] and feedback["comparison"]["share_better"] == 1.0
    assert feedback["previous_best"]["id"] == first.json["id"]
    listed = client.get("/api/v1/competitions/house-prices/submissions", headers=headers).json
    assert [row["feedback"] for row in listed] == [feedback, first.json["feedback"]]  # stored, not recomputed
    # The API's sentences are the web page's.
    page = app.test_client()
    login(page, "alice")
    html = page.get(f"{C}/submissions").get_data(as_text=True)
    assert feedback["summary"][0].startswith("Public score 0.1")  # the page shows it as the big number
    for line in feedback["summary"][1:]:
        assert line.replace("'", "&#39;") in html


def test_feedback_of_a_file_scored_elsewhere_is_computed_once_on_the_page(app, people, login, clock,
                                                                         make_competition, join, submit, sessions):
    competition = make_competition(people.org)
    join(competition, people.alice)
    row = submit(competition, people.alice, predictions(0.2))
    with sessions() as s:
        assert s.get(Submission, row.id).feedback is None  # the domain submit() alone does not compute it
    alice = app.test_client()
    login(alice, "alice")
    assert "would rank 1 of 1" in alice.get(f"{C}/submissions").get_data(as_text=True)
    with sessions() as s:
        assert s.get(Submission, row.id).feedback["would_rank"] == 1


def test_spent_quota_is_said_before_a_file_is_chosen_and_validate_stays(app, people, login, clock,
                                                                        make_competition, join, submit):
    competition = make_competition(people.org, daily_limit=1, test_file="test.csv")
    join(competition, people.alice)
    alice = app.test_client()
    login(alice, "alice")
    page = alice.get(f"{C}/submit").get_data(as_text=True)
    assert "quota-spent" not in page and 'value="submit">Upload and score' in page
    submit(competition, people.alice, predictions(0.2))

    page = alice.get(f"{C}/submit").get_data(as_text=True)
    assert "Your team has used all 1 submission for today. New ones can be scored from" in page
    assert '<time datetime="2030-01-11T00:00:00+00:00"' in page  # the reset, shown in the viewer's zone by JS
    assert 'value="submit" disabled>Upload and score' in page
    assert 'value="validate" class="secondary">Validate only' in page

    ok = alice.post(f"{C}/submit", data={"file": (io.BytesIO(predictions(0.1)), "p.csv"), "action": "validate"})
    assert ok.status_code == 200 and "No problems found" in ok.get_data(as_text=True)
    bad = alice.post(f"{C}/submit", data={"file": (io.BytesIO(TEST_CSV), "test.csv"), "action": "validate"})
    assert bad.status_code == 422 and "did you upload the test file" in bad.get_data(as_text=True)
    # Nothing was recorded by either dry run.
    assert alice.get(f"{C}/submissions").get_data(as_text=True).count('/file">') == 1  # one submission


def test_spent_total_limit_is_said_too(people, make_competition, join, submit, sessions):
    from competitions import quota

    competition = make_competition(people.org, total_limit=1)
    team = join(competition, people.alice)
    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        assert quota.spent_today(quota.quota_view(s, c, s.merge(team), DURING)) is None
    submit(competition, people.alice, predictions(0.2))
    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        assert quota.spent_today(quota.quota_view(s, c, s.merge(team), DURING)) == "total"


def test_uploading_the_test_file_gets_one_summary_first(app, people, login, clock, make_competition, join, bearer):
    competition = make_competition(people.org, test_file="test.csv")
    join(competition, people.alice)
    alice = app.test_client()
    login(alice, "alice")
    response = alice.post(f"{C}/submit", data={"file": (io.BytesIO(TEST_CSV), "test.csv")})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    first = body.index("<li><code>")
    assert body[first:].startswith("<li><code>test_file_columns</code> This file has the test file&#39;s columns")
    assert body.index("test_file_columns") < body.index("missing_columns")
    api = app.test_client().post("/api/v1/competitions/house-prices/validate", headers=bearer(people.alice),
                                 data={"file": (io.BytesIO(TEST_CSV), "test.csv")})
    assert api.json["problems"][0]["code"] == "test_file_columns"
    assert "did you upload the test file (test.csv)" in api.json["problems"][0]["message"]


def test_after_finalize_my_submissions_gives_the_final_private_rank(app, people, login, clock, bearer,
                                                                     make_competition, join, submit):
    """Found by a review: a finished competition's page still gave the public rank, not the final one."""
    from lifecycle_support import AFTER

    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    submit(competition, people.alice, predictions(0.1, 0.5))  # first in public, second in private
    submit(competition, people.bob, predictions(0.2, 0.2))
    alice = app.test_client()
    login(alice, "alice")
    assert "ranks <strong>1</strong> of 2 on the public board" in alice.get(f"{C}/submissions").get_data(as_text=True)
    clock.now = AFTER
    assert alice.post("/api/v1/competitions/house-prices/finalize", headers=bearer(people.org)).status_code == 200
    page = alice.get(f"{C}/submissions").get_data(as_text=True)
    assert "finished <strong>2</strong> of 2 on the private board (the final ranking)" in page
