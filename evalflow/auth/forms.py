"""Sign-in and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from evalflow import validation


def email_address(form: FlaskForm, field: EmailField) -> None:
    """The same rule for an address as the API's."""
    try:
        validation.email(field.data or "")
    except validation.FieldError as error:
        raise ValidationError(_l("Give an email address.")) from error


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), email_address])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), email_address])
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set the password"))


class HiddenNextForm(FlaskForm):
    """A form with nothing but its CSRF token (sign out, change language)."""

    next = StringField()
