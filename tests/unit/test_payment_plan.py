"""The payment plan (issue 12): the settlement rule as pure functions, tested without HTTP.

Example cases name every outcome with its numbers; the properties (hypothesis) play the plan against an
in-memory Manage: applying it twice changes nothing the second time, Manage's balance ends equal to Sage's amount
due, and Manage's credits are never counted twice — whether the plan saw the payment rows or only the invoice
totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from cwsage.connectwise.models import Invoice, InvoicePayment
from cwsage.render import PAYMENT_ACTION_WORDS, payment_action_text, show_sync
from cwsage.sage300.models import ARPostedDocument
from cwsage.services.payment_plan import (
    ERROR_ACTIONS,
    PaymentAction,
    PaymentStep,
    PaymentWrite,
    describe,
    plan_payments,
    settle,
)
from cwsage.services.payments import PaymentRow, SyncResult
from cwsage.web.app import WebApp, WebConfig

TODAY = date(2026, 12, 10)
D = Decimal


def doc(
    number: str = "10001",
    *,
    amount: str | None = "1000.00",
    due: str | None = "1000.00",
    kind: str = "Invoice",
    paid_on: date | None = None,
    active: date | None = date(2026, 12, 1),
    posted: date | None = date(2026, 11, 1),
) -> ARPostedDocument:
    """A posted Sage AR document; fully paid when nothing is due."""
    full = due is not None and D(due) == 0
    return ARPostedDocument(
        customer_number="ACME",
        document_number=number,
        document_type=kind,
        customer_currency_invoice_amount=None if amount is None else D(amount),
        customer_currency_amount_due=None if due is None else D(due),
        currency_code="USD",
        fully_paid="Yes" if full else "No",
        date_paid=paid_on if full else None,
        last_activity_date=active,
        posting_date=posted,
    )


def invoice(
    number: str = "10001",
    *,
    total: str = "1000.00",
    payments: str | None = "0.00",
    credits: str = "0.00",
    invoice_id: int = 7,
) -> Invoice:
    """A Manage invoice with its computed totals."""
    return Invoice(
        id=invoice_id,
        invoice_number=number,
        total=D(total),
        payments=None if payments is None else D(payments),
        credits=D(credits),
    )


def row(payment_id: int | None, amount: str, day: date) -> InvoicePayment:
    """A Manage payment row."""
    return InvoicePayment(
        id=payment_id, amount=D(amount), payment_date=datetime(day.year, day.month, day.day, tzinfo=UTC)
    )


# --------------------------------------------------------------------------------------------------------
# Every outcome, with its numbers
# --------------------------------------------------------------------------------------------------------


def test_a_missing_amount_is_a_failure_never_nothing_paid() -> None:
    step = settle(doc(amount=None), invoice(), None, today=TODAY)
    assert step.action is PaymentAction.FAILED and step.write is None
    assert "CustomerCurrencyInvoiceAmount" in describe(step)


def test_a_credit_note_is_listed_with_what_was_applied_and_never_paid() -> None:
    step = settle(doc("10112", amount="-101.69", due="0", kind="Credit Note"), None, None, today=TODAY)
    assert (step.action, step.paid, step.write) == (PaymentAction.CREDIT_NOTE, D("101.69"), None)
    assert describe(step) == "101.69 of it applied in Sage 300"


def test_an_invoice_manage_does_not_have() -> None:
    step = settle(doc(due="0", paid_on=TODAY), None, None, today=TODAY)
    assert step.action is PaymentAction.MISSING_IN_MANAGE and step.action in ERROR_ACTIONS
    assert "Manage has no invoice with that number" in describe(step)


def test_more_paid_in_sage_than_the_manage_total_records_nothing() -> None:
    step = settle(doc(amount="1500.00", due="0", paid_on=TODAY), invoice(total="1000.00"), None, today=TODAY)
    assert (step.action, step.paid, step.total, step.write) == (
        PaymentAction.OVERPAID,
        D("1500.00"),
        D("1000.00"),
        None,
    )
    assert "1500.00 paid on an invoice of 1000.00" in describe(step)


def test_nothing_paid_and_nothing_settled_needs_no_rows() -> None:
    step = settle(doc(), invoice(), None, today=TODAY)
    assert (step.action, step.write, step.rows_read) == (PaymentAction.NOTHING_PAID, None, False)


def test_paid_in_sage_nothing_settled_in_manage_creates_without_reading_rows() -> None:
    step = settle(doc(due="0", paid_on=date(2026, 12, 8)), invoice(), None, today=TODAY)
    assert step.action is PaymentAction.CREATED and not step.rows_read
    assert step.write == PaymentWrite(7, D("1000.00"), date(2026, 12, 8))
    assert step.write.creates
    assert describe(step, preview=True) == "1000.00 recorded (preview)"


def test_totals_that_already_agree_need_no_rows() -> None:
    step = settle(doc(due="400.00"), invoice(payments="500.00", credits="100.00"), None, today=TODAY)
    assert (step.action, step.write, step.rows_read) == (PaymentAction.UNCHANGED, None, False)
    assert describe(step) == "besides 100.00 of credits in Manage"


@pytest.mark.parametrize("payments", ["250.00", None])
def test_totals_that_differ_or_are_unknown_leave_the_step_to_the_rows(payments: str | None) -> None:
    step = settle(doc(due="400.00"), invoice(payments=payments), None, today=TODAY)
    assert step.needs_rows and step.action is None and step.write is None


def test_a_second_payment_updates_the_one_row() -> None:
    rows = [row(31, "100.00", date(2026, 11, 20))]
    step = settle(doc(due="0", paid_on=date(2026, 12, 10)), invoice(payments="100.00"), rows, today=TODAY)
    assert step.action is PaymentAction.UPDATED
    assert step.write == PaymentWrite(7, D("1000.00"), date(2026, 12, 10), payment_id=31, previous=D("100.00"))
    assert describe(step) == "100.00 → 1000.00"


def test_only_the_date_moved() -> None:
    rows = [row(31, "600.00", date(2026, 11, 20))]
    step = settle(doc(due="400.00", active=date(2026, 12, 2)), invoice(payments="600.00"), rows, today=TODAY)
    assert step.action is PaymentAction.UPDATED and step.write is not None
    assert (step.write.amount, step.write.payment_date) == (D("600.00"), date(2026, 12, 2))
    assert describe(step) == "date 2026-12-02"


def test_the_row_as_sage_shows_it_is_left_alone() -> None:
    rows = [row(31, "600.00", date(2026, 12, 1))]
    step = settle(doc(due="400.00"), invoice(payments="600.00"), rows, today=TODAY)
    assert (step.action, step.write, step.rows_read) == (PaymentAction.UNCHANGED, None, True)


def test_credits_and_other_rows_in_manage_are_not_counted_twice() -> None:
    """Sage: 1,000 paid. Manage: 100 of credits and a hand-entered row of 300: cwsage's row holds 600."""
    rows = [row(40, "250.00", date(2026, 11, 2)), row(41, "300.00", date(2026, 11, 3))]
    step = settle(
        doc(due="0", paid_on=date(2026, 12, 8)), invoice(payments="550.00", credits="100.00"), rows, today=TODAY
    )
    assert step.action is PaymentAction.UPDATED and step.write is not None
    assert (step.write.payment_id, step.write.amount) == (40, D("600.00"))
    assert (
        describe(step)
        == "250.00 → 600.00 (besides 100.00 of credits in Manage and 1 other payment record(s) of 300.00)"
    )


