"""Factories that build users, calls and proposals in any state through the real services."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from evalflow.auth.models import User
from evalflow.auth.services import create_token, create_user
from evalflow.calls.models import Call
from evalflow.calls.services import create_call, transition_call
from evalflow.database import utcnow
from evalflow.decisions.services import decline_proposal, fund_proposal
from evalflow.extensions import db
from evalflow.proposals.models import Proposal
from evalflow.proposals.services import (
    add_document,
    create_proposal,
    screen_proposal,
    submit_proposal,
)
from evalflow.reviews.assignments import assign_reviewer
from evalflow.reviews.models import ReviewAssignment
from evalflow.reviews.services import save_review

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)
_counter = itertools.count(1)

ORDER = ["draft", "submitted", "eligible", "under_review", "reviewed"]


def call_payload(**overrides: Any) -> dict[str, Any]:
    """A valid call for the API, open from yesterday to a month from now."""
    n = next(_counter)
    now = utcnow()
    payload = {
        "code": f"CALL-{n}", "title": f"Convocatoria {n}", "description": "Puntos de contacto",
        "language": "es", "timezone": "America/Mexico_City",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "currency": "MXN", "max_award": "1000000.00", "total_budget": "12000000.00",
        "reviewers_per_proposal": 2,
        "sectors": [{"code": "TIC", "name": "Tecnologías de la Información y Comunicación"},
                    {"code": "SAL", "name": "Salud"}],
        "eligibility_criteria": [{"code": "E1", "text": "Institución mexicana registrada"}],
        "criteria": [
            {"code": "C1", "name": "Calidad", "weight": 0.6, "min": 1, "max": 10, "threshold": 6},
            {"code": "C2", "name": "Impacto", "weight": 0.4, "min": 1, "max": 10},
        ],
    }
    payload.update(overrides)
    return payload


def proposal_payload(call: Call | str, **overrides: Any) -> dict[str, Any]:
    payload = {
        "call": call if isinstance(call, str) else call.code, "sector": "TIC",
        "title": "Punto Nacional de Contacto TIC", "summary": "Seguimiento de proyectos",
        "requested_amount": "950000.00",
        "budget_lines": [{"concept": "Personal", "amount": "600000.00"},
                         {"concept": "Viajes", "amount": "350000.00"}],
    }
    payload.update(overrides)
    return payload


class Factory:
    """Builds the world a test needs, committing after each step like a request would."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.session = db.session

    def user(self, role: str = "applicant", *, email: str | None = None,
             institution: str | None = None, name: str | None = None) -> User:
        n = next(_counter)
        if role == "applicant" and institution is None:
            institution = f"Instituto {n}"
        user = create_user(self.session, email=email or f"{role}{n}@example.mx",
                           name=name or f"{role.title()} {n}", role=role,
                           institution=institution, password=None)
        self.session.commit()
        return user

    def token(self, user: User) -> str:
        token = create_token(self.session, user)
        self.session.commit()
        return token

    def officer(self) -> User:
        return self.user("officer")

    def call(self, *, state: str = "open", officer: User | None = None, **overrides: Any) -> Call:
        officer = officer or self.officer()
        call = create_call(self.session, call_payload(**overrides), officer)
        self.session.commit()
        for event in {"draft": [], "open": ["open"], "closed": ["open", "close"]}[state]:
            transition_call(self.session, call, event, officer)
            self.session.commit()
        return call

    def proposal(self, *, call: Call | None = None, applicant: User | None = None,
                 state: str = "draft", reviewers: list[User] | None = None,
                 scores: list[dict[str, int]] | None = None, amount: str | None = None,
                 **overrides: Any) -> Proposal:
        call = call or self.call()
        applicant = applicant or self.user("applicant")
        officer = self.officer()
        proposal = create_proposal(self.session, proposal_payload(call, **overrides), applicant)
        add_document(self.session, proposal, "plan.pdf", PDF, applicant, max_bytes=10**7)
        self.session.commit()
        target = state
        if target in ("funded", "not_funded"):
            target = "reviewed"
        if target in ("ineligible", "withdrawn"):
            target = {"ineligible": "submitted", "withdrawn": "draft"}[target]
        steps = ORDER[1:ORDER.index(target) + 1]
        for step in steps:
            if step == "submitted":
                submit_proposal(self.session, proposal, applicant)
            elif step == "eligible":
                screen_proposal(self.session, proposal, officer, eligible=True)
            elif step == "under_review":
                reviewers = reviewers or [self.user("reviewer")
                                          for _ in range(call.reviewers_per_proposal)]
                for reviewer in reviewers:
                    assign_reviewer(self.session, proposal, reviewer, officer)
            elif step == "reviewed":
                assignments = self.session.query(ReviewAssignment).filter_by(
                    proposal_id=proposal.id).all()
                for i, assignment in enumerate(assignments):
                    given = (scores or [])[i] if scores and i < len(scores) else {"C1": 8, "C2": 7}
                    save_review(self.session, assignment, assignment.reviewer,
                                {"scores": given, "comment_to_applicant": "Bien",
                                 "comment_to_committee": "Sólido", "submit": True})
            self.session.commit()
        if state == "ineligible":
            screen_proposal(self.session, proposal, officer, eligible=False, reason="Sin registro")
        elif state == "withdrawn":
            from evalflow.proposals.services import withdraw_proposal

            withdraw_proposal(self.session, proposal, applicant)
        elif state == "funded":
            fund_proposal(self.session, proposal, officer, amount or proposal.requested_amount)
        elif state == "not_funded":
            decline_proposal(self.session, proposal, officer, "Presupuesto insuficiente")
        self.session.commit()
        return proposal


class ApiClient:
    """The test client speaking JSON with a bearer token."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _headers(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, token: str | None = None, **kw: Any) -> TestResponse:
        return self.client.get(f"/api/v1{path}", headers=self._headers(token), **kw)

    def post(
        self, path: str, json: Any = None, token: str | None = None, **kw: Any
    ) -> TestResponse:
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(token), **kw)

    def put(self, path: str, json: Any = None, token: str | None = None) -> TestResponse:
        return self.client.put(f"/api/v1{path}", json=json, headers=self._headers(token))

    def patch(self, path: str, json: Any = None, token: str | None = None) -> TestResponse:
        return self.client.patch(f"/api/v1{path}", json=json, headers=self._headers(token))


def money(value: str) -> Decimal:
    return Decimal(value)


SIGN_IN_PASSWORD = "correct horse"


def sign_in(client: Any, user: User, *, locale: str = "en") -> User:
    """Give the user a known password and a language, and sign in through the login form."""
    from flask_babel import refresh

    from evalflow.auth.passwords import set_password

    set_password(db.session, user, SIGN_IN_PASSWORD)
    user.locale = locale
    db.session.commit()
    refresh()  # the test's app context may hold the previous user's locale
    response = client.post("/auth/login",
                           data={"email": user.email, "password": SIGN_IN_PASSWORD})
    assert response.status_code == 302, response.text
    return user
