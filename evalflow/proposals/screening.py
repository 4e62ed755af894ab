"""Eligibility screening of submitted proposals."""

from __future__ import annotations

from flask import Blueprint

screening = Blueprint("screening", __name__, url_prefix="/officer/screening")
