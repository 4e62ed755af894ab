"""The signed session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came
over HTTPS (behind a proxy, once the proxy's headers are trusted)."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, marked Secure per request rather than once for the app."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = bool(app.config.get("SESSION_COOKIE_SECURE"))
        return configured or (has_request_context() and request.is_secure)
