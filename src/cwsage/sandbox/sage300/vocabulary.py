"""Every resource, entity type, property and enum the emulator serves, declared once, with its source.

Why one declaration: validation of writes, the answers and ``$metadata`` all read this module, so the
emulator can never accept a name it does not also publish. It is written from
``shared/reference/sage300-sdk-facts.md`` and ``docs/sage300-inferred.md`` — never from cwsage's client.

Sources, as in the facts file: **ER22** (endpoint list and verbs), **PL** (Sage's sample POST bodies),
**MD16** (a real 2016 AR ``$metadata``: its property lists are used whole for the AR types it has, with
v1.0's key names), **DR22** (``UpdateOperation`` on every detail), **S** (secondary code), **I<n>**
(decisions of ``docs/sage300-inferred.md``; I24 onwards were added with this emulator). Where MD16 types a
property ``String`` but the value is one of a known set (PL spellings, an inferred decision), it is
declared as an enum type here, as a v4 server does; the 2016 dialect writes those as ``Edm.String``.
"""

from __future__ import annotations

from cwsage.sandbox.sage300.model import EnumType, Module, Prop, Resource, StructType, props

MASTER = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"})
BATCH = frozenset({"GET", "POST", "PATCH"})
GET_POST = frozenset({"GET", "POST"})
GET_ONLY = frozenset({"GET"})
PROCESS = frozenset({"POST"})
PROFILE = frozenset({"GET", "PUT", "DELETE", "PATCH"})


def _p(text: str, **retype: str) -> tuple[Prop, ...]:
    """A compact property list with some tokens re-typed (``Status="@ActiveStatus"``, ``Name="S60"``)."""
    tokens = text.split()
    names = {token.split(":", 1)[0] for token in tokens}
    unknown = set(retype) - names
    if unknown:
        raise ValueError(f"retyped properties not in the list: {sorted(unknown)}")
    out = [f"{name}:{retype[name]}" if name in retype else token for token in tokens for name in [token.split(":")[0]]]
    return props(" ".join(out))


def _n(pattern: str, code: str, count: int = 5) -> str:
    """``TaxAmount{n}:D`` for n = 1..count."""
    return " ".join(f"{pattern.format(n=n)}:{code}" for n in range(1, count + 1))


def _yes_no(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, "@YesNo")


UPDATE = "UpdateOperation:@UpdateOperation"
"""DR22: every detail entity has ``UpdateOperation`` (``Unspecified``, ``Insert``, ``Update``, ``Delete``)."""

YES_NO = EnumType("YesNo", ("No", "Yes"), 'PL spellings ("Yes", "No"); I10, I17')
UPDATE_OPERATION = EnumType("UpdateOperation", ("Unspecified", "Insert", "Update", "Delete"), "DR22")
ACTIVE_STATUS = EnumType("ActiveStatus", ("Active", "Inactive"), 'PL "Active"; I8')
BATCH_STATUS = EnumType("BatchStatus", ("Open", "ReadyToPost", "Posted", "Deleted", "PostInProgress"), "PL, DR22, I24")
POST_ALL = EnumType("PostAllBatches", ("Donotpostallbatches", "Postallbatches"), "I12, I13, I24")
COMMON = (YES_NO, UPDATE_OPERATION, ACTIVE_STATUS)

