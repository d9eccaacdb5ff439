"""Regressions found by schemathesis: wrong JSON types and out-of-range ids are 4xx, never 5xx or 405."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from competitions import groups, tokens
from competitions.db import make_session_factory


@pytest.fixture
def owner_headers(make_user, engine):
    now = datetime.now(timezone.utc)
    owner = make_user("org", role="organizer")
    with make_session_factory(engine)() as s:
        groups.create_group(s, s.merge(owner), "ml-club", "ML club", "", "public", now)
        _, token = tokens.create_token(s, s.merge(owner), "test", now=now)
        s.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method", ["delete", "patch"])
def test_an_id_beyond_the_column_is_404_whatever_the_method(client, method):
    response = getattr(client, method)("/api/v1/posts/2147483648")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert client.delete("/api/v1/posts/99999999999/vote").status_code == 404


def test_group_and_season_fields_of_the_wrong_type_are_400(client, owner_headers):
    assert client.patch("/api/v1/groups/ml-club", json={"name": {"a": 1}}, headers=owner_headers).status_code == 400
    assert client.post("/api/v1/groups/ml-club/seasons", json={"name": 1.5, "start": "2026-01-01",
                                                               "end": "2026-02-01"},
                       headers=owner_headers).status_code == 400
    assert client.post("/api/v1/groups/ml-club/join", json=5, headers=owner_headers).status_code == 400


def test_a_non_ascii_invite_code_is_just_wrong(client, make_user, engine):
    learner = make_user("alice")
    with make_session_factory(engine)() as s:
        groups.create_group(s, s.merge(make_user("org", role="organizer")), "ml-club", "ML club", "", "private",
                            datetime.now(timezone.utc))
        _, token = tokens.create_token(s, s.merge(learner), "test", now=datetime.now(timezone.utc))
        s.commit()
    response = client.post("/api/v1/groups/ml-club/join", json={"code": "é"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
