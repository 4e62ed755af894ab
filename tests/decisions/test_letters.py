"""Award and decline letters: content, languages, safety against hostile text, batches."""

from __future__ import annotations

import dataclasses
import io
import logging
import pickle
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject
from weasyprint.urls import path2url

from evalflow.decisions.letters import (
    LetterContent,
    harfbuzz_subset_available,
    render_letter_pdf,
    render_letter_pdf_naive,
    render_letters_pdf,
)
from evalflow.decisions.pdf_fetcher import STATIC_DIR, LetterResourceRefused, StaticOnlyFetcher

PASSWD = Path("/etc/passwd")
HOSTILE = (
    '<a rel="attachment" href="file:///etc/passwd">x</a>'
    '<img src="file:///etc/passwd"><link rel=attachment href="file:///etc/passwd">'
)


def make_content(kind: str = "award", language: str = "es", **changes: Any) -> LetterContent:
    values: dict[str, Any] = {
        "kind": kind,
        "language": language,
        "folio": "RTM-PNC-2008/017",
        "verification_code": "K7Q2-9XW4-MD3P",
        "verification_url": "https://evalflow.example.mx/verificar/K7Q2-9XW4-MD3P",
        "issued_on": date(2008, 10, 31),
        "place": "Ciudad de México",
        "agency_name": "Consejo Nacional de Ciencia y Tecnología",
        "program_name": "Red de Talentos Mexicanos — Puntos Nacionales de Contacto",
        "call_code": "RTM-PNC-2008",
        "call_title": "Puntos Nacionales de Contacto 2008",
        "institution": "Universidad Autónoma de Nuevo León",
        "reference": "RTM-PNC-2008-0042",
        "title": "Punto Nacional de Contacto para Biotecnología",
        "sector": "Salud",
        "requested_amount": Decimal("1000000.00"),
        "amount": Decimal("980000.00") if kind == "award" else None,
        "currency": "MXN",
        "reason": None if kind == "award" else "Calificación de 62/100, menor al umbral de 70.",
        "signatory_name": "Dra. María Elena Álvarez",
        "signatory_title": "Directora Adjunta de Desarrollo Científico",
    }
    values.update(changes)
    return LetterContent(**values)


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF with whitespace collapsed, so line breaks do not matter."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pdf_payloads(pdf: bytes) -> Iterator[bytes]:
    """Every decoded stream reachable from the trailer (pages, fonts, attachments...)."""
    reader = PdfReader(io.BytesIO(pdf))
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [reader.trailer]
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, StreamObject):
            yield obj.get_data()
        if isinstance(obj, DictionaryObject):
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)


def leaks_passwd(pdf: bytes) -> bool:
    return any(b"root:x:0:0" in payload for payload in pdf_payloads(pdf)) or bool(
        PdfReader(io.BytesIO(pdf)).attachments
    )


@pytest.fixture(scope="module")
def letters() -> dict[tuple[str, str], bytes]:
    return {
        (kind, language): render_letter_pdf(make_content(kind, language))
        for kind in ("award", "decline")
        for language in ("es", "en")
    }


@pytest.fixture(scope="module")
def hostile_pdf() -> bytes:
    return render_letter_pdf(
        make_content(
            "decline",
            title=HOSTILE,
            institution='<style>@import url("file:///etc/passwd");</style>Instituto X',
            reason='<object data="file:///etc/passwd"></object><script>alert(1)</script>',
        )
    )


# --- Content -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["award", "decline"])
@pytest.mark.parametrize("language", ["es", "en"])
def test_letter_shows_identifying_details(
    letters: dict[tuple[str, str], bytes], kind: str, language: str
) -> None:
    text = pdf_text(letters[kind, language])
    for expected in [
        "RTM-PNC-2008/017",
        "Universidad Autónoma de Nuevo León",
        "RTM-PNC-2008-0042",
        "Punto Nacional de Contacto para Biotecnología",
        "Salud",
        "RTM-PNC-2008",
        "Consejo Nacional de Ciencia y Tecnología",
        "Dra. María Elena Álvarez",
        "K7Q2-9XW4-MD3P",
        "https://evalflow.example.mx/verificar/K7Q2-9XW4-MD3P",
        "$1,000,000.00",
    ]:
        assert expected in text
    if language == "es":
        assert "Ciudad de México, a 31 de octubre de 2008" in text
        assert "Página 1 de 1" in text
    else:
        assert "31 October 2008" in text
        assert "Page 1 of 1" in text


def test_spanish_award_gives_amount_in_figures_and_words_and_conditions(
    letters: dict[tuple[str, str], bytes],
) -> None:
    text = pdf_text(letters["award", "es"])
    assert "$980,000.00" in text
    assert "novecientos ochenta mil pesos 00/100 M.N." in text
    assert "Monto aprobado" in text
    assert "plan de trabajo" in text
    assert "reintegrarán" in text
    assert "Atentamente" in text


def test_english_award_gives_amount_in_words(letters: dict[tuple[str, str], bytes]) -> None:
    text = pdf_text(letters["award", "en"])
    assert "$980,000.00" in text
    assert "nine hundred eighty thousand Mexican pesos 00/100" in text
    assert "Amount awarded" in text
    assert "work plan" in text


@pytest.mark.parametrize("language", ["es", "en"])
def test_decline_gives_reason_and_no_awarded_amount(
    letters: dict[tuple[str, str], bytes], language: str
) -> None:
    text = pdf_text(letters["decline", language])
    assert "Calificación de 62/100, menor al umbral de 70." in text
    assert "$980,000.00" not in text
    assert "Monto aprobado" not in text and "Amount awarded" not in text