# ---------------------------------------------------------------------------------------------------------
# AR — MD16 types (v1.0 key names), PL bodies, I17, I19
# ---------------------------------------------------------------------------------------------------------
_AR_ACCOUNT_SET = _p(
    "AccountSetCode:S6 Description:S60 Status:@ActiveStatus InactiveDate:T DateLastMaintained:T "
    "ReceivablesControlAccount:S45 PrepaymentLiabilityAccount:S45 DiscountsAccount:S45 WriteOffsAccount:S45 "
    "CurrencyCode:S3 UnrealizedExchangeGainAccount:S45 UnrealizedExchangeLossAccount:S45 ExchangeGainAccount:S45 "
    "ExchangeLossAccount:S45 RetainageAccount:S45 ExchangeRoundingAccount:S45"
)
_AR_CUSTOMER_GROUP = _p(
    "GroupCode:S6 Description:S60 Status:S InactiveDate:T DateLastMaintained:T AccountSet:S6 AutocashProfile:S "
    "BillingCycle:S InterestProfile:S AccountType:S Terms:S6 RateType:S2 AllowEditOfCreditLimit:S "
    "CreditLimit1Currency:S CreditLimit1Amount:D CreditLimit2Currency:S CreditLimit2Amount:D "
    "CreditLimit3Currency:S CreditLimit3Amount:D CreditLimit4Currency:S CreditLimit4Amount:D "
    "CreditLimit5Currency:S CreditLimit5Amount:D NumberOfOptionalFields:L ProcessCommandCode:S TaxGroup:S12 "
    f"{_n('TaxClassCode{n}', 'I')} {_n('Salesperson{n}', 'S')} {_n('SalesSplitPercentage{n}', 'D')} "
    f"PrintStatements:S CheckCreditLimit:S CheckOverdueAmounts:S DaysOverdue:I {_n('AmountOverdue{n}', 'D')}",
    Status="@ActiveStatus",
    AccountType="@AccountType",
    AllowEditOfCreditLimit="@YesNo",
    PrintStatements="@YesNo",
    CheckCreditLimit="@YesNo",
    CheckOverdueAmounts="@YesNo",
)
_AR_CUSTOMER = _p(
    "CustomerNumber:S12 ShortName:S10 GroupCode:S6 NationalAccount:S12 Status:S InactiveDate:T DateLastMaintained:T "
    "OnHold:S StartDate:T CreditBureauNumber:S CreditBureauRating:S CreditBureauDate:T CustomerName:S60 "
    "AddressLine1:S60 AddressLine2:S60 AddressLine3:S60 AddressLine4:S60 City:S30 StateProvince:S30 "
    "ZipPostalCode:S20 Country:S30 ContactName:S60 PhoneNumber:S30 FaxNumber:S30 TerritoryCode:S AccountSet:S6 "
    "AutocashProfile:S BillingCycle:S InterestProfile:S CurrencyCode:S3 PrintStatements:S AccountType:S Terms:S6 "
    f"RateType:S2 TaxGroup:S12 {_n('TaxRegistrationNumber{n}', 'S')} {_n('TaxClassCode{n}', 'I')} "
    "CreditLimitCustomerCurrency:D BalanceDueInCustomerCurrency:D BalanceDueInFunctionalCurrency:D "
    "DateOfLastStatement:T LastStatementTotalCustomerCurrency:D DateOfLastBalanceForwardStatement:T "
    "BeginningBalanceOnLastStatement:D DateOfLastRevaluation:T LastRevaluationBalance:D NumberOfOpenDocuments:D "
    "NumberOfPaidInvoices:D NumberOfDaysToPay:D DateOfLargestInvoice:T DateOfHighestBalance:T "
    "DateOfLargestInvoiceLastYear:T DateOfHighestBalanceLastYear:T DateOfLastActivity:T DateOfLastInvoice:T "
    "DateOfLastCreditNote:T DateOfLastDebitNote:T DateOfLastReceipt:T DateOfLastDiscount:T DateOfLastAdjustment:T "
    "DateOfLastWriteOff:T DateOfLastReturnedCheck:T DateOfLastInterestCharge:T LargestInvoiceNumber:S "
    "LargestInvoiceNumberLastYear:S LargestInvoiceCustomerCurrency:D HighestBalanceCustomerCurrency:D "
    "LargestInvoiceLastYearCustomerCurrency:D HighBalanceLastYearCustomerCurrency:D "
    "LastInvoiceAmountCustomerCurrency:D LastCreditNoteAmountCustomerCurrency:D "
    "LastDebitNoteAmountCustomerCurrency:D LastReceiptCustomerCurrency:D LastDiscountAmountCustomerCurrency:D "
    "LastAdjustmentAmountCustomerCurrency:D LastWriteOffAmountCustomerCurrency:D "
    "LastReturnedCheckAmountCustomerCurr:D LastInterestChargeCustomerCurrency:D "
    "LargestInvoiceFunctionalCurrency:D HighestBalanceFunctionalCurrency:D "
    "LargestInvoiceLastYearFunctionalCurrency:D HighBalanceLastYearFunctionalCurrency:D "
    "LastInvoiceAmountFunctionalCurrency:D LastCreditNoteAmountFunctionalCurrency:D "
    "LastDebitNoteAmountFunctionalCurrency:D LastReceiptFunctionalCurrency:D "
    "LastDiscountAmountFunctionalCurrency:D LastAdjustmentAmountFunctionalCurrency:D "
    "LastWriteOffAmountFunctionalCurrency:D LastReturnedCheckAmountFunctionalCurr:D "
    f"LastInterestChargeFunctionalCurrency:D {_n('Salesperson{n}', 'S')} {_n('SalesSplitPercentage{n}', 'D')} "
    "AverageDaysToPay:D CustomerPriceList:S "
    "CustomerDiscountType:S AmountPastDue:D ContactsEmail:S Email:S50 WebSite:S BillingMethod:I PaymentCode:S "
    "FreeOnBoard:S ShipViaCode:S ShipViaDescription:S DeliveryMethod:S PrimaryShipToLocation:S ContactsPhone:S "
    "ContactsFax:S AllowPartialShipments:S AllowWebStoreShopping:S PercentRetained:D DaysRetained:I "
    "RetainageTermsCode:S AmountRetainedCustomerCurrency:D AmountRetainedFunctionalCurrency:D "
    "NumberOfOptionalFields:L ProcessCommandCode:S NumberOfOpenPrepayments:D AmountPrepaidCustomerCurrency:D "
    "AmountPrepaidFunctionalCurrency:D DateOfLastRefund:T LastRefundAmountCustomerCurrency:D "
    "LastRefundAmountFunctionalCurrency:D CheckLanguage:S NextClientUniqueID:L InventoryLocation:S "
    "CheckCreditLimit:S CheckOverdueAmounts:S DaysOverdue:I AmountOverdue:D AllowBackorderQuantities:S "
    "CheckForDuplicatePOs:S SuppressIntegration:B ARVersion:S Database:S Mode:S SageBillingAndPaymentCustome:S "
    "BusinessRegistrationNumber:S",
    Status="@ActiveStatus",
    OnHold="@YesNo",
    PrintStatements="@YesNo",
    AccountType="@AccountType",
    CheckCreditLimit="@YesNo",
    CheckOverdueAmounts="@YesNo",
)
_AR_DISTRIBUTION_CODE = _p(
    "DistributionCodeKey:S6 Description:S60 Status:@ActiveStatus InactiveDate:T DateLastMaintained:T "
    "RevenueAccount:S45 InventoryAccount:S45 CostOfGoodsSoldAccount:S45 Discountable:@YesNo"
)
_AR_TERMS = _p(
    "TermsCode:S6 Description:S60 Status:@ActiveStatus InactiveDate:T DateLastMaintained:T UsePaymentSchedule:@YesNo "
    "CalculationBaseForDiscountwithTax:S DiscountType:S "
    + " ".join(
        f"DiscountTable{c}{n}:D" for c in ("StartingDay", "EndingDay", "MonthsAdded", "DayOfMonth") for n in range(1, 5)
    )
    + " DueDateType:S "
    + " ".join(
        f"DueDateTable{c}{n}:D" for c in ("StartingDay", "EndingDay", "MonthsAdded", "DayOfMonth") for n in range(1, 5)
    )
    + " NumberOfPayments:D TotalPercentDue:D TermsPaymentSchedules:[TermsPaymentSchedule]"
)
_AR_TERMS_SCHEDULE = _p(
    "TermsCode:S6 PaymentNumber:D PercentDue:D DiscountPercent:D DiscountNumberOfDays:D DiscountDayOfMonth:D "
    f"DueNumberOfDays:D DueDayOfMonth:D {UPDATE}"
)
_AR_INVOICE_BATCH = _p(
    "BatchNumber:D BatchDate:T Description:S60 NumberOfEntries:D BatchTotal:D BatchType:S BatchStatus:@BatchStatus "
    "DefaultInvoiceType:@InvoiceType LastEntryNumber:D PostingSequenceNumber:D NumberOfErrors:D DateLastEdited:T "
    "BatchPrintedFlag:S SourceApplication:S ProcessCommand:S Invoices:[Invoice]"
)
_AR_INVOICE = _p(
    "BatchNumber:D EntryNumber:D CustomerNumber:S12 DocumentNumber:S22 ShipToLocationCode:S SpecialInstructions:S "
    "DocumentType:@InvoiceDocumentType TransactionType:S OrderNumber:S22 PONumber:S22 InvoiceDescription:S60 "
    "InvoicePrinted:S ApplytoDocument:S22 AccountSet:S6 DocumentDate:T AsOfDate:T FiscalYear:S FiscalPeriod:S "
    "CurrencyCode:S3 RateType:S2 RateOverridden:@YesNo ExchangeRate:D7 ApplytoExchangeRate:D7 Terms:S6 "
    "TermsCodeOverridden:@YesNo DueDate:T DiscountDate:T DiscountPercentage:D5 DiscountAmountAvailable:D "
    f"NumberOfDetails:D {_n('Salesperson{n}', 'S')} {_n('SalesSplitPercentage{n}', 'D')} Taxable:S "
    f"DoNotCalculationTax:@YesNo TaxGroup:S12 {_n('TaxAuthority{n}', 'S12')} {_n('TaxClass{n}', 'I')} "
    f"{_n('TaxBase{n}', 'D')} {_n('TaxAmount{n}', 'D')} TaxableAmount:D NonTaxableAmount:D "
    "TaxTotal:D DocumentTotalBeforeTax:D PrepaymentAmount:D NumberOfScheduledPayments:D "
    "TotalPaymentAmountScheduled:D DocumentTotalIncludingTax:D RecurringChargeCode:S DateGenerated:T "
    "PrepaymentNumber:S RecurringBillingCycle:S ShipToLocationName:S ShipToAddressLine1:S ShipToAddressLine2:S "
    "ShipToAddressLine3:S ShipToAddressLine4:S ShipToCity:S ShipToStateProvince:S ShipToZipPostalCode:S "
    "ShipToCountry:S ShipToContactName:S ShipToPhoneNumber:S ShipToFaxNumber:S RateDate:T "
    "CustNatlOverCreditFlag:S AmountDue:D RateOperator:S DrillDownApplicationSource:S DrillDownType:I "
    "DrillDownLinkNumber:D ForceRereadOfIBSTotals:I ProcessCommand:S ShipViaCode:S ShipViaDescription:S "
    "PropertyCode:S PropertyValue:L JobRelated:S ErrorBatch:L ErrorEntry:L ShipToEmail:S ShipToContactsPhone:S "
    "ShipToContactsFax:S ShipToContactsEmail:S DiscountBaseWithTax:D DiscountBaseWithoutTax:D DiscountBase:D "
    "InvoiceType:@InvoiceType RetainageInvoice:S OriginalDocumentNumber:S HasRetainage:S RetainageAmount:D "
    "PercentRetained:D DaysRetained:I RetainageDueDate:T RetainageTermsCode:S RetainageDueDateOverride:S "
    "RetainageAmountOverride:S RetainageExchangeRate:S NumberOfOptionalFields:L SourceApplication:S "
    "ARVersionCreatedIn:S TaxStateVersion:L ReportRetainageTax:I TaxReportingCurrencyCode:S "
    "TaxReportingCalculateMethod:S TaxReportingExchangeRate:D7 TaxReportingRateType:S TaxReportingRateDate:T "
    f"TaxReportingRateOperator:S TaxReportingRateOverride:S {_n('TaxReportingAmount{n}', 'D')} TaxReportingTotal:D "
    f"{_n('RetainageTaxBase{n}', 'D')} {_n('RetainageTaxAmount{n}', 'D')} {_n('FunctionalTaxBase{n}', 'D')} "
    f"{_n('FunctionalTaxAmount{n}', 'D')} FunctionalDistributionWithTaxTotal:D FunctionalRetainageAmount:D "
    "FunctionalDiscountAmount:D FunctionalDistributionWithoutTaxTotal:D FunctionalPrepaymentAmount:D "
    f"FunctionalAmountDue:D LabelPrinted:S RetainageTaxTotal:D {_n('TaxAmount{n}Total', 'D')} "
    "RetainageAmountFromDetails:D ShipmentNumber:S DoOECostingAndConsolidation:S EnteredBy:S PostingDate:T "
    f"InvoiceDetails:[InvoiceDetail] InvoicePaymentSchedules:[InvoicePaymentSchedule] "
    f"InvoiceOptionalFields:[InvoiceOptionalField] {UPDATE}"
)
_AR_INVOICE_DETAIL = _p(
    "BatchNumber:D EntryNumber:D LineNumber:D ItemNumber:S24 DistributionCode:S6 Description:S60 UnitOfMeasure:S10 "
    "Quantity:D4 Cost:D Price:D ExtendedAmountWithTIP:D COGSAmount:D ExtendedAmountWithoutTIP:D TaxTotal:D "
    f"{_n('TaxBase{n}', 'D')} {_n('TaxClass{n}', 'I')} {_n('TaxIncluded{n}', '@YesNo')} {_n('TaxRate{n}', 'D5')} "
    f"{_n('TaxAmount{n}', 'D')} RevenueAccount:S45 InventoryAccount:S45 COGSAccount:S45 Comments:S250 "
    "PrintComment:I ItemCost:D Contract:S Project:S Category:S ProjectCategoryResource:S TransactionNumber:L "
    "CostClass:S BillingDate:T CommentAttached:S Discountable:@YesNo OriginalLineIdentifier:D RetainageAmount:D "
    "PercentRetained:D DaysRetained:I RetainageDueDate:T RetainageDueDateOverride:S RetainageAmountOverride:S "
    "Values:L ProcessCommandCode:S RetainageDistributionAmount:D RetainageCOGSAmount:D "
    "RetainageAlternateBaseAmount:D InvoicedRetainageDistribution:D InvoicedRetainageCOGS:D "
    f"InvoicedRetainageAlternateBas:D {_n('TaxReportingAmount{n}', 'D')} TaxReportingTotal:D "
    f"{_n('RetainageTaxBase{n}', 'D')} {_n('RetainageTaxAmount{n}', 'D')} {_n('FunctionalTaxBase{n}', 'D')} "
    f"{_n('FunctionalTaxAmount{n}', 'D')} {_n('FunctionalRetainageTaxAmount{n}', 'D')} "
    "FunctionalDistributionNetOfTaxes:D FunctionalRetainageAmount:D FunctionalCOGSAmount:D FunctionalCost:D "
    f"FunctionalPrice:D FunctionalExtendedAmountWithTIP:D RetainageTaxTotal:D {_n('TaxAmount{n}Total', 'D')} "
    "CurrencyRetainageAmount:D CurrencyRetainageDistributionAmount:D CurrencyCOGSAmount:D "
    f"CurrencyAlternateBaseAmount:D InvoiceDetailOptionalFields:[InvoiceDetailOptionalField] {UPDATE}"
)
_AR_PAYMENT_SCHEDULE = _p(
    "BatchNumber:D EntryNumber:D PaymentNumber:D DueDate:T AmountDue:D DiscountDate:T DiscountAmount:D "
    f"FunctionalAmountDue:D FunctionalDiscountAmount:D {UPDATE}"
)
_OPTIONAL_FIELD = _p(f"OptionalField:S12 Value:S60 {UPDATE}")
_AR_POSTED_DOCUMENT = _p(
    "CustomerNumber:S12 DocumentNumber:S22 CheckReceiptNumber:S OrderNumber:S PONumber:S DueDate:T "
    "NationalAccountNumber:S ShipToLocation:S TransactionType:S DocumentType:@PostedDocumentType BatchDate:T "
    "BatchNumber:D EntryNumber:D GroupCode:S DocumentDescription:S DocumentDate:T AsofDate:T Terms:S "
    "DiscountDate:T CurrencyCode:S RateType:S RateOverridden:@YesNo ExchangeRate:D7 "
    "FunctionalCurrencyInvoiceAmount:D FunctionalCurrencyAmountDue:D FunctionalCurrencyTaxableAmount:D "
    "FunctionalCurrencyNonTaxableAmount:D FunctionalCurrencyTaxAmount:D FunctionalCurrencyDiscountAmount:D "
    "CustomerCurrencyInvoiceAmount:D CustomerCurrencyAmountDue:D CustomerCurrencyTaxableAmount:D "
    "CustomerCurrencyNonTaxableAmount:D CustomerCurrencyTaxAmount:D CustomerCurrencyDiscountAmount:D "
    "FullyPaid:@YesNo LastActivityDate:T LastStatementDate:T NumberOfScheduledPayments:D "
    "PaymentNumberOnLastStatement:D LastAppliedPaymentSequenceNumber:D DoNotCalculationTax:@YesNo "
    f"{_n('TaxAuthority{n}', 'S')} {_n('FunctionalBaseAmount{n}', 'D')} {_n('FunctionalTaxAmount{n}', 'D')} "
    f"{_n('CustomerBaseAmount{n}', 'D')} {_n('CustomerTaxAmount{n}', 'D')} {_n('Salesperson{n}', 'S')} "
    f"{_n('SalesSplitPercentage{n}', 'D')} FiscalYear:S FiscalPeriod:S PrepaymentApplytoDocumentNumber:S "
    "PostingDate:T RateDate:T RateOperator:I LastActivityYearPeriod:S BankCode:S DepositNumber:D "
    "PostingSequenceNumber:D JobRelated:S HasRetainage:S RetainageOutstanding:S DateRetainageDue:T "
    "FunctionalCurrencyOriginalRetainageAmount:D FunctionalCurrencyRetainageAmount:D "
    "CustomerCurrencyOriginalRetainageAmount:D CustomerCurrencyRetainageAmount:D RetainageTermsCode:S "
    "RetainageExchangeRate:S OriginalDocumentNumber:S NumberOfOptionalFields:L SourceApplication:S "
    "ARVersionCreatedIn:S InvoiceType:S DepositSerialNumber:L DepositLineNumber:L BatchType:S "
    "NumberOfOBLJDetails:L TaxReportingCurrencyCode:S TaxReportingExchangeRate:D7 TaxReportingRateType:S "
    "TaxReportingRateDate:T TaxReportingRateOperator:I TaxReportingRateOverride:S ReportRetainageTax:I TaxGroup:S "
    f"TaxStateVersion:L TaxReportingCalculateMethod:S {_n('TaxClass{n}', 'I')} {_n('TaxBase{n}', 'D')} "
    f"{_n('TaxAmount{n}', 'D')} ShipmentNumber:S EarliestBackdatedActivityDate:T LastRevaluationDate:T "
    "OriginalExchangeRate:D7 OriginalRateType:S OriginalRateDate:T OriginalRateOperator:I "
    "OriginalRateOverrideFlag:S AccountSet:S DatePaid:T MiscellaneousReceiptFlag:I TerritotyCode:S"
)
_AR_RECEIPT_BATCH = _p(
    "BatchRecordType:S2 BatchNumber:D BatchDate:T Description:S60 NumberOfEntries:D BatchTotal:D BatchType:S "
    "BatchStatus:@BatchStatus BankCode:S8 DepositSlipPrinted:S DefaultBankCurrency:S3 BankRateDate:T "
    "LastEntryNumber:D BankRateType:S BankExchangeRate:D7 DepositNumber:D DepositSerialNumber:L "
    "FunctionalAdjustmentAmount:D FunctionalAppliedDocumentAmount:D FunctionalBatchTotal:D PostingSequenceNumber:D "
    "NumberOfErrors:D DateLastEdited:T BatchTypeClass:S BatchPrintedFlag:S BankRateOperator:S BankRateOverridden:S "
    "SourceApplication:S ProcessCommand:S DepositDate:T DepositComment:S NumberOfReapplies:D "
    "ReceiptsAdjustments:[ReceiptsAdjustment]"
)
_AR_RECEIPT = _p(
    "BatchType:S2 BatchNumber:D EntryNumber:D CustomerNumber:S12 DocumentNumber:S22 ReceiptDateAdjustmentDate:T "
    "PostingDate:T FiscalYear:S FiscalPeriod:S EntryDescription:S60 EntryReference:S60 BankReceiptAmount:D "
    "CustomerReceiptAmount:D TotalCustomerAmountApplied:D ReceiptTransactionType:@ReceiptTransactionType "
    f"CustomerUnappliedAmount:D AppliedReceiptsAdjustments:[AppliedReceiptsAdjustment] {UPDATE}"
)
_AR_APPLIED = _p(
    "BatchType:S2 BatchNumber:D EntryNumber:D LineNumber:D CustomerNumber:S12 DocumentNumber:S22 PaymentNumber:D "
    "Description:S60 Reference:S60 CustomerReceiptAmount:D "
    f"AdjustmentGLDistributions:[AdjustmentGLDistribution] {UPDATE}"
)
_AR_GL_DISTRIBUTION = _p(
    "BatchType:S2 BatchNumber:D EntryNumber:D LineNumber:D SequenceNumber:D TransactionType:I DistributionAmount:D "
    f"DistributionCode:S6 DistributionGLAccount:S45 {UPDATE}"
)
_AR_POST_INVOICES = _p(
    "PostAllBatches:@PostAllBatches PostBatchFrom:D PostBatchTo:D ActionSelector:S"  # MD16 PostInvoice; I13
)
_AR_POST_RECEIPTS = _p(
    "BatchType:S2 PostAllBatches:@PostAllBatches PostBatchFrom:D PostBatchTo:D ActionSelector:S"  # I13
)

