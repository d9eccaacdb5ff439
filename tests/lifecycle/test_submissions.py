"""Submission details: file formats, scorer failures, disqualified teams and bad requests."""
from __future__ import annotations

import gzip
import io
import zipfile

import pytest
from lifecycle_support import DURING, predictions
from sqlalchemy import select

from competitions import catalog, moderation
from competitions.models import Submission

SUBMIT = "/api/v1/competitions/house-prices/submissions"


@pytest.fixture
def alice(people, bearer, clock, make_competition, join):
    competition = make_competition(people.org, daily_limit=2, total_limit=2)
    join(competition, people.alice)
    return bearer(people.alice)


def zipped(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("predictions.csv", data)
    return out.getvalue()


@pytest.mark.parametrize("name, encode", [("p.csv.gz", gzip.compress), ("p.zip", zipped)])
def test_compressed_uploads_score_like_plain_csv(client, alice, name, encode):
    plain = client.post(SUBMIT, headers=alice, data={"file": (io.BytesIO(predictions(0.25)), "p.csv")})
    packed = client.post(SUBMIT, headers=alice, data={"file": (io.BytesIO(encode(predictions(0.25))), name)})
    assert packed.status_code == 201, packed.get_json()
    assert packed.get_json()["public_score"] == plain.get_json()["public_score"]
    assert packed.get_json()["file_name"] == name


def test_a_scorer_failure_is_a_500_that_uses_no_quota(client, alice, monkeypatch, sessions):
    import scoring

    def broken(*args, **kwargs):
        raise RuntimeError("scorer bug")

    with monkeypatch.context() as patch:
        patch.setattr(scoring, "score_submission", broken)
        failed = client.post(SUBMIT, headers=alice, data={"file": (io.BytesIO(predictions(0.1)), "p.csv")})
    assert failed.status_code == 500 and failed.get_json()["error"] == "scorer_error"
    assert "scorer bug" not in failed.get_data(as_text=True)
    with sessions() as s:
        assert s.scalars(select(Submission.status)).all() == ["error"]
    # Neither the daily nor the total limit was touched: both submissions still fit.
    for err in (0.1, 0.2):
        response = client.post(SUBMIT, headers=alice, data={"file": (io.BytesIO(predictions(err)), "p.csv")})
        assert response.status_code == 201, response.get_json()
    # The failed upload is not an entry on the leaderboard either.
    board = client.get("/api/v1/competitions/house-prices/leaderboard").get_json()
    assert [e["entries"] for e in board["entries"]] == [2]


def test_a_disqualified_team_cannot_submit(client, alice, people, sessions):
    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        from competitions import participation

        team_id = participation.team_of(s, c, s.merge(people.alice)).id
        moderation.disqualify_team(s, c, s.merge(people.org), team_id, "Two accounts", DURING)
        s.commit()
    response = client.post(SUBMIT, headers=alice, data={"file": (io.BytesIO(predictions(0.1)), "p.csv")})
    assert response.status_code == 403 and "Two accounts" in response.get_json()["message"]


def test_bad_requests_name_the_field(client, alice):
    no_file = client.post(SUBMIT, headers=alice, data={"description": "x"})
    assert no_file.status_code == 400 and no_file.get_json()["field"] == "file"
    long = client.post(SUBMIT, headers=alice, data={"file": (io.BytesIO(predictions(0.1)), "p.csv"),
                                                    "description": "x" * 501})
    assert long.status_code == 400 and long.get_json()["field"] == "description"
    selection = client.put("/api/v1/competitions/house-prices/selection", headers=alice, json={"ids": [1]})
    assert selection.status_code == 400 and selection.get_json()["field"] == "submission_ids"
    board = client.get("/api/v1/competitions/house-prices/leaderboard?board=secret")
    assert board.status_code == 400 and board.get_json()["field"] == "board"
    # Nothing above used quota.
    ok = client.post(SUBMIT, headers=alice, data={"file": (io.BytesIO(predictions(0.1)), "p.csv")})
    assert ok.get_json()["remaining_today"] == 1
