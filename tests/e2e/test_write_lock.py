"""Issue 13, finding 1: every command that writes takes the one lock, and payment writes converge on their own.

Before: ``sync-payments`` took no lock (two syncs at once in one home recorded the same payments twice, and a
sync ran while a batch run held the lock), and two machines with separate state stores syncing at the same
moment both created the payment row. These tests make each race deterministic.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cwsage.config import RunDefaults
from cwsage.connectwise.client import ManageClient
from cwsage.errors import RunConflict
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context, RunRequest, run_batch
from cwsage.services.locks import LOCK_NAME_MAX, write_lock, write_lock_name
from cwsage.services.payments import PaymentAction, SyncResult
from cwsage.services.results import Outcome
from cwsage.services.session import connect
from cwsage.state.store import StateStore

from .test_payments import INVOICES, all_payments, record_payments, sync

pytestmark = pytest.mark.usefixtures("sandbox")


@pytest.fixture
def settings(sandbox: Sandbox, home: Path) -> Any:
    """Auto-posted batches: invoices must be posted AR documents before they can be paid."""
    return sandbox.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=25, auto_post=True))


@pytest.fixture
def paid(context: Context) -> Context:
    """The invoices of the payment tests posted, batched and paid in Sage."""
    result = run_batch(context, RunRequest(batch_number="LOCK-I", invoices=True, include=INVOICES))
    assert result.outcome is Outcome.SUCCEEDED, result.message
    record_payments(context.sage)
    return context


def payments_per_invoice(sandbox: Sandbox) -> Counter[int]:
    """How many payment rows each Manage invoice id has."""
    return Counter(int(p["invoiceId"]) for p in all_payments(sandbox))


def hold_lock(store: StateStore, ctx: Context, kind: str, batch_number: str | None) -> str:
    """A run of ``kind`` in this store holding the company pair's write lock (as a live command would)."""
    run = store.create_run(kind=kind, batch_number=batch_number, options={}, actor="someone@elsewhere")
    store.acquire_lock(run.id, name=write_lock_name(ctx.manage.company, ctx.sage.company))
    return run.id


def test_a_sync_is_refused_while_another_sync_holds_the_lock(
    sandbox: Sandbox, paid: Context, store: StateStore
) -> None:
    holder = hold_lock(store, paid, "sync-payments", None)
    before = all_payments(sandbox)
    with pytest.raises(RunConflict) as refused:
        sync(paid, store, "past-month")
    message = refused.value.user_message
    assert "a payment sync" in message and holder in message
    assert all_payments(sandbox) == before
    assert [r.id for r in store.find_runs(kind="sync-payments")] == [holder], "a refused sync leaves no run behind"


def test_a_sync_is_refused_while_a_batch_run_holds_the_lock(sandbox: Sandbox, paid: Context, store: StateStore) -> None:
    hold_lock(store, paid, "run", "20261126JD-I")
    with pytest.raises(RunConflict) as refused:
        sync(paid, store, "past-month")
    assert "a batch run" in refused.value.user_message and "20261126JD-I" in refused.value.user_message
    assert all_payments(sandbox) == []


def test_a_run_is_refused_while_a_sync_holds_the_lock(paid: Context, store: StateStore) -> None:
    hold_lock(store, paid, "sync-payments", None)
    with pytest.raises(RunConflict, match="a payment sync"):
        run_batch(paid, RunRequest(batch_number="LOCK-E", expenses=True, invoices=False, inventory=False))


def test_the_lock_is_per_company_pair(paid: Context, store: StateStore) -> None:
    run = store.create_run(kind="sync-payments", batch_number=None, options={}, actor="x")
    with write_lock(store, run.id, "OTHERMSP", paid.sage.company):
        result = sync(paid, store, "past-month")  # another Manage company's sync does not block this one
    assert result.error is None
    assert len(write_lock_name("m" * 80, "S" * 80)) <= LOCK_NAME_MAX
    assert write_lock_name("m" * 80, "A") != write_lock_name("m" * 80, "B")


def test_two_homes_syncing_at_the_same_moment_record_each_payment_once(
    sandbox: Sandbox, paid: Context, store: StateStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two machines, two state stores: both read "no payment yet" before either writes."""
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    other_settings = sandbox.settings(other_home, RunDefaults(ic_default_location="MAIN", auto_post=True))
    original = ManageClient.create_payment
    results: list[SyncResult] = []
    raced = False
    partly_paid = paid.manage.find_invoices_by_number(["10102"])["10102"].id  # 40 %: a second row is accepted

    def create_after_the_other_machine(self: ManageClient, invoice_id: int, *args: Any, **kwargs: Any) -> Any:
        nonlocal raced
        if self is paid.manage and invoice_id == partly_paid and not raced:
            raced = True  # this machine has read the invoice's payments; the other one now does the whole sync
            with StateStore.open(other_settings.database_url) as other_store, connect(other_settings, other_store) as o:
                results.append(sync(o, other_store, "past-month"))
        return original(self, invoice_id, *args, **kwargs)

    monkeypatch.setattr(ManageClient, "create_payment", create_after_the_other_machine)
    mine = sync(paid, store, "past-month")
    assert raced and results[0].error is None and mine.error is None
    assert not [r for r in (*mine.rows, *results[0].rows) if r.action is PaymentAction.FAILED]
    counts = payments_per_invoice(sandbox)
    assert counts and max(counts.values()) == 1, f"a payment was recorded twice: {counts}"
    numbers = ("10101", "10102", "10104", "10138")  # the invoices Sage shows paid: one row each
    found = paid.manage.find_invoices_by_number(numbers)
    assert sorted(counts) == sorted(int(found[n].id or 0) for n in numbers)


def test_the_lowest_payment_id_stays(sandbox: Sandbox, paid: Context, store: StateStore, monkeypatch: Any) -> None:
    """The other writer's row was created first, so it has the lower id: ours is the one deleted."""
    original = ManageClient.create_payment
    made: list[int] = []

    partly_paid = paid.manage.find_invoices_by_number(["10102"])["10102"].id

    def twin_first(self: ManageClient, invoice_id: int, **kwargs: Any) -> Any:
        if not made and invoice_id == partly_paid:
            made.append(original(self, invoice_id, **kwargs).id or 0)  # the other writer, a moment earlier
        return original(self, invoice_id, **kwargs)

    monkeypatch.setattr(ManageClient, "create_payment", twin_first)
    sync(paid, store, "past-month")
    ids = [int(p["id"]) for p in all_payments(sandbox)]
    assert made[0] in ids and len(ids) == len(set(ids))
    assert max(payments_per_invoice(sandbox).values()) == 1
