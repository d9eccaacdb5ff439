"""Steps the browser tests share: signing in, and screenshots that also check for sideways overflow."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

PASSWORD = "a long enough password"
SIZES = {"wide": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def sign_in(page, username: str) -> None:
    page.goto("/signin")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("nav .me")).to_have_text(username)


def shoot(page, name: str, shots: Path) -> None:
    """Screenshots at both sizes; at each, nothing may stick out sideways."""
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {label} width overflows by {overflow}px"
    page.set_viewport_size(SIZES["wide"])
