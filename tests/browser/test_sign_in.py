"""Signing in and out in a real browser, and the sign-in page's screenshot."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp, login, screenshot


def test_sign_in_page_signs_in_and_out(page: Page, live_app: LiveApp) -> None:
    """The sign-in page in English refuses a wrong password, then signs a person in and out."""
    with live_app.data() as make:
        live_app.user(make, "officer", email="signin.officer@example.mx", name="Olga Officer")

    page.goto("/")
    expect(page).to_have_url(live_app.url("/auth/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")

    page.get_by_label("Email").fill("signin.officer@example.mx")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("The email or the password is not right.")).to_be_visible()

    login(page, "signin.officer@example.mx")
    expect(page.get_by_role("link", name="Olga Officer")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_app.url("/auth/login"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