def test_cwsages_row_is_the_lowest_id_whatever_order_the_rows_come_in() -> None:
    rows = [row(41, "300.00", date(2026, 11, 3)), row(40, "250.00", date(2026, 11, 2))]
    step = settle(doc(due="0", paid_on=date(2026, 12, 8)), invoice(payments="550.00"), rows, today=TODAY)
    assert step.write is not None and step.write.payment_id == 40 and step.write.amount == D("700.00")


@pytest.mark.parametrize(
    ("due", "rows", "settled"),
    [
        ("1000.00", [row(31, "745.80", date(2026, 11, 20))], D("745.80")),  # Sage restored: nothing paid there
        ("600.00", [row(31, "100.00", date(2026, 11, 20)), row(32, "500.00", date(2026, 11, 21))], D("600.00")),
    ],
)
def test_manage_showing_more_settled_than_sage_is_a_mismatch(
    due: str, rows: list[InvoicePayment], settled: Decimal
) -> None:
    step = settle(doc(due=due), invoice(payments=str(settled)), rows, today=TODAY)
    assert (step.action, step.settled, step.write) == (PaymentAction.MISMATCH, settled, None)
    assert f"Manage already shows {settled}" in describe(step)


def test_credits_in_manage_above_what_sage_shows_paid_is_a_mismatch() -> None:
    step = settle(doc(due="900.00"), invoice(payments="0.00", credits="150.00"), [], today=TODAY)
    assert (step.action, step.settled) == (PaymentAction.MISMATCH, D("150.00"))


