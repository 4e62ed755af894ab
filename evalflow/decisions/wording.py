"""Money, amounts in words and dates as they are written in official letters.

Pure functions with no I/O. Amounts are always :class:`~decimal.Decimal`: nothing here
converts money to ``float``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

LANGUAGES = ("es", "en")

#: Largest amount that :func:`amount_in_words` spells out.
MAX_AMOUNT = Decimal("999999999999.99")

_CENT = Decimal("0.01")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")

# fmt: off
_ES_UNITS = (
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
    "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
    "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés",
    "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve",
)
_ES_TENS = (
    "", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa",
)
_ES_HUNDREDS = (
    "", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos", "seiscientos",
    "setecientos", "ochocientos", "novecientos",
)
_ES_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)

_EN_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_EN_TENS = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
# fmt: on
_EN_SCALES = ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"))


@dataclass(frozen=True)
class _CurrencyName:
    es_singular: str
    es_plural: str
    en_singular: str
    en_plural: str
    es_suffix: str  # what follows the cents in Spanish, e.g. "M.N." (moneda nacional)


_CURRENCIES = {
    "MXN": _CurrencyName("peso", "pesos", "Mexican peso", "Mexican pesos", "M.N."),
    "USD": _CurrencyName("dólar", "dólares", "US dollar", "US dollars", "USD"),
    "EUR": _CurrencyName("euro", "euros", "euro", "euros", "EUR"),
}


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")


def _check_amount(amount: Decimal) -> None:
    """Reject what cannot be a sum of money written in pesos and cents."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"amount must be finite, got {amount}")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"amount has more than two decimal places: {amount}")


def _split_cents(amount: Decimal) -> tuple[int, int]:
    """Return (whole units, cents) of a non-negative amount already checked."""
    total_cents = int(amount.quantize(_CENT) * 100)
    return divmod(total_cents, 100)


def format_money(amount: Decimal, language: str) -> str:
    """Format an amount in figures the Mexican way: ``$980,000.00``.

    Both ``es`` and ``en`` use comma thousands separators and a dot for decimals, as is
    usual in Mexico. Negative amounts are written ``-$1,000.00``.

    Raises:
        TypeError: if ``amount`` is not a ``Decimal``.
        ValueError: for an unknown language, a non-finite amount or one with more
            than two decimal places.
    """
    _check_language(language)
    _check_amount(amount)
    cents = amount.quantize(_CENT)
    sign = "-" if cents < 0 else ""
    # Decimal.__format__ is exact: no float is involved.
    return f"{sign}${abs(cents):,.2f}"


# --- Spanish -----------------------------------------------------------------------------


def _es_below_thousand(n: int, apocope: bool) -> str:
    """Spell 0 < n < 1000 in Spanish.

    With ``apocope`` a final "uno" becomes "un" (before "mil", "millones", "pesos"):
    "veintiún", "treinta y un", "ciento un".
    """
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append("cien" if n == 100 else _ES_HUNDREDS[hundreds])
    if rest:
        if rest < 30:
            word = _ES_UNITS[rest]
            if apocope and rest == 1:
                word = "un"
            elif apocope and rest == 21:
                word = "veintiún"
            words.append(word)
        else:
            tens, units = divmod(rest, 10)
            words.append(_ES_TENS[tens])
            if units:
                words.append("y")
                words.append("un" if apocope and units == 1 else _ES_UNITS[units])
    return " ".join(words)


def _es_below_million(n: int, apocope: bool) -> str:
    """Spell 0 < n < 1,000,000 in Spanish ("mil", never "un mil")."""
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands == 1:
        words.append("mil")
    elif thousands:
        # Before "mil" the apocope is always required: "veintiún mil", "ciento un mil".
        words.append(_es_below_thousand(thousands, apocope=True))
        words.append("mil")
    if rest:
        words.append(_es_below_thousand(rest, apocope))
    return " ".join(words)


