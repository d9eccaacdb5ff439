"""Teams through the JSON API and the domain: naming, invitations, Kaggle's merge rules, leaving,
organizers' corrections, and merges racing each other and uploads."""
from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from lifecycle_support import DEADLINE, DURING, START, predictions
from sqlalchemy import func, select

from competitions import catalog, submitting, teams
from competitions.errors import QuotaExceeded
from competitions.models import Invitation, QuotaUsage, Submission, Team, TeamMember

API = "/api/v1"
C = f"{API}/competitions/house-prices"


def upload(data: bytes) -> dict:
    return {"file": (io.BytesIO(data), "sub.csv")}


@pytest.fixture
def three(client, clock, people, bearer, make_competition, join, request):
    """alice, bob and carol joined, each a team of one."""
    settings = getattr(request, "param", {})
    competition = make_competition(people.org, **settings)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    return {"competition": competition, "alice": bearer(people.alice), "bob": bearer(people.bob),
            "carol": bearer(people.carol), "org": bearer(people.org)}


def invite(client, headers, username=None):
    body = {"username": username} if username else {}
    response = client.post(f"{C}/team/invitations", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def board(client):
    return [(e["team"], e["members"], e["entries"]) for e in client.get(f"{C}/leaderboard").get_json()["entries"]]


def test_a_member_renames_the_team_within_the_rules(client, three):
    alice, bob = three["alice"], three["bob"]
    renamed = client.patch(f"{C}/team", headers=alice, json={"name": "  Gradient   Descenders "})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Gradient Descenders"
    taken = client.patch(f"{C}/team", headers=bob, json={"name": "Gradient Descenders"})
    assert taken.status_code == 409 and taken.get_json()["field"] == "name"
    for bad in ("", "   ", "x" * 81):
        refused = client.patch(f"{C}/team", headers=bob, json={"name": bad})
        assert refused.status_code == 400 and "1 to 80 characters" in refused.get_json()["message"]
    assert client.get(f"{C}/team", headers=three["org"]).status_code == 403  # not joined


def test_invite_by_name_then_accept_merges_everything(client, three, clock, people, submit):
    alice, bob = three["alice"], three["bob"]
    c = three["competition"]
    submit(c, people.alice, predictions(0.3), DURING)
    submit(c, people.bob, predictions(0.1), DURING + timedelta(minutes=5))
    client.put(f"{C}/selection", headers=alice, json={"submission_ids": [1]})
    invitation = invite(client, alice, "bob")
    assert invitation["username"] == "bob" and invitation["code"] and invitation["url"].endswith(invitation["code"])
    assert invitation["expires_at"] == (DEADLINE - timedelta(days=7)).isoformat()
    assert invite(client, alice, "bob")["id"] == invitation["id"]  # inviting twice: the same invitation

    pending = client.get(f"{API}/invitations", headers=bob).get_json()
    assert [(p["competition"], p["team"], p["invited_by"]) for p in pending] == [("house-prices", "alice", "alice")]
    merged = client.post(f"{API}/invitations/{invitation['code']}/accept", headers=bob)
    assert merged.status_code == 200, merged.get_json()
    body = merged.get_json()
    assert body["name"] == "alice" and [m["username"] for m in body["members"]] == ["alice", "bob"]
    assert body["merged_at"] is not None

    # One row on the board, both members, both submissions; selections back to the automatic choice.
    assert board(client) == [("alice", ["alice", "bob"], 2)]
    mine = client.get(f"{C}/submissions", headers=bob).get_json()
    assert len(mine) == 2 and not any(s["selected"] for s in mine)
    assert client.get(f"{API}/invitations", headers=bob).get_json() == []
    again = client.post(f"{API}/invitations/{invitation['code']}/accept", headers=bob)
    assert again.status_code == 409 and "already used" in again.get_json()["message"]
    log = client.get(f"{C}/audit", headers=three["org"]).get_json()
    assert log[0]["action"] == "merge" and log[0]["details"] == {"team": "bob", "into": "alice", "by": "bob"}


def test_merged_quota_adds_both_teams_uses_of_today(client, three, clock, sessions):
    alice, bob = three["alice"], three["bob"]  # daily limit 5
    for headers, n in ((alice, 2), (bob, 2)):
        for k in range(n):
            assert client.post(f"{C}/submissions", headers=headers, data=upload(predictions(0.1 + k))).status_code == 201
    code = invite(client, alice, "bob")["code"]
    assert client.post(f"{API}/invitations/{code}/accept", headers=bob).status_code == 200
    ok = client.post(f"{C}/submissions", headers=bob, data=upload(predictions(0.05)))
    assert ok.status_code == 201 and ok.get_json()["remaining_today"] == 0
    assert client.post(f"{C}/submissions", headers=alice, data=upload(predictions(0.06))).status_code == 429
    with sessions() as s:
        assert s.scalar(select(func.count(Team.id))) == 2  # alice+bob, carol
        assert [(q.used) for q in s.scalars(select(QuotaUsage))] == [5]


@pytest.mark.parametrize("three", [{"max_team_size": 2}], indirect=True)
def test_a_merge_beyond_the_team_size_is_refused_with_the_numbers(client, three):
    alice, bob, carol = three["alice"], three["bob"], three["carol"]
    code = invite(client, alice, "bob")["code"]
    assert client.post(f"{API}/invitations/{code}/accept", headers=bob).status_code == 200
    code = invite(client, alice, "carol")["code"]
    refused = client.post(f"{API}/invitations/{code}/accept", headers=carol)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "merge_refused" and body["rule"] == "team_size"
    assert "3 members" in body["message"] and "at most 2" in body["message"]


@pytest.mark.parametrize("three", [{"daily_limit": 2}], indirect=True)
def test_a_merge_beyond_what_one_team_could_have_submitted_is_refused(client, three, clock):
    alice, bob = three["alice"], three["bob"]
    clock.now = START + timedelta(hours=5)  # day 1: one team could have made 2
    for headers in (alice, alice, bob):
        assert client.post(f"{C}/submissions", headers=headers, data=upload(predictions(0.2))).status_code == 201
    code = invite(client, alice, "bob")["code"]
    refused = client.post(f"{API}/invitations/{code}/accept", headers=bob).get_json()
    assert refused["rule"] == "submissions" and "3 submissions" in refused["message"] and "at most 2" in refused[
        "message"]
    clock.now = START + timedelta(days=1, hours=1)  # day 2: 4 allowed
    assert client.post(f"{API}/invitations/{code}/accept", headers=bob).status_code == 200


@pytest.mark.parametrize("three", [{"daily_limit": 5, "total_limit": 2}], indirect=True)
def test_the_total_limit_caps_a_merge_too(client, three):
    alice, bob = three["alice"], three["bob"]
    for headers in (alice, bob, bob):
        assert client.post(f"{C}/submissions", headers=headers, data=upload(predictions(0.2))).status_code == 201
    code = invite(client, alice, "bob")["code"]
    refused = client.post(f"{API}/invitations/{code}/accept", headers=bob).get_json()
    assert refused["rule"] == "submissions" and "2 in all" in refused["message"]


def test_no_merge_after_the_merger_deadline_or_with_a_disqualified_team(client, three, clock):
    alice, bob, carol = three["alice"], three["bob"], three["carol"]
    code = invite(client, alice, "bob")["code"]
    # Disqualified: carol's team cannot merge.
    carol_team = client.get(f"{C}/team", headers=carol).get_json()["id"]
    client.post(f"{C}/teams/{carol_team}/disqualify", headers=three["org"], json={"reason": "two accounts"})
    carol_code = invite(client, alice, "carol")["code"]
    refused = client.post(f"{API}/invitations/{carol_code}/accept", headers=carol).get_json()
    assert refused["rule"] == "disqualified" and "disqualified" in refused["message"]

    clock.now = DEADLINE - timedelta(days=7)
    late = client.post(f"{API}/invitations/{code}/accept", headers=bob)
    assert late.status_code == 409 and late.get_json()["rule"] == "deadline"
    refused_invite = client.post(f"{C}/team/invitations", headers=alice, json={})
    assert refused_invite.status_code == 409 and refused_invite.get_json()["rule"] == "deadline"


def test_a_link_is_for_anyone_and_joins_a_learner_straight_into_the_team(client, three, people, make_user, bearer):
    alice = three["alice"]
    link = invite(client, alice)
    assert link["username"] is None
    dave = bearer(make_user("dave"))
    assert client.get(f"{C}/team", headers=dave).status_code == 403
    joined = client.post(f"{API}/invitations/{link['code']}/accept", headers=dave)
    assert joined.status_code == 200 and [m["username"] for m in joined.get_json()["members"]] == ["alice", "dave"]
    # One time only.
    again = client.post(f"{API}/invitations/{link['code']}/accept", headers=three["bob"])
    assert again.status_code == 409


def test_decline_and_someone_elses_invitation(client, three):
    alice, bob, carol = three["alice"], three["bob"], three["carol"]
    code = invite(client, alice, "bob")["code"]
    assert client.post(f"{API}/invitations/{code}/accept", headers=carol).status_code == 404  # not for carol
    assert client.post(f"{API}/invitations/{code}/decline", headers=bob).get_json() == {"declined": True}
    assert client.post(f"{API}/invitations/{code}/accept", headers=bob).status_code == 409
    assert client.get(f"{C}/team", headers=alice).get_json()["invitations"] == []


def test_leave_rules(client, three, clock):
    alice, bob = three["alice"], three["bob"]
    assert client.delete(f"{C}/team/members/me", headers=alice).status_code == 409  # the last member
    code = invite(client, alice, "bob")["code"]
    client.post(f"{API}/invitations/{code}/accept", headers=bob)
    assert client.post(f"{C}/submissions", headers=alice, data=upload(predictions(0.2))).status_code == 201
    refused = client.delete(f"{C}/team/members/me", headers=alice)
    assert refused.status_code == 409 and "1 submission" in refused.get_json()["message"]
    left = client.delete(f"{C}/team/members/me", headers=bob)
    assert left.status_code == 200 and [m["username"] for m in left.get_json()["members"]] == ["bob"]
    assert sorted(t for t, _, _ in board(client)) == ["alice"]
    clock.now = DEADLINE - timedelta(days=1)  # merging is closed now, and so is leaving
    assert client.delete(f"{C}/team/members/me", headers=bob).status_code == 409


def test_organizers_remove_a_member_without_submissions(client, three, people, submit):
    alice, bob, org = three["alice"], three["bob"], three["org"]
    code = invite(client, alice, "bob")["code"]
    team = client.post(f"{API}/invitations/{code}/accept", headers=bob).get_json()
    submit(three["competition"], people.alice, predictions(0.2))
    bob_id, alice_id = people.bob.id, people.alice.id
    refused = _remove(client, org, team["id"], alice_id)
    assert refused == 409
    assert _remove(client, alice, team["id"], bob_id) == 403
    assert _remove(client, org, team["id"], bob_id) == 200
    assert [m["username"] for m in client.get(f"{C}/team", headers=bob).get_json()["members"]] == ["bob"]
    log = client.get(f"{C}/audit", headers=org).get_json()
    assert log[0]["action"] == "remove_member" and log[0]["details"]["member"] == "bob"


def _remove(client, headers, team_id, user_id) -> int:
    return client.delete(f"{C}/teams/{team_id}/members/{user_id}", headers=headers).status_code


# --- races ------------------------------------------------------------------------------------


def _threads(n, target):
    barrier = threading.Barrier(n)
    outcomes, lock = [], threading.Lock()

    def run(k):
        barrier.wait(timeout=30)
        try:
            outcome = target(k)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return sorted(outcomes)


def test_one_team_accepting_two_invitations_at_once_merges_once(sessions, people, make_competition, join):
    """With teams of at most two, carol may join alice or bob, not both: without the row locks
    both merges would see teams of one and succeed (on PostgreSQL), leaving a team of three."""
    competition = make_competition(people.org, max_team_size=2)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        codes = [teams.invite(s, c, s.merge(inviter), DURING, username="carol").code
                 for inviter in (people.alice, people.bob)]
        s.commit()

    def accept(k):
        with sessions() as s:
            user = s.merge(people.carol)
            s.rollback()
            teams.accept(s, codes[k], user, DURING)
            s.commit()
            return "merged"

    outcomes = _threads(2, accept)
    assert outcomes.count("merged") == 1 and set(outcomes) <= {"merged", "MergeRefused", "Conflict"}, outcomes
    with sessions() as s:
        sizes = sorted(s.scalar(select(func.count(TeamMember.id)).where(TeamMember.team_id == t.id))
                       for t in s.scalars(select(Team)))
        assert sizes == [1, 2]  # carol is in exactly one team, once
        assert s.scalar(select(func.count(TeamMember.id))) == 3
        assert s.scalar(select(func.count(Invitation.id)).where(Invitation.accepted_at.is_not(None))) == 1


@pytest.mark.parametrize("first", ["upload", "merge"])
def test_a_merge_racing_the_last_daily_upload_keeps_quota_exact(sessions, storage, people, make_competition, join,
                                                                 submit, first):
    """bob has used 1 of 2 today and alice 1 of 2; bob uploads his last while accepting alice's invitation.
    Whatever the order, the merged team has made 2 or 3 submissions and the quota row says the same."""
    competition = make_competition(people.org, daily_limit=2)
    join(competition, people.alice)
    join(competition, people.bob)
    submit(competition, people.alice, predictions(0.3), DURING)
    submit(competition, people.bob, predictions(0.4), DURING)
    with sessions() as s:
        code = teams.invite(s, catalog.get_competition(s, competition.slug), s.merge(people.alice), DURING,
                            username="bob").code
        s.commit()

    def work(k):
        with sessions() as s:
            c = catalog.get_competition(s, competition.slug)
            user = s.merge(people.bob)
            s.rollback()
            if (k == 0) == (first == "upload"):
                try:
                    submitting.submit(s, storage, c, user, "last.csv", io.BytesIO(predictions(0.2)), "", DURING)
                    return "uploaded"
                except QuotaExceeded:
                    return "quota"
            teams.accept(s, code, user, DURING)
            s.commit()
            return "merged"

    outcomes = _threads(2, work)
    assert "merged" in outcomes, outcomes
    with sessions() as s:
        (team,) = s.scalars(select(Team))
        scored = s.scalar(select(func.count(Submission.id)).where(Submission.status == "scored"))
        assert s.scalar(select(func.count(Submission.id)).where(Submission.team_id != team.id)) == 0
        used = s.scalar(select(func.sum(QuotaUsage.used)).where(QuotaUsage.team_id == team.id))
        assert used == scored == (3 if "uploaded" in outcomes else 2), outcomes
        assert s.scalar(select(func.count(QuotaUsage.team_id))) == 1


def test_merger_deadline_defaults_and_bounds(make_competition, people, client, bearer):
    c = make_competition(people.org)
    assert c.merger_deadline() == DEADLINE - timedelta(days=7)
    org = bearer(people.org)
    moved = client.patch(f"{C}", headers=org, json={"team_merger_deadline": (DEADLINE - timedelta(days=2)).isoformat()})
    assert moved.status_code == 200
    too_late = client.patch(f"{C}", headers=org, json={"team_merger_deadline": (DEADLINE + timedelta(hours=1)).isoformat()})
    assert too_late.status_code == 400 and too_late.get_json()["field"] == "team_merger_deadline"
    solo = client.patch(f"{C}", headers=org, json={"max_team_size": 1})
    assert solo.status_code == 200 and solo.get_json()["max_team_size"] == 1


def test_invitation_codes_never_start_with_a_dash_a_command_line_would_take_for_an_option():
    from competitions.teams import new_invite_code

    codes = [new_invite_code() for _ in range(3000)]  # ~1 in 64 token_urlsafe codes starts with "-"
    assert len(set(codes)) == len(codes)
    assert not [c for c in codes if c.startswith("-")]
