"""The letter lifecycle: a folio is reserved (pending), then the PDF is issued or fails."""

from __future__ import annotations

from evalflow.decisions.models import LetterState
from evalflow.workflow import Workflow

L = LetterState

letter_workflow = Workflow(
    name="letter",
    label="letter",
    states=LetterState,
    transitions=[
        {"trigger": "issue", "source": [L.PENDING, L.FAILED], "dest": L.ISSUED},
        {"trigger": "fail", "source": [L.PENDING, L.FAILED], "dest": L.FAILED},
    ],
    guards={},
    scope=lambda letter: {"call_id": letter.call_id, "proposal_id": letter.proposal_id},
)
