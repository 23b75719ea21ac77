"""What cwsage does after an unclear answer from Sage, per kind of document.

AR and AP document numbers are unique in Sage, so a document proven absent is sent again at once (if the
first request lands late, Sage refuses one copy). GL journal entries have no such guard: they are left
``posting`` and the run stops; the next run looks again before sending anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from cwsage.config import RunDefaults
from cwsage.errors import RunConflict
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import RunRequest, run_batch
from cwsage.services.locks import write_lock
from cwsage.services.results import Outcome
from cwsage.services.session import connect
from cwsage.state.store import DocState, StateStore

from .conftest import ar_copies, gl_headers, gl_key

if TYPE_CHECKING:
    from tests.conftest import SandboxPool


@pytest.fixture
def journal_sandbox(sandboxes: SandboxPool) -> Iterator[Sandbox]:
    """Expenses as GL journal entries ("Transfer Expense as Bill" off)."""
    with sandboxes.fresh(transfer_expenses_as_bill=False) as box:
        yield box


def _gl_document_numbers(box: Sandbox) -> list[str]:
    return [gl_key(header) for header in gl_headers(box)]


def test_gl_entries_are_not_sent_again_in_the_same_run_after_an_unclear_answer(
    journal_sandbox: Sandbox, tmp_path: Path
) -> None:
    settings = journal_sandbox.settings(tmp_path, RunDefaults(chunk_size=500))
    request = RunRequest(batch_number="GL-UNCLEAR", invoices=False, expenses=True, inventory=False, skip_invalid=True)
    journal_sandbox.sage.faults.add(Fault(kind="status", method="POST", path="GLJournalBatches$", status=503))
    with StateStore.open(settings.database_url) as store:
        with connect(settings, store) as ctx:
            first = run_batch(ctx, request)
        assert first.outcome is Outcome.INTERRUPTED
        assert first.exit_code == 1
        assert _gl_document_numbers(journal_sandbox) == []  # the 503 created nothing, and nothing was resent
        (run,) = store.find_runs(batch_number="GL-UNCLEAR")
        left = store.documents(run.id, state=DocState.POSTING)
        assert left, "the journal entries must stay 'posting' until a later run has looked again"

        with connect(settings, store) as ctx:
            second = run_batch(ctx, request)
    assert second.outcome is Outcome.SUCCEEDED, second.message
    numbers = _gl_document_numbers(journal_sandbox)
    assert len(numbers) == len(set(numbers)) == len(left)


def test_ar_invoices_proven_absent_are_sent_again_in_the_same_run(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = sandbox.settings(tmp_path, RunDefaults(chunk_size=500))
    request = RunRequest(
        batch_number="AR-UNCLEAR", invoices=True, expenses=False, inventory=False, location="Toronto", skip_invalid=True
    )
    before = set(ar_copies(sandbox))
    sandbox.sage.faults.add(Fault(kind="status", method="POST", path="ARInvoiceBatches$", status=503))
    with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
        result = run_batch(ctx, request)
    assert result.outcome is Outcome.SUCCEEDED, result.message
    copies = ar_copies(sandbox)
    numbers = [number for number in copies.elements() if number not in before]
    posted = [row.document_number for row in result.documents if row.state == "written_back"]
    assert sorted(numbers) == sorted(posted)
    assert len(numbers) == len(set(numbers))


def test_a_refused_second_run_leaves_no_run_behind(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = sandbox.settings(tmp_path, RunDefaults())
    with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
        with write_lock(store, "someone-else", ctx.manage.company, ctx.sage.company), pytest.raises(RunConflict):
            run_batch(ctx, RunRequest(batch_number="LOCKED-I", invoices=True, expenses=False, inventory=False))
        assert store.find_runs(batch_number="LOCKED-I") == []


def test_a_day_end_lock_leaves_every_document_validated_and_the_same_command_posts_them_later(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """I20: Day End Processing answers ``General``, which means "try again later": nothing is rejected, nothing is
    left ``posting``, and running the same command once the lock is gone finishes the same run."""
    settings = sandbox.settings(tmp_path, RunDefaults(chunk_size=500))
    request = RunRequest(batch_number="DAYEND-I", invoices=True, expenses=False, inventory=False, location="Toronto")
    control = f"{sandbox.sage_server.url}/_sandbox"
    before = ar_copies(sandbox)
    assert httpx.post(f"{control}/day-end", json={"locked": True}).status_code == 200
    with StateStore.open(settings.database_url) as store:
        with connect(settings, store) as ctx:
            stopped = run_batch(ctx, request)
        assert stopped.outcome is Outcome.INTERRUPTED and stopped.exit_code == 1
        assert "run the same command again" in stopped.message
        (run,) = store.find_runs(batch_number="DAYEND-I")
        documents = store.documents(run.id)
        assert documents and {record.state for record in documents} == {DocState.VALIDATED}
        assert httpx.get(f"{control}/state").json()["refusals"] == {"General": 1}
        assert ar_copies(sandbox) == before  # nothing reached Sage

        assert httpx.post(f"{control}/day-end", json={"locked": False}).status_code == 200
        with connect(settings, store) as ctx:
            finished = run_batch(ctx, request)
    assert finished.outcome is Outcome.SUCCEEDED, finished.message
    assert finished.run_id == stopped.run_id  # resumed, not started over
    added = ar_copies(sandbox) - before
    assert sorted(added) == sorted(d.document_number for d in finished.documents) and set(added.values()) == {1}
