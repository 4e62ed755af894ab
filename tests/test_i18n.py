"""Dates, money and numbers written for each language."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from evalflow import i18n

DEADLINE = datetime(2008, 11, 1, 0, 0, tzinfo=UTC)  # 31 October 2008, 18:00 in Mexico City


@pytest.mark.parametrize(("lang", "expected"), [
    ("es", "31 de octubre de 2008, 18:00 (hora del centro)"),
    ("en", "31 October 2008, 18:00 (Mexico City time)"),
])
def test_deadlines_are_written_in_the_calls_zone(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        assert i18n.when(DEADLINE, "America/Mexico_City") == expected


def test_money_and_numbers(app):
    with app.test_request_context(), force_locale("es"):
        assert i18n.money(Decimal("980000.00")) == "$980,000.00"
        assert i18n.money(Decimal("1500.5"), "USD") == "1,500.50 USD"
        assert i18n.money(None) == "—"
        assert i18n.number(Decimal("1234.5")) == "1,234.50"
    with app.test_request_context(), force_locale("en"):
        assert i18n.number(Decimal("8.25")) == "8.25"


def test_time_left_counts_down_to_zero():
    now = datetime(2008, 10, 30, 0, 0, tzinfo=UTC)
    assert i18n.time_left(DEADLINE, now) == (2, 0, 0)
    assert i18n.time_left(DEADLINE, datetime(2009, 1, 1, tzinfo=UTC)) == (0, 0, 0)


def test_labels_follow_the_language(app):
    with app.test_request_context(), force_locale("en"):
        assert i18n.state_label("under_review") == "Under review"
