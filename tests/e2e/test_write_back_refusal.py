"""Issue 13, finding 2: one GL entry id Manage no longer knows must not block marking the others.

Before: every document was posted to Sage, Manage refused the whole batch creation (400 "GL entries not
found"), nothing was marked, the run stayed ``running``, and running the same command again failed the same
way. Here an invoice is re-closed in Manage (new GL entry ids) between the export and the write-back.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cwsage.connectwise.client import ManageClient
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context, RunRequest, run_batch
from cwsage.services.results import Outcome
from cwsage.state.store import DocState, RunStatus, StateStore

INVOICES = ("10101", "10102", "10104", "10105")
RECLOSED = "10102"


def reclose(sandbox: Sandbox, number: str) -> list[int]:
    """Re-close an invoice in Manage through the emulator's control API (its GL entries get new ids)."""
    answer = httpx.post(f"{sandbox.manage_server.url}/_sandbox/reclose", json={"invoiceNumber": number}, timeout=10)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["glEntryIds"])


@pytest.fixture
def reclosed_before_write_back(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Re-close :data:`RECLOSED` just before cwsage first asks Manage to create its batch."""
    original = ManageClient.create_batch
    fresh: list[int] = []

    def create_batch(self: ManageClient, request: Any) -> Any:
        if not fresh:
            fresh.extend(reclose(sandbox, RECLOSED))
        return original(self, request)

    monkeypatch.setattr(ManageClient, "create_batch", create_batch)
    return fresh


def test_one_refused_gl_entry_does_not_block_marking_the_others(
    sandbox: Sandbox, context: Context, store: StateStore, reclosed_before_write_back: list[int]
) -> None:
    result = run_batch(context, RunRequest(batch_number="WB-I", invoices=True, include=INVOICES))
    assert reclosed_before_write_back, "the invoice was re-closed between export and write-back"
    assert result.outcome is Outcome.PARTIAL and result.outcome.exit_code == 3, result.message
    assert "refused to mark 1" in result.message and "do not post them again" in result.message
    states = {row.document_number: row.state for row in result.documents}
    assert states.pop(RECLOSED) == DocState.NOT_MARKED
    assert set(states.values()) == {DocState.WRITTEN_BACK}
    problem = next(i for i in result.issues if i.code == "manage-refused-gl-entries")
    assert RECLOSED in problem.source_ref and "Accounting Interface" in problem.hint
    run = store.get_run(result.run_id or "")
    assert run is not None and run.status is RunStatus.PARTIAL, "the run is finished, never left running"
    # Manage: one batch holding every other invoice's GL entries; the re-closed invoice is still unposted there.
    batch = context.manage.find_batches("WB-I")[0]
    assert batch.id is not None
    batched = {entry.id for entry in context.manage.batch_entries(batch.id)}
    others = {gl for r in store.documents(run.id) if r.document_number != RECLOSED for gl in r.gl_entry_ids}
    assert batched == others
    assert not batched & set(reclosed_before_write_back)
    unposted = {inv.invoice_number for inv in context.manage.unposted_invoices()}
    assert RECLOSED in unposted and not unposted & (set(INVOICES) - {RECLOSED})
    # Sage has every document once.
    assert sorted(d.document_number for d in result.documents) == sorted(INVOICES)
