"""The money and state guarantees under real concurrency, against a real gunicorn server.

A module-scoped server (4 sync workers, so requests really run in parallel processes) on a
fresh instance, on SQLite and, when EVALFLOW_TEST_DATABASE_URL is set, on PostgreSQL. The
world is built through the CLI and the JSON API only, as an outside system would. Then bursts
of simultaneous requests check that a call's budget is never exceeded (nor refused while room
remained), that a state change happens once however many requests race for it, and that the
audit chain stays intact.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.factories import PDF
from tests.live_server import Api, LiveServer, reset_postgres

pytestmark = [pytest.mark.server]

PG_URL = os.environ.get("EVALFLOW_TEST_DATABASE_URL", "")
MILLION = Decimal("1000000.00")
CAP = "1000000.00"
SCORES = {"C1": 8, "C2": 7}

# Calls of the world: code -> (total budget, proposals brought to `reviewed`).
CALLS = {
    "CONC-A": ("3000000.00", 10),  # ten requests of 1,000,000 for three millions
    "CONC-B": ("2500000.00", 10),  # bursts that leave room for exactly one more
    "CONC-C": ("1000000.00", 8),  # mixed amounts racing for one million
    "CONC-D": ("10000000.00", 3),  # the same proposal funded by two officers at once
}
DRAFTS_CALL = "CONC-D"
DRAFTS = 2  # complete drafts for the double-submit races


@dataclass
class World:
    """Everything the tests share: the server, the people's API clients, the proposals."""

    server: LiveServer
    officers: list[Api]
    applicants: list[Api]
    reviewers: list[Api]
    reviewed: dict[str, list[int]] = field(default_factory=dict)
    drafts: list[tuple[Api, int]] = field(default_factory=list)

    @property
    def officer(self) -> Api:
        return self.officers[0]


# --- helpers ---------------------------------------------------------------------------------


