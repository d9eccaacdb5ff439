"""The leaderboard in a real browser, on the demo's data: error bars, the distribution, tie brackets,
the jump to my team (highlighted when targeted), the members column and, after finalize, the shake-up.
At 1280×800 and 390×844 (screenshots to test-results/pages/), no sideways page scroll from 360 px up
(the table scrolls in its own box with rank and team in view), no console error, failed request or
request to another host, and no serious axe-core finding."""
from __future__ import annotations

import pytest
from browser_support import VIEWPORTS, axe_problems, overflow, shoot_widths, sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def board_page(demo_page):
    return demo_page


def _shoot(page, name: str) -> None:
    shoot_widths(page, f"leaderboard-{name}")


def _rank_and_team_in_view(page, width: int) -> None:
    """On a phone the table scrolls in its box; scrolled to its far end, rank and team stay in view."""
    box = page.locator(".board-scroll").first
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    for cell in ("td.rank", "td.team"):
        bounds = page.locator(f"table.board tbody tr >> nth=0 >> {cell}").bounding_box()
        assert bounds is not None and 0 <= bounds["x"] and bounds["x"] + bounds["width"] <= width + 1, (cell, bounds)
    box.evaluate("el => { el.scrollLeft = 0; }")


def test_public_board_with_error_bars_ties_and_my_team(board_page):
    page, watch, server = board_page
    sign_in(page, "learner", server.passwords["learner"])
    page.goto("/c/breast-cancer/leaderboard")
    expect(page.locator("svg.score-hist")).to_be_visible()
    bars = page.locator("table.board svg.ci-bar")
    assert bars.count() >= 4
    assert "95% interval" in bars.first.get_attribute("aria-label")
    expect(page.locator(".tie-key")).to_contain_text("statistically tied")
    expect(page.locator("table.board tr.tie").first).to_be_visible()
    jump = page.locator(".jump a")
    expect(jump).to_contain_text("Jump to my team")
    jump.click()
    target = page.locator("table.board tr:target")
    expect(target).to_have_count(1)
    expect(target).to_contain_text("learner")
    highlighted = target.locator("td.team").evaluate("el => getComputedStyle(el).backgroundColor")
    plain = page.locator("table.board tr:not(:target):not(.tie) td.team").first.evaluate(
        "el => getComputedStyle(el).backgroundColor")
    assert highlighted != plain
    _shoot(page, "public")
    page.set_viewport_size(VIEWPORTS["390"])
    _rank_and_team_in_view(page, 390)
    page.set_viewport_size(VIEWPORTS["360"])
    _rank_and_team_in_view(page, 360)
    page.set_viewport_size(VIEWPORTS["1280"])
    assert axe_problems(page) == []
    assert watch.take() == []


def test_members_column_where_a_team_has_two(board_page):
    page, watch, _ = board_page
    page.goto("/c/digits/leaderboard")
    expect(page.locator("table.board th.members")).to_be_visible()
    expect(page.locator("table.board")).to_contain_text("ada, katherine")
    _shoot(page, "members")
    assert watch.take() == []


def test_the_shake_up_after_finalize(board_page):
    page, watch, _ = board_page
    page.goto("/c/diabetes/leaderboard?board=private")
    chart = page.locator("svg.rank-scatter")
    expect(chart).to_be_visible()
    assert "Public rank against private rank" in chart.get_attribute("aria-label")
    expect(page.locator("table.board thead")).to_contain_text("Δ public")
    _shoot(page, "shakeup")
    page.set_viewport_size(VIEWPORTS["360"])
    page.reload()  # laid out at 360 px from the start, not only resized to it
    assert overflow(page) <= 0, f"the private board loaded at 360 px scrolls sideways by {overflow(page)} px"
    page.set_viewport_size(VIEWPORTS["390"])
    _rank_and_team_in_view(page, 390)
    page.set_viewport_size(VIEWPORTS["1280"])
    assert axe_problems(page) == []
    assert watch.take() == []
