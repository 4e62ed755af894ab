"""Proposals through the JSON API: drafting, documents, submission and who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from evalflow.database import utcnow
from tests.factories import PDF, proposal_payload


@pytest.fixture
def applicant(make):
    user = make.user("applicant", institution="Universidad Ficticia del Norte")
    return user, make.token(user)


def _create(api, token, call, **overrides):
    return api.post("/proposals", proposal_payload(call, **overrides), token)


def _upload(api, token, pid, data=PDF, name="plan.pdf"):
    from io import BytesIO

    return api.client.post(
        f"/api/v1/proposals/{pid}/documents", headers={"Authorization": f"Bearer {token}"},
        data={"file": (BytesIO(data), name)}, content_type="multipart/form-data",
    )


def test_an_applicant_drafts_documents_and_submits(make, api, applicant):
    _, token = applicant
    call = make.call()
    created = _create(api, token, call)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["state"] == "draft" and body["reference"] == f"{call.code}-001"
    assert body["institution"] == "Universidad Ficticia del Norte"
    assert body["requested_amount"] == "950000.00" and body["awarded_amount"] is None
    assert body["letter"] is None
    refused = api.post(f"/proposals/{body['id']}/transitions", {"event": "submit"}, token)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "incomplete"
    assert "documents" in refused.json["error"]["fields"]
    assert _upload(api, token, body["id"]).status_code == 201
    submitted = api.post(f"/proposals/{body['id']}/transitions", {"event": "submit"}, token)
    assert submitted.status_code == 200 and submitted.json["state"] == "submitted"
    detail = api.get(f"/proposals/{body['id']}", token).json
    assert [h["event"] for h in detail["history"]] == ["create", "add_document", "submit"]
    assert detail["submitted_at"].endswith("-06:00")


def test_a_submitted_proposal_cannot_be_edited(make, api, applicant):
    user, token = applicant
    proposal = make.proposal(applicant=user, state="submitted")
    response = api.patch(f"/proposals/{proposal.id}", {"title": "Otro"}, token)
    assert response.status_code == 409
    assert api.get(f"/proposals/{proposal.id}", token).json["title"] != "Otro"


def test_a_draft_is_edited_and_budget_lines_replaced(make, api, applicant):
    _, token = applicant
    pid = _create(api, token, make.call()).json["id"]
    response = api.patch(f"/proposals/{pid}", {
        "requested_amount": "500000.00",
        "budget_lines": [{"concept": "Personal", "amount": "500000.00"}]}, token)
    assert response.status_code == 200
    assert response.json["budget_lines"] == [{"concept": "Personal", "amount": "500000.00"}]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1E+309", "1_000", "１０００",
                                    "١٠٠٠", "-5.00", "10.001", "", " 100", "100.", True, 1.5e300,
                                    None])
def test_money_is_parsed_strictly(make, api, applicant, amount):
    _, token = applicant
    response = _create(api, token, make.call(), requested_amount=amount)
    if amount is None:
        assert response.status_code == 201  # a draft may leave the amount for later
        return
    assert response.status_code == 422, response.json
    assert "requested_amount" in response.json["error"]["fields"]


def test_a_non_ascii_title_is_kept_exactly(make, api, applicant):
    _, token = applicant
    title = "Red de Talentos — Ñandú <b>&amp;</b> 漢字"
    body = _create(api, token, make.call(), title=title).json
    assert api.get(f"/proposals/{body['id']}", token).json["title"] == title


def test_malformed_json_is_400(make, api, applicant):
    _, token = applicant
    response = api.client.post("/api/v1/proposals", data="{not json",
                               headers={"Authorization": f"Bearer {token}",
                                        "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed"
    nan = api.client.post("/api/v1/proposals", data='{"requested_amount": NaN}',
                          headers={"Authorization": f"Bearer {token}",
                                   "Content-Type": "application/json"})
    assert nan.status_code == 400
    array = api.post("/proposals", [1, 2], token)
    assert array.status_code == 400


def test_no_token_is_401_and_a_bad_token_too(api):
    assert api.get("/calls").status_code == 401
    assert api.get("/calls", "ef_wrong").status_code == 401
    assert api.get("/calls").json["error"]["code"] == "not_authenticated"


def test_another_institutions_proposal_is_not_found(make, api, applicant):
    _, token = applicant
    other = make.proposal(state="submitted")
    for response in (api.get(f"/proposals/{other.id}", token),
                     api.patch(f"/proposals/{other.id}", {"title": "x"}, token),
                     api.post(f"/proposals/{other.id}/transitions", {"event": "withdraw"}, token),
                     _upload(api, token, other.id),
                     api.get(f"/proposals/{other.id}/letter", token),
                     api.get("/proposals/999999", token),
                     api.get("/proposals/abc", token)):
        assert response.status_code == 404, response.json
        assert response.json["error"]["code"] == "not_found"


def test_a_reviewer_cannot_create_proposals_or_list_a_call(make, api):
    reviewer = make.user("reviewer")
    token = make.token(reviewer)
    call = make.call()
    assert api.post("/proposals", proposal_payload(call), token).status_code == 403
    assert api.get(f"/calls/{call.code}/proposals", token).status_code == 403


def test_an_applicant_cannot_screen_its_own_proposal(make, api, applicant):
    user, token = applicant
    proposal = make.proposal(applicant=user, state="submitted")
    response = api.post(f"/proposals/{proposal.id}/transitions",
                        {"event": "approve_eligibility"}, token)
    assert response.status_code == 403


def test_submission_refusals_name_their_reason(make, api, applicant):
    user, token = applicant
    late_call = make.call(opens_at=(utcnow() - timedelta(days=10)).isoformat(),
                          closes_at=(utcnow() + timedelta(seconds=2)).isoformat())
    draft_call = make.call(state="draft")
    assert _create(api, token, draft_call).json["error"]["code"] == "call_not_open"
    over = make.proposal(applicant=user, requested_amount="1000000.01",
                         budget_lines=[{"concept": "Todo", "amount": "1000000.01"}])
    response = api.post(f"/proposals/{over.id}/transitions", {"event": "submit"}, token)
    assert (response.status_code, response.json["error"]["code"]) == (409, "over_cap")
    proposal = make.proposal(applicant=user, call=late_call)
    import time

    time.sleep(2.1)
    response = api.post(f"/proposals/{proposal.id}/transitions", {"event": "submit"}, token)
    assert (response.status_code, response.json["error"]["code"]) == (409, "deadline_passed")
    assert api.get(f"/proposals/{proposal.id}", token).json["state"] == "draft"


def test_budget_lines_that_do_not_add_up_keep_it_incomplete(make, api, applicant):
    user, token = applicant
    proposal = make.proposal(applicant=user, budget_lines=[{"concept": "A", "amount": "1.00"}])
    response = api.post(f"/proposals/{proposal.id}/transitions", {"event": "submit"}, token)
    assert response.json["error"]["code"] == "incomplete"
    assert "budget_lines" in response.json["error"]["fields"]


def test_a_renamed_executable_is_415(make, api, applicant):
    user, token = applicant
    pid = make.proposal(applicant=user).id
    elf = _upload(api, token, pid, data=b"\x7fELF\x02\x01\x01" + b"\0" * 200, name="plan.pdf")
    assert elf.status_code == 415
    mz = _upload(api, token, pid, data=b"MZ\x90\x00" + b"\0" * 200, name="plan.pdf")
    assert mz.status_code == 415
    assert mz.json["error"]["code"] == "unsupported_file_type"


def test_a_file_over_the_limit_is_413(make, api, applicant, app):
    user, token = applicant
    pid = make.proposal(applicant=user).id
    big = PDF[:-7] + b"0" * (app.config["MAX_UPLOAD_BYTES"]) + b"\n%%EOF\n"
    response = _upload(api, token, pid, data=big)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "file_too_large"


def test_the_stored_filename_is_a_safe_base_name(make, api, applicant, app):
    user, token = applicant
    pid = make.proposal(applicant=user).id
    response = _upload(api, token, pid, name="../../etc/pass\x00wd.pdf")
    assert response.status_code == 201
    assert "/" not in response.json["filename"] and ".." not in response.json["filename"]
    assert response.json["filename"].endswith(".pdf")
    files = list((app.config["FILES_DIR"] / "documents").iterdir())
    assert all(f.resolve().parent == (app.config["FILES_DIR"] / "documents").resolve()
               for f in files)


def test_a_missing_file_field_is_422(make, api, applicant):
    user, token = applicant
    pid = make.proposal(applicant=user).id
    response = api.client.post(f"/api/v1/proposals/{pid}/documents",
                               headers={"Authorization": f"Bearer {token}"}, data={},
                               content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.json["error"]["fields"]


def test_withdraw_until_review_starts(make, api, applicant):
    user, token = applicant
    eligible = make.proposal(applicant=user, state="eligible")
    assert api.post(f"/proposals/{eligible.id}/transitions", {"event": "withdraw"},
                    token).json["state"] == "withdrawn"
    reviewing = make.proposal(applicant=user, state="under_review")
    response = api.post(f"/proposals/{reviewing.id}/transitions", {"event": "withdraw"}, token)
    assert (response.status_code, response.json["error"]["code"]) == (409, "invalid_transition")


def test_unknown_event_is_422(make, api, applicant):
    user, token = applicant
    proposal = make.proposal(applicant=user)
    response = api.post(f"/proposals/{proposal.id}/transitions", {"event": "to_funded"}, token)
    assert response.status_code == 422 and "event" in response.json["error"]["fields"]
