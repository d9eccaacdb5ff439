"""Drafts: the web form saves one, only its organizers and admins see it, a button publishes it, and
an unpublished draft can be deleted. The API keeps its contract unless the metadata says "draft": true."""
from __future__ import annotations

import io
import json
from datetime import timedelta

from lifecycle_support import (
    AFTER,
    DEADLINE,
    DURING,
    START,
    TEST_CSV,
    TRAIN_CSV,
    metadata,
    multipart_competition,
    predictions,
    solution_csv,
)
from sqlalchemy import func, select

from competitions import catalog, drafts, lifecycle
from competitions.errors import Conflict, Forbidden
from competitions.models import AuditEntry, Competition, CompetitionFile, Solution

A = "/api/v1/competitions"


def host_form(slug: str = "house-prices", **overrides) -> dict:
    form = {"title": "House prices", "slug": slug, "subtitle": "", "description_md": "d", "rules_md": "r",
            "metric": "rmse", "metric_params": "", "id_column": "id", "start_at": "2030-01-01T00:00",
            "deadline_at": "2030-02-01T00:00", "daily_limit": "5", "total_limit": "", "final_selections": "2",
            "visibility": "public", "public_fraction": "0.3", "seed": "0",
            "solution": (io.BytesIO(solution_csv()), "solution.csv"),
            "files": [(io.BytesIO(TRAIN_CSV), "train.csv"), (io.BytesIO(TEST_CSV), "test.csv")]}
    form.update(overrides)
    return form


