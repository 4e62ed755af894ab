"""Signing in and out, password resets by emailed link, and the interface language."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from evalflow import notifications
from evalflow.auth import passwords
from evalflow.auth.forms import ForgotPasswordForm, HiddenNextForm, LoginForm, ResetPasswordForm
from evalflow.auth.models import User
from evalflow.auth.services import check_password
from evalflow.extensions import db
from evalflow.i18n import LANGUAGES
from evalflow.validation import local_path

auth = Blueprint("auth", __name__, url_prefix="/auth")


@auth.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalars(sa.select(User).where(User.email == email)).first()
        if user is not None and user.active and check_password(user, form.password.data):
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user)
            session.permanent = True
            return redirect(local_path(request.args.get("next")) or url_for("public.home"))
        form.password.errors.append(_("The email or the password is not right."))
    return render_template("auth/login.html", form=form)


@auth.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so no other site can sign anyone out)."""
    HiddenNextForm()  # CSRF is checked by Flask-WTF before we get here
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@auth.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Mail a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalars(sa.select(User).where(User.email == email)).first()
        if user is not None and user.active:
            notifications.password_reset_requested(user)
            db.session.commit()  # the mail leaves once this commits
        flash(_("If an account uses that address, a link to reset its password is on its "
                "way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@auth.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    user = passwords.user_for_reset(db.session, token, current_app.config["SECRET_KEY"],
                                    current_app.config["PASSWORD_RESET_SECONDS"])
    if user is None:
        flash(_("That link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        passwords.set_password(db.session, user, form.password.data)
        db.session.commit()
        flash(_("Your password is set. Sign in with it."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@auth.post("/language/<code>")
def set_language(code: str):
    """Switch the interface language and remember it (on the account when signed in)."""
    HiddenNextForm()
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(local_path(request.form.get("next")) or url_for("public.home"))


@auth.get("/account")
@login_required
def account():
    """Who I am, and my role."""
    return render_template("auth/account.html")
