"""`flask --app evalflow demo load`: the 2008 National Contact Points call, end to end.

Builds DESIGN.md's reference case through the same services the API and the web pages use:
the call with its real 2008 dates, 29 proposals from fictional institutions (see
`evalflow.demo.data`), eligibility screening (26 eligible, 3 not), automatic reviewer
assignment with one declared conflict, three reviews per proposal, funding down the ranking
within the budget, the call decided, and every award and decline letter issued.

Each step checks what is already there before acting, so a second run changes nothing and a
run that stopped part-way resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from evalflow.auth.models import Role, User
from evalflow.auth.services import create_user
from evalflow.calls.models import Call, CallState
from evalflow.calls.services import create_call, get_call, transition_call
from evalflow.decisions.issuing import issue_call_letters
from evalflow.decisions.models import Letter, LetterState
from evalflow.decisions.services import (
    decline_proposal,
    fund_proposal,
    owed_letters,
    reserve_letter,
)
from evalflow.demo import data
from evalflow.demo.documents import work_plan_pdf
from evalflow.demo.plans import SLOTS, ZONE, local, plan_funding, plan_reviews
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.proposals.services import (
    add_document,
    create_proposal,
    screen_proposal,
    submit_proposal,
)
from evalflow.reports.services import CallReport, call_report, ranking
from evalflow.reviews.assignments import auto_assign, declare_conflict
from evalflow.reviews.models import AssignmentState, ReviewAssignment, ReviewState
from evalflow.reviews.services import save_review

Echo = Callable[[str], None]

@dataclass(frozen=True)
class DemoOutcome:
    """What the demo call looks like after `load_demo`."""

    already_loaded: bool
    report: CallReport
    letters_issued: int
    letters_failed: int


def load_demo(session: Session, config: Mapping[str, Any], echo: Echo = print) -> DemoOutcome:
    """Load the 2008 call with the seed's figures, its users, reviews, decisions and letters.

    Idempotent: when the call is already decided with every letter issued, nothing is
    written; the summary and the demo logins are printed again either way.
    """
    people = _ensure_people(session, echo)
    officer = people[data.OFFICER.email]
    call = session.scalars(sa.select(Call).where(Call.code == data.CALL_CODE)).first()
    already = call is not None and _is_complete(session, call)
    failed = 0
    if already:
        echo(f"The demo is already loaded: {data.CALL_CODE} is decided and its letters are "
             "issued. Nothing changed.")
    else:
        if call is not None:
            echo(f"{data.CALL_CODE} exists but is not finished ({call.state.value}); resuming.")
        failed = _build(session, config, people, officer, call, echo)
    call = get_call(session, data.CALL_CODE)
    report = call_report(session, call)
    issued = session.scalar(
        sa.select(sa.func.count(Letter.id))
        .where(Letter.call_id == call.id, Letter.state == LetterState.ISSUED)
    ) or 0
    echo(
        f"{call.code} ({call.state.value}): {report.received} received, {report.eligible} "
        f"eligible, {report.ineligible} ineligible, {report.funded} funded for "
        f"${report.awarded_total:,.2f} {call.currency}, {report.not_funded} not funded, "
        f"${report.budget_remaining:,.2f} of the budget left; {issued} letters issued."
    )
    _echo_logins(echo)
    if failed:
        raise click.ClickException(
            f"{failed} letters could not be rendered; run `demo load` again to retry them."
        )
    return DemoOutcome(already, report, issued, failed)


def _is_complete(session: Session, call: Call) -> bool:
    return call.state == CallState.DECIDED and not owed_letters(session, call)


def _build(
    session: Session, config: Mapping[str, Any], people: dict[str, User], officer: User,
    call: Call | None, echo: Echo,
) -> int:
    """Run every step still to do; return how many letters failed."""
    if call is None:
        call = create_call(session, dict(data.CALL), officer)
        session.commit()
        echo(f"Created the call {call.code}: {call.title}.")
    call = get_call(session, data.CALL_CODE)
    if call.state == CallState.DRAFT:
        transition_call(session, call, "open", officer, at=local(data.OPENS_AT))
        session.commit()
    proposals = _ensure_proposals(session, call, people, config, echo)
    if call.state == CallState.OPEN:
        transition_call(session, call, "close", officer, at=local(data.CLOSES_AT))
        session.commit()
        echo(f"Closed the call at {local(data.CLOSES_AT).astimezone(ZONE).isoformat()}.")
    _screen(session, officer, proposals, echo)
    _assign(session, call, officer, proposals, echo)
    _review(session, proposals, echo)
    _decide_funding(session, call, officer, echo)
    if call.state == CallState.CLOSED:
        transition_call(session, call, "decide", officer, at=local(data.DECIDED_AT))
        session.commit()
        echo(f"Decided the call at {local(data.DECIDED_AT).astimezone(ZONE).isoformat()}.")
    owed = owed_letters(session, call)
    if not owed:
        return 0
    # Reserved ahead of the batch, which keeps reserved folios, so the letters bear a 2008
    # date instead of today's.
    for proposal, letter in owed:
        if letter is None:
            reserve_letter(session, proposal, officer, at=local(data.LETTERS_AT))
    session.commit()
    echo(f"Issuing {len(owed)} award and decline letters…")
    summary = issue_call_letters(
        session, call, officer, dict(config), processes=int(config["LETTER_PROCESSES"])
    )
    echo(f"Letters: {summary.line()}.")
    return summary.failed


# --- people -------------------------------------------------------------------------------


def _ensure_people(session: Session, echo: Echo) -> dict[str, User]:
    emails = [person.email for person in data.PEOPLE]
    existing = {
        user.email: user
        for user in session.scalars(sa.select(User).where(User.email.in_(emails)))
    }
    users: dict[str, User] = {}
    created = 0
    for person in data.PEOPLE:
        user = existing.get(person.email)
        if user is None:
            user = create_user(
                session, email=person.email, name=person.name, role=person.role,
                institution=person.institution, password=person.password,
            )
            created += 1
        elif user.role != Role(person.role) or (
            person.institution is not None
            and (user.institution is None or user.institution.name != person.institution)
        ):
            raise click.ClickException(
                f"{person.email} already exists as a {user.role.value} that the demo cannot "
                f"use as its {person.role}; remove it or load the demo into another database."
            )
        users[person.email] = user
    if created:
        session.commit()
        echo(f"Created {created} demo users.")
    return users


# --- proposals ----------------------------------------------------------------------------


def _ensure_proposals(
    session: Session, call: Call, people: dict[str, User], config: Mapping[str, Any],
    echo: Echo,
) -> dict[str, Proposal]:
    """Each fictional institution's proposal, drafted and submitted before the deadline."""
    existing = {
        (p.institution_id, p.title): p
        for p in session.scalars(
            sa.select(Proposal).where(Proposal.call_id == call.id)
            .options(selectinload(Proposal.documents), selectinload(Proposal.budget_lines))
        )
    }
    sector_names = {s.code: s.name for s in call.sectors}
    found: dict[str, Proposal] = {}
    created = 0
    # In order of submission, so references follow the order in which proposals arrived.
    for index, spec in sorted(enumerate(data.PROPOSALS), key=lambda pair: pair[1].submitted):
        applicant = people[spec.email]
        proposal = existing.get((applicant.institution_id, spec.title))
        submitted_at = local(spec.submitted)
        if proposal is None:
            if call.state != CallState.OPEN:
                raise click.ClickException(
                    f"{call.code} is {call.state.value} but the proposal of {spec.institution} "
                    "is missing; the demo cannot add it now. Load it into a fresh database."
                )
            drafted_at = max(
                submitted_at - timedelta(days=2 + index % 5, hours=index % 7),
                local(data.OPENS_AT) + timedelta(days=1),
            )
            shares = spec.budget or data.BUDGET_TEMPLATES[index % len(data.BUDGET_TEMPLATES)]
            proposal = create_proposal(session, {
                "call": call.code, "sector": spec.sector, "title": spec.title,
                "summary": spec.summary, "work_plan": data.work_plan(sector_names[spec.sector]),
                "requested_amount": spec.amount,
                "budget_lines": data.budget_lines(Decimal(spec.amount), shares),
            }, applicant, at=drafted_at)
            created += 1
        if proposal.state == ProposalState.DRAFT:
            if not proposal.documents:
                add_document(
                    session, proposal, f"plan-de-trabajo-{spec.key.lower()}.pdf",
                    work_plan_pdf(proposal, spec, sector_names[spec.sector]), applicant,
                    max_bytes=int(config["MAX_UPLOAD_BYTES"]),
                )
                session.refresh(proposal, ["documents"])
            submit_proposal(session, proposal, applicant, at=submitted_at)
            session.commit()
        found[spec.key] = proposal
    if created:
        echo(f"Submitted {created} proposals from fictional institutions.")
    return found


