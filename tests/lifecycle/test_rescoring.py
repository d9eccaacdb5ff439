"""Replacing the solution: a preview that changes nothing, then a confirmed re-score that keeps history."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from lifecycle_support import DURING, UTC, assert_no_solution, predictions, sha256, solution_csv
from sqlalchemy import select

import scoring
from competitions import catalog, leaderboard, rescoring, solutions, submitting
from competitions.errors import Forbidden
from competitions.models import Solution, Submission, SubmissionScore

# Under solution v1 alice is off by 0.1 and bob by 0.5. Solution v2 adds 1 to every target,
# so alice is then off by 0.9 and bob by 0.5: the public ranks swap.
V2 = solution_csv(shift=1)
SECRET = "test-secret"


@pytest.fixture
def scored(people, make_competition, join, submit):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob):
        join(competition, user)
    a = submit(competition, people.alice, predictions(0.1), datetime(2030, 1, 10, 9, tzinfo=UTC))
    b = submit(competition, people.bob, predictions(0.5), datetime(2030, 1, 10, 10, tzinfo=UTC))
    return competition, a, b


def snapshot(sessions, competition):
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        subs = [(r.id, r.status, r.public_score, r.private_score, r.solution_version)
                for r in s.scalars(select(Submission).order_by(Submission.id))]
        history = [(h.submission_id, h.solution_version, h.public_score)
                   for h in s.scalars(select(SubmissionScore).order_by(SubmissionScore.id))]
        versions = [(v.version, v.is_current) for v in s.scalars(select(Solution).order_by(Solution.version))]
        board = [(e.team, e.score) for e in leaderboard.public_board(s, c)]
        return subs, history, versions, board


def test_preview_shows_new_scores_and_ranks_and_changes_nothing(sessions, storage, people, scored):
    competition, a, b = scored
    before = snapshot(sessions, competition)
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        preview = rescoring.preview_replacement(s, storage, c, s.merge(people.org), io.BytesIO(V2), secret=SECRET, now=DURING)
        s.commit()
    assert preview.sha256 == sha256(V2)
    assert preview.counts == {"n_public": 10, "n_private": 10, "n_ignored": 0}
    changes = {c.submission_id: c for c in preview.scores}
    assert changes[a.id].old_public == pytest.approx(0.1, abs=1e-3)
    assert changes[a.id].new_public == pytest.approx(0.9, abs=1e-3)
    assert changes[b.id].new_public == pytest.approx(0.5, abs=1e-3)
    assert changes[a.id].new_status == "scored"
    assert [(r.team, r.old_rank, r.new_rank) for r in preview.ranks] == [("bob", 2, 1), ("alice", 1, 2)]
    assert snapshot(sessions, competition) == before


def test_confirm_installs_a_new_version_rescores_and_keeps_old_scores(sessions, storage, people, scored):
    competition, a, b = scored
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        preview = rescoring.preview_replacement(s, storage, c, s.merge(people.org), io.BytesIO(V2), secret=SECRET, now=DURING)
        new = rescoring.confirm_replacement(s, storage, c, s.merge(people.org), preview.token, DURING, secret=SECRET)
        s.commit()
        assert new.version == 2
    subs, history, versions, board = snapshot(sessions, competition)
    assert versions == [(1, False), (2, True)]
    assert [(r[0], r[1], r[4]) for r in subs] == [(a.id, "scored", 2), (b.id, "scored", 2)]
    assert subs[0][2] == pytest.approx(0.9, abs=1e-3) and subs[0][3] == pytest.approx(0.9, abs=1e-3)
    # Both scores are kept: one history row per submission and solution version.
    by_key = {(h[0], h[1]): h[2] for h in history}
    assert set(by_key) == {(a.id, 1), (a.id, 2), (b.id, 1), (b.id, 2)}
    assert by_key[(a.id, 1)] == pytest.approx(0.1, abs=1e-3)
    assert by_key[(a.id, 2)] == pytest.approx(0.9, abs=1e-3)
    assert [team for team, _ in board] == ["bob", "alice"]
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        assert solutions.current_solution(s, c).sha256 == sha256(V2)
        assert [e.team for e in leaderboard.private_board(s, c)] == ["bob", "alice"]


def test_only_managers_may_replace_the_solution(sessions, storage, people, scored):
    competition, _, _ = scored
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        for user in (people.alice, people.org2):
            with pytest.raises(Forbidden):
                rescoring.preview_replacement(s, storage, c, s.merge(user), io.BytesIO(V2), secret=SECRET, now=DURING)
            with pytest.raises(Forbidden):
                rescoring.confirm_replacement(s, storage, c, s.merge(user), sha256(V2), DURING, secret=SECRET)


def test_rescore_through_the_organizer_pages(app, client, people, login, sessions, clock, scored):
    competition, a, b = scored
    org = app.test_client()
    login(org, "org")
    page = org.post("/organize/house-prices/solution/preview", content_type="multipart/form-data",
                    data={"solution": (io.BytesIO(V2), "v2.csv"), "public_fraction": "0.3", "seed": "0"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rank after" in html and "0.89983" in html and sha256(V2) in html
    assert snapshot(sessions, competition)[2] == [(1, True)]  # nothing installed yet

    # The public board, as learners see it, before and after confirming.
    before = client.get("/api/v1/competitions/house-prices/leaderboard").get_json()["entries"]
    assert [e["team"] for e in before] == ["alice", "bob"]
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = org.post("/organize/house-prices/solution/confirm", data={"token": token}, follow_redirects=True)
    assert "Solution version 2 installed" in done.get_data(as_text=True)
    after = client.get("/api/v1/competitions/house-prices/leaderboard")
    assert [e["team"] for e in after.get_json()["entries"]] == ["bob", "alice"]
    assert_no_solution(after.get_data(), V2)
    mine = client.get("/api/v1/competitions/house-prices/submissions",
                      headers=_bearer(sessions, people.alice)).get_json()
    assert mine[0]["solution_version"] == 2 and mine[0]["public_score"] == pytest.approx(0.9, abs=1e-3)


def test_confirm_of_an_unknown_file_is_refused(sessions, storage, people, scored):
    competition, _, _ = scored
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        with pytest.raises(Exception, match="expired"):
            rescoring.confirm_replacement(s, storage, c, s.merge(people.org), "0" * 64, DURING, secret=SECRET)


def _bearer(sessions, user) -> dict:
    from competitions import tokens

    with sessions() as s:
        _, plaintext = tokens.create_token(s, s.merge(user), now=datetime.now(UTC))
        s.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def _replace(sessions, storage, people, competition, data: bytes):
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        preview = rescoring.preview_replacement(s, storage, c, s.merge(people.org), io.BytesIO(data), secret=SECRET, now=DURING)
        rescoring.confirm_replacement(s, storage, c, s.merge(people.org), preview.token, DURING, secret=SECRET)
        s.commit()


def test_a_file_made_invalid_by_a_new_key_says_why_and_recovers_later(sessions, storage, people, scored):
    competition, a, b = scored
    # v2 has one more id, so every earlier submission now misses a row.
    extra = solution_csv().decode() + "21,21.0,Private\n"
    _replace(sessions, storage, people, competition, extra.encode())
    with sessions() as s:
        row = s.get(Submission, a.id)
        assert row.status == "invalid" and row.public_score is None
        assert [p["code"] for p in row.problems] == ["missing_ids"]
        c = catalog.get_competition(s, competition.slug)
        assert leaderboard.public_board(s, c) == []
    # v3 drops the extra id again: the same files are scored once more.
    _replace(sessions, storage, people, competition, solution_csv())
    with sessions() as s:
        row = s.get(Submission, a.id)
        assert row.status == "scored" and row.problems == []
        assert row.public_score == pytest.approx(0.1, abs=1e-3) and row.solution_version == 3


def test_a_scorer_failure_on_one_file_is_recorded_and_the_rest_are_rescored(sessions, storage, people, scored,
                                                                             monkeypatch):
    """Re-scoring goes through the upload's scorer wrapper: one broken file becomes 'error', not an abort."""
    competition, a, b = scored
    real = scoring.score_submission

    def broken_for_alice(parsed, handle, *args, **kwargs):
        data = handle.read()
        if data == predictions(0.1):
            raise ZeroDivisionError("a scorer bug")
        return real(parsed, io.BytesIO(data), *args, **kwargs)

    monkeypatch.setattr(scoring, "score_submission", broken_for_alice)
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        org = s.merge(people.org)
        preview = rescoring.preview_replacement(s, storage, c, org, io.BytesIO(V2), secret=SECRET, now=DURING)
        rescoring.confirm_replacement(s, storage, c, org, preview.token, DURING, secret=SECRET)
        s.commit()
    with sessions() as s:
        alice, bob = s.get(Submission, a.id), s.get(Submission, b.id)
        assert (alice.status, alice.public_score, alice.problems[0]["code"]) == ("error", None, "scorer_error")
        assert (bob.status, bob.solution_version) == ("scored", 2)
        assert bob.public_score == pytest.approx(0.5, abs=1e-3)
        board = leaderboard.public_board(s, catalog.get_competition(s, competition.slug))
        assert [e.team for e in board] == ["bob"]