def signed_in(app, login, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def test_the_web_form_saves_a_draft_that_only_its_managers_see(app, people, login, bearer, clock):
    org, alice, admin, org2 = (signed_in(app, login, n) for n in ("org", "alice", "root", "org2"))
    created = org.post("/organize/new", data=host_form(), content_type="multipart/form-data")
    assert created.status_code == 302 and created.headers["Location"].endswith("/organize/house-prices")
    manage = org.get("/organize/house-prices").get_data(as_text=True)
    assert "Draft: only you and admins see it" in manage and 'action="/organize/house-prices/publish"' in manage

    # Pages, the API, the list: a draft looks like nothing at all to anyone else, though its start has passed.
    for client in (alice, org2, app.test_client()):
        assert client.get("/c/house-prices").status_code == 404
        assert "House prices" not in client.get("/").get_data(as_text=True)
    for user in (people.alice, people.org2):
        headers = bearer(user)
        assert app.test_client().get(f"{A}/house-prices", headers=headers).status_code == 404
        assert app.test_client().post(f"{A}/house-prices/join", headers=headers).status_code == 404
        assert app.test_client().get(A, headers=headers).get_json() == []
    # Its organizer and admins see it, in the draft state, listed for them.
    for client, user in ((org, people.org), (admin, people.admin)):
        assert client.get("/c/house-prices").status_code == 200
        detail = app.test_client().get(f"{A}/house-prices", headers=bearer(user)).get_json()
        assert detail["state"] == "draft" and detail["published_at"] is None
        assert [c["slug"] for c in app.test_client().get(A, headers=bearer(user)).get_json()] == ["house-prices"]

    # Publishing: learners see it at once (the clock is past its start), and it opens.
    assert alice.post("/organize/house-prices/publish").status_code == 403
    published = org.post("/organize/house-prices/publish", follow_redirects=True)
    assert "Published: learners can see it, and it opens now." in published.get_data(as_text=True)
    assert alice.get("/c/house-prices").status_code == 200
    assert app.test_client().get(f"{A}/house-prices", headers=bearer(people.alice)).get_json()["state"] == "open"
    assert alice.post("/c/house-prices/join", data={"accept_rules": "y"}).status_code == 302
    again = org.post("/organize/house-prices/publish", follow_redirects=True)
    assert "already published" in again.get_data(as_text=True)


def test_publish_records_an_audit_entry_and_waits_for_the_start(app, people, sessions, clock, storage):
    from competitions import hosting
    from competitions.spec import parse_spec

    clock.now = START - timedelta(days=3)
    with sessions() as s:
        owner = s.merge(people.org)
        created = hosting.create_competition(s, storage, owner, parse_spec(metadata()), io.BytesIO(solution_csv()),
                                             [], clock.now, draft=True).competition
        assert created.state_at(clock.now).value == "draft" and drafts.is_unpublished(created)
        # A draft stays a draft whatever the clock says.
        assert created.state_at(DURING).value == "draft" and created.state_at(AFTER).value == "draft"
        assert lifecycle.finalize_blocker(created, AFTER) == "A draft cannot be finalized: publish it first, or delete it."
        try:
            drafts.publish(s, created, s.merge(people.alice), clock.now)
            raise AssertionError("a learner published")
        except Forbidden:
            pass
        drafts.publish(s, created, owner, clock.now)
        s.commit()
        assert created.published_at == clock.now
        # Published before its start: still unseen until the start, then open.
        assert created.state_at(clock.now).value == "draft" and created.state_at(DURING).value == "open"
        steps = drafts.timeline(created, DURING)
        assert [(st.state, st.status) for st in steps] == [
            ("draft", "done"), ("open", "current"), ("closed", "upcoming"), ("finalized", "upcoming")]
        entry = s.scalar(select(AuditEntry).where(AuditEntry.competition_id == created.id))
        assert (entry.action, entry.actor_id) == ("publish", people.org.id)


def test_a_draft_whose_deadline_passed_must_move_it_before_publishing(sessions, people, storage, clock):
    from competitions import hosting
    from competitions.spec import parse_spec

    with sessions() as s:
        c = hosting.create_competition(s, storage, s.merge(people.org), parse_spec(metadata()),
                                       io.BytesIO(solution_csv()), [], DURING, draft=True).competition
        assert "move the deadline" in drafts.publish_blocker(c, DEADLINE)
        try:
            drafts.publish(s, c, s.merge(people.org), DEADLINE + timedelta(hours=1))
            raise AssertionError("published after its deadline")
        except Conflict as exc:
            assert "move the deadline" in exc.message


def test_a_draft_can_be_deleted_after_a_confirmation_and_a_published_one_cannot(app, people, login, sessions,
                                                                               make_competition, clock):
    org, alice = signed_in(app, login, "org"), signed_in(app, login, "alice")
    assert org.post("/organize/new", data=host_form("doomed"), content_type="multipart/form-data").status_code == 302
    confirm = org.get("/organize/doomed/delete")
    assert confirm.status_code == 200 and "Yes, delete the draft" in confirm.get_data(as_text=True)
    assert alice.get("/organize/doomed/delete").status_code == 403
    assert alice.post("/organize/doomed/delete").status_code == 403
    deleted = org.post("/organize/doomed/delete", follow_redirects=True)
    assert deleted.status_code == 200 and "Deleted the draft House prices." in deleted.get_data(as_text=True)
    with sessions() as s:
        assert s.scalar(select(func.count(Competition.id))) == 0
        assert s.scalar(select(func.count(CompetitionFile.id))) == 0
        assert s.scalar(select(func.count(Solution.id))) == 0
    assert org.get("/organize/doomed").status_code == 404

    make_competition(people.org)  # published, as the API and bundles make them
    page = org.get("/organize/house-prices/delete").get_data(as_text=True)
    assert "only a draft can be deleted" in page and "Yes, delete" not in page
    refused = org.post("/organize/house-prices/delete", follow_redirects=True)
    assert "Only a draft can be deleted" in refused.get_data(as_text=True)
    with sessions() as s:
        assert catalog.get_competition(s, "house-prices") is not None


def test_the_api_keeps_its_contract_unless_the_metadata_asks_for_a_draft(client, people, bearer, clock):
    org, alice = bearer(people.org), bearer(people.alice)
    plain = client.post(A, headers=org, data=multipart_competition(metadata("plain")))
    assert plain.status_code == 201 and plain.get_json()["state"] == "open"
    assert plain.get_json()["published_at"] == DURING.isoformat()
    assert client.get(f"{A}/plain", headers=alice).status_code == 200

    drafted = client.post(A, headers=org, data=multipart_competition(metadata("drafted", draft=True)))
    assert drafted.status_code == 201 and drafted.get_json()["state"] == "draft"
    assert client.get(f"{A}/drafted", headers=alice).status_code == 404
    assert client.post(f"{A}/drafted/publish", headers=alice).status_code == 404  # as if it did not exist
    assert client.post(f"{A}/drafted/publish", headers=bearer(people.org2)).status_code == 404
    published = client.post(f"{A}/drafted/publish", headers=org)
    assert published.status_code == 200 and published.get_json()["state"] == "open"
    assert client.get(f"{A}/drafted", headers=alice).status_code == 200
    twice = client.post(f"{A}/drafted/publish", headers=org)
    assert twice.status_code == 409 and "already published" in twice.get_json()["message"]
    log = client.get(f"{A}/drafted/audit", headers=org).get_json()
    assert [e["action"] for e in log] == ["publish"]

    for bad in ("yes", 1, None):
        refused = client.post(A, headers=org, data=multipart_competition(metadata("bad-draft", draft=bad)))
        assert refused.status_code == 400 and refused.get_json()["field"] == "draft", bad
    explicit = client.post(A, headers=org, data=multipart_competition(metadata("not-draft", draft=False)))
    assert explicit.status_code == 201 and explicit.get_json()["state"] == "open"


def test_learners_cannot_submit_to_a_draft_even_with_a_token(client, people, bearer, clock):
    org, alice = bearer(people.org), bearer(people.alice)
    client.post(A, headers=org, data=multipart_competition(metadata("quiet", draft=True)))
    upload = {"file": (io.BytesIO(predictions(0.1)), "p.csv")}
    assert client.post(f"{A}/quiet/submissions", headers=alice, data=upload).status_code == 404
    assert client.post(f"{A}/quiet/validate", headers=alice,
                       data={"file": (io.BytesIO(predictions(0.1)), "p.csv")}).status_code == 404


def test_the_manage_tab_shows_the_state_timeline_with_close_and_finalize(app, people, login, make_competition,
                                                                         clock):
    make_competition(people.org)
    org = signed_in(app, login, "org")
    page = org.get("/organize/house-prices").get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">'):page.index("</ol>")]
    assert [s for s in ("draft", "open", "closed", "finalized") if f'badge {s}' in timeline] == [
        "draft", "open", "closed", "finalized"]
    assert 'aria-current="step"' in timeline.split('badge open')[0].rsplit("<li", 1)[1]
    assert "Close now…" in page and "Finalize and reveal the private leaderboard…" in page
    assert 'data-confirm-post="Close the competition now?' in page
    # Without JavaScript the buttons open confirmation pages; finalizing before the deadline is refused there.
    finalize = org.get("/organize/house-prices/finalize").get_data(as_text=True)
    assert "only after its deadline" in finalize and "Yes, finalize" not in finalize
    clock.now = AFTER
    finalize = org.get("/organize/house-prices/finalize").get_data(as_text=True)
    assert "Yes, finalize" in finalize and 'action="/organize/house-prices/finalize"' in finalize
    assert org.post("/organize/house-prices/finalize").status_code == 303
    page = org.get("/organize/house-prices").get_data(as_text=True)
    assert "Finalize and reveal" not in page and "Close now" not in page


def test_existing_competitions_count_as_published_after_the_migration(fresh_db_url, alembic_config):
    from alembic import command
    from sqlalchemy import text

    from competitions.db import make_engine

    cfg = alembic_config(fresh_db_url)
    command.upgrade(cfg, "0010")
    engine = make_engine(fresh_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, username, username_key, password_hash, role, created_at) "
                              "VALUES (1, 'o', 'o', 'x', 'organizer', '2030-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO competitions (id, slug, title, subtitle, description_md, rules_md, owner_id, metric, "
                "metric_params, id_column, start_at, deadline_at, daily_limit, final_selections, max_team_size, "
                "visibility, invite_token, data_open, practice, created_at, updated_at) VALUES (1, 'old', 'Old', "
                "'', '', '', 1, 'rmse', '{}', 'id', '2030-01-01 00:00:00', '2030-02-01 00:00:00', 5, 2, 5, "
                "'public', 't', false, false, '2029-12-01 10:00:00', '2029-12-01 10:00:00')"))
        command.upgrade(cfg, "0011")
        with engine.connect() as conn:
            assert str(conn.scalar(text("SELECT published_at FROM competitions WHERE id = 1")))[:19] == \
                "2029-12-01 10:00:00"
        command.downgrade(cfg, "0010")
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM competitions")) == 1
    finally:
        engine.dispose()


def test_the_form_metadata_draft_key_is_documented(app):
    from webapp.openapi import document

    doc = json.dumps(document())
    assert "/competitions/{slug}/publish" in doc and "/competitions/{slug}/submissions/{submission_id}/reinstate" in doc