def test_a_row_without_an_id_cannot_be_updated() -> None:
    rows = [row(None, "100.00", date(2026, 11, 20))]
    step = settle(doc(due="0", paid_on=TODAY), invoice(payments="100.00"), rows, today=TODAY)
    assert step.action is PaymentAction.FAILED and step.write is None and "without an id" in describe(step)


@pytest.mark.parametrize(
    ("fully_paid_on", "active", "posted", "expected"),
    [
        (date(2026, 12, 8), date(2026, 12, 9), date(2026, 11, 1), date(2026, 12, 8)),  # paid in full: Date Paid
        (None, date(2026, 12, 9), date(2026, 11, 1), date(2026, 12, 9)),  # partly: the last activity
        (None, None, date(2026, 11, 1), date(2026, 11, 1)),
        (None, None, None, TODAY),  # no date at all: the day of the sync, given to the plan (no clock inside)
    ],
)
def test_the_payment_date(fully_paid_on: date | None, active: date | None, posted: date | None, expected: date) -> None:
    due = "0" if fully_paid_on else "400.00"
    step = settle(doc(due=due, paid_on=fully_paid_on, active=active, posted=posted), invoice(), None, today=TODAY)
    assert step.write is not None and step.write.payment_date == expected


def test_plan_payments_leaves_receipts_out_and_keeps_the_order() -> None:
    documents = [
        doc("10002", due="0", paid_on=TODAY),
        doc("PY0001", amount="-1000.00", due="0", kind="Receipt"),
        doc("10001"),
        doc("10112", amount="-5.00", due="0", kind="Credit Note"),
    ]
    invoices = {"10001": invoice("10001", invoice_id=1), "10002": invoice("10002", invoice_id=2)}
    steps = plan_payments(documents, invoices, {}, today=TODAY)
    assert [(s.document_number, s.action) for s in steps] == [
        ("10002", PaymentAction.CREATED),
        ("10001", PaymentAction.NOTHING_PAID),
        ("10112", PaymentAction.CREDIT_NOTE),
    ]


def test_plan_payments_uses_the_rows_it_is_given() -> None:
    documents = [doc("10001", due="0", paid_on=TODAY)]
    invoices = {"10001": invoice(payments="1000.00", invoice_id=1)}
    with_rows = plan_payments(documents, invoices, {1: [row(9, "1000.00", date(2026, 1, 1))]}, today=TODAY)
    assert with_rows[0].action is PaymentAction.UPDATED  # the date
    assert plan_payments(documents, invoices, {}, today=TODAY)[0].action is PaymentAction.UNCHANGED  # totals agree


# --------------------------------------------------------------------------------------------------------
# Properties against an in-memory Manage
# --------------------------------------------------------------------------------------------------------


