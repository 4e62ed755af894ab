"""The call dashboard, exports and each proposal's history."""

from __future__ import annotations

from flask import Blueprint

dashboards = Blueprint("dashboards", __name__, url_prefix="/officer/reports")
