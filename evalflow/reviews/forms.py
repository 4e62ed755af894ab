"""Reviewers' forms: the conflict-of-interest declaration and the scoring form built from a
call's rubric.

The forms only carry what was typed; every rule (score within the scale, a reason for a
conflict, every criterion scored before submitting) is checked by the review services, whose
field errors are put back on these fields with `apply_errors`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired

from evalflow import validation
from evalflow.calls.models import Criterion

ACTIONS = ("save", "confirm", "submit")


class DeclarationForm(FlaskForm):
    """No conflict, or a conflict with its reason."""

    has_conflict = RadioField(
        _l("Do you have a conflict of interest with this proposal?"),
        choices=[SelectChoice("no", _l("No, I have no conflict of interest")),
                 SelectChoice("yes", _l("Yes, I have a conflict of interest"))],
        validators=[InputRequired(message=_l("Choose one answer."))],
    )
    reason = TextAreaField(_l("Reason for the conflict"))

    @property
    def conflict(self) -> bool:
        """What the reviewer answered."""
        return self.has_conflict.data == "yes"


# A score as an <input type=number> wants it: plain digits, no exponent, no trailing zeros.
score_text = validation.plain


class ReviewForm(FlaskForm):
    """Scores (one field per criterion, added by `review_form`), the two comments and which
    button was pressed."""

    comment_to_applicant = TextAreaField(
        _l("Comment for the applicant"),
        description=_l("The applicant reads it once the proposal is decided, without your name."),
    )
    comment_to_committee = TextAreaField(
        _l("Comment for the committee"),
        description=_l("Only the committee and the program officers read it."),
    )
    # Set by the button pressed (never rendered as a field of its own).
    action = StringField(default="save")

    criteria: list[Criterion]
    score_fields: dict[str, str]

    def scores(self) -> list[tuple[Criterion, Field]]:
        """Each criterion of the rubric with its score field, in the rubric's order."""
        return [(c, self[self.score_fields[c.code]]) for c in self.criteria]

    def chosen_action(self) -> str:
        """save, confirm (show the confirmation) or submit (final)."""
        return self.action.data if self.action.data in ACTIONS else "save"

    def service_data(self) -> dict[str, Any]:
        """What `save_review` takes: scores by criterion code as typed (blank = unscored)."""
        scores = {}
        for criterion, field in self.scores():
            typed = (field.data or "").strip()
            scores[criterion.code] = typed or None
        return {
            "scores": scores,
            "comment_to_applicant": self.comment_to_applicant.data or "",
            "comment_to_committee": self.comment_to_committee.data or "",
            "submit": self.chosen_action() == "submit",
        }

    def apply_errors(self, fields: Mapping[str, str] | None) -> list[str]:
        """Put the service's field errors on their fields (translated); return the messages
        that belong to no field."""
        by_name = {f"scores.{code}": name for code, name in self.score_fields.items()}
        by_name |= {"comment_to_applicant": "comment_to_applicant",
                    "comment_to_committee": "comment_to_committee"}
        unplaced = []
        for key, message in (fields or {}).items():
            name = by_name.get(key)
            if name is None:
                unplaced.append(translate(message))
            else:
                self[name].errors = [*self[name].errors, translate(message)]
        return unplaced


def review_form(
    criteria: Iterable[Criterion], *, scores: Mapping[str, Decimal] | None = None,
    comment_to_applicant: str = "", comment_to_committee: str = "",
) -> ReviewForm:
    """The scoring form for a call's rubric, filled from the request (on POST) or else from the
    saved draft (`scores` by criterion code and the comments)."""
    criteria = list(criteria)

    class RubricForm(ReviewForm):
        pass

    names: dict[str, str] = {}
    for index, criterion in enumerate(criteria, start=1):
        # Criterion codes may hold "." or "-": field names use the rubric position instead.
        name = f"score_{index}"
        names[criterion.code] = name
        setattr(RubricForm, name, StringField(
            criterion.name,
            description=criterion.description,
            render_kw={
                "type": "number", "inputmode": "decimal", "step": "any",
                "min": score_text(criterion.min_score), "max": score_text(criterion.max_score),
                "data-weight": format(criterion.weight, "f"),
                "data-score": "",
            },
        ))
    data = {names[code]: score_text(value) for code, value in (scores or {}).items()
            if code in names}
    data |= {"comment_to_applicant": comment_to_applicant,
             "comment_to_committee": comment_to_committee}
    form = RubricForm(data=data)
    form.criteria = criteria
    form.score_fields = names
    return form


# The services speak English; these turn their messages into the reader's language.
_PATTERNS: list[tuple[re.Pattern[str], Callable[..., Any]]] = [
    (re.compile(r"Give a score from (?P<low>\S+) to (?P<high>\S+)\."),
     lambda low, high: _l("Give a score from %(low)s to %(high)s.", low=_plain(low),
                          high=_plain(high))),
    (re.compile(r"At most (?P<n>\d+) characters\."),
     lambda n: _l("At most %(n)s characters.", n=n)),
    (re.compile(r"The proposal is (?P<state>\w+), not under review\."),
     lambda state: _l("The proposal is no longer under review.")),
]
_MESSAGES: dict[str, Any] = {
    "A score is required.": _l("A score is required."),
    "A reason is required.": _l("Say why there is a conflict of interest."),
    "Give a number.": _l("Give a number."),
    "Give a number with at most four decimals.": _l("Give a number with at most four decimals."),
    "Not a criterion of this call.": _l("Not a criterion of this call."),
    "Contains control characters.": _l("Remove the control characters."),
    "This field is required.": _l("This field is required."),
    "Give text.": _l("Give text."),
    "The review is submitted; it is final.": _l(
        "Your review is already submitted; it is final and cannot change."),
    "There is no such assignment.": _l("There is no such assignment."),
    "The review is not valid.": _l("Some fields need your attention."),
    "Every criterion needs a score before the review is submitted.": _l(
        "Every criterion needs a score before the review is submitted."),
    "Say why there is a conflict of interest.": _l("Say why there is a conflict of interest."),
    "Give a score with at most two decimals.": _l("Give a score with at most two decimals."),
}


def _plain(number: str) -> str:
    # Decimal.normalize() writes 10 as "1E+1"; readers expect "10".
    try:
        return score_text(Decimal(number))
    except ArithmeticError:
        return number


def translate(message: str) -> str:
    """A service message in the current language (as given when it is not a known one)."""
    known = _MESSAGES.get(message)
    if known is not None:
        return str(known)
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return str(build(**match.groupdict()))
    return message
