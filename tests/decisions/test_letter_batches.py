"""Letter batches: a decided call's letters issued in the background, with progress, on the
officers' page and the command line; inline without Redis, on real RQ workers with it; and
resumed after a worker is killed part-way, issuing nothing twice."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from evalflow import storage
from evalflow.audit import AuditEvent, verify_chain
from evalflow.calls.models import Call
from evalflow.calls.services import transition_call
from evalflow.database import utcnow
from evalflow.decisions import batches, letters
from evalflow.decisions.batches import BatchRunning, request_letter_batch, start_letter_batch
from evalflow.decisions.issuing import issue_letter_now
from evalflow.decisions.models import BatchState, Letter, LetterBatch, LetterState
from evalflow.decisions.services import store_letter
from evalflow.decisions.workflow import batch_workflow
from evalflow.errors import InvalidTransition
from evalflow.extensions import db
from evalflow.proposals.models import Proposal
from tests.conftest import REDIS_URL
from tests.decisions.test_funding_views import signed_in
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]


def decided_call(make: Factory, *, funded: int = 1, declined: int = 2) -> Call:
    """A decided call whose letters are all owed."""
    officer = make.officer()
    call = make.call(officer=officer)
    for _ in range(funded):
        make.proposal(call=call, state="funded")
    for _ in range(declined):
        make.proposal(call=call, state="not_funded")
    transition_call(db.session, call, "close", officer)
    transition_call(db.session, call, "decide", officer)
    db.session.commit()
    return call


def page(call: Call) -> str:
    return f"/officer/funding/{call.code}/letters"


def fresh_batches(call: Call) -> list[LetterBatch]:
    """The call's batches as committed now (another process may be writing them)."""
    db.session.rollback()
    return list(db.session.scalars(
        sa.select(LetterBatch).where(LetterBatch.call_id == call.id).order_by(LetterBatch.id)
        .execution_options(populate_existing=True)))


def fresh_letters(call: Call) -> list[Letter]:
    db.session.rollback()
    return list(db.session.scalars(
        sa.select(Letter).where(Letter.call_id == call.id).order_by(Letter.folio)
        .execution_options(populate_existing=True)))


def references(call: Call) -> list[str]:
    return list(db.session.scalars(
        sa.select(Proposal.reference).where(Proposal.call_id == call.id)
        .order_by(Proposal.number)))


def failing(monkeypatch: pytest.MonkeyPatch, *refs: str) -> None:
    """Make rendering raise for these proposals' letters, in this process."""
    render = letters.render_letter_pdf

    def render_or_fail(content: letters.LetterContent) -> bytes:
        if content.reference in refs:
            raise ValueError(f"the letter of {content.reference} cannot be laid out")
        return render(content)

    monkeypatch.setattr(letters, "render_letter_pdf", render_or_fail)


def assert_issued_once(call: Call, owed: int) -> list[Letter]:
    """Every letter issued with its own gap-free folio, its file intact, one issue event
    each, no stray file, and the audit chain whole."""
    found = fresh_letters(call)
    assert [letter.folio for letter in found] == [
        f"{call.code}/{n:04d}" for n in range(1, owed + 1)]
    issued = [letter for letter in found if letter.state == LetterState.ISSUED]
    for letter in issued:
        assert storage.sha256_hex(storage.read_bytes(letter.stored_name)) == letter.sha256
    events = Counter(db.session.scalars(
        sa.select(AuditEvent.entity_id).where(AuditEvent.action == "letter.issue",
                                              AuditEvent.call_id == call.id)))
    assert events == Counter({letter.id: 1 for letter in issued})
    stored = sorted(p.name for p in (storage.files_dir() / "letters").glob("*.pdf"))
    assert stored == sorted(Path(letter.stored_name).name for letter in issued)
    assert verify_chain(db.session).ok
    return found


# Inline, without Redis -------------------------------------------------------------------------

