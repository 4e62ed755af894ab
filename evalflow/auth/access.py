"""Who may open a web page: signed in (else the sign-in page), with the right role (else 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from evalflow.auth.models import Role


def role_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator admitting only signed-in people with one of `roles`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


officer_required = role_required(Role.OFFICER, Role.ADMIN)
reviewer_required = role_required(Role.REVIEWER)
