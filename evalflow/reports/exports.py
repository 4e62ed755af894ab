"""A call's proposals, reviews and decisions as CSV or XLSX: plain rows in, bytes out.

One row per review; a proposal without submitted reviews still has one row, with the review
columns empty. Every text cell that a spreadsheet could read as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# A cell starting with one of these may be run as a formula (or DDE) by a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CENTS = Decimal("0.01")


def neutralise(text: str) -> str:
    """The text with a leading apostrophe when a spreadsheet would otherwise run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Column:
    """A column's header and kind: text, money (two decimals) or number."""

    label: str
    kind: str = "text"


@dataclass(frozen=True)
class ReviewLine:
    """One submitted review, with reviewer and scores by criterion code."""

    reviewer: str
    total: Decimal | None
    scores: dict[str, Decimal]
    comment_to_applicant: str
    comment_to_committee: str
    submitted_at: str


@dataclass(frozen=True)
class ProposalLine:
    """A proposal and its decisions, as the export shows them."""

    reference: str
    title: str
    institution: str
    sector: str
    state: str
    requested_amount: Decimal | None
    awarded_amount: Decimal | None
    score: Decimal | None
    spread: Decimal | None
    eligibility_reason: str
    decision_reason: str
    decided_at: str
    reviews: list[ReviewLine] = field(default_factory=list)


PROPOSAL_KEYS = (
    ("reference", "text"), ("title", "text"), ("institution", "text"), ("sector", "text"),
    ("state", "text"), ("requested_amount", "money"), ("awarded_amount", "money"),
    ("score", "number"), ("spread", "number"), ("eligibility_reason", "text"),
    ("decision_reason", "text"), ("decided_at", "text"),
)
REVIEW_KEYS = (("reviewer", "text"), ("total", "number"))
COMMENT_KEYS = (("comment_to_applicant", "text"), ("comment_to_committee", "text"),
                ("submitted_at", "text"))


def columns(labels: dict[str, str], criteria: Sequence[str]) -> list[Column]:
    """The export's columns: the proposal, the review, one per criterion, the comments.

    `labels` names each key (in the reader's language); criteria are named by their code.
    """
    keys = [*PROPOSAL_KEYS, *REVIEW_KEYS]
    result = [Column(labels[key], kind) for key, kind in keys]
    result += [Column(code, "number") for code in criteria]
    result += [Column(labels[key], kind) for key, kind in COMMENT_KEYS]
    return result


def review_rows(proposals: Iterable[ProposalLine], criteria: Sequence[str]) -> list[list[Any]]:
    """One row per review (one empty-review row for a proposal without reviews)."""
    rows: list[list[Any]] = []
    for proposal in proposals:
        head = [getattr(proposal, key) for key, _kind in PROPOSAL_KEYS]
        for review in proposal.reviews or [None]:
            if review is None:
                tail = [None] * (len(REVIEW_KEYS) + len(criteria) + len(COMMENT_KEYS))
            else:
                tail = [getattr(review, key) for key, _kind in REVIEW_KEYS]
                tail += [review.scores.get(code) for code in criteria]
                tail += [getattr(review, key) for key, _kind in COMMENT_KEYS]
            rows.append(head + tail)
    return rows


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return f"{Decimal(value).quantize(CENTS)}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return neutralise(str(value))


def to_csv(cols: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads accents), money as 1234.50."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.label) for c in cols])
    for row in rows:
        writer.writerow([_csv_cell(value, c.kind) for value, c in zip(row, cols, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def _xlsx_cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("money", "number"):
        return float(value)
    return neutralise(str(value))


def to_xlsx(cols: Sequence[Column], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    """One worksheet, a bold frozen header, money as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    # Sheet names: at most 31 characters, none of []:*?/\
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "export"
    sheet.append([neutralise(c.label) for c in cols])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_xlsx_cell(value, c.kind) for value, c in zip(row, cols, strict=True)])
        for cell, c in zip(sheet[sheet.max_row], cols, strict=True):
            if cell.value is not None:
                # A neutralised text must stay text, never become a formula.
                if c.kind == "text":
                    cell.data_type = "s"
                elif c.kind == "money":
                    cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
