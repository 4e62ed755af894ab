"""`flask --app evalflow letters issue` in a real terminal: a progress bar, then a summary."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from evalflow.calls.services import transition_call
from evalflow.extensions import db


def _decided_call(make):
    officer = make.officer()
    call = make.call(officer=officer)
    for state in ("funded", "not_funded", "funded"):
        make.proposal(call=call, state=state)
    for event in ("close", "decide"):
        transition_call(db.session, call, event, officer)
    db.session.commit()
    return call


def test_letters_issue_draws_a_progress_bar_on_a_terminal(make, database_url, tmp_path):
    call = _decided_call(make)
    main, child = pty.openpty()
    env = {**os.environ, "DATABASE_URL": database_url, "EVALFLOW_INSTANCE": str(tmp_path),
           "EVALFLOW_FILES": str(tmp_path / "files"), "EVALFLOW_LETTER_PROCESSES": "1",
           "COLUMNS": "100"}
    flask = Path(sys.executable).with_name("flask")
    process = subprocess.Popen([str(flask), "--app", "evalflow", "letters", "issue", call.code],
                               stdin=child, stdout=child, stderr=child, env=env, close_fds=True)
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=120) == 0, output.decode(errors="replace")
    os.close(main)
    text = output.decode(errors="replace")
    assert "Issuing letters" in text and "#" in text and "3/3" in text
    assert f"{call.code}: 3 issued, 0 failed, of 3 owed." in text
