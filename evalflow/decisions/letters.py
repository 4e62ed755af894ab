"""Award and decline letters rendered to PDF with WeasyPrint.

A pure module: no Flask, no database. The caller builds a :class:`LetterContent` (which is
picklable, so it can be sent to worker processes) and gets PDF bytes back.

Rendering is designed for batches:

* one ``FontConfiguration`` and one parsed stylesheet per process, created lazily and
  reused (a new ``FontConfiguration`` per letter is slow and leaks memory);
* :func:`render_letters_pdf` spreads a batch over worker processes, each with its own
  cached configuration;
* the output is byte-for-byte deterministic for the same content (the PDF creation date
  is taken from ``issued_on``), so a stored letter's SHA-256 can be re-checked.

Security: every field is autoescaped into the HTML, and WeasyPrint is given a
:class:`StaticOnlyFetcher` that serves only files under ``evalflow/static/`` and refuses
every other URL, so text typed by applicants can never make the renderer read a local file
or reach the network.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import ctypes.util
import gc
import math
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import jinja2
import weasyprint
from markupsafe import Markup
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import path2url

from evalflow.decisions.letter_text import LABELS
from evalflow.decisions.pdf_fetcher import STATIC_DIR, StaticOnlyFetcher
from evalflow.decisions.wording import (
    LANGUAGES,
    amount_in_words,
    date_written,
    format_money,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "letters"
STYLESHEET_PATH = STATIC_DIR / "letters" / "letter.css"

LetterKind = Literal["award", "decline"]
KINDS = ("award", "decline")

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")

@dataclass(frozen=True)
class LetterContent:
    """Everything printed on one award or decline letter.

    Plain values only, so instances pickle cheaply for worker processes. ``amount`` is the
    awarded amount (``None`` for a decline); ``reason`` is the decline reason, or an
    optional funding note on an award.
    """

    kind: LetterKind
    language: str
    folio: str
    verification_code: str
    verification_url: str
    issued_on: date
    place: str
    agency_name: str
    program_name: str
    call_code: str
    call_title: str
    institution: str
    reference: str
    title: str
    sector: str
    requested_amount: Decimal
    amount: Decimal | None
    currency: str
    reason: str | None
    signatory_name: str
    signatory_title: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        if not isinstance(self.issued_on, date):
            raise TypeError("issued_on must be a date")
        if not isinstance(self.requested_amount, Decimal):
            raise TypeError("requested_amount must be a Decimal")
        if self.kind == "award":
            if not isinstance(self.amount, Decimal) or not self.amount > 0:
                raise ValueError("an award letter needs a positive Decimal amount")
        elif self.amount is not None:
            raise ValueError("a decline letter has no amount")
        if not _CURRENCY_RE.match(self.currency):
            raise ValueError(f"currency must be an ISO 4217 code, not {self.currency!r}")
        if urlsplit(self.verification_url).scheme not in ("https", "http"):
            raise ValueError("verification_url must be an http(s) URL")


# --- Template rendering ------------------------------------------------------------------


def _fill(sentence: str, **values: object) -> Markup:
    return Markup(sentence).format(**values)


def _nowrap(value: object) -> Markup:
    return Markup('<span class="nowrap">{}</span>').format(value)


def _figures(amount: Decimal, currency: str, language: str) -> str:
    if currency == "MXN":
        return format_money(amount, language)
    # "$" is the peso sign here; other currencies get their ISO code instead.
    return f"{format_money(amount, language).replace('$', '', 1)} {currency}"


def _build_environment() -> jinja2.Environment:
    # A standalone environment (not Flask's) so that worker processes can use it.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fill"] = _fill
    env.filters["nowrap"] = _nowrap
    return env


_environment: jinja2.Environment | None = None


def _get_environment() -> jinja2.Environment:
    global _environment
    if _environment is None:
        _environment = _build_environment()
    return _environment


def render_letter_html(content: LetterContent) -> str:
    """Return the letter's HTML (used by :func:`render_letter_pdf`; handy for debugging)."""
    labels = LABELS[content.language]
    language = content.language
    context = {
        "c": content,
        "t": labels,
        "kind": content.kind,
        "doc_title": labels["doc_title"][content.kind],
        "static_url": path2url(STATIC_DIR),
        "created": content.issued_on.isoformat(),
        "date_text": date_written(content.issued_on, language),
        "requested_figures": _figures(content.requested_amount, content.currency, language),
        "amount_figures": (
            _figures(content.amount, content.currency, language)
            if content.amount is not None
            else None
        ),
        "amount_words": (
            amount_in_words(content.amount, content.currency, language)
            if content.amount is not None
            else None
        ),
        "reason": (content.reason or "").strip() or None,
    }
    template = _get_environment().get_template(f"{content.kind}.html")
    return template.render(context)


# --- Per-process WeasyPrint state --------------------------------------------------------


@dataclass
class _RendererState:
    pid: int
    font_config: FontConfiguration
    stylesheet: weasyprint.CSS
    fetcher: StaticOnlyFetcher


_state: _RendererState | None = None
_state_lock = threading.Lock()
# Pango font maps are not safe to share between threads, and the GIL is released in
# cffi calls: one letter at a time per process. Parallelism comes from processes.
_render_lock = threading.Lock()


def _new_state() -> _RendererState:
    font_config = FontConfiguration()
    fetcher = StaticOnlyFetcher()
    stylesheet = weasyprint.CSS(
        string=STYLESHEET_PATH.read_text(encoding="utf-8"),
        base_url=path2url(STYLESHEET_PATH),
        url_fetcher=fetcher,
        font_config=font_config,
    )
    return _RendererState(os.getpid(), font_config, stylesheet, fetcher)


