"""Every main page, as each kind of visitor, at 360, 390 and 1280 px wide, on the demo's data.

A page fails on: a console error, a failed request or an HTTP error, a request to another host, any
sideways scroll of the page itself (document.documentElement.scrollWidth > innerWidth), and axe-core
violations of serious or critical impact. Screenshots at 390 and 1280 px go to test-results/pages/.
"""
from __future__ import annotations

import re

import pytest
from browser_support import SCREENSHOTS, VIEWPORTS, Watch, axe_problems, overflow, sign_in
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pages(demo_server) -> dict[str, list[tuple[str, str]]]:
    """(name, path) of the pages each role visits."""
    from competitions.models import Group, Season, Topic, WriteUp
    from webapp.db import get_session

    with demo_server.app.app_context():
        s = get_session()
        # The question whose answer holds a code block.
        topic = s.scalars(select(Topic.id).where(Topic.title == "Should the features be scaled?")).one()
        writeup = s.scalars(select(WriteUp.id)).first()
        group = s.scalars(select(Group.id).where(Group.slug == "ml-study-group")).one()
        season = s.scalars(select(Season.id).where(Season.group_id == group)).first()
    public = [
        ("home", "/"),
        ("overview", "/c/breast-cancer"),
        ("data", "/c/breast-cancer/data"),
        ("leaderboard", "/c/breast-cancer/leaderboard"),
        ("leaderboard-private", "/c/diabetes/leaderboard?board=private"),
        ("discussion", "/c/wine/discussion"),
        ("topic", f"/c/wine/discussion/{topic}"),
        ("writeup", f"/c/wine/solutions/{writeup}"),
        ("groups", "/groups"),
        ("group", "/g/ml-study-group"),
        ("season", f"/g/ml-study-group/seasons/{season}"),
        ("portfolio", "/u/ada"),
        ("api-docs", "/api/docs"),
    ]
    return {
        "anonymous": [*public, ("signin", "/signin"), ("signup", "/signup")],
        "learner": [
            *public,
            ("submit", "/c/breast-cancer/submit"),
            ("submissions", "/c/breast-cancer/submissions"),
            ("team", "/c/digits/team"),
            ("leaderboard-team", "/c/digits/leaderboard"),
            ("notifications", "/notifications"),
            ("profile", "/profile"),
            ("profile-public", "/profile/public"),
        ],
        "organizer": [
            ("home", "/"),
            ("host-new", "/organize/new"),
            ("manage", "/organize/breast-cancer"),
            ("manage-finalized", "/organize/diabetes"),
            ("edit", "/organize/breast-cancer/edit"),
            ("group-settings", "/g/ml-study-group/settings"),
        ],
        "admin": [("admin-users", "/admin/users"), ("leaderboard-admin", "/c/wine/leaderboard")],
    }


USERS = {"learner": "ada", "organizer": "organizer", "admin": "site_admin"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("role", ["anonymous", "learner", "organizer", "admin"])
def test_every_page_is_clean_and_fits(browser, demo_server, pages, role, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A zone other than the server's UTC, as the README's screenshot is taken: times are rewritten.
    context = browser.new_context(base_url=demo_server.url, viewport=VIEWPORTS[viewport], timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = Watch(origin=demo_server.url)
    watch.attach(page)
    report: list[str] = []
    try:
        if role in USERS:
            sign_in(page, USERS[role], demo_server.passwords[USERS[role]])
            page.wait_for_load_state("networkidle")  # a page left mid-load would report aborted requests
        watch.take()
        for name, path in pages[role]:
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            found = [] if response and response.status == 200 else [f"answered {response and response.status}"]
            sideways = overflow(page)
            if sideways > 0:
                found.append(f"overflows sideways by {sideways}px: " + _widest(page))
            found += watch.take()
            found += axe_problems(page)
            if viewport != "360":
                page.screenshot(path=str(SCREENSHOTS / f"{role}-{name}-{viewport}.png"), full_page=True)
            report += [f"{name} ({path}): {problem}" for problem in found]
        if role == "learner" and viewport == "1280":
            # The README's picture (docs/screenshot.png): ada's team board, one 1280x800 screen.
            page.goto("/c/digits/leaderboard")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SCREENSHOTS / "readme-screenshot.png"))
    finally:
        context.close()
    assert not report, f"{role} at {viewport} px:\n  " + "\n  ".join(report)


def _widest(page) -> str:
    """The elements that stick out past the right edge, deepest first, to say what to fix."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 1 && el.children.length === 0) {
                out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
                         + ' right=' + Math.round(r.right));
            }
            if (out.length >= 4) break;
        }
        return out.join('; ');
    }""")


def test_keyboard_skip_link_and_a_visible_focus_ring(browser, demo_server):
    context = browser.new_context(base_url=demo_server.url, viewport=VIEWPORTS["390"])
    page = context.new_page()
    try:
        page.goto("/c/breast-cancer")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        assert skip.evaluate("el => el === document.activeElement"), "the first Tab stop is the skip link"
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0, "the focused skip link is on screen"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        # The next Tab lands inside the content, and what has focus shows a ring.
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement, s = getComputedStyle(el);
            return {inMain: !!el.closest('main'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
        assert focused["inMain"], focused
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
    finally:
        context.close()


def test_wide_tables_scroll_in_their_box_and_keep_rank_and_team_in_view(browser, demo_server):
    """On a phone the private leaderboard scrolls inside its box; scrolled, the rank and team stay put."""
    context = browser.new_context(base_url=demo_server.url, viewport=VIEWPORTS["360"])
    page = context.new_page()
    try:
        page.goto("/c/diabetes/leaderboard?board=private")
        page.wait_for_load_state("networkidle")
        assert overflow(page) <= 0, _widest(page)
        table = page.locator("main table").first
        scroller = table.evaluate_handle("t => t.closest('.table-scroll') || t")
        widths = scroller.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert widths[0] > widths[1], f"the leaderboard fits at 360 px ({widths}); nothing to scroll"
        first_row = table.locator("tbody tr").first
        before = [first_row.locator("td").nth(i).bounding_box()["x"] for i in (0, 1)]
        scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        after = [first_row.locator("td").nth(i).bounding_box()["x"] for i in (0, 1)]
        # Sticky cells stay within a pixel (the table's own border scrolls away under them).
        assert all(abs(a - b) <= 1 for a, b in zip(after, before, strict=True)), \
            f"rank and team moved when the table scrolled: {before} -> {after}"
        third = first_row.locator("td").nth(2).bounding_box()["x"]
        assert third < before[1], "the other columns scrolled under the kept ones"
    finally:
        context.close()


def test_times_read_in_the_viewers_zone_with_relative_words_a_countdown_and_utc_tooltips(browser, demo_server):
    context = browser.new_context(base_url=demo_server.url, timezone_id="Europe/Berlin", locale="en-GB")
    page = context.new_page()
    try:
        page.goto("/c/breast-cancer")
        start = page.locator(".competition-header time:not([data-countdown])").first
        expect(start).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
        expect(start).not_to_have_text(re.compile("UTC"))  # rewritten in the viewer's zone (CET, GMT+1)
        countdown = page.locator(".competition-header time[data-countdown]")
        expect(countdown).to_have_text(re.compile(r"^\d+ d \d+ h left$"))
        expect(countdown).to_have_attribute("title", re.compile(r"UTC\)$"))

        page.goto("/c/wine/discussion")
        activity = page.locator("time[data-relative]").first
        expect(activity).to_have_text(re.compile(r"\bago\b"))
        expect(activity).to_have_attribute("title", re.compile(r"UTC\)$"))
    finally:
        context.close()