AR = Module(
    "AR",
    (
        *COMMON,
        BATCH_STATUS,
        POST_ALL,
        EnumType("AccountType", ("OpenItem", "BalanceForward"), 'PL "OpenItem", PM "BalanceForward"'),
        EnumType("InvoiceType", ("Summary", "Item"), 'PL "Summary"; I24'),
        EnumType("InvoiceDocumentType", ("Invoice", "DebitNote", "CreditNote", "Interest"), "PL; I17"),
        EnumType(
            "PostedDocumentType",
            ("Invoice", "DebitNote", "CreditNote", "Interest", "UnappliedCash", "Prepayment", "Receipt", "Refund"),
            "I17",
        ),
        EnumType("ReceiptTransactionType", ("Receipt", "Prepayment", "ApplyDocument", "UnappliedCash"), "I19"),
    ),
    (
        StructType("AccountSet", _AR_ACCOUNT_SET, ("AccountSetCode",), "MD16; key as AP PL (I24)"),
        StructType("CustomerGroup", _AR_CUSTOMER_GROUP, ("GroupCode",), "MD16, PL"),
        StructType("Customer", _AR_CUSTOMER, ("CustomerNumber",), "MD16, PL"),
        StructType("DistributionCode", _AR_DISTRIBUTION_CODE, ("DistributionCodeKey",), "MD16; I24"),
        StructType("TermsCode", _AR_TERMS, ("TermsCode",), "MD16, PL (v1.0 key TermsCode)"),
        StructType("TermsPaymentSchedule", _AR_TERMS_SCHEDULE, (), "PL"),
        StructType("InvoiceBatch", _AR_INVOICE_BATCH, ("BatchNumber",), "MD16, PL"),
        StructType("Invoice", _AR_INVOICE, (), "MD16, PL, I10"),
        StructType("InvoiceDetail", _AR_INVOICE_DETAIL, (), "MD16, PL"),
        StructType("InvoicePaymentSchedule", _AR_PAYMENT_SCHEDULE, (), "MD16, PL"),
        StructType("InvoiceOptionalField", _OPTIONAL_FIELD, (), "inferred (I24)"),
        StructType("InvoiceDetailOptionalField", _OPTIONAL_FIELD, (), "inferred (I24)"),
        StructType("PostedDocument", _AR_POSTED_DOCUMENT, ("CustomerNumber", "DocumentNumber"), "MD16, I17"),
        StructType("ReceiptAndAdjustmentBatch", _AR_RECEIPT_BATCH, ("BatchRecordType", "BatchNumber"), "MD16, PL"),
        StructType("ReceiptsAdjustment", _AR_RECEIPT, (), "PL, I19"),
        StructType("AppliedReceiptsAdjustment", _AR_APPLIED, (), "PL, I19"),
        StructType("AdjustmentGLDistribution", _AR_GL_DISTRIBUTION, (), "PL"),
        StructType("PostInvoice", _AR_POST_INVOICES, ("ActionSelector",), "MD16, I13"),
        StructType("PostReceiptsAndAdjustments", _AR_POST_RECEIPTS, ("ActionSelector",), "I13"),
    ),
    (
        Resource("AR", "ARAccountSets", "master", MASTER, "AccountSet", "ar_account_sets", name_2016="AccountSets"),
        Resource(
            "AR",
            "ARCustomerGroups",
            "master",
            MASTER,
            "CustomerGroup",
            "ar_customer_groups",
            name_2016="CustomerGroups",
        ),
        Resource("AR", "ARCustomers", "master", MASTER, "Customer", "ar_customers", name_2016="Customers"),
        Resource(
            "AR",
            "ARDistributionCodes",
            "master",
            MASTER,
            "DistributionCode",
            "ar_distribution_codes",
            name_2016="DistributionCodes",
        ),
        Resource("AR", "ARTerms", "master", MASTER, "TermsCode", "ar_terms", name_2016="Terms"),
        Resource(
            "AR", "ARInvoiceBatches", "transaction", BATCH, "InvoiceBatch", "ar_batches", name_2016="InvoiceBatches"
        ),
        Resource(
            "AR", "ARPostedDocuments", "get-only", GET_ONLY, "PostedDocument", "ar_posted", name_2016="PostedDocuments"
        ),
        Resource(
            "AR",
            "ARReceiptAndAdjustmentBatches",
            "transaction",
            BATCH,
            "ReceiptAndAdjustmentBatch",
            "ar_receipt_batches",
            name_2016="ReceiptAndAdjustmentBatches",
        ),
        Resource("AR", "ARPostInvoices", "process", PROCESS, "PostInvoice", "", name_2016="PostInvoices"),
        Resource(
            "AR",
            "ARPostReceiptsAndAdjustments",
            "process",
            PROCESS,
            "PostReceiptsAndAdjustments",
            "",
            name_2016="PostReceiptsAndAdjustments",
        ),
    ),
)

