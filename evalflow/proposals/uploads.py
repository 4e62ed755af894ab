"""What makes an uploaded file acceptable: a real PDF, within the size limit, a safe name."""

from __future__ import annotations

import re
import unicodedata

from evalflow.errors import FileTooLarge, UnsupportedFileType, ValidationFailed

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]+")


def check_pdf(data: bytes, *, max_bytes: int) -> None:
    """Refuse a file that is too large (413) or is not a PDF by its content (415)."""
    if len(data) > max_bytes:
        raise FileTooLarge(f"The file is larger than the {max_bytes // (1024 * 1024)} MiB allowed.")
    if not data:
        raise ValidationFailed("The file is empty.", fields={"file": "The file is empty."})
    # The PDF header must open the file (readers tolerate leading junk; we do not, since a
    # polyglot could then be another type) and the trailer marker must be near its end.
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise UnsupportedFileType("Only PDF documents are accepted.")


def safe_filename(name: str | None) -> str:
    """The base name of what the user called the file, with no path and no control characters.

    Letters outside ASCII are kept: a Spanish file name stays readable.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")[:200]
    if not base:
        return "document.pdf"
    if not base.lower().endswith(".pdf"):
        base += ".pdf"
    return base
