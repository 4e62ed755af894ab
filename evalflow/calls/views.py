"""The call designer: officers create, edit, open and close calls."""

from __future__ import annotations

from flask import Blueprint

designer = Blueprint("designer", __name__, url_prefix="/officer/calls")
