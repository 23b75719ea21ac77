"""Issue 12: state is data, wording is for people. Nothing in ``src/`` decides by comparing against the text of an
audit event or against the value of an outcome, state, status or kind written out as a string literal.

The audit log stays append-only and descriptive: code reads phases (``RunPhase``), states (``DocState``) and enum
members, never what a sentence said. Migrations are exempt (translating old wording into the new columns is their
job), and so are the emulators, which speak the vendors' vocabulary, not cwsage's.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

from cwsage.services.payments import PaymentAction
from cwsage.services.results import Outcome, PreviewState
from cwsage.state.store import DocState, RunKind, RunPhase, RunStatus, SageBatchState

SRC = Path(__file__).resolve().parents[2] / "src" / "cwsage"
EXEMPT = ("state/migrations/", "sandbox/")

ENUMS: tuple[type[StrEnum], ...] = (
    Outcome,
    PreviewState,
    DocState,
    RunKind,
    RunPhase,
    RunStatus,
    SageBatchState,
    PaymentAction,
)
WORDS = sorted({member.value for enum in ENUMS for member in enum}, key=len, reverse=True)
_WORD = "|".join(re.escape(w) for w in WORDS)

AUDIT_EVENT = re.compile(r"""\[\s*["']event["']\s*\]\s*(==|!=|\bin\b)|\bevent\s*(==|!=)\s*["']""")
"""``entry["event"] == "prepared"``, ``row.event != "force"`` …"""
WORDING = re.compile(
    rf"""(==|!=|\bis\b)\s*["']({_WORD})["']|["']({_WORD})["']\s*(==|!=)|\bin\s*[(\[{{]\s*["']({_WORD})["']"""
    r"""|\.value\s*(==|!=)\s*["']|\.value\s+in\s*[(\[{]\s*["']"""
)
"""``outcome == "interrupted"``, ``state in ("written_back", "posted")``, ``status.value in (…)`` …"""


def _sources() -> list[Path]:
    files = [*SRC.rglob("*.py"), *SRC.rglob("*.html")]
    return sorted(p for p in files if not any(part in p.relative_to(SRC).as_posix() for part in EXEMPT))


def _offences(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    return found


def test_there_are_sources_to_check() -> None:
    names = {p.relative_to(SRC).as_posix() for p in _sources()}
    assert {"services/batch.py", "services/posting.py", "web/templates/run.html"} <= names


def test_no_decision_reads_an_audit_event() -> None:
    assert _offences(AUDIT_EVENT) == []


def test_no_decision_compares_outcome_state_status_or_kind_wording() -> None:
    assert _offences(WORDING) == []


@pytest.mark.parametrize(
    "line",
    [
        'started = any(entry["event"] == "prepared" for entry in log)',
        "if r['event'] in ('force',):",
        'can_resume = result.outcome.value == "interrupted"',
        'posted = [r for r in rows if r.state in ("written_back", "posted")]',
        '{% if run.kind == "run" %}',
        'if outcome == "succeeded with errors":',
    ],
)
def test_the_patterns_catch_what_the_review_found(line: str) -> None:
    """The checks above can fail: each of these (the shapes a review found) is caught."""
    assert AUDIT_EVENT.search(line) or WORDING.search(line)


@pytest.mark.parametrize(
    "line",
    [
        'store.audit(run.id, "force", {"already_in_sage": found})',
        "if run.kind is not RunKind.RUN:",
        'message = f"Batch {batch} failed: nothing was posted"',
    ],
)
def test_the_patterns_leave_descriptive_text_alone(line: str) -> None:
    assert not AUDIT_EVENT.search(line) and not WORDING.search(line)