def burst(jobs: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every job in its own thread, all released at the same instant by a barrier."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def describe(responses: list[requests.Response]) -> str:
    """Status and body of each response, for assertion messages."""
    return "\n".join(f"  {r.status_code} {r.request.url}: {r.text[:300]}" for r in responses)


def error_code(response: requests.Response) -> str | None:
    """The `error.code` of an API error body, or None."""
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def fund_job(officer: Api, proposal_id: int, amount: str) -> Callable[[], requests.Response]:
    """A request, ready to fire, funding the proposal with `amount`."""
    return lambda: officer.post(f"/proposals/{proposal_id}/transitions",
                                {"event": "fund", "amount": amount})


def fund_burst(world: World, pairs: list[tuple[int, str]]) -> list[requests.Response]:
    """Fund each (proposal, amount) at once, the officers taking turns."""
    officers = world.officers
    return burst([fund_job(officers[i % len(officers)], pid, amount)
                  for i, (pid, amount) in enumerate(pairs)])


def reviewed_ids(world: World, code: str) -> list[int]:
    """Ids of the call's proposals still in `reviewed`."""
    return proposal_ids(world, code, "reviewed")


def proposal_ids(world: World, code: str, state: str) -> list[int]:
    """Ids of the call's proposals in `state`, from the officers' list."""
    body = world.officer.expect(200, "GET", f"/calls/{code}/proposals",
                                params={"state": state, "per_page": 1000})
    assert body["total"] == len(body["items"])
    assert all(item["state"] == state for item in body["items"])
    return [item["id"] for item in body["items"]]


def check_money(world: World, code: str, funded: dict[int, Decimal]) -> Decimal:
    """The call, its report and its funded list all agree with the successful requests
    (`funded`: proposal id -> amount) and never exceed the budget; return the total."""
    call = world.officer.expect(200, "GET", f"/calls/{code}")
    report = world.officer.expect(200, "GET", f"/calls/{code}/report")
    listed = world.officer.expect(200, "GET", f"/calls/{code}/proposals",
                                  params={"state": "funded", "per_page": 1000})
    expected = sum(funded.values(), Decimal("0.00"))
    budget = Decimal(call["total_budget"])
    assert Decimal(call["awarded_total"]) == expected, (call, funded)
    assert Decimal(call["awarded_total"]) <= budget
    assert Decimal(call["budget_remaining"]) == budget - expected
    assert Decimal(report["awarded_total"]) == expected, report
    assert Decimal(report["budget_remaining"]) == budget - expected, report
    assert report["funded"] == len(funded), report
    assert listed["total"] == len(funded), listed
    assert {item["id"]: Decimal(item["awarded_amount"]) for item in listed["items"]} == funded
    return expected


def split(responses: list[requests.Response], pairs: list[tuple[int, str]]
          ) -> tuple[dict[int, Decimal], list[tuple[int, str, requests.Response]]]:
    """(funded: id -> amount, refused: [(id, amount, response)]); anything but 200 and 409
    fails the test."""
    assert all(r.status_code in (200, 409) for r in responses), describe(responses)
    funded: dict[int, Decimal] = {}
    refused: list[tuple[int, str, requests.Response]] = []
    for (pid, amount), response in zip(pairs, responses, strict=True):
        if response.status_code == 200:
            body = response.json()
            assert body["state"] == "funded" and body["awarded_amount"] == amount, body
            funded[pid] = Decimal(amount)
        else:
            refused.append((pid, amount, response))
    return funded, refused


# --- the world -------------------------------------------------------------------------------


def _call_payload(code: str, budget: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "code": code, "title": f"Convocatoria {code}", "description": "Pruebas de concurrencia",
        "language": "es", "timezone": "America/Mexico_City",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "currency": "MXN", "max_award": CAP, "total_budget": budget,
        "reviewers_per_proposal": 1,
        "sectors": [{"code": "TIC", "name": "Tecnologías de la Información y Comunicación"}],
        "eligibility_criteria": [{"code": "E1", "text": "Institución mexicana registrada"}],
        "criteria": [
            {"code": "C1", "name": "Calidad", "weight": 0.6, "min": 1, "max": 10, "threshold": 6},
            {"code": "C2", "name": "Impacto", "weight": 0.4, "min": 1, "max": 10},
        ],
    }


def _draft(applicant: Api, code: str) -> int:
    """A complete draft requesting 1,000,000.00, with its PDF: returns its id."""
    created = applicant.expect(201, "POST", "/proposals", json={
        "call": code, "sector": "TIC", "title": f"Punto Nacional de Contacto {code}",
        "summary": "Seguimiento de proyectos", "requested_amount": CAP,
        "budget_lines": [{"concept": "Personal", "amount": "600000.00"},
                         {"concept": "Viajes", "amount": "400000.00"}],
    })
    pid = created["id"]
    applicant.expect(201, "POST", f"/proposals/{pid}/documents",
                     files={"file": ("plan.pdf", PDF, "application/pdf")})
    return pid


def _submitted_and_eligible(applicant: Api, officer: Api, code: str) -> int:
    """A draft submitted by its applicant and found eligible by an officer: returns its id."""
    pid = _draft(applicant, code)
    assert applicant.expect(200, "POST", f"/proposals/{pid}/transitions",
                            json={"event": "submit"})["state"] == "submitted"
    assert officer.expect(200, "POST", f"/proposals/{pid}/transitions",
                          json={"event": "approve_eligibility"})["state"] == "eligible"
    return pid


def _review(reviewer: Api, assignment_id: int) -> None:
    """Submit a passing review; with one reviewer per proposal it becomes `reviewed`."""
    body = reviewer.expect(200, "PUT", f"/assignments/{assignment_id}/review", json={
        "scores": SCORES, "comment_to_applicant": "Bien planteado",
        "comment_to_committee": "Sólido", "submit": True,
    })
    assert body["proposal_state"] == "reviewed", body


def _people(server: LiveServer) -> dict[str, list[str]]:
    """Create the users through the CLI (in parallel; each `flask` start is slow) and return
    role -> tokens."""
    specs: list[tuple[str, list[str]]] = []
    for i in range(3):
        specs.append(("officer", [f"officer{i}@agencia.mx", "--name", f"Oficial {i}",
                                  "--role", "officer"]))
    for i in range(2):
        specs.append(("applicant", [f"applicant{i}@inst{i}.mx", "--name", f"Solicitante {i}",
                                    "--role", "applicant", "--institution",
                                    f"Instituto Concurrente {i}"]))
    specs.append(("reviewer", ["reviewer0@comite.mx", "--name", "Evaluador 0",
                               "--role", "reviewer"]))

    def create(spec: tuple[str, list[str]]) -> tuple[str, str]:
        role, args = spec
        server.cli("users", "create", *args)
        token = server.cli("users", "token", args[0]).stdout.strip().splitlines()[-1].strip()
        assert token, f"no token printed for {args[0]}"
        return role, token

    tokens: dict[str, list[str]] = {"officer": [], "applicant": [], "reviewer": []}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for role, token in pool.map(create, specs):
            tokens[role].append(token)
    return tokens


def _build(server: LiveServer) -> World:
    """Users by the CLI; calls opened, proposals submitted, screened, assigned and reviewed by
    the API (several at a time, which exercises the server a little too)."""
    tokens = _people(server)
    server.wait_until_ready()

    def client(role: str, token: str, i: int) -> Api:
        """An API client for one person, showing the server's log when a step fails."""
        return Api(server.api_url, token, diagnostics=server.log_tail, name=f"{role}{i}")

    world = World(
        server=server,
        officers=[client("officer", t, i) for i, t in enumerate(tokens["officer"])],
        applicants=[client("applicant", t, i) for i, t in enumerate(tokens["applicant"])],
        reviewers=[client("reviewer", t, i) for i, t in enumerate(tokens["reviewer"])],
    )
    for code, (budget, _) in CALLS.items():
        world.officer.expect(201, "POST", "/calls", json=_call_payload(code, budget))
        assert world.officer.expect(200, "POST", f"/calls/{code}/transitions",
                                    json={"event": "open"})["state"] == "open"

    plan = [code for code, (_, count) in CALLS.items() for _ in range(count)]
    applicants, officers = world.applicants, world.officers
    with ThreadPoolExecutor(max_workers=4) as pool:
        eligible = list(pool.map(
            lambda job: _submitted_and_eligible(applicants[job[0] % len(applicants)],
                                                officers[job[0] % len(officers)], job[1]),
            enumerate(plan),
        ))
        drafts = [(applicants[i % len(applicants)], pool.submit(
            _draft, applicants[i % len(applicants)], DRAFTS_CALL)) for i in range(DRAFTS)]
        world.drafts = [(applicant, future.result(timeout=120)) for applicant, future in drafts]
        for code, (_, count) in CALLS.items():
            created = world.officer.expect(200, "POST", f"/calls/{code}/assignments/auto")
            assert created["created"] == count, (code, created)
        jobs = [(reviewer, item["id"])
                for reviewer in world.reviewers
                for item in reviewer.expect(200, "GET", "/assignments",
                                            params={"per_page": 1000})["items"]]
        assert len(jobs) == len(plan)
        list(pool.map(lambda job: _review(*job), jobs))

    for code, (_, count) in CALLS.items():
        world.reviewed[code] = reviewed_ids(world, code)
        assert len(world.reviewed[code]) == count
    assert set(eligible) == {pid for ids in world.reviewed.values() for pid in ids}
    return world


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(
            not PG_URL, reason="EVALFLOW_TEST_DATABASE_URL is not set")),
    ],
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    """A migrated database, a running gunicorn with 4 workers, and the calls and proposals."""
    instance: Path = tmp_path_factory.mktemp(f"live-{request.param}")
    url = PG_URL if request.param == "postgresql" else None
    if url:
        reset_postgres(url)
    server = LiveServer(instance, url, workers=4)
    # The workers touch no database while they boot, so they boot during the migration.
    server.start()
    try:
        server.cli("db", "upgrade")
        yield _build(server)
    finally:
        server.stop()


