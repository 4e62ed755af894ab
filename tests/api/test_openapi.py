"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document that matches the real endpoints,
and whose response schemas the real responses satisfy."""

from __future__ import annotations

import re
from importlib import metadata
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from werkzeug.test import TestResponse

from evalflow.api.openapi import openapi_document
from tests.factories import PDF, ApiClient, Factory, call_payload, proposal_payload

PREFIX = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Flask rule variables → the document's path parameter names (API.md's names).
RENAMED_VARIABLES = {"pid": "id", "aid": "id"}
RENAMED_RULES = {"/letters/<code>": "/letters/{verification_code}"}
PUBLIC = {("/letters/{verification_code}", "get"), ("/openapi.json", "get"),
          ("/calls/{code}/report", "get")}


@pytest.fixture
def doc() -> dict[str, Any]:
    return openapi_document()


def _document_path(rule: str) -> str:
    """`/api/v1/proposals/<pid>/documents/<did>` → `/proposals/{id}/documents/{did}`."""
    path = rule.removeprefix(PREFIX)
    if path in RENAMED_RULES:
        return RENAMED_RULES[path]
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>",
                  lambda m: "{" + RENAMED_VARIABLES.get(m[1], m[1]) + "}", path)


def served_operations(app: Flask) -> set[tuple[str, str]]:
    """Every (path, method) the app serves under /api/v1, HEAD and OPTIONS aside."""
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule != PREFIX and not rule.rule.startswith(PREFIX + "/"):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            served.add((_document_path(rule.rule), method.lower()))
    return served


def documented_operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items()
            for method in item if method in HTTP_METHODS}


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def documented_schema(doc: dict[str, Any], path: str, method: str, status: int,
                      media: str = "application/json") -> dict[str, Any]:
    """The schema the document gives for that operation's `status` response."""
    responses = doc["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    return _resolve(doc, responses[str(status)])["content"][media]["schema"]


def validator_for(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A 2020-12 validator (the document's dialect) whose `#/components/...` refs resolve."""
    root = {"$schema": doc["jsonSchemaDialect"], **schema, "components": doc["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_documented(doc: dict[str, Any], response: TestResponse, path: str,
                      method: str) -> None:
    """The real response's status is documented and its JSON body fits the schema given."""
    schema = documented_schema(doc, path, method, response.status_code)
    errors = sorted(validator_for(doc, schema).iter_errors(response.get_json()),
                    key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


# --- (1) a valid OpenAPI 3.1 document, served without authentication -----------------------


def test_the_document_is_valid_openapi_3_1(doc):
    validate(doc, cls=OpenAPIV31SpecValidator)
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] == "evalflow"
    assert doc["info"]["version"] == metadata.version("evalflow")


def test_it_is_served_without_a_token(client, doc):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == doc


def test_bearer_is_global_and_only_the_public_endpoints_opt_out(doc):
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert doc["security"] == [{"bearerAuth": []}]
    opted_out = {(path, method) for path, method in documented_operations(doc)
                 if doc["paths"][path][method].get("security") == []}
    assert opted_out == PUBLIC


# --- (2) it matches the real endpoints ---------------------------------------------------------


def test_every_served_endpoint_is_documented_and_nothing_else(app, doc):
    served = served_operations(app)
    documented = documented_operations(doc)
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_path_parameters_match_the_path_templates(doc):
    for path, item in doc["paths"].items():
        wanted = set(re.findall(r"{([^}]+)}", path))
        for method in set(item) & HTTP_METHODS:
            params = [_resolve(doc, p) for p in item.get("parameters", [])
                      + item[method].get("parameters", [])]
            given = {p["name"] for p in params if p["in"] == "path"}
            assert given == wanted, f"{method.upper()} {path}"


def test_paged_lists_take_page_and_per_page(doc):
    for path, method in [("/calls", "get"), ("/calls/{code}/proposals", "get"),
                         ("/assignments", "get"), ("/calls/{code}/ranking", "get")]:
        names = {_resolve(doc, p)["name"] for p in doc["paths"][path][method]["parameters"]}
        assert {"page", "per_page"} <= names, path
    listing = doc["paths"]["/calls/{code}/proposals"]["get"]["parameters"]
    assert {"state", "sector"} <= {_resolve(doc, p)["name"] for p in listing}


def test_media_types_of_uploads_and_letters(doc):
    upload = doc["paths"]["/proposals/{id}/documents"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["required"] == ["file"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["type"] == "string"
    letter = doc["paths"]["/proposals/{id}/letter"]["get"]["responses"]["200"]["content"]
    assert list(letter) == ["application/pdf"]


def test_money_is_a_documented_decimal_string(doc):
    money = doc["components"]["schemas"]["Call"]["properties"]["max_award"]
    assert money["type"] == "string"
    assert money["pattern"] == r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
    check = validator_for(doc, money)
    assert check.is_valid("1000000.00")
    assert not check.is_valid(1000000) and not check.is_valid("1e6")


# --- (3) real responses fit the documented schemas ---------------------------------------------


def test_the_schemas_refuse_a_body_that_does_not_fit(doc):
    """The response checks below are not vacuous."""
    schema = documented_schema(doc, "/calls", "post", 201)
    body = call_payload() | {"state": "open", "awarded_total": "0.00",
                             "budget_remaining": "1.00", "review_days": 21}
    assert not validator_for(doc, schema).is_valid(body | {"max_award": 1000000})
    assert not validator_for(doc, schema).is_valid(body | {"state": "shelved"})
    error = documented_schema(doc, "/calls", "post", 422)
    assert not validator_for(doc, error).is_valid({"message": "no"})


def test_call_responses_fit(make: Factory, api: ApiClient, doc):
    token = make.token(make.officer())
    created = api.post("/calls", call_payload(), token)
    assert created.status_code == 201, created.get_json()
    assert_documented(doc, created, "/calls", "post")
    code = created.get_json()["code"]
    assert_documented(doc, api.get(f"/calls/{code}", token), "/calls/{code}", "get")
    assert_documented(doc, api.get("/calls?per_page=5", token), "/calls", "get")
    opened = api.post(f"/calls/{code}/transitions", {"event": "open"}, token)
    assert opened.status_code == 200
    assert_documented(doc, opened, "/calls/{code}/transitions", "post")


def test_error_responses_fit(make: Factory, api: ApiClient, doc):
    token = make.token(make.officer())
    invalid = api.post("/calls", call_payload(max_award="1e6", criteria=[]), token)
    assert invalid.status_code == 422 and invalid.get_json()["error"]["fields"]
    assert_documented(doc, invalid, "/calls", "post")
    payload = call_payload()
    assert api.post("/calls", payload, token).status_code == 201
    duplicate = api.post("/calls", payload, token)
    assert duplicate.status_code == 409
    assert_documented(doc, duplicate, "/calls", "post")
    assert_documented(doc, api.get("/calls"), "/calls", "get")  # 401
    assert_documented(doc, api.get("/proposals/999999", token), "/proposals/{id}", "get")
    unknown = api.get("/letters/NOPE-NOPE")
    assert unknown.status_code == 404
    assert_documented(doc, unknown, "/letters/{verification_code}", "get")


def test_proposal_responses_fit(make: Factory, api: ApiClient, doc):
    applicant = make.user("applicant")
    token = make.token(applicant)
    call = make.call()
    created = api.post("/proposals", proposal_payload(call), token)
    assert created.status_code == 201, created.get_json()
    assert_documented(doc, created, "/proposals", "post")
    pid = created.get_json()["id"]
    patched = api.patch(f"/proposals/{pid}", {"title": "Otro título"}, token)
    assert_documented(doc, patched, "/proposals/{id}", "patch")
    uploaded = api.client.post(
        f"{PREFIX}/proposals/{pid}/documents", headers={"Authorization": f"Bearer {token}"},
        data={"file": (BytesIO(PDF), "plan.pdf")}, content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201
    assert_documented(doc, uploaded, "/proposals/{id}/documents", "post")
    submitted = api.post(f"/proposals/{pid}/transitions", {"event": "submit"}, token)
    assert submitted.status_code == 200
    assert_documented(doc, submitted, "/proposals/{id}/transitions", "post")
    refused = api.post(f"/proposals/{pid}/transitions", {"event": "submit"}, token)
    assert refused.status_code == 409
    assert_documented(doc, refused, "/proposals/{id}/transitions", "post")
    detail = api.get(f"/proposals/{pid}", token)
    assert detail.get_json()["history"]
    assert_documented(doc, detail, "/proposals/{id}", "get")
    officer = make.token(make.officer())
    assert_documented(doc, api.get(f"/proposals/{pid}", officer), "/proposals/{id}", "get")
    listing = api.get(f"/calls/{call.code}/proposals?state=submitted&sector=TIC", officer)
    assert listing.get_json()["total"] == 1
    assert_documented(doc, listing, "/calls/{code}/proposals", "get")


def test_review_and_result_responses_fit(make: Factory, api: ApiClient, doc):
    reviewer = make.user("reviewer")
    reviewer_token = make.token(reviewer)
    officer_token = make.token(make.officer())
    call = make.call(reviewers_per_proposal=1)
    proposal = make.proposal(call=call, state="under_review", reviewers=[reviewer])
    mine = api.get("/assignments", reviewer_token)
    assert mine.get_json()["total"] == 1
    assert_documented(doc, mine, "/assignments", "get")
    aid = mine.get_json()["items"][0]["id"]
    empty = api.get(f"/assignments/{aid}/review", reviewer_token)
    assert_documented(doc, empty, "/assignments/{id}/review", "get")
    draft = api.put(f"/assignments/{aid}/review", {"scores": {"C1": 8}, "submit": False},
                    reviewer_token)
    assert draft.status_code == 200, draft.get_json()
    assert_documented(doc, draft, "/assignments/{id}/review", "put")
    assert_documented(doc, api.get(f"/assignments/{aid}/review", reviewer_token),
                      "/assignments/{id}/review", "get")
    as_reviewer = api.get(f"/proposals/{proposal.id}", reviewer_token)
    assert as_reviewer.status_code == 200
    assert_documented(doc, as_reviewer, "/proposals/{id}", "get")
    submitted = api.put(f"/assignments/{aid}/review",
                        {"scores": {"C1": 8, "C2": 7}, "submit": True}, reviewer_token)
    assert submitted.get_json()["proposal_state"] == "reviewed"
    assert_documented(doc, submitted, "/assignments/{id}/review", "put")
    reviews = api.get(f"/proposals/{proposal.id}/reviews", officer_token)
    assert reviews.get_json()["total"] == 1
    assert_documented(doc, reviews, "/proposals/{id}/reviews", "get")
    ranking = api.get(f"/calls/{call.code}/ranking", officer_token)
    assert ranking.get_json()["total"] == 1
    assert_documented(doc, ranking, "/calls/{code}/ranking", "get")
    report = api.get(f"/calls/{call.code}/report", officer_token)
    assert report.status_code == 200
    assert_documented(doc, report, "/calls/{code}/report", "get")


def test_assignment_responses_fit(make: Factory, api: ApiClient, doc):
    officer_token = make.token(make.officer())
    reviewer = make.user("reviewer")
    call = make.call(reviewers_per_proposal=1)
    proposal = make.proposal(call=call, state="eligible")
    assigned = api.post(f"/proposals/{proposal.id}/assignments", {"reviewer": reviewer.email},
                        officer_token)
    assert assigned.status_code == 201, assigned.get_json()
    assert_documented(doc, assigned, "/proposals/{id}/assignments", "post")
    auto = api.post(f"/calls/{call.code}/assignments/auto", None, officer_token)
    assert_documented(doc, auto, "/calls/{code}/assignments/auto", "post")
    declared = api.post(f"/assignments/{assigned.get_json()['id']}/conflict",
                        {"has_conflict": False}, make.token(reviewer))
    assert declared.status_code == 200, declared.get_json()
    assert_documented(doc, declared, "/assignments/{id}/conflict", "post")


def test_letter_responses_fit(make: Factory, api: ApiClient, doc):
    applicant = make.user("applicant")
    token = make.token(applicant)
    proposal = make.proposal(applicant=applicant, state="funded")
    letter = api.get(f"/proposals/{proposal.id}/letter", token)
    assert letter.status_code == 200, letter.get_data()[:300]
    documented_schema(doc, "/proposals/{id}/letter", "get", 200, "application/pdf")
    assert letter.mimetype == "application/pdf" and letter.get_data().startswith(b"%PDF")
    code = api.get(f"/proposals/{proposal.id}", token).get_json()["letter"]["verification_code"]
    verified = api.get(f"/letters/{code}")
    assert verified.status_code == 200
    assert_documented(doc, verified, "/letters/{verification_code}", "get")