def test_the_page_runs_a_batch_and_shows_it_finished(client, make):
    call = decided_call(make)
    signed_in(client)
    html = client.get(page(call)).text
    assert "3 letters are owed" in html and "<progress" not in html
    response = client.post(page(call))
    assert response.status_code == 302 and response.location.endswith(page(call))
    html = client.get(page(call)).text
    assert "A batch of 3 letters started." in html
    assert re.search(r'<progress id="batch-progress" max="3" value="3"', html)
    assert "3 issued, 0 failed, of 3 owed." in html and "Finished" in html
    assert "Every letter is issued." in html and "Issue all owed letters" not in html
    assert 'http-equiv="refresh"' not in html and "letter-progress.js" not in html
    for letter in assert_issued_once(call, 3):
        assert letter.folio in html and letter.verification_code in html
        assert f"/officer/funding/letters/{letter.id}.pdf" in html
    [batch] = fresh_batches(call)
    assert batch.state == BatchState.FINISHED
    assert (batch.owed, batch.issued, batch.failed) == (3, 3, 0)
    assert batch.created_at <= batch.started_at <= batch.finished_at
    assert batch.finished_at.tzinfo is not None and batch.requested_by.role.value == "officer"
    progress = client.get(page(call) + "/progress").get_json()
    assert progress["batch"] | {"id": None} == progress["batch"] | {
        "id": None, "state": "finished", "live": False, "owed": 3, "issued": 3, "failed": 0}


def test_a_letter_that_fails_is_listed_with_its_reason_and_issued_by_the_next_batch(
        client, make, monkeypatch):
    call = decided_call(make)
    second = references(call)[1]
    failing(monkeypatch, second)
    signed_in(client)
    html = client.post(page(call), follow_redirects=True).text
    assert "2 issued, 1 failed, of 3 owed." in html
    failed = re.search(r'<table id="failed-letters">.*?</table>', html, re.S).group(0)
    assert second in failed and f"{call.code}/0002" in failed
    assert "ValueError: the letter of " + second + " cannot be laid out" in failed
    assert "1 letters are owed." in html  # and it may be tried again
    assert fresh_batches(call)[0].state == BatchState.FINISHED

    monkeypatch.undo()
    html = client.post(page(call), follow_redirects=True).text
    assert "1 issued, 0 failed, of 1 owed." in html and 'id="failed-letters"' not in html
    found = assert_issued_once(call, 3)
    assert found[1].failure is None and found[1].folio == f"{call.code}/0002"


def test_a_call_not_decided_is_refused_and_nothing_changes(client, make):
    call = make.call()
    make.proposal(call=call, state="funded")  # funded, but the call is still open
    signed_in(client)
    html = client.post(page(call), follow_redirects=True).text
    assert "Letters are issued once the call is decided." in html
    assert fresh_batches(call) == [] and fresh_letters(call) == []


def test_a_running_batch_refuses_a_second_one_and_nothing_changes(client, make):
    call = decided_call(make)
    officer = make.officer()
    queued = request_letter_batch(db.session, call, officer)  # no worker has taken it yet
    db.session.commit()
    signed_in(client)
    html = client.get(page(call)).text
    assert "Waiting for a worker since" in html and "Issue all owed letters" not in html
    assert re.search(r'<progress id="batch-progress" max="3" value="0"', html)
    assert 'http-equiv="refresh" content="5"' in html and "letter-progress.js" in html
    assert f'data-progress-url="{page(call)}/progress"' in html and ">Refresh</a>" in html

    html = client.post(page(call), follow_redirects=True).text
    assert "A batch is already issuing this call&#39;s letters; let it finish." in html
    assert [b.id for b in fresh_batches(call)] == [queued.id] and fresh_letters(call) == []
    with pytest.raises(BatchRunning, match="already issuing"):
        start_letter_batch(db.session, call, officer)
    db.session.rollback()
    assert client.get(page(call) + "/progress").get_json()["batch"]["state"] == "queued"