@dataclass
class Ledger:
    """One Manage invoice: its total, its credits and its payment rows."""

    total: Decimal
    credits: Decimal
    rows: list[InvoicePayment] = field(default_factory=list)
    writes: int = 0

    def invoice(self) -> Invoice:
        """The invoice as Manage's listing shows it (payments and balance computed)."""
        paid = sum((r.amount or D(0) for r in self.rows), D(0))
        return Invoice(id=7, invoice_number="10001", total=self.total, payments=paid, credits=self.credits)

    def balance(self) -> Decimal:
        """Manage's computed balance."""
        return self.total - self.credits - sum((r.amount or D(0) for r in self.rows), D(0))

    def apply(self, write: PaymentWrite) -> None:
        """What Manage does with one write."""
        self.writes += 1
        when = datetime(write.payment_date.year, write.payment_date.month, write.payment_date.day, tzinfo=UTC)
        if write.payment_id is None:
            new_id = max((r.id or 0 for r in self.rows), default=100) + 1
            self.rows.append(InvoicePayment(id=new_id, amount=write.amount, payment_date=when))
            return
        self.rows = [
            InvoicePayment(id=r.id, amount=write.amount, payment_date=when) if r.id == write.payment_id else r
            for r in self.rows
        ]

    def sync(self, document: ARPostedDocument) -> PaymentStep:
        """What the service does: plan on the totals, read the rows where the plan needs them or writes, apply."""
        step = settle(document, self.invoice(), None, today=TODAY)
        if step.needs_rows or step.write is not None:
            step = settle(document, self.invoice(), list(self.rows), today=TODAY)
            if step.write is not None:
                self.apply(step.write)
        return step


cents = st.integers(min_value=0, max_value=500_000).map(lambda n: D(n).scaleb(-2))
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Ledger, ARPostedDocument]:
    """A Manage invoice (credits, rows by hand or from earlier syncs) and what Sage shows paid on it."""
    total = draw(cents.filter(lambda v: v > 0))
    credits = draw(st.sampled_from([D(0), D(0), min(total, draw(cents))]))
    amounts = draw(st.lists(cents.map(lambda v: min(v, total / 4).quantize(D("0.01"))), max_size=3))
    rows = [
        InvoicePayment(id=10 + i, amount=a, payment_date=datetime.combine(draw(days), datetime.min.time(), UTC))
        for i, a in enumerate(amounts)
    ]
    anywhere = st.integers(min_value=0, max_value=int(total * 100)).map(lambda n: D(n).scaleb(-2))
    settled = credits + sum(amounts, D(0))
    # Sage shows anything, what Manage already shows (a sync before), or more (a new receipt since)
    original = total if draw(st.booleans()) else total + draw(cents)  # Sage may hold a larger original amount
    paid = min(original, draw(st.one_of(anywhere, st.just(settled), cents.map(lambda more: settled + more))))
    due = original - paid
    activity = draw(days)
    sage = doc(
        amount=str(original),
        due=str(due),
        paid_on=activity + timedelta(days=draw(st.integers(0, 3))) if due == 0 else None,
        active=activity,
    )
    return Ledger(total, credits, rows), sage


SETTLING = {PaymentAction.CREATED, PaymentAction.UPDATED, PaymentAction.UNCHANGED, PaymentAction.NOTHING_PAID}


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_a_second_sync_changes_nothing(scenario: tuple[Ledger, ARPostedDocument]) -> None:
    ledger, sage = scenario
    first = ledger.sync(sage)
    rows_after_first, writes = list(ledger.rows), ledger.writes
    second = ledger.sync(sage)
    assert ledger.writes == writes and ledger.rows == rows_after_first
    assert second.write is None
    if first.action in SETTLING:
        assert second.action in {PaymentAction.UNCHANGED, PaymentAction.NOTHING_PAID}
    else:
        assert second.action is first.action  # an error stays reported, and nothing is written for it


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_manage_ends_with_sages_amount_due_and_credits_counted_once(scenario: tuple[Ledger, ARPostedDocument]) -> None:
    ledger, sage = scenario
    step = ledger.sync(sage)
    assert sage.customer_currency_invoice_amount is not None and sage.customer_currency_amount_due is not None
    paid = sage.customer_currency_invoice_amount - sage.customer_currency_amount_due
    if step.action in SETTLING:
        # what Manage shows settled (its credits once, plus every payment row) is exactly what Sage shows paid
        assert ledger.balance() == ledger.total - paid
        assert ledger.credits + sum((r.amount or D(0) for r in ledger.rows), D(0)) == paid
    else:
        assert step.action in ERROR_ACTIONS and ledger.writes == 0


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_the_totals_decide_only_what_the_rows_would_decide(scenario: tuple[Ledger, ARPostedDocument]) -> None:
    """Without the rows the plan decides only where the rows could not change the amount Manage ends with."""
    ledger, sage = scenario
    on_totals = settle(sage, ledger.invoice(), None, today=TODAY)
    on_rows = settle(sage, ledger.invoice(), ledger.rows, today=TODAY)
    if on_totals.needs_rows:
        return
    if on_totals.action in ERROR_ACTIONS | {PaymentAction.CREDIT_NOTE}:
        assert (on_rows.action, on_rows.write) == (on_totals.action, None)
    elif on_totals.write is not None:
        # nothing settled in Manage: the same amount either way (created, or set on a zero row found first)
        assert on_rows.write is not None and on_rows.write.amount == on_totals.write.amount
    elif on_rows.write is not None:
        # Manage's totals already equal Sage's: at most the date of cwsage's row could differ
        current = min(ledger.rows, key=lambda r: r.id or 0)
        assert on_rows.write.amount == current.amount


