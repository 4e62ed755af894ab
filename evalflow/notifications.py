"""Mail to the people a change concerns, in each one's language, sent in the background.

Each notification has two halves. A hook, called by the domain service in the transaction
that makes the change (`submission_received(session, proposal)` …), queues one job per
recipient on the "mail" queue; the job leaves once that transaction commits (see
`evalflow.jobs`). The task (`send_submission_received(proposal_id, user_id)` …) loads the
rows again, renders the message in the recipient's language and sends it. One job per
person means a retried job never mails someone twice; a task whose rows are gone, or whose
recipient was deactivated meanwhile, sends nothing.

Messages are plain-text templates, one file per language: `templates/mail/<lang>/<name>.txt`.
The first line is the subject; the body follows after a blank line. Amounts and dates are
written as on the web pages (the `money` and `when` filters, under the recipient's
language), dates in the call's time zone. Links start with `PUBLIC_URL`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session, joinedload

from evalflow import jobs, mail, storage
from evalflow.auth import passwords
from evalflow.auth.models import Role, User
from evalflow.calls.models import Call
from evalflow.decisions.models import DecisionKind, Letter, LetterState
from evalflow.extensions import db
from evalflow.i18n import DEFAULT_LANGUAGE, LANGUAGES
from evalflow.proposals.models import Proposal
from evalflow.reviews.models import AssignmentState, ReviewAssignment, ReviewState

# --- hooks: called by the services, in the transaction of the change -----------------------


def submission_received(session: Session, proposal: Proposal) -> None:
    """Tell the institution's applicants that the proposal was submitted."""
    for user_id in _applicant_ids(session, proposal.institution_id):
        jobs.later(send_submission_received, proposal.id, user_id, queue="mail")


def eligibility_decided(session: Session, proposal: Proposal) -> None:
    """Tell the institution's applicants whether the proposal is eligible, and if not, why."""
    for user_id in _applicant_ids(session, proposal.institution_id):
        jobs.later(send_eligibility_result, proposal.id, user_id, queue="mail")


def letter_issued(session: Session, letter: Letter) -> None:
    """Send the institution's applicants the decision with its letter attached."""
    proposal = session.get(Proposal, letter.proposal_id)
    if proposal is None:
        return
    for user_id in _applicant_ids(session, proposal.institution_id):
        jobs.later(send_decision, letter.id, user_id, queue="mail")


def reviewers_assigned(assignments: list[ReviewAssignment]) -> None:
    """Tell each reviewer what to review, by when and where: one message per reviewer, so an
    automatic assignment of a whole call does not send them one mail per proposal."""
    by_reviewer: dict[int, list[int]] = {}
    for assignment in assignments:
        by_reviewer.setdefault(assignment.reviewer_id, []).append(assignment.id)
    for ids in by_reviewer.values():
        jobs.later(send_review_assigned, ids, queue="mail")


def reviews_late(call: Call, reviewer: User, assignments: list[ReviewAssignment]) -> None:
    """Remind a reviewer of their late reviews of one call, in one message."""
    jobs.later(send_review_reminder, call.id, reviewer.id, [a.id for a in assignments],
               queue="mail")


def password_reset_requested(user: User) -> None:
    """Mail a link to choose a new password (the token is made when the mail is sent)."""
    jobs.later(send_password_reset, user.id, queue="mail")


def _applicant_ids(session: Session, institution_id: int) -> list[int]:
    return list(session.scalars(
        sa.select(User.id)
        .where(User.institution_id == institution_id, User.role == Role.APPLICANT,
               User.active.is_(True))
        .order_by(User.id)
    ))


# --- tasks: run by the mail queue's workers, or inline after the commit --------------------


def send_submission_received(proposal_id: int, user_id: int) -> None:
    """The applicant's receipt: reference, call and time of submission."""
    proposal, user = _proposal(proposal_id), _recipient(user_id)
    if proposal is None or user is None or proposal.submitted_at is None:
        return
    _send(user, "submission_received", proposal=proposal, call=proposal.call,
          link=public_link("applicant.view", proposal_id=proposal.id))


def send_eligibility_result(proposal_id: int, user_id: int) -> None:
    """Eligible, or not eligible with the officer's reason."""
    proposal, user = _proposal(proposal_id), _recipient(user_id)
    if proposal is None or user is None or proposal.eligibility is None:
        return
    _send(user, "eligibility_result", proposal=proposal, call=proposal.call,
          decision=proposal.eligibility,
          link=public_link("applicant.view", proposal_id=proposal.id))


