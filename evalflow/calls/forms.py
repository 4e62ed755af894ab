"""Forms of the call designer: the call, its sectors, checklist and scoring rubric."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

MAX_ROWS = 100


class SectorRow(Form):
    code = StringField(_l("Code"), render_kw={"maxlength": 40})
    name = StringField(_l("Sector"), render_kw={"maxlength": 300})


class RequirementRow(Form):
    code = StringField(_l("Code"), render_kw={"maxlength": 40})
    text = StringField(_l("Requirement"), render_kw={"maxlength": 2000})


class CriterionRow(Form):
    code = StringField(_l("Code"), render_kw={"maxlength": 40})
    name = StringField(_l("Criterion"), render_kw={"maxlength": 300})
    description = StringField(_l("Description"), render_kw={"maxlength": 4000})
    weight = StringField(_l("Weight"), render_kw={"inputmode": "decimal", "data-weight": ""})
    min = StringField(_l("Minimum"), render_kw={"inputmode": "decimal"})
    max = StringField(_l("Maximum"), render_kw={"inputmode": "decimal"})
    threshold = StringField(_l("Threshold"), render_kw={"inputmode": "decimal"})


class CallForm(FlaskForm):
    """Strings only: the service parses them, so what was typed comes back unchanged."""

    code = StringField(_l("Code"), render_kw={"maxlength": 40})
    title = StringField(_l("Title"), render_kw={"maxlength": 300})
    description = TextAreaField(_l("Description"), render_kw={"rows": 6})
    language = SelectField(_l("Language of the call"),
                           choices=[SelectChoice("es", "Español"),
                                    SelectChoice("en", "English")])
    timezone = StringField(_l("Time zone"), default="America/Mexico_City")
    opens_at = StringField(_l("Opens"), render_kw={"type": "datetime-local"})
    closes_at = StringField(_l("Closes"), render_kw={"type": "datetime-local"})
    currency = StringField(_l("Currency"), default="MXN", render_kw={"maxlength": 3})
    total_budget = StringField(_l("Total budget"), render_kw={"inputmode": "decimal"})
    max_award = StringField(_l("Cap per proposal"), render_kw={"inputmode": "decimal"})
    reviewers_per_proposal = StringField(_l("Reviewers per proposal"), default="3",
                                         render_kw={"inputmode": "numeric"})
    sectors = FieldList(FormField(SectorRow), min_entries=1, max_entries=MAX_ROWS)
    eligibility_criteria = FieldList(FormField(RequirementRow), min_entries=1,
                                     max_entries=MAX_ROWS)
    criteria = FieldList(FormField(CriterionRow), min_entries=1, max_entries=MAX_ROWS)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation of a transition."""


_MESSAGES = {
    "The call must close after it opens.": _l("The call must close after it opens."),
    "The cap per proposal cannot exceed the call's budget.":
        _l("The cap per proposal cannot exceed the call's budget."),
    "A weight must be more than zero.": _l("A weight must be more than zero."),
    "The top of the scale must be above its bottom.":
        _l("The top of the scale must be above its bottom."),
    "The threshold must lie within the scale.": _l("The threshold must lie within the scale."),
    "Add at least one sector.": _l("Add at least one sector."),
    "Add at least one scoring criterion.": _l("Add at least one scoring criterion."),
    "Give a number.": _l("Give a number."),
    "Give a number with at most four decimals.": _l("Give a number with at most four decimals."),
    "This field is required.": _l("This field is required."),
    "The call is not valid.": _l("The call is not valid. Check the fields marked below."),
}
_WEIGHTS = re.compile(r"The weights add up to (?P<total>[\d.E+-]+); they must add up to 1 "
                      r"\(or 100\)\.")


def translate(message: str) -> str:
    """A service message in the current language (as given when it is not a known one)."""
    known = _MESSAGES.get(message)
    if known is not None:
        return str(known)
    found = _WEIGHTS.fullmatch(message)
    if found:
        return str(_l("The weights add up to %(total)s; they must add up to 1 (or 100).",
                      total=found.group("total")))
    return message
