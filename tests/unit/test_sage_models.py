"""Sage 300 payload and response models: aliases, exact money, Sage dates, tolerance of extra fields."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from cwsage import money
from cwsage.sage300.models import (
    APInvoice,
    APInvoiceBatch,
    APInvoiceDetail,
    ARAppliedReceipt,
    ARCustomer,
    ARDocumentType,
    ARInvoice,
    ARInvoiceBatch,
    ARInvoiceDetail,
    ARPostedDocument,
    ARReceipt,
    ARReceiptBatch,
    ARReceiptTransactionType,
    BatchStatus,
    Company,
    CompanyProfile,
    DocumentLocation,
    DocumentPlace,
    FiscalCalendar,
    GLAccount,
    GLJournalBatch,
    GLJournalDetail,
    GLJournalHeader,
    ICAdjustment,
    ICAdjustmentDetail,
    ICAdjustmentType,
    ICTransfer,
    ICTransferDetail,
    OptionalField,
    TaxAmountControl,
    TaxClass,
    YesNo,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sage300"


def load(name: str) -> object:
    return money.loads((FIXTURES / name).read_text())


def ar_batch_with_credit_note() -> ARInvoiceBatch:
    return ARInvoiceBatch(
        description="CW run 7 batch B-42",
        batch_date=date(2024, 1, 31),
        invoices=[
            ARInvoice(
                customer_number="ACME01",
                document_number="CW-100234",
                document_type=ARDocumentType.INVOICE,
                invoice_description="Managed services Jan",
                po_number="PO-7781",
                document_date=date(2024, 1, 31),
                posting_date=date(2024, 1, 31),
                terms="NET30",
                tax_group="ONTARIO",
                tax_amount_control=TaxAmountControl.ENTER,
                tax_authority_1="ONTHST",
                tax_class_1=1,
                tax_base_1=Decimal("1234.50"),
                tax_amount_1=Decimal("160.49"),
                document_total_before_tax=Decimal("1234.50"),
                invoice_details=[
                    ARInvoiceDetail(
                        line_number=20,
                        distribution_code="MSP",
                        description="Managed services",
                        extended_amount_with_tip=Decimal("1234.50"),
                        tax_class_1=1,
                    )
                ],
                invoice_optional_fields=[OptionalField(optional_field="CWINVOICEID", value="100234")],
            ),
            ARInvoice(
                customer_number="BETA02",
                document_number="CW-100235C",
                document_type=ARDocumentType.CREDIT_NOTE,
                apply_to_document="CW-100101",
                document_date=date(2024, 1, 31),
                currency_code="USD",
                rate_type="SP",
                rate_date=date(2024, 1, 30),
                exchange_rate=Decimal("1.3512000"),
                rate_overridden=YesNo.YES,
                invoice_details=[ARInvoiceDetail(distribution_code="MSP", extended_amount_with_tip=Decimal("100.00"))],
            ),
        ],
    )


def test_ar_batch_payload_uses_sage_names_dates_and_exact_decimals() -> None:
    payload = ar_batch_with_credit_note().to_payload()
    assert payload["BatchDate"] == "2024-01-31T00:00:00Z"
    assert payload["Description"] == "CW run 7 batch B-42"
    assert "BatchNumber" not in payload  # None values are left out: Sage assigns it
    invoice, credit = payload["Invoices"]
    assert invoice["PONumber"] == "PO-7781"
    assert invoice["DocumentType"] == "Invoice"
    assert invoice["InvoiceType"] == "Summary"
    assert invoice["TaxAmountControl"] == "Enter"
    assert invoice["TaxAuthority1"] == "ONTHST"
    assert invoice["TaxClass1"] == 1
    assert invoice["TaxBase1"] == Decimal("1234.50")
    assert isinstance(invoice["TaxAmount1"], Decimal)
    assert invoice["DocumentTotalBeforeTax"] == Decimal("1234.50")
    assert invoice["InvoiceDetails"][0] == {
        "LineNumber": 20,
        "DistributionCode": "MSP",
        "Description": "Managed services",
        "ExtendedAmountWithTIP": Decimal("1234.50"),
        "TaxClass1": 1,
    }
    assert invoice["InvoiceOptionalFields"] == [{"OptionalField": "CWINVOICEID", "Value": "100234"}]
    assert credit["DocumentType"] == "CreditNote"
    assert credit["ApplytoDocument"] == "CW-100101"
    assert credit["RateDate"] == "2024-01-30T00:00:00Z"
    assert credit["RateOverridden"] == "Yes"
    assert "InvoiceOptionalFields" not in credit

    text = money.dumps(payload)
    assert '"ExtendedAmountWithTIP": 1234.50' in text
    assert '"TaxAmount1": 160.49' in text
    assert '"ExchangeRate": 1.3512000' in text
    assert '"DocumentDate": "2024-01-31T00:00:00Z"' in text
    # and back: nothing went through float
    assert money.loads(text)["Invoices"][0]["TaxBase1"] == Decimal("1234.50")


def test_ar_batch_response_parses_with_decimals_dates_and_extra_fields() -> None:
    batch = ARInvoiceBatch.model_validate(load("ar_invoice_batch_created.json"))
    assert batch.batch_number == 1187
    assert batch.batch_status is BatchStatus.OPEN
    assert batch.batch_total == Decimal("1550.0")
    assert batch.number_of_entries == 2
    assert batch.batch_date == date(2024, 1, 31)
    first, credit = batch.invoices
    assert first.entry_number == 1
    assert first.due_date == date(2024, 3, 1)
    assert first.document_total_including_tax == Decimal("1864.5")
    assert first.invoice_details[0].extended_amount_with_tip == Decimal("1200.0")
    assert first.warnings == []
    assert credit.document_type is ARDocumentType.CREDIT_NOTE
    assert credit.apply_to_document == "CW-100101"
    assert credit.document_total_before_tax == Decimal("100.0")


def test_floats_are_refused_for_money() -> None:
    with pytest.raises(ValidationError):
        ARInvoiceDetail(extended_amount_with_tip=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        GLJournalDetail.model_validate({"AccountNumber": "4000", "Amount": 1.5})


def test_unknown_document_type_is_rejected() -> None:
    with pytest.raises(ValidationError):
        ARInvoice.model_validate({"CustomerNumber": "A", "DocumentType": "Interest"})


def test_ap_names_differ_from_ar() -> None:
    batch = APInvoiceBatch(
        description="AP",
        invoices=[
            APInvoice(
                vendor_number="DELL01",
                document_number="INV-88231",
                document_type="Interest",  # type: ignore[arg-type]
                po_number="5512",
                document_total_before_taxes=Decimal("2000.00"),
                document_total_including_tax=Decimal("2260.00"),
                invoice_details=[
                    APInvoiceDetail(
                        gl_account="5100",
                        distribution_description="Hardware COGS",
                        distributed_amount=Decimal("2000.00"),
                        distributed_amount_before_taxes=Decimal("2000.00"),
                        tax_class_1=1,
                    )
                ],
            )
        ],
    )
    invoice = batch.to_payload()["Invoices"][0]
    assert invoice["DocumentTotalBeforeTaxes"] == Decimal("2000.00")
    assert "DocumentTotalBeforeTax" not in invoice
    assert invoice["DocumentType"] == "Interest"
    assert invoice["PONumber"] == "5512"
    assert invoice["InvoiceDetails"][0]["GLAccount"] == "5100"
    assert invoice["InvoiceDetails"][0]["DistributedAmountBeforeTaxes"] == Decimal("2000.00")


def test_gl_batch_signed_amounts_and_names() -> None:
    batch = GLJournalBatch(
        description="CW expenses",
        journal_headers=[
            GLJournalHeader(
                source_ledger="GL",
                source_type="JE",
                description="Expense 3301",
                posting_date=date(2024, 1, 31),
                document_number="CW-EXP-3301",
                reference="CW-EXP-3301",
                journal_details=[
                    GLJournalDetail(account_number="6100", amount=Decimal("150.25"), journal_date=date(2024, 1, 31)),
                    GLJournalDetail(account_number="2100", amount=Decimal("-150.25"), comment="offset"),
                ],
            )
        ],
    )
    payload = batch.to_payload()
    header = payload["JournalHeaders"][0]
    assert header["PostingDate"] == "2024-01-31T00:00:00Z"
    assert [d["Amount"] for d in header["JournalDetails"]] == [Decimal("150.25"), Decimal("-150.25")]
    assert header["JournalDetails"][0]["JournalDate"] == "2024-01-31T00:00:00Z"
    assert header["JournalDetails"][1]["Comment"] == "offset"
    back = GLJournalBatch.model_validate(
        {"BatchNumber": "000245", "Status": "Open", "JournalHeaders": [{"BatchNumber": "000245", "EntryNumber": 1}]}
    )
    assert back.batch_number == "000245"
    assert back.status is BatchStatus.OPEN


def test_ic_documents() -> None:
    adjustment = ICAdjustment(
        description="CW consumption",
        adjustment_date=date(2024, 1, 31),
        reference="CW-ADJ-1",
        adjustment_details=[
            ICAdjustmentDetail(
                item_number="A1-103/0",
                location="1",
                transaction_type=ICAdjustmentType.BOTH_INCREASE,
                quantity=Decimal(2),
                unit_cost=Decimal("12.50"),
            )
        ],
    )
    payload = adjustment.to_payload()
    assert payload["AdjustmentDate"] == "2024-01-31T00:00:00Z"
    assert payload["AdjustmentDetails"][0]["TransactionType"] == "BothIncrease"
    assert payload["AdjustmentDetails"][0]["UnitCost"] == Decimal("12.50")
    transfer = ICTransfer(
        transfer_date=date(2024, 1, 31),
        reference="CW-TR-1",
        transfer_details=[
            ICTransferDetail(item_number="A1", from_location="1", to_location="VAN2", quantity=Decimal(5))
        ],
    )
    detail = transfer.to_payload()["TransferDetails"][0]
    assert detail == {"ItemNumber": "A1", "FromLocation": "1", "ToLocation": "VAN2", "Quantity": Decimal(5)}
    read = ICAdjustment.model_validate({"SequenceNumber": 17, "RecordStatus": "Entered", "AdjustmentNumber": "AD0001"})
    assert read.sequence_number == 17


def test_receipt_batch_payload() -> None:
    batch = ARReceiptBatch(
        batch_date=date(2024, 2, 20),
        description="payments",
        receipts_adjustments=[
            ARReceipt(
                customer_number="ACME01",
                document_date=date(2024, 2, 20),
                check_receipt_no="CHK1",
                bank_receipt_amount=Decimal("100.00"),
                customer_receipt_amount=Decimal("100.00"),
                applied_receipts_adjustments=[
                    ARAppliedReceipt(document_number="CW-1", applied_amount=Decimal("100.00"))
                ],
            ),
            ARReceipt(
                customer_number="ACME01",
                transaction_type=ARReceiptTransactionType.APPLY_DOCUMENT,
                apply_to="CW-CN-1",
                applied_receipts_adjustments=[ARAppliedReceipt(document_number="CW-1", applied_amount=Decimal("5"))],
            ),
        ],
    )
    payload = batch.to_payload()
    assert payload["BatchRecordType"] == "CA"
    receipt, apply_doc = payload["ReceiptsAdjustments"]
    assert receipt["TransactionType"] == "Receipt"
    assert receipt["CheckReceiptNo"] == "CHK1"
    assert receipt["AppliedReceiptsAdjustments"] == [{"DocumentNumber": "CW-1", "AppliedAmount": Decimal("100.00")}]
    assert apply_doc["TransactionType"] == "ApplyDocument"
    assert apply_doc["ApplyTo"] == "CW-CN-1"


def test_master_data_aliases() -> None:
    assert Company.model_validate({"CompanyID": "CWDEMO", "CompanyName": "Demo"}).company_id == "CWDEMO"
    profile = CompanyProfile.model_validate({"CompanyID": "CWDEMO", "HomeCurrency": "USD", "Multicurrency": "Yes"})
    assert profile.multicurrency is YesNo.YES
    tax_class = TaxClass.model_validate({"TaxAuthority": "ONTHST", "TransactionType": "Sales", "Class": 2})
    assert tax_class.tax_class == 2
    account = GLAccount.model_validate(
        {
            "UnformattedAccount": "41000",
            "AccountNumber": "4100-0",
            "Status": "Inactive",
            "NormalBalanceDRCR": "Credit",
            "Unknown": [1, 2],
        }
    )
    assert account.normal_balance_drcr == "Credit"
    assert not account.active
    customer = ARCustomer(
        customer_number="ACME01", customer_name="Acme", group_code="RTL", tax_class_code_1=1, address_line_1="1 Main St"
    )
    assert customer.to_payload() == {
        "CustomerNumber": "ACME01",
        "CustomerName": "Acme",
        "GroupCode": "RTL",
        "AddressLine1": "1 Main St",
        "TaxClassCode1": 1,
    }


def test_posted_document_from_fixture() -> None:
    body = load("ar_posted_documents.json")
    assert isinstance(body, dict)
    doc = ARPostedDocument.model_validate(body["value"][0])
    assert doc.is_fully_paid
    assert doc.date_paid == date(2024, 2, 20)
    assert doc.cust_currency_invoice_amount == Decimal("1864.5")
    assert doc.cust_currency_amount_due == Decimal("0.0")
    assert not ARPostedDocument(customer_number="A", document_number="B", fully_paid="No").is_fully_paid


def test_fiscal_calendar_period_for() -> None:
    calendar = FiscalCalendar.model_validate(load("fiscal_calendar_2026.json"))
    assert len(calendar.periods) == 12
    assert calendar.period_for(date(2026, 1, 15)) == (1, False)  # locked
    assert calendar.period_for(date(2026, 2, 28)) == (2, True)
    assert calendar.period_for(date(2026, 12, 31)) == (12, True)
    assert calendar.period_for(date(2027, 1, 1)) is None
    inactive = calendar.model_copy(update={"active": YesNo.NO})
    assert inactive.period_for(date(2026, 2, 1)) == (2, False)


@pytest.mark.parametrize(
    ("location", "text"),
    [
        (
            DocumentLocation("AR", "CW-1", DocumentPlace.OPEN_BATCH, "12", 3, "ACME01"),
            "AR invoice batch 12 (open), entry 3, customer ACME01",
        ),
        (
            DocumentLocation("AP", "INV-9", DocumentPlace.READY_BATCH, "7", 1),
            "AP invoice batch 7 (ready to post), entry 1",
        ),
        (
            DocumentLocation("AR", "CW-2", DocumentPlace.POSTED, "1100", 4),
            "AR document CW-2 (posted from batch 1100, entry 4)",
        ),
        (DocumentLocation("GL", "CW-EXP-1", DocumentPlace.POSTED), "GL document CW-EXP-1 (posted)"),
        (
            DocumentLocation("IC", "CW-ADJ-1", DocumentPlace.ENTERED, "17", kind="adjustment"),
            "IC adjustment 17 (entered), reference CW-ADJ-1",
        ),
    ],
)
def test_document_location_describe(location: DocumentLocation, text: str) -> None:
    assert location.describe() == text
    assert location.posted is (location.where is DocumentPlace.POSTED)


def test_payload_json_is_plain_json() -> None:
    text = money.dumps(ar_batch_with_credit_note().to_payload())
    assert json.loads(text)["Invoices"][1]["ApplytoDocument"] == "CW-100101"
