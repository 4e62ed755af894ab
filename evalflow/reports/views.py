"""The call dashboard, exports and each proposal's history, for program officers.

Each page reads a fixed number of queries however many proposals the call has: the report's
one grouped query, and one query per kind of row (proposals, reviews, scores).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evalflow.audit import AuditEvent, proposal_history
from evalflow.auth.access import officer_required
from evalflow.auth.models import Institution, User
from evalflow.calls.models import Call, Criterion, Sector
from evalflow.extensions import db
from evalflow.i18n import money, number, state_label
from evalflow.paging import requested_page
from evalflow.proposals.models import EligibilityDecision, Proposal
from evalflow.reports import charts, exports
from evalflow.reports.services import call_report
from evalflow.reviews.models import Review, ReviewAssignment, ReviewScore, ReviewState

dashboards = Blueprint("dashboards", __name__, url_prefix="/officer/reports")

# What each recorded action means, for the timeline; an unknown one shows its code.
ACTIONS = {
    "proposal.create": _l("Proposal created"), "proposal.add_document": _l("Document added"),
    "proposal.remove_document": _l("Document removed"), "proposal.submit": _l("Submitted"),
    "proposal.approve_eligibility": _l("Found eligible"),
    "proposal.reject_eligibility": _l("Found not eligible"),
    "proposal.start_review": _l("Review started"),
    "proposal.complete_review": _l("Review completed"), "proposal.fund": _l("Funded"),
    "proposal.decline": _l("Declined"), "proposal.withdraw": _l("Withdrawn"),
    "assignment.create": _l("Reviewer assigned"), "assignment.remove": _l("Reviewer removed"),
    "assignment.declare_no_conflict": _l("Reviewer declared no conflict"),
    "assignment.declare_conflict": _l("Reviewer declared a conflict"),
    "review.submit": _l("Review submitted"), "letter.issue": _l("Letter issued"),
    "letter.fail": _l("Letter could not be issued"),
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}




def _call(code: str) -> Call:
    call = db.session.scalar(sa.select(Call).where(Call.code == code))
    if call is None:
        abort(404)
    return call


def _reviewer_totals(call: Call) -> list[tuple[str, list[Decimal]]]:
    """Each reviewer's submitted totals in the call, by reviewer name."""
    rows = db.session.execute(
        sa.select(User.name, Review.total)
        .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.call_id == call.id, Review.state == ReviewState.SUBMITTED,
               Review.total.is_not(None))
        .order_by(User.name, Review.total)
    ).all()
    by_reviewer: dict[str, list[Decimal]] = defaultdict(list)
    for name, total in rows:
        by_reviewer[name].append(total)
    return list(by_reviewer.items())


def _scale(call: Call) -> tuple[float, float]:
    low, high = db.session.execute(
        sa.select(sa.func.min(Criterion.min_score), sa.func.max(Criterion.max_score))
        .where(Criterion.call_id == call.id)
    ).one()
    return float(low or 0), float(high or 10)


def _dashboard_charts(call: Call, report: Any, totals: list[tuple[str, list[Decimal]]]
                      ) -> dict[str, Any]:
    funnel = [(_("Received"), report.received), (_("Eligible"), report.eligible),
              (_("Reviewed"), report.reviewed), (_("Funded"), report.funded)]
    sectors = [line.name for line in report.by_sector]
    low, high = _scale(call)
    return {
        "funnel": charts.bar_chart(
            _("Funnel of call %(code)s", code=call.code),
            [charts.Bar(label, value, number(value, 0)) for label, value in funnel],
            description=", ".join(f"{label}: {value}" for label, value in funnel),
            chart_id="funnel",
        ),
        "sectors": charts.grouped_bar_chart(
            _("Proposals by sector"), sectors,
            [(name, [charts.Bar(line.name, getattr(line, key), number(getattr(line, key), 0))
                     for line in report.by_sector])
             for name, key in ((_("Received"), "received"), (_("Eligible"), "eligible"),
                               (_("Funded"), "funded"))],
            description=_("Received, eligible and funded proposals in each sector."),
            chart_id="sectors",
        ),
        "amounts": charts.bar_chart(
            _("Amount awarded by sector"),
            [charts.Bar(line.name, line.awarded_total, money(line.awarded_total, call.currency))
             for line in report.by_sector],
            chart_id="amounts",
        ),
        "scores": charts.strip_plot(
            _("Submitted review totals by reviewer"), totals, low=low, high=high,
            description=_("Each dot is one submitted review's weighted total; the tick is the "
                          "reviewer's median."),
            chart_id="scores", summary=_("n={n} · median {median}"),
        ) if totals else None,
    }


# The dashboard's list of proposals (each with its history link) is paged; the export has
# every proposal on one sheet.
PROPOSALS_PER_PAGE = 100


