"""The letter lifecycle: a folio is reserved (pending), then the PDF is issued or fails.

And the letter batch's: queued until a worker starts it, then finished, or failed when the
run stopped (an error, or a newer batch gave it up as stale).
"""

from __future__ import annotations

from evalflow.decisions.models import BatchState, LetterState
from evalflow.workflow import Workflow

L = LetterState
B = BatchState

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

batch_workflow = Workflow(
    name="letter_batch",
    label="letter batch",
    states=BatchState,
    transitions=[
        {"trigger": "start", "source": B.QUEUED, "dest": B.RUNNING},
        {"trigger": "finish", "source": B.RUNNING, "dest": B.FINISHED},
        {"trigger": "fail", "source": [B.QUEUED, B.RUNNING], "dest": B.FAILED},
    ],
    guards={},
    scope=lambda batch: {"call_id": batch.call_id, "proposal_id": None},
)
