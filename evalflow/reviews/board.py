"""The assignment board: proposals × reviewers, automatic and manual assignment, reminders."""

from __future__ import annotations

from flask import Blueprint

board = Blueprint("board", __name__, url_prefix="/officer/assignments")
