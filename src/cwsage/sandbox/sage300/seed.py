"""The CWDEMO company as Sage 300 holds it, in the Web API's names, derived from ``demo_company``.

Why derived rather than hand-written: the Manage emulator reads the same master data, so the two stay
consistent except where ``demo_company`` is wrong on purpose (customer BLUEHERON, GL account 4600-10 and tax
authority DENCITY are absent here). The seed then enters and posts twenty August 2026 invoices (A0801–A0820,
AR batch 1) and receipts against some of them (receipt batch CA 1) through the emulator's own rules, as if
an earlier cwsage run had exported them and customers had since paid some.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import Decimal

from cwsage.sandbox import demo_company as demo
from cwsage.sandbox.sage300 import invoices, receipts
from cwsage.sandbox.sage300 import vocabulary as vocab
from cwsage.sandbox.sage300.company import TABLES, Company, iso
from cwsage.sandbox.sage300.payload import Reader
from cwsage.sandbox.sage300.store import Row

COMPANY_NAME = "Northwind Managed IT"
INACTIVE_ACCOUNT = ("5999", "00", "Old Expense")
"""One inactive GL account, so validation has an inactive account to find."""
RATE_TYPE = "SP"
AR_DISTRIBUTION_CODES = {
    "SVC": "Service",
    "AGR": "Agreement",
    "PROD": "Product",
    "MISC": "Miscellaneous",
    "PROJ": "Project",
    "EXP": "Expense",
    "DEPOS": "DownPayment",
}
AP_DISTRIBUTION_CODES = {
    "INV": ("Inventory purchases", "1300-00"),
    "COGS": ("Cost of goods sold", "5000-30"),
    "FRT": ("Freight in", "5200-30"),
    "TRAVEL": ("Travel", "5100-10"),
    "SOFT": ("Software subscriptions", "5400-10"),
}
SOURCE_CODES = (
    ("GL", "JE", "Journal entry"),
    ("GL", "CL", "Closing entry"),
    ("GL", "RV", "Revaluation"),
    ("AR", "IN", "AR invoice"),
    ("AR", "CR", "AR credit note"),
    ("AR", "CA", "AR cash receipt"),
    ("AP", "IN", "AP invoice"),
    ("AP", "CR", "AP credit note"),
    ("IC", "AD", "IC adjustment"),
    ("IC", "TF", "IC transfer"),
)
PREPOSTED_CUSTOMERS = ("ACME001", "WINDYCITY", "MILEHIGH", "LOOPCPA", "ROCKYLAW")
MAINTAINED = iso(date(2026, 1, 5))


def _account(segments: tuple[str, str], description: str, kind: str, normal: str, status: str = "Active") -> Row:
    return {
        "UnformattedAccount": "".join(segments),
        "AccountNumber": demo.SEGMENT_SEPARATOR.join(segments),
        "Description": description,
        "AccountType": kind,
        "NormalBalanceDRCR": normal,
        "Status": status,
        "StructureCode": "ACCDIV",
        "AccountGroupCode": segments[0][0] + "000",
        "PostToAccount": "Detail",
        "QuantitiesAllowed": "No",
        "Multicurrency": "Yes" if kind == "BalanceSheet" else "No",
        "DefaultCurrencyCode": demo.SAGE_HOME_CURRENCY,
        "DateLastMaintained": MAINTAINED,
    }


def _fiscal_calendar(year: int) -> Row:
    row: Row = {"FiscalYear": str(year), "NumberOfFiscalPeriods": 12, "Active": "Yes"}
    locked = demo.LOCKED_PERIODS.get(year, ())
    for n in range(1, 13):
        start = date(year, n, 1)
        end = (date(year + 1, 1, 1) if n == 12 else date(year, n + 1, 1)) - timedelta(days=1)
        row[f"FiscalPeriod{n}StartDate"] = iso(start)
        row[f"FiscalPeriod{n}EndDate"] = iso(end)
        row[f"FiscalPeriod{n}Status"] = "Locked" if n in locked else "Open"
    return row


def _common(tables: dict[str, list[Row]], company: demo.DemoCompany) -> None:
    home = demo.SAGE_HOME_CURRENCY
    tables["CS/CSCompanyProfile"] = [
        {
            "CompanyID": demo.SAGE_COMPANY,
            "CompanyName": COMPANY_NAME,
            "HomeCurrency": home,
            "Multicurrency": "Yes",
            "Country": "United States",
        }
    ]
    tables["CS/CSCurrencyCodes"] = [
        {
            "CurrencyCodeKey": c.code,
            "Description": c.name,
            "Symbol": c.symbol,
            "DecimalPlaces": f"Num{c.decimals}",
            "SymbolPosition": "Before",
            "ThousandsSeparator": "Comma",
            "DecimalSeparator": "Period",
            "NegativeDisplay": "Leading",
        }
        for c in company.currencies
    ]
    tables["CS/CSCurrencyRateTypes"] = [{"RateTypeKey": RATE_TYPE, "Description": "Spot rate"}]
    details = [
        {"ToCurrency": home, "RateType": RATE_TYPE, "FromCurrency": c.code, "RateDate": iso(when), "Rate": rate}
        for c in company.currencies
        if c.code != home
        for when, rate in c.rates
    ]
    tables["CS/CSCurrencyRates"] = [
        {
            "ToCurrency": home,
            "RateType": RATE_TYPE,
            "TableDescription": f"Spot rates into {home}",
            "DateMatching": "Earlier",
            "RateOperation": "Multiply",
            "SourceOfRates": "Bank of Canada",
            "CurrencyRateDetail": details,
        }
    ]
    tables["CS/CSFiscalCalendars"] = [_fiscal_calendar(year) for year in demo.FISCAL_YEARS]
    accounts = [
        _account(a.segments, a.description, a.account_type, a.normal_balance) for a in company.gl_accounts if a.in_sage
    ]
    accounts.append(_account(INACTIVE_ACCOUNT[:2], INACTIVE_ACCOUNT[2], "IncomeStatement", "Debit", status="Inactive"))
    tables["GL/GLAccounts"] = sorted(accounts, key=lambda row: row["UnformattedAccount"])
    tables["GL/GLSourceCodes"] = [{"SourceLedger": s, "SourceType": t, "Description": d} for s, t, d in SOURCE_CODES]


def _tax(tables: dict[str, list[Row]], company: demo.DemoCompany) -> None:
    authorities: dict[str, Row] = {}
    rates: list[Row] = []
    groups: list[Row] = []
    for code in company.tax_codes:
        currency = "CAD" if code.group_xref == "ONTARIO" else demo.SAGE_HOME_CURRENCY
        present = [level for level in code.levels if level.agency_xref not in company.missing_tax_authorities]
        for level in present:
            if level.agency_xref in authorities:
                continue
            classes = [
                {
                    "Class": number,
                    "ClassType": class_type,
                    "TransactionType": transaction,
                    "Description": text,
                    "Exempt": exempt,
                }
                for transaction, party in (("Sales", "Customers"), ("Purchases", "Vendors"))
                for class_type in (party, "Items")
                for number, text, exempt in ((1, "Taxable", False), (2, "Exempt", True))
            ]
            authorities[level.agency_xref] = {
                "TaxAuthorityKey": level.agency_xref,
                "Description": level.caption,
                "TaxReportingCurrency": currency,
                "TaxLiabilityAccount": level.account,
                "TaxClasses": classes,
            }
            for transaction in ("Sales", "Purchases"):
                for buyer in (1, 2):
                    row: Row = {
                        "TaxAuthority": level.agency_xref,
                        "TransactionType": transaction,
                        "BuyerClass": buyer,
                        "LastMaintained": MAINTAINED,
                    }
                    row.update({f"ItemRate{n}": Decimal(0) for n in range(1, 11)})
                    if buyer == 1:
                        row["ItemRate1"] = level.rate_percent
                    rates.append(row)
        for transaction in ("Sales", "Purchases"):
            group: Row = {
                "TaxGroupKey": code.group_xref,
                "TransactionType": transaction,
                "Description": code.description,
                "TaxReportingCurrency": currency,
                "TaxCalculationMethod": "CalculateTaxByDetail",
            }
            for n in range(1, 6):
                slot = present[n - 1] if n <= len(present) else None
                group[f"TaxAuthority{n}"] = slot.agency_xref if slot else ""
                group[f"Taxable{n}"] = slot is not None
                group[f"Surtax{n}"] = False
                group[f"SurtaxOnAuthority{n}"] = ""
            groups.append(group)
    tables["TX/TXTaxAuthorities"] = list(authorities.values())
    tables["TX/TXTaxRates"] = rates
    tables["TX/TXTaxGroups"] = groups


def _terms(tables: dict[str, list[Row]], company: demo.DemoCompany) -> None:
    tables["AR/ARTerms"] = [
        {
            "TermsCode": t.xref,
            "Description": t.name,
            "Status": "Active",
            "UsePaymentSchedule": "No",
            "CalculationBaseForDiscountwithTax": "Excluded",
            "DiscountType": "DaysFromInvoiceDate",
            "DueDateType": "DaysFromInvoiceDate",
            "NumberOfPayments": 1,
            "TotalPercentDue": 100,
            "DateLastMaintained": MAINTAINED,
            "TermsPaymentSchedules": [
                {
                    "TermsCode": t.xref,
                    "PaymentNumber": 1,
                    "PercentDue": 100,
                    "DiscountPercent": 0,
                    "DiscountNumberOfDays": 0,
                    "DiscountDayOfMonth": 0,
                    "DueNumberOfDays": t.due_days,
                    "DueDayOfMonth": 0,
                }
            ],
        }
        for t in company.terms
    ]
    tables["AP/APTerms"] = [
        {
            "TermsCode": t.xref,
            "Description": t.name,
            "Status": "Active",
            "UsePaymentSchedule": "No",
            "CalculationBaseForDiscountwithTax": "Excluded",
            "MethodOfCalcForDiscountDate": "DaysFromInvoiceDate",
            "MethodOfCalcForDueDate": "DaysFromInvoiceDate",
            "NumberOfPayments": 1,
            "TotalPercentageDue": 100,
            "DateLastMaintained": MAINTAINED,
            "TermsPaymentSchedule": [
                {
                    "TermsCode": t.xref,
                    "PaymentNumber": 1,
                    "PercentageDue": 100,
                    "DiscountPercent": 0,
                    "DiscountNumberOfDays": 0,
                    "DiscountDayOfMonth": 0,
                    "DueNumberOfDays": t.due_days,
                    "DueDayOfMonth": 0,
                }
            ],
        }
        for t in company.terms
    ]


def _parties(tables: dict[str, list[Row]], company: demo.DemoCompany) -> None:
    home = demo.SAGE_HOME_CURRENCY
    currencies = sorted({c.code for c in company.currencies})
    accounts = {a.formatted for a in company.gl_accounts if a.in_sage}
    tables["AR/ARDistributionCodes"] = [
        {
            "DistributionCodeKey": code,
            "Description": f"{kind} revenue",
            "Status": "Active",
            "RevenueAccount": demo.REVENUE_ACCOUNTS[kind],
            "Discountable": "No",
            "DateLastMaintained": MAINTAINED,
        }
        for code, kind in AR_DISTRIBUTION_CODES.items()
        if demo.REVENUE_ACCOUNTS[kind] in accounts
    ]
    tables["AP/APDistributionCodes"] = [
        {
            "DistributionCodeKey": code,
            "Description": text,
            "Status": "Active",
            "GLAccount": account,
            "Discountable": "No",
            "DateLastMaintained": MAINTAINED,
        }
        for code, (text, account) in AP_DISTRIBUTION_CODES.items()
        if account in accounts
    ]
    tables["AR/ARAccountSets"] = [
        {
            "AccountSetCode": c,
            "Description": f"{c} receivables",
            "Status": "Active",
            "ReceivablesControlAccount": demo.AR_ACCOUNT,
            "CurrencyCode": c,
            "DateLastMaintained": MAINTAINED,
        }
        for c in currencies
    ]
    tables["AR/ARCustomerGroups"] = [
        {
            "GroupCode": c,
            "Description": f"{c} customers",
            "Status": "Active",
            "AccountSet": c,
            "Terms": "NET30",
            "AccountType": "OpenItem",
            "RateType": RATE_TYPE,
            "DateLastMaintained": MAINTAINED,
        }
        for c in currencies
    ]
    ap_sets = [
        {
            "AccountSetCode": c,
            "Description": f"{c} payables",
            "Status": "Active",
            "PayablesControlAccount": demo.AP_ACCOUNT,
            "CurrencyCodeForAccount": c,
            "DateLastMaintained": MAINTAINED,
        }
        for c in currencies
    ]
    vendor_groups = [
        {
            "GroupCode": c,
            "Description": f"{c} vendors",
            "Status": "Active",
            "AccountSet": c,
            "Terms": "NET30",
            "CurrencyCode": c,
            "RateType": RATE_TYPE,
            "TaxGroup": "EXEMPT",
            "DateLastMaintained": MAINTAINED,
        }
        for c in currencies
    ]
    for code in sorted({home, *(demo.member_currency(m) for m in company.members)}):
        emp = "EMP" if code == home else f"EMP{code}"[:6]
        ap_sets.append(
            {
                "AccountSetCode": emp,
                "Description": f"Employee reimbursements ({code})",
                "Status": "Active",
                "PayablesControlAccount": demo.EXPENSE_OFFSET_ACCOUNT,
                "CurrencyCodeForAccount": code,
                "DateLastMaintained": MAINTAINED,
            }
        )
        vendor_groups.append(
            {
                "GroupCode": emp,
                "Description": f"Employees ({code})",
                "Status": "Active",
                "AccountSet": emp,
                "Terms": "COD",
                "CurrencyCode": code,
                "RateType": RATE_TYPE,
                "TaxGroup": "EXEMPT",
                "DateLastMaintained": MAINTAINED,
            }
        )
    tables["AP/APAccountSets"] = ap_sets
    tables["AP/APVendorGroups"] = vendor_groups
    terms_by_id = {t.id: t.xref for t in company.terms}
    groups_by_code = {t.identifier: t.group_xref for t in company.tax_codes}
    sales = {g["TaxGroupKey"]: g for g in tables["TX/TXTaxGroups"] if g["TransactionType"] == "Sales"}
    tables["AR/ARCustomers"] = [
        {
            "CustomerNumber": c.account_number,
            "ShortName": c.identifier[:10],
            "GroupCode": c.currency,
            "Status": "Active",
            "OnHold": "No",
            "StartDate": iso(date(2025, 1, 1)),
            "CustomerName": c.name,
            "City": c.city,
            "StateProvince": c.state,
            "Country": "Canada" if c.currency == "CAD" else "United States",
            "AccountSet": c.currency,
            "CurrencyCode": c.currency,
            "PrintStatements": "Yes",
            "AccountType": "OpenItem",
            "Terms": terms_by_id[c.terms_id],
            "RateType": RATE_TYPE,
            "TaxGroup": groups_by_code[c.tax_code],
            **{
                f"TaxClassCode{n}": 1 if sales[groups_by_code[c.tax_code]][f"TaxAuthority{n}"] else 0
                for n in range(1, 6)
            },
            "CreditLimitCustomerCurrency": Decimal(0),
            "BalanceDueInCustomerCurrency": Decimal(0),
            "NumberOfOpenDocuments": 0,
            "DateLastMaintained": MAINTAINED,
        }
        for c in company.customers
        if c.in_sage
    ]
    vendors = [
        {
            "VendorNumber": v.vendor_identifier,
            "ShortName": v.identifier[:10],
            "GroupCode": v.currency,
            "OnHold": "NotOnHold",
            "VendorName": v.name,
            "Status": "Active",
            "AccountSet": v.currency,
            "CurrencyCode": v.currency,
            "Terms": terms_by_id[v.terms_id],
            "RateType": RATE_TYPE,
            "TaxGroup": "EXEMPT",
            "BalanceDueInVendorCurrency": Decimal(0),
            "NumberOfOpenDocuments": 0,
            "DateLastMaintained": MAINTAINED,
        }
        for v in company.vendors
    ]
    for member in company.members:
        if not member.vendor_number:
            continue
        currency = demo.member_currency(member)
        group = "EMP" if currency == home else f"EMP{currency}"[:6]
        vendors.append(
            {
                "VendorNumber": member.vendor_number,
                "ShortName": member.identifier[:10],
                "GroupCode": group,
                "OnHold": "NotOnHold",
                "VendorName": f"{member.first_name} {member.last_name}",
                "Status": "Active",
                "AccountSet": group,
                "CurrencyCode": currency,
                "Terms": "COD",
                "RateType": RATE_TYPE,
                "TaxGroup": "EXEMPT",
                "BalanceDueInVendorCurrency": Decimal(0),
                "NumberOfOpenDocuments": 0,
                "DateLastMaintained": MAINTAINED,
            }
        )
    tables["AP/APVendors"] = vendors


def _inventory(tables: dict[str, list[Row]], company: demo.DemoCompany) -> None:
    tables["IC/ICItems"] = [
        {
            "UnformattedItemNumber": item.identifier.replace("-", ""),
            "ItemNumber": item.identifier,
            "Description": item.description,
            "StructureCode": "ITEM",
            "Category": "HW",
            "AccountSetCode": "INV",
            "StockItem": True,
            "StockingUnitOfMeasure": item.uom,
            "KittingItem": False,
            "Inactive": False,
            "DateLastMaintained": MAINTAINED,
            "ItemUnitsOfMeasure": [
                {"ItemNumber": item.identifier, "UnitOfMeasure": item.uom, "ConversionFactor": Decimal(1)}
            ],
        }
        for item in company.items
        if item.inventory
    ]
    tables["IC/ICLocations"] = [
        {"LocationKey": w.location_xref, "Name": w.name, "LocationType": "Physical", "Inactive": False}
        for w in company.warehouses
    ]


def _history(company: Company) -> None:
    """Post A0801–A0820 (AR batch 1) and receipts against some of them (receipt batch CA 1)."""
    entries: list[Row] = []
    for index in range(1, 21):
        customer = PREPOSTED_CUSTOMERS[(index - 1) % len(PREPOSTED_CUSTOMERS)]
        day = iso(date(2026, 8, min(28, index + 3)))
        entries.append(
            {
                "CustomerNumber": customer,
                "DocumentNumber": f"A08{index:02d}",
                "DocumentType": "Invoice",
                "InvoiceDescription": f"Managed services August 2026 ({customer})",
                "DocumentDate": day,
                "PostingDate": day,
                "DoNotCalculationTax": "Yes",
                "InvoiceDetails": [
                    {
                        "DistributionCode": "SVC",
                        "Description": "Managed services - Aug 2026",
                        "ExtendedAmountWithTIP": Decimal("400.00") + Decimal(25) * index,
                    }
                ],
            }
        )
    reader = Reader(vocab.AR, odata4=True)
    body = {
        "BatchDate": iso(date(2026, 8, 31)),
        "Description": "Manage batch AUG-2026",
        "BatchStatus": "ReadyToPost",
        "Invoices": entries,
    }
    batch = invoices.create_batch(
        company, invoices.AR, reader.entity(vocab.AR.type_by_name["InvoiceBatch"], body), ready_allowed=True
    )
    invoices.post_batches(company, invoices.AR, {"PostBatchFrom": batch["BatchNumber"]})
    payments: list[Row] = []
    for document in company.rows("AR/ARPostedDocuments"):
        number = int(document["DocumentNumber"][1:])
        due: Decimal = document["CustomerCurrencyAmountDue"]
        if number % 4 == 1:
            paid = due
        elif number % 4 == 2:
            paid = (due / 2).quantize(Decimal("0.01"))
        else:
            continue
        payments.append(
            {
                "CustomerNumber": document["CustomerNumber"],
                "ReceiptTransactionType": "Receipt",
                "ReceiptDateAdjustmentDate": iso(date(2026, 9, 10 + number % 10)),
                "EntryReference": f"CHK{number:04d}",
                "CustomerReceiptAmount": paid,
                "AppliedReceiptsAdjustments": [
                    {"DocumentNumber": document["DocumentNumber"], "CustomerReceiptAmount": paid}
                ],
            }
        )
    body = {
        "BatchRecordType": "CA",
        "BatchDate": iso(date(2026, 9, 20)),
        "Description": "Deposits Sep 2026",
        "BankCode": "BANK",
        "BatchStatus": "ReadyToPost",
        "ReceiptsAdjustments": payments,
    }
    receipt_batch = receipts.create_batch(
        company, reader.entity(vocab.AR.type_by_name["ReceiptAndAdjustmentBatch"], body), ready_allowed=True
    )
    receipts.post_batches(company, {"BatchType": "CA", "PostBatchFrom": receipt_batch["BatchNumber"]})


def build(company: demo.DemoCompany = demo.DEMO, *, with_history: bool = True) -> dict[str, list[Row]]:
    """Every table of the seeded company (see :data:`~cwsage.sandbox.sage300.company.TABLES`)."""
    tables: dict[str, list[Row]] = {name: [] for name in TABLES}
    _common(tables, company)
    _tax(tables, company)
    _terms(tables, company)
    _parties(tables, company)
    _inventory(tables, company)
    if not with_history:
        return tables
    scratch = Company(demo.SAGE_COMPANY)
    scratch.replace_all(tables)
    _history(scratch)
    return {name: scratch.rows(name) for name in TABLES}


@functools.lru_cache(maxsize=4)
def cached(company: demo.DemoCompany = demo.DEMO) -> dict[str, tuple[Row, ...]]:
    """:func:`build`, computed once per demo company: stored rows are never changed in place, so every reset
    can share them."""
    return {name: tuple(rows) for name, rows in build(company).items()}