# ---------------------------------------------------------------------------------------------------------
# AP — PL bodies, I8, I10, I11, I13, I18; the rest by analogy with MD16's AR types (I24)
# ---------------------------------------------------------------------------------------------------------
_AP_ACCOUNT_SET = _p(
    "AccountSetCode:S6 Description:S60 Status:@ActiveStatus InactiveDate:T DateLastMaintained:T "
    "PayablesControlAccount:S45 DiscountsAccount:S45 PrepaymentAccount:S45 CurrencyCodeForAccount:S3 "
    "RetainageAccount:S45 UnrealizedExchangeGainAccount:S45 UnrealizedExchangeLossAccount:S45 "
    "ExchangeGainAccount:S45 ExchangeLossAccount:S45 ExchangeRoundingAccount:S45"
)
_AP_DISTRIBUTION_CODE = _p(
    "DistributionCodeKey:S6 Description:S60 Status:@ActiveStatus InactiveDate:T DateLastMaintained:T GLAccount:S45 "
    "Discountable:@YesNo"
)
_AP_TERMS = _p(
    "TermsCode:S6 Description:S60 Status:@ActiveStatus InactiveDate:T DateLastMaintained:T UsePaymentSchedule:@YesNo "
    "CalculationBaseForDiscountwithTax:S MethodOfCalcForDiscountDate:S MethodOfCalcForDueDate:S NumberOfPayments:D "
    "TotalPercentageDue:D TermsPaymentSchedule:[TermsPaymentSchedule]"
)
_AP_TERMS_SCHEDULE = _p(
    "TermsCode:S6 PaymentNumber:D PercentageDue:D DiscountPercent:D DiscountNumberOfDays:D DiscountDayOfMonth:D "
    f"DueNumberOfDays:D DueDayOfMonth:D {UPDATE}"
)
_AP_VENDOR_GROUP = _p(
    "GroupCode:S6 Description:S60 Status:@ActiveStatus InactiveDate:T DateLastMaintained:T AccountSet:S6 "
    "CurrencyCode:S3 RateType:S2 BankCode:S8 PrintSeparateChecks:@YesNo DistributionSet:S6 DistributionCode:S6 "
    "GeneralLedgerAccountNumber:S45 Terms:S6 DuplicateAmountCode:S DuplicateDateCode:S TaxGroup:S12 "
    f"PaymentCode:S12 DistributionType:S {_n('TaxClassCode{n}', 'I')}"
)
_AP_VENDOR = _p(
    "VendorNumber:S12 ShortName:S10 GroupCode:S6 OnHold:@VendorOnHold VendorName:S60 Status:@ActiveStatus "
    "InactiveDate:T DateLastMaintained:T StartDate:T AddressLine1:S60 AddressLine2:S60 AddressLine3:S60 "
    "AddressLine4:S60 City:S30 StateProvince:S30 ZipPostalCode:S20 Country:S30 ContactName:S60 PhoneNumber:S30 "
    "FaxNumber:S30 Email:S50 WebSite:S AccountSet:S6 CurrencyCode:S3 Terms:S6 RateType:S2 TaxGroup:S12 "
    f"{_n('TaxClassCode{n}', 'I')} {_n('TaxRegistrationNumber{n}', 'S')} BankCode:S8 PaymentCode:S12 "
    "DistributionSet:S6 DistributionCode:S6 GeneralLedgerAccountNumber:S45 DistributionType:S "
    "PrintSeparateChecks:@YesNo BalanceDueInVendorCurrency:D BalanceDueInFunctionalCurrency:D "
    "NumberOfOpenDocuments:D DateOfLastActivity:T DateOfLastInvoice:T"
)
_AP_INVOICE_BATCH = _p(
    "BatchNumber:D BatchDate:T Description:S60 NumberOfEntries:D BatchTotal:D BatchType:S BatchStatus:@BatchStatus "
    "LastEntryNumber:D PostingSequenceNumber:D NumberOfErrors:D DateLastEdited:T BatchPrintedFlag:S "
    "SourceApplication:S ProcessCommand:S Invoices:[Invoice]"
)
_AP_INVOICE = _p(
    "BatchNumber:D EntryNumber:D VendorNumber:S12 DocumentNumber:S22 DocumentType:@InvoiceDocumentType "
    "InvoiceDescription:S60 PONumber:S22 OrderNumber:S22 ApplytoDocument:S22 AccountSet:S6 DocumentDate:T "
    "AsOfDate:T PostingDate:T FiscalYear:S FiscalPeriod:S CurrencyCode:S3 RateType:S2 RateDate:T "
    "RateOverridden:@YesNo ExchangeRate:D7 Terms:S6 TermsCodeOverridden:@YesNo DueDate:T DiscountDate:T "
    f"DiscountPercentage:D5 DiscountAmountAvailable:D DoNotCalculationTax:@YesNo TaxGroup:S12 "
    f"{_n('TaxAuthority{n}', 'S12')} {_n('TaxClass{n}', 'I')} {_n('TaxBase{n}', 'D')} {_n('TaxAmount{n}', 'D')} "
    "TaxTotal:D DocumentTotalBeforeTax:D DocumentTotalIncludingTax:D AmountDue:D NumberOfDetails:D "
    "NumberOfScheduledPayments:D ProcessCommand:S EnteredBy:S InvoiceDetails:[InvoiceDetail] "
    f"InvoicePaymentSchedules:[InvoicePaymentSchedule] InvoiceOptionalFields:[InvoiceOptionalField] {UPDATE}"
)
_AP_INVOICE_DETAIL = _p(
    "BatchNumber:D EntryNumber:D LineNumber:D DistributionCode:S6 GLAccount:S45 DistributionDescription:S60 "
    f"DistributedAmount:D DistributedAmountBeforeTaxes:D Discountable:@YesNo {_n('TaxClass{n}', 'I')} "
    f"{_n('TaxBase{n}', 'D')} {_n('TaxAmount{n}', 'D')} {_n('TaxIncluded{n}', '@YesNo')} TaxTotal:D Comments:S250 "
    f"InvoiceDetailOptionalFields:[InvoiceDetailOptionalField] {UPDATE}"
)
_AP_PAYMENT_SCHEDULE = _p(
    f"BatchNumber:D EntryNumber:D PaymentNumber:D DueDate:T AmountDue:D DiscountDate:T DiscountAmount:D {UPDATE}"
)
_AP_POSTED_DOCUMENT = _p(
    "VendorNumber:S12 DocumentNumber:S22 DocumentType:@PostedDocumentType BatchNumber:D EntryNumber:D "
    "DocumentDate:T PostingDate:T DueDate:T CurrencyCode:S3 ExchangeRate:D7 VendorCurrencyInvoiceAmount:D "
    "VendorCurrencyAmountDue:D FunctionalCurrencyInvoiceAmount:D FunctionalCurrencyAmountDue:D FullyPaid:@YesNo "
    "DatePaid:T LastActivityDate:T DocumentDescription:S60 PONumber:S22 FiscalYear:S FiscalPeriod:S"
)
_AP_POST_INVOICES = _p("ProcessAllBatches:@PostAllBatches FromBatch:D ToBatch:D ActionSelector:S")  # I13 (S3)

