"""Specification of money, amounts in words and dates as written in decision letters."""

from datetime import date
from decimal import Decimal

import pytest

from evalflow.decisions.wording import amount_in_words, date_written, format_money

SPANISH_MXN = [
    ("0.50", "cero pesos 50/100 M.N."),
    ("1", "un peso 00/100 M.N."),
    ("1.01", "un peso 01/100 M.N."),
    ("2", "dos pesos 00/100 M.N."),
    ("16", "dieciséis pesos 00/100 M.N."),
    ("21", "veintiún pesos 00/100 M.N."),
    ("22", "veintidós pesos 00/100 M.N."),
    ("31", "treinta y un pesos 00/100 M.N."),
    ("100", "cien pesos 00/100 M.N."),
    ("101", "ciento un pesos 00/100 M.N."),
    ("115", "ciento quince pesos 00/100 M.N."),
    ("500", "quinientos pesos 00/100 M.N."),
    ("777", "setecientos setenta y siete pesos 00/100 M.N."),
    ("1000", "mil pesos 00/100 M.N."),
    ("1001", "mil un pesos 00/100 M.N."),
    ("2021.10", "dos mil veintiún pesos 10/100 M.N."),
    ("21000", "veintiún mil pesos 00/100 M.N."),
    ("21000.50", "veintiún mil pesos 50/100 M.N."),
    ("31000", "treinta y un mil pesos 00/100 M.N."),
    ("100000", "cien mil pesos 00/100 M.N."),
    ("101000", "ciento un mil pesos 00/100 M.N."),
    ("980000", "novecientos ochenta mil pesos 00/100 M.N."),
    ("980000.00", "novecientos ochenta mil pesos 00/100 M.N."),
    ("1000000", "un millón de pesos 00/100 M.N."),
    ("1000001", "un millón un pesos 00/100 M.N."),
    ("1200000", "un millón doscientos mil pesos 00/100 M.N."),
    ("2000000", "dos millones de pesos 00/100 M.N."),
    ("21000000", "veintiún millones de pesos 00/100 M.N."),
    ("121000000", "ciento veintiún millones de pesos 00/100 M.N."),
    ("1000000000", "mil millones de pesos 00/100 M.N."),
    ("1001000000", "mil un millones de pesos 00/100 M.N."),
    ("21000000000", "veintiún mil millones de pesos 00/100 M.N."),
    (
        "999999999999.99",
        (
            "novecientos noventa y nueve mil novecientos noventa y nueve millones "
            "novecientos noventa y nueve mil novecientos noventa y nueve pesos 99/100 M.N."
        ),
    ),
]

ENGLISH_MXN = [
    ("0.50", "zero Mexican pesos 50/100"),
    ("1", "one Mexican peso 00/100"),
    ("21", "twenty-one Mexican pesos 00/100"),
    ("100", "one hundred Mexican pesos 00/100"),
    ("101", "one hundred one Mexican pesos 00/100"),
    ("115", "one hundred fifteen Mexican pesos 00/100"),
    ("500", "five hundred Mexican pesos 00/100"),
    ("1000", "one thousand Mexican pesos 00/100"),
    ("1001", "one thousand one Mexican pesos 00/100"),
    ("21000", "twenty-one thousand Mexican pesos 00/100"),
    ("21000.50", "twenty-one thousand Mexican pesos 50/100"),
    ("100000", "one hundred thousand Mexican pesos 00/100"),
    ("980000", "nine hundred eighty thousand Mexican pesos 00/100"),
    ("1000000", "one million Mexican pesos 00/100"),
    ("1200000", "one million two hundred thousand Mexican pesos 00/100"),
    ("2000000", "two million Mexican pesos 00/100"),
    ("21000000", "twenty-one million Mexican pesos 00/100"),
    ("1000000000", "one billion Mexican pesos 00/100"),
    (
        "999999999999.99",
        (
            "nine hundred ninety-nine billion nine hundred ninety-nine million "
            "nine hundred ninety-nine thousand nine hundred ninety-nine Mexican pesos 99/100"
        ),
    ),
]


