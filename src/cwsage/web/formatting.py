"""How the pages write amounts, dates, outcomes and problems.

Presentation only: the numbers and states come from the services. Amounts are shown with their
currency's decimals (:func:`cwsage.money.quantize`, the one rounding rule) and thousands separators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cwsage import money, render
from cwsage.domain.issues import Issue
from cwsage.render import group_issues
from cwsage.services.results import Outcome, state_words


def amount(value: Any, currency: str | None = None) -> str:
    """``1,234.50`` for an amount in a 2-decimal currency, ``1,235`` in JPY; empty for ``None``."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else money.D(str(value))
    quantized = money.quantize(number, currency or None)
    places = money.decimals_for(currency or None)
    return f"{quantized:,.{places}f}"


def day(value: Any) -> str:
    """A date as ``YYYY-MM-DD`` (a datetime in UTC with the time)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class OutcomeText:
    """How a page announces an outcome: the guide's words, a tone (CSS class) and what to do next."""

    title: str
    tone: str
    advice: str


OUTCOMES: dict[str, OutcomeText] = {
    Outcome.FAILED_BEFORE_POSTING: OutcomeText(
        "The batch failed",
        "bad",
        "Nothing was sent to Sage 300 and nothing was marked in Manage — just as if the batch had never run. Fix "
        "the problems below and run it again, or tick “Post the valid ones” to leave the invalid records for later.",
    ),
    Outcome.SUCCEEDED: OutcomeText(
        "The batch completed successfully",
        "good",
        "Every selected transaction is in Sage 300, and Manage has a batch with exactly those transactions; they no "
        "longer appear among the unposted records.",
    ),
    Outcome.PARTIAL: OutcomeText(
        "The batch completed, but some transactions contained errors",
        "warn",
        "The Manage batch holds exactly the transactions Sage 300 has. Fix the errors below, then run the rest in a "
        "new batch (the Batch Number with -1 added).",
    ),
    Outcome.FAILED: OutcomeText(
        "The batch failed while posting",
        "bad",
        "Sage 300 refused every document, so nothing was posted and nothing was marked in Manage. See the errors.",
    ),
    Outcome.INTERRUPTED: OutcomeText(
        "The batch stopped before finishing",
        "warn",
        "Nothing is lost or doubled: run it again (the same Batch Number) and cwsage finishes the job, looking in Sage "
        "300 for anything whose fate was unclear.",
    ),
    Outcome.NOTHING_TO_DO: OutcomeText("Nothing to post", "good", "No selected record needed posting."),
    Outcome.PREVIEW: OutcomeText(
        "Preview", "info", "Nothing was changed anywhere. Check what will post, then run it for real."
    ),
}


def outcome_text(outcome: str) -> OutcomeText:
    """The announcement of an outcome (given as the :class:`Outcome` value)."""
    return OUTCOMES.get(outcome, OutcomeText(outcome, "info", ""))


@dataclass(frozen=True)
class ProblemGroup:
    """Problems with one cause, the records they concern, and where to fix them."""

    issue: Issue
    records: list[str]


def problem_groups(issues: list[Issue] | list[dict[str, Any]]) -> list[ProblemGroup]:
    """Issues grouped by cause (same code, value and place to fix), errors first."""
    parsed = [i if isinstance(i, Issue) else Issue.from_dict(i) for i in issues]
    groups = [ProblemGroup(issue, records) for issue, records in group_issues(parsed)]
    return sorted(groups, key=lambda g: (not g.issue.blocking, str(g.issue.fix_in), g.issue.code))


def state_text(state: str) -> str:
    """A document state in a bookkeeper's words."""
    return state_words(state)


def payment_action_text(code: str) -> str:
    """A payment-sync outcome code in a bookkeeper's words (the terminal's table, :mod:`cwsage.render`)."""
    return render.payment_action_text(code)


TONE_OF_STATE = {
    "posted": "good",
    "written_back": "good",
    "not_marked": "bad",
    "would_post": "good",
    "skipped": "info",
    "invalid": "bad",
    "rejected": "bad",
}
"""The colour of a document state's badge (the words are always shown too)."""


def state_tone(state: str) -> str:
    """The badge tone of a document state."""
    return TONE_OF_STATE.get(state, "info")


def states_of(counts: dict[str, dict[str, int]]) -> list[str]:
    """The document states that occur in per-kind counts, in the order of the state machine."""
    order = ["would_post", "written_back", "posted", "not_marked", "skipped", "invalid", "rejected"]
    seen = {state for by_state in counts.values() for state in by_state}
    return [s for s in order if s in seen] + sorted(seen - set(order))
