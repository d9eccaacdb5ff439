"""Daily and total submission limits: boundaries, UTC day reset, and concurrency."""
from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta

import pytest
from lifecycle_support import UTC, invalid_predictions, predictions
from sqlalchemy import func, select

from competitions import catalog, submitting
from competitions.errors import QuotaExceeded
from competitions.models import QuotaUsage, Submission

API = "/api/v1"
LAST_SECOND = datetime(2030, 1, 10, 23, 59, 59, tzinfo=UTC)
MIDNIGHT = datetime(2030, 1, 11, 0, 0, 0, tzinfo=UTC)


def upload(data: bytes) -> dict:
    return {"file": (io.BytesIO(data), "sub.csv")}


@pytest.fixture
def alice(client, people, bearer, make_competition, join, request):
    limits = getattr(request, "param", {"daily_limit": 2})
    competition = make_competition(people.org, **limits)
    join(competition, people.alice)
    join(competition, people.bob)
    return bearer(people.alice)


def post(client, headers, data: bytes):
    return client.post(f"{API}/competitions/house-prices/submissions", headers=headers, data=upload(data))


def test_daily_limit_resets_at_midnight_utc(client, alice, clock):
    clock.now = LAST_SECOND - timedelta(hours=1)
    # Invalid uploads use no quota, however many.
    for _ in range(3):
        assert post(client, alice, invalid_predictions()).status_code == 422
    first = post(client, alice, predictions(0.3))
    assert first.status_code == 201 and first.get_json()["remaining_today"] == 1
    assert datetime.fromisoformat(first.get_json()["resets_at"]) == MIDNIGHT
    assert post(client, alice, predictions(0.4)).get_json()["remaining_today"] == 0

    clock.now = LAST_SECOND
    refused = post(client, alice, predictions(0.5))
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "quota_exceeded" and body["retry_after"] == 1
    assert refused.headers["Retry-After"] == "1"
    assert "00:00 UTC" in body["message"]

    clock.now = MIDNIGHT
    again = post(client, alice, predictions(0.5))
    assert again.status_code == 201 and again.get_json()["remaining_today"] == 1


def test_retry_after_counts_down_to_midnight(client, alice, clock):
    clock.now = datetime(2030, 1, 10, 22, 0, 0, tzinfo=UTC)
    post(client, alice, predictions(0.3))
    post(client, alice, predictions(0.4))
    refused = post(client, alice, predictions(0.5))
    assert refused.get_json()["retry_after"] == 7200 and refused.headers["Retry-After"] == "7200"


def test_quota_is_per_team(client, people, bearer, alice, clock):
    post(client, alice, predictions(0.3))
    post(client, alice, predictions(0.4))
    assert post(client, alice, predictions(0.5)).status_code == 429
    bob = bearer(people.bob)
    assert post(client, bob, predictions(0.5)).get_json()["remaining_today"] == 1


@pytest.mark.parametrize("alice", [{"daily_limit": 2, "total_limit": 3}], indirect=True)
def test_total_limit(client, alice, clock):
    assert post(client, alice, predictions(0.1)).get_json()["remaining_today"] == 1
    assert post(client, alice, predictions(0.2)).get_json()["remaining_today"] == 0
    clock.now += timedelta(days=1)
    third = post(client, alice, predictions(0.3))
    assert third.status_code == 201 and third.get_json()["remaining_today"] == 0  # the total caps today's count
    clock.now += timedelta(days=1)
    refused = post(client, alice, predictions(0.4))
    assert refused.status_code == 429
    assert refused.get_json()["retry_after"] is None and "Retry-After" not in refused.headers
    assert "all 3" in refused.get_json()["message"]


def test_invalid_uploads_are_kept_without_using_quota(client, alice, clock, sessions):
    for _ in range(4):
        assert post(client, alice, invalid_predictions()).status_code == 422
    assert post(client, alice, predictions(0.1)).status_code == 201
    assert post(client, alice, predictions(0.2)).status_code == 201
    assert post(client, alice, predictions(0.3)).status_code == 429
    with sessions() as s:
        statuses = s.scalars(select(Submission.status).order_by(Submission.id)).all()
        assert statuses == ["invalid"] * 4 + ["scored"] * 2
        assert s.scalar(select(QuotaUsage.used)) == 2


@pytest.mark.parametrize("limits", [{"daily_limit": 3}, {"daily_limit": 50, "total_limit": 3}],
                         ids=["daily", "total"])
def test_concurrent_uploads_never_exceed_the_limit(engine, sessions, storage, people, make_competition, join,
                                                    limits):
    """N threads, each with its own session, submit at the same moment; exactly L are scored."""
    n_threads, limit = 8, 3
    competition = make_competition(people.org, **limits)
    join(competition, people.alice)
    now = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    barrier = threading.Barrier(n_threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        data = predictions(0.1 + k / 100)
        with sessions() as s:
            c = catalog.get_competition(s, competition.slug)
            user = s.merge(people.alice)
            s.rollback()  # start the race with no transaction open
            barrier.wait(timeout=30)
            try:
                submitting.submit(s, storage, c, user, f"{k}.csv", io.BytesIO(data), "", now)
                outcome = "scored"
            except QuotaExceeded:
                outcome = "quota"
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert sorted(outcomes) == ["quota"] * (n_threads - limit) + ["scored"] * limit, outcomes
    with sessions() as s:
        assert s.scalar(select(func.count(Submission.id)).where(Submission.status == "scored")) == limit
        assert s.scalar(select(func.sum(QuotaUsage.used))) == limit


def test_spent_quota_still_lists_an_invalid_files_problems(client, alice, clock, sessions):
    clock.now = LAST_SECOND - timedelta(hours=1)
    for err in (0.3, 0.4):
        assert post(client, alice, predictions(err)).status_code == 201
    invalid = post(client, alice, invalid_predictions())
    assert invalid.status_code == 422
    codes = {p["code"] for p in invalid.get_json()["problems"]}
    assert {"missing_ids", "not_a_number"} <= codes
    # A valid file is then refused for quota, and no scored row is added.
    assert post(client, alice, predictions(0.2)).status_code == 429
    with sessions() as s:
        statuses = sorted(s.scalars(select(Submission.status)))
    assert statuses == ["invalid", "scored", "scored"]
