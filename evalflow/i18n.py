"""Languages of the interface: which one a request speaks, and how it writes dates and money.

Spanish is the default; English on request. The choice is remembered on the person's
account and, before signing in, in the session.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.dates import get_timezone_name
from babel.numbers import format_decimal
from flask import Flask, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from evalflow.decisions.wording import format_money

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
SIGN_IN_MESSAGE = _l("Sign in to see this page.")


def select_locale() -> str:
    """The language of this request: the account's choice, the session's, then the browser's."""
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


STATE_LABELS = {
    "draft": _l("Draft"), "submitted": _l("Submitted"), "eligible": _l("Eligible"),
    "ineligible": _l("Not eligible"), "under_review": _l("Under review"),
    "reviewed": _l("Reviewed"), "funded": _l("Funded"), "not_funded": _l("Not funded"),
    "withdrawn": _l("Withdrawn"), "open": _l("Open"), "closed": _l("Closed"),
    "decided": _l("Decided"), "pending": _l("To declare"), "accepted": _l("No conflict"),
    "conflicted": _l("Conflict declared"),
}
ROLE_LABELS = {
    "applicant": _l("Applicant"), "reviewer": _l("Reviewer"), "officer": _l("Program officer"),
    "admin": _l("Administrator"),
}


def state_label(state: str) -> str:
    """A state's name in the current language."""
    return str(STATE_LABELS.get(state, state))


def role_label(role: str) -> str:
    """A role's name in the current language."""
    return str(ROLE_LABELS.get(role, role))


def language() -> str:
    """The current request's language code."""
    return str(get_locale() or DEFAULT_LANGUAGE)[:2]


def money(amount: Decimal | None, currency: str = "MXN") -> str:
    """$980,000.00 (the call's currency named when it is not pesos)."""
    if amount is None:
        return "—"
    figures = format_money(amount, language())
    return figures if currency == "MXN" else f"{figures.replace('$', '', 1)} {currency}"


def number(value: Decimal | float | int | None, places: int = 2) -> str:
    """A number written for the current language."""
    if value is None:
        return "—"
    # Spanish as written in Mexico: 1,234.50, like the amounts on the letters.
    locale = "es_MX" if language() == "es" else language()
    return format_decimal(value, format=f"#,##0.{'0' * places}", locale=locale)


def filesize(size: int) -> str:
    """1.5 MiB, 230 KiB, 420 bytes."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{number(size / 1024, 0)} KiB"
    return f"{number(size / 1024 / 1024, 1)} MiB"


def when(moment: datetime | None, zone: str = "America/Mexico_City") -> str:
    """31 de octubre de 2008, 18:00 (hora del centro) — in the given zone, zone named."""
    if moment is None:
        return "—"
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    lang = language()
    pattern = "d 'de' MMMM 'de' y, HH:mm" if lang == "es" else "d MMMM y, HH:mm"
    text = babel_datetime(local, pattern, locale=lang)
    return f"{text} ({zone_name(zone, local)})"


def zone_name(zone: str, moment: datetime) -> str:
    """A readable name for the zone: "hora del centro" for Mexico City."""
    if zone == "America/Mexico_City":
        return "hora del centro" if language() == "es" else "Mexico City time"
    return get_timezone_name(ZoneInfo(zone), width="long", locale=language()) or zone


def time_left(deadline: datetime, now: datetime | None = None) -> tuple[int, int, int]:
    """(days, hours, minutes) until the deadline; zeros once it passed."""
    remaining = deadline - (now or datetime.now(UTC))
    seconds = max(0, int(remaining.total_seconds()))
    return seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60


def register(app: Flask) -> None:
    """Jinja filters and globals for the pages."""
    app.jinja_env.filters.update(money=money, number=number, when=when, filesize=filesize)
    app.jinja_env.globals.update(language=language, LANGUAGES=LANGUAGES, time_left=time_left,
                                 state_label=state_label, role_label=role_label)