@dashboards.get("/<code>")
@officer_required
def call(code: str):
    """The call's funnel, sector table, reviewers' score distribution and its proposals."""
    call = _call(code)
    report = call_report(db.session, call)
    totals = _reviewer_totals(call)
    page = requested_page(PROPOSALS_PER_PAGE)
    listed = db.session.scalar(
        sa.select(sa.func.count(Proposal.id)).where(Proposal.call_id == call.id)) or 0
    proposals = db.session.execute(
        sa.select(Proposal.id, Proposal.reference, Proposal.title, Proposal.state,
                  Proposal.score, Proposal.awarded_amount)
        .where(Proposal.call_id == call.id)
        .order_by(Proposal.number)
        .offset(page.offset).limit(page.size)
    ).all()
    return render_template(
        "dashboards/call.html", call=call, report=report, totals=totals, proposals=proposals,
        page=page.of(listed), charts=_dashboard_charts(call, report, totals),
    )


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_lines(call: Call) -> tuple[list[str], list[exports.ProposalLine]]:
    """The call's criteria codes and its proposals with their submitted reviews, in three
    queries (proposals, reviews, scores)."""
    zone = ZoneInfo(call.timezone)
    codes = [criterion.code for criterion in call.criteria]
    reviews = db.session.execute(
        sa.select(Review.id, Review.proposal_id, User.name, Review.total,
                  Review.comment_to_applicant, Review.comment_to_committee, Review.submitted_at)
        .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.call_id == call.id, Review.state == ReviewState.SUBMITTED)
        .order_by(Review.submitted_at, Review.id)
    ).all()
    scores: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for review_id, code, value in db.session.execute(
        sa.select(ReviewScore.review_id, Criterion.code, ReviewScore.value)
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .join(Review, Review.id == ReviewScore.review_id)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.call_id == call.id, Review.state == ReviewState.SUBMITTED)
    ):
        scores[review_id][code] = value
    by_proposal: dict[int, list[exports.ReviewLine]] = defaultdict(list)
    for review_id, proposal_id, name, total, to_applicant, to_committee, at in reviews:
        by_proposal[proposal_id].append(exports.ReviewLine(
            name, total, scores[review_id], to_applicant, to_committee, _local(at, zone)))
    rows = db.session.execute(
        sa.select(Proposal, Institution.name, Sector.name, EligibilityDecision.reason)
        .join(Institution, Institution.id == Proposal.institution_id)
        .outerjoin(Sector, Sector.id == Proposal.sector_id)
        .outerjoin(EligibilityDecision, EligibilityDecision.proposal_id == Proposal.id)
        .where(Proposal.call_id == call.id)
        .order_by(Proposal.number)
    ).all()
    lines = [
        exports.ProposalLine(
            p.reference, p.title, institution, sector or "", state_label(p.state),
            p.requested_amount, p.awarded_amount, p.score, p.score_spread,
            eligibility_reason or "", p.decision_reason or "", _local(p.decided_at, zone),
            by_proposal.get(p.id, []),
        )
        for p, institution, sector, eligibility_reason in rows
    ]
    return codes, lines


def export_labels(call: Call) -> dict[str, str]:
    """The export's column headers in the reader's language; the first says what a row is."""
    zone = call.timezone
    return {
        "reference": _("Reference (one row per review)"), "title": _("Title"),
        "institution": _("Institution"), "sector": _("Sector"), "state": _("State"),
        "requested_amount": _("Requested (%(currency)s)", currency=call.currency),
        "awarded_amount": _("Awarded (%(currency)s)", currency=call.currency),
        "score": _("Proposal score"), "spread": _("Spread between reviewers"),
        "eligibility_reason": _("Eligibility reason"),
        "decision_reason": _("Decision reason"),
        "decided_at": _("Decided (%(zone)s)", zone=zone), "reviewer": _("Reviewer"),
        "total": _("Review total"), "comment_to_applicant": _("Comment to the applicant"),
        "comment_to_committee": _("Comment to the committee"),
        "submitted_at": _("Review submitted (%(zone)s)", zone=zone),
    }


@dashboards.get("/<code>/export.<fmt>")
@officer_required
def export(code: str, fmt: str):
    """The call's proposals, every submitted review's scores and comments, and the decisions."""
    if fmt not in FORMATS:
        abort(404)
    call = _call(code)
    codes, lines = export_lines(call)
    cols = exports.columns(export_labels(call), codes)
    rows = exports.review_rows(lines, codes)
    data = exports.to_csv(cols, rows) if fmt == "csv" else exports.to_xlsx(cols, rows, call.code)
    filename = "".join(ch for ch in call.code if ch.isalnum() or ch in "-_") or "call"
    response = Response(data, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}-reviews.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@dashboards.get("/<code>/proposals/<int:proposal_id>/history")
@officer_required
def history(code: str, proposal_id: int):
    """The proposal's full audit trail, oldest first, in the call's time zone."""
    call = _call(code)
    proposal = db.session.scalar(
        sa.select(Proposal).where(Proposal.id == proposal_id, Proposal.call_id == call.id))
    if proposal is None:
        abort(404)
    events = [(event, str(ACTIONS.get(event.action, event.action)), _details(event, call))
              for event in proposal_history(db.session, proposal.id, internal=True)]
    return render_template("dashboards/history.html", call=call, proposal=proposal,
                           events=events)


def _details(event: AuditEvent, call: Call) -> list[tuple[str, str]]:
    """The recorded facts worth reading on the timeline: an amount, a letter's folio."""
    try:
        data = json.loads(event.data or "{}")
    except ValueError:
        return []
    details = []
    if data.get("amount") is not None:
        details.append((_("Amount"), money(Decimal(str(data["amount"])), call.currency)))
    if data.get("folio"):
        details.append((_("Folio"), str(data["folio"])))
    return details
