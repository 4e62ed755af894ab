"""JSON shapes of API.md: money as two-decimal strings, times ISO 8601 with their offset."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from evalflow.audit import AuditEvent
from evalflow.auth.models import Role, User
from evalflow.calls.models import Call
from evalflow.decisions.models import Letter, LetterState
from evalflow.proposals.models import Document, Proposal
from evalflow.reports.services import CallReport, RankedProposal
from evalflow.reviews.models import Review, ReviewAssignment


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def number(value: Decimal | None) -> float | int | None:
    """A score or weight as a JSON number, without float noise in its decimals."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def when(value: datetime | None, zone: str | None = None) -> str | None:
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone) if zone else value.tzinfo).isoformat()


def call(c: Call) -> dict[str, Any]:
    return {
        "code": c.code, "title": c.title, "description": c.description, "language": c.language,
        "timezone": c.timezone, "opens_at": when(c.opens_at, c.timezone),
        "closes_at": when(c.closes_at, c.timezone), "currency": c.currency,
        "max_award": money(c.max_award), "total_budget": money(c.total_budget),
        "awarded_total": money(c.awarded_total),
        "budget_remaining": money(c.total_budget - c.awarded_total),
        "reviewers_per_proposal": c.reviewers_per_proposal, "review_days": c.review_days,
        "state": c.state.value,
        "sectors": [{"code": s.code, "name": s.name} for s in c.sectors],
        "eligibility_criteria": [{"code": e.code, "text": e.text} for e in c.eligibility_criteria],
        "criteria": [
            {"code": k.code, "name": k.name, "description": k.description,
             "weight": number(k.weight), "min": number(k.min_score), "max": number(k.max_score),
             "threshold": number(k.threshold)}
            for k in c.criteria
        ],
    }


def document(d: Document) -> dict[str, Any]:
    return {"id": d.id, "filename": d.filename, "sha256": d.sha256, "size": d.size,
            "content_type": d.content_type, "uploaded_at": when(d.uploaded_at)}


def letter_summary(letter: Letter | None) -> dict[str, Any] | None:
    if letter is None or letter.state != LetterState.ISSUED:
        return None
    return {"kind": letter.kind.value, "folio": letter.folio,
            "verification_code": letter.verification_code, "sha256": letter.sha256,
            "issued_at": when(letter.issued_at)}


def history_event(event: AuditEvent, viewer: User, zone: str) -> dict[str, Any]:
    entry = {"event": event.action.split(".", 1)[1], "action": event.action,
             "from": event.from_state, "to": event.to_state, "reason": event.reason,
             "at": when(event.occurred_at, zone)}
    if viewer.is_officer:
        entry["actor"] = event.actor
    return entry


def proposal(
    p: Proposal, viewer: User, *, history: list[AuditEvent] | None = None,
    letter: Letter | None = None, comments: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": p.id, "reference": p.reference, "call": p.call.code, "state": p.state.value,
        "institution": p.institution.name, "sector": p.sector.code if p.sector else None,
        "sector_name": p.sector.name if p.sector else None, "title": p.title,
        "summary": p.summary, "work_plan": p.work_plan,
        "requested_amount": money(p.requested_amount),
        "awarded_amount": money(p.awarded_amount),
        "budget_lines": [{"concept": b.concept, "amount": money(b.amount)} for b in p.budget_lines],
        "documents": [document(d) for d in p.documents],
        "submitted_at": when(p.submitted_at, p.call.timezone),
        "decided_at": when(p.decided_at, p.call.timezone),
        "created_at": when(p.created_at, p.call.timezone),
    }
    if viewer.role != Role.REVIEWER:
        body["decision_reason"] = p.decision_reason
        body["history"] = [history_event(e, viewer, p.call.timezone) for e in history or []]
        body["letter"] = letter_summary(letter)
        body["reviewer_comments"] = comments or []
    return body


def proposal_row(p: Proposal) -> dict[str, Any]:
    return {"id": p.id, "reference": p.reference, "state": p.state.value,
            "institution": p.institution.name, "sector": p.sector.code if p.sector else None,
            "title": p.title, "requested_amount": money(p.requested_amount),
            "awarded_amount": money(p.awarded_amount),
            "submitted_at": when(p.submitted_at, p.call.timezone if p.call else None)}


def assignment(a: ReviewAssignment) -> dict[str, Any]:
    zone = a.proposal.call.timezone
    review = a.review
    return {"id": a.id, "proposal_id": a.proposal_id, "call": a.proposal.call.code,
            "state": a.state.value, "due_at": when(a.due_at, zone), "conflict": a.has_conflict,
            "review_state": review.state.value if review else None,
            "proposal_state": a.proposal.state.value,
            "reference": a.proposal.reference if a.has_conflict is not True else None,
            "title": a.proposal.title if a.has_conflict is not True else None}


def review(r: Review, scores: dict[str, Decimal]) -> dict[str, Any]:
    return {"id": r.id, "assignment_id": r.assignment_id, "state": r.state.value,
            "scores": {code: number(v) for code, v in scores.items()},
            "total": number(r.total), "comment_to_applicant": r.comment_to_applicant,
            "comment_to_committee": r.comment_to_committee,
            "submitted_at": when(r.submitted_at)}


def review_for_officer(r: Review) -> dict[str, Any]:
    return {"id": r.id, "reviewer": r.assignment.reviewer.email,
            "reviewer_name": r.assignment.reviewer.name,
            "scores": {s.criterion.code: number(s.value) for s in r.scores},
            "total": number(r.total), "comment_to_applicant": r.comment_to_applicant,
            "comment_to_committee": r.comment_to_committee, "submitted_at": when(r.submitted_at)}


def ranked(r: RankedProposal) -> dict[str, Any]:
    return {"rank": r.rank, "proposal_id": r.proposal_id, "reference": r.reference,
            "title": r.title, "institution": r.institution, "sector": r.sector,
            "state": r.state.value, "score": number(r.score), "spread": number(r.spread),
            "reviews": r.reviews, "requested_amount": money(r.requested_amount),
            "awarded_amount": money(r.awarded_amount),
            "below_threshold": bool(r.below_threshold),
            "below_threshold_criteria": r.below_threshold}


def report(r: CallReport) -> dict[str, Any]:
    return {
        "received": r.received, "eligible": r.eligible, "ineligible": r.ineligible,
        "withdrawn": r.withdrawn, "reviewed": r.reviewed, "funded": r.funded,
        "not_funded": r.not_funded, "awarded_total": money(r.awarded_total),
        "budget_remaining": money(r.budget_remaining),
        "by_sector": [{"code": s.code, "name": s.name, "received": s.received,
                       "eligible": s.eligible, "funded": s.funded,
                       "awarded_total": money(s.awarded_total)} for s in r.by_sector],
    }