@pytest.mark.parametrize(("amount", "expected"), SPANISH_MXN)
def test_amount_in_words_spanish_pesos(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "MXN", "es") == expected


@pytest.mark.parametrize(("amount", "expected"), ENGLISH_MXN)
def test_amount_in_words_english_pesos(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "MXN", "en") == expected


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("1000000", "USD", "es", "un millón de dólares 00/100 USD"),
        ("21", "USD", "es", "veintiún dólares 00/100 USD"),
        ("1", "USD", "en", "one US dollar 00/100"),
        ("980000", "USD", "en", "nine hundred eighty thousand US dollars 00/100"),
        ("21000.25", "EUR", "es", "veintiún mil euros 25/100 EUR"),
        ("2", "EUR", "en", "two euros 00/100"),
        # No noun to agree with an unknown code: the full form "veintiuno" is kept.
        ("21", "GBP", "es", "veintiuno 00/100 GBP"),
        ("1200000", "GBP", "en", "one million two hundred thousand 00/100 GBP"),
    ],
)
def test_amount_in_words_other_currencies(
    amount: str, currency: str, language: str, expected: str
) -> None:
    assert amount_in_words(Decimal(amount), currency, language) == expected


def test_amount_in_words_accepts_trailing_zeros_beyond_cents() -> None:
    assert amount_in_words(Decimal("21.500"), "MXN", "es") == "veintiún pesos 50/100 M.N."


@pytest.mark.parametrize(
    "amount",
    ["-1", "-0.01", "NaN", "Infinity", "-Infinity", "0.001", "1.005", "1000000000000"],
)
def test_amount_in_words_rejects_invalid_amounts(amount: str) -> None:
    with pytest.raises(ValueError):
        amount_in_words(Decimal(amount), "MXN", "es")


def test_amount_in_words_rejects_floats() -> None:
    with pytest.raises(TypeError):
        amount_in_words(980000.0, "MXN", "es")  # type: ignore[arg-type]


@pytest.mark.parametrize(("currency", "language"), [("mxn", "es"), ("PESOS", "es"), ("MXN", "fr")])
def test_amount_in_words_rejects_bad_currency_or_language(currency: str, language: str) -> None:
    with pytest.raises(ValueError):
        amount_in_words(Decimal(1), currency, language)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("980000", "$980,000.00"),
        ("980000.00", "$980,000.00"),
        ("1000000", "$1,000,000.00"),
        ("0.5", "$0.50"),
        ("0", "$0.00"),
        ("999.99", "$999.99"),
        ("1234567.8", "$1,234,567.80"),
        ("999999999999.99", "$999,999,999,999.99"),
        ("-1500", "-$1,500.00"),
    ],
)
def test_format_money(amount: str, expected: str, language: str) -> None:
    assert format_money(Decimal(amount), language) == expected


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "0.001"])
def test_format_money_rejects_invalid_amounts(amount: str) -> None:
    with pytest.raises(ValueError):
        format_money(Decimal(amount), "es")


def test_format_money_rejects_floats() -> None:
    with pytest.raises(TypeError):
        format_money(0.1, "es")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        (date(2008, 10, 31), "es", "31 de octubre de 2008"),
        (date(2008, 10, 31), "en", "31 October 2008"),
        (date(2009, 1, 1), "es", "1 de enero de 2009"),
        (date(2009, 1, 1), "en", "1 January 2009"),
        (date(2008, 9, 15), "es", "15 de septiembre de 2008"),
        (date(2008, 12, 5), "en", "5 December 2008"),
    ],
)
def test_date_written(day: date, language: str, expected: str) -> None:
    assert date_written(day, language) == expected


def test_date_written_rejects_unknown_language() -> None:
    with pytest.raises(ValueError):
        date_written(date(2008, 10, 31), "fr")
