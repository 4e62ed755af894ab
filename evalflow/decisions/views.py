"""Ranking, funding decisions within the budget, and letters."""

from __future__ import annotations

from flask import Blueprint

funding = Blueprint("funding", __name__, url_prefix="/officer/funding")
