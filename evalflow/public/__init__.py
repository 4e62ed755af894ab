"""Pages anyone may open without signing in: letter verification."""

from flask import Blueprint

public = Blueprint("public", __name__)

from evalflow.public import views  # noqa: E402,F401  (registers the routes)
