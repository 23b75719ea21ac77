"""Exit statuses and the preview's GL impact, independent of any server."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cwsage.domain.documents import (
    DocKind,
    JournalDocument,
    JournalLine,
    Line,
    PartyProfile,
    ReceivableDocument,
    SourceRef,
    SourceType,
    TaxLine,
)
from cwsage.services.results import Outcome, build_preview


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (Outcome.SUCCEEDED, 0),
        (Outcome.NOTHING_TO_DO, 0),
        (Outcome.PREVIEW, 0),
        (Outcome.PARTIAL, 3),
        (Outcome.FAILED_BEFORE_POSTING, 4),
        (Outcome.FAILED, 1),
        (Outcome.INTERRUPTED, 1),
    ],
)
def test_exit_status_follows_the_documented_table(outcome: Outcome, code: int) -> None:
    assert outcome.exit_code == code


def _invoice(kind: DocKind) -> ReceivableDocument:
    return ReceivableDocument(
        key="AR:1",
        kind=kind,
        source=SourceRef(SourceType.INVOICE, "invoice", "1", "invoice 1"),
        document_number="1",
        document_date=date(2026, 10, 1),
        description="x",
        currency="CAD",
        gl_entry_ids=(1,),
        customer=PartyProfile("ACME", "Acme", "CAD"),
        lines=(Line("4000-10", Decimal("100.00"), "service"),),
        taxes=(TaxLine(1, "HSTON", Decimal("100.00"), Decimal("13.00"), "2310-00"),),
        total=Decimal("113.00"),
        control_account="1200-00",
    )


def test_preview_debits_receivable_and_credits_revenue_and_tax_and_balances() -> None:
    journal = JournalDocument(
        key="GL:CW-E1",
        kind=DocKind.GL_JOURNAL,
        source=SourceRef(SourceType.EXPENSE, "expense", "1", "expense 1"),
        document_number="CW-E1",
        document_date=date(2026, 10, 1),
        description="Mileage",
        currency="",
        gl_entry_ids=(5, 6),
        lines=(JournalLine("5120-10", Decimal("40.00"), "m"), JournalLine("2100-00", Decimal("-40.00"), "m")),
    )
    preview = build_preview([_invoice(DocKind.AR_INVOICE), journal], "USD")
    assert preview.gl_impact[("1200-00", "CAD")] == (Decimal("113.00"), Decimal(0))
    assert preview.gl_impact[("4000-10", "CAD")] == (Decimal(0), Decimal("100.00"))
    assert preview.gl_impact[("2310-00", "CAD")] == (Decimal(0), Decimal("13.00"))
    assert preview.gl_impact[("5120-10", "USD")] == (Decimal("40.00"), Decimal(0))
    for currency in ("CAD", "USD"):
        debits = sum(dr for (_, cur), (dr, _cr) in preview.gl_impact.items() if cur == currency)
        credits = sum(cr for (_, cur), (_dr, cr) in preview.gl_impact.items() if cur == currency)
        assert debits == credits
    assert preview.totals[("ar_invoice", "CAD")] == (1, Decimal("113.00"))


def test_preview_reverses_a_credit_note() -> None:
    preview = build_preview([_invoice(DocKind.AR_CREDIT_NOTE)], "USD")
    assert preview.gl_impact[("1200-00", "CAD")] == (Decimal(0), Decimal("113.00"))
    assert preview.gl_impact[("4000-10", "CAD")] == (Decimal("100.00"), Decimal(0))