# --- the tests -------------------------------------------------------------------------------


def test_ten_officers_requests_for_three_millions_fund_exactly_three(world: World) -> None:
    """Ten simultaneous 1,000,000 awards against a 3,000,000 budget: three pass, seven are
    refused as over budget, and every figure agrees."""
    code = "CONC-A"
    pairs = [(pid, "1000000.00") for pid in world.reviewed[code]]
    responses = fund_burst(world, pairs)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 3 + [409] * 7, describe(responses)
    funded, refused = split(responses, pairs)
    assert all(error_code(r) == "budget_exceeded" for _, _, r in refused), describe(responses)

    call = world.officer.expect(200, "GET", f"/calls/{code}")
    assert call["awarded_total"] == "3000000.00"
    assert call["budget_remaining"] == "0.00"
    assert world.officer.expect(200, "GET", f"/calls/{code}/report")["awarded_total"] \
        == "3000000.00"
    assert sorted(proposal_ids(world, code, "funded")) == sorted(funded)
    check_money(world, code, funded)
    # Refused requests changed nothing.
    assert sorted(reviewed_ids(world, code)) == sorted(pid for pid, _, _ in refused)


def test_bursts_that_leave_room_for_exactly_one_more(world: World) -> None:
    """2,500,000: ten 700,000 awards at once fit three (400,000 left); then seven 400,000
    awards at once fit exactly one (the budget reached to the cent); then nothing fits."""
    code = "CONC-B"

    pairs = [(pid, "700000.00") for pid in reviewed_ids(world, code)]
    responses = fund_burst(world, pairs)
    funded, refused = split(responses, pairs)
    assert len(funded) == 3 and len(refused) == 7, describe(responses)
    assert all(error_code(r) == "budget_exceeded" for _, _, r in refused), describe(responses)
    assert check_money(world, code, funded) == Decimal("2100000.00")

    pairs = [(pid, "400000.00") for pid in reviewed_ids(world, code)]
    assert len(pairs) == 7
    responses = fund_burst(world, pairs)
    more, refused = split(responses, pairs)
    assert len(more) == 1 and len(refused) == 6, describe(responses)
    assert all(error_code(r) == "budget_exceeded" for _, _, r in refused), describe(responses)
    funded |= more
    assert check_money(world, code, funded) == Decimal("2500000.00")

    pairs = [(pid, "0.01") for pid in reviewed_ids(world, code)]
    assert len(pairs) == 6
    responses = fund_burst(world, pairs)
    assert [r.status_code for r in responses] == [409] * 6, describe(responses)
    assert all(error_code(r) == "budget_exceeded" for r in responses), describe(responses)
    check_money(world, code, funded)
    assert len(reviewed_ids(world, code)) == 6


