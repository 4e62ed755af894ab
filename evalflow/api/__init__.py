"""The JSON API of API.md, under /api/v1: thin handlers over the domain services."""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from evalflow.api import (  # noqa: E402,F401  (the modules register their routes)
    calls,
    openapi,
    proposals,
    results,
    reviews,
)
