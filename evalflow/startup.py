"""What the app checks and prepares when it starts, and the per-request database set-up."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, request

from evalflow.database import set_write_intent

log = logging.getLogger("evalflow")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def prepare_folders(app: Flask) -> None:
    """Create the instance, files and outbox folders when missing."""
    for key in ("INSTANCE_DIR", "FILES_DIR", "OUTBOX_DIR"):
        app.config[key].mkdir(parents=True, exist_ok=True)


def check_environment(app: Flask) -> None:
    """Refuse to start without a secret in production; warn about slow PDF rendering."""
    if not app.config.get("SECRET_KEY"):
        if app.config.get("PRODUCTION"):
            raise RuntimeError("SECRET_KEY must be set in the environment in production.")
        # Development only: sessions do not survive a restart, which is fine there.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    from evalflow.decisions.letters import harfbuzz_subset_available

    if not harfbuzz_subset_available():
        log.warning(
            "libharfbuzz-subset0 is not installed: WeasyPrint falls back to fontTools and every "
            "letter renders 4-5 times slower. Install it with: apt-get install libharfbuzz-subset0"
        )

    @app.before_request
    def declare_write_intent() -> None:
        view = app.view_functions.get(request.endpoint or "")
        set_write_intent(request.method not in SAFE_METHODS or getattr(view, "writes", False))

    @app.teardown_request
    def forget_write_intent(error: BaseException | None) -> None:
        set_write_intent(False)


def writes(view):  # type: ignore[no-untyped-def]
    """Mark a GET view that may write (issuing a letter on first download)."""
    view.writes = True
    return view
