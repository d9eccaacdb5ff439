"""The whole lifecycle through the JSON API, as the CLI and notebooks use it."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from lifecycle_support import (
    AFTER,
    DEADLINE,
    DURING,
    TEST_CSV,
    TRAIN_CSV,
    assert_no_solution,
    invalid_predictions,
    metadata,
    multipart_competition,
    predictions,
    solution_csv,
)

API = "/api/v1"


def upload(data: bytes, description: str = "", name: str = "sub.csv") -> dict:
    return {"file": (io.BytesIO(data), name), "description": description}


def test_full_lifecycle_through_the_api(client, people, bearer, clock):
    org, alice, bob = bearer(people.org), bearer(people.alice), bearer(people.bob)
    bodies: list[bytes] = []  # every learner-facing response, checked for solution leaks at the end

    def call(method, path, headers=None, **kwargs):
        response = getattr(client, method)(API + path, headers=headers or {}, **kwargs)
        bodies.append(response.get_data())
        return response

    # The organizer creates the competition: metadata, solution and data files in one multipart POST.
    created = client.post(f"{API}/competitions", headers=org, content_type="multipart/form-data",
                          data=multipart_competition(metadata("house-prices", daily_limit=3)))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["slug"] == "house-prices" and body["metric"] == "rmse" and body["state"] == "open"
    assert body["daily_limit"] == 3 and body["final_selections"] == 2
    assert datetime.fromisoformat(body["deadline"]) == DEADLINE

    # Learners list it (anonymously too), see the detail and the files, never the solution.
    listed = call("get", "/competitions")
    assert [c["slug"] for c in listed.get_json()] == ["house-prices"]
    assert {"slug", "title", "metric", "state", "start", "deadline"} <= set(listed.get_json()[0])
    detail = call("get", "/competitions/house-prices", alice)
    assert detail.status_code == 200 and detail.get_json()["title"] == "House prices"
    assert "invite_token" not in detail.get_json()
    files = call("get", "/competitions/house-prices/files", alice).get_json()
    assert sorted(f["name"] for f in files) == ["test.csv", "train.csv"]
    assert {f["name"]: f["size"] for f in files} == {"train.csv": len(TRAIN_CSV), "test.csv": len(TEST_CSV)}
    # Rules before data: downloading waits for joining, and the refusal names the join endpoint.
    early = call("get", "/competitions/house-prices/files/train.csv", alice)
    assert early.status_code == 403 and early.get_json()["error"] == "join_required"
    assert "POST /api/v1/competitions/house-prices/join" in early.get_json()["message"]
    assert call("get", "/competitions/house-prices/files/solution.csv", alice).status_code == 404

    # Submitting before joining is refused with a message that says what to do.
    not_joined = call("post", "/competitions/house-prices/submissions", alice, data=upload(predictions(0.5)))
    assert not_joined.status_code == 403 and "Join" in not_joined.get_json()["message"]

    for who in (alice, bob):
        joined = call("post", "/competitions/house-prices/join", who)
        assert joined.status_code == 200 and joined.get_json()["joined"] is True
    download = call("get", "/competitions/house-prices/files/train.csv", alice)
    assert download.status_code == 200 and download.get_data() == TRAIN_CSV

    # Validate: the same checks, no score and no quota.
    ok = call("post", "/competitions/house-prices/validate", alice, data=upload(predictions(0.5)))
    assert ok.status_code == 200 and ok.get_json() == {"valid": True, "problems": []}
    bad = call("post", "/competitions/house-prices/validate", alice, data=upload(invalid_predictions()))
    assert bad.status_code == 200 and bad.get_json()["valid"] is False and bad.get_json()["problems"]

    # A valid submission: 201 with the public score at once.
    clock.now = DURING
    first = call("post", "/competitions/house-prices/submissions", alice, data=upload(predictions(0.5, 0.1), "first"))
    assert first.status_code == 201, first.get_json()
    receipt = first.get_json()
    assert {"id", "status", "public_score", "public_ci", "created_at", "remaining_today"} <= set(receipt)
    assert receipt["status"] == "scored"
    assert abs(receipt["public_score"] - 0.5) < 1e-3
    assert "private_score" not in receipt
    assert receipt["remaining_today"] == 2  # validate used none
    assert datetime.fromisoformat(receipt["created_at"]) == DURING

    # An invalid one: 422 listing every problem, and no quota used.
    invalid = call("post", "/competitions/house-prices/submissions", alice, data=upload(invalid_predictions()))
    assert invalid.status_code == 422
    problems = invalid.get_json()
    assert problems["error"] == "invalid_submission" and problems["message"]
    assert len(problems["problems"]) >= 2
    assert all({"code", "message", "row", "column"} <= set(p) for p in problems["problems"])
    clock.now = DURING + timedelta(minutes=5)
    second = call("post", "/competitions/house-prices/submissions", alice, data=upload(predictions(0.3, 0.4), "second"))
    assert second.status_code == 201 and second.get_json()["remaining_today"] == 1

    clock.now = DURING + timedelta(minutes=10)
    bob_sub = call("post", "/competitions/house-prices/submissions", bob, data=upload(predictions(0.4, 0.2)))
    assert bob_sub.status_code == 201

    # My submissions: the own team's only, newest first, with the invalid one kept; no private scores yet.
    mine = call("get", "/competitions/house-prices/submissions", alice).get_json()
    assert [s["status"] for s in mine] == ["scored", "invalid", "scored"]
    assert [s["description"] for s in mine if s["status"] == "scored"] == ["second", "first"]
    assert all("private_score" not in s for s in mine)
    assert mine[1]["problems"]
    assert bob_sub.get_json()["id"] not in {s["id"] for s in mine}

    # The organizer sees every submission, with teams and private scores.
    everything = client.get(f"{API}/competitions/house-prices/submissions", headers=org).get_json()
    assert len(everything) == 4 and {s["team"] for s in everything} == {"alice", "bob"}
    assert all("private_score" in s for s in everything)

    # Select the first submission as final (its private score is the better one).
    chosen = call("put", "/competitions/house-prices/selection", alice, json={"submission_ids": [receipt["id"]]})
    assert chosen.status_code == 200 and chosen.get_json() == {"selected": [receipt["id"]]}
    too_many = call("put", "/competitions/house-prices/selection", alice,
                    json={"submission_ids": [receipt["id"], second.get_json()["id"], bob_sub.get_json()["id"]]})
    assert too_many.status_code == 400 and too_many.get_json()["field"] == "submission_ids"

    # The public board: alice's best public (0.3) beats bob's 0.4.
    board = call("get", "/competitions/house-prices/leaderboard?board=public").get_json()
    assert board["board"] == "public"
    assert [(e["rank"], e["team"], e["entries"]) for e in board["entries"]] == [(1, "alice", 2), (2, "bob", 1)]
    assert abs(board["entries"][0]["score"] - 0.3) < 1e-3
    assert datetime.fromisoformat(board["entries"][0]["last_submission_at"]) == DURING + timedelta(minutes=5)

    private = call("get", "/competitions/house-prices/leaderboard?board=private", alice)
    assert private.status_code == 403 and private.get_json()["error"] == "forbidden"
    early = client.post(f"{API}/competitions/house-prices/finalize", headers=org)
    assert early.status_code == 409
    assert call("post", "/competitions/house-prices/finalize", alice).status_code == 403

    # After the deadline: the organizer finalizes; late submissions are scored but never ranked.
    clock.now = AFTER
    late = call("post", "/competitions/house-prices/submissions", bob, data=upload(predictions(0.01, 0.01), "late"))
    assert late.status_code == 201 and late.get_json()["late"] is True
    assert abs(late.get_json()["public_score"] - 0.01) < 1e-3
    finalized = client.post(f"{API}/competitions/house-prices/finalize", headers=org)
    assert finalized.status_code == 200 and finalized.get_json()["state"] == "finalized"
    assert client.post(f"{API}/competitions/house-prices/finalize", headers=org).status_code == 409

    private = call("get", "/competitions/house-prices/leaderboard?board=private").get_json()
    # alice's selected submission has private 0.1, bob's only on-time one 0.2: alice stays first.
    assert [(e["rank"], e["team"], e["rank_change"]) for e in private["entries"]] == [(1, "alice", 0), (2, "bob", 0)]
    assert abs(private["entries"][0]["score"] - 0.1) < 1e-3
    assert abs(private["entries"][1]["score"] - 0.2) < 1e-3
    public = call("get", "/competitions/house-prices/leaderboard").get_json()
    assert abs(public["entries"][1]["score"] - 0.4) < 1e-3  # bob's late 0.01 is not ranked
    assert public["entries"][1]["entries"] == 1  # ... nor counted among his entries (only ranked ones are)

    mine = call("get", "/competitions/house-prices/submissions", alice).get_json()
    assert all("private_score" in s for s in mine)
    bob_mine = call("get", "/competitions/house-prices/submissions", bob).get_json()
    assert bob_mine[0]["late"] is True and bob_mine[0]["status"] == "scored"

    for body in bodies:
        assert_no_solution(body)


def test_private_board_shows_rank_changes(client, people, bearer, make_competition, join, submit, clock):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob):
        join(competition, user)
    submit(competition, people.alice, predictions(0.1, 0.9))   # public 1st, private 2nd
    submit(competition, people.bob, predictions(0.2, 0.3))     # public 2nd, private 1st
    clock.now = AFTER
    assert client.post(f"{API}/competitions/house-prices/finalize", headers=bearer(people.org)).status_code == 200
    entries = client.get(f"{API}/competitions/house-prices/leaderboard?board=private").get_json()["entries"]
    assert [(e["team"], e["rank"], e["rank_change"]) for e in entries] == [("bob", 1, 1), ("alice", 2, -1)]


def test_create_without_usage_column_draws_a_stored_split(client, people, bearer, sessions):
    from competitions import catalog, solutions

    meta = metadata("no-usage", public_fraction=0.25, seed=3)
    response = client.post(f"{API}/competitions", headers=bearer(people.org), content_type="multipart/form-data",
                           data=multipart_competition(meta, solution=solution_csv(usage=False)))
    assert response.status_code == 201, response.get_json()
    with sessions() as s:
        current = solutions.current_solution(s, catalog.get_competition(s, "no-usage"))
        assert (current.version, current.n_public, current.n_private, current.n_ignored) == (1, 5, 15, 0)


def test_create_errors_name_the_field(client, people, bearer):
    org = bearer(people.org)
    cases = [
        (metadata("bad-metric", metric="nope"), "metric"),
        (metadata("bad-dates", deadline="2029-01-01T00:00Z"), "deadline_at"),
        (metadata("x"), "slug"),
        (metadata("bad-limit", daily_limit=0), "daily_limit"),
    ]
    for meta, field in cases:
        response = client.post(f"{API}/competitions", headers=org, content_type="multipart/form-data",
                               data=multipart_competition(meta))
        assert response.status_code == 400, (field, response.get_json())
        assert response.get_json()["field"] == field
    # A broken solution is refused, and nothing is created.
    broken = client.post(f"{API}/competitions", headers=org, content_type="multipart/form-data",
                         data=multipart_competition(metadata("dup-ids"), solution=b"id,target\n1,1.0\n1,2.0\n"))
    assert broken.status_code == 400 and broken.get_json()["field"] == "solution"
    assert client.get(f"{API}/competitions").get_json() == []
    # Learners cannot host.
    learner = client.post(f"{API}/competitions", headers=bearer(people.alice), content_type="multipart/form-data",
                          data=multipart_competition(metadata("by-learner")))
    assert learner.status_code == 403


def test_revoked_and_unknown_tokens_are_refused(client, people, bearer, sessions):
    from competitions import tokens

    headers = bearer(people.alice)
    assert client.post(f"{API}/competitions/none/join", headers={"Authorization": "Bearer hdt_nope"}).status_code == 401
    with sessions() as s:
        row = tokens.list_tokens(s, s.merge(people.alice))[0]
        tokens.revoke_token(s, s.merge(people.alice), row.id, now=DURING)
        s.commit()
    response = client.get(f"{API}/competitions", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
