"""Two learners in two browsers: one makes an invite link on the Team tab, the other opens it,
accepts the rules and the invitation, and the public leaderboard shows one row with both."""
from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser_support import PASSWORD, SIZES, shoot, sign_in
from playwright.sync_api import expect

from competitions import hosting, participation, submitting
from competitions.db import make_session_factory
from competitions.spec import parse_spec
from competitions.storage import LocalStorage

pytestmark = pytest.mark.browser

SOLUTION = "id,target,Usage\n" + "".join(f"{i},{i % 2},{'Public' if i < 4 else 'Private'}\n" for i in range(10))
GUESS = "id,target\n" + "".join(f"{i},{0.9 if i % 2 else 0.1}\n" for i in range(10))




def _competition_with_one_entry(engine, data_dir: Path, owner, learner) -> None:
    """An open competition (real time: the live server's clock is the real one) and one scored entry."""
    now = datetime.now(timezone.utc)
    spec = parse_spec({"title": "Parity", "slug": "parity", "metric": "log_loss", "id_column": "id",
                       "start": (now - timedelta(days=1)).isoformat(), "deadline": (now + timedelta(days=30)).isoformat(),
                       "rules": "Work **together**, share nothing outside the team."})
    storage = LocalStorage(data_dir)
    with make_session_factory(engine)() as s:
        c = hosting.create_competition(s, storage, s.merge(owner), spec, io.BytesIO(SOLUTION.encode()), [],
                                       now).competition
        participation.join(s, c, s.merge(learner), now)
        s.commit()
        submitting.submit(s, storage, c, s.merge(learner), "guess.csv", io.BytesIO(GUESS.encode()), "", now)




def test_an_invite_link_opened_in_a_second_browser_merges_two_learners(browser, page, live_server, make_user,
                                                                       engine, tmp_path):
    shots = Path(os.environ.get("HOLDOUT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    owner = make_user("olga", PASSWORD, role="organizer")
    ana = make_user("ana", PASSWORD)
    make_user("ben", PASSWORD)
    _competition_with_one_entry(engine, live_server.data_dir, owner, ana)

    page.set_viewport_size(SIZES["wide"])
    sign_in(page, "ana")
    page.goto("/c/parity")
    page.locator("nav.tabs a", has_text="Team").click()
    expect(page).to_have_url(re.compile(r"/c/parity/team$"))
    page.locator("button", has_text="Create an invite link").click()
    expect(page.locator(".flash.success")).to_contain_text("Invite link created")
    link = page.locator("ul.invitations code.token").first.inner_text().strip()
    assert re.fullmatch(re.escape(live_server.url) + r"/invitations/[A-Za-z0-9_-]{20,}", link), link
    shoot(page, "team-tab", shots)

    # Ben, in a browser of his own (own cookies), has not joined: the invitation shows the rules first.
    other = browser.new_context(base_url=live_server.url)
    other.set_default_timeout(10_000)
    ben = other.new_page()
    errors: list[str] = []
    ben.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        ben.set_viewport_size(SIZES["wide"])
        sign_in(ben, "ben")
        ben.goto(link)
        expect(ben.locator("h1")).to_have_text("Team invitation")
        expect(ben.locator("main")).to_contain_text("ana invites you to join team ana in Parity")
        expect(ben.locator(".rules strong")).to_have_text("together")  # the rules, rendered
        shoot(ben, "invitation", shots)
        ben.locator("button", has_text="Accept and join").click()
        expect(ben.locator(".field.checkbox .error")).to_contain_text("Accept the rules")
        ben.locator("input[name=accept_rules]").check()
        ben.locator("button", has_text="Accept and join").click()
        expect(ben).to_have_url(re.compile(r"/c/parity/team$"))
        expect(ben.locator(".flash.success")).to_contain_text("member of team ana")
        expect(ben.locator("table.members tbody tr")).to_have_count(2)

        ben.goto("/c/parity/leaderboard")
        rows = ben.locator("table.leaderboard tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td.members")).to_have_text("ana, ben")
        shoot(ben, "leaderboard", shots)  # the members column too: on a phone it scrolls inside the table
        assert not errors
    finally:
        other.close()

    # Ana's Team tab now lists both, and her link is used up.
    page.goto("/c/parity/team")
    expect(page.locator("table.members tbody tr")).to_have_count(2)
    expect(page.locator("ul.invitations")).to_have_count(0)
    expect(page.locator(".callout").first).to_contain_text("The merge reset the final selections")
    shoot(page, "team-tab-merged", shots)
    assert not page.problems.page_errors and not page.problems.csp_violations