AP = Module(
    "AP",
    (
        *COMMON,
        BATCH_STATUS,
        POST_ALL,
        EnumType("VendorOnHold", ("NotOnHold", "OnHold"), 'PL "NotOnHold"; I8'),
        EnumType("InvoiceDocumentType", ("Invoice", "DebitNote", "CreditNote", "Interest"), "PL"),
        EnumType(
            "PostedDocumentType", ("Invoice", "DebitNote", "CreditNote", "Interest", "Prepayment", "Payment"), "I18"
        ),
    ),
    (
        StructType("AccountSet", _AP_ACCOUNT_SET, ("AccountSetCode",), "PL"),
        StructType("DistributionCode", _AP_DISTRIBUTION_CODE, ("DistributionCodeKey",), "PL"),
        StructType("TermsCode", _AP_TERMS, ("TermsCode",), "PL"),
        StructType("TermsPaymentSchedule", _AP_TERMS_SCHEDULE, (), "PL"),
        StructType("VendorGroup", _AP_VENDOR_GROUP, ("GroupCode",), "PL"),
        StructType("Vendor", _AP_VENDOR, ("VendorNumber",), "PL, I8"),
        StructType("InvoiceBatch", _AP_INVOICE_BATCH, ("BatchNumber",), "PL; MD16 by analogy"),
        StructType("Invoice", _AP_INVOICE, (), "PL, I10, I11"),
        StructType("InvoiceDetail", _AP_INVOICE_DETAIL, (), "PL, I11"),
        StructType("InvoicePaymentSchedule", _AP_PAYMENT_SCHEDULE, (), "inferred (I24)"),
        StructType("InvoiceOptionalField", _OPTIONAL_FIELD, (), "inferred (I24)"),
        StructType("InvoiceDetailOptionalField", _OPTIONAL_FIELD, (), "inferred (I24)"),
        StructType("PostedDocument", _AP_POSTED_DOCUMENT, ("VendorNumber", "DocumentNumber"), "I18"),
        StructType("PostInvoice", _AP_POST_INVOICES, ("ActionSelector",), "I13"),
    ),
    (
        Resource("AP", "APAccountSets", "master", MASTER, "AccountSet", "ap_account_sets", name_2016="AccountSets"),
        Resource(
            "AP",
            "APDistributionCodes",
            "master",
            MASTER,
            "DistributionCode",
            "ap_distribution_codes",
            name_2016="DistributionCodes",
        ),
        Resource("AP", "APTerms", "master", MASTER, "TermsCode", "ap_terms", name_2016="Terms"),
        Resource("AP", "APVendorGroups", "master", MASTER, "VendorGroup", "ap_vendor_groups", name_2016="VendorGroups"),
        Resource("AP", "APVendors", "master", MASTER, "Vendor", "ap_vendors", name_2016="Vendors"),
        Resource(
            "AP", "APInvoiceBatches", "transaction", BATCH, "InvoiceBatch", "ap_batches", name_2016="InvoiceBatches"
        ),
        Resource(
            "AP", "APPostedDocuments", "get-only", GET_ONLY, "PostedDocument", "ap_posted", name_2016="PostedDocuments"
        ),
        Resource("AP", "APPostInvoices", "process", PROCESS, "PostInvoice", "", name_2016="PostInvoices"),
    ),
)

