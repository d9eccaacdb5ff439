"""The core flows with JavaScript turned off: sign in, join, upload, see the leaderboard.

Script only enhances (local times, countdowns, copy buttons, confirmations): every form must still post,
and every page must still fit a phone, without it.
"""
from __future__ import annotations

import re

import pytest
from browser_support import SCREENSHOTS, VIEWPORTS, Watch, overflow
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_in_join_upload_and_rank_without_javascript(browser, demo_server, tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=demo_server.url, java_script_enabled=False, viewport=VIEWPORTS["390"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = Watch(origin=demo_server.url)
    watch.attach(page)
    seen: list[str] = []

    def check(name: str) -> None:
        sideways = overflow(page)
        if sideways > 0:
            seen.append(f"{name}: overflows sideways by {sideways}px")
        seen.extend(f"{name}: {problem}" for problem in watch.take())
        page.screenshot(path=str(SCREENSHOTS / f"nojs-{name}-390.png"), full_page=True)

    try:
        # Sign in: a plain form post.
        page.goto("/signin")
        page.locator("input[name=username]").fill("newcomer")
        page.locator("input[name=password]").fill(demo_server.passwords["newcomer"])
        page.locator("main button[type=submit]").click()
        expect(page.locator("nav .me")).to_have_text("newcomer")

        # The overview reads times in UTC, as the server wrote them, and a countdown as of this request.
        page.goto("/c/breast-cancer")
        expect(page.locator(".competition-header time").first).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
        expect(page.locator(".competition-header time.countdown")).to_have_text(re.compile(r"^\d+ d \d+ h left$"))
        check("overview")

        # Join: the rules checkbox is a real <input>, its label a real <label>.
        page.get_by_label("I have read and accept the rules").check()
        page.locator("form.join button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/c/breast-cancer/submit$"))
        check("submit")

        # Upload the sample submission, downloaded with the same session.
        sample = page.request.get("/c/breast-cancer/files/sample_submission.csv")
        assert sample.ok, sample.status
        upload = tmp_path / "sample_submission.csv"
        upload.write_bytes(sample.body())
        page.locator("input[name=file]").set_input_files(str(upload))
        page.locator("input[name=description]").fill("no script needed")
        page.locator("main form button[value=submit]").click()
        expect(page.locator(".flash.success")).to_contain_text("public score")
        expect(page.locator("main")).to_contain_text("no script needed")
        check("submissions")

        # The leaderboard ranks the new team.
        page.goto("/c/breast-cancer/leaderboard")
        expect(page.locator("main table").first).to_contain_text("newcomer")
        check("leaderboard")
    finally:
        context.close()
    assert not seen, "without JavaScript:\n  " + "\n  ".join(seen)
