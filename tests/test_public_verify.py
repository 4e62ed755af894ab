"""The public page that verifies a letter by its code, for anyone, without signing in."""

from __future__ import annotations

from evalflow.decisions.issuing import issue_letter_now
from evalflow.extensions import db


def _issued(make, app, **overrides):
    proposal = make.proposal(state="funded", **overrides)
    letter = issue_letter_now(db.session, proposal, None, app.config)
    db.session.commit()
    return proposal, letter


def test_a_valid_code_shows_the_letter(make, app, client):
    proposal, letter = _issued(make, app)
    page = client.get(f"/verify/{letter.verification_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for expected in ("Carta auténtica", letter.folio, proposal.reference, "$950,000.00",
                     letter.sha256):
        assert expected in html
    typed = client.get(f"/verify?code={letter.verification_code.lower()}&lang=en")
    assert "Authentic letter" in typed.get_data(as_text=True)


def test_an_unknown_code_is_404_and_says_so(client):
    page = client.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert page.status_code == 404
    assert "Ningún documento emitido tiene ese código." in page.get_data(as_text=True)
    assert client.get("/verify").status_code == 200


def test_typed_text_is_escaped(make, app, client):
    _, letter = _issued(make, app, title="<script>alert(1)</script>")
    html = client.get(f"/verify/{letter.verification_code}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
