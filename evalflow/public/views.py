"""Public verification of a letter by the code printed on it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from evalflow.decisions.services import verify_letter
from evalflow.decisions.wording import date_written, format_money
from evalflow.errors import NotFound
from evalflow.extensions import db
from evalflow.public import public

TEXT = {
    "es": {
        "title": "Verificación de cartas", "code": "Código de verificación", "check": "Verificar",
        "valid": "Carta auténtica", "invalid": "Ningún documento emitido tiene ese código.",
        "kind": {"award": "Carta de asignación de apoyo", "decline": "Carta de resultado"},
        "folio": "Folio", "reference": "Referencia", "institution": "Institución",
        "project": "Proyecto", "amount": "Monto aprobado", "issued": "Emitida el",
        "sha256": "Huella SHA-256 del PDF",
        "hint": "Escriba el código impreso al pie de la carta, por ejemplo K7QM-2XHD-9PTA-4RWN.",
    },
    "en": {
        "title": "Letter verification", "code": "Verification code", "check": "Verify",
        "valid": "Authentic letter", "invalid": "No issued document has that code.",
        "kind": {"award": "Award letter", "decline": "Decision letter"},
        "folio": "Folio", "reference": "Reference", "institution": "Institution",
        "project": "Project", "amount": "Amount awarded", "issued": "Issued on",
        "sha256": "SHA-256 fingerprint of the PDF",
        "hint": "Type the code printed at the foot of the letter, e.g. K7QM-2XHD-9PTA-4RWN.",
    },
}


# Where each role starts; a role whose pages are not installed lands on its account page.
HOME_BY_ROLE = {
    "applicant": "applicant.home",
    "reviewer": "reviewing.assignments",
    "officer": "designer.calls",
    "admin": "designer.calls",
}


@public.get("/")
def home():
    """Send each person to where their work is."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    endpoint = HOME_BY_ROLE.get(current_user.role.value, "auth.account")
    if endpoint not in current_app.view_functions:
        endpoint = "auth.account"
    return redirect(url_for(endpoint))


@public.get("/verify")
@public.get("/verify/<code>")
def verify(code: str | None = None):
    """Show whether a letter with this code was issued, and what it says."""
    code = code or request.args.get("code", "").strip()
    language = request.args.get("lang")
    letter = None
    if code:
        try:
            letter = verify_letter(db.session, code)
        except NotFound:
            letter = None
    if language not in TEXT:
        language = letter.proposal.call.language if letter else "es"
    details = None
    if letter:
        proposal = letter.proposal
        call = proposal.call
        details = {
            "kind": letter.kind.value, "folio": letter.folio, "reference": proposal.reference,
            "institution": proposal.institution.name, "project": proposal.title,
            "amount": format_money(proposal.awarded_amount, language)
            if proposal.awarded_amount is not None else None,
            "issued": date_written(
                letter.issued_at.astimezone(ZoneInfo(call.timezone)).date(), language
            ),
            "sha256": letter.sha256,
        }
    status = 404 if code and letter is None else 200
    return render_template("public/verify.html", t=TEXT[language], lang=language, code=code,
                           letter=details), status
