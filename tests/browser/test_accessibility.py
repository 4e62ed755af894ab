"""Keyboard use and 200% zoom: the institution's pages without a mouse, and without sideways
scrolling when the text is twice as large."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveApp, login


def _no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_signing_in_and_starting_a_draft_with_the_keyboard_alone(
    page: Page, live_app: LiveApp
) -> None:
    with live_app.data() as make:
        live_app.user(make, "applicant", email="keys.applicant@example.mx", name="Kim Keys",
                      institution="Instituto Ficticio del Teclado")
        make.call(code="KEYS-2026", title="Keyboard call")
    page.goto("/auth/login")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Email").focus()
    page.keyboard.type("keys.applicant@example.mx")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    # Every control of the home page is reachable by Tab, each with a visible name.
    names = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        names.add(page.evaluate(
            "(document.activeElement.innerText || document.activeElement.value || '').trim()"))
    assert any(name.startswith("Start a proposal") for name in names), names


def test_pages_reflow_at_200_percent_zoom(page: Page, live_app: LiveApp) -> None:
    with live_app.data() as make:
        live_app.user(make, "applicant", email="zoom.applicant@example.mx", name="Zoe Zoom",
                      institution="Instituto Ficticio de la Lupa")
    # 200% zoom on a 1280 px screen lays the page out in 640 CSS pixels.
    page.set_viewport_size({"width": 640, "height": 900})
    page.goto("/auth/login")
    assert _no_sideways_scroll(page)
    login(page, "zoom.applicant@example.mx")
    page.goto("/institution/")
    assert _no_sideways_scroll(page)
