"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the JSON API of API.md.

The document is plain Python data built once (`openapi_document()` is cached). Paths are
relative to the server URL `/api/v1`, as API.md writes them. Schemas are JSON Schema 2020-12
(`jsonSchemaDialect`), so clients and tests can validate bodies with any 2020-12 validator.
Response schemas list the fields the serializers always send as `required` and leave
`additionalProperties` open: API.md allows new fields at any time.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Response, jsonify

from evalflow.api import api
from evalflow.api.helpers import DEFAULT_PER_PAGE, MAX_PER_PAGE

Schema = dict[str, Any]

MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
CALL_STATES = ["draft", "open", "closed", "decided"]
PROPOSAL_STATES = [
    "draft", "submitted", "eligible", "ineligible", "under_review", "reviewed", "funded",
    "not_funded", "withdrawn",
]
ASSIGNMENT_STATES = ["pending", "accepted", "conflicted"]
REVIEW_STATES = ["draft", "submitted"]
LETTER_KINDS = ["award", "decline"]
REFUSAL_CODES = [
    "invalid_transition", "deadline_passed", "call_not_open", "incomplete", "budget_exceeded",
    "over_cap",
]


# --- schema helpers ---------------------------------------------------------------------------


def ref(name: str) -> Schema:
    """A reference to `components/schemas/<name>`."""
    return {"$ref": f"#/components/schemas/{name}"}


def money(description: str | None = None) -> Schema:
    """Money: a decimal string with at most two decimals (responses always send two)."""
    schema: Schema = {"type": "string", "pattern": MONEY_PATTERN, "examples": ["950000.00"]}
    if description:
        schema["description"] = description
    return schema


def date_time(description: str | None = None) -> Schema:
    """An ISO 8601 / RFC 3339 time with its offset."""
    schema: Schema = {"type": "string", "format": "date-time",
                      "examples": ["2008-10-31T18:00:00-06:00"]}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: Schema) -> Schema:
    """`schema` or JSON null."""
    if isinstance(schema.get("type"), str) and "$ref" not in schema:
        out = dict(schema, type=[schema["type"], "null"])
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [schema, {"type": "null"}]}