def test_rows_seen_by_another_writer_first_turn_a_create_into_nothing() -> None:
    """Two machines: the plan said create on the totals, the rows read just before writing show it done."""
    ledger = Ledger(D("1000.00"), D(0))
    sage = doc(due="0", paid_on=date(2026, 12, 8))
    listed = ledger.invoice()  # machine A lists the invoice: nothing settled
    assert settle(sage, listed, None, today=TODAY).action is PaymentAction.CREATED
    ledger.sync(sage)  # machine B syncs the whole invoice meanwhile
    fresh = settle(sage, listed, list(ledger.rows), today=TODAY)  # A reads the rows just before its write
    assert (fresh.action, fresh.write) == (PaymentAction.UNCHANGED, None)


# --------------------------------------------------------------------------------------------------------
# Codes in --json, words in rendering only
# --------------------------------------------------------------------------------------------------------


def _result() -> SyncResult:
    steps = [
        settle(doc("10101", due="0", paid_on=date(2026, 12, 8)), invoice("10101"), None, today=TODAY),
        settle(doc("10105"), invoice("10105"), None, today=TODAY),
        settle(doc("SAGE-ONLY"), None, None, today=TODAY),
    ]
    return SyncResult(since=date(2026, 11, 10), dry_run=False, rows=[PaymentRow.of(s, preview=False) for s in steps])


def test_json_carries_codes_and_the_terminal_the_words() -> None:
    data = _result().as_dict()
    assert [(i["action"], i["action_code"]) for i in data["invoices"]] == [
        ("created", "created"),
        ("nothing_paid", "nothing_paid"),
        ("missing_in_manage", "missing_in_manage"),
    ]
    assert data["counts"] == {"created": 1, "nothing_paid": 1, "missing_in_manage": 1}
    out = StringIO()
    show_sync(Console(file=out, width=200), _result())
    text = out.getvalue()
    assert "payment recorded" in text and "nothing paid yet" in text and "not found in Manage" in text
    assert "missing_in_manage" not in text and "nothing_paid" not in text


def test_every_code_has_words_and_old_saved_words_pass_through() -> None:
    assert set(PAYMENT_ACTION_WORDS) == set(PaymentAction)
    assert all(words and "_" not in words for words in PAYMENT_ACTION_WORDS.values())
    assert payment_action_text("created") == "payment recorded"
    assert payment_action_text("already up to date") == "already up to date"  # a summary saved before the codes


def test_the_web_page_shows_the_words(tmp_path: Path) -> None:
    app = WebApp(WebConfig(env={"CWSAGE_HOME": str(tmp_path)}))
    page = app.templates.get_template("_sync_result.html").render(r=_result().as_dict(), can_run=False)
    assert "payment recorded" in page and "1 not found in Manage" in page
    assert ">created<" not in page and "missing_in_manage" not in page
