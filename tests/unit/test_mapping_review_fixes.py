"""Cases a code review found unguarded: refunds, repeated tax authorities, tax without a group, GL entry ids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cwsage.domain.documents import (
    DocKind,
    Line,
    PartyProfile,
    PayableDocument,
    ReceivableDocument,
    SourceRef,
    SourceType,
    TaxLine,
)
from cwsage.domain.master import AccountInfo, PartyInfo, SageMasterData, TaxGroupInfo
from cwsage.mapping import to_sage
from cwsage.mapping.validate import validate
from cwsage.sage300.vocabulary import APDocumentType

from .test_mapping_from_manage import bill, codes, invoice, run

MASTER = SageMasterData(
    home_currency="USD",
    customers={"ACME": PartyInfo("ACME", "USD")},
    accounts={"400010": AccountInfo("400010", "4000-10")},
    tax_groups={("GRP", "Sales"): TaxGroupInfo("GRP", "Sales", ("STATE", "CITY"))},
    tax_authorities=frozenset({"STATE", "CITY"}),
)


def test_negative_expense_bill_becomes_an_ap_credit_note_with_positive_lines() -> None:
    result = run(expenseBills=[bill("-50.00", ["-50.00"])])
    (doc,) = result.documents
    assert isinstance(doc, PayableDocument)
    assert doc.kind is DocKind.AP_CREDIT_NOTE
    assert doc.total == Decimal("50.00")
    assert [line.amount for line in doc.lines] == [Decimal("50.00")]
    payload = to_sage.ap_invoice(doc, MASTER, to_sage.PostingOptions())
    assert payload.document_type == APDocumentType.CREDIT_NOTE
    assert payload.document_total_including_tax == Decimal("50.00")


def _receivable(taxes: tuple[TaxLine, ...], tax_group: str = "GRP") -> ReceivableDocument:
    return ReceivableDocument(
        key="AR:1",
        kind=DocKind.AR_INVOICE,
        source=SourceRef(SourceType.INVOICE, "Standard invoice", "1", "invoice 1"),
        document_number="1",
        document_date=date(2026, 10, 1),
        description="x",
        currency="USD",
        gl_entry_ids=(1,),
        customer=PartyProfile("ACME", "Acme", "USD"),
        lines=(Line("4000-10", Decimal(50), "a"), Line("4000-10", Decimal(60), "b")),
        taxes=taxes,
        tax_group=tax_group,
        total=Decimal(110) + sum((t.amount for t in taxes), Decimal(0)),
    )


def test_two_tax_lines_for_one_authority_add_up_instead_of_the_last_one_winning() -> None:
    doc = _receivable((TaxLine(1, "STATE", Decimal(50), Decimal(5)), TaxLine(1, "STATE", Decimal(60), Decimal(6))))
    payload = to_sage.ar_invoice(doc, MASTER, to_sage.PostingOptions())
    assert (payload.tax_authority_1, payload.tax_base_1, payload.tax_amount_1) == ("STATE", Decimal(110), Decimal(11))
    assert payload.tax_amount_2 == Decimal(0)
    details = sum((d.extended_amount_with_tip or Decimal(0) for d in payload.invoice_details), Decimal(0))
    assert details + payload.tax_amount_1 + payload.tax_amount_2 == payload.document_total_including_tax


def test_tax_without_a_sage_tax_group_is_an_error_not_silently_dropped() -> None:
    doc = _receivable((TaxLine(1, "STATE", Decimal(110), Decimal(11)),), tax_group="")
    assert "tax-group-missing" in [i.code for i in validate([doc], MASTER)]
    untaxed = _receivable((), tax_group="")
    assert "tax-group-missing" not in [i.code for i in validate([untaxed], MASTER)]


def test_unreadable_gl_entry_ids_block_only_their_invoice() -> None:
    result = run(
        transactions=[
            invoice("10.00", ["-10.00"], glEntryIds="91001, see note"),
            invoice("5.00", ["-5.00"], documentNumber="10002"),
        ]
    )
    assert len(result.documents) == 2
    assert "gl-entries-unreadable" in codes(result)
    blocked = {i.document_key for i in result.issues if i.code.startswith("gl-entries")}
    assert blocked == {"AR:10001"}


def test_adjustment_ids_are_trusted_only_as_a_strict_list_of_integers() -> None:
    adjustment = {
        "id": "Adjustment 15 for ticket 4711",
        "documentDate": "2026-10-01T00:00:00",
        "adjustmentDetail": [
            {
                "item": {"identifier": "PATCH10"},
                "quantity": -2,
                "total": "-2.50",
                "inventoryAccountNumber": "1300-00",
                "accountNumber": "5300-30",
            }
        ],
    }
    result = run(adjustmentTransactions=[adjustment])
    assert result.documents[0].gl_entry_ids == ()
    assert "gl-entries-missing" in codes(result)
    strict = run(adjustmentTransactions=[{**adjustment, "id": "9001,9002"}])
    assert strict.documents[0].gl_entry_ids == (9001, 9002)
    assert "gl-entries-missing" not in codes(strict)


def test_terms_and_tax_classes_sent_to_sage_are_validated_first() -> None:
    from dataclasses import replace

    from cwsage.mapping.validate import ValidateOptions

    master = replace(
        MASTER,
        terms=frozenset({"NET30"}),
        tax_classes=frozenset({("STATE", "Sales", "Customers", 1), ("CITY", "Sales", "Customers", 1)}),
    )
    doc = replace(_receivable((TaxLine(1, "STATE", Decimal(110), Decimal(11)),)), terms="NET45")
    found = {i.code: i for i in validate([doc], master)}
    assert found["terms-not-in-sage"].value == "NET45"
    assert "tax-class-not-in-sage" not in found
    other_class = {i.code for i in validate([doc], master, ValidateOptions(tax_class=3))}
    assert "tax-class-not-in-sage" in other_class
    assert "terms-not-in-sage" not in {i.code for i in validate([replace(doc, terms="NET30")], master)}
