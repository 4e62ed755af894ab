"""`flask --app evalflow demo load` reproduces the 2008 call's figures, end to end, once."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from werkzeug.security import generate_password_hash

from evalflow.calls.models import CallState
from evalflow.calls.services import get_call
from evalflow.decisions.models import Letter, LetterState
from evalflow.demo import data as demo_data
from evalflow.demo.documents import simple_pdf
from evalflow.demo.plans import plan_funding
from evalflow.extensions import db
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.proposals.uploads import check_pdf
from evalflow.reports.services import RankedProposal, call_report, ranking
from evalflow.reviews.models import AssignmentState, Review, ReviewAssignment, ReviewState

# DESIGN.md's table: eligible proposals per sector; the ninth sector received none.
DESIGN_TABLE = {
    "Cooperación Internacional para el Desarrollo": 6,
    "Alimentos, Agricultura, Pesquería y Biotecnología": 5,
    "Tecnologías de la Información y Comunicación": 3,
    "Nanotecnología y Nuevos Materiales": 3,
    "Hidrocarburos y Energías Alternativas": 3,
    "Sector Automotriz": 3,
    "Medio Ambiente y Cambio Climático": 2,
    "Salud": 1,
}
BUDGET = Decimal("12000000.00")


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    # The demo creates 40 users; their scrypt hashes alone would take 5-10 s here.
    monkeypatch.setattr(
        "evalflow.auth.services.generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_demo_load_reproduces_the_2008_call_and_a_second_run_changes_nothing(
    app, runner, make, client, cheap_passwords
):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "29 received, 26 eligible, 3 ineligible" in result.output
    for person in (demo_data.OFFICER, demo_data.ADMIN, *demo_data.REVIEWERS,
                   *demo_data.APPLICANTS):
        assert person.email in result.output
    assert "oficial-pnc-2008" in result.output

    call = get_call(db.session, "PNC-2008")
    assert call.state == CallState.DECIDED
    assert (call.language, call.timezone, call.currency) == ("es", "America/Mexico_City", "MXN")
    # 09:00 in Mexico City under 2008 daylight time (-05:00); 18:00 after it ended (-06:00).
    assert call.opens_at == datetime(2008, 9, 15, 14, 0, tzinfo=UTC)
    assert call.closes_at == datetime(2008, 11, 1, 0, 0, tzinfo=UTC)
    assert (call.max_award, call.total_budget) == (Decimal("1000000.00"), BUDGET)
    assert call.reviewers_per_proposal == 3
    assert len(call.sectors) == 9
    assert sum((c.weight for c in call.criteria), Decimal(0)) == 1
    assert 3 <= len(call.eligibility_criteria) <= 5

    report = call_report(db.session, call)
    assert (report.received, report.eligible, report.ineligible, report.withdrawn) == (
        29, 26, 3, 0)
    assert report.reviewed == report.funded + report.not_funded == 26
    assert 0 < report.awarded_total <= BUDGET
    assert report.budget_remaining == BUDGET - report.awarded_total
    eligible = {line.name: line.eligible for line in report.by_sector}
    ninth = report.by_sector[-1]
    assert ninth.name not in DESIGN_TABLE
    assert eligible == DESIGN_TABLE | {ninth.name: 0}
    assert ninth.received == 0
    assert sum(line.received for line in report.by_sector) == 29

    token = make.token(make.officer())
    as_officer = client.get("/api/v1/calls/PNC-2008/report",
                            headers={"Authorization": f"Bearer {token}"})
    public = client.get("/api/v1/calls/PNC-2008/report")
    assert as_officer.status_code == public.status_code == 200
    body = as_officer.get_json()
    assert body == public.get_json()
    assert (body["received"], body["eligible"], body["ineligible"]) == (29, 26, 3)
    assert {s["name"]: s["eligible"] for s in body["by_sector"]} == eligible
    assert Decimal(body["awarded_total"]) == report.awarded_total

    proposals = db.session.scalars(
        sa.select(Proposal).where(Proposal.call_id == call.id)).all()
    for proposal in proposals:
        assert proposal.submitted_at < call.closes_at
        assert proposal.requested_amount <= call.max_award
        assert sum(line.amount for line in proposal.budget_lines) == proposal.requested_amount
        assert proposal.documents
        assert "Ficticio" in proposal.institution.name or "Ficticia" in proposal.institution.name \
            or "Imaginaria" in proposal.institution.name
    ineligible = [p for p in proposals if p.state == ProposalState.INELIGIBLE]
    assert all(p.eligibility.reason for p in ineligible)
    assert all(eligible[p.sector.name] > 0 for p in ineligible)

    assignments = db.session.scalars(
        sa.select(ReviewAssignment).join(Proposal).where(Proposal.call_id == call.id)).all()
    conflicted = [a for a in assignments if a.state == AssignmentState.CONFLICTED]
    assert len(conflicted) == 1 and conflicted[0].conflict_reason
    assert len([a for a in assignments if a.proposal_id == conflicted[0].proposal_id]) == 4
    assert all(a.state == AssignmentState.ACCEPTED for a in assignments if a not in conflicted)
    for proposal in proposals:
        if proposal.state == ProposalState.INELIGIBLE:
            continue
        reviews = db.session.scalars(
            sa.select(Review).join(ReviewAssignment)
            .where(Review.proposal_id == proposal.id, Review.state == ReviewState.SUBMITTED,
                   ReviewAssignment.state == AssignmentState.ACCEPTED)).all()
        assert len(reviews) == 3
        assert all(r.comment_to_applicant and r.comment_to_committee for r in reviews)

    ranked, _ = ranking(db.session, call)
    funded = [r for r in ranked if r.state == ProposalState.FUNDED]
    assert funded and all(r.awarded_amount == r.requested_amount for r in funded)
    assert not any(r.below_threshold for r in funded)
    declined_for_budget = [r for r in ranked
                           if r.state == ProposalState.NOT_FUNDED and not r.below_threshold]
    assert max(r.rank for r in funded) < min(r.rank for r in declined_for_budget)
    assert declined_for_budget[0].requested_amount > report.budget_remaining

    letters = {letter.proposal_id: letter for letter in db.session.scalars(
        sa.select(Letter).where(Letter.call_id == call.id))}
    for proposal in proposals:
        letter = letters.get(proposal.id)
        if proposal.state == ProposalState.INELIGIBLE:
            assert letter is None
            continue
        assert proposal.state in (ProposalState.FUNDED, ProposalState.NOT_FUNDED)
        assert letter.state == LetterState.ISSUED and letter.sha256
        assert letter.issued_at.year == 2008
        assert letter.kind.value == ("award" if proposal.state == ProposalState.FUNDED
                                     else "decline")

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output

    before = _row_counts()
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert "29 received, 26 eligible" in again.output and "oficial@demo.example" in again.output
    db.session.expire_all()
    assert _row_counts() == before


def _ranked(rank: int, requested: str, below: list[str] | None = None) -> RankedProposal:
    return RankedProposal(
        rank, rank, f"R-{rank}", "t", "i", "S", ProposalState.REVIEWED, Decimal(10 - rank),
        Decimal(0), 3, Decimal(requested), None, below or [],
    )


def test_funding_goes_down_the_ranking_until_the_budget_runs_out():
    ranked = [_ranked(1, "600.00"), _ranked(2, "300.00", ["C1"]), _ranked(3, "300.00"),
              _ranked(4, "200.00"), _ranked(5, "50.00")]
    steps = plan_funding(ranked, Decimal("1000.00"), {"C1": "Capacidad"})
    assert [(s.reference, s.fund) for s in steps] == [
        ("R-1", True), ("R-2", False), ("R-3", True), ("R-4", False), ("R-5", False)]
    assert "«Capacidad»" in steps[1].reason
    assert "presupuesto" in steps[3].reason and "presupuesto" in steps[4].reason
    assert sum(s.amount for s in steps if s.fund) == Decimal("900.00")


def test_budget_lines_add_up_to_the_requested_amount_exactly():
    for amount in ("867500.00", "642300.00", "1000000.00", "585000.00"):
        for shares in demo_data.BUDGET_TEMPLATES:
            lines = demo_data.budget_lines(Decimal(amount), shares)
            assert sum(Decimal(line["amount"]) for line in lines) == Decimal(amount)
            assert all(Decimal(line["amount"]) > 0 for line in lines)


def test_the_demo_data_has_the_seed_figures():
    eligible: dict[str, int] = {}
    for spec in demo_data.PROPOSALS:
        if spec.rejected is None:
            eligible[spec.sector] = eligible.get(spec.sector, 0) + 1
        assert Decimal(spec.amount) <= Decimal("1000000.00")
    assert len(demo_data.PROPOSALS) == 29
    assert sum(eligible.values()) == 26
    assert {code: n for code, n in demo_data.ELIGIBLE_BY_SECTOR.items() if n} == eligible
    assert len({spec.institution for spec in demo_data.PROPOSALS}) == 29
    assert len({spec.email for spec in demo_data.PROPOSALS}) == 29


def test_the_work_plan_document_is_a_pdf_the_upload_check_accepts():
    pdf = simple_pdf(["Plan de trabajo (12 meses)", "Institución ficticia (demostración)"])
    check_pdf(pdf, max_bytes=10 * 1024 * 1024)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Institución ficticia (demostración)" in text
