"""Manage response/request models: Decimal money, dates, enums, aliases, readable SourceDataErrors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from cwsage import money
from cwsage.connectwise.models import (
    AccountingPackageSetup,
    CompanyInfo,
    CreateBatchRequest,
    ExportRequest,
    GLExport,
    GLExportAdjustmentTransaction,
    GLExportExpenseBillDetail,
    GLExportTransaction,
    InvoicePayment,
    InvoiceType,
    SummarizeInvoices,
    TaxCodeLevel,
    UnpostedExpense,
    UnpostedInvoice,
    UnpostedProcurement,
    parse_model,
)
from cwsage.errors import SourceDataError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manage"


def load_fixture(name: str) -> Any:
    return money.loads((FIXTURES / name).read_text(encoding="utf-8"))


UNPOSTED_INVOICE = {
    "id": 4711,
    "billingLogId": 4711,
    "locationId": 2,
    "location": {"id": 2, "name": "Toronto"},
    "company": {"id": 250, "identifier": "AcmeCorp", "name": "Acme Corp"},
    "accountNumber": "ACME001",
    "invoiceNumber": "10234",
    "invoiceDate": "2024-03-31T00:00:00Z",
    "invoiceType": "Standard",
    "dueDays": "30",
    "dueDate": "2024-04-30T00:00:00Z",
    "currency": {"id": 1, "currencyCode": "CAD", "numberOfDecimals": 2, "currencyIdentifier": "CAD"},
    "subTotal": Decimal("1500.00"),
    "total": Decimal("1695.00"),
    "stateTaxAmount": Decimal("195.00"),
    "countyTaxAmount": 0,
    "dateClosed": "2024-03-31T14:02:11Z",
    "_info": {"lastUpdated": "2024-03-31T14:02:11Z", "updatedBy": "jsmith"},
    "someFutureField": {"x": 1},
}


# -- GLExport fixture (reference §3.8) ------------------------------------------------------------------------


def test_glexport_fixture_parses_with_exact_decimals_and_negative_detail_lines() -> None:
    export = parse_model(GLExport, load_fixture("glexport_invoice.json"), source_ref="export S300-20240401-I")

    assert export.vendors == []
    assert export.expenses == []
    assert export.inventory_transfers == []
    assert not export.is_empty()
    (txn,) = export.transactions
    assert txn.id == 4711
    assert txn.document_number == "10234"
    assert txn.billing_type is InvoiceType.STANDARD
    assert txn.total == Decimal("1695.00")
    assert isinstance(txn.total, Decimal)
    assert txn.tax_group_rate == Decimal("0.13")
    assert txn.document_date == datetime(2024, 3, 31, tzinfo=UTC)  # no zone in the payload: read as UTC
    assert txn.gl_entry_id_list() == [91001, 91002, 91003]
    totals = [line.total for line in txn.detail]
    assert totals == [Decimal("-1200.00"), Decimal("-300.00"), Decimal("-195.00")]
    assert all(t is not None and t < 0 for t in totals)
    assert txn.total + sum(t for t in totals if t is not None) == 0  # the document balances
    product = txn.detail[1]
    assert product.item is not None
    assert product.item.identifier == "PATCH10"
    assert product.quantity == Decimal(-5)
    assert product.item_cost == Decimal("0.25")
    assert txn.detail[0].time_entry is not None
    assert txn.detail[0].time_entry.id == 77120
    assert txn.detail[2].tax_rate_percent == 13
    assert txn.tax_levels[0].taxable_amount == Decimal("1500.00")
    (customer,) = export.customers
    assert customer.account_number == "ACME001"
    assert customer.tax_group_rate is None
    assert customer.tax_levels[0].tax_rate == Decimal(13)
    assert export.export_settings == {}


def test_glexport_unknown_billing_type_names_the_document() -> None:
    data = load_fixture("glexport_invoice.json")
    data["transactions"][0]["billingType"] = "Weird"
    with pytest.raises(SourceDataError) as info:
        parse_model(GLExport, data, source_ref="export B1")
    message = info.value.user_message
    assert message.startswith("export B1, document 10234: transactions[0].billingType 'Weird' is not one")
    assert "expected one of" in message
    assert "'CreditMemo'" in message
    assert info.value.source_ref == "export B1, document 10234"


def test_glexport_text_amount_is_rejected_with_path() -> None:
    data = load_fixture("glexport_invoice.json")
    data["transactions"][0]["detail"][1]["total"] = "abc"
    with pytest.raises(SourceDataError, match=r"transactions\[0\]\.detail\[1\]\.total 'abc' cannot be read"):
        parse_model(GLExport, data, source_ref="export B1")


def test_null_and_missing_lists_become_empty() -> None:
    export = parse_model(GLExport, {"transactions": None, "customers": [{}]}, source_ref="x")
    assert export.transactions == []
    assert export.vendors == []
    assert export.customers[0].tax_levels == []
    assert export.is_empty()


# -- gl entry ids ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91001,91002", [91001, 91002]),
        (" 91001 , 91002 ,", [91001, 91002]),
        ("1,,2,2,1", [1, 2]),
        ("", []),
        (None, []),
        ("7", [7]),
    ],
)
def test_gl_entry_id_list_is_robust(raw: str | None, expected: list[int]) -> None:
    assert GLExportTransaction(gl_entry_ids=raw).gl_entry_id_list() == expected


@pytest.mark.parametrize("raw", ["91001;91002", "1,abc", "1.5", "-3", "0", "1 2"])
def test_gl_entry_id_list_rejects_junk_naming_the_invoice(raw: str) -> None:
    txn = GLExportTransaction(document_type="INVOICE", document_number="10234", gl_entry_ids=raw)
    with pytest.raises(SourceDataError, match=r"^invoice 10234: glEntryIds"):
        txn.gl_entry_id_list()


# -- unposted records ----------------------------------------------------------------------------------------


def test_unposted_invoice_parses_reference_example() -> None:
    inv = parse_model(UnpostedInvoice, UNPOSTED_INVOICE, source_ref="invoice 10234")
    assert inv.invoice_type is InvoiceType.STANDARD
    assert inv.due_days == "30"
    assert inv.total == Decimal("1695.00")
    assert inv.county_tax_amount == Decimal(0)
    assert inv.invoice_date == datetime(2024, 3, 31, tzinfo=UTC)
    assert inv.date_closed == datetime(2024, 3, 31, 14, 2, 11, tzinfo=UTC)
    assert inv.info["updatedBy"] == "jsmith"
    assert inv.currency is not None
    assert inv.currency.number_of_decimals == 2
    assert inv.city_tax_amount is None  # absent is fine


def test_unknown_invoice_type_is_a_source_data_error_naming_the_invoice() -> None:
    data = {**UNPOSTED_INVOICE, "invoiceType": "Weird"}
    with pytest.raises(SourceDataError) as info:
        parse_model(UnpostedInvoice, data, source_ref="invoice 10234")
    assert info.value.user_message.startswith(
        "invoice 10234: invoiceType 'Weird' is not one the program knows (expected one of 'Agreement'"
    )
    assert info.value.source_ref == "invoice 10234"


def test_enum_matching_ignores_case_and_blank_is_absent() -> None:
    assert parse_model(UnpostedInvoice, {"invoiceType": "creditmemo"}, source_ref="x").invoice_type is (
        InvoiceType.CREDIT_MEMO
    )
    assert parse_model(UnpostedInvoice, {"invoiceType": ""}, source_ref="x").invoice_type is None


@pytest.mark.parametrize("bad", ["abc", "12.50", True, 1.5, [1], {"a": 1}])
def test_amounts_are_strict(bad: object) -> None:
    with pytest.raises(SourceDataError, match=r"invoice 1: total"):
        parse_model(UnpostedInvoice, {"total": bad}, source_ref="invoice 1")


@pytest.mark.parametrize(("raw", "expected"), [(12, Decimal(12)), (Decimal("0.10"), Decimal("0.10")), (None, None)])
def test_amounts_accept_ints_and_decimals(raw: object, expected: Decimal | None) -> None:
    assert parse_model(UnpostedInvoice, {"total": raw}, source_ref="x").total == expected


def test_ints_and_bools_are_strict() -> None:
    with pytest.raises(SourceDataError, match="locationId"):
        parse_model(UnpostedInvoice, {"locationId": "2"}, source_ref="x")
    with pytest.raises(SourceDataError, match="locationId"):
        parse_model(UnpostedInvoice, {"locationId": True}, source_ref="x")
    with pytest.raises(SourceDataError, match="hasTime"):
        parse_model(UnpostedInvoice, {"hasTime": "true"}, source_ref="x")
    assert parse_model(UnpostedInvoice, {"locationId": Decimal("2.0")}, source_ref="x").location_id == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-31T00:00:00Z", datetime(2024, 3, 31, tzinfo=UTC)),
        ("2011-06-20T00:00:00", datetime(2011, 6, 20, tzinfo=UTC)),
        ("5/1/2014 5:21:58 AM", datetime(2014, 5, 1, 5, 21, 58, tzinfo=UTC)),
        ("5/1/2014 5:21:58 PM", datetime(2014, 5, 1, 17, 21, 58, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_manage_date_forms(raw: str | None, expected: datetime | None) -> None:
    assert parse_model(UnpostedProcurement, {"purchaseDate": raw}, source_ref="x").purchase_date == expected


def test_bad_date_names_field() -> None:
    with pytest.raises(SourceDataError, match=r"procurement 9: vendorInvoiceDate 'next tuesday' cannot be read"):
        parse_model(UnpostedProcurement, {"vendorInvoiceDate": "next tuesday"}, source_ref="procurement 9")


def test_unposted_expense_and_procurement_enums() -> None:
    exp = parse_model(UnpostedExpense, {"classification": "Reimbursable", "glType": "EE"}, source_ref="x")
    assert exp.classification == "Reimbursable"
    assert exp.gl_type == "EE"
    with pytest.raises(SourceDataError, match="procurementType 'Gift'"):
        parse_model(UnpostedProcurement, {"procurementType": "Gift"}, source_ref="procurement 902")


# -- aliases --------------------------------------------------------------------------------------------------


def test_odd_aliases() -> None:
    adj = parse_model(GLExportAdjustmentTransaction, {"glTypeID": "IA", "id": "ADJ-1"}, source_ref="x")
    assert adj.gl_type_id == "IA"
    pay = parse_model(
        InvoicePayment,
        {"aRPaymentAccount": "1100", "glBatchID": "B7", "source": "WisePay", "amount": Decimal("500.00"), "_info": {}},
        source_ref="x",
    )
    assert pay.ar_payment_account == "1100"
    assert pay.gl_batch_id == "B7"
    assert pay.source == "WisePay"
    setup = parse_model(AccountingPackageSetup, {"inventorySOHFlag": True, "invoiceFormat": "Detailed"}, source_ref="x")
    assert setup.inventory_soh_flag is True
    assert setup.invoice_format is SummarizeInvoices.DETAILED
    info = parse_model(CompanyInfo, {"Codebase": "v4_6_release/", "CompanyID": "acme"}, source_ref="x")
    assert info.codebase == "v4_6_release/"
    assert info.company_id == "acme"


def test_expense_bill_detail_id_is_a_list_of_ints() -> None:
    detail = parse_model(GLExportExpenseBillDetail, {"id": [5, 6], "total": Decimal("9.99")}, source_ref="x")
    assert detail.id == [5, 6]
    with pytest.raises(SourceDataError, match=r"id"):
        parse_model(GLExportExpenseBillDetail, {"id": [5, "x"]}, source_ref="x")


def test_rate_type_unknown() -> None:
    with pytest.raises(SourceDataError, match="rateType 'Fraction'"):
        parse_model(TaxCodeLevel, {"rateType": "Fraction"}, source_ref="tax code level 31")


def test_string_id_accepts_a_number() -> None:
    adj = parse_model(GLExportAdjustmentTransaction, {"id": 42}, source_ref="x")
    assert adj.id == "42"


# -- requests -------------------------------------------------------------------------------------------------


def test_export_request_payload() -> None:
    request = ExportRequest(
        batch_identifier="S300-20240401-I",
        thru_date=datetime(2024, 4, 1, tzinfo=UTC),
        location_id=2,
        summarize_invoices=SummarizeInvoices.DETAILED,
        export_invoices_flag=True,
        included_invoice_ids=[4711],
        export_expenses_flag=False,
        export_products_flag=False,
        included_product_ids=["902"],
    )
    assert request.to_payload() == {
        "batchIdentifier": "S300-20240401-I",
        "thruDate": "2024-04-01T00:00:00Z",
        "locationId": 2,
        "summarizeInvoices": "Detailed",
        "exportInvoicesFlag": True,
        "includedInvoiceIds": [4711],
        "exportExpensesFlag": False,
        "exportProductsFlag": False,
        "includedProductIds": ["902"],
    }


def test_export_request_date_and_validation() -> None:
    assert ExportRequest(thru_date=date(2024, 3, 31), export_products_flag=True).to_payload() == {
        "thruDate": "2024-03-31T00:00:00Z",
        "exportProductsFlag": True,
    }
    with pytest.raises(ValidationError, match="timezone-aware"):
        ExportRequest(thru_date=datetime(2024, 3, 31), export_invoices_flag=True)
    with pytest.raises(ValidationError, match="invoices, expenses or products"):
        ExportRequest(batch_identifier="x")
    with pytest.raises(ValidationError):
        ExportRequest(batch_identifier="x" * 51, export_invoices_flag=True)


def test_create_batch_request() -> None:
    request = CreateBatchRequest(
        batch_identifier="S300-20240401-I",
        export_invoices_flag=True,
        export_expenses_flag=False,
        export_products_flag=False,
        summarize_expenses=False,
        processed_record_ids=[91001, 91002, 91003],
    )
    assert request.to_payload() == {
        "batchIdentifier": "S300-20240401-I",
        "exportInvoicesFlag": True,
        "exportExpensesFlag": False,
        "exportProductsFlag": False,
        "summarizeExpenses": False,
        "processedRecordIds": [91001, 91002, 91003],
    }
    with pytest.raises(ValidationError):
        CreateBatchRequest(batch_identifier="B", export_invoices_flag=True, processed_record_ids=[])
    with pytest.raises(ValidationError):
        CreateBatchRequest(batch_identifier="B" * 51, export_invoices_flag=True, processed_record_ids=[1])
    with pytest.raises(ValidationError):
        CreateBatchRequest(batch_identifier="B", processed_record_ids=[1])
    with pytest.raises(ValidationError):
        CreateBatchRequest(batch_identifier="  ", export_invoices_flag=True, processed_record_ids=[1])
