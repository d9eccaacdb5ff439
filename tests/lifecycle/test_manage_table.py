"""The Manage tab's submissions table: filters, pages, one disqualify action per row (a dialog, or a page
without JavaScript) and reinstating a single submission, in the web pages and the API alike."""
from __future__ import annotations

import re
from datetime import date, timedelta

from lifecycle_support import AFTER, DURING, predictions
from sqlalchemy import select

from competitions import catalog, moderation
from competitions.errors import Conflict, Frozen
from competitions.models import AuditEntry, Team

O = "/organize/house-prices"
A = "/api/v1/competitions/house-prices"


def signed_in(app, login, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def row_ids(html: str) -> list[int]:
    table = html[html.index('class="submissions-table"'):html.index("</table>", html.index('class="submissions-table"'))]
    return [int(i) for i in re.findall(r"<tr>\s*<td>(\d+)</td>", table)]


def test_filters_and_pages(app, people, login, make_competition, join, submit, clock):
    competition = make_competition(people.org, daily_limit=50)
    alice_team, bob_team = join(competition, people.alice), join(competition, people.bob)
    ids = {"alice": [], "bob": []}
    for i in range(27):
        ids["alice"].append(submit(competition, people.alice, predictions(0.1 + i / 100), DURING + timedelta(minutes=i)).id)
    for i in range(3):
        ids["bob"].append(submit(competition, people.bob, predictions(0.5), DURING + timedelta(days=1, minutes=i)).id)
    org = signed_in(app, login, "org")

    first = org.get(O).get_data(as_text=True)
    newest_first = sorted(ids["alice"] + ids["bob"], reverse=True)
    assert row_ids(first) == newest_first[:25] and "Page 1 of 2" in first and "(30)" in first
    second = org.get(f"{O}?page=2").get_data(as_text=True)
    assert row_ids(second) == newest_first[25:] and "Page 2 of 2" in second
    assert row_ids(org.get(f"{O}?page=99").get_data(as_text=True)) == newest_first[25:]  # clamped, not an error

    by_team = org.get(f"{O}?team={bob_team.id}").get_data(as_text=True)
    assert row_ids(by_team) == sorted(ids["bob"], reverse=True) and "Page 1 of" not in by_team
    day = (DURING + timedelta(days=1)).date().isoformat()
    assert row_ids(org.get(f"{O}?day={day}").get_data(as_text=True)) == sorted(ids["bob"], reverse=True)
    assert "No submission matches these filters." in org.get(f"{O}?status=invalid").get_data(as_text=True)
    # Nonsense filters are left out rather than refused.
    assert row_ids(org.get(f"{O}?team=abc&status=nope&day=someday&page=x").get_data(as_text=True)) == newest_first[:25]

    # Domain: the same filters, the disqualified ones among them.
    with app.app_context():
        from webapp.db import get_session

        s = get_session()
        c = catalog.get_competition(s, "house-prices")
        moderation.disqualify_submission(s, c, s.merge(people.org), ids["alice"][0], "copied", DURING)
        s.commit()
        page = moderation.submissions_page(s, c, moderation.SubmissionFilter(status="disqualified"))
        assert [r.id for r in page.rows] == [ids["alice"][0]] and (page.total, page.pages) == (1, 1)
        page = moderation.submissions_page(s, c, moderation.SubmissionFilter(
            team_id=alice_team.id, day=date(2030, 1, 10)), page=2, size=10)
        assert page.total == 27 and page.pages == 3 and len(page.rows) == 10


def test_one_disqualify_action_per_row_with_a_dialog_and_a_page_without_script(app, people, login,
                                                                                make_competition, join, submit,
                                                                                clock, sessions):
    competition = make_competition(people.org)
    team = join(competition, people.alice)
    sub = submit(competition, people.alice, predictions(0.2))
    org = signed_in(app, login, "org")
    html = org.get(O).get_data(as_text=True)
    table = html[html.index('class="submissions-table"'):html.index("</table>", html.index('class="submissions-table"'))]
    assert table.count("Disqualify…") == 1 and "DQ team" not in table
    assert f'href="{O}/submissions/{sub.id}/disqualify"' in table and f'data-dq-dialog="{sub.id}"' in table
    assert '<dialog id="dq-dialog"' in html and 'id="dq-reason"' in html and 'name="reason"' in html
    assert "organizer.js" in html

    # Without JavaScript the link opens a page that asks for the reason; the filters come back after.
    confirm = org.get(f"{O}/submissions/{sub.id}/disqualify?team={team.id}")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and f"Disqualify submission {sub.id}?" in page and 'name="reason"' in page
    assert f'action="{O}/submissions/{sub.id}/disqualify?team={team.id}"' in page
    no_reason = org.post(f"{O}/submissions/{sub.id}/disqualify?team={team.id}", data={"reason": ""})
    assert no_reason.status_code == 303
    done = org.post(f"{O}/submissions/{sub.id}/disqualify?team={team.id}", data={"reason": "Copied from a kernel"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"{O}?team={team.id}")
    html = org.get(O).get_data(as_text=True)
    assert "DQ: Copied from a kernel" in html and "Reinstate</button>" in html
    again = org.get(f"{O}/submissions/{sub.id}/disqualify").get_data(as_text=True)
    assert "Already disqualified: Copied from a kernel" in again
    with sessions() as s:
        assert s.get(Team, team.id).best_public_score is None


def test_an_organizer_reinstates_a_single_submission(app, people, login, make_competition, join, submit, clock,
                                                     sessions, bearer, client):
    competition = make_competition(people.org)
    team = join(competition, people.alice)
    good = submit(competition, people.alice, predictions(0.1))
    worse = submit(competition, people.alice, predictions(0.4), DURING + timedelta(minutes=1))
    org_api = bearer(people.org)

    dq = client.post(f"{A}/submissions/{good.id}/disqualify", headers=org_api, json={"reason": "leak"})
    assert dq.status_code == 200
    with sessions() as s:
        assert abs(s.get(Team, team.id).best_public_score - 0.4) < 1e-3  # the standing fell back to the worse one
    assert client.post(f"{A}/submissions/{good.id}/reinstate", headers=bearer(people.alice)).status_code == 403

    org = signed_in(app, login, "org")
    done = org.post(f"{O}/submissions/{good.id}/reinstate", follow_redirects=True)
    assert f"Submission {good.id} reinstated." in done.get_data(as_text=True)
    with sessions() as s:
        assert abs(s.get(Team, team.id).best_public_score - 0.1) < 1e-3  # standings recomputed
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.action == "reinstate_submission" and entry.details["submission_id"] == good.id
        assert entry.details["disqualified_for"] == "leak"
    # Reinstating what is not disqualified is a conflict, in the API and on the page.
    again = client.post(f"{A}/submissions/{good.id}/reinstate", headers=org_api)
    assert again.status_code == 409 and "is not disqualified" in again.get_json()["message"]
    assert "is not disqualified" in org.post(f"{O}/submissions/{worse.id}/reinstate",
                                             follow_redirects=True).get_data(as_text=True)
    assert client.post(f"{A}/submissions/999999/reinstate", headers=org_api).status_code == 404

    # Final means final: 409 after finalize, like disqualifying.
    assert client.post(f"{A}/submissions/{worse.id}/disqualify", headers=org_api,
                       json={"reason": "late trick"}).status_code == 200
    clock.now = AFTER
    assert client.post(f"{A}/finalize", headers=org_api).status_code == 200
    frozen = client.post(f"{A}/submissions/{worse.id}/reinstate", headers=org_api)
    assert frozen.status_code == 409 and frozen.get_json()["error"] == "finalized"
    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        try:
            moderation.reinstate_submission(s, c, s.merge(people.org), worse.id, AFTER)
            raise AssertionError("reinstated after finalize")
        except Frozen:
            pass
    html = org.get(O).get_data(as_text=True)
    assert "Reinstate</button>" not in html and "Disqualify…" not in html


def test_reinstate_refuses_a_submission_that_is_not_disqualified(sessions, people, make_competition, join, submit,
                                                                 clock):
    competition = make_competition(people.org)
    join(competition, people.alice)
    sub = submit(competition, people.alice, predictions(0.3))
    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        try:
            moderation.reinstate_submission(s, c, s.merge(people.org), sub.id, DURING)
            raise AssertionError("reinstated a submission that counts")
        except Conflict as exc:
            assert "is not disqualified" in exc.message