def _get_state() -> _RendererState:
    global _state
    with _state_lock:
        # A child forked from a threaded process must not reuse the parent's fontconfig
        # objects (another thread may have held their locks); see _adopt_after_fork.
        if _state is None or _state.pid != os.getpid():
            _state = _new_state()
        return _state


_forked_single_threaded = False


def _note_threads_before_fork() -> None:
    global _forked_single_threaded
    _forked_single_threaded = threading.active_count() == 1


def _adopt_after_fork() -> None:
    # Forked from a single thread, the child's copy of the warmed-up font configuration is
    # consistent: keep it, so a new worker renders its first letter at full speed.
    if _state is not None and _forked_single_threaded:
        _state.pid = os.getpid()


os.register_at_fork(before=_note_threads_before_fork, after_in_child=_adopt_after_fork)


def _write_pdf(content: LetterContent, state: _RendererState) -> bytes:
    html = weasyprint.HTML(
        string=render_letter_html(content),
        base_url=path2url(STATIC_DIR),
        url_fetcher=state.fetcher,
    )
    return html.write_pdf(stylesheets=[state.stylesheet], font_config=state.font_config)


def render_letter_pdf(content: LetterContent) -> bytes:
    """Render one award or decline letter to PDF bytes (A4, one page).

    Reuses this process's ``FontConfiguration`` and parsed stylesheet. Safe to call from
    several threads (renders are serialised within a process).
    """
    state = _get_state()
    with _render_lock:
        return _write_pdf(content, state)


def render_letter_pdf_naive(content: LetterContent) -> bytes:
    """Render like :func:`render_letter_pdf` but rebuild everything every time.

    Exists only so that a benchmark can compare the naive approach (a fresh
    ``FontConfiguration`` and a re-parsed stylesheet per letter) with the optimised one in
    the same run. Do not use it in the application: it is slower and leaks memory.
    """
    state = _new_state()
    with _render_lock:
        return _write_pdf(content, state)


# --- Batches -----------------------------------------------------------------------------


def _init_worker() -> None:
    # A forked renderer must never use the database connections it inherited.
    from evalflow.extensions import db

    with contextlib.suppress(RuntimeError):  # no app context: nothing was inherited
        db.engine.dispose(close=False)
    _get_state()


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _mp_context() -> multiprocessing.context.BaseContext:
    """How worker processes start.

    "fork" when this process runs a single thread (the CLI, a queue worker): workers start
    in milliseconds with everything imported, and each builds its own font configuration
    (the state is keyed by process id). Forking a threaded process (a web server) is unsafe,
    so then "forkserver", which imports WeasyPrint once in a clean server process.
    """
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class LetterPool:
    """Worker processes that render letters, started once for a whole run of batches.

    Each worker keeps its own ``FontConfiguration`` and stylesheet for every letter it
    renders. With one process (or on a one-CPU machine) letters render in this process.
    A script using it must guard its entry point with
    ``if __name__ == "__main__":``.
    """

    def __init__(self, processes: int | None = None) -> None:
        if processes is not None and processes < 1:
            raise ValueError("processes must be at least 1")
        self.processes = processes or _available_cpus()
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> LetterPool:
        if self.processes <= 1:
            return self
        context = _mp_context()
        self._executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.processes, mp_context=context, initializer=_init_worker
        )
        if context.get_start_method() == "fork":
            _get_state()  # warm up once here; every forked worker inherits it
            # Freeze the heap while forking: the workers' garbage collector then never walks
            # the inherited objects, which would copy every page of the parent's memory.
            gc.freeze()
            try:
                self._executor.submit(_init_worker).result()  # forks all workers now
            finally:
                gc.unfreeze()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def render(self, contents: Sequence[LetterContent]) -> list[bytes]:
        """Render the letters and return their PDFs in input order."""
        contents = list(contents)
        if self._executor is None or len(contents) <= 1:
            return [render_letter_pdf(content) for content in contents]
        chunksize = max(1, math.ceil(len(contents) / (self.processes * 4)))
        return list(self._executor.map(render_letter_pdf, contents, chunksize=chunksize))


def render_letters_pdf(
    contents: Sequence[LetterContent], processes: int | None = None
) -> list[bytes]:
    """Render a batch of letters in worker processes; the PDFs come back in input order.

    ``processes`` defaults to the number of CPUs, capped at the batch size; a batch of one
    letter, or ``processes == 1``, is rendered in this process. Worker start-up costs about
    half a second, so a run of many batches should share one :class:`LetterPool`.
    """
    contents = list(contents)
    if processes is not None and processes < 1:
        raise ValueError("processes must be at least 1")
    workers = max(1, min(processes or _available_cpus(), len(contents)))
    with LetterPool(workers) as pool:
        return pool.render(contents)


# --- Environment check -------------------------------------------------------------------


def harfbuzz_subset_available() -> bool:
    """Whether the system library ``libharfbuzz-subset.so.0`` can be loaded.

    Without it WeasyPrint silently falls back to fontTools for font subsetting and letters
    take 4–5 times longer; the app logs a warning at start-up when this returns False.
    """
    candidates = [ctypes.util.find_library("harfbuzz-subset"), "libharfbuzz-subset.so.0"]
    for name in candidates:
        if not name:
            continue
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False
