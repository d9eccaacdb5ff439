"""A study group end to end in two browsers: the owner creates the group and a season, a learner
joins by the invite link, the owner (a learner site-wide) hosts a group competition through the
form, closes and finalizes it, and both portfolios show their medals, the group page the standings."""
from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser_support import PASSWORD, SIZES, shoot, sign_in
from playwright.sync_api import expect

from competitions import catalog, groups, participation, submitting
from competitions.db import make_session_factory
from competitions.storage import LocalStorage

pytestmark = pytest.mark.browser

SOLUTION = "id,target,Usage\n" + "".join(f"{i},{i % 2},{'Public' if i < 4 else 'Private'}\n" for i in range(10))


def _guess(confidence: float) -> bytes:
    return ("id,target\n" + "".join(f"{i},{confidence if i % 2 else 1 - confidence}\n" for i in range(10))).encode()






def _field_entries(engine, data_dir: Path, entrants: dict) -> None:
    """Five teams enter (max best, peer0 second): with 5 ranked teams rank 1 is silver, 2 bronze."""
    now = datetime.now(timezone.utc)
    storage = LocalStorage(data_dir)
    with make_session_factory(engine)() as s:
        c = catalog.get_competition(s, "first-steps")
        for user, confidence in entrants.items():
            participation.join(s, c, s.merge(user), now)
            s.commit()
            submitting.submit(s, storage, c, s.merge(user), "g.csv", io.BytesIO(_guess(confidence)), "", now)


def test_group_competition_gives_medals_and_standings(browser, page, live_server, make_user, engine, tmp_path):
    shots = Path(os.environ.get("HOLDOUT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    gina = make_user("gina", PASSWORD)
    max_ = make_user("max", PASSWORD)
    others = [make_user(f"peer{i}", PASSWORD) for i in range(4)]
    now = datetime.now(timezone.utc)

    page.set_viewport_size(SIZES["wide"])
    sign_in(page, "gina")
    page.goto("/groups")
    page.locator("input[name=name]").fill("Deep learners")
    page.locator("input[name=slug]").fill("deep")
    page.locator("select[name=visibility]").select_option("private")
    page.locator("textarea[name=description]").fill("We meet on **Thursdays**.")
    page.locator("button", has_text="Create group").click()
    expect(page).to_have_url(re.compile(r"/g/deep$"))
    expect(page.locator(".markdown strong")).to_have_text("Thursdays")
    page.locator("input[name=name]").fill("Spring")
    page.locator("input[name=start]").fill((now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=end]").fill((now + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("button", has_text="Open season").click()
    expect(page.locator(".flash.success")).to_contain_text("Season opened")
    link = page.locator("code.token").first.inner_text().strip()
    assert re.fullmatch(re.escape(live_server.url) + r"/g/deep/join/[A-Za-z0-9_-]{20,}", link), link
    shoot(page, "group-new", shots)

    other = browser.new_context(base_url=live_server.url)
    other.set_default_timeout(10_000)
    mx = other.new_page()
    try:
        sign_in(mx, "max")
        mx.goto(link)
        mx.locator("button", has_text="Join the group").click()
        expect(mx).to_have_url(re.compile(r"/g/deep$"))
        expect(mx.locator(".flash.success")).to_contain_text("Welcome")

        # The owner, a learner site-wide, hosts for the group through the ordinary form.
        with make_session_factory(engine)() as s:
            group = groups.get_group(s, "deep")
            for peer in others:
                groups.set_role(s, group, s.merge(gina), peer.username, "member", now)
            s.commit()
        page.goto("/g/deep")
        page.locator("a", has_text="Host a competition for this group").click()
        page.locator("input[name=title]").fill("First steps")
        page.locator("input[name=slug]").fill("first-steps")
        page.locator("select[name=metric]").select_option("log_loss")
        page.locator("input[name=start_at]").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        page.locator("input[name=deadline_at]").fill((now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
        expect(page.locator("select[name=visibility]")).to_have_value("group")
        expect(page.locator("select[name=group]")).to_have_value("deep")
        page.locator("input[name=solution]").set_input_files(
            files=[{"name": "solution.csv", "mimeType": "text/csv", "buffer": SOLUTION.encode()}])
        page.locator("button", has_text="Save draft").click()
        expect(page).to_have_url(re.compile(r"/organize/first-steps$"))
        # The form saves a draft; the group sees it once it is published.
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("button", has_text="Publish").click()
        expect(page.locator(".flash.success")).to_contain_text("Published")

        # The group's hosts manage its competitions and may not enter them: members compete.
        _field_entries(engine, live_server.data_dir, {max_: 0.9, others[0]: 0.8, others[1]: 0.7, others[2]: 0.6,
                                                       others[3]: 0.55})
        page.goto("/organize/first-steps/close")
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("button", has_text="Yes, close it now").click()
        # Closing sets the deadline to the next whole second; finalizing needs it passed.
        page.wait_for_timeout(1100)
        page.goto("/organize/first-steps")
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("button", has_text="Finalize and reveal").click()
        expect(page.locator("main")).to_contain_text("the results are frozen")

        mx.goto("/u/max")
        expect(mx.locator("table.portfolio tbody tr")).to_have_count(1)
        expect(mx.locator("table.portfolio .medal.silver")).to_have_text("silver")
        expect(mx.locator(".medal-totals")).to_contain_text("1 silver")
        shoot(mx, "portfolio", shots)
        mx.goto("/u/peer0")
        expect(mx.locator("table.portfolio .medal.bronze")).to_have_text("bronze")
    finally:
        other.close()

    page.goto("/g/deep")
    rows = page.locator("table.standings tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("max")
    expect(rows.nth(1)).to_contain_text("peer0")
    expect(page.locator("table.standings svg.sparkline")).to_have_count(5)
    expect(page.locator(".group-competitions")).to_contain_text("won by max")
    shoot(page, "group-page", shots)
    page.goto("/u/peer0/print")
    expect(page.locator("h1")).to_have_text("peer0")
    assert not page.problems.page_errors and not page.problems.csp_violations
