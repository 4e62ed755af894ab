"""Password reset links: signed, time-limited, and void once the password has changed."""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from evalflow import audit
from evalflow.auth.models import User

SALT = "evalflow-password-reset"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def _fingerprint(user: User) -> str:
    # Part of the current hash: setting a new password voids every earlier link.
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def reset_token(user: User, secret: str) -> str:
    """A link token for `user`."""
    return _serializer(secret).dumps({"id": user.id, "fp": _fingerprint(user)})


def user_for_reset(session: Session, token: str, secret: str, max_age: int) -> User | None:
    """The user a still-valid token belongs to, else None."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("fp") != _fingerprint(user):
        return None
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password hash (scrypt) and record it."""
    user.password_hash = generate_password_hash(password)
    session.flush()
    audit.record(session, actor=user, action="user.set_password", entity_type="user",
                 entity_id=user.id)
