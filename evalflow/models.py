"""Every model, imported in one place so the metadata (and Alembic) sees the whole schema."""

from evalflow.audit import AuditEvent, AuditHead
from evalflow.auth.models import ApiToken, Institution, Role, User
from evalflow.calls.models import Call, CallState, Criterion, EligibilityCriterion, Sector
from evalflow.decisions.models import DecisionKind, FundingDecision, Letter, LetterState
from evalflow.proposals.models import (
    BudgetLine,
    Document,
    EligibilityDecision,
    Proposal,
    ProposalState,
)
from evalflow.reviews.models import (
    AssignmentState,
    Review,
    ReviewAssignment,
    ReviewScore,
    ReviewState,
)

__all__ = [
    "ApiToken", "AssignmentState", "AuditEvent", "AuditHead", "BudgetLine", "Call", "CallState",
    "Criterion", "DecisionKind", "Document", "EligibilityCriterion", "EligibilityDecision",
    "FundingDecision", "Institution", "Letter", "LetterState", "Proposal", "ProposalState",
    "Review", "ReviewAssignment", "ReviewScore", "ReviewState", "Role", "Sector", "User",
]
