"""Small but valid PDF documents for the demo's proposals."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from decimal import Decimal

from evalflow.demo import data
from evalflow.proposals.models import Proposal


def work_plan_pdf(proposal: Proposal, spec: data.ProposalSpec, sector_name: str) -> bytes:
    """The proposal's work plan as a small one-page PDF."""
    lines = [
        "Convocatoria PNC-2008 - Puntos Nacionales de Contacto, Red de Talentos Mexicanos",
        "",
        f"Referencia: {proposal.reference}",
        f"Institución: {spec.institution}",
        f"Sector: {sector_name}",
        f"Monto solicitado: ${Decimal(spec.amount):,.2f} M.N.",
        "",
        *textwrap.wrap(f"Título: {spec.title}", 85),
        "",
        *textwrap.wrap(spec.summary, 85),
        "",
        *data.work_plan(sector_name).splitlines(),
        "",
        "Documento de demostración: la institución y su propuesta son ficticias.",
    ]
    return simple_pdf(lines)


def simple_pdf(lines: Sequence[str]) -> bytes:
    """A valid one-page PDF (US Letter, Helvetica 10 pt) showing `lines` as plain text."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text_ops = ["BT", "/F1 10 Tf", "13 TL", "72 740 Td"]
    text_ops += [f"({escape(line)}) '" for line in lines]
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref,
    )
    return bytes(out)
