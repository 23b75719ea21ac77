"""Every Sage 300 Web API name cwsage relies on, in one place, each with where it comes from.

Why a module of its own: about half of what cwsage knows about the Sage 300 Web API is confirmed by
real code ([C] in ``shared/reference/sage300-web-api.md``); the rest is inferred ([I]), reported ([R]) or
unknown ([?]) and was settled by a numbered decision in ``docs/sage300-inferred.md`` ("D<n>" below).
When a real installation's ``$metadata`` or Swagger disagrees, this is the file to correct; the client
and the models only use the names defined here (model field aliases that follow Sage's PascalCase
convention are generated, the odd ones are listed in :data:`ODD_ALIASES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

# --------------------------------------------------------------------------------------------------
# URL anatomy
# --------------------------------------------------------------------------------------------------

API_ROOT: Final = "Sage300WebApi"  # [C S4, S6, S9, S11] path under the IIS site
API_VERSION: Final = "v1.0"  # [C S4 apiVersion="1.0"]
TENANT: Final = "-"  # [C S4 tenantID="-"] on-premise installs
COMPANIES: Final = "Companies"  # D1: GET /Sage300WebApi/v1.0/-/Companies (tenant root, not per company)
SESSION_COOKIE: Final = "Sage300WebApiSession"  # D "Base": session cookie set on the first answer [C S9 cookies]
PROCESS_KEY: Final = "('$process')"  # [C S3] process (action) endpoints are POSTed with this key


@dataclass(frozen=True)
class Resource:
    """One OData entity set: its path under the company and the property (or properties) forming its key."""

    path: str
    key: tuple[str, ...]

    def __str__(self) -> str:
        return self.path


# Transactions -------------------------------------------------------------------------------------
AR_INVOICE_BATCHES: Final = Resource("AR/ARInvoiceBatches", ("BatchNumber",))  # [C S1, S3] numeric key
AP_INVOICE_BATCHES: Final = Resource("AP/APInvoiceBatches", ("BatchNumber",))  # [C S3] numeric key
GL_JOURNAL_BATCHES: Final = Resource("GL/GLJournalBatches", ("BatchNumber",))  # [C S4, S22]; string key D11
IC_ADJUSTMENTS: Final = Resource("IC/ICAdjustments", ("SequenceNumber",))  # [C S21]; key D12
IC_TRANSFERS: Final = Resource("IC/ICTransfers", ("SequenceNumber",))  # [?] name and key: D13
AR_RECEIPT_BATCHES: Final = Resource(
    "AR/ARReceiptAndAdjustmentBatches", ("BatchRecordType", "BatchNumber")
)  # [C S3] composite key; body D16
AR_POSTED_DOCUMENTS: Final = Resource("AR/ARPostedDocuments", ("CustomerNumber", "DocumentNumber"))  # [C S19]; D15
AP_POSTED_DOCUMENTS: Final = Resource("AP/APPostedDocuments", ("VendorNumber", "DocumentNumber"))  # [C name]; D23

# Process endpoints (POST {path}('$process')) ------------------------------------------------------
AR_POST_INVOICES: Final = "AR/ARPostInvoices"  # [C S3]
AP_POST_INVOICES: Final = "AP/APPostInvoices"  # [C S3]
GL_POST_JOURNALS: Final = "GL/GLPostJournals"  # [?] D11
AR_POST_RECEIPTS: Final = "AR/ARPostReceiptsAndAdjustments"  # [C S3]; body D16

# Master data --------------------------------------------------------------------------------------
AR_CUSTOMERS: Final = Resource("AR/ARCustomers", ("CustomerNumber",))  # [C S6] string key
AR_CUSTOMER_GROUPS: Final = Resource("AR/ARCustomerGroups", ("GroupCode",))  # [I] D9
AR_TERMS: Final = Resource("AR/ARTerms", ("TermsCode",))  # [C name] fields D9
AR_DISTRIBUTION_CODES: Final = Resource("AR/ARDistributionCodes", ("DistributionCode",))  # [I] D9
AR_ACCOUNT_SETS: Final = Resource("AR/ARAccountSets", ("AccountSetCode",))  # [I] D9
AP_VENDORS: Final = Resource("AP/APVendors", ("VendorNumber",))  # [C S24] string key
AP_VENDOR_GROUPS: Final = Resource("AP/APVendorGroups", ("GroupCode",))  # [I] D10
AP_TERMS: Final = Resource("AP/APTerms", ("TermsCode",))  # [I] D10
AP_ACCOUNT_SETS: Final = Resource("AP/APAccountSets", ("AccountSetCode",))  # [C name] fields D10
GL_ACCOUNTS: Final = Resource("GL/GLAccounts", ("UnformattedAccount",))  # [C S4] fields D7
TX_TAX_GROUPS: Final = Resource("TX/TXTaxGroups", ("TaxGroupKey", "TransactionType"))  # [C S4, S5] D8
TX_TAX_AUTHORITIES: Final = Resource("TX/TXTaxAuthorities", ("TaxAuthority",))  # [C name] fields D8
TX_TAX_CLASSES: Final = Resource(
    "TX/TXTaxClasses", ("TaxAuthority", "TransactionType", "ClassType", "Class")
)  # [I] name, fields D8
TX_TAX_RATES: Final = Resource("TX/TXTaxRates", ("TaxAuthority", "TransactionType", "BuyerClass"))  # [C S4, S5]
CS_COMPANY_PROFILE: Final = Resource("CS/CSCompanyProfile", ("CompanyID",))  # [?] D3
CS_CURRENCY_CODES: Final = Resource("CS/CSCurrencyCodes", ("CurrencyCode",))  # [I] D4
CS_CURRENCY_RATES: Final = Resource(
    "CS/CSCurrencyRates", ("HomeCurrency", "RateType", "SourceCurrency", "RateDate")
)  # [I] D5
CS_FISCAL_CALENDARS: Final = Resource("CS/CSFiscalCalendars", ("FiscalYear",))  # [C S23]; collection + Status D6
IC_ITEMS: Final = Resource("IC/ICItems", ("ItemNumber",))  # [C S5, S24]; fields D14
IC_LOCATIONS: Final = Resource("IC/ICLocations", ("Location",))  # [C name]; fields D14

# --------------------------------------------------------------------------------------------------
# Key formats
# --------------------------------------------------------------------------------------------------


def quote_key(value: str) -> str:
    """An OData string key literal: single quotes, inner quotes doubled (``O'Hara`` -> ``'O''Hara'``)."""
    return "'" + value.replace("'", "''") + "'"


def string_key(resource: Resource | str, value: str) -> str:
    """``AR/ARCustomers('1100')`` [C S6, S23, S24]; also GL batches ``GL/GLJournalBatches('000012')`` (D11)."""
    return f"{resource}({quote_key(value)})"


def numeric_key(resource: Resource | str, value: int) -> str:
    """``AR/ARInvoiceBatches(123)`` [C S3]; IC sequence numbers likewise (D12, D13)."""
    return f"{resource}({int(value)})"


def receipt_batch_key(batch_number: int, record_type: str = "CA") -> str:
    """``AR/ARReceiptAndAdjustmentBatches(BatchRecordType='CA',BatchNumber=123)`` [C S3]."""
    return f"{AR_RECEIPT_BATCHES}(BatchRecordType={quote_key(record_type)},BatchNumber={int(batch_number)})"


def process_path(endpoint: str) -> str:
    """``AR/ARPostInvoices('$process')`` [C S3]."""
    return f"{endpoint}{PROCESS_KEY}"


# --------------------------------------------------------------------------------------------------
# Enums (the Web API serialises enums as names [C S1, S3, S20, S25])
# --------------------------------------------------------------------------------------------------


class YesNo(StrEnum):
    """Sage's Yes/No switches (``RateOverridden``, ``FullyPaid``, ``Multicurrency`` …) [C S25; D3, D6, D15]."""

    YES = "Yes"
    NO = "No"


class BatchStatus(StrEnum):
    """AR/AP ``BatchStatus`` and GL ``Status`` (D25). Open/ReadyToPost/Posted [C S3]; the others [I] from AOM."""

    OPEN = "Open"
    READY_TO_POST = "ReadyToPost"
    POSTED = "Posted"
    DELETED = "Deleted"
    POST_IN_PROGRESS = "PostInProgress"


class ARDocumentType(StrEnum):
    """AR invoice entry ``DocumentType`` [C S1, S3, S31]; no Interest in AR entry [C S13]."""

    INVOICE = "Invoice"
    DEBIT_NOTE = "DebitNote"
    CREDIT_NOTE = "CreditNote"


class APDocumentType(StrEnum):
    """AP invoice entry ``DocumentType``: CreditNote [C S3], the others [I] from APIBH TEXTTRX."""

    INVOICE = "Invoice"
    DEBIT_NOTE = "DebitNote"
    CREDIT_NOTE = "CreditNote"
    INTEREST = "Interest"


class InvoiceType(StrEnum):
    """``InvoiceType`` [C S1, S25]: Summary = distribution code / GL lines (what cwsage sends)."""

    SUMMARY = "Summary"
    ITEM = "Item"


class TaxAmountControl(StrEnum):
    """``TaxAmountControl`` (SWMANTX) [C S26 name]; cwsage always sends ``Enter`` (D22)."""

    CALCULATE = "Calculate"
    ENTER = "Enter"


class ICAdjustmentType(StrEnum):
    """IC adjustment detail ``TransactionType`` [C S21 BothIncrease/BothDecrease; others I from AOM]."""

    QUANTITY_INCREASE = "QuantityIncrease"
    QUANTITY_DECREASE = "QuantityDecrease"
    COST_INCREASE = "CostIncrease"
    COST_DECREASE = "CostDecrease"
    BOTH_INCREASE = "BothIncrease"
    BOTH_DECREASE = "BothDecrease"


class ICRecordStatus(StrEnum):
    """IC adjustment/transfer ``RecordStatus``: Entered (D12, D13); the others [I] from AOM."""

    ENTERED = "Entered"
    POSTED = "Posted"
    COSTED = "Costed"
    DAY_END_COMPLETED = "DayEndCompleted"


class ARReceiptTransactionType(StrEnum):
    """AR receipt entry ``TransactionType`` (D16) [C S3, S31 Receipt/Prepayment/ApplyDocument]."""

    RECEIPT = "Receipt"
    APPLY_DOCUMENT = "ApplyDocument"
    PREPAYMENT = "Prepayment"


RECEIPT_BATCH_RECORD_TYPE: Final = "CA"  # [C S3] cash batches
RATE_TYPE_SPOT: Final = "SP"  # [C S26] value; D5
GL_DEFAULT_SOURCE: Final = ("GL", "JE")  # [I] GL-JE exists by default (reference 2.3)

# --------------------------------------------------------------------------------------------------
# Process bodies (the AR and AP bodies use different property names [C S3])
# --------------------------------------------------------------------------------------------------

DO_NOT_POST_ALL: Final = "Donotpostallbatches"  # [C S3]


def ar_post_invoices_body(batch_number: int) -> dict[str, object]:
    """Body of ``AR/ARPostInvoices('$process')`` [C S3]."""
    return {
        "PostAllBatches": DO_NOT_POST_ALL,
        "PostBatchFrom": batch_number,
        "PostBatchTo": batch_number,
        "ActionSelector": "string",
        "UpdateOperation": "Unspecified",
    }


def ap_post_invoices_body(batch_number: int) -> dict[str, object]:
    """Body of ``AP/APPostInvoices('$process')`` [C S3] (``FromBatch``/``ToBatch``, unlike AR)."""
    return {
        "ProcessAllBatches": DO_NOT_POST_ALL,
        "FromBatch": batch_number,
        "ToBatch": batch_number,
        "ActionSelector": "string",
        "UpdateOperation": "Unspecified",
    }


def gl_post_journals_body(batch_number: str) -> dict[str, object]:
    """Body of ``GL/GLPostJournals('$process')`` (D11, [?])."""
    return {"PostAllBatches": DO_NOT_POST_ALL, "FromBatch": batch_number, "ToBatch": batch_number}


def ar_post_receipts_body(batch_number: int) -> dict[str, object]:
    """Body of ``AR/ARPostReceiptsAndAdjustments('$process')`` (D16; [C S3] plus the AR names)."""
    return {"BatchType": RECEIPT_BATCH_RECORD_TYPE, "PostBatchFrom": batch_number, "PostBatchTo": batch_number}


AR_BATCH_READY_BODY: Final = {"BatchStatus": BatchStatus.READY_TO_POST.value}  # [C S3]
AP_BATCH_READY_BODY: Final = {"BatchStatus": BatchStatus.READY_TO_POST.value}  # [C S3]
GL_BATCH_READY_BODY: Final = {"Status": BatchStatus.READY_TO_POST.value}  # D11, D25

# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------

ERR_DUPLICATE: Final = "RecordDuplicate"  # [C S3, S5] 409
ERR_FIELD_INVALID: Final = "FieldInvalid"  # [C S7] 409
ERR_GENERAL: Final = "General"  # [C S7] 409
ERR_NOT_FOUND: Final = "NotFound"  # D2 (404; also an unactivated module)
ERR_RECORD_NOT_FOUND: Final = "RecordNotFound"  # [C S3 enum]
ERR_INVALID_PARAMETERS: Final = "InvalidParameters"  # [C S20] bad OData query; 400 [I]
DAY_END_MARKER: Final = "Day End Processing"  # [C S5] 409 RecordDuplicate meaning "locked, retry later"; D18
AP_DUPLICATE_MARKER: Final = "already exists"  # [C S7] / D17: AP duplicates come as 409 FieldInvalid

# --------------------------------------------------------------------------------------------------
# Paging and query sizes
# --------------------------------------------------------------------------------------------------

SERVER_PAGE_SIZE: Final = 100  # D20 (informational: cwsage follows @odata.nextLink and never relies on it)
MAX_PAGES: Final = 10_000  # safety net against a server that keeps answering nextLink
FILTER_CHUNK: Final = 15  # at most this many OR-ed values per $filter (keeps URLs short) [I]

# --------------------------------------------------------------------------------------------------
# Field lengths [C S13 view dictionaries, S26 StringLength]; validators enforce, never truncate keys
# --------------------------------------------------------------------------------------------------

FIELD_LENGTHS: Final[dict[str, int]] = {
    "CustomerNumber": 12,  # [C S13 ARCUS]
    "VendorNumber": 12,  # [C S13 APVEN]
    "DocumentNumber": 22,  # [C S13 IDINVC]
    "ApplytoDocument": 22,  # [C S26]
    "OrderNumber": 22,  # [C S26]
    "PONumber": 22,  # [C S26]; AP [I]
    "InvoiceDescription": 60,  # [C S26]
    "Description": 60,  # batch/line/GL descriptions [C S13]; D19 for batch descriptions
    "Reference": 60,  # GL/IC reference [C S13]
    "Comment": 250,  # GL detail comment [C S13]
    "Comments": 250,  # IC detail comments [C S13]
    "CustomerName": 60,  # [C S13]
    "VendorName": 60,  # [I] by analogy
    "ShortName": 10,  # [C S13]
    "GroupCode": 6,  # [C S13]
    "AccountSet": 6,  # [C S13]
    "Terms": 6,  # [C S13]
    "TaxGroup": 12,  # [C S13]
    "TaxAuthority": 12,  # [C S26]
    "CurrencyCode": 3,  # [C S13]
    "RateType": 2,  # [C S13]
    "DistributionCode": 6,  # [C S13 IDDIST]
    "AccountNumber": 45,  # GL account [C S13]
    "RevenueAccount": 45,  # [C S13]
    "GLAccount": 45,  # [C S13 IDGLACCT]
    "ICItemNumber": 24,  # [C S13 ITEMNO]
    "ARItemNumber": 16,  # [C S13 IDITEM]
    "Location": 6,  # [C S13]
    "UnitOfMeasure": 10,  # [C S13]
    "OptionalField": 12,  # [C S3, S31]
    "OptionalFieldValue": 60,  # [C S3]
    "AddressLine": 60,  # [C S13]
    "City": 30,  # [C S13]
    "StateProvince": 30,  # [C S13]
    "ZipPostalCode": 20,  # [C S13]
    "Country": 30,  # [C S13]
    "ContactName": 60,  # [C S13]
    "PhoneNumber": 30,  # [C S13]
    "Email": 50,  # [C S13]
    "SourceLedger": 2,  # [C S13]
    "SourceType": 2,  # [C S13]
    "GLBatchNumber": 6,  # [C S13 String*6]
    "CheckReceiptNo": 24,  # [I]
}

# --------------------------------------------------------------------------------------------------
# Property names that do not follow plain snake_case -> PascalCase (models use these as aliases)
# --------------------------------------------------------------------------------------------------

ODD_ALIASES: Final[dict[str, str]] = {
    "apply_to_document": "ApplytoDocument",  # [C S26, S31] lower-case "to"
    "po_number": "PONumber",  # [C S26]
    "extended_amount_with_tip": "ExtendedAmountWithTIP",  # [C S1]
    "extended_amount_without_tip": "ExtendedAmountWithoutTIP",  # [C S3, S25]
    "gl_account": "GLAccount",  # [C S3] AP detail; D9 distribution codes
    "normal_balance_drcr": "NormalBalanceDRCR",  # [C S4]
    "company_id": "CompanyID",  # D1, D3
    "cogs_account": "COGSAccount",  # [I]
    "apply_to": "ApplyTo",  # D16
    "tax_class": "Class",  # D8 TX/TXTaxClasses
}
# AR vs AP totals differ [C S3]: AR ``DocumentTotalBeforeTax`` vs AP ``DocumentTotalBeforeTaxes``; both are
# the plain PascalCase of their snake names, which keeps them distinct in the models.

# Fields cwsage reads from the batch collections when scanning for documents (reference section 4)
AR_BATCH_SCAN_SELECT: Final = ("BatchNumber", "BatchStatus", "Description", "Invoices")  # [C S19, S20 $select]
AP_BATCH_SCAN_SELECT: Final = ("BatchNumber", "BatchStatus", "Description", "Invoices")  # [I] same as AR
GL_BATCH_SCAN_SELECT: Final = ("BatchNumber", "Status", "Description", "JournalHeaders")  # D24
POSTED_AR_SELECT: Final = (
    "CustomerNumber",
    "DocumentNumber",
    "DocumentType",
    "BatchNumber",
    "EntryNumber",
)  # D15
POSTED_AP_SELECT: Final = ("VendorNumber", "DocumentNumber", "DocumentType", "BatchNumber", "EntryNumber")  # D23