def test_a_stale_batch_is_given_up_and_a_new_one_finishes_the_letters(client, make, app):
    call = decided_call(make)
    stale = request_letter_batch(db.session, call, make.officer())
    db.session.commit()
    db.session.execute(sa.update(LetterBatch).values(
        heartbeat_at=utcnow() - timedelta(seconds=app.config["LETTER_BATCH_STALE_SECONDS"] + 1)))
    db.session.commit()
    signed_in(client)
    html = client.get(page(call)).text
    assert "has shown no sign of life" in html and "Issue all owed letters" in html
    assert 'http-equiv="refresh"' not in html
    html = client.post(page(call), follow_redirects=True).text
    assert "3 issued, 0 failed, of 3 owed." in html
    old, new = fresh_batches(call)
    assert old.id == stale.id and old.state == BatchState.FAILED
    assert old.finished_at is not None and "No sign of life since" in old.last_error
    assert new.state == BatchState.FINISHED
    assert_issued_once(call, 3)


def test_a_batch_that_breaks_stops_with_its_error_and_may_be_started_again(
        client, make, monkeypatch, caplog):
    call = decided_call(make)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(batches, "issue_call_letters", broken)
    signed_in(client)
    html = client.post(page(call), follow_redirects=True).text
    assert "Stopped" in html and "OSError: No space left on device" in html
    assert "Issue all owed letters" in html
    assert "background job failed: evalflow.decisions.batches:run_letter_batch" in caplog.text
    [batch] = fresh_batches(call)
    assert batch.state == BatchState.FAILED and batch.finished_at is not None
    assert batch.last_error == "OSError: No space left on device"
    monkeypatch.undo()
    html = client.post(page(call), follow_redirects=True).text
    assert "3 issued, 0 failed, of 3 owed." in html
    assert_issued_once(call, 3)


def test_nothing_owed_is_said_plainly(client, make):
    call = decided_call(make, funded=0, declined=1)
    signed_in(client)
    client.post(page(call))
    html = client.post(page(call), follow_redirects=True).text
    assert "Every letter is issued already." in html
    assert len(fresh_batches(call)) == 1


