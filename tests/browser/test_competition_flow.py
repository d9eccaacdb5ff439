"""A learner and an organizer in a real browser: host, join, fail, fix, score, rank, finalize."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from browser_support import PASSWORD, sign_in
from playwright.sync_api import expect

from competitions.db import make_session_factory

pytestmark = pytest.mark.browser

SOLUTION = "id,target,Usage\n" + "".join(
    f"{i},{i % 2},{'Public' if i < 4 else 'Private'}\n" for i in range(10))




def _sign_out(page) -> None:
    page.locator("form[action$='/signout'] button").click()


def _host(page, tmp_path) -> None:
    solution = tmp_path / "solution.csv"
    solution.write_text(SOLUTION)
    train = tmp_path / "train.csv"
    train.write_text("id,x,target\n100,1,0\n101,2,1\n")
    page.goto("/organize/new")
    page.locator("input[name=title]").fill("Parity")
    page.locator("input[name=slug]").fill("parity")
    page.locator("textarea[name=description_md]").fill("Guess **odd** ids.")
    page.locator("select[name=metric]").select_option("log_loss")
    start = datetime.now(timezone.utc) - timedelta(days=1)
    page.locator("input[name=start_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=deadline_at]").fill((start + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=solution]").set_input_files(str(solution))
    page.locator("input[name=files]").set_input_files([str(train)])
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Parity")
    expect(page.locator("body")).to_contain_text("4 public, 6 private")
    # The form saves a draft: learners see it once it is published.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button", has_text="Publish").click()
    expect(page.locator(".flash.success")).to_contain_text("Published")


def test_learner_sees_every_problem_then_a_score_and_a_rank(page, make_user, tmp_path):
    make_user("olga", PASSWORD, role="organizer")
    make_user("lena", PASSWORD)
    sign_in(page, "olga")
    _host(page, tmp_path)
    _sign_out(page)

    sign_in(page, "lena")
    page.goto("/c/parity")
    expect(page.locator("main strong")).to_contain_text("odd")  # Markdown rendered
    page.locator("form.join button").click()
    expect(page).to_have_url(re.compile(r"/c/parity$"))  # the browser holds the form: rules not accepted
    page.locator("input[name=accept_rules]").check()
    page.locator("form.join button").click()
    expect(page).to_have_url(re.compile(r"/c/parity/submit$"))
    expect(page.locator(".quota")).to_contain_text("5 of 5")

    bad = tmp_path / "bad.csv"
    bad.write_text("id,target\n0,0.2\n1,1.7\n2,oops\n")
    page.locator("input[name=file]").set_input_files(str(bad))
    page.locator("main form button[value=submit]").click()
    problems = page.locator("ul.problems li")
    expect(problems.filter(has_text="missing_ids")).to_have_count(1)
    expect(problems.filter(has_text="out_of_range")).to_contain_text("row 3")
    expect(problems.filter(has_text="not_a_number")).to_contain_text("oops")
    expect(page.locator(".quota")).to_contain_text("5 of 5")  # an invalid file uses no quota

    good = tmp_path / "good.csv"
    good.write_text("id,target\n" + "".join(f"{i},{0.9 if i % 2 else 0.1}\n" for i in range(10)))
    page.locator("input[name=file]").set_input_files(str(good))
    page.locator("input[name=description]").fill("parity guess")
    page.locator("main form button[value=submit]").click()
    expect(page.locator(".flash.success")).to_contain_text("public score 0.10536")
    expect(page.locator("table.submissions")).to_contain_text("parity guess")

    page.goto("/c/parity/leaderboard")
    row = page.locator("table.leaderboard tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("lena")
    expect(row.first).to_contain_text("0.10536")
    assert not page.problems.page_errors and not page.problems.csp_violations


def test_organizer_finalize_asks_for_confirmation(page, make_user, tmp_path, engine):
    make_user("olga", PASSWORD, role="organizer")
    sign_in(page, "olga")
    _host(page, tmp_path)
    # Move the deadline into the past so finalizing is allowed.
    with make_session_factory(engine)() as s:
        from competitions.catalog import get_competition

        c = get_competition(s, "parity")
        c.deadline_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        s.commit()
    page.goto("/organize/parity")
    button = page.locator("form[action$='/finalize'] button")
    page.once("dialog", lambda dialog: dialog.dismiss())
    button.click()
    expect(page.locator(".badge.closed").first).to_be_visible()  # dismissed: nothing changed
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    expect(page.locator(".flash.success")).to_contain_text("Finalized")
    page.goto("/c/parity/leaderboard?board=private")
    expect(page.locator("h1 .badge")).to_have_text("finalized")