# ---------------------------------------------------------------------------------------------------------
# GL — PL bodies, I6, I12, I15; secondary S4 for batches and posted transactions
# ---------------------------------------------------------------------------------------------------------
GL = Module(
    "GL",
    (
        *COMMON,
        POST_ALL,
        EnumType("AccountType", ("BalanceSheet", "IncomeStatement", "RetainedEarnings"), "PL; I24"),
        EnumType("NormalBalance", ("Debit", "Credit"), "PL"),
        EnumType("JournalBatchStatus", ("Open", "ReadyToPost", "Posted", "Deleted"), "I12"),
    ),
    (
        StructType(
            "Account",
            _p(
                "UnformattedAccount:S45 AccountNumber:S45 Description:S60 AccountType:@AccountType "
                "NormalBalanceDRCR:@NormalBalance Status:@ActiveStatus StructureCode:S6 AccountGroupCode:S12 "
                "PostToAccount:S QuantitiesAllowed:@YesNo UnitOfMeasure:S6 AllocationsAllowed:S "
                "AllocOffsetAccount:S45 AllocSourceType:S Multicurrency:@YesNo SpecificCurrency:S "
                "ControlAccount:@YesNo AllocationPercentTotal:D DefaultCurrencyCode:S3 RollupSwitch:@YesNo "
                "DateLastMaintained:T AccountValidCurrencies:[AccountValidCurrency] "
                "ControlAccountSubledgers:[ControlAccountSubledger]"
            ),
            ("UnformattedAccount",),
            "PL, I6",
        ),
        StructType(
            "AccountValidCurrency",
            _p(f"AccountNumber:S45 CurrencyCode:S3 RevaluationSwitch:S RevaluationCode:S6 {UPDATE}"),
            (),
            "PL",
        ),
        StructType("ControlAccountSubledger", _p(f"AccountNumber:S45 SourceLedger:S2 {UPDATE}"), (), "inferred (I24)"),
        StructType(
            "SourceCode", _p("SourceLedger:S2 SourceType:S2 Description:S60"), ("SourceLedger", "SourceType"), "PL"
        ),
        StructType(
            "JournalBatch",
            _p(
                "BatchNumber:S6 Description:S60 Status:@JournalBatchStatus ReadyToPost:@YesNo SourceLedger:S2 "
                "DateCreated:T DateLastEdited:T BatchType:S PostingSequence:D Debits:D Credits:D NumberOfEntries:D "
                "NumberOfErrors:D JournalHeaders:[JournalHeader]"
            ),
            ("BatchNumber",),
            "PL, S4, I12",
        ),
        StructType(
            "JournalHeader",
            _p(
                "BatchNumber:S6 EntryNumber:S5 SourceLedger:S2 SourceType:S2 Description:S60 DocumentDate:T "
                "PostingDate:T FiscalYear:S4 FiscalPeriod:S2 AutoReversal:@YesNo Debits:D Credits:D "
                f"OutOfBalanceBy:D EnteredBy:S8 JournalDetails:[JournalDetail] {UPDATE}"
            ),
            (),
            "PL, I15",
        ),
        StructType(
            "JournalDetail",
            _p(
                "BatchNumber:S6 EntryNumber:S5 TransactionNumber:S10 AccountNumber:S45 Amount:D "
                "SourceCurrencyAmount:D SourceCurrency:S3 HomeCurrency:S3 CurrencyRate:D7 Quantity:D4 "
                f"Description:S60 Reference:S60 JournalDate:T Comment:S250 {UPDATE}"
            ),
            (),
            "PL, S4",
        ),
        StructType(
            "PostedTransaction",
            _p(
                "AccountNumber:S45 FiscalYear:S4 FiscalPeriod:S2 SourceCurrencyCode:S3 SourceLedgerCode:S2 "
                "SourceTypeCode:S2 PostingSequenceNumber:D DetailCount:D JournalDate:T BatchNumber:S6 "
                "JournalEntryNumber:S5 JournalTransactionNumber:S10 JournalTransactionAmount:D "
                "JournalDetailDescription:S60 JournalDetailReference:S60 SourceCurrencyAmount:D"
            ),
            ("AccountNumber", "FiscalYear", "FiscalPeriod", "PostingSequenceNumber", "DetailCount"),
            "S4, I15",
        ),
        StructType(
            "PostJournal",
            _p("PostAllBatches:@PostAllBatches FromBatch:S6 ToBatch:S6 ActionSelector:S"),
            ("ActionSelector",),
            "I12",
        ),
    ),
    (
        Resource("GL", "GLAccounts", "master", MASTER, "Account", "gl_accounts", name_2016="Accounts"),
        Resource("GL", "GLSourceCodes", "master", MASTER, "SourceCode", "gl_source_codes", name_2016="SourceCodes"),
        Resource(
            "GL", "GLJournalBatches", "transaction", BATCH, "JournalBatch", "gl_batches", name_2016="JournalBatches"
        ),
        Resource(
            "GL",
            "GLPostedTransactions",
            "get-only",
            GET_ONLY,
            "PostedTransaction",
            "gl_posted",
            name_2016="PostedTransactions",
        ),
        Resource("GL", "GLPostJournal", "process", PROCESS, "PostJournal", "", name_2016="PostJournal"),
    ),
)