def spanish_number(n: int, apocope: bool = False) -> str:
    """Spell a whole number 0 <= n < 10**12 in Spanish (long scale: "mil millones").

    ``apocope`` shortens a final "uno" to "un", as needed before a masculine noun
    ("veintiún pesos"); "millón"/"millones" always take the short form.
    """
    if not 0 <= n < 10**12:
        raise ValueError(f"number out of range: {n}")
    if n == 0:
        return "cero"
    millions, rest = divmod(n, 10**6)
    words = []
    if millions == 1:
        words.append("un millón")
    elif millions:
        words.append(_es_below_million(millions, apocope=True))
        words.append("millones")
    if rest:
        words.append(_es_below_million(rest, apocope))
    return " ".join(words)


def _amount_in_words_es(units: int, cents: int, currency: str) -> str:
    name = _CURRENCIES.get(currency)
    if name is None:
        # Unknown currency: no noun to agree with, so keep the full form ("veintiuno").
        return f"{spanish_number(units)} {cents:02d}/100 {currency}"
    number = spanish_number(units, apocope=True)
    noun = name.es_singular if units == 1 else name.es_plural
    # "un millón de pesos", "dos mil millones de pesos", but "un millón doscientos mil pesos".
    if units and units % 10**6 == 0:
        noun = f"de {noun}"
    return f"{number} {noun} {cents:02d}/100 {name.es_suffix}"


# --- English -----------------------------------------------------------------------------


def _en_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append(f"{_EN_UNITS[hundreds]} hundred")
    if rest:
        if rest < 20:
            words.append(_EN_UNITS[rest])
        else:
            tens, units = divmod(rest, 10)
            words.append(_EN_TENS[tens] + (f"-{_EN_UNITS[units]}" if units else ""))
    return " ".join(words)


def english_number(n: int) -> str:
    """Spell a whole number 0 <= n < 10**12 in English (short scale, no "and")."""
    if not 0 <= n < 10**12:
        raise ValueError(f"number out of range: {n}")
    if n == 0:
        return "zero"
    words = []
    for scale, scale_name in _EN_SCALES:
        count, n = divmod(n, scale)
        if count:
            words.append(f"{_en_below_thousand(count)} {scale_name}")
    if n:
        words.append(_en_below_thousand(n))
    return " ".join(words)


def _amount_in_words_en(units: int, cents: int, currency: str) -> str:
    name = _CURRENCIES.get(currency)
    number = english_number(units)
    if name is None:
        return f"{number} {cents:02d}/100 {currency}"
    noun = name.en_singular if units == 1 else name.en_plural
    return f"{number} {noun} {cents:02d}/100"


# --- Public ------------------------------------------------------------------------------


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """Write an amount of money in words, as on a Mexican cheque or official letter.

    Spanish (``es``) for ``MXN``: ``novecientos ochenta mil pesos 00/100 M.N.``,
    ``un millón de pesos 00/100 M.N.``, ``veintiún mil pesos 50/100 M.N.``.
    English (``en``) for ``MXN``: ``nine hundred eighty thousand Mexican pesos 00/100``.
    ``USD`` and ``EUR`` are named (``dólares``/``US dollars``, ``euros``); any other ISO
    4217 code is written after the cents: ``… 00/100 GBP``.

    Raises:
        TypeError: if ``amount`` is not a ``Decimal``.
        ValueError: for an unknown language, a malformed currency code, or an amount
            that is negative, not finite, has more than two decimal places or exceeds
            999,999,999,999.99.
    """
    _check_language(language)
    _check_amount(amount)
    if amount < 0:
        raise ValueError(f"amount must not be negative: {amount}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"amount exceeds {MAX_AMOUNT}: {amount}")
    if not isinstance(currency, str) or not _CURRENCY_RE.match(currency):
        raise ValueError(f"currency must be an ISO 4217 code such as 'MXN': {currency!r}")
    units, cents = _split_cents(amount)
    if language == "es":
        return _amount_in_words_es(units, cents, currency)
    return _amount_in_words_en(units, cents, currency)


def date_written(d: date, language: str) -> str:
    """Write a date out: ``31 de octubre de 2008`` (es) or ``31 October 2008`` (en)."""
    _check_language(language)
    if language == "es":
        return f"{d.day} de {_ES_MONTHS[d.month - 1]} de {d.year}"
    return f"{d.day} {_EN_MONTHS[d.month - 1]} {d.year}"
