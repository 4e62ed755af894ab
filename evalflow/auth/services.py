"""Creating people and tokens, and finding who a request comes from."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from evalflow import validation
from evalflow.auth.models import ApiToken, Institution, Role, User
from evalflow.errors import AlreadyExists, ValidationFailed
from evalflow.validation import Errors


def find_or_create_institution(session: Session, name: str) -> Institution:
    """The institution with that exact name, created when new."""
    institution = session.scalars(sa.select(Institution).where(Institution.name == name)).first()
    if institution is None:
        institution = Institution(name=name)
        session.add(institution)
        session.flush()
    return institution


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    institution: str | None = None,
    password: str | None = None,
) -> User:
    """Create a user. An applicant belongs to an institution (created if new); anyone else may
    name one as their affiliation."""
    errors = Errors()
    email = errors.catch("email", validation.email, email)
    name = errors.catch("name", validation.text, name, max_length=200)
    role_value = errors.catch("role", validation.choice, role, tuple(r.value for r in Role))
    if role_value == Role.APPLICANT and not (institution or "").strip():
        errors.add("institution", "An applicant needs an institution.")
    if institution:
        errors.catch("institution", validation.text, institution, max_length=300)
    if password is not None and len(password) < 8:
        errors.add("password", "At least 8 characters.")
    errors.raise_if_any()
    if session.scalars(sa.select(User.id).where(User.email == email)).first() is not None:
        raise AlreadyExists(f"A user with the email {email} already exists.")
    user = User(
        email=email,
        name=name,
        role=Role(role_value),
        institution=find_or_create_institution(session, institution) if institution else None,
        password_hash=generate_password_hash(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def check_password(user: User, password: str) -> bool:
    """Whether the password matches (always False for a user without one)."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User) -> str:
    """A new API token for `user`; only its hash is kept, so it is shown once."""
    token = "ef_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a bearer token belongs to, in one query."""
    if not token or len(token) > 200:
        return None
    found = session.scalars(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
    ).first()
    if found is None or not found.user.active:
        return None
    return found.user


def user_by_email(session: Session, email: str) -> User:
    """The user with that email, or a validation error naming `field`."""
    user = session.scalars(sa.select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise ValidationFailed("No such user.", fields={"email": f"No user has the email {email}."})
    return user
