"""Where the emulator follows ``docs/sage300-inferred.md`` rather than a confirmed fact.

Why one module: every resource name, property list, key shape, enum spelling and message that the
reference marks [I], [R] or [?] is decided here, in one place, so it can be corrected against a real
installation's ``$metadata`` and Swagger without hunting through the emulator. Numbers in comments are
the decision numbers of ``docs/sage300-inferred.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL_PREFIX = "Sage.CA.SBS.ERP.Sage300.{module}.WebApi.Models.{model}"

RATE_TYPE = "SP"
DAY_END_MESSAGE = "The record is locked by Day End Processing. Try again later."  # 18
IC_MISSING = (  # 2
    "Resource '{resource}' was not found. The Inventory Control module is not activated for company {company}."
)
FISCAL_MISSING = (  # 6, reference §1.8 / §8.3
    "Cannot determine the fiscal period for {label}.\nEnter a date that is in the company's fiscal calendar "
    "or use the Fiscal Calendar window in Common Services to add the year you need."
)
FISCAL_LOCKED = "Fiscal period {period:02d}-{year} is locked for {label}."  # 6
AR_DUPLICATE = "Document number '{number}' already exists."  # 17
AP_DUPLICATE = (  # 17, reference §1.8
    "Document number '{number}' for vendor {vendor} already exists.\n\n"
    "If you want to add this invoice, add characters to the document number to make it unique."
)
CURRENCY_MISMATCH = "Currency code {code} does not match the {party}'s currency {expected}."  # 21
TOTAL_MISMATCH = "The document total does not match the distribution total."
TOO_LONG = "{field} '{value}' exceeds the maximum length of {limit}."
ADMIN_REFUSED = (
    "Access denied. The ADMIN user cannot use the Sage 300 Web API unless AllowWebApiAccessForAdmin is set "
    "to true in the web.config files of the Web and WebApi applications."
)
BAD_CREDENTIALS = "Invalid user ID or password."

YES_NO = {"1": "Yes", "0": "No", "true": "Yes", "false": "No"}
BATCH_STATUS_NUMBERS = {"1": "Open", "3": "Posted", "4": "Deleted", "5": "PostInProgress", "7": "ReadyToPost"}
AR_DOCUMENT_TYPE_NUMBERS = {
    "1": "Invoice",
    "2": "DebitNote",
    "3": "CreditNote",
    "4": "Interest",
    "5": "UnappliedCash",
    "10": "Prepayment",
    "11": "Receipt",
    "19": "Refund",
}
AP_DOCUMENT_TYPE_NUMBERS = {"1": "Invoice", "2": "DebitNote", "3": "CreditNote", "4": "Interest"}
IC_TRANSACTION_TYPES = {
    "QuantityIncrease": 1,
    "QuantityDecrease": 2,
    "CostIncrease": 3,
    "CostDecrease": 4,
    "BothIncrease": 5,
    "BothDecrease": 6,
}


def _f(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_PERIODS = tuple(f"FiscalPeriod{n}{suffix}" for n in range(1, 13) for suffix in ("StartDate", "EndDate", "Status"))


@dataclass(frozen=True)
class ResourceDef:
    """One Web API resource: where its rows live, its key, CLR model and filterable properties."""

    module: str
    name: str
    table: str
    keys: tuple[str, ...]
    model: str
    fields: tuple[str, ...]
    enums: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    process: bool = False

    @property
    def type_name(self) -> str:
        """The CLR type name ODataLib puts in its error messages."""
        return MODEL_PREFIX.format(module=self.module, model=self.model)

    def enum_map(self) -> dict[str, dict[str, str]]:
        """Per property, accepted numeric literal → enum name."""
        return {prop: dict(pairs) for prop, pairs in self.enums}


def _enums(**maps: dict[str, str]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    return tuple((prop, tuple(values.items())) for prop, values in maps.items())


_BATCH_ENUMS = _enums(BatchStatus=BATCH_STATUS_NUMBERS)

RESOURCES: tuple[ResourceDef, ...] = (
    ResourceDef(
        "CS",
        "CSCompanyProfile",
        "company_profile",
        ("CompanyID",),
        "CompanyProfile",
        _f("CompanyID CompanyName HomeCurrency FunctionalCurrency Multicurrency Country"),
    ),
    ResourceDef(
        "CS",
        "CSCurrencyCodes",
        "currency_codes",
        ("CurrencyCode",),
        "CurrencyCode",
        _f("CurrencyCode Description DecimalPlaces Symbol"),
    ),
    ResourceDef(
        "CS",
        "CSCurrencyRates",
        "currency_rates",
        ("HomeCurrency", "RateType", "SourceCurrency", "RateDate"),
        "CurrencyRate",
        _f("HomeCurrency RateType SourceCurrency RateDate Rate DateMatching"),
    ),
    ResourceDef(
        "CS",
        "CSFiscalCalendars",
        "fiscal_calendars",
        ("FiscalYear",),
        "FiscalCalendar",
        _f("FiscalYear Active NumberOfFiscalPeriods") + _PERIODS,
    ),
    ResourceDef(
        "GL",
        "GLAccounts",
        "gl_accounts",
        ("UnformattedAccount",),
        "Account",
        _f(
            "UnformattedAccount AccountNumber Description AccountType NormalBalanceDRCR Status PostToAccount "
            "QuantitiesAllowed Multicurrency StructureCode AccountSegmentCode1 AccountSegmentCode2 "
            "AccountGroupCode DefaultCurrencyCode"
        ),
    ),
    ResourceDef(
        "GL",
        "GLJournalBatches",
        "gl_batches",
        ("BatchNumber",),
        "JournalBatch",
        _f(
            "BatchNumber Description SourceLedger DateCreated DateLastEdited JournalBatchType Status "
            "PostingSequence Debits Credits NumberOfEntries NumberOfErrors ReadyToPost LockBatchSwitch "
            "JournalHeaders UpdateOperation"
        ),
        _enums(Status=BATCH_STATUS_NUMBERS),
    ),
    ResourceDef(
        "GL",
        "GLPostedTransactions",
        "gl_posted",
        ("AccountNumber", "FiscalYear", "FiscalPeriod", "PostingSequenceNumber", "DetailCount"),
        "PostedTransaction",
        _f(
            "AccountNumber FiscalYear FiscalPeriod SourceCurrencyCode SourceLedgerCode SourceTypeCode "
            "PostingSequenceNumber DetailCount JournalDate BatchNumber JournalEntryNumber JournalTransactionNumber "
            "JournalTransactionAmount JournalDetailDescription JournalDetailReference SourceCurrencyAmount "
            "DocumentNumber"
        ),
    ),
    ResourceDef("GL", "GLPostJournals", "", (), "PostJournal", (), process=True),
    ResourceDef(
        "TX",
        "TXTaxAuthorities",
        "tax_authorities",
        ("TaxAuthority",),
        "TaxAuthority",
        _f("TaxAuthority Description TaxReportingCurrency TaxLiabilityAccount"),
    ),
    ResourceDef(
        "TX",
        "TXTaxGroups",
        "tax_groups",
        ("TaxGroupKey", "TransactionType"),
        "TaxGroup",
        _f("TaxGroupKey TransactionType Description TaxReportingCurrency TaxCalculationMethod")
        + tuple(f"{p}{n}" for n in range(1, 6) for p in ("TaxAuthority", "Taxable", "Surtax", "SurtaxOnAuthority")),
        _enums(TransactionType={"1": "Sales", "2": "Purchases"}),
    ),
    ResourceDef(
        "TX",
        "TXTaxClasses",
        "tax_classes",
        ("TaxAuthority", "TransactionType", "ClassType", "Class"),
        "TaxClass",
        _f("TaxAuthority TransactionType ClassType Class Description Exempt"),
        _enums(TransactionType={"1": "Sales", "2": "Purchases"}),
    ),
    ResourceDef(
        "TX",
        "TXTaxRates",
        "tax_rates",
        ("TaxAuthority", "TransactionType", "BuyerClass"),
        "TaxRate",
        _f("TaxAuthority TransactionType BuyerClass LastMaintained") + tuple(f"ItemRate{n}" for n in range(1, 11)),
        _enums(TransactionType={"1": "Sales", "2": "Purchases"}),
    ),
    ResourceDef(
        "AR",
        "ARCustomers",
        "customers",
        ("CustomerNumber",),
        "Customer",
        _f(
            "CustomerNumber ShortName GroupCode Status InactiveDate OnHold StartDate CustomerName AddressLine1 "
            "AddressLine2 City StateProvince ZipPostalCode Country ContactName PhoneNumber Email AccountSet "
            "CurrencyCode Terms RateType TaxGroup TaxClassCode1 TaxClassCode2 TaxClassCode3 TaxClassCode4 "
            "TaxClassCode5 CreditLimitCustomerCurrency BalanceDueInCustomerCurrency NumberOfOpenDocuments "
            "DateOfLastActivity DateOfLastInvoice DateOfLastReceipt LastReceiptCustomerCurrency DateLastMaintained"
        ),
        _enums(Status={"1": "Active", "0": "Inactive"}, OnHold=YES_NO),
    ),
    ResourceDef(
        "AR",
        "ARCustomerGroups",
        "customer_groups",
        ("GroupCode",),
        "CustomerGroup",
        _f("GroupCode Description AccountSet Terms TaxGroup"),
    ),
    ResourceDef("AR", "ARTerms", "ar_terms", ("TermsCode",), "Terms", _f("TermsCode Description DueDays")),
    ResourceDef(
        "AR",
        "ARDistributionCodes",
        "distribution_codes",
        ("DistributionCode",),
        "DistributionCode",
        _f("DistributionCode Description GLAccount"),
    ),
    ResourceDef(
        "AR",
        "ARAccountSets",
        "ar_account_sets",
        ("AccountSetCode",),
        "AccountSet",
        _f("AccountSetCode Description ReceivablesControlAccount CurrencyCode"),
    ),
    ResourceDef(
        "AR",
        "ARInvoiceBatches",
        "ar_batches",
        ("BatchNumber",),
        "InvoiceBatch",
        _f(
            "BatchNumber BatchDate Description BatchType BatchStatus DefaultInvoiceType BatchTotal "
            "NumberOfEntries PostingSequence NumberOfErrors DateLastEdited SourceApplication ProcessCommand "
            "Invoices UpdateOperation"
        ),
        _BATCH_ENUMS,
    ),
    ResourceDef("AR", "ARPostInvoices", "", (), "PostInvoice", (), process=True),
    ResourceDef(
        "AR",
        "ARPostedDocuments",
        "ar_posted",
        ("CustomerNumber", "DocumentNumber"),
        "PostedDocument",
        _f(
            "CustomerNumber DocumentNumber DocumentType DocumentDate PostingDate DueDate CurrencyCode "
            "ExchangeRate CustCurrencyInvoiceAmount CustCurrencyAmountDue FuncCurrencyInvoiceAmount "
            "FuncCurrencyAmountDue FullyPaid DatePaid LastActivityDate BatchNumber EntryNumber BatchType "
            "CheckReceiptNumber PONumber OrderNumber InvoiceType DocumentDescription ApplyToDocument"
        ),
        _enums(FullyPaid=YES_NO, DocumentType=AR_DOCUMENT_TYPE_NUMBERS),
    ),
    ResourceDef(
        "AR",
        "ARReceiptAndAdjustmentBatches",
        "ar_receipt_batches",
        ("BatchRecordType", "BatchNumber"),
        "ReceiptAndAdjustmentBatch",
        _f(
            "BatchRecordType BatchNumber BatchDate Description BatchType BatchStatus BankCode BatchTotal "
            "NumberOfEntries PostingSequence DateLastEdited ReceiptsAdjustments UpdateOperation"
        ),
        _BATCH_ENUMS,
    ),
    ResourceDef("AR", "ARPostReceiptsAndAdjustments", "", (), "PostReceiptsAndAdjustments", (), process=True),
    ResourceDef(
        "AP",
        "APVendors",
        "vendors",
        ("VendorNumber",),
        "Vendor",
        _f(
            "VendorNumber ShortName GroupCode Status OnHold VendorName AddressLine1 City StateProvince "
            "ZipPostalCode Country AccountSet CurrencyCode Terms RateType TaxGroup TaxClassCode1 TaxClassCode2 "
            "TaxClassCode3 TaxClassCode4 TaxClassCode5 BalanceDueInVendorCurrency DateLastMaintained"
        ),
        _enums(Status={"1": "Active", "0": "Inactive"}, OnHold=YES_NO),
    ),
    ResourceDef(
        "AP",
        "APVendorGroups",
        "vendor_groups",
        ("GroupCode",),
        "VendorGroup",
        _f("GroupCode Description AccountSet Terms"),
    ),
    ResourceDef("AP", "APTerms", "ap_terms", ("TermsCode",), "Terms", _f("TermsCode Description DueDays")),
    ResourceDef(
        "AP",
        "APAccountSets",
        "ap_account_sets",
        ("AccountSetCode",),
        "AccountSet",
        _f("AccountSetCode Description PayablesControlAccount CurrencyCode"),
    ),
    ResourceDef(
        "AP",
        "APInvoiceBatches",
        "ap_batches",
        ("BatchNumber",),
        "InvoiceBatch",
        _f(
            "BatchNumber BatchDate Description BatchType BatchStatus BatchTotal NumberOfEntries PostingSequence "
            "NumberOfErrors DateLastEdited SourceApplication Invoices UpdateOperation"
        ),
        _BATCH_ENUMS,
    ),
    ResourceDef("AP", "APPostInvoices", "", (), "PostInvoice", (), process=True),
    ResourceDef(
        "AP",
        "APPostedDocuments",
        "ap_posted",
        ("VendorNumber", "DocumentNumber"),
        "PostedDocument",
        _f(
            "VendorNumber DocumentNumber DocumentType DocumentDate PostingDate DueDate CurrencyCode ExchangeRate "
            "VendCurrencyInvoiceAmount VendCurrencyAmountDue FullyPaid DatePaid LastActivityDate BatchNumber "
            "EntryNumber DocumentDescription"
        ),
        _enums(FullyPaid=YES_NO, DocumentType=AP_DOCUMENT_TYPE_NUMBERS),
    ),
    ResourceDef(
        "IC",
        "ICItems",
        "ic_items",
        ("ItemNumber",),
        "Item",
        _f("ItemNumber Description Category StockingUnitOfMeasure Status StockItem AccountSet DateLastMaintained"),
        _enums(StockItem=YES_NO),
    ),
    ResourceDef("IC", "ICLocations", "ic_locations", ("Location",), "Location", _f("Location Description Status")),
    ResourceDef(
        "IC",
        "ICAdjustments",
        "ic_adjustments",
        ("SequenceNumber",),
        "Adjustment",
        _f(
            "SequenceNumber AdjustmentNumber TransactionNumber Description AdjustmentDate Reference FiscalYear "
            "FiscalPeriod RecordStatus AdjustmentDetails"
        ),
    ),
    ResourceDef(
        "IC",
        "ICTransfers",
        "ic_transfers",
        ("SequenceNumber",),
        "Transfer",
        _f(
            "SequenceNumber TransferNumber Description TransferDate Reference DocumentType FiscalYear FiscalPeriod "
            "RecordStatus TransferDetails"
        ),
    ),
)

RESOURCE_INDEX: dict[tuple[str, str], ResourceDef] = {(r.module, r.name.lower()): r for r in RESOURCES}
TABLES: tuple[str, ...] = tuple(r.table for r in RESOURCES if r.table)