def string(description: str | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def integer(description: str | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "integer", **extra}
    if description:
        schema["description"] = description
    return schema


def obj(properties: dict[str, Schema], required: list[str] | None = None,
        description: str | None = None, **extra: Any) -> Schema:
    """An object schema; `required` defaults to every property."""
    schema: Schema = {"type": "object", "properties": properties,
                      "required": list(properties) if required is None else required, **extra}
    if description:
        schema["description"] = description
    return schema


def array(items: Schema, description: str | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "array", "items": items, **extra}
    if description:
        schema["description"] = description
    return schema


def page_of(item: str) -> Schema:
    """A page of `item`s: API.md's list wrapper."""
    return {"allOf": [ref("Page"), {"properties": {"items": array(ref(item))}}],
            "description": f"A page of {item} items."}


# --- components -------------------------------------------------------------------------------


def _schemas() -> dict[str, Schema]:
    sector = obj({"code": string(examples=["TIC"]), "name": string()})
    eligibility_item = obj({"code": string(examples=["E1"]), "text": string()})
    criterion = obj({
        "code": string(examples=["C1"]), "name": string(), "description": string(),
        "weight": {"type": "number", "exclusiveMinimum": 0},
        "min": {"type": "number"}, "max": {"type": "number"},
        "threshold": nullable({"type": "number"}),
    })
    code_pattern = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"
    budget_line = obj({"concept": string(maxLength=300), "amount": money()})
    return {
        "Error": obj(
            {"error": obj(
                {
                    "code": string("A stable machine-readable code.", examples=[
                        "validation_failed", "not_found", "invalid_transition"]),
                    "message": string("What went wrong, in plain words."),
                    "fields": {
                        "type": "object", "additionalProperties": {"type": "string"},
                        "description": "Validation only: the problem of each field, by name "
                                       "(nested as `budget_lines[0].amount`).",
                    },
                },
                required=["code", "message"],
            )},
            description="Every error under /api/v1.",
        ),
        "Page": obj(
            {
                "items": {"type": "array"},
                "total": integer("How many items the whole list holds.", minimum=0),
                "page": integer(minimum=1),
                "per_page": integer(minimum=1, maximum=MAX_PER_PAGE),
            },
            description="A page of a list, in a stable order.",
        ),
        # Calls
        "Sector": sector,
        "EligibilityCriterion": eligibility_item,
        "Criterion": criterion,
        "CallInput": obj(
            {
                "code": string(pattern=code_pattern, examples=["PNC-2008"]),
                "title": string(maxLength=300),
                "description": string(maxLength=20000),
                "language": {"type": "string", "enum": ["es", "en"], "default": "es"},
                "timezone": string("An IANA time zone.", default="America/Mexico_City"),
                "opens_at": date_time(),
                "closes_at": date_time("After opens_at."),
                "currency": string("ISO 4217.", pattern="^[A-Z]{3}$", default="MXN"),
                "max_award": money("The cap per proposal; at most total_budget."),
                "total_budget": money(),
                "reviewers_per_proposal": integer(minimum=1, maximum=20, default=3),
                "review_days": integer(minimum=1, maximum=365, default=21),
                "sectors": array(obj({"code": string(pattern=code_pattern),
                                      "name": string(maxLength=300)}), minItems=1),
                "eligibility_criteria": array(obj({"code": string(pattern=code_pattern),
                                                   "text": string(maxLength=2000)})),
                "criteria": array(
                    obj(
                        {
                            "code": string(pattern=code_pattern), "name": string(maxLength=300),
                            "description": string(maxLength=4000),
                            "weight": {"type": "number", "exclusiveMinimum": 0},
                            "min": {"type": "number"}, "max": {"type": "number"},
                            "threshold": nullable({"type": "number"}),
                        },
                        required=["code", "name", "weight", "min", "max"],
                    ),
                    "Scoring criteria; the weights add up to 1 (or 100).", minItems=1,
                ),
            },
            required=["code", "title", "opens_at", "closes_at", "max_award", "total_budget",
                      "sectors", "criteria"],
            description="A new call (created in draft).",
        ),
        "Call": obj(
            {
                "code": string(), "title": string(), "description": string(),
                "language": string(), "timezone": string(),
                "opens_at": date_time("In the call's time zone."),
                "closes_at": date_time("In the call's time zone."),
                "currency": string(), "max_award": money(), "total_budget": money(),
                "awarded_total": money(), "budget_remaining": money(),
                "reviewers_per_proposal": integer(), "review_days": integer(),
                "state": {"type": "string", "enum": CALL_STATES},
                "sectors": array(ref("Sector")),
                "eligibility_criteria": array(ref("EligibilityCriterion")),
                "criteria": array(ref("Criterion")),
            },
        ),
        "CallTransition": obj(
            {"event": {"type": "string", "enum": ["open", "close", "decide"]}},
        ),
        "CallTransitionResult": obj(
            {"code": string(), "state": {"type": "string", "enum": CALL_STATES}},
        ),
        # Proposals
        "BudgetLine": budget_line,
        "ProposalInput": obj(
            {
                "call": string("The call's code.", examples=["PNC-2008"]),
                "sector": string("A sector code of that call."),
                "title": string(maxLength=300), "summary": string(maxLength=10000),
                "work_plan": string(maxLength=50000),
                "requested_amount": nullable(money()),
                "budget_lines": array(ref("BudgetLine"), maxItems=200),
            },
            required=["call"],
            description="A new draft; every field but `call` may come later by PATCH.",
        ),
        "ProposalPatch": obj(
            {
                "sector": string("A sector code of the proposal's call."),
                "title": string(maxLength=300), "summary": string(maxLength=10000),
                "work_plan": string(maxLength=50000),
                "requested_amount": nullable(money()),
                "budget_lines": array(ref("BudgetLine"), maxItems=200,
                                      description="Replaces every budget line."),
            },
            required=[], additionalProperties=False,
            description="The fields to change; any other field is refused (422).",
        ),
        "Document": obj(
            {
                "id": integer(), "filename": string("A safe base name, never a path."),
                "sha256": string(pattern="^[0-9a-f]{64}$"), "size": integer(minimum=0),
                "content_type": string(examples=["application/pdf"]),
                "uploaded_at": date_time(),
            },
            required=["id", "filename", "sha256", "size"],
        ),
        "HistoryEvent": obj(
            {
                "event": string(examples=["submit"]),
                "action": string(examples=["proposal.submit"]),
                "from": nullable(string()), "to": nullable(string()),
                "reason": nullable(string()), "at": date_time(),
                "actor": string("Officers only: who did it."),
            },
            required=["event", "action", "from", "to", "reason", "at"],
        ),
        "LetterSummary": obj(
            {
                "kind": {"type": "string", "enum": LETTER_KINDS}, "folio": string(),
                "verification_code": string(), "sha256": string(pattern="^[0-9a-f]{64}$"),
                "issued_at": date_time(),
            },
            required=["kind", "verification_code", "sha256", "issued_at"],
        ),
        "Proposal": obj(
            {
                "id": integer(), "reference": string(examples=["PNC-2008-001"]),
                "call": string(), "state": {"type": "string", "enum": PROPOSAL_STATES},
                "institution": string(), "sector": nullable(string()),
                "sector_name": nullable(string()), "title": string(), "summary": string(),
                "work_plan": string(), "requested_amount": nullable(money()),
                "awarded_amount": nullable(money("Null until funded.")),
                "budget_lines": array(ref("BudgetLine")),
                "documents": array(ref("Document")),
                "submitted_at": nullable(date_time()), "decided_at": nullable(date_time()),
                "created_at": date_time(),
                "decision_reason": nullable(string("Not sent to reviewers.")),
                "history": array(ref("HistoryEvent"),
                                 "The audit events the caller may see (not sent to reviewers)."),
                "letter": nullable(ref("LetterSummary")),
                "reviewer_comments": array(
                    string(), "The reviewers' comments to the applicant (not sent to reviewers)."),
            },
            required=["id", "reference", "call", "state", "institution", "sector", "title",
                      "summary", "requested_amount", "awarded_amount", "budget_lines",
                      "documents", "submitted_at", "created_at"],
            description="`history`, `letter` (null until issued), `decision_reason` and "
                        "`reviewer_comments` are sent to applicants and officers, not to "
                        "reviewers.",
        ),
        "ProposalRow": obj(
            {
                "id": integer(), "reference": string(),
                "state": {"type": "string", "enum": PROPOSAL_STATES}, "institution": string(),
                "sector": nullable(string()), "title": string(),
                "requested_amount": nullable(money()), "awarded_amount": nullable(money()),
                "submitted_at": nullable(date_time()),
            },
        ),
        "ProposalTransition": {
            "oneOf": [
                obj({"event": {"const": "submit"}}, description="Applicant."),
                obj({"event": {"const": "withdraw"}}, description="Applicant."),
                obj(
                    {"event": {"const": "approve_eligibility"}, "reason": string(),
                     "answers": {"type": "object", "additionalProperties": {"type": "boolean"},
                                 "description": "Eligibility checklist: code → met."}},
                    required=["event"], description="Officer.",
                ),
                obj(
                    {"event": {"const": "reject_eligibility"}, "reason": string(minLength=1),
                     "answers": {"type": "object", "additionalProperties": {"type": "boolean"}}},
                    required=["event", "reason"], description="Officer.",
                ),
                obj({"event": {"const": "fund"}, "amount": money(), "reason": string()},
                    required=["event", "amount"], description="Officer."),
                obj({"event": {"const": "decline"}, "reason": string(minLength=1)},
                    description="Officer."),
            ],
        },
        "ProposalTransitionResult": obj(
            {"id": integer(), "reference": string(),
             "state": {"type": "string", "enum": PROPOSAL_STATES},
             "awarded_amount": nullable(money())},
            required=["state"],
        ),
        # Review
        "AssignmentInput": obj({"reviewer": string("The reviewer's email.", format="email")}),
        "Assignment": obj(
            {
                "id": integer(), "proposal_id": integer(), "call": string(),
                "state": {"type": "string", "enum": ASSIGNMENT_STATES},
                "due_at": nullable(date_time()),
                "conflict": nullable({"type": "boolean",
                                      "description": "Null until the reviewer declares."}),
                "review_state": nullable({"type": "string", "enum": REVIEW_STATES}),
                "proposal_state": {"type": "string", "enum": PROPOSAL_STATES},
                "reference": nullable(string("Null after a declared conflict.")),
                "title": nullable(string("Null after a declared conflict.")),
            },
            required=["id", "proposal_id", "call", "state", "due_at", "conflict"],
        ),
        "AssignmentCreated": {
            "allOf": [ref("Assignment"),
                      obj({"reviewer": string(format="email")}, required=["reviewer"])],
        },
        "AutoAssignResult": obj({"created": integer(minimum=0)}),
        "ConflictInput": obj(
            {"has_conflict": {"type": "boolean"},
             "reason": string("Required when has_conflict is true.")},
            required=["has_conflict"],
        ),
        "ConflictResult": obj(
            {"id": integer(), "state": {"type": "string", "enum": ASSIGNMENT_STATES},
             "conflict": nullable({"type": "boolean"})},
        ),
        "ReviewInput": obj(
            {
                "scores": {"type": "object",
                           "additionalProperties": nullable({"type": "number"}),
                           "description": "Criterion code → score within its scale.",
                           "examples": [{"C1": 8, "C2": 7}]},
                "comment_to_applicant": string(maxLength=20000),
                "comment_to_committee": string(maxLength=20000),
                "submit": {"type": "boolean", "default": False,
                           "description": "True submits (final); false saves a draft."},
            },
            required=[],
        ),
        "Review": obj(
            {
                "id": integer(), "assignment_id": integer(),
                "state": {"type": "string", "enum": REVIEW_STATES},
                "scores": {"type": "object", "additionalProperties": {"type": "number"}},
                "total": nullable({"type": "number"}),
                "comment_to_applicant": string(), "comment_to_committee": string(),
                "submitted_at": nullable(date_time()),
            },
        ),
        "ReviewNotStarted": obj(
            {"assignment_id": integer(), "state": {"type": "null"},
             "scores": {"type": "object", "maxProperties": 0}},
            description="No review saved yet.",
        ),
        "OfficerReview": obj(
            {
                "id": integer(), "reviewer": string(format="email"), "reviewer_name": string(),
                "scores": {"type": "object", "additionalProperties": {"type": "number"}},
                "total": nullable({"type": "number"}),
                "comment_to_applicant": string(), "comment_to_committee": string(),
                "submitted_at": nullable(date_time()),
            },
            description="A submitted review, as officers see it.",
        ),
        "ReviewSaved": {
            "allOf": [ref("Review"),
                      obj({"proposal_state": {"type": "string", "enum": PROPOSAL_STATES}})],
        },
        # Results
        "RankingItem": obj(
            {
                "rank": integer(minimum=1), "proposal_id": integer(), "reference": string(),
                "title": string(), "institution": string(), "sector": nullable(string()),
                "state": {"type": "string", "enum": PROPOSAL_STATES},
                "score": {"type": "number"}, "spread": {"type": "number"},
                "reviews": integer(minimum=0), "requested_amount": nullable(money()),
                "awarded_amount": nullable(money()), "below_threshold": {"type": "boolean"},
                "below_threshold_criteria": array(string(), "Codes of the criteria below "
                                                            "their threshold."),
            },
            required=["rank", "proposal_id", "reference", "institution", "sector", "score",
                      "spread", "reviews", "requested_amount", "below_threshold"],
        ),
        "SectorReport": obj(
            {"code": string(), "name": string(), "received": integer(minimum=0),
             "eligible": integer(minimum=0), "funded": integer(minimum=0),
             "awarded_total": money()},
        ),
        "Report": obj(
            {
                "received": integer("Submitted proposals (drafts excluded).", minimum=0),
                "eligible": integer(minimum=0), "ineligible": integer(minimum=0),
                "withdrawn": integer(minimum=0), "reviewed": integer(minimum=0),
                "funded": integer(minimum=0), "not_funded": integer(minimum=0),
                "awarded_total": money(), "budget_remaining": money(),
                "by_sector": array(ref("SectorReport")),
                "call": string(), "state": {"type": "string", "enum": CALL_STATES},
            },
            required=["received", "eligible", "ineligible", "withdrawn", "reviewed", "funded",
                      "not_funded", "awarded_total", "budget_remaining", "by_sector"],
        ),
        "LetterVerification": obj(
            {
                "valid": {"const": True}, "reference": string(), "institution": string(),
                "kind": {"type": "string", "enum": LETTER_KINDS},
                "amount": nullable(money("The awarded amount; null for a decline.")),
                "folio": string(), "issued_at": date_time(),
                "sha256": string("SHA-256 of the issued PDF.", pattern="^[0-9a-f]{64}$"),
            },
            required=["valid", "reference", "institution", "kind", "amount", "issued_at",
                      "sha256"],
        ),
        "CallPage": page_of("Call"),
        "ProposalRowPage": page_of("ProposalRow"),
        "AssignmentPage": page_of("Assignment"),
        "RankingPage": page_of("RankingItem"),
        "OfficerReviewPage": page_of("OfficerReview"),
    }


ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The body is not a JSON object (`malformed`)."),
    401: ("Unauthorized", "No or bad bearer token (`not_authenticated`)."),
    403: ("Forbidden", "The caller's role does not allow this (`forbidden`)."),
    404: ("NotFound", "Not found, or not visible to the caller (`not_found`)."),
    409: ("Conflict", "The state does not allow it; nothing changed. `error.code` is one of "
                      + ", ".join(f"`{c}`" for c in REFUSAL_CODES)
                      + " (or `already_exists` for a duplicate)."),
    413: ("PayloadTooLarge", "The file is larger than allowed (`file_too_large`)."),
    415: ("UnsupportedMediaType", "The file is not a PDF (`unsupported_file_type`)."),
    422: ("ValidationFailed", "Some fields are not valid (`validation_failed`, with `fields`)."),
}


