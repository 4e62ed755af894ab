"""Browser tests: evalflow served on a free local port, driven by headless Chromium.

One live server per test session: a fresh instance folder, the schema built by the
migrations, the app served by werkzeug in a background thread (CSRF protection ON, as in
production), data created through the services on the same database, and Playwright
driving Debian's `/usr/bin/chromium` (never a downloaded browser).

Screenshots of the main pages are taken on every run; they replace the ones in
`docs/screenshots/` when EVALFLOW_SCREENSHOTS=1, and go to a temporary folder otherwise (the
pages show today's dates, so every run would change the committed images).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import BaseWSGIServer, make_server

from config import TestingConfig
from evalflow import create_app
from evalflow.auth.models import User
from evalflow.auth.services import create_user
from evalflow.extensions import db
from tests.factories import Factory
from tests.live_server import HOST, free_port

try:  # the `test` extra installs it; without it the folder is skipped, not broken
    from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None  # type: ignore[assignment]

# Debian's package; EVALFLOW_CHROMIUM may name another binary (never a downloaded one).
CHROMIUM = Path(os.environ.get("EVALFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-gpu",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SCREENSHOTS = (
    REPO_ROOT / "docs" / "screenshots"
    if os.environ.get("EVALFLOW_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "evalflow-screenshots"
)
PASSWORD = "browser-pass-123"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder `browser`; skip them all when Chromium is missing."""
    reason = None
    if sync_playwright is None:
        reason = "the Python package playwright is not installed (pip install -e '.[test]')"
    elif not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it"
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


class BrowserConfig(TestingConfig):
    """The test settings with CSRF protection on: the browser submits real forms."""

    __test__ = False

    def __init__(self, instance: Path) -> None:
        super().__init__(instance, f"sqlite:///{instance / 'browser.sqlite3'}")
        self.WTF_CSRF_ENABLED = True


@dataclass
class LiveApp:
    """The served app, its address, and a way to create data on its database."""

    app: Flask
    origin: str
    instance: Path

    def url(self, path: str) -> str:
        """An absolute URL on the live server."""
        return f"{self.origin}{path}"

    @contextmanager
    def data(self) -> Iterator[Factory]:
        """An app context on the served database, with the test factories.

        Leave the block before driving the browser: the session is removed on exit, so no
        SQLite transaction stays open while the server writes.
        """
        with self.app.app_context():
            try:
                yield Factory(self.app)
            finally:
                db.session.rollback()
                db.session.remove()

    def user(self, make: Factory, role: str, *, email: str, name: str,
             institution: str | None = None) -> User:
        """A user with the shared test password who reads the pages in English."""
        user = create_user(db.session, email=email, name=name, role=role,
                           institution=institution, password=PASSWORD)
        user.locale = "en"
        db.session.commit()
        return user

    def cli(self, *args: str) -> str:
        """Run a `flask --app evalflow` command in-process against the served database."""
        result = self.app.test_cli_runner().invoke(args=list(args))
        if result.exit_code != 0:
            raise AssertionError(f"flask {' '.join(args)} exited {result.exit_code}:\n"
                                 f"{result.output}\n{result.exception!r}")
        return result.output


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """evalflow on 127.0.0.1:<free port>, schema from the migrations, CSRF on."""
    instance = tmp_path_factory.mktemp("browser-instance")
    app = create_app(BrowserConfig(instance))
    with app.app_context():
        upgrade()
        db.session.remove()
    port = free_port()
    server: BaseWSGIServer = make_server(HOST, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveApp(app=app, origin=f"http://{HOST}:{port}", instance=instance)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright."""
    if sync_playwright is None or not CHROMIUM.exists():  # pragma: no cover
        pytest.skip("Chromium or playwright is missing")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=30_000,
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) that asks for English, desktop-sized."""
    ctx = browser.new_context(
        base_url=live_app.origin, locale="en-US", viewport=DESKTOP, accept_downloads=True,
        extra_http_headers={"Accept-Language": "en"},
    )
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext, live_app: LiveApp) -> Iterator[Page]:
    """A page in its own browser profile. At the end, the test fails if the server answered
    any request with an error (5xx) or a page's own script or stylesheet was missing."""
    new_page = context.new_page()
    problems: list[str] = []

    def check(response: Response) -> None:
        asset = response.url.startswith(live_app.url("/static/"))
        if response.status >= 500 or (asset and response.status >= 400):
            problems.append(f"{response.status} {response.request.method} {response.url}")

    new_page.on("response", check)
    yield new_page
    assert not problems, f"the server answered with errors: {problems}"


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait to land on the role's home page."""
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def screenshot(page: Page, name: str, *, phone: bool = False) -> Path:
    """Save a full-page PNG of what the page shows now as `<SCREENSHOTS>/<name>.png`.

    With `phone`, the page is captured at 390 px wide and the desktop size is restored after.
    """
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"screenshot names are lower-case words with dashes: {name!r}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    before = page.viewport_size or DESKTOP
    if phone:
        page.set_viewport_size(PHONE)
    try:
        page.screenshot(path=str(target), full_page=True, animations="disabled")
    finally:
        if phone:
            page.set_viewport_size(before)
    return target


def write_file(folder: Path, name: str, data: bytes) -> Path:
    """Write bytes to a file for upload and return its path."""
    path = folder / name
    path.write_bytes(data)
    return path
