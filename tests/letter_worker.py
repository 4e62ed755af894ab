"""`rq worker` for the letter batch tests, with rendering slowed, logged or failing on demand.

    python -m tests.letter_worker worker --burst --url REDIS_URL PREFIX-letters

Read from the environment (each optional):

- EVALFLOW_TEST_RENDER_DELAY: seconds to wait before rendering each letter;
- EVALFLOW_TEST_RENDER_LOG: a file that gets one line per letter rendered, "FOLIO PID";
- EVALFLOW_TEST_FAIL_REFERENCES: proposal references (comma-separated) whose letter raises;
- EVALFLOW_TEST_CHUNK_SIZE: letters per chunk (one commit and heartbeat each).

The work horse RQ forks for each job inherits these patches.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from evalflow.decisions import batches, letters

_render = letters.render_letter_pdf
DELAY = float(os.environ.get("EVALFLOW_TEST_RENDER_DELAY") or 0)
LOG = os.environ.get("EVALFLOW_TEST_RENDER_LOG") or ""
FAIL = {r for r in (os.environ.get("EVALFLOW_TEST_FAIL_REFERENCES") or "").split(",") if r}


def render_letter_pdf(content: letters.LetterContent) -> bytes:
    if LOG:
        with Path(LOG).open("a", encoding="utf-8") as log:
            log.write(f"{content.folio} {os.getpid()}\n")
    time.sleep(DELAY)
    if content.reference in FAIL:
        raise ValueError(f"the letter of {content.reference} cannot be laid out")
    return _render(content)


letters.render_letter_pdf = render_letter_pdf
if os.environ.get("EVALFLOW_TEST_CHUNK_SIZE"):
    batches.CHUNK_SIZE = int(os.environ["EVALFLOW_TEST_CHUNK_SIZE"])


if __name__ == "__main__":
    from rq.cli import main

    sys.exit(main(args=sys.argv[1:], prog_name="rq"))
