"""Update Invoice Payments end to end: receipts recorded in the Sage emulator, payments landing in Manage.

Every test posts a handful of Manage invoices to Sage (auto-posted, so they are open AR documents), records
customer receipts and credit-note applications through the Sage Web API's receipt batches, and syncs with a
pinned clock. "Today" for these tests is 2026-12-10, so that the start-date options cut between receipts.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwsage import money
from cwsage.concurrency import READERS
from cwsage.config import RunDefaults, Settings
from cwsage.connectwise.client import ManageClient
from cwsage.connectwise.models import InvoicePayment
from cwsage.dates import FixedClock
from cwsage.errors import ConfigurationError, TransientError
from cwsage.sage300 import models as sg
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import Sage300Client
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox
from cwsage.services import payments
from cwsage.services.batch import Context, RunRequest, run_batch
from cwsage.services.payments import WATERMARK_SCOPE, PaymentAction, SyncResult, sync_payments, who_and_where
from cwsage.services.results import Outcome
from cwsage.state.store import StateStore

from .conftest import run_cli

NOW = datetime(2026, 12, 10, 15, 30, tzinfo=UTC)
CASH = V.ReceiptBatchType.CASH.value
INVOICES = ("10101", "10102", "10104", "10105", "10106", "10112", "10138")
"""ACME001 full, LOOPCPA partial, BOULDERBIO two payments, HARBOUR/RIVERNORTH unpaid, TOTECH credit 10112 → 10138."""


@pytest.fixture
def settings(sandbox: Sandbox, home: Path) -> Settings:
    """Auto-posted Sage batches: the invoices must be posted AR documents before anyone can pay them."""
    return sandbox.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=25, auto_post=True))


@pytest.fixture
def posted(context: Context) -> Context:
    """The seven invoices/credit notes of :data:`INVOICES` posted in Sage and batched in Manage."""
    result = run_batch(
        context,
        RunRequest(batch_number="PAY-I", invoices=True, expenses=False, inventory=False, include=INVOICES),
    )
    assert result.outcome is Outcome.SUCCEEDED, result.message
    return context


def receipt(sage: Sage300Client, customer: str, document: str, amount: str, day: date, check: str) -> None:
    """Enter, ready and post one customer receipt applied to one document (PL's receipt names, I19)."""
    value = Decimal(amount)
    batch = sage.create_ar_receipt_batch(
        sg.ARReceiptBatch(
            batch_record_type=CASH,
            description=f"receipt {check}",
            batch_date=day,
            receipts_adjustments=[
                sg.ARReceipt(
                    batch_type=CASH,
                    customer_number=customer,
                    receipt_date_adjustment_date=day,
                    entry_reference=check,
                    receipt_transaction_type=V.ReceiptTransactionType.RECEIPT.value,
                    bank_receipt_amount=value,
                    customer_receipt_amount=value,
                    applied_receipts_adjustments=[
                        sg.ARAppliedReceipt(
                            batch_type=CASH,
                            customer_number=customer,
                            document_number=document,
                            customer_receipt_amount=value,
                        )
                    ],
                )
            ],
        )
    )
    assert batch.batch_number is not None
    sage.set_ar_receipt_batch_ready(batch.batch_number)
    sage.post_ar_receipt_batch(batch.batch_number)


def apply_credit(sage: Sage300Client, customer: str, credit: str, invoice: str, amount: str, day: date) -> None:
    """Apply a credit note to an invoice in Sage (an ``ApplyDocument`` entry naming the credit note, I19)."""
    batch = sage.create_ar_receipt_batch(
        sg.ARReceiptBatch(
            batch_record_type=CASH,
            description="credit application",
            batch_date=day,
            receipts_adjustments=[
                sg.ARReceipt(
                    batch_type=CASH,
                    customer_number=customer,
                    receipt_date_adjustment_date=day,
                    receipt_transaction_type=V.ReceiptTransactionType.APPLY_DOCUMENT.value,
                    document_number=credit,
                    applied_receipts_adjustments=[
                        sg.ARAppliedReceipt(
                            batch_type=CASH,
                            customer_number=customer,
                            document_number=invoice,
                            customer_receipt_amount=Decimal(amount),
                        )
                    ],
                )
            ],
        )
    )
    assert batch.batch_number is not None
    sage.set_ar_receipt_batch_ready(batch.batch_number)
    sage.post_ar_receipt_batch(batch.batch_number)


def keyed_in_sage(sandbox: Sandbox, customer: str, number: str, amount: Decimal, day: date) -> None:
    """An AR invoice entered (and posted) directly in Sage 300, not through cwsage: plain Web API calls."""
    root = f"{sandbox.sage_server.url}/Sage300WebApi/v1.0/-/CWDEMO"
    auth = (sandbox.sage_settings().user, sandbox.sage_settings().password.get_secret_value())
    with httpx.Client(base_url=root, auth=auth, headers={"Content-Type": "application/json"}) as http:
        created = http.post(
            "/AR/ARInvoiceBatches",
            content=money.dumps(
                {
                    "BatchDate": day.isoformat(),
                    "BatchStatus": "ReadyToPost",
                    "Description": "keyed in Sage by hand",
                    "Invoices": [
                        {
                            "CustomerNumber": customer,
                            "DocumentNumber": number,
                            "DocumentType": "Invoice",
                            "DocumentDate": day.isoformat(),
                            "PostingDate": day.isoformat(),
                            "DoNotCalculationTax": "Yes",
                            "InvoiceDetails": [
                                {
                                    "DistributionCode": "SVC",
                                    "Description": "Keyed by hand",
                                    "ExtendedAmountWithTIP": amount,
                                }
                            ],
                        }
                    ],
                }
            ),
        )
        assert created.status_code == 201, created.text
        batch = created.json()["BatchNumber"]
        posted = http.post("/AR/ARPostInvoices('$process')", json={"PostBatchFrom": batch, "PostBatchTo": batch})
        assert posted.status_code == 200, posted.text


def record_payments(sage: Any) -> None:
    """The standard scenario: full, partial, two payments, credit note applied (dates around 2026-12-10)."""
    receipt(sage, "ACME001", "10101", "745.80", date(2026, 12, 8), "CHK-1")  # full, in the past week
    receipt(sage, "LOOPCPA", "10102", "520.00", date(2026, 12, 1), "CHK-2")  # 40 %, past two weeks
    receipt(sage, "BOULDERBIO", "10104", "100.00", date(2026, 11, 20), "CHK-3")  # first of two
    receipt(sage, "BOULDERBIO", "10104", "50.00", date(2026, 12, 5), "CHK-4")  # second of two
    apply_credit(sage, "TOTECH", "10112", "10138", "101.69", date(2026, 11, 15))  # credit note, past month


def manage_payments(sandbox: Sandbox, number: str) -> list[dict[str, Any]]:
    """The payment rows Manage has for an invoice number."""
    return sandbox.manage.store.payments_of(number)


def all_payments(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every payment row in the Manage emulator (deep copy)."""
    return copy.deepcopy(sandbox.manage.store.doc["payments"])


def rows(result: SyncResult) -> dict[str, Any]:
    """Rows by document number."""
    return {row.document_number: row for row in result.rows}


def sync(ctx: Context, store: StateStore, since: str, *, dry_run: bool = False, at: datetime = NOW) -> SyncResult:
    """One sync with the pinned clock."""
    return sync_payments(ctx.manage, ctx.sage, store, since, dry_run=dry_run, clock=FixedClock(at))


# --------------------------------------------------------------------------------------------------------
# Full, partial, multiple, credit note
# --------------------------------------------------------------------------------------------------------


def test_full_partial_multiple_and_credit_note(sandbox: Sandbox, posted: Context, store: StateStore) -> None:
    record_payments(posted.sage)
    result = sync(posted, store, "past-month")
    by_number = rows(result)
    assert result.error is None
    assert result.exit_code == 0
    assert result.since == date(2026, 11, 10)
    # receipts (PY…) are not invoices: not looked up, not listed, only counted as ignored
    assert not [n for n in by_number if n.startswith("PY")]
    assert result.ignored == 4  # the four receipts PY…
    assert set(by_number) == {"10101", "10102", "10104", "10112", "10138"}

    full = by_number["10101"]
    assert full.action is PaymentAction.CREATED
    assert full.paid == Decimal("745.80")
    assert full.date_paid == date(2026, 12, 8)
    [pay] = manage_payments(sandbox, "10101")
    assert pay["amount"] == Decimal("745.80")
    assert pay["paymentDate"].startswith("2026-12-08")
    assert pay["invoiceBalance"] == Decimal("0.00")

    partial = by_number["10102"]
    assert partial.action is PaymentAction.CREATED
    assert partial.paid == Decimal("520.00")
    assert partial.date_paid is None  # "Date Paid" only when paid in full
    [pay] = manage_payments(sandbox, "10102")
    assert pay["amount"] == Decimal("520.00")
    assert pay["invoiceBalance"] == Decimal("780.00")

    two = by_number["10104"]
    assert two.action is PaymentAction.CREATED
    assert two.paid == Decimal("150.00")
    [pay] = manage_payments(sandbox, "10104")  # one cumulative row, not two
    assert pay["amount"] == Decimal("150.00")
    assert pay["paymentDate"].startswith("2026-12-05")

    credited = by_number["10138"]
    assert credited.action is PaymentAction.CREATED
    assert credited.paid == Decimal("101.69")
    [pay] = manage_payments(sandbox, "10138")
    assert pay["amount"] == Decimal("101.69")

    memo = by_number["10112"]
    assert memo.action is PaymentAction.CREDIT_NOTE
    assert memo.paid == Decimal("101.69")
    assert "applied" in memo.message
    assert manage_payments(sandbox, "10112") == []  # Manage takes no payment on a credit memo

    assert manage_payments(sandbox, "10105") == [] and manage_payments(sandbox, "10106") == []
    user, machine = who_and_where()
    assert store.get_watermark(WATERMARK_SCOPE, user, machine) == NOW


def test_second_payment_updates_the_one_record(sandbox: Sandbox, posted: Context, store: StateStore) -> None:
    receipt(posted.sage, "BOULDERBIO", "10104", "100.00", date(2026, 11, 20), "CHK-3")
    first = sync(posted, store, "past-month")
    assert rows(first)["10104"].action is PaymentAction.CREATED
    [before] = manage_payments(sandbox, "10104")

    receipt(posted.sage, "BOULDERBIO", "10104", "188.96", date(2026, 12, 10), "CHK-4")
    second = sync(posted, store, "last-run", at=datetime(2026, 12, 11, 9, 0, tzinfo=UTC))
    assert second.since == NOW.date()  # last successful run
    row = rows(second)["10104"]
    assert row.action is PaymentAction.UPDATED
    assert row.paid == Decimal("288.96")
    assert row.date_paid == date(2026, 12, 10)  # now paid in full
    assert "100.00 → 288.96" in row.message
    [after] = manage_payments(sandbox, "10104")
    assert after["id"] == before["id"]
    assert after["amount"] == Decimal("288.96")
    assert after["invoiceBalance"] == Decimal("0.00")


def test_credit_memo_applied_in_manage_is_not_counted_twice(
    sandbox: Sandbox, posted: Context, store: StateStore
) -> None:
    """Manage already shows a credit on the invoice: the payment row holds only the rest of what Sage shows."""
    invoice_id = posted.manage.find_invoices_by_number(["10138"])["10138"].id
    sandbox.manage.store.invoices[invoice_id]["credits"] = Decimal("101.69")
    apply_credit(posted.sage, "TOTECH", "10112", "10138", "101.69", date(2026, 11, 15))
    receipt(posted.sage, "TOTECH", "10138", "1000.00", date(2026, 12, 1), "CHK-9")
    row = rows(sync(posted, store, "past-month"))["10138"]
    assert row.action is PaymentAction.CREATED
    assert row.paid == Decimal("1101.69")
    assert "credits in Manage" in row.message
    [pay] = manage_payments(sandbox, "10138")
    assert pay["amount"] == Decimal("1000.00")
    invoice = posted.manage.find_invoices_by_number(["10138"])["10138"]
    assert invoice.balance == Decimal("3021.17") - Decimal("1101.69")  # equals Sage's amount due


# --------------------------------------------------------------------------------------------------------
# Start dates
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "start", "expected"),
    [
        ("past-week", date(2026, 12, 3), {"10101", "10104"}),
        ("past-two-weeks", date(2026, 11, 26), {"10101", "10102", "10104"}),
        ("past-month", date(2026, 11, 10), {"10101", "10102", "10104", "10112", "10138"}),
        ("2026-11-18", date(2026, 11, 18), {"10101", "10102", "10104"}),
    ],
)
def test_start_date_options(
    sandbox: Sandbox, posted: Context, store: StateStore, since: str, start: date, expected: set[str]
) -> None:
    record_payments(posted.sage)
    result = sync(posted, store, since, dry_run=True)
    assert result.since == start
    assert set(rows(result)) == expected
    assert all_payments(sandbox) == []  # dry run


def test_a_date_before_the_sage_history_reports_invoices_missing_in_manage(posted: Context, store: StateStore) -> None:
    """Sage's August invoices (A0801…) were keyed in Sage, Manage never had them: reported, not fatal."""
    result = sync(posted, store, "2026-08-01")
    by_number = rows(result)
    missing = [n for n, r in by_number.items() if r.action is PaymentAction.MISSING_IN_MANAGE]
    assert missing and all(n.startswith("A08") for n in missing)
    assert "Manage has no invoice with that number" in by_number[missing[0]].message
    assert by_number["10105"].action is PaymentAction.NOTHING_PAID
    assert result.exit_code == 3
    assert not [n for n in by_number if n.startswith("PY")]


def test_last_run_without_a_previous_sync_is_a_clear_error(posted: Context, store: StateStore) -> None:
    with pytest.raises(ConfigurationError) as caught:
        sync(posted, store, "last-run")
    assert "no successful payment sync yet" in caught.value.user_message
    assert "--since past-month" in (caught.value.hint or "")


def test_past_month_is_the_same_day_of_the_previous_month(posted: Context, store: StateStore) -> None:
    march_31 = datetime(2027, 3, 31, 8, 0, tzinfo=UTC)
    assert sync(posted, store, "past-month", dry_run=True, at=march_31).since == date(2027, 2, 28)
    assert sync(posted, store, "past-month", dry_run=True, at=datetime(2027, 1, 15, tzinfo=UTC)).since == date(
        2026, 12, 15
    )


def test_a_bad_since_value_is_refused(posted: Context, store: StateStore) -> None:
    with pytest.raises(ConfigurationError, match="not a date"):
        sync(posted, store, "yesterday-ish")


# --------------------------------------------------------------------------------------------------------
# Idempotence, dry run, failures
# --------------------------------------------------------------------------------------------------------


def test_second_sync_with_nothing_new_changes_nothing(sandbox: Sandbox, posted: Context, store: StateStore) -> None:
    record_payments(posted.sage)
    first = sync(posted, store, "past-month")
    assert first.exit_code == 0
    snapshot = all_payments(sandbox)
    assert len(snapshot) == 4

    again = sync(posted, store, "past-month", at=datetime(2026, 12, 10, 18, 0, tzinfo=UTC))
    assert {r.action for r in again.rows} <= {PaymentAction.UNCHANGED, PaymentAction.CREDIT_NOTE}
    assert all_payments(sandbox) == snapshot
    assert again.watermark_moved

    last_run = sync(posted, store, "last-run", at=datetime(2026, 12, 12, tzinfo=UTC))
    assert {r.action for r in last_run.rows} <= {PaymentAction.UNCHANGED, PaymentAction.CREDIT_NOTE}
    assert all_payments(sandbox) == snapshot


def test_dry_run_changes_nothing_and_keeps_the_watermark(sandbox: Sandbox, posted: Context, store: StateStore) -> None:
    record_payments(posted.sage)
    preview = sync(posted, store, "past-month", dry_run=True)
    assert preview.dry_run
    assert rows(preview)["10101"].action is PaymentAction.CREATED
    assert "(preview)" in rows(preview)["10101"].message
    assert all_payments(sandbox) == []
    user, machine = who_and_where()
    assert store.get_watermark(WATERMARK_SCOPE, user, machine) is None
    assert not preview.watermark_moved


def test_failure_half_way_keeps_the_watermark_and_the_next_run_finishes(
    sandbox: Sandbox, posted: Context, store: StateStore
) -> None:
    record_payments(posted.sage)
    second = posted.manage.find_invoices_by_number(["10102"])["10102"].id
    sandbox.manage.faults.add(
        Fault(kind="status", status=500, method="POST", path=rf"/finance/invoices/{second}/payments$", times=10)
    )
    broken = sync(posted, store, "past-month")
    by_number = rows(broken)
    assert by_number["10101"].action is PaymentAction.CREATED  # the first one landed
    assert by_number["10102"].action is PaymentAction.FAILED
    assert by_number["10104"].action is PaymentAction.CREATED  # the others still done
    assert broken.exit_code == 3
    assert not broken.watermark_moved
    user, machine = who_and_where()
    assert store.get_watermark(WATERMARK_SCOPE, user, machine) is None
    with pytest.raises(ConfigurationError):
        sync(posted, store, "last-run")  # still no successful sync to start from

    sandbox.manage.faults.clear()
    finished = sync(posted, store, "past-month", at=datetime(2026, 12, 10, 16, 0, tzinfo=UTC))
    by_number = rows(finished)
    assert finished.exit_code == 0
    assert by_number["10101"].action is PaymentAction.UNCHANGED
    assert by_number["10102"].action is PaymentAction.CREATED
    for number, amount in (("10101", "745.80"), ("10102", "520.00"), ("10104", "150.00"), ("10138", "101.69")):
        [pay] = manage_payments(sandbox, number)
        assert pay["amount"] == Decimal(amount), number
    assert store.get_watermark(WATERMARK_SCOPE, user, machine) == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)


def test_dropped_answer_on_a_payment_post_is_not_posted_twice(
    sandbox: Sandbox, posted: Context, store: StateStore
) -> None:
    """Manage applies the POST but the answer is lost: cwsage looks, finds it, and records nothing twice."""
    record_payments(posted.sage)
    second = posted.manage.find_invoices_by_number(["10102"])["10102"].id
    sandbox.manage.faults.add(Fault(kind="drop", method="POST", path=rf"/finance/invoices/{second}/payments$"))
    result = sync(posted, store, "past-month")
    assert rows(result)["10102"].action is PaymentAction.CREATED
    assert result.exit_code == 0 and result.watermark_moved
    [pay] = manage_payments(sandbox, "10102")
    assert pay["amount"] == Decimal("520.00")


def test_failed_update_then_rerun_updates_without_double_counting(
    sandbox: Sandbox, posted: Context, store: StateStore
) -> None:
    receipt(posted.sage, "BOULDERBIO", "10104", "100.00", date(2026, 11, 20), "CHK-3")
    receipt(posted.sage, "ACME001", "10101", "45.80", date(2026, 11, 21), "CHK-1")
    assert sync(posted, store, "past-month").exit_code == 0
    receipt(posted.sage, "ACME001", "10101", "700.00", date(2026, 12, 10), "CHK-5")
    receipt(posted.sage, "BOULDERBIO", "10104", "50.00", date(2026, 12, 11), "CHK-4")
    target = posted.manage.find_invoices_by_number(["10104"])["10104"].id
    sandbox.manage.faults.add(
        Fault(kind="status", status=400, method="PATCH", path=rf"/finance/invoices/{target}/payments/\d+$", times=1)
    )
    broken = sync(posted, store, "last-run", at=datetime(2026, 12, 11, tzinfo=UTC))
    assert rows(broken)["10101"].action is PaymentAction.UPDATED
    assert rows(broken)["10104"].action is PaymentAction.FAILED
    assert not broken.watermark_moved
    finished = sync(posted, store, "last-run", at=datetime(2026, 12, 11, 1, 0, tzinfo=UTC))
    assert finished.since == NOW.date()  # still from the last *successful* sync
    assert rows(finished)["10101"].action is PaymentAction.UNCHANGED
    assert rows(finished)["10104"].action is PaymentAction.UPDATED
    [pay] = manage_payments(sandbox, "10104")
    assert pay["amount"] == Decimal("150.00")
    [pay] = manage_payments(sandbox, "10101")
    assert pay["amount"] == Decimal("745.80")


# --------------------------------------------------------------------------------------------------------
# Mismatches between the systems
# --------------------------------------------------------------------------------------------------------


def test_invoice_keyed_in_sage_only_and_amount_above_the_manage_total(
    sandbox: Sandbox, posted: Context, store: StateStore
) -> None:
    record_payments(posted.sage)
    keyed_in_sage(sandbox, "ACME001", "SAGE-ONLY-1", Decimal("250.00"), date(2026, 11, 30))
    receipt(posted.sage, "ACME001", "SAGE-ONLY-1", "250.00", date(2026, 12, 2), "CHK-7")
    # 10107 is a Manage invoice cwsage never exported; someone keyed it in Sage with a larger amount
    manage_total = posted.manage.find_invoices_by_number(["10107"])["10107"].total
    assert manage_total is not None
    keyed_in_sage(sandbox, "FRONTRANGE", "10107", manage_total + 500, date(2026, 11, 30))
    receipt(posted.sage, "FRONTRANGE", "10107", str(manage_total + 500), date(2026, 12, 2), "CHK-8")

    result = sync(posted, store, "past-month")
    by_number = rows(result)
    assert by_number["SAGE-ONLY-1"].action is PaymentAction.MISSING_IN_MANAGE
    over = by_number["10107"]
    assert over.action is PaymentAction.OVERPAID
    assert str(manage_total) in over.message and "nothing recorded" in over.message
    assert manage_payments(sandbox, "10107") == []
    assert by_number["10101"].action is PaymentAction.CREATED  # the others still synced
    assert result.exit_code == 3
    assert result.watermark_moved  # data problems are reported; they do not hold back the watermark


def test_sage_shows_less_than_manage_after_a_restore(sandbox: Sandbox, posted: Context, store: StateStore) -> None:
    """A receipt disappears from Sage (restored from a backup): the amount goes down, or is reported at zero."""
    backup = sandbox.sage.snapshot()
    receipt(posted.sage, "BOULDERBIO", "10104", "100.00", date(2026, 11, 20), "CHK-3")
    receipt(posted.sage, "ACME001", "10101", "745.80", date(2026, 11, 20), "CHK-1")
    assert sync(posted, store, "past-month").exit_code == 0
    sandbox.sage.restore(backup)
    receipt(posted.sage, "BOULDERBIO", "10104", "60.00", date(2026, 11, 22), "CHK-3B")
    result = sync(posted, store, "past-month", at=datetime(2026, 12, 11, tzinfo=UTC))
    row = rows(result)["10104"]
    assert row.action is PaymentAction.UPDATED
    [pay] = manage_payments(sandbox, "10104")
    assert pay["amount"] == Decimal("60.00")
    # 10101 has no activity since the restore: Sage's filter does not return it, Manage keeps its row
    assert "10101" not in rows(result)
    all_time = sync(posted, store, "2026-09-01", dry_run=True, at=datetime(2026, 12, 11, tzinfo=UTC))
    mismatch = rows(all_time)["10101"]
    assert mismatch.action is PaymentAction.MISMATCH
    assert "745.80" in mismatch.message


# --------------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------------


def test_cli_sync_payments_json_and_table(sandbox: Sandbox, posted: Context, home: Path) -> None:
    record_payments(posted.sage)
    preview = run_cli(sandbox, home, "sync-payments", "--since", "2026-11-10", "--dry-run", "--json")
    assert preview.returncode == 0, preview.stderr
    data = json.loads(preview.stdout)
    assert data["dry_run"] is True and data["watermark_moved"] is False
    assert {i["invoice"] for i in data["invoices"]} == {"10101", "10102", "10104", "10112", "10138"}
    assert all_payments(sandbox) == []

    done = run_cli(sandbox, home, "sync-payments", "--since", "2026-11-10")
    assert done.returncode == 0, done.stderr
    assert "10104" in done.stdout and "payment recorded" in done.stdout
    assert "Saved as the last successful sync" in done.stdout
    assert len(all_payments(sandbox)) == 4

    again = run_cli(sandbox, home, "sync-payments", "--since", "last-run", "--json")
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert all(i["action"] in ("unchanged", "credit_note") for i in data["invoices"])  # machine codes (issue 12)
    assert data["counts"] and set(data["counts"]) <= {"unchanged", "credit_note"}
    assert len(all_payments(sandbox)) == 4


def test_cli_last_run_without_history_exits_1(sandbox: Sandbox, home: Path) -> None:
    result = run_cli(sandbox, home, "sync-payments", "--since", "last-run")
    assert result.returncode == 1
    assert "no successful payment sync yet" in (result.stderr + result.stdout)


def test_demo_flow_sync_still_works(tmp_path: Path) -> None:
    """``cwsage demo`` ends with a payment sync: the recorded receipts arrive in Manage, receipts not listed."""
    from io import StringIO

    from rich.console import Console

    from cwsage.sandbox.demo import run_demo

    out = StringIO()
    assert run_demo(Console(file=out, width=200), home=tmp_path / "demo") == 0
    text = out.getvalue()
    assert "payment recorded" in text
    assert "PY000000" not in text.split("4. Update Invoice Payments")[-1]
    assert "not found in Manage" not in text.split("4. Update Invoice Payments")[-1]


def test_invoices_needing_attention_are_looked_at_again_by_the_next_last_run_sync(
    posted: Context, store: StateStore
) -> None:
    first = sync(posted, store, "2026-08-01")
    missing = sorted(n for n, r in rows(first).items() if r.action is PaymentAction.MISSING_IN_MANAGE)
    assert missing and first.watermark_moved
    # Nothing changes in Sage for them, so "changed since the last run" alone would never show them again.
    later = sync(posted, store, "last-run", at=NOW + timedelta(days=1))
    again = sorted(n for n, r in rows(later).items() if r.action is PaymentAction.MISSING_IN_MANAGE)
    assert again == missing
    assert later.exit_code == 3
    (latest, *_) = store.find_runs(kind="sync-payments")
    assert latest.summary["attention"] == missing


def test_unpaid_invoices_cost_no_payment_reads(sandbox: Sandbox, posted: Context, store: StateStore) -> None:
    """Issue 14: an invoice unpaid in Sage whose Manage totals show nothing settled needs no payment-row read."""
    before = posted.manage.stats.total
    result = sync(posted, store, "2000-01-01")
    ours = [row for row in result.rows if row.document_number in INVOICES]
    assert len(ours) == len(INVOICES)  # (Sage also holds older documents Manage does not have)
    assert {row.action for row in ours} <= {PaymentAction.NOTHING_PAID, PaymentAction.CREDIT_NOTE}
    assert posted.manage.stats.total - before == 1, "one invoice-number look-up, no per-invoice payment reads"
    assert all_payments(sandbox) == []


def test_invoices_unchanged_in_both_systems_cost_no_payment_reads(
    sandbox: Sandbox, posted: Context, store: StateStore
) -> None:
    """Issue 14: once Manage's totals equal what Sage shows paid, a sync reads no payment rows for the invoice."""
    record_payments(posted.sage)
    assert sync(posted, store, "past-month").exit_code == 0
    snapshot = all_payments(sandbox)
    before = posted.manage.stats.total
    again = sync(posted, store, "past-month", at=datetime(2026, 12, 10, 18, 0, tzinfo=UTC))
    assert {r.action for r in again.rows} == {PaymentAction.UNCHANGED, PaymentAction.CREDIT_NOTE}
    assert posted.manage.stats.total - before == 1, "one invoice-number look-up, no payment-row reads"
    assert all_payments(sandbox) == snapshot


# --------------------------------------------------------------------------------------------------------
# Groups (issue 14): the reads of a group go a few at a time, the writes one by one in plan order
# --------------------------------------------------------------------------------------------------------


class Recorder:
    """Wraps the Manage client's payment calls: what was sent in which order, from which thread, how many at once.

    Each read waits a little (a slow network), so reads asked for together are seen overlapping.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, manage: ManageClient, numbers: dict[int, str]) -> None:
        self.events: list[tuple[str, str]] = []
        self.write_threads: set[int] = set()
        self.most = 0
        self.fail_second_read: set[str] = set()
        """Invoice numbers whose second payment-row read (the twin check) fails."""
        self.twin_before_ours: set[str] = set()
        """Invoice numbers on which another writer's identical row lands just before ours."""
        self.twins: dict[str, int | None] = {}
        """The id of the other writer's row, by invoice number."""
        self._numbers = numbers
        self._lock = threading.Lock()
        self._running = 0
        read, create, delete = manage.invoice_payments, manage.create_payment, manage.delete_payment

        def invoice_payments(invoice_id: int) -> list[InvoicePayment]:
            number = numbers[invoice_id]
            with self._lock:
                reads = sum(1 for kind, n in self.events if kind == "read" and n == number)
                self.events.append(("read", number))
                self._running += 1
                self.most = max(self.most, self._running)
            try:
                time.sleep(0.05)
                if number in self.fail_second_read and reads == 1:
                    raise TransientError("ConnectWise Manage did not answer in time (injected)")
                return read(invoice_id)
            finally:
                with self._lock:
                    self._running -= 1

        def create_payment(invoice_id: int, *, amount: Decimal, payment_date: date) -> InvoicePayment:
            self._written("post", invoice_id)
            number = numbers[invoice_id]
            if number in self.twin_before_ours:
                other = create(invoice_id, amount=amount, payment_date=payment_date)  # the other machine's row
                self.twins[number] = other.id
            return create(invoice_id, amount=amount, payment_date=payment_date)

        def delete_payment(invoice_id: int, payment_id: int) -> bool:
            self._written("delete", invoice_id)
            return delete(invoice_id, payment_id)

        monkeypatch.setattr(manage, "invoice_payments", invoice_payments)
        monkeypatch.setattr(manage, "create_payment", create_payment)
        monkeypatch.setattr(manage, "delete_payment", delete_payment)

    def _written(self, kind: str, invoice_id: int) -> None:
        with self._lock:
            self.events.append((kind, self._numbers[invoice_id]))
            self.write_threads.add(threading.get_ident())


def recorder(monkeypatch: pytest.MonkeyPatch, ctx: Context) -> Recorder:
    """A :class:`Recorder` on the context's Manage client, knowing the invoices of :data:`INVOICES` by id."""
    found = ctx.manage.find_invoices_by_number(INVOICES)
    return Recorder(monkeypatch, ctx.manage, {inv.id: n for n, inv in found.items() if inv.id is not None})


@pytest.mark.parametrize("group", [2, 16])
def test_reads_of_a_group_go_together_and_writes_stay_in_plan_order(
    sandbox: Sandbox, posted: Context, store: StateStore, monkeypatch: pytest.MonkeyPatch, group: int
) -> None:
    record_payments(posted.sage)
    monkeypatch.setattr(payments, "GROUP", group)
    seen = recorder(monkeypatch, posted)
    result = sync(posted, store, "past-month")
    assert result.exit_code == 0
    written = [row.document_number for row in result.rows if row.action is PaymentAction.CREATED]
    assert sorted(written) == ["10101", "10102", "10104", "10138"]
    # Per group: its reads (in whatever order the pool sent them), its posts one by one in plan order, its reads again.
    expected: list[tuple[str, set[str] | str]] = []
    for start in range(0, len(written), group):
        chunk = written[start : start + group]
        expected += [("read", set(chunk)), *[("post", n) for n in chunk], ("read", set(chunk))]
    phases: list[tuple[str, set[str] | str]] = []
    events = iter(seen.events)
    for _kind, want in expected:
        if isinstance(want, set):
            reads = [next(events) for _ in want]
            assert {k for k, _n in reads} == {"read"}, reads
            phases.append(("read", {n for _k, n in reads}))
        else:
            phases.append(next(events))
    assert phases == expected
    assert len(seen.events) == 3 * len(written)  # each read once before and once after, each write once
    assert seen.write_threads == {threading.get_ident()}  # every write from the sync's own thread
    assert 2 <= seen.most <= READERS  # the reads of a group overlapped, never more than the pool at once
    for number in written:
        assert len(manage_payments(sandbox, number)) == 1


def test_twins_and_unclear_answers_converge_in_the_grouped_flow(
    sandbox: Sandbox, posted: Context, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer's identical row is deleted down to the lowest id; a lost answer is looked up, never reposted."""
    record_payments(posted.sage)
    monkeypatch.setattr(payments, "GROUP", 2)
    seen = recorder(monkeypatch, posted)
    seen.twin_before_ours = {"10102"}
    ids = {n: inv.id for n, inv in posted.manage.find_invoices_by_number(INVOICES).items()}
    sandbox.manage.faults.add(Fault(kind="drop", method="POST", path=rf"/finance/invoices/{ids['10104']}/payments$"))
    sandbox.manage.faults.add(
        Fault(kind="status", status=500, method="POST", path=rf"/finance/invoices/{ids['10138']}/payments$")
    )
    result = sync(posted, store, "past-month")
    by_number = rows(result)

    assert by_number["10102"].action is PaymentAction.CREATED
    [kept] = manage_payments(sandbox, "10102")
    assert kept["amount"] == Decimal("520.00")
    assert ("delete", "10102") in seen.events
    assert [kind for kind, n in seen.events if n == "10102"] == ["read", "post", "read", "delete"]

    assert by_number["10104"].action is PaymentAction.CREATED  # the dropped answer: looked up, it had landed
    [pay] = manage_payments(sandbox, "10104")
    assert pay["amount"] == Decimal("150.00")
    assert [kind for kind, n in seen.events if n == "10104"] == ["read", "post", "read", "read"]

    unclear = by_number["10138"]  # a 500 on the POST: looked up, not there, so the invoice fails
    assert unclear.action is PaymentAction.FAILED
    assert "may have been applied" in unclear.message
    assert manage_payments(sandbox, "10138") == []
    assert [kind for kind, n in seen.events if n == "10138"] == ["read", "post", "read"]  # no twin check
    assert by_number["10101"].action is PaymentAction.CREATED
    assert result.exit_code == 3 and not result.watermark_moved

    again = sync(posted, store, "past-month", at=datetime(2026, 12, 10, 16, 0, tzinfo=UTC))
    assert again.exit_code == 0
    assert rows(again)["10138"].action is PaymentAction.CREATED
    assert {rows(again)[n].action for n in ("10101", "10102", "10104")} == {PaymentAction.UNCHANGED}
    for number in ("10101", "10102", "10104", "10138"):
        assert len(manage_payments(sandbox, number)) == 1, number


def test_the_other_writers_row_with_the_lower_id_is_the_one_that_stays(
    sandbox: Sandbox, posted: Context, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt(posted.sage, "LOOPCPA", "10102", "520.00", date(2026, 12, 1), "CHK-2")
    seen = recorder(monkeypatch, posted)
    seen.twin_before_ours = {"10102"}
    result = sync(posted, store, "past-month")
    assert result.exit_code == 0 and rows(result)["10102"].action is PaymentAction.CREATED
    [kept] = manage_payments(sandbox, "10102")
    assert kept["id"] == seen.twins["10102"]  # the other machine's row (posted first, lower id) stays; ours went
    assert kept["amount"] == Decimal("520.00")
    assert seen.events == [("read", "10102"), ("post", "10102"), ("read", "10102"), ("delete", "10102")]


def test_one_invoices_failed_read_fails_only_that_invoice(
    sandbox: Sandbox, posted: Context, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed read before the write, or in the twin check after it, fails that invoice; its group goes on."""
    record_payments(posted.sage)
    seen = recorder(monkeypatch, posted)
    ids = {n: inv.id for n, inv in posted.manage.find_invoices_by_number(INVOICES).items()}
    sandbox.manage.faults.add(
        Fault(kind="status", status=400, method="GET", path=rf"/finance/invoices/{ids['10102']}/payments$")
    )
    seen.fail_second_read = {"10104"}
    result = sync(posted, store, "past-month")
    by_number = rows(result)

    assert by_number["10102"].action is PaymentAction.FAILED  # its rows could not be read: nothing written
    assert by_number["10102"].message
    assert ("post", "10102") not in seen.events
    assert manage_payments(sandbox, "10102") == []
    assert by_number["10104"].action is PaymentAction.FAILED  # written, but the twin check could not read
    assert "did not answer in time" in by_number["10104"].message
    assert len(manage_payments(sandbox, "10104")) == 1
    assert by_number["10101"].action is PaymentAction.CREATED
    assert by_number["10138"].action is PaymentAction.CREATED
    assert result.exit_code == 3 and not result.watermark_moved

    again = sync(posted, store, "past-month", at=datetime(2026, 12, 10, 16, 0, tzinfo=UTC))
    assert again.exit_code == 0
    assert rows(again)["10102"].action is PaymentAction.CREATED
    assert rows(again)["10104"].action is PaymentAction.UNCHANGED
    [pay] = manage_payments(sandbox, "10104")
    assert pay["amount"] == Decimal("150.00")


def test_a_refused_create_looks_again_before_it_fails(
    sandbox: Sandbox, posted: Context, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within a group another writer may settle an invoice first; Manage then refuses our row (above the balance)."""
    record_payments(posted.sage)
    seen = recorder(monkeypatch, posted)
    seen.twin_before_ours = {"10101"}  # paid in full: the other machine's row leaves no balance for ours
    ids = {n: inv.id for n, inv in posted.manage.find_invoices_by_number(INVOICES).items()}
    sandbox.manage.faults.add(
        Fault(kind="status", status=400, method="POST", path=rf"/finance/invoices/{ids['10102']}/payments$")
    )
    result = sync(posted, store, "past-month")
    by_number = rows(result)

    settled = by_number["10101"]
    assert settled.action is PaymentAction.UNCHANGED  # the other writer's row already says what Sage shows
    [pay] = manage_payments(sandbox, "10101")
    assert pay["id"] == seen.twins["10101"] and pay["amount"] == Decimal("745.80")
    assert [kind for kind, n in seen.events if n == "10101"] == ["read", "post", "read"]  # looked again, no twins

    refused = by_number["10102"]  # refused with nothing there: the refusal stands
    assert refused.action is PaymentAction.FAILED
    assert "400" in refused.message
    assert manage_payments(sandbox, "10102") == []
    assert [kind for kind, n in seen.events if n == "10102"] == ["read", "post", "read"]
    assert result.exit_code == 3 and not result.watermark_moved