def test_only_one_batch_per_call_can_be_live_in_the_database(make):
    call = decided_call(make, funded=0, declined=1)
    for _ in range(2):
        db.session.add(LetterBatch(call_id=call.id, owed=1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(LetterBatch(call_id=call.id, owed=1, issued=2))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_storing_a_letter_another_run_issued_meanwhile_changes_nothing(app, make):
    call = decided_call(make, funded=0, declined=1)
    proposal = db.session.scalars(sa.select(Proposal).where(Proposal.call_id == call.id)).one()
    letter = issue_letter_now(db.session, proposal, None, app.config)
    first = (letter.sha256, letter.stored_name)
    # What a second run still holds: the letter as it was before the first run issued it.
    sa.orm.attributes.set_committed_value(letter, "state", LetterState.PENDING)
    store_letter(db.session, letter, b"%PDF-1.7 another rendering", None)
    db.session.commit()
    assert letter.state == LetterState.ISSUED and (letter.sha256, letter.stored_name) == first
    assert_issued_once(call, 1)


def test_the_letters_page_sends_the_same_queries_for_more_letters(
        client, make, monkeypatch, count_queries):
    signed_in(client)
    counts = []
    for declined in (2, 6):
        call = decided_call(make, funded=1, declined=declined)
        failing(monkeypatch, references(call)[0])
        client.post(page(call))
        monkeypatch.undo()
        client.get(page(call))  # the same session state before each count
        with count_queries() as counter:
            html = client.get(page(call)).text
        assert f"{declined} issued, 1 failed" in html
        counts.append(counter.count)
    assert counts[0] == counts[1]


ALLOWED = {("queued", "start"): "running", ("running", "finish"): "finished",
           ("queued", "fail"): "failed", ("running", "fail"): "failed"}


@pytest.mark.parametrize("event", batch_workflow.events)
@pytest.mark.parametrize("state", [s.value for s in BatchState])
def test_a_batch_moves_only_along_its_lifecycle(make, state, event):
    now, call = utcnow(), make.call()
    batch = LetterBatch(
        call_id=call.id, owed=1, state=BatchState(state),
        started_at=None if state == "queued" else now,
        finished_at=now if state in ("finished", "failed") else None)
    db.session.add(batch)
    db.session.commit()
    values = {"started_at": now} if event == "start" else {"finished_at": now}
    target = ALLOWED.get((state, event))
    if target is None:
        with pytest.raises(InvalidTransition):
            batch_workflow.fire(db.session, batch, event, None, values=values)
        db.session.rollback()
    else:
        batch_workflow.fire(db.session, batch, event, None, values=values)
        db.session.commit()
    assert fresh_batches(call)[0].state == (target or state)


# The command line ------------------------------------------------------------------------------

def test_the_command_issues_inline_with_a_summary(runner, make):
    call = decided_call(make)
    result = runner.invoke(args=["letters", "issue", call.code])
    assert result.exit_code == 0, result.output
    assert f"{call.code}: 3 issued, 0 failed, of 3 owed." in result.output
    assert fresh_batches(call)[0].state == BatchState.FINISHED
    assert_issued_once(call, 3)
    again = runner.invoke(args=["letters", "issue", call.code])
    assert again.exit_code == 0
    assert f"{call.code}: 0 issued, 0 failed, of 0 owed." in again.output
    assert len(fresh_batches(call)) == 1


def test_the_command_exits_2_when_a_letter_failed(runner, make, monkeypatch):
    call = decided_call(make)
    failing(monkeypatch, references(call)[2])
    result = runner.invoke(args=["letters", "issue", call.code])
    assert result.exit_code == 2, result.output
    assert f"{call.code}: 2 issued, 1 failed, of 3 owed." in result.output


def test_the_command_exits_1_when_refused(runner, make):
    call = decided_call(make)
    request_letter_batch(db.session, call, None)
    db.session.commit()
    result = runner.invoke(args=["letters", "issue", call.code])
    assert result.exit_code == 1
    assert "A batch is already issuing the letters" in result.output
    open_call = make.call()
    result = runner.invoke(args=["letters", "issue", open_call.code])
    assert result.exit_code == 1 and "once the call is decided" in result.output
    assert fresh_letters(call) == []


# On Redis, with real worker processes ----------------------------------------------------------

def request(method, *args: Any, **kwargs: Any) -> Any:
    """A page request in a transaction of its own, as on a server: the test client shares
    the test's session, which may still hold a snapshot older than the worker's commits."""
    db.session.rollback()
    return method(*args, **kwargs)


def environment(app: Flask, prefix: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVALFLOW_INSTANCE": str(app.config["INSTANCE_DIR"]),
        "EVALFLOW_FILES": str(app.config["FILES_DIR"]),
        "REDIS_URL": REDIS_URL,
        "EVALFLOW_QUEUE_PREFIX": prefix,
        "EVALFLOW_LETTER_PROCESSES": "1",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def letters_worker(app: Flask, prefix: str, *, burst: bool = True,
                   **extra: str) -> subprocess.Popen:
    """`rq worker` on the letters queue, patched by tests/letter_worker.py, in a session of
    its own so that killing it kills its work horse too."""
    argv = [sys.executable, "-m", "tests.letter_worker", "worker", "--url", REDIS_URL,
            *(["--burst"] if burst else []), f"{prefix}-letters"]
    return subprocess.Popen(argv, cwd=ROOT, env=environment(app, prefix, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)




def finish(process: subprocess.Popen, timeout: float = 120) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


def wait_for(condition, timeout: float = 60, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


@pytest.mark.redis
def test_a_worker_issues_the_batch_the_page_started(client, make, app, redis_queues):
    call = decided_call(make, funded=2, declined=2)
    signed_in(client)
    request(client.post, page(call))
    html = request(client.get, page(call)).text  # nothing ran in the web process
    assert "Waiting for a worker since" in html
    assert re.search(r'<progress id="batch-progress" max="4" value="0"', html)
    assert fresh_letters(call) == []
    db.session.rollback()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "evalflow", "jobs", "worker", "--burst"],
        cwd=ROOT, env=environment(app, redis_queues), capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr
    html = request(client.get, page(call)).text
    assert "4 issued, 0 failed, of 4 owed." in html and "Finished" in html
    for letter in assert_issued_once(call, 4):
        assert letter.verification_code in html


@pytest.mark.redis
def test_a_worker_killed_part_way_leaves_a_batch_that_a_new_one_finishes(
        client, make, app, redis_queues, tmp_path):
    call = decided_call(make, funded=3, declined=7)
    bad = references(call)[8]
    signed_in(client)
    request(client.post, page(call))
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    worker = letters_worker(app, redis_queues, EVALFLOW_TEST_RENDER_DELAY="0.4",
                         EVALFLOW_TEST_CHUNK_SIZE="2", EVALFLOW_TEST_RENDER_LOG=str(first_log),
                         EVALFLOW_TEST_FAIL_REFERENCES=bad)
    try:
        # The page follows the batch while the worker runs it.
        running = wait_for(lambda: [b for b in fresh_batches(call) if b.issued >= 2])
        assert running[0].state == BatchState.RUNNING
        html = request(client.get, page(call)).text
        assert "Issuing letters in the background since" in html
        assert re.search(r'<progress id="batch-progress" max="10" value="[1-9]"', html)
        progress = request(client.get, page(call) + "/progress").get_json()["batch"]
        assert progress["state"] == "running" and progress["live"] and progress["owed"] == 10
        assert 2 <= progress["issued"] < 10
        # A second batch is refused while this one shows signs of life.
        html = request(client.post, page(call), follow_redirects=True).text
        assert "A batch is already issuing this call&#39;s letters" in html
    finally:
        # RQ runs the job in a work horse with a process group of its own: kill both.
        horses = {int(line.split()[1]) for line in first_log.read_text().splitlines()}
        for group in (*horses, worker.pid):
            os.killpg(group, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL and len(horses) == 1

    [crashed] = fresh_batches(call)
    issued_before = {letter.folio for letter in fresh_letters(call)
                     if letter.state == LetterState.ISSUED}
    assert crashed.state == BatchState.RUNNING and 2 <= crashed.issued < 10
    assert len(issued_before) == crashed.issued  # the counts moved with the letters
    assert [letter.folio for letter in fresh_letters(call)] == [
        f"{call.code}/{n:04d}" for n in range(1, 11)]  # every folio reserved up front

    # Once its heartbeat is old the batch counts as abandoned and a new one may start.
    app.config["LETTER_BATCH_STALE_SECONDS"] = 1
    wait_for(lambda: crashed.heartbeat_at < utcnow() - timedelta(seconds=1.2))
    html = request(client.get, page(call)).text
    assert "has shown no sign of life" in html and "Issue all owed letters" in html
    request(client.post, page(call))
    db.session.rollback()
    finish(letters_worker(app, redis_queues, EVALFLOW_TEST_RENDER_LOG=str(second_log),
                       EVALFLOW_TEST_FAIL_REFERENCES=bad))

    given_up, resumed = fresh_batches(call)
    assert given_up.state == BatchState.FAILED and "No sign of life" in given_up.last_error
    assert resumed.state == BatchState.FINISHED
    assert resumed.owed == 10 - len(issued_before)
    assert (resumed.issued, resumed.failed) == (resumed.owed - 1, 1)
    found = assert_issued_once(call, 10)
    assert [letter.state for letter in found].count(LetterState.ISSUED) == 9
    [failed] = [letter for letter in found if letter.state == LetterState.FAILED]
    assert failed.proposal.reference == bad
    assert failed.failure == f"ValueError: the letter of {bad} cannot be laid out"
    rendered_again = {line.split()[0] for line in second_log.read_text().splitlines()}
    assert rendered_again and not rendered_again & issued_before
    html = request(client.get, page(call)).text
    assert f"{resumed.issued} issued, 1 failed, of {resumed.owed} owed." in html
    assert failed.failure in html and failed.folio in html


@pytest.mark.redis
def test_two_batches_running_at_once_issue_each_letter_once(
        client, make, app, redis_queues, tmp_path):
    """A worker that was only slow, not dead: its batch is given up as stale, a second
    worker runs the new batch over the same letters, and the slow one stops at its next
    chunk without storing anything twice."""
    call = decided_call(make, funded=2, declined=4)
    signed_in(client)
    request(client.post, page(call))
    slow = letters_worker(app, redis_queues, EVALFLOW_TEST_RENDER_DELAY="1.2",
                       EVALFLOW_TEST_CHUNK_SIZE="3")
    try:
        [first] = wait_for(lambda: [b for b in fresh_batches(call) if b.issued >= 3])
        app.config["LETTER_BATCH_STALE_SECONDS"] = 1
        wait_for(lambda: first.heartbeat_at < utcnow() - timedelta(seconds=1.2))
        request(client.post, page(call))
        db.session.rollback()
        finish(letters_worker(app, redis_queues))
        finish(slow)
    finally:
        if slow.poll() is None:
            os.killpg(slow.pid, signal.SIGKILL)
            slow.wait(timeout=30)
    given_up, second = fresh_batches(call)
    assert given_up.state == BatchState.FAILED and second.state == BatchState.FINISHED
    assert second.issued == second.owed == 3
    assert_issued_once(call, 6)


@pytest.mark.redis
def test_the_command_queues_the_batch_and_follows_a_worker(runner, make, app, redis_queues):
    call = decided_call(make)
    result = runner.invoke(args=["letters", "issue", call.code, "--no-wait"])
    assert result.exit_code == 0, result.output
    [batch] = fresh_batches(call)
    assert f"{call.code}: batch {batch.id} queued for a worker, 3 letters owed." in result.output
    assert batch.state == BatchState.QUEUED and fresh_letters(call) == []
    finish(letters_worker(app, redis_queues))
    assert fresh_batches(call)[0].state == BatchState.FINISHED

    other = decided_call(make, funded=1, declined=3)
    failing_ref = references(other)[3]
    db.session.rollback()
    env = environment(app, redis_queues)
    command = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "evalflow", "letters", "issue", other.code],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for(lambda: fresh_batches(other))
    worker = letters_worker(app, redis_queues, EVALFLOW_TEST_RENDER_DELAY="0.2",
                         EVALFLOW_TEST_FAIL_REFERENCES=failing_ref)
    output, _ = command.communicate(timeout=120)
    finish(worker)
    assert command.returncode == 2, output
    assert "Issuing letters" in output
    assert f"{other.code}: 3 issued, 1 failed, of 4 owed." in output


@pytest.mark.redis
def test_the_command_gives_up_following_a_batch_no_worker_takes(runner, make, app,
                                                                 redis_queues):
    call = decided_call(make, funded=0, declined=1)
    app.config["LETTER_BATCH_STALE_SECONDS"] = 1
    result = runner.invoke(args=["letters", "issue", call.code])
    assert result.exit_code == 1
    assert "0 issued, 0 failed, of 1 owed." in result.output
    assert "no sign of life since it was queued; is a worker running?" in result.output


def test_the_progress_endpoint_answers_json_for_officers_only(client, make):
    call = decided_call(make, funded=0, declined=1)
    assert client.get(page(call) + "/progress").status_code in (302, 401)
    signed_in(client)
    response = client.get(page(call) + "/progress")
    assert response.mimetype == "application/json"
    assert json.loads(response.data) == {"call": call.code, "batch": None}
    assert client.get("/officer/funding/NOPE/letters/progress").status_code == 404


def test_a_batch_of_a_call_not_decided_is_refused_by_the_service(make):
    call = make.call(state="closed")
    with pytest.raises(InvalidTransition, match="once the call is decided"):
        start_letter_batch(db.session, call, None)
    assert batches.count_owed_letters(db.session, call) == 0