# ---------------------------------------------------------------------------------------------------------
# TX — ER22 (GET only), I7, secondary S (iTaxSuite, go-sage300)
# ---------------------------------------------------------------------------------------------------------
TX = Module(
    "TX",
    (
        *COMMON,
        EnumType("TaxTransactionType", ("Sales", "Purchases"), "I7"),
        EnumType("TaxClassType", ("Customers", "Vendors", "Items"), "I7"),
    ),
    (
        StructType(
            "TaxAuthority",
            _p(
                "TaxAuthorityKey:S12 Description:S60 TaxReportingCurrency:S3 TaxLiabilityAccount:S45 "
                "TaxClasses:[TaxClass]"
            ),
            ("TaxAuthorityKey",),
            "S (iTaxSuite), I7",
        ),
        StructType(
            "TaxClass",
            _p(
                f"Class:I ClassType:@TaxClassType TransactionType:@TaxTransactionType Description:S60 Exempt:B {UPDATE}"
            ),
            (),
            "I7",
        ),
        StructType(
            "TaxGroup",
            _p(
                "TaxGroupKey:S12 TransactionType:@TaxTransactionType Description:S60 TaxReportingCurrency:S3 "
                f"TaxCalculationMethod:S {_n('TaxAuthority{n}', 'S12')} {_n('Taxable{n}', 'B')} {_n('Surtax{n}', 'B')} "
                f"{_n('SurtaxOnAuthority{n}', 'S12')}"
            ),
            ("TaxGroupKey", "TransactionType"),
            "S (go-sage300); key I24",
        ),
        StructType(
            "TaxRate",
            _p(
                "TaxAuthority:S12 TransactionType:@TaxTransactionType BuyerClass:I LastMaintained:T "
                + _n("ItemRate{n}", "D5", 10)
            ),
            ("TaxAuthority", "TransactionType", "BuyerClass"),
            "S (go-sage300); key I24",
        ),
    ),
    (
        Resource(
            "TX", "TXTaxAuthorities", "master", GET_ONLY, "TaxAuthority", "tx_authorities", name_2016="TaxAuthorities"
        ),
        Resource("TX", "TXTaxGroups", "master", GET_ONLY, "TaxGroup", "tx_groups", name_2016="TaxGroups"),
        Resource("TX", "TXTaxRates", "master", GET_ONLY, "TaxRate", "tx_rates", name_2016="TaxRates"),
    ),
)

# ---------------------------------------------------------------------------------------------------------
# CS — PL bodies, I2, I3, I4, I5
# ---------------------------------------------------------------------------------------------------------
_PERIODS = " ".join(
    f"FiscalPeriod{n}{suffix}" for n in range(1, 14) for suffix in ("StartDate:T", "EndDate:T", "Status:@PeriodStatus")
)
CS = Module(
    "CS",
    (
        *COMMON,
        EnumType("DecimalPlaces", ("Num0", "Num1", "Num2", "Num3"), 'PL "Num2"; I3'),
        EnumType("DateMatching", ("Earlier", "Later", "Closest"), 'PL "Earlier"; I4'),
        EnumType("RateOperation", ("Multiply", "Divide"), 'PL "Multiply"; I4'),
        EnumType("PeriodStatus", ("Open", "Locked"), "I5"),
    ),
    (
        StructType(
            "CompanyProfile",
            _p("CompanyID:S6 CompanyName:S60 HomeCurrency:S3 Multicurrency:@YesNo Country:S30"),
            ("CompanyID",),
            "I2",
        ),
        StructType(
            "CurrencyCode",
            _p(
                "CurrencyCodeKey:S3 Description:S60 Symbol:S4 DecimalPlaces:@DecimalPlaces SymbolPosition:S "
                "ThousandsSeparator:S DecimalSeparator:S NegativeDisplay:S"
            ),
            ("CurrencyCodeKey",),
            "PL",
        ),
        StructType("CurrencyRateType", _p("RateTypeKey:S2 Description:S60"), ("RateTypeKey",), "PL"),
        StructType(
            "CurrencyRate",
            _p(
                "ToCurrency:S3 RateType:S2 TableDescription:S60 DateMatching:@DateMatching "
                "RateOperation:@RateOperation SourceOfRates:S60 CurrencyRateDetail:[CurrencyRateDetail]"
            ),
            ("ToCurrency", "RateType"),
            "PL, I4",
        ),
        StructType(
            "CurrencyRateDetail",
            _p(f"ToCurrency:S3 RateType:S2 FromCurrency:S3 RateDate:T Rate:D7 {UPDATE}"),
            (),
            "PL",
        ),
        StructType(
            "FiscalCalendar",
            _p(f"FiscalYear:S4 NumberOfFiscalPeriods:I Active:@YesNo {_PERIODS}"),
            ("FiscalYear",),
            "I5",
        ),
    ),
    (
        Resource(
            "CS", "CSCompanyProfile", "master", PROFILE, "CompanyProfile", "cs_company", name_2016="CompanyProfile"
        ),
        Resource("CS", "CSCurrencyCodes", "master", MASTER, "CurrencyCode", "cs_currencies", name_2016="CurrencyCodes"),
        Resource(
            "CS",
            "CSCurrencyRateTypes",
            "master",
            MASTER,
            "CurrencyRateType",
            "cs_rate_types",
            name_2016="CurrencyRateTypes",
        ),
        Resource("CS", "CSCurrencyRates", "master", MASTER, "CurrencyRate", "cs_rates", name_2016="CurrencyRates"),
        Resource(
            "CS", "CSFiscalCalendars", "master", GET_ONLY, "FiscalCalendar", "cs_fiscal", name_2016="FiscalCalendars"
        ),
    ),
)

