"""Strict parsing of what users send. Each parser names the field it failed on.

Python's `Decimal` and WTForms accept `NaN`, `Infinity`, `1E+309`, `1_000` and non-ASCII
digits; money here is ASCII digits with at most two decimals, finite and within range.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evalflow.errors import ValidationFailed

MONEY_RE = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
MONEY_MAX = Decimal("999999999999.99")
NUMBER_RE = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,4})?")
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")
EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


class Errors:
    """Collects every field error of one request, then raises them together."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def catch(self, field: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a parser; record its failure under `field` and return None."""
        try:
            return parse(*args, **kwargs)
        except FieldError as error:
            self.add(field, str(error))
            return None

    def raise_if_any(self, message: str = "Some fields are not valid.") -> None:
        if self.fields:
            raise ValidationFailed(message, fields=dict(self.fields))


class FieldError(ValueError):
    """A single field's problem, in plain words."""


def money(value: Any, *, allow_zero: bool = False) -> Decimal:
    """A money amount from a decimal string such as "950000.00" (or a JSON integer)."""
    if isinstance(value, bool):
        raise FieldError("Give an amount such as \"950000.00\".")
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, Decimal):
        value = format(value, "f") if value.is_finite() else "NaN"
    if not isinstance(value, str) or not MONEY_RE.fullmatch(value):
        raise FieldError("Give an amount such as \"950000.00\": digits, at most two decimals.")
    amount = Decimal(value).quantize(Decimal("0.01"))
    if amount > MONEY_MAX:
        raise FieldError("The amount is too large.")
    if amount == 0 and not allow_zero:
        raise FieldError("The amount must be more than zero.")
    return amount


def number(value: Any) -> Decimal:
    """A plain number (a weight, a score): JSON number or numeric string, finite."""
    if isinstance(value, bool) or value is None:
        raise FieldError("Give a number.")
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if not NUMBER_RE.fullmatch(text):
        raise FieldError("Give a number with at most four decimals.")
    return Decimal(text)


def plain(value: Decimal | None) -> str:
    """A number written plainly: 10, 7.5, 0.25 (never 1E+1, never 7.50)."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def integer(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number, from JSON or a query string."""
    if isinstance(value, bool):
        raise FieldError("Give a whole number.")
    if isinstance(value, str):
        if not re.fullmatch(r"-?[0-9]{1,9}", value):
            raise FieldError("Give a whole number.")
        value = int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int):
        raise FieldError("Give a whole number.")
    if minimum is not None and value < minimum:
        raise FieldError(f"Must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise FieldError(f"Must be at most {maximum}.")
    return value


def text(value: Any, *, max_length: int, required: bool = True, multiline: bool = False) -> str:
    """Text as typed (never rewritten), refused when it holds control characters."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise FieldError("Give text.")
    allowed = {"\n", "\r", "\t"} if multiline else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise FieldError("Contains control characters.")
    if required and not value.strip():
        raise FieldError("This field is required.")
    if len(value) > max_length:
        raise FieldError(f"At most {max_length} characters.")
    return value


def code(value: Any) -> str:
    """An identifier such as "PNC-2008" or "TIC"."""
    if not isinstance(value, str) or not CODE_RE.fullmatch(value):
        raise FieldError("Use letters, digits, '-', '_' or '.', at most 40 characters.")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError("Give true or false.")
    return value


def email(value: Any) -> str:
    if not isinstance(value, str) or not EMAIL_RE.fullmatch(value) or len(value) > 254:
        raise FieldError("Give an email address.")
    return value.strip().lower()


def timezone(value: Any) -> str:
    if not isinstance(value, str) or ("/" not in value and value != "UTC"):
        raise FieldError("Give an IANA time zone such as America/Mexico_City.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise FieldError("Unknown time zone.") from error
    return value


def instant(value: Any, *, zone: str | None = None) -> datetime:
    """An ISO 8601 time. Without an offset it is read in `zone` (the call's time zone)."""
    if not isinstance(value, str) or len(value) > 40:
        raise FieldError("Give an ISO 8601 time such as 2008-10-31T18:00:00-06:00.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise FieldError("Give an ISO 8601 time such as 2008-10-31T18:00:00-06:00.") from error
    if parsed.tzinfo is None:
        if zone is None:
            raise FieldError("Give the time with its offset, such as -06:00.")
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed


def choice(value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise FieldError(f"Choose one of: {', '.join(options)}.")
    return value


def object_list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise FieldError("Give a list of objects.")
    return value


def local_path(target: str | None) -> str | None:
    """A path on this site to go back to after a form, or None: never an open redirect
    (`//host`, `/\\host` and `https://host` all leave the site)."""
    if not target:
        return None
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/")
            or target.startswith(("//", "/\\")) or any(c in target for c in "\r\n\t")):
        return None
    return target