def test_mixed_amounts_never_exceed_and_never_refuse_what_fitted(world: World) -> None:
    """Different amounts racing for 1,000,000: whatever order the database chose, the total is
    the sum of the successes, within budget, and every refused amount really did not fit (the
    total only grows, so what did not fit then does not fit at the end). Then exactly the
    remainder, raced against the remainder plus one cent, fits once."""
    code = "CONC-C"
    budget = Decimal(CALLS[code][0])
    amounts = ["600000.00", "350000.00", "250000.00", "399999.99",
               "150000.00", "500000.00", "0.01", "123456.78"]
    pairs = list(zip(reviewed_ids(world, code), amounts, strict=True))
    responses = fund_burst(world, pairs)
    funded, refused = split(responses, pairs)
    assert funded, describe(responses)
    assert all(error_code(r) == "budget_exceeded" for _, _, r in refused), describe(responses)
    total = check_money(world, code, funded)
    assert total <= budget
    for _, amount, _response in refused:
        assert total + Decimal(amount) > budget, (
            f"{amount} was refused although {budget - total} remained:\n{describe(responses)}")

    remaining = budget - total
    left = reviewed_ids(world, code)
    if remaining == 0:
        pairs = [(pid, "0.01") for pid in left]
        expected_successes = 0
    else:
        over = f"{remaining + Decimal('0.01'):.2f}"
        pairs = [(pid, f"{remaining:.2f}" if i == len(left) // 2 else over)
                 for i, pid in enumerate(left)]
        expected_successes = 1
    responses = fund_burst(world, pairs)
    more, refused = split(responses, pairs)
    assert len(more) == expected_successes, describe(responses)
    assert all(error_code(r) == "budget_exceeded" for _, _, r in refused), describe(responses)
    funded |= more
    assert check_money(world, code, funded) == (budget if expected_successes else total)


def test_the_same_proposal_funded_by_two_officers_at_once_counts_once(world: World) -> None:
    """Two officers fund each of three proposals at the same instant (750,000 and 800,000):
    one award per proposal, the other refused as an invalid transition, counted once."""
    code = "CONC-D"
    first, second = world.officers[0], world.officers[1]
    ids = world.reviewed[code]
    jobs = []
    for pid in ids:
        jobs += [fund_job(first, pid, "750000.00"), fund_job(second, pid, "800000.00")]
    responses = burst(jobs)
    assert all(r.status_code in (200, 409) for r in responses), describe(responses)

    funded: dict[int, Decimal] = {}
    for n, pid in enumerate(ids):
        pair = responses[2 * n:2 * n + 2]
        assert sorted(r.status_code for r in pair) == [200, 409], describe(responses)
        winner = next(r for r in pair if r.status_code == 200)
        loser = next(r for r in pair if r.status_code == 409)
        assert error_code(loser) == "invalid_transition", describe(responses)
        funded[pid] = Decimal(winner.json()["awarded_amount"])
        detail = world.officer.expect(200, "GET", f"/proposals/{pid}")
        assert detail["state"] == "funded"
        assert Decimal(detail["awarded_amount"]) == funded[pid]
        assert [e["event"] for e in detail["history"]].count("fund") == 1, detail["history"]
    check_money(world, code, funded)


@pytest.mark.parametrize("draft", range(DRAFTS))
def test_a_draft_submitted_eight_times_at_once_is_submitted_once(world: World, draft: int
                                                                ) -> None:
    """Eight simultaneous submits of one complete draft: one 200, seven 409
    invalid_transition, and exactly one submit event in its history."""
    applicant, pid = world.drafts[draft]
    responses = burst([
        lambda: applicant.post(f"/proposals/{pid}/transitions", {"event": "submit"})
        for _ in range(8)
    ])
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7, describe(responses)
    assert all(error_code(r) == "invalid_transition"
               for r in responses if r.status_code == 409), describe(responses)
    for viewer in (applicant, world.officer):
        detail = viewer.expect(200, "GET", f"/proposals/{pid}")
        assert detail["state"] == "submitted"
        assert [e["event"] for e in detail["history"]].count("submit") == 1, detail["history"]


def test_the_audit_chain_is_intact_after_the_bursts(world: World) -> None:
    """`flask --app evalflow audit verify` walks the whole chain written under concurrency."""
    result = world.server.cli("audit", "verify", check=False)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "intact" in result.stdout