def test_every_letter_is_one_a4_page_dated_by_issue_date(
    letters: dict[tuple[str, str], bytes],
) -> None:
    for pdf in letters.values():
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
        assert (round(float(width) * 25.4 / 72), round(float(height) * 25.4 / 72)) == (210, 297)
        assert reader.metadata is not None
        assert reader.metadata.creation_date is not None
        assert reader.metadata.creation_date.date() == date(2008, 10, 31)


def test_rendering_is_byte_deterministic(letters: dict[tuple[str, str], bytes]) -> None:
    assert render_letter_pdf(make_content("award", "es")) == letters["award", "es"]
    assert render_letter_pdf_naive(make_content("award", "es")) == letters["award", "es"]


def test_rendering_loads_its_emblem_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_letter_pdf(make_content("decline", "en", reason=None))
    assert caplog.records == []


# --- Hostile input -----------------------------------------------------------------------


def test_hostile_markup_is_printed_as_text(hostile_pdf: bytes) -> None:
    text = pdf_text(hostile_pdf)
    assert '<a rel="attachment" href="file:///etc/passwd">x</a>' in text
    assert '<img src="file:///etc/passwd">' in text
    assert "<script>alert(1)</script>" in text


def test_hostile_markup_does_not_embed_local_files(hostile_pdf: bytes) -> None:
    assert b"/EmbeddedFile" not in hostile_pdf
    assert b"root:x:0:0" not in hostile_pdf
    assert not leaks_passwd(hostile_pdf)


@pytest.mark.skipif(
    not PASSWD.exists() or b"root:x:0:0" not in PASSWD.read_bytes(), reason="needs /etc/passwd"
)
def test_fetcher_stops_injected_markup_that_default_weasyprint_would_embed() -> None:
    # Markup that bypassed escaping: WeasyPrint's own fetcher attaches the file (so the
    # leak check works), ours refuses it.
    html = f"<p>{HOSTILE}</p>"
    assert leaks_passwd(weasyprint.HTML(string=html).write_pdf())
    guarded = weasyprint.HTML(string=html, url_fetcher=StaticOnlyFetcher()).write_pdf()
    assert not leaks_passwd(guarded)


# --- The fetcher -------------------------------------------------------------------------


def test_fetcher_serves_the_emblem_and_stylesheet() -> None:
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch(path2url(STATIC_DIR / "letters" / "emblem.svg"))
    assert response.content_type == "image/svg+xml"
    assert b"<svg" in response.read()
    response = fetcher.fetch(path2url(STATIC_DIR / "letters" / "letter.css"))
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://attacker.example/etc/passwd",
        "http://127.0.0.1/",
        "https://example.org/emblem.svg",
        "ftp://example.org/x",
        "data:text/plain,hello",
        "evalflow-static:letters/emblem.svg",
        "file:///nonexistent/emblem.svg",
        "/etc/passwd",
        path2url(STATIC_DIR / "letters" / "emblem.svg") + "?x=1",
        path2url(STATIC_DIR / "letters") + "/../../decisions/letters.py",
        path2url(STATIC_DIR / "letters") + "/%2e%2e/%2e%2e/decisions/letters.py",
        path2url(STATIC_DIR),
    ],
)
def test_fetcher_refuses_everything_else(url: str) -> None:
    fetcher = StaticOnlyFetcher()
    with pytest.raises(LetterResourceRefused):
        fetcher.fetch(url)
    with pytest.raises(LetterResourceRefused):
        fetcher(url)


def test_fetcher_refuses_symlinks_leading_out_of_its_root(tmp_path: Path) -> None:
    (tmp_path / "inside.txt").write_text("fine")
    (tmp_path / "escape").symlink_to(PASSWD)
    fetcher = StaticOnlyFetcher(root=tmp_path)
    assert fetcher.fetch(path2url(tmp_path / "inside.txt")).read() == b"fine"
    with pytest.raises(LetterResourceRefused):
        fetcher.fetch(path2url(tmp_path / "escape"))


# --- Batches and content object ----------------------------------------------------------


def test_batch_rendering_keeps_input_order(letters: dict[tuple[str, str], bytes]) -> None:
    contents = [
        make_content("award", "es"),
        make_content("decline", "en"),
        make_content("award", "es", folio="RTM-PNC-2008/018", reference="RTM-PNC-2008-0043"),
    ]
    pdfs = render_letters_pdf(contents, processes=2)
    assert len(pdfs) == 3
    assert pdfs[0] == letters["award", "es"]
    assert pdfs[1] == letters["decline", "en"]
    assert "RTM-PNC-2008/018" in pdf_text(pdfs[2])


def test_batch_of_one_and_single_process_render_in_process() -> None:
    content = make_content("decline", "es")
    assert render_letters_pdf([content]) == [render_letter_pdf(content)]
    assert render_letters_pdf([], processes=1) == []
    with pytest.raises(ValueError):
        render_letters_pdf([content], processes=0)


def test_letter_content_pickles() -> None:
    content = make_content()
    assert pickle.loads(pickle.dumps(content)) == content


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "maybe"},
        {"language": "fr"},
        {"amount": None},
        {"amount": Decimal(0)},
        {"currency": "pesos"},
        {"verification_url": "javascript:alert(1)"},
    ],
)
def test_letter_content_rejects_inconsistent_values(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_content(**{"kind": "award", **changes})


def test_decline_content_has_no_amount() -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(make_content("decline"), amount=Decimal(1))


def test_harfbuzz_subset_check_returns_a_bool() -> None:
    assert isinstance(harfbuzz_subset_available(), bool)
