"""The export files: formula neutralisation, and CSV and XLSX that read back as written."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from evalflow.reports.exports import (
    ProposalLine,
    ReviewLine,
    columns,
    neutralise,
    review_rows,
    to_csv,
    to_xlsx,
)

LABELS = {key: key for key in (
    "reference", "title", "institution", "sector", "state", "requested_amount",
    "awarded_amount", "score", "spread", "eligibility_reason", "decision_reason", "decided_at",
    "reviewer", "total", "comment_to_applicant", "comment_to_committee", "submitted_at")}
HOSTILE = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_a_spreadsheet_could_run_is_prefixed(text: str):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Plan de acción", "1 = 1", "", "'ya citado", "ñ-=+@"])
def test_ordinary_text_is_left_alone(text: str):
    assert neutralise(text) == text


def _proposals(title: str = "Red de Talentos: ñandú", comment: str = "Muy bien") -> list:
    review = ReviewLine("Ana Ruiz", Decimal("7.6000"), {"C1": Decimal("8.00"), "C2": Decimal("7")},
                        comment, "Sólido", "2026-11-20 10:00")
    second = ReviewLine("Berta Soto", Decimal("6.5"), {"C1": Decimal("6")}, "", "", "")
    funded = ProposalLine("CALL-1-001", title, "Instituto Ficticio", "TIC", "Funded",
                          Decimal("950000.00"), Decimal("1234.5"), Decimal("7.05"),
                          Decimal("1.1"), "", "", "2026-11-25 12:00", [review, second])
    alone = ProposalLine("CALL-1-002", "Sin revisar", "Otro", "SAL", "Submitted",
                         Decimal("100"), None, None, None, "", "", "")
    return [funded, alone]


def test_one_row_per_review_and_one_for_a_proposal_without_reviews():
    rows = review_rows(_proposals(), ["C1", "C2"])
    assert [row[0] for row in rows] == ["CALL-1-001", "CALL-1-001", "CALL-1-002"]
    assert rows[0][12:16] == ["Ana Ruiz", Decimal("7.6000"), Decimal("8.00"), Decimal("7")]
    assert rows[1][15] is None  # no score for C2
    assert rows[2][12:] == [None] * 7


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_round_trip_with_money_as_two_decimal_strings():
    cols = columns(LABELS, ["C1", "C2"])
    rows = review_rows(_proposals(), ["C1", "C2"])
    read = _read_csv(to_csv(cols, rows))
    assert read[0][:2] == ["reference", "title"] and read[0][14:16] == ["C1", "C2"]
    assert read[1][1] == "Red de Talentos: ñandú"
    assert read[1][5:7] == ["950000.00", "1234.50"]
    assert read[1][13:16] == ["7.6", "8", "7"]
    assert read[3][6] == ""
    assert len(read) == 4


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_neutralises_hostile_titles_and_comments(text: str):
    cols = columns(LABELS, ["C1", "C2"])
    data = to_csv(cols, review_rows(_proposals(title=text, comment=text), ["C1", "C2"]))
    read = _read_csv(data)
    assert read[1][1] == "'" + text
    assert read[1][16] == "'" + text
    for row in read:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


@pytest.mark.parametrize("text", HOSTILE)
def test_xlsx_round_trip_keeps_hostile_text_as_text(text: str):
    cols = columns(LABELS, ["C1", "C2"])
    data = to_xlsx(cols, review_rows(_proposals(title=text, comment=text), ["C1", "C2"]),
                   "CALL-1")
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    expected = ("'" + text).replace("\r", "\n")  # XML reads a carriage return as a line feed
    assert values[1][1] == expected and values[1][16] == expected
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_xlsx_money_is_a_number_with_two_decimals():
    cols = columns(LABELS, ["C1", "C2"])
    data = to_xlsx(cols, review_rows(_proposals(), ["C1", "C2"]), "CALL-1")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "CALL-1"
    assert [c.value for c in sheet[1]][:2] == ["reference", "title"]
    requested, awarded = sheet.cell(2, 6), sheet.cell(2, 7)
    assert requested.value == 950000 and awarded.value == 1234.5
    assert requested.number_format == awarded.number_format == "#,##0.00"
    assert sheet.cell(2, 2).value == "Red de Talentos: ñandú"
    assert sheet.cell(2, 14).value == pytest.approx(7.6)
    assert sheet.cell(4, 7).value is None
