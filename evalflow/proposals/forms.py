"""Forms of the institutions' pages: drafting a proposal, its budget lines and documents."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from evalflow import validation

MAX_BUDGET_LINES = 200

# validation.money explains itself in English; the pages speak the user's language.
MONEY_MESSAGES = {
    "The amount is too large.": _l("The amount is too large."),
    "The amount must be more than zero.": _l("The amount must be more than zero."),
}
MONEY_FORMAT = _l(
    "Write the amount with ordinary digits and at most two decimals, such as 950000.00 "
    "(no commas, spaces or other symbols)."
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def money_amount(form: Form, field: StringField) -> None:
    """A WTForms validator delegating to the one strict money parser."""
    if not field.data:
        return
    try:
        validation.money(field.data)
    except validation.FieldError as error:
        raise ValidationError(str(MONEY_MESSAGES.get(str(error), MONEY_FORMAT))) from error


def no_control_characters(form: Form, field: StringField) -> None:
    """Refuse what validation.text refuses, field by field, before the service sees it."""
    if not field.data:
        return
    try:
        validation.text(field.data, max_length=10**6, required=False,
                        multiline=isinstance(field, TextAreaField))
    except validation.FieldError as error:
        raise ValidationError(str(_l("Remove the control characters from this text."))) from error


class BudgetLineForm(Form):
    """One line of the budget; a line left blank is ignored. (No CSRF: it is a subform.)"""

    concept = StringField(
        _l("Concept"), filters=[_strip], validators=[Length(max=300), no_control_characters]
    )
    amount = StringField(
        _l("Amount"), filters=[_strip], validators=[money_amount],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )

    def is_blank(self) -> bool:
        """Neither a concept nor an amount was typed."""
        return not (self.concept.data or self.amount.data)

    def validate(self, extra_validators: Any = None) -> bool:
        """A line needs both its concept and its amount, unless it is blank."""
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        if not self.concept.data:
            self.concept.errors = [*self.concept.errors, str(_l("Say what this line pays for."))]
            valid = False
        if not self.amount.data:
            self.amount.errors = [*self.amount.errors, str(_l("Give this line's amount."))]
            valid = False
        return valid


class ProposalForm(FlaskForm):
    """A draft proposal. Every field may be empty while drafting; submission checks the rest."""

    sector = SelectField(_l("Sector"), choices=[], validate_choice=True)
    title = StringField(
        _l("Title"), validators=[Optional(), Length(max=300), no_control_characters]
    )
    summary = TextAreaField(
        _l("Summary"), validators=[Optional(), Length(max=10000), no_control_characters],
        render_kw={"rows": 5},
    )
    work_plan = TextAreaField(
        _l("Work plan"), validators=[Optional(), Length(max=50000), no_control_characters],
        render_kw={"rows": 10},
    )
    requested_amount = StringField(
        _l("Requested amount"), filters=[_strip], validators=[money_amount],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    budget_lines = FieldList(
        FormField(BudgetLineForm), min_entries=1, max_entries=MAX_BUDGET_LINES
    )

    def set_sectors(self, sectors: list[tuple[str, str]]) -> None:
        """The call's sectors as choices, with an empty first choice while undecided."""
        self.sector.choices = [("", str(_l("— choose a sector —"))), *sectors]

    def filled_lines(self) -> list[dict[str, str]]:
        """The budget lines the user typed, blank ones left out, as the service takes them."""
        return [
            {"concept": line.form.concept.data or "", "amount": line.form.amount.data or ""}
            for line in self.budget_lines
            if not line.form.is_blank()
        ]

    def service_data(self) -> dict[str, Any]:
        """What the draft service takes: the fields as typed (it parses them itself)."""
        data: dict[str, Any] = {
            "title": self.title.data or "",
            "summary": self.summary.data or "",
            "work_plan": self.work_plan.data or "",
            "requested_amount": self.requested_amount.data or None,
            "budget_lines": self.filled_lines(),
        }
        if self.sector.data:
            data["sector"] = self.sector.data
        return data


class NewProposalForm(FlaskForm):
    """Pick the open call to start a draft in."""

    call = SelectField(_l("Call"), choices=[], validate_choice=True)


class UploadForm(FlaskForm):
    """One PDF document."""

    file = FileField(_l("PDF document"), render_kw={"accept": "application/pdf,.pdf"})


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token: submit, withdraw, remove a document."""