def _responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (name, description) in ERROR_RESPONSES.items():
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}},
        }
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {
                "description": 'Bearer realm="evalflow"', "schema": {"type": "string"}}}
        responses[name] = response
    return responses


def _parameters() -> dict[str, Any]:
    def path(name: str, description: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "description": description,
                "schema": {"type": "string"}}

    return {
        "code": path("code", "The call's code, e.g. PNC-2008."),
        "id": path("id", "A numeric id."),
        "did": path("did", "The document's numeric id."),
        "verification_code": path("verification_code", "The code printed on the letter."),
        "page": {"name": "page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 10**7, "default": 1}},
        "per_page": {"name": "per_page", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                "default": DEFAULT_PER_PAGE}},
        "state": {"name": "state", "in": "query", "required": False,
                  "description": "Only proposals in this state.",
                  "schema": {"type": "string", "enum": PROPOSAL_STATES}},
        "sector": {"name": "sector", "in": "query", "required": False,
                   "description": "Only proposals of this sector code.",
                   "schema": {"type": "string"}},
    }


# --- operations -------------------------------------------------------------------------------


def _param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PDF: dict[str, Any] = {
    "description": "The PDF.",
    "content": {"application/pdf": {"schema": {
        "type": "string", "format": "binary", "contentMediaType": "application/pdf"}}},
}