def test_submit_refuses_a_session_with_pending_changes(sessions, storage, people, scored):
    """submit() commits in steps, so it will not commit its caller's unfinished work by surprise."""
    competition, _, _ = scored
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        c.title = "Changed but not committed"
        with pytest.raises(RuntimeError, match="commit in steps"):
            submitting.submit(s, storage, c, s.merge(people.alice), "sub.csv", io.BytesIO(predictions(0.2)), "",
                              DURING)
        s.rollback()
    with sessions() as s:
        assert catalog.get_competition(s, competition.slug).title == "House prices"


def test_confirm_accepts_only_its_own_previews_token(sessions, storage, people, scored, make_competition):
    """A known hash (another competition's answer key, say) installs nothing: the token binds the
    preview to the organizer, the competition and a day."""
    competition, _, _ = scored
    other = make_competition(people.org2, slug="other-comp", solution=solution_csv(shift=5))
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        theirs = catalog.get_competition(s, other.slug)
        mine = rescoring.preview_replacement(s, storage, c, s.merge(people.org), io.BytesIO(V2),
                                             secret=SECRET, now=DURING)
        s.commit()
        org = s.merge(people.org)
        refused = [
            sha256(V2),                                              # a bare hash
            mine.token.replace(mine.sha256, solutions.current_solution(s, theirs).sha256),  # another file
            mine.token[:-1] + ("0" if mine.token[-1] != "0" else "1"),  # a forged signature
        ]
        for token in refused:
            with pytest.raises(Exception, match="expired or was not made here"):
                rescoring.confirm_replacement(s, storage, c, org, token, DURING, secret=SECRET)
        with pytest.raises(Exception, match="expired or was not made here"):  # another secret
            rescoring.confirm_replacement(s, storage, c, org, mine.token, DURING, secret="other")
        with pytest.raises(Exception, match="expired or was not made here"):  # a day later
            rescoring.confirm_replacement(s, storage, c, org, mine.token, DURING + timedelta(days=1, seconds=1),
                                          secret=SECRET)
        s.rollback()
        # The same organizer owns another competition: the token does not carry over to it.
        make_competition(people.org, slug="org-second")
        second = catalog.get_competition(s, "org-second")
        with pytest.raises(Exception, match="expired or was not made here"):
            rescoring.confirm_replacement(s, storage, second, s.merge(people.org), mine.token, DURING, secret=SECRET)
        # An admin (a manager too) cannot use the organizer's token either.
        with pytest.raises(Exception, match="expired or was not made here"):
            rescoring.confirm_replacement(s, storage, c, s.merge(people.admin), mine.token, DURING, secret=SECRET)
        assert solutions.current_solution(s, c).version == 1
        rescoring.confirm_replacement(s, storage, c, s.merge(people.org), mine.token, DURING, secret=SECRET)
        s.commit()
        assert solutions.current_solution(s, c).version == 2


def test_the_confirm_page_refuses_a_bare_hash(app, people, login, sessions, scored):
    org = app.test_client()
    login(org, "org")
    done = org.post("/organize/house-prices/solution/confirm", data={"token": sha256(V2)}, follow_redirects=True)
    assert "expired or was not made here" in done.get_data(as_text=True)
    assert snapshot(sessions, scored[0])[2] == [(1, True)]