def send_decision(letter_id: int, user_id: int) -> None:
    """Funded with the amount, or not funded, with the issued letter attached."""
    letter = db.session.get(Letter, letter_id)
    user = _recipient(user_id)
    if letter is None or user is None or letter.state != LetterState.ISSUED:
        return
    proposal = letter.proposal
    pdf = storage.read_bytes(letter.stored_name or "")
    stem = "carta" if _language(user) == "es" else "letter"
    attachment = mail.Attachment(f"{stem}-{letter.folio.replace('/', '-')}.pdf", pdf)
    _send(user, "decision", attachments=[attachment], letter=letter, proposal=proposal,
          call=proposal.call, funded=letter.kind == DecisionKind.AWARD,
          link=public_link("applicant.view", proposal_id=proposal.id),
          verify_link=public_link("public.verify", code=letter.verification_code))


def send_review_assigned(assignment_ids: list[int]) -> None:
    """One reviewer's new assignments (of one call): proposals, due dates, review pages."""
    assignments = list(db.session.scalars(
        sa.select(ReviewAssignment)
        .where(ReviewAssignment.id.in_(assignment_ids),
               ReviewAssignment.state != AssignmentState.CONFLICTED)
        .order_by(ReviewAssignment.id)
        .options(joinedload(ReviewAssignment.proposal).joinedload(Proposal.call))
    ))
    user = _recipient(assignments[0].reviewer_id) if assignments else None
    if user is None:
        return
    links = {a.id: public_link("reviewing.assignment", assignment_id=a.id) for a in assignments}
    _send(user, "review_assigned", assignments=assignments, call=assignments[0].proposal.call,
          links=links)


def send_review_reminder(call_id: int, reviewer_id: int, assignment_ids: list[int]) -> None:
    """One message listing the reviewer's late reviews that are still not submitted."""
    call, user = db.session.get(Call, call_id), _recipient(reviewer_id)
    if call is None or user is None:
        return
    late = [
        a for a in db.session.scalars(
            sa.select(ReviewAssignment)
            .where(ReviewAssignment.id.in_(assignment_ids),
                   ReviewAssignment.reviewer_id == reviewer_id,
                   ReviewAssignment.state != AssignmentState.CONFLICTED)
            .order_by(ReviewAssignment.due_at, ReviewAssignment.id)
            .options(joinedload(ReviewAssignment.proposal), joinedload(ReviewAssignment.review))
        )
        if a.review is None or a.review.state != ReviewState.SUBMITTED
    ]
    if not late:
        return
    _send(user, "review_reminder", call=call, assignments=late,
          link=public_link("reviewing.assignments"))


def send_password_reset(user_id: int) -> None:
    """A link, valid for PASSWORD_RESET_SECONDS, to choose a new password."""
    user = _recipient(user_id)
    if user is None:
        return
    config = current_app.config
    token = passwords.reset_token(user, config["SECRET_KEY"])
    _send(user, "password_reset", link=public_link("auth.reset_password", token=token),
          minutes=config["PASSWORD_RESET_SECONDS"] // 60)


# --- rendering -----------------------------------------------------------------------------


def _proposal(proposal_id: int) -> Proposal | None:
    return db.session.scalars(
        sa.select(Proposal).where(Proposal.id == proposal_id)
        .options(joinedload(Proposal.call), joinedload(Proposal.eligibility))
    ).first()


def _recipient(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def _language(user: User) -> str:
    return user.locale if user.locale in LANGUAGES else DEFAULT_LANGUAGE


def render(name: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of `templates/mail/<language>/<name>.txt`."""
    template = current_app.jinja_env.get_template(f"mail/{language}/{name}.txt")
    with force_locale(language):
        text = template.render(**context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip("\n") + "\n"


def _send(user: User, name: str, *, attachments: list[mail.Attachment] | None = None,
          **context: Any) -> None:
    subject, body = render(name, _language(user), user=user, **context)
    mail.send(mail.Message(to=user.email, subject=subject, body=body,
                           attachments=attachments or []))


def public_link(endpoint: str, **values: Any) -> str:
    """An absolute URL on `PUBLIC_URL`, built outside any request (a worker has none)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
