"""Every sample POST body of Sage's SDK (PL) for a resource the emulator serves is accepted.

Each body below is written from ``shared/reference/sage300-sdk-facts.md`` §3: the property names, nesting
and JSON types exactly as Sage's sample has them (ints stay ints, ``number`` s carry a fraction, enum
spellings as Sage wrote them). Only values that name master data of Sage's sample company (customer
``1400``, distribution code ``CACCSE``, location ``1`` …) are replaced by the demo company's, so that the
business rules have something real to check; a few records a sample needs first are created by ``setup``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from .conftest import decoded, error_of, wire

DAY = "2026-09-30T00:00:00Z"
DUE = "2026-10-30T00:00:00Z"


def _ap_invoice(document_type: str, number: str, status: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"BatchNumber": 0, "BatchDate": DAY}
    if status:
        body["BatchStatus"] = "Open"
    body.update(
        {
            "Description": "TEST WEBAPI",
            "Invoices": [
                {
                    "BatchNumber": 0,
                    "EntryNumber": 1,
                    "VendorNumber": "DELL",
                    "DocumentNumber": number,
                    "DocumentType": document_type,
                    "InvoiceDescription": f"{document_type} DESCRIPTION1",
                    "DocumentDate": DAY,
                    "DueDate": DUE,
                    "DocumentTotalIncludingTax": Decimal("100.00"),
                    "InvoiceDetails": [
                        {
                            "BatchNumber": 0,
                            "EntryNumber": 1,
                            "LineNumber": 1,
                            "DistributionCode": "INV",
                            "DistributedAmount": 100,
                        }
                    ],
                }
            ],
        }
    )
    return body


SAMPLES: dict[str, tuple[str, dict[str, Any], list[tuple[str, dict[str, Any]]]]] = {
    "AP/APAccountSets_CAD": (
        "AP/APAccountSets",
        {
            "AccountSetCode": "ACCTX",
            "Description": "Account set CAD",
            "PayablesControlAccount": "2000-00",
            "DiscountsAccount": "5400-10",
            "PrepaymentAccount": "1200-00",
            "CurrencyCodeForAccount": "CAD",
            "RetainageAccount": "2000-00",
        },
        [],
    ),
    "AP/APAccountSets_USD": (
        "AP/APAccountSets",
        {
            "AccountSetCode": "ACCUSA",
            "Description": "Account set USD",
            "PayablesControlAccount": "2000-00",
            "DiscountsAccount": "5400-10",
            "PrepaymentAccount": "1200-00",
            "CurrencyCodeForAccount": "USD",
            "UnrealizedExchangeGainAccount": "4300-10",
            "UnrealizedExchangeLossAccount": "5400-10",
            "ExchangeGainAccount": "4300-10",
            "ExchangeLossAccount": "5400-10",
            "RetainageAccount": "2000-00",
            "ExchangeRoundingAccount": "5400-10",
        },
        [],
    ),
    "AP/APDistributionCodes": (
        "AP/APDistributionCodes",
        {"DistributionCodeKey": "INV2", "Description": "Inventory 2", "GLAccount": "1300-00", "Discountable": "Yes"},
        [],
    ),
    "AP/APInvoiceBatches_CreditNote": ("AP/APInvoiceBatches", _ap_invoice("CreditNote", "APCN109-01C", False), []),
    "AP/APInvoiceBatches_DebitNote": ("AP/APInvoiceBatches", _ap_invoice("DebitNote", "APDN109-01C", False), []),
    "AP/APInvoiceBatches_Invoice": ("AP/APInvoiceBatches", _ap_invoice("Invoice", "APINV109-01C", True), []),
    "AP/APTerms": (
        "AP/APTerms",
        {
            "TermsCode": "2N31",
            "Description": "2% 10, net 31",
            "UsePaymentSchedule": "No",
            "CalculationBaseForDiscountwithTax": "Excluded",
            "MethodOfCalcForDiscountDate": "DaysFromInvoiceDate",
            "MethodOfCalcForDueDate": "DaysFromInvoiceDate",
            "NumberOfPayments": 1,
            "TotalPercentageDue": 100,
            "TermsPaymentSchedule": [
                {
                    "TermsCode": "2N31",
                    "PaymentNumber": 1,
                    "PercentageDue": 100,
                    "DiscountPercent": 2,
                    "DiscountNumberOfDays": 10,
                    "DiscountDayOfMonth": 0,
                    "DueNumberOfDays": 31,
                    "DueDayOfMonth": 0,
                }
            ],
        },
        [],
    ),
    "AP/APVendorGroups": (
        "AP/APVendorGroups",
        {
            "GroupCode": "INVX",
            "Description": "Inventory vendors",
            "AccountSet": "USD",
            "CurrencyCode": "USD",
            "RateType": "SP",
            "BankCode": "CCB",
            "PrintSeparateChecks": "No",
            "DistributionSet": "",
            "DistributionCode": "",
            "GeneralLedgerAccountNumber": "1300-00",
            "Terms": "NET30",
            "DuplicateAmountCode": "None",
            "DuplicateDateCode": "None",
            "TaxGroup": "EXEMPT",
            "PaymentCode": "CHECKCAD",
            "DistributionType": "GLAccount",
        },
        [],
    ),
    "AP/APVendors": (
        "AP/APVendors",
        {
            "VendorNumber": "1401",
            "ShortName": "1401",
            "GroupCode": "USD",
            "OnHold": "NotOnHold",
            "VendorName": "1401 Name",
        },
        [],
    ),
    "AR/ARCustomerGroups": (
        "AR/ARCustomerGroups",
        {
            "GroupCode": "WHL2",
            "Description": "Wholesale 2",
            "AccountSet": "USD",
            "BillingCycle": "BILLMT",
            "InterestProfile": "INTWHS",
            "AccountType": "OpenItem",
            "Terms": "NET30",
            "AllowEditOfCreditLimit": "Yes",
            "CreditLimit1Currency": "USD",
            "CreditLimit1Amount": 5000,
        },
        [],
    ),
    "AR/ARCustomers": (
        "AR/ARCustomers",
        {
            "CustomerNumber": "1501",
            "ShortName": "1501",
            "GroupCode": "USD",
            "NationalAccount": "",
            "Status": "Active",
            "OnHold": "No",
            "CustomerName": "Customer 1501",
            "AccountSet": "USD",
            "BillingCycle": "BILLMT",
            "InterestProfile": "INTWHS",
            "CurrencyCode": "USD",
            "PrintStatements": "Yes",
            "AccountType": "OpenItem",
            "Terms": "NET30",
            "TaxGroup": "CHICAGO",
            "CreditLimitCustomerCurrency": 10000,
            "CustomerPriceList": "WHS",
        },
        [],
    ),
    "AR/ARInvoiceBatches": (
        "AR/ARInvoiceBatches",
        {
            "BatchNumber": 0,
            "BatchDate": DAY,
            "BatchStatus": "Open",
            "Description": "TEST WEBAPI",
            "Invoices": [
                {
                    "BatchNumber": 0,
                    "EntryNumber": 1,
                    "CustomerNumber": "LAKESHORE",
                    "DocumentType": "Invoice",
                    "DocumentDate": DAY,
                    "DueDate": DUE,
                    "InvoiceType": "Summary",
                    "InvoiceDetails": [
                        {
                            "BatchNumber": 0,
                            "EntryNumber": 1,
                            "LineNumber": 1,
                            "DistributionCode": "SVC",
                            "ExtendedAmountWithTIP": 100,
                        }
                    ],
                    "InvoicePaymentSchedules": [
                        {"BatchNumber": 0, "EntryNumber": 1, "PaymentNumber": 1, "AmountDue": 100, "DueDate": DUE}
                    ],
                }
            ],
        },
        [],
    ),
    "AR/ARReceiptAndAdjustmentBatches_Adjustment": (
        "AR/ARReceiptAndAdjustmentBatches",
        {
            "BatchRecordType": "AD",
            "BatchNumber": 0,
            "BatchDate": DAY,
            "Description": "test adjustment webapi",
            "ReceiptsAdjustments": [
                {
                    "BatchType": "AD",
                    "BatchNumber": 0,
                    "EntryNumber": 1,
                    "CustomerNumber": "WINDYCITY",
                    "ReceiptDateAdjustmentDate": DAY,
                    "EntryDescription": "webapi",
                    "EntryReference": "",
                    "AppliedReceiptsAdjustments": [
                        {
                            "BatchType": "AD",
                            "BatchNumber": 0,
                            "EntryNumber": 1,
                            "LineNumber": 1,
                            "CustomerNumber": "WINDYCITY",
                            "DocumentNumber": "A0802",
                            "PaymentNumber": 1,
                            "Description": "",
                            "Reference": "",
                            "AdjustmentGLDistributions": [
                                {
                                    "BatchType": "AD",
                                    "BatchNumber": 0,
                                    "EntryNumber": 1,
                                    "LineNumber": 1,
                                    "SequenceNumber": 1,
                                    "TransactionType": 1,
                                    "DistributionAmount": 10,
                                    "DistributionCode": "MISC",
                                    "DistributionGLAccount": "4300-10",
                                }
                            ],
                        }
                    ],
                }
            ],
        },
        [],
    ),
    "AR/ARReceiptAndAdjustmentBatches_Prepayment": (
        "AR/ARReceiptAndAdjustmentBatches",
        {
            "BatchRecordType": "CA",
            "BatchNumber": 0,
            "BatchDate": DAY,
            "Description": "prepay",
            "NumberOfEntries": 1,
            "BankCode": "BANK",
            "DefaultBankCurrency": "USD",
            "ReceiptsAdjustments": [
                {
                    "BatchType": "CA",
                    "BatchNumber": 0,
                    "EntryNumber": 1,
                    "CustomerNumber": "WINDYCITY",
                    "ReceiptDateAdjustmentDate": DAY,
                    "EntryDescription": "1",
                    "EntryReference": "",
                    "BankReceiptAmount": 100,
                    "CustomerReceiptAmount": 100,
                    "TotalCustomerAmountApplied": 100,
                    "ReceiptTransactionType": "Prepayment",
                    "CustomerUnappliedAmount": 0,
                    "AppliedReceiptsAdjustments": [
                        {
                            "BatchType": "CA",
                            "BatchNumber": 0,
                            "EntryNumber": 1,
                            "LineNumber": 1,
                            "CustomerNumber": "WINDYCITY",
                            "PaymentNumber": 1,
                            "CustomerReceiptAmount": 100,
                        }
                    ],
                }
            ],
        },
        [],
    ),
    "AR/ARTerms": (
        "AR/ARTerms",
        {
            "TermsCode": "2N31",
            "Description": "2% - 10 days, Net 31",
            "UsePaymentSchedule": "No",
            "CalculationBaseForDiscountwithTax": "Excluded",
            "DiscountType": "DaysFromInvoiceDate",
            "DueDateType": "DaysFromInvoiceDate",
            "NumberOfPayments": 1,
            "TotalPercentDue": 100,
            "TermsPaymentSchedules": [
                {
                    "TermsCode": "2N31",
                    "PaymentNumber": 1,
                    "PercentDue": 100,
                    "DiscountPercent": 2,
                    "DiscountNumberOfDays": 10,
                    "DiscountDayOfMonth": 0,
                    "DueNumberOfDays": 31,
                    "DueDayOfMonth": 0,
                }
            ],
        },
        [],
    ),
    "CS/CSCurrencyCodes": (
        "CS/CSCurrencyCodes",
        {
            "CurrencyCodeKey": "US2",
            "Description": "U.S. Dollars 2",
            "Symbol": "$",
            "DecimalPlaces": "Num2",
            "SymbolPosition": "Beforewithspace",
            "ThousandsSeparator": "Comma",
            "DecimalSeparator": "Period",
            "NegativeDisplay": "Brackets",
        },
        [],
    ),
    "CS/CSCurrencyRateTypes": (
        "CS/CSCurrencyRateTypes",
        {"RateTypeKey": "01", "Description": "Daily spot rate 01"},
        [],
    ),
    "CS/CSCurrencyRates": (
        "CS/CSCurrencyRates",
        {
            "ToCurrency": "USD",
            "RateType": "01",
            "TableDescription": "Currency rate table",
            "DateMatching": "Earlier",
            "RateOperation": "Multiply",
            "SourceOfRates": "National Post",
            "CurrencyRateDetail": [
                {
                    "ToCurrency": "USD",
                    "RateType": "01",
                    "FromCurrency": "CAD",
                    "RateDate": DAY,
                    "Rate": Decimal("0.7352"),
                }
            ],
        },
        [("CS/CSCurrencyRateTypes", {"RateTypeKey": "01", "Description": "Daily spot rate 01"})],
    ),
    "GL/GLAccounts": (
        "GL/GLAccounts",
        {
            "UnformattedAccount": "9991",
            "Description": "9991",
            "AccountType": "BalanceSheet",
            "NormalBalanceDRCR": "Credit",
            "Status": "Active",
            "StructureCode": "ACC",
            "AccountGroupCode": "22",
        },
        [],
    ),
    "GL/GLAccounts_Multicurrency": (
        "GL/GLAccounts",
        {
            "UnformattedAccount": "9991",
            "Description": "9991",
            "AccountType": "IncomeStatement",
            "NormalBalanceDRCR": "Debit",
            "Status": "Active",
            "PostToAccount": "Detail",
            "QuantitiesAllowed": "No",
            "UnitOfMeasure": "",
            "AllocationsAllowed": "NoAllocation",
            "AllocOffsetAccount": "",
            "AllocSourceType": "",
            "Multicurrency": "Yes",
            "SpecificCurrency": "SpecificCurrencies",
            "ControlAccount": "No",
            "AllocationPercentTotal": 0,
            "StructureCode": "ACC",
            "DefaultCurrencyCode": "CAD",
            "AccountGroupCode": "22",
            "RollupSwitch": "No",
            "AccountValidCurrencies": [
                {
                    "AccountNumber": "9991",
                    "CurrencyCode": "CAD",
                    "RevaluationSwitch": "Donotrevalue",
                    "RevaluationCode": "",
                }
            ],
            "ControlAccountSubledgers": [],
        },
        [],
    ),
    "GL/GLJournalBatches": (
        "GL/GLJournalBatches",
        {
            "BatchNumber": "000490",
            "Status": "Open",
            "Description": "gl journal entry",
            "JournalHeaders": [
                {
                    "BatchNumber": "000490",
                    "EntryNumber": "00001",
                    "SourceLedger": "GL",
                    "SourceType": "JE",
                    "Description": "entry 1",
                    "DocumentDate": DAY,
                    "JournalDetails": [
                        {
                            "BatchNumber": "000490",
                            "EntryNumber": "00001",
                            "TransactionNumber": "0000000020",
                            "AccountNumber": "5100-10",
                            "Amount": 100,
                            "SourceCurrencyAmount": 100,
                            "Description": "desc",
                            "Reference": "ref",
                        },
                        {
                            "BatchNumber": "000490",
                            "EntryNumber": "00001",
                            "TransactionNumber": "0000000040",
                            "AccountNumber": "2100-00",
                            "Amount": -100,
                            "SourceCurrencyAmount": -100,
                            "Description": "desc",
                            "Reference": "ref",
                        },
                    ],
                }
            ],
        },
        [],
    ),
    "GL/GLSourceCodes": ("GL/GLSourceCodes", {"SourceLedger": "GL", "SourceType": "01", "Description": "G/L 01"}, []),
    "IC/ICAdjustments": (
        "IC/ICAdjustments",
        {
            "SequenceNumber": 0,
            "Description": "webapi",
            "AdjustmentDate": DAY,
            "RecordStatus": "Entered",
            "Reference": "webapi",
            "AdjustmentDetails": [
                {
                    "SequenceNumber": 0,
                    "LineNumber": 1,
                    "ItemNumber": "LAPTOP-X1",
                    "Location": "MAIN",
                    "TransactionType": "BothIncrease",
                    "Quantity": 2,
                    "UnitOfMeasure": "Each",
                    "CostAdjustment": 2360,
                    "Comments": "comment detail",
                }
            ],
        },
        [],
    ),
    "IC/ICItems": (
        "IC/ICItems",
        {
            "UnformattedItemNumber": "ITEM51",
            "Description": "ITEM51",
            "StructureCode": "LONG",
            "Category": "A1",
            "AccountSetCode": "AVG",
            "StockItem": True,
            "StockingUnitOfMeasure": "Ea",
            "DefaultPriceListCode": "RTL",
            "UnitWeight": 1,
            "KittingItem": False,
            "WeightUnitOfMeasure": "lbs.",
            "ItemUnitsOfMeasure": [
                {"ItemNumber": "ITEM51", "UnitOfMeasure": "2's", "ConversionFactor": 2, "FACTOR": 2}
            ],
        },
        [],
    ),
    "IC/ICLocations": (
        "IC/ICLocations",
        {"LocationKey": "LOCA1", "Name": "Location A1", "LocationType": "Physical"},
        [],
    ),
    "IC/ICTransfers": (
        "IC/ICTransfers",
        {
            "SequenceNumber": 0,
            "Description": "transit transfer",
            "DocumentDate": DAY,
            "Reference": "webapi",
            "AdditionalCost": 0,
            "ProrationMethod": "ProratebyQuantity",
            "RecordStatus": "Entered",
            "DocumentType": "TransitTransfer",
            "TransferDetails": [
                {
                    "SequenceNumber": 0,
                    "LineNumber": 1,
                    "ItemNumber": "PATCH10",
                    "FromLocation": "MAIN",
                    "ToLocation": "VAN1",
                    "QuantityTransferred": 5,
                    "UnitOfMeasure": "Each",
                    "Comments": "comment detail 1",
                    "GoodsInTransitLocation": "TRANS",
                    "DetailLineNumber": 1,
                    "QuantityRequested": 5,
                }
            ],
        },
        [("IC/ICLocations", {"LocationKey": "TRANS", "Name": "Goods in transit", "LocationType": "Logical"})],
    ),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_sage_sample_body_is_accepted(client: httpx.Client, sample: str) -> None:
    path, body, setup = SAMPLES[sample]
    for setup_path, setup_body in setup:
        assert client.post(f"/{setup_path}", json=wire(setup_body)).status_code == 201
    created = client.post(f"/{path}", json=wire(body))
    assert created.status_code == 201, created.text
    assert_holds(decoded(created), body, sample)


ASSIGNED = frozenset({"BatchNumber", "SequenceNumber", "NumberOfEntries"})
"""Numbers Sage assigns whatever was sent (batch, entry sequence, entry count)."""


def assert_holds(answer: dict[str, Any], sent: dict[str, Any], where: str) -> None:
    """What was sent is what the record holds, detail lines and their own lines included (assigned numbers aside)."""
    for name, value in sent.items():
        if name in ASSIGNED:
            continue
        if isinstance(value, list):
            assert len(answer[name]) == len(value), f"{where}.{name}"
            for index, (held, line) in enumerate(zip(answer[name], value, strict=True)):
                assert_holds(held, line, f"{where}.{name}[{index}]")
        else:
            assert answer[name] == value, f"{where}.{name}"


def test_a_sample_sent_twice_is_a_duplicate(client: httpx.Client) -> None:
    _, body, _ = SAMPLES["AR/ARCustomers"]
    assert client.post("/AR/ARCustomers", json=body).status_code == 201
    assert error_of(client.post("/AR/ARCustomers", json=body))[:2] == (409, "RecordDuplicate")


def test_created_records_read_back_by_key(client: httpx.Client) -> None:
    for sample, key in (("AR/ARTerms", "('2N31')"), ("IC/ICItems", "('ITEM51')"), ("CS/CSCurrencyCodes", "('US2')")):
        path, body, _ = SAMPLES[sample]
        assert client.post(f"/{path}", json=wire(body)).status_code == 201
        read = client.get(f"/{path}{key}")
        assert read.status_code == 200
        stored = decoded(read)
        for name, value in body.items():
            if isinstance(value, list):
                assert [{k: line[k] for k in sent} for line, sent in zip(stored[name], value, strict=True)] == value
            else:
                assert stored[name] == value
