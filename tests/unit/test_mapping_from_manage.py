"""Manage ``GLExport`` → canonical documents: signs, credit memos, tax levels, source-data issues."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cwsage.connectwise import models as cw
from cwsage.connectwise.export import parse_export
from cwsage.domain.documents import (
    DocKind,
    InventoryDocument,
    JournalDocument,
    PayableDocument,
    ReceivableDocument,
)
from cwsage.mapping.from_manage import TranslateOptions, Translation, translate

USD = {"currencyCode": "USD"}


AMOUNT_KEYS = {"total", "quantity", "taxableAmount", "taxableTotal"}


def _numbers(value: Any) -> Any:
    """Amounts written as text in these tests become the Decimals Manage's JSON parses into."""
    if isinstance(value, dict):
        return {k: Decimal(v) if k in AMOUNT_KEYS and isinstance(v, str) else _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def run(**export: Any) -> Translation:
    data = _numbers(export)
    parsed = parse_export(data, source_ref="export T")  # the lean reader, as a run reads an export
    assert not parsed.unreadable
    options = TranslateOptions(ic_default_location="MAIN")
    translation = translate(parsed, options)
    full = translate(cw.GLExport.model_validate(data), options)  # every field validated, as before issue 14
    assert (translation.documents, translation.issues) == (full.documents, full.issues)
    return translation


def invoice(total: str, lines: list[str], taxes: list[tuple[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    detail: list[dict[str, Any]] = [
        {"id": 100 + i, "accountNumber": "4000-10", "glTypeId": "R", "memo": f"line {i}", "total": amount}
        for i, amount in enumerate(lines, start=1)
    ]
    detail += [
        {
            "id": 200 + i,
            "accountNumber": "2310-00",
            "glTypeId": "ST",
            "taxAgencyXref": agency,
            "taxCodeXref": "GRP",
            "total": amount,
        }
        for i, (agency, amount) in enumerate(taxes or [], start=1)
    ]
    data: dict[str, Any] = {
        "id": 5001,
        "documentNumber": "10001",
        "documentDate": "2026-09-23T00:00:00",
        "billingType": "Standard",
        "companyAccountNumber": "ACME",
        "company": {"id": 1, "name": "Acme Corp"},
        "accountNumber": "1200-00",
        "currency": USD,
        "total": total,
        "glEntryIds": "1,2,3",
        "detail": detail,
    }
    data.update(extra)
    return data


def receivable(result: Translation) -> ReceivableDocument:
    doc = result.documents[0]
    assert isinstance(doc, ReceivableDocument)
    return doc


def codes(result: Translation) -> list[str]:
    return [issue.code for issue in result.issues]


# --- receivables ------------------------------------------------------------------------------------


def test_invoice_lines_are_flipped_to_positive() -> None:
    doc = receivable(run(transactions=[invoice("113.00", ["-60.00", "-40.00"], [("HST", "-13.00")])]))
    assert doc.kind is DocKind.AR_INVOICE
    assert [line.amount for line in doc.lines] == [Decimal("60.00"), Decimal("40.00")]
    assert [tax.amount for tax in doc.taxes] == [Decimal("13.00")]
    assert doc.total == Decimal("113.00") == doc.computed_total
    assert doc.key == "AR:10001"
    assert doc.gl_entry_ids == (1, 2, 3)
    assert doc.tax_group == "GRP"
    assert doc.control_account == "1200-00"


def test_credit_memo_mirrored_signs_become_a_positive_credit_note() -> None:
    doc = receivable(run(transactions=[invoice("-113.00", ["100.00"], [("HST", "13.00")], billingType="CreditMemo")]))
    assert doc.kind is DocKind.AR_CREDIT_NOTE
    assert doc.lines[0].amount == Decimal("100.00")
    assert doc.taxes[0].amount == Decimal("13.00")
    assert doc.total == Decimal("113.00")
    assert doc.source.label == "credit memo 10001"


def test_negative_header_is_a_credit_note_even_without_the_billing_type() -> None:
    doc = receivable(run(transactions=[invoice("-50.00", ["50.00"])]))
    assert doc.kind is DocKind.AR_CREDIT_NOTE
    assert doc.total == doc.lines[0].amount == Decimal("50.00")


def test_credit_memo_billing_type_with_positive_header_is_still_a_credit_note() -> None:
    doc = receivable(run(transactions=[invoice("20.00", ["-20.00"], billingType="CreditMemo")]))
    assert doc.kind is DocKind.AR_CREDIT_NOTE
    assert doc.total == doc.lines[0].amount == Decimal("20.00")


def test_tax_rows_are_matched_to_levels_by_the_customers_agencies() -> None:
    customer = {
        "accountNumber": "ACME",
        "taxLevels": [
            {"taxLevel": 1, "agencyXref": "ILSTATE", "taxCodeXref": "CHICAGO"},
            {"taxLevel": 2, "agencyXref": "COOKCTY", "taxCodeXref": "CHICAGO"},
            {"taxLevel": 3, "agencyXref": "CHICITY", "taxCodeXref": "CHICAGO"},
        ],
    }
    tx = invoice(
        "1053.13",
        ["-100.00", "-900.00"],
        [("CHICITY", "-1.25"), ("ILSTATE", "-50.00"), ("COOKCTY", "-1.88")],
        taxLevels=[
            {"taxLevel": 1, "taxableAmount": "800.00"},
            {"taxLevel": 2, "taxableAmount": "107.43"},
            {"taxLevel": 3, "taxableAmount": "100.00"},
        ],
    )
    doc = receivable(run(customers=[customer], transactions=[tx]))
    by_authority = {t.authority: (t.level, t.base, t.amount) for t in doc.taxes}
    assert by_authority == {
        "CHICITY": (3, Decimal("100.00"), Decimal("1.25")),
        "ILSTATE": (1, Decimal("800.00"), Decimal("50.00")),
        "COOKCTY": (2, Decimal("107.43"), Decimal("1.88")),
    }
    assert doc.computed_total == doc.total


def test_tax_rows_without_customer_levels_fall_back_to_their_position() -> None:
    doc = receivable(run(transactions=[invoice("115", ["-100"], [("A", "-10"), ("B", "-5")], taxableTotal="100")]))
    assert [(t.level, t.authority, t.base) for t in doc.taxes] == [(1, "A", Decimal(100)), (2, "B", Decimal(100))]


def test_line_taxable_levels_and_item_are_kept() -> None:
    tx = invoice("10", [])
    tx["detail"] = [
        {
            "accountNumber": "4200-30",
            "glTypeId": "RP",
            "total": "-10",
            "quantity": "-2",
            "item": {"identifier": "SWITCH24"},
            "taxLevels": [{"taxLevel": 1, "taxableFlag": True}, {"taxLevel": 3, "taxableFlag": False}],
        }
    ]
    line = receivable(run(transactions=[tx])).lines[0]
    assert (line.item, line.quantity, line.taxable_levels, line.gl_type) == (
        "SWITCH24",
        Decimal(2),
        frozenset({1}),
        "RP",
    )


def test_company_without_account_number_is_a_source_issue_naming_the_invoice() -> None:
    result = run(transactions=[invoice("10", ["-10"], companyAccountNumber="")])
    (issue,) = result.issues
    assert issue.code == "customer-account-missing"
    assert issue.source_ref == "invoice 10001"
    assert issue.document_key == "AR:10001"
    assert "Acme Corp" in issue.message
    assert issue.fix_in == "Manage"


def test_invoice_without_number_or_date_is_reported() -> None:
    result = run(transactions=[invoice("10", ["-10"], documentNumber="", documentDate=None)])
    assert codes(result) == ["document-number-missing", "date-missing"]
    assert result.issues[0].source_ref == "invoice 5001"


def test_currency_falls_back_to_the_customers() -> None:
    customer = {"accountNumber": "ACME", "currency": {"currencyCode": "CAD"}}
    doc = receivable(run(customers=[customer], transactions=[invoice("10", ["-10"], currency=None)]))
    assert doc.currency == "CAD"
    assert doc.customer.currency == "CAD"


# --- payables ---------------------------------------------------------------------------------------


def bill(total: str, lines: list[str], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 900,
        "documentNumber": "EXP-jsmith-20261015",
        "documentDate": "2026-10-15T00:00:00",
        "member": {"identifier": "jsmith", "name": "Jane Smith"},
        "vendorNumber": "EMP-JSMITH",
        "apAccountNumber": "2000-00",
        "currency": USD,
        "total": total,
        "detail": [
            {"id": [10 + i, 20 + i], "accountNumber": "5100-10", "memo": f"expense {i}", "total": amount}
            for i, amount in enumerate(lines)
        ],
    }
    data.update(extra)
    return data


def test_expense_bill_lines_written_with_the_headers_sign_stay_positive() -> None:
    doc = run(expenseBills=[bill("50.00", ["20.00", "30.00"])]).documents[0]
    assert isinstance(doc, PayableDocument)
    assert doc.kind is DocKind.AP_INVOICE
    assert [line.amount for line in doc.lines] == [Decimal("20.00"), Decimal("30.00")]
    assert doc.total == doc.computed_total == Decimal("50.00")
    assert doc.key == "AP:EMP-JSMITH:EXP-jsmith-20261015"
    assert doc.gl_entry_ids == (900, 10, 20, 11, 21)
    assert doc.vendor.is_member


def test_expense_bill_lines_written_against_the_header_are_flipped() -> None:
    doc = run(expenseBills=[bill("50.00", ["-20.00", "-30.00"])]).documents[0]
    assert isinstance(doc, PayableDocument)
    assert [line.amount for line in doc.lines] == [Decimal("20.00"), Decimal("30.00")]


def test_expense_bill_without_member_vendor_names_the_member() -> None:
    result = run(expenseBills=[bill("5", ["5"], vendorNumber="")])
    (issue,) = result.issues
    assert issue.code == "member-vendor-missing"
    assert issue.value == "jsmith"
    assert "jsmith" in issue.source_ref and "jsmith" in issue.hint


def purchase(
    total: str, lines: list[tuple[str, str, bool]], taxes: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "PO #PO-000070, Packing Slip: PS-70",
        "documentDate": "2026-10-13T00:00:00",
        "vendorInvoiceNumber": "INGRAM-88100",
        "vendorAccountNumber": "INGRAM",
        "company": {"id": 3, "name": "Ingram Micro"},
        "apAccountNumber": "2000-00",
        "currency": USD,
        "total": total,
        "purchaseHeaderTaxGroup": "ONTARIO",
        "memo": "PO #PO-000070",
        "purchaseDetail": [
            {
                "id": 1 + i,
                "accountNumber": account,
                "total": amount,
                "taxable": taxable,
                "memo": "PO #PO-000070",
                "description": f"item {i}",
            }
            for i, (account, amount, taxable) in enumerate(lines)
        ],
        "purchaseDetailTax": [
            {"id": 50 + i, "accountNumber": "2310-00", "glTypeId": "ST", "taxAgencyXref": agency, "total": amount}
            for i, (agency, amount) in enumerate(taxes)
        ],
    }
    data.update(extra)
    return data


def test_item_receipt_flips_lines_and_taxes_and_bases_tax_on_taxable_lines() -> None:
    rec = purchase("138.00", [("1300-00", "-100.00", True), ("5200-30", "-25.00", False)], [("HSTON", "-13.00")])
    doc = run(purchaseTransactions=[rec]).documents[0]
    assert isinstance(doc, PayableDocument)
    assert [(line.account, line.amount) for line in doc.lines] == [
        ("1300-00", Decimal("100.00")),
        ("5200-30", Decimal("25.00")),
    ]
    (tax,) = doc.taxes
    assert (tax.authority, tax.base, tax.amount) == ("HSTON", Decimal("100.00"), Decimal("13.00"))
    assert doc.total == doc.computed_total == Decimal("138.00")
    assert doc.po_number == "PO-000070"
    assert doc.key == "AP:INGRAM:INGRAM-88100"
    assert [line.description for line in doc.lines] == ["item 0", "item 1"]
    assert doc.gl_entry_ids == (1, 2, 50)


def test_item_receipt_written_with_the_headers_sign_keeps_it() -> None:
    rec = purchase("113.00", [("5000-30", "100.00", True)], [("HSTON", "13.00")])
    doc = run(purchaseTransactions=[rec]).documents[0]
    assert isinstance(doc, PayableDocument)
    assert doc.lines[0].amount == Decimal("100.00")
    assert doc.taxes[0].amount == Decimal("13.00")


def test_item_receipt_taxes_of_one_agency_are_summed() -> None:
    rec = purchase("120", [("1300-00", "-100", True)], [("HSTON", "-13"), ("HSTON", "-7")])
    doc = run(purchaseTransactions=[rec]).documents[0]
    assert isinstance(doc, PayableDocument)
    assert [(t.authority, t.amount) for t in doc.taxes] == [("HSTON", Decimal(20))]


def test_item_receipt_without_vendor_or_vendor_invoice_is_reported() -> None:
    rec = purchase("10", [("1300-00", "-10", False)], [], vendorAccountNumber="", vendorInvoiceNumber="")
    result = run(purchaseTransactions=[rec])
    assert codes(result) == ["vendor-xref-missing", "vendor-invoice-missing"]
    assert all(issue.source_ref == "item receipt PO-000070" for issue in result.issues)
    assert result.issues[0].value == "Ingram Micro"


# --- journals and inventory -------------------------------------------------------------------------


def test_journal_expense_keeps_manage_signs() -> None:
    expense = {
        "id": 77,
        "documentDate": "2026-09-14T00:00:00",
        "accountNumber": "5110-10",
        "memo": "Meals",
        "member": {"identifier": "jsmith"},
        "currency": {"currencyCode": "CAD"},
        "total": "66.86",
        "offset": {"id": 78, "accountNumber": "2100-00", "total": "-66.86"},
    }
    doc = run(expenses=[expense]).documents[0]
    assert isinstance(doc, JournalDocument)
    assert [(line.account, line.amount) for line in doc.lines] == [
        ("5110-10", Decimal("66.86")),
        ("2100-00", Decimal("-66.86")),
    ]
    assert doc.imbalance == 0
    assert (doc.key, doc.document_number, doc.currency, doc.gl_entry_ids) == ("GL:CW-E77", "CW-E77", "CAD", (77, 78))


def test_journal_expense_without_offset_is_reported() -> None:
    result = run(expenses=[{"id": 5, "accountNumber": "5110-10", "total": "1", "documentDate": "2026-09-01"}])
    assert codes(result) == ["offset-missing"]
    doc = result.documents[0]
    assert isinstance(doc, JournalDocument)
    assert doc.imbalance == Decimal("1.00")


def test_adjustment_cost_follows_the_quantity_sign() -> None:
    adjustment = {
        "id": "90935,90936,90937,90938",
        "documentDate": "2026-10-12T00:00:00",
        "adjustmentDescription": "Adjustment #909",
        "adjustmentDetail": [
            {
                "item": {"identifier": "PATCH10"},
                "quantity": "-6",
                "total": "7.50",
                "inventoryAccountNumber": "1300-00",
                "accountNumber": "5300-30",
            },
            {
                "item": {"identifier": "SWITCH24"},
                "quantity": "1",
                "total": "310",
                "inventoryAccountNumber": "1300-00",
                "accountNumber": "5300-30",
            },
        ],
    }
    doc = run(adjustmentTransactions=[adjustment]).documents[0]
    assert isinstance(doc, InventoryDocument)
    assert doc.kind is DocKind.IC_ADJUSTMENT
    assert [(line.quantity, line.cost, line.location) for line in doc.lines] == [
        (Decimal(-6), Decimal("-7.50"), "MAIN"),
        (Decimal(1), Decimal(310), "MAIN"),
    ]
    assert doc.key == "IC:CW-ADJ-90935"
    assert doc.gl_entry_ids == (90935, 90936, 90937, 90938)
    journal = doc.as_journal_lines()
    assert sum(line.amount for line in journal) == 0
    assert journal[0].account == "1300-00" and journal[0].amount == Decimal("-7.50")


def test_transfer_rows_are_grouped_by_transfer_id() -> None:
    def row(gl: str, item: str, total: str, offset_id: int) -> dict[str, Any]:
        return {
            "id": gl,
            "transferId": 914,
            "documentDate": "2026-10-11T00:00:00",
            "memo": "Transfer #914 MAIN to VAN1",
            "description": item,
            "item": {"identifier": item},
            "quantity": "1",
            "total": total,
            "inventoryAccountNumber": "1310-00",
            "transferFromLocationXref": "MAIN",
            "transferToLocationXref": "VAN1",
            "offset": {"id": offset_id, "accountNumber": "1300-00", "total": f"-{total}"},
        }

    result = run(inventoryTransfers=[row("1,2", "LAPTOP-X1", "1180", 2), row("3,4", "TONER-HP", "124.80", 4)])
    (doc,) = result.documents
    assert isinstance(doc, InventoryDocument)
    assert doc.kind is DocKind.IC_TRANSFER
    assert doc.key == "IC:CW-TRF-914"
    assert doc.description == "Transfer #914 MAIN to VAN1"
    assert doc.gl_entry_ids == (1, 2, 3, 4)
    assert [(line.item, line.from_location, line.location) for line in doc.lines] == [
        ("LAPTOP-X1", "MAIN", "VAN1"),
        ("TONER-HP", "MAIN", "VAN1"),
    ]
    assert sum(line.amount for line in doc.as_journal_lines()) == 0


def test_documents_come_in_export_order_by_kind() -> None:
    result = run(
        transactions=[invoice("1", ["-1"])],
        expenseBills=[bill("1", ["1"])],
        purchaseTransactions=[purchase("1", [("1300-00", "-1", False)], [])],
    )
    assert [doc.kind for doc in result.documents] == [DocKind.AR_INVOICE, DocKind.AP_INVOICE, DocKind.AP_INVOICE]
    assert result.issues == []