def _op(operation_id: str, tag: str, summary: str, *, ok: tuple[int, dict[str, Any]],
        errors: tuple[int, ...], description: str | None = None, params: tuple[str, ...] = (),
        body: Schema | None = None, public: bool = False) -> dict[str, Any]:
    """One operation: its parameters, JSON body, success response and error responses."""
    operation: dict[str, Any] = {"operationId": operation_id, "tags": [tag], "summary": summary}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = [_param(name) for name in params]
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": body}}}
    status, response = ok
    operation["responses"] = {str(status): response} | {
        str(code): {"$ref": f"#/components/responses/{ERROR_RESPONSES[code][0]}"}
        for code in sorted(errors)
    }
    if public:
        operation["security"] = []
    return operation


PAGING = ("page", "per_page")


def _paths() -> dict[str, Any]:
    upload_body = {
        "required": True,
        "content": {"multipart/form-data": {
            "schema": obj({"file": {"type": "string", "format": "binary",
                                    "contentMediaType": "application/pdf",
                                    "description": "A PDF (checked by content)."}}),
            "encoding": {"file": {"contentType": "application/pdf"}},
        }},
    }
    upload = _op(
        "uploadDocument", "proposals", "Attach a PDF to a draft",
        description="Applicant of the proposal's institution, draft only. PDF only (checked by "
                    "content), 10 MiB by default (configurable).",
        params=("id",), ok=(201, _json(ref("Document"), "The stored document.")),
        errors=(401, 403, 404, 409, 413, 415, 422),
    )
    upload["requestBody"] = upload_body
    return {
        "/calls": {
            "post": _op("createCall", "calls", "Create a call (in draft)",
                        description="Officer.", body=ref("CallInput"),
                        ok=(201, _json(ref("Call"), "The call.")),
                        errors=(400, 401, 403, 409, 422)),
            "get": _op("listCalls", "calls", "List calls", params=PAGING,
                       description="Any authenticated user.",
                       ok=(200, _json(ref("CallPage"), "A page of calls.")),
                       errors=(401, 422)),
        },
        "/calls/{code}": {
            "parameters": [_param("code")],
            "get": _op("getCall", "calls", "A call with its state",
                       ok=(200, _json(ref("Call"), "The call.")), errors=(401, 404)),
        },
        "/calls/{code}/transitions": {
            "parameters": [_param("code")],
            "post": _op("transitionCall", "calls", "Open, close or decide a call",
                        description="Officer.", body=ref("CallTransition"),
                        ok=(200, _json(ref("CallTransitionResult"), "The new state.")),
                        errors=(400, 401, 403, 404, 409, 422)),
        },
        "/calls/{code}/proposals": {
            "parameters": [_param("code")],
            "get": _op("listCallProposals", "proposals", "A call's proposals",
                       description="Officer. Ordered by reference.",
                       params=(*PAGING, "state", "sector"),
                       ok=(200, _json(ref("ProposalRowPage"), "A page of proposals.")),
                       errors=(401, 403, 404, 422)),
        },
        "/calls/{code}/assignments/auto": {
            "parameters": [_param("code")],
            "post": _op("autoAssign", "reviews", "Assign reviewers to every eligible proposal",
                        description="Officer. Up to `reviewers_per_proposal` reviewers each, "
                                    "balancing load, never a reviewer with a declared conflict.",
                        ok=(200, _json(ref("AutoAssignResult"), "How many were created.")),
                        errors=(401, 403, 404, 409)),
        },
        "/calls/{code}/ranking": {
            "parameters": [_param("code")],
            "get": _op("getRanking", "results", "Reviewed proposals, best first",
                       description="Officer.", params=(*PAGING, "sector"),
                       ok=(200, _json(ref("RankingPage"), "A page of the ranking.")),
                       errors=(401, 403, 404, 422)),
        },
        "/calls/{code}/report": {
            "parameters": [_param("code")],
            "get": _op("getReport", "results", "The call's funnel and sector table",
                       description="Public once the call is decided; before that, officers "
                                   "only (bearer token; 401 without one, 403 for other roles).",
                       ok=(200, _json(ref("Report"), "The report.")),
                       errors=(401, 403, 404), public=True),
        },
        "/proposals": {
            "post": _op("createProposal", "proposals", "Start a draft",
                        description="Applicant; the proposal belongs to their institution.",
                        body=ref("ProposalInput"),
                        ok=(201, _json(ref("Proposal"), "The draft.")),
                        errors=(400, 401, 403, 409, 422)),
        },
        "/proposals/{id}": {
            "parameters": [_param("id")],
            "get": _op("getProposal", "proposals", "A proposal",
                       description="404 when it does not exist or the caller may not see it.",
                       ok=(200, _json(ref("Proposal"), "The proposal.")), errors=(401, 404)),
            "patch": _op("updateProposal", "proposals", "Edit a draft",
                         description="Applicant of the proposal's institution; draft only.",
                         body=ref("ProposalPatch"),
                         ok=(200, _json(ref("Proposal"), "The proposal.")),
                         errors=(400, 401, 403, 404, 409, 422)),
        },
        "/proposals/{id}/documents": {
            "parameters": [_param("id")],
            "post": upload,
        },
        "/proposals/{id}/documents/{did}": {
            "parameters": [_param("id"), _param("did")],
            "get": _op("getDocument", "proposals", "Download a document",
                       description="Whoever may see the proposal.", ok=(200, PDF),
                       errors=(401, 404)),
        },
        "/proposals/{id}/transitions": {
            "parameters": [_param("id")],
            "post": _op("transitionProposal", "proposals", "Move a proposal",
                        description="Applicant: submit, withdraw. Officer: approve_eligibility, "
                                    "reject_eligibility (reason), fund (amount), decline "
                                    "(reason).",
                        body=ref("ProposalTransition"),
                        ok=(200, _json(ref("ProposalTransitionResult"), "The new state.")),
                        errors=(400, 401, 403, 404, 409, 422)),
        },
        "/proposals/{id}/assignments": {
            "parameters": [_param("id")],
            "post": _op("assignReviewer", "reviews", "Assign a reviewer",
                        description="Officer.", body=ref("AssignmentInput"),
                        ok=(201, _json(ref("AssignmentCreated"), "The assignment.")),
                        errors=(400, 401, 403, 404, 409, 422)),
        },
        "/proposals/{id}/reviews": {
            "parameters": [_param("id")],
            "get": _op("listProposalReviews", "reviews", "A proposal's submitted reviews",
                       description="Officer. Every submitted review in one page.",
                       ok=(200, _json(ref("OfficerReviewPage"), "The reviews.")),
                       errors=(401, 403, 404)),
        },
        "/proposals/{id}/letter": {
            "parameters": [_param("id")],
            "get": _op("getLetter", "results", "The award or decline letter",
                       description="Applicant of that institution, or officer; once the "
                                   "proposal is funded or declined (409 before).",
                       ok=(200, PDF), errors=(401, 403, 404, 409)),
        },
        "/assignments": {
            "get": _op("listMyAssignments", "reviews", "My assignments",
                       description="Reviewer.", params=PAGING,
                       ok=(200, _json(ref("AssignmentPage"), "A page of assignments.")),
                       errors=(401, 403, 422)),
        },
        "/assignments/{id}/conflict": {
            "parameters": [_param("id")],
            "post": _op("declareConflict", "reviews", "Declare a conflict of interest (or none)",
                        description="Reviewer of that assignment.", body=ref("ConflictInput"),
                        ok=(200, _json(ref("ConflictResult"), "The declaration.")),
                        errors=(400, 401, 403, 404, 409, 422)),
        },
        "/assignments/{id}/review": {
            "parameters": [_param("id")],
            "get": _op("getReview", "reviews", "My review of that assignment",
                       description="Reviewer of that assignment.",
                       ok=(200, _json({"oneOf": [ref("Review"), ref("ReviewNotStarted")]},
                                      "The review, or an empty one.")),
                       errors=(401, 403, 404)),
            "put": _op("saveReview", "reviews", "Save (submit: false) or submit a review",
                       description="Reviewer of that assignment. A submitted review is final.",
                       body=ref("ReviewInput"),
                       ok=(200, _json(ref("ReviewSaved"), "The review.")),
                       errors=(400, 401, 403, 404, 409, 422)),
        },
        "/letters/{verification_code}": {
            "parameters": [_param("verification_code")],
            "get": _op("verifyLetter", "results", "Verify a letter",
                       description="No authentication.",
                       ok=(200, _json(ref("LetterVerification"), "The letter is genuine.")),
                       errors=(404,), public=True),
        },
        "/openapi.json": {
            "get": _op("getOpenApi", "meta", "This document",
                       ok=(200, _json({"type": "object"}, "The OpenAPI 3.1 document.")),
                       errors=(), public=True),
        },
    }


def _version() -> str:
    try:
        return metadata.version("evalflow")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        with pyproject.open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API, built once. Shared: do not mutate it."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "evalflow",
            "version": _version(),
            "description": "Competitive funding calls: calls, proposals, review, results and "
                           "letters. Money is a decimal string with two places; times are ISO "
                           "8601 with an offset. Lists are paged with `page` and `per_page`.",
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "calls"}, {"name": "proposals"}, {"name": "reviews"},
            {"name": "results"}, {"name": "meta"},
        ],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `flask --app evalflow users token EMAIL`.",
            }},
            "schemas": _schemas(),
            "responses": _responses(),
            "parameters": _parameters(),
        },
    }


@api.get("/openapi.json")
def openapi_view() -> Response:
    """The document, with no authentication."""
    return jsonify(openapi_document())
