"""The ranking computed by the database agrees with the arithmetic done by hand."""

from __future__ import annotations

import random
from decimal import Decimal

from evalflow.extensions import db
from evalflow.proposals.models import Proposal
from evalflow.reports.services import ranking
from evalflow.reviews.models import Review


def test_ranking_matches_a_hand_computation(make):
    rng = random.Random(2008)
    call = make.call(reviewers_per_proposal=3)
    reviewers = [make.user("reviewer") for _ in range(3)]
    for _ in range(6):
        scores = [{"C1": rng.randint(1, 10), "C2": rng.randint(1, 10)} for _ in range(3)]
        make.proposal(call=call, state="reviewed", reviewers=reviewers, scores=scores)
    expected = []
    for proposal in Proposal.query.filter_by(call_id=call.id):
        reviews = Review.query.filter_by(proposal_id=proposal.id).all()
        totals = [r.total for r in reviews]
        c1 = sum(Decimal(s.value) for r in reviews for s in r.scores
                 if s.criterion.code == "C1") / 3
        expected.append((proposal.id, (sum(totals) / 3).quantize(Decimal("0.0001")),
                         (max(totals) - min(totals)).quantize(Decimal("0.0001")),
                         ["C1"] if c1 < 6 else [], proposal.reference))
    # Best score first; among equals the closer agreement, then the reference.
    expected.sort(key=lambda e: (-e[1], e[2], e[4]))
    got, total = ranking(db.session, call)
    assert total == 6
    assert [(r.proposal_id, r.score, r.spread, r.below_threshold) for r in got] == [
        e[:4] for e in expected]
    assert [r.rank for r in got] == list(range(1, 7))
    assert all(r.reviews == 3 for r in got)
    page, _ = ranking(db.session, call, offset=2, limit=2)
    assert [(r.rank, r.proposal_id) for r in page] == [(r.rank, r.proposal_id) for r in got[2:4]]
