"""What every API handler needs: the caller, the JSON body, paging, and role checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

from flask import Response, jsonify, request

from evalflow import validation
from evalflow.auth.models import Role, User
from evalflow.auth.services import user_for_token
from evalflow.errors import (
    Forbidden,
    MalformedRequest,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from evalflow.extensions import db
from evalflow.validation import Errors

F = TypeVar("F", bound=Callable[..., Any])

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100


def current_user(optional: bool = False) -> User | None:
    """The user of the bearer token; 401 when missing or wrong (unless optional)."""
    if "evalflow.user" in request.environ:
        return request.environ["evalflow.user"]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(db.session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None and (header or not optional):
        raise NotAuthenticated("Send a valid token: Authorization: Bearer TOKEN.")
    request.environ["evalflow.user"] = user
    return user


def require(*roles: Role) -> Callable[[F], F]:
    """Authenticate the caller and allow only `roles` (admins may do what officers do)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            allowed = set(roles)
            if Role.OFFICER in allowed:
                allowed.add(Role.ADMIN)
            if roles and user.role not in allowed:
                raise Forbidden("Your role does not allow this.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def json_body() -> dict[str, Any]:
    """The request's JSON object, with numbers kept exact; 400 when it is not a JSON object."""
    try:
        data = json.loads(
            request.get_data(cache=True) or b"",
            parse_float=Decimal,
            parse_constant=_refuse_constant,
        )
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedRequest(f"The body is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise MalformedRequest("The body must be a JSON object.")
    return data


def paging() -> tuple[int, int, int]:
    """(page, per_page, offset) from the query string."""
    errors = Errors()
    page = errors.catch("page", validation.integer, request.args.get("page", "1"), minimum=1,
                        maximum=10**7)
    per_page = errors.catch(
        "per_page", validation.integer, request.args.get("per_page", str(DEFAULT_PER_PAGE)),
        minimum=1, maximum=MAX_PER_PAGE,
    )
    errors.raise_if_any("The paging parameters are not valid.")
    return page, per_page, (page - 1) * per_page


def page_of(items: list[dict[str, Any]], total: int, page: int, per_page: int) -> Response:
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})


def path_id(value: str) -> int:
    """A numeric id from the URL; anything else is simply not found."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise NotFound("Not found.")
    return int(value)


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})
