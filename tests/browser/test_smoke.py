"""Smoke tests in a real browser: sign up, sign out, sign in, and a clean console."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def _nav_with(page, text: str):
    return page.locator("nav").filter(has_text=text).first


def _assert_clean(problems) -> None:
    report = ([f"CSP violation: {p}" for p in problems.csp_violations]
              + [f"console error: {p}" for p in problems.console_errors]
              + [f"uncaught exception: {p}" for p in problems.page_errors])
    assert not report, "the browser reported problems:\n  " + "\n  ".join(report)


def _sign_up(page, username: str) -> None:
    page.goto("/signup")
    form = page.locator("form:has(input[name=confirm])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=email]").fill(f"{username}@example.org")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=confirm]").fill(PASSWORD)
    form.locator("button[type=submit], input[type=submit]").first.click()


def _sign_out(page) -> None:
    page.locator("form[action$='/signout'] button[type=submit], "
                 "form[action$='/signout'] input[type=submit]").first.click()


def test_sign_up_sign_out_and_sign_in_again(page):
    _sign_up(page, "smoke_user")

    expect(page).not_to_have_url(re.compile(r"/signup"))
    expect(_nav_with(page, "smoke_user")).to_be_visible()

    _sign_out(page)
    expect(page.locator("nav").first).not_to_contain_text("smoke_user")
    expect(page.locator("nav a[href$='/signin']").first).to_be_visible()

    page.goto("/signin")
    form = page.locator("form:has(input[name=password])").filter(has=page.locator("input[name=username]"))
    form.locator("input[name=username]").fill("smoke_user")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit], input[type=submit]").first.click()
    expect(_nav_with(page, "smoke_user")).to_be_visible()

    response = page.goto("/profile")
    assert response is not None and response.status == 200
    expect(page.locator("body")).to_contain_text("smoke_user")


def test_wrong_password_is_refused_with_a_message(page, make_user):
    make_user("wrong_pw_user", PASSWORD)
    page.goto("/signin")
    page.locator("input[name=username]").fill("wrong_pw_user")
    page.locator("input[name=password]").fill("not the password")
    page.locator("form:has(input[name=password]) button[type=submit]").first.click()
    expect(page.locator("body")).to_contain_text("Unknown username or wrong password")
    expect(page.locator("nav").first).not_to_contain_text("wrong_pw_user")


@pytest.mark.parametrize("path", ["/", "/signup", "/signin"])
def test_page_loads_without_console_errors_or_csp_violations(page, page_problems, path):
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    page.wait_for_load_state("networkidle")
    _assert_clean(page_problems)


def test_signed_in_pages_have_a_clean_console(page, page_problems):
    _sign_up(page, "console_user")
    expect(_nav_with(page, "console_user")).to_be_visible()
    for path in ["/", "/profile"]:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    _assert_clean(page_problems)