# --- screening and review -----------------------------------------------------------------


def _screen(
    session: Session, officer: User, proposals: dict[str, Proposal], echo: Echo
) -> None:
    codes = [item["code"] for item in data.ELIGIBILITY]
    screened = 0
    for spec in data.PROPOSALS:
        proposal = proposals[spec.key]
        if proposal.state != ProposalState.SUBMITTED:
            continue
        # One officer screens about six proposals a working day, in order of arrival.
        n = proposal.number - 1
        at = local(data.SCREENING_FROM, timedelta(days=n // 6, minutes=50 * (n % 6)))
        screen_proposal(
            session, proposal, officer, eligible=spec.rejected is None, reason=spec.rejected,
            answers={code: code not in spec.unmet for code in codes}, at=at,
        )
        screened += 1
    if screened:
        session.commit()
        echo(f"Screened {screened} proposals.")


def _assignments(session: Session, call: Call) -> list[ReviewAssignment]:
    return list(session.scalars(
        sa.select(ReviewAssignment)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .where(Proposal.call_id == call.id)
        .order_by(ReviewAssignment.id)
        .options(selectinload(ReviewAssignment.review))
    ))


def _assign(
    session: Session, call: Call, officer: User, proposals: dict[str, Proposal], echo: Echo
) -> None:
    """Assign reviewers automatically; one declares a conflict and is replaced; the others
    declare they have none."""
    created = auto_assign(session, call, officer, at=local(data.ASSIGNED_AT))
    if created:
        session.commit()
        echo(f"Assigned reviewers automatically: {created} assignments.")
    assignments = _assignments(session, call)
    spec = next(s for s in data.PROPOSALS if s.conflict)
    target = proposals[spec.key]
    if not any(a.state == AssignmentState.CONFLICTED for a in assignments):
        first = next((a for a in assignments if a.proposal_id == target.id
                      and a.state == AssignmentState.PENDING and a.review is None), None)
        if first is not None:
            replacement = declare_conflict(
                session, first, first.reviewer, has_conflict=True, reason=spec.conflict,
                at=local(data.CONFLICT_AT),
            )
            session.commit()
            echo(f"{first.reviewer.email} declared a conflict of interest on "
                 f"{target.reference}; "
                 + (f"{replacement.reviewer.email} was assigned instead." if replacement
                    else "no other reviewer was free."))
            assignments = _assignments(session, call)
    pending = [a for a in assignments if a.state == AssignmentState.PENDING]
    for k, assignment in enumerate(pending):
        declare_conflict(
            session, assignment, assignment.reviewer, has_conflict=False,
            at=local(data.DECLARED_FROM, timedelta(minutes=7 * k)),
        )
    if pending:
        session.commit()
        echo(f"{len(pending)} assignments declared free of conflicts of interest.")


def _review(session: Session, proposals: dict[str, Proposal], echo: Echo) -> None:
    plans = plan_reviews()
    submitted = 0
    for spec in data.PROPOSALS:
        proposal = proposals[spec.key]
        if proposal.state != ProposalState.UNDER_REVIEW:
            continue
        active = [
            a for a in session.scalars(
                sa.select(ReviewAssignment)
                .where(ReviewAssignment.proposal_id == proposal.id,
                       ReviewAssignment.state != AssignmentState.CONFLICTED)
                .order_by(ReviewAssignment.id)
            )
        ]
        todo = [
            (plans[(spec.key, slot % SLOTS)], assignment)
            for slot, assignment in enumerate(active)
            if assignment.review is None or assignment.review.state != ReviewState.SUBMITTED
        ]
        # The last review submitted completes the proposal's review, so keep time order.
        for plan, assignment in sorted(todo, key=lambda pair: pair[0].at):
            save_review(session, assignment, assignment.reviewer, {
                "scores": plan.scores, "comment_to_applicant": plan.to_applicant,
                "comment_to_committee": plan.to_committee, "submit": True,
            }, at=plan.at)
            submitted += 1
        session.commit()
    if submitted:
        echo(f"Submitted {submitted} reviews.")


# --- funding ------------------------------------------------------------------------------


def _decide_funding(session: Session, call: Call, officer: User, echo: Echo) -> None:
    steps = plan_funding(
        ranking(session, call)[0], call.total_budget, {c.code: c.name for c in call.criteria}
    )
    funded = declined = 0
    for k, step in enumerate(steps):
        proposal = session.get(Proposal, step.proposal_id)
        if proposal is None or proposal.state != ProposalState.REVIEWED:
            continue
        at = local(data.FUNDING_AT, timedelta(minutes=2 * k))
        if step.fund:
            fund_proposal(session, proposal, officer, step.amount, reason=step.reason, at=at)
            funded += 1
        else:
            decline_proposal(session, proposal, officer, step.reason, at=at)
            declined += 1
    if funded or declined:
        session.commit()
        echo(f"Funding decisions: {funded} funded, {declined} declined.")


# --- output -------------------------------------------------------------------------------


def _echo_logins(echo: Echo) -> None:
    echo("")
    echo("Demo logins (people and institutions are fictional; for a demo only):")
    echo(f"  {'role':<10} {'email':<38} {'password':<22} institution")
    for person in data.PEOPLE:
        echo(f"  {person.role:<10} {person.email:<38} {person.password:<22} "
             f"{person.institution or ''}".rstrip())