# ---------------------------------------------------------------------------------------------------------
# IC — PL bodies, I9, I16
# ---------------------------------------------------------------------------------------------------------
IC = Module(
    "IC",
    (
        *COMMON,
        EnumType(
            "AdjustmentTransactionType",
            ("QuantityIncrease", "QuantityDecrease", "CostIncrease", "CostDecrease", "BothIncrease", "BothDecrease"),
            'PL "BothIncrease"; I24',
        ),
        EnumType("TransferDocumentType", ("Transfer", "TransitTransfer", "TransitReceipt"), "PL, I16; I24"),
        EnumType("RecordStatus", ("Entered", "Posted"), 'PL "Entered"; I24'),
        EnumType("LocationType", ("Physical", "Logical"), 'PL "Physical"; I24'),
    ),
    (
        StructType(
            "Item",
            _p(
                "UnformattedItemNumber:S24 ItemNumber:S24 Description:S60 StructureCode:S6 Category:S6 "
                "AccountSetCode:S6 StockItem:B StockingUnitOfMeasure:S10 DefaultPriceListCode:S6 UnitWeight:D4 "
                "KittingItem:B WeightUnitOfMeasure:S10 Inactive:B DateLastMaintained:T "
                "ItemUnitsOfMeasure:[ItemUnitOfMeasure]"
            ),
            ("UnformattedItemNumber",),
            "PL, I9",
        ),
        StructType(
            "ItemUnitOfMeasure",
            _p(f"ItemNumber:S24 UnitOfMeasure:S10 ConversionFactor:D6 FACTOR:I {UPDATE}"),
            (),
            "PL",
        ),
        StructType(
            "Location",
            _p("LocationKey:S6 Name:S60 LocationType:@LocationType Inactive:B"),
            ("LocationKey",),
            "PL, I9",
        ),
        StructType(
            "Adjustment",
            _p(
                "SequenceNumber:D AdjustmentNumber:S22 Description:S60 AdjustmentDate:T FiscalYear:S4 FiscalPeriod:S2 "
                "RecordStatus:@RecordStatus Reference:S60 AdjustmentDetails:[AdjustmentDetail]"
            ),
            ("SequenceNumber",),
            "PL, I16",
        ),
        StructType(
            "AdjustmentDetail",
            _p(
                "SequenceNumber:D LineNumber:D ItemNumber:S24 Location:S6 TransactionType:@AdjustmentTransactionType "
                f"Quantity:D4 UnitOfMeasure:S10 CostAdjustment:D Comments:S250 {UPDATE}"
            ),
            (),
            "PL",
        ),
        StructType(
            "Transfer",
            _p(
                "SequenceNumber:D TransferNumber:S22 Description:S60 DocumentDate:T FiscalYear:S4 FiscalPeriod:S2 "
                "Reference:S60 AdditionalCost:D ProrationMethod:S RecordStatus:@RecordStatus "
                "DocumentType:@TransferDocumentType TransferDetails:[TransferDetail]"
            ),
            ("SequenceNumber",),
            "PL, I16",
        ),
        StructType(
            "TransferDetail",
            _p(
                "SequenceNumber:D LineNumber:D ItemNumber:S24 FromLocation:S6 ToLocation:S6 QuantityTransferred:D4 "
                "UnitOfMeasure:S10 Comments:S250 GoodsInTransitLocation:S6 DetailLineNumber:I QuantityRequested:D4 "
                f"{UPDATE}"
            ),
            (),
            "PL",
        ),
    ),
    (
        Resource("IC", "ICItems", "master", MASTER, "Item", "ic_items", name_2016="Items"),
        Resource("IC", "ICLocations", "master", MASTER, "Location", "ic_locations", name_2016="Locations"),
        Resource(
            "IC", "ICAdjustments", "transaction", GET_POST, "Adjustment", "ic_adjustments", name_2016="Adjustments"
        ),
        Resource("IC", "ICTransfers", "transaction", GET_POST, "Transfer", "ic_transfers", name_2016="Transfers"),
    ),
)

MODULES: dict[str, Module] = {m.code: m for m in (AR, AP, GL, TX, CS, IC)}
"""Every module the emulator serves, by code."""

ER22_NAMES: frozenset[str] = frozenset(
    """AP1099CPRSCodes APAccountSets APDistributionCodes APDistributionSets APPaymentCodes APRecurringPayables
    APRemitToLocations APTerms APVendorGroups APVendors ARAccountSets ARBillingCycles ARCommentTypes
    ARCustomerGroups ARCustomers ARDistributionCodes ARDunningMessages ARItems ARNationalAccounts
    ARPaymentCodes ARRecurringCharges ARSalespersons ARSalespersonStatistics ARShipToLocations ARTerms
    BKBankDistributionCodes BKBanks BKCreditCardTypes CSCompanyProfile CSCurrencyCodes CSCurrencyRates
    CSCurrencyRateTypes CSFiscalCalendars CSSchedules GLAccountGroups GLAccounts GLRevaluationCodes
    GLSegmentCodes GLSourceCodes ICAccountSets ICBillsOfMaterial ICCategories ICItemPricing ICItems
    ICItemStructures ICLocations ICPriceListCodes ICUnitsOfMeasure ICWeightUnitsOfMeasure MTContactForms
    MTContacts OEMiscellaneousCharges OEShipViaCodes OETemplates POAccountSets POAdditionalCosts POTemplates
    POVendorContractCosts TXTaxAuthorities TXTaxGroups TXTaxRates APInvoiceBatches
    APPaymentAndAdjustmentBatches ARInvoiceBatches ARReceiptAndAdjustmentBatches ARRefundBatches
    BKBankEntries GLJournalBatches ICAdjustments ICInternalUsages ICReceipts ICShipments ICTransfers
    OECreditDebitNotes OEInvoices OEOrders POCreditDebitNotes POInvoices POPurchaseOrders POReceipts
    POGetReceipts PORequisitions POReturns APCreateGLBatch APCreateRecurringPayableBatch
    APCreateRetainageDocumentBatch APDeleteInactiveRecords APPostInvoices APPostPaymentsAndAdjustments
    ARCreateGLBatch ARCreateRecurringCharge ARCreateRetainageDocumentBatch ARPostInvoices
    ARPostReceiptsAndAdjustments ARPostRefunds GLPostJournal ICCreateGLBatch ICDayEndProcessing
    POCreateBatch PODayEndProcessing AP1099CPRSAmounts APPostedDocuments APPostedPayments
    APPostingErrorMessages APVendorStatistics ARItemStatistics ARNationalAccountStatistics ARPayments
    ARPostedDocuments ARPostedReceipts GLAccountFiscalSets GLPostedTransactions GLPostingJournalDetails
    GLProvisionalPostingErrors OEPostingJournals OESalesHistory OESalesHistoryDetails OESalesStatistics
    TXTaxTracking""".split()  # noqa: SIM905
)
"""Every endpoint name of ER22 (facts §1); the emulator serves the subset cwsage needs."""

RENAMES_2016: dict[tuple[str, str], dict[str, str]] = {
    ("AR", "TermsCode"): {"TermsCode": "TermsCodeKey"},
    ("AP", "TermsCode"): {"TermsCode": "TermsCodeKey"},
    ("AR", "AccountSet"): {"AccountSetCode": "AccountSetKey"},
    ("AP", "AccountSet"): {"AccountSetCode": "AccountSetKey"},
}
"""The 2016 dialect's key names (MD16: ``TermsCodeKey``, ``AccountSetKey``; ``DistributionCodeKey`` is the same
in both). Keyed by (module, entity type); v1.0 name → 2016 name."""


def resources() -> list[Resource]:
    """Every served resource, module by module."""
    return [r for module in MODULES.values() for r in module.resources]


def _check_er22() -> None:
    for resource in resources():
        if resource.name not in ER22_NAMES:
            raise ValueError(f"{resource.path} is not an ER22 endpoint")


_check_er22()
