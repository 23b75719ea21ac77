"""The CWDEMO company as Sage 300 holds it, derived from ``cwsage.sandbox.demo_company``.

Why derived rather than hand-written: the Manage emulator reads the same master data, so the two stay
consistent except where ``demo_company`` is wrong on purpose (customer BLUEHERON, GL account 4600-10 and
tax authority DENCITY are absent here). The seed also posts twenty August 2026 invoices (A0801–A0820,
batch 1) and a few receipts against them through the emulator's own rules, as if an earlier cwsage run
had exported them and customers had since paid some.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cwsage.sandbox import demo_company as demo
from cwsage.sandbox.sage300 import inferred, invoices, receipts
from cwsage.sandbox.sage300.common import ZERO, Data, Row, iso
from cwsage.sandbox.sage300.masters import customer_row, item_row, vendor_row

INACTIVE_ACCOUNT = ("5999", "00", "Old Expense")
"""One inactive GL account, so validation has an inactive account to find."""

DISTRIBUTION_CODES = {
    "SVC": "Service",
    "AGR": "Agreement",
    "PROD": "Product",
    "MISC": "Miscellaneous",
    "PROJ": "Project",
    "EXP": "Expense",
    "DEPOS": "DownPayment",
}
PREPOSTED_CUSTOMERS = ("ACME001", "WINDYCITY", "MILEHIGH", "LOOPCPA", "ROCKYLAW")


def _account(segments: tuple[str, str], description: str, kind: str, normal: str, status: str = "Active") -> Row:
    return {
        "UnformattedAccount": "".join(segments),
        "AccountNumber": demo.SEGMENT_SEPARATOR.join(segments),
        "Description": description,
        "AccountType": kind,
        "NormalBalanceDRCR": normal,
        "Status": status,
        "PostToAccount": "Detail",
        "QuantitiesAllowed": "No",
        "Multicurrency": "Yes" if kind == "BalanceSheet" else "No",
        "StructureCode": "ACCDIV",
        "AccountSegmentCode1": segments[0],
        "AccountSegmentCode2": segments[1],
        "AccountGroupCode": segments[0][0] + "000",
        "DefaultCurrencyCode": demo.SAGE_HOME_CURRENCY,
    }


def _fiscal_calendar(year: int) -> Row:
    row: Row = {"FiscalYear": str(year), "Active": "Yes", "NumberOfFiscalPeriods": 12}
    locked = demo.LOCKED_PERIODS.get(year, ())
    for n in range(1, 13):
        start = date(year, n, 1)
        end = (date(year + 1, 1, 1) if n == 12 else date(year, n + 1, 1)) - timedelta(days=1)
        row[f"FiscalPeriod{n}StartDate"] = iso(start)
        row[f"FiscalPeriod{n}EndDate"] = iso(end)
        row[f"FiscalPeriod{n}Status"] = "Locked" if n in locked else "Open"
    return row


def build(company: demo.DemoCompany = demo.DEMO, *, with_history: bool = True) -> Data:
    """The seeded company state (every table of :data:`inferred.TABLES` plus ``counters``)."""
    data: Data = {table: [] for table in inferred.TABLES}
    data["counters"] = {}
    home = demo.SAGE_HOME_CURRENCY
    data["company_profile"].append(
        {
            "CompanyID": demo.SAGE_COMPANY,
            "CompanyName": "Northwind Managed IT",
            "HomeCurrency": home,
            "FunctionalCurrency": home,
            "Multicurrency": "Yes",
            "Country": "United States",
        }
    )
    for currency in company.currencies:
        data["currency_codes"].append(
            {
                "CurrencyCode": currency.code,
                "Description": currency.name,
                "DecimalPlaces": currency.decimals,
                "Symbol": currency.symbol,
            }
        )
        for when, rate in currency.rates:
            data["currency_rates"].append(
                {
                    "HomeCurrency": home,
                    "RateType": inferred.RATE_TYPE,
                    "SourceCurrency": currency.code,
                    "RateDate": iso(when),
                    "Rate": rate,
                    "DateMatching": "DateOnOrBefore",
                }
            )
    data["fiscal_calendars"] = [_fiscal_calendar(year) for year in demo.FISCAL_YEARS]
    for account in company.gl_accounts:
        if account.in_sage:
            data["gl_accounts"].append(
                _account(account.segments, account.description, account.account_type, account.normal_balance)
            )
    data["gl_accounts"].append(
        _account(INACTIVE_ACCOUNT[:2], INACTIVE_ACCOUNT[2], "IncomeStatement", "Debit", status="Inactive")
    )
    _tax(data, company)
    for side, table in (("AR", "ar_terms"), ("AP", "ap_terms")):
        del side
        data[table] = [{"TermsCode": t.xref, "Description": t.name, "DueDays": t.due_days} for t in company.terms]
    accounts = {a.formatted for a in company.gl_accounts if a.in_sage}
    for code, kind in DISTRIBUTION_CODES.items():
        revenue_account = demo.REVENUE_ACCOUNTS[kind]
        if revenue_account in accounts:
            data["distribution_codes"].append(
                {"DistributionCode": code, "Description": f"{kind} revenue", "GLAccount": revenue_account}
            )
    currencies = sorted({c.code for c in company.currencies})
    for code in currencies:
        data["ar_account_sets"].append(
            {
                "AccountSetCode": code,
                "Description": f"{code} receivables",
                "ReceivablesControlAccount": demo.AR_ACCOUNT,
                "CurrencyCode": code,
            }
        )
        data["customer_groups"].append(
            {
                "GroupCode": code,
                "Description": f"{code} customers",
                "AccountSet": code,
                "Terms": "NET30",
                "TaxGroup": "",
            }
        )
        data["ap_account_sets"].append(
            {
                "AccountSetCode": code,
                "Description": f"{code} payables",
                "PayablesControlAccount": demo.AP_ACCOUNT,
                "CurrencyCode": code,
            }
        )
        data["vendor_groups"].append(
            {"GroupCode": code, "Description": f"{code} vendors", "AccountSet": code, "Terms": "NET30"}
        )
    for code in sorted({home, *(demo.member_currency(m) for m in company.members)}):
        emp = "EMP" if code == home else f"EMP{code}"[:6]
        data["ap_account_sets"].append(
            {
                "AccountSetCode": emp,
                "Description": f"Employee reimbursements ({code})",
                "PayablesControlAccount": demo.EXPENSE_OFFSET_ACCOUNT,
                "CurrencyCode": code,
            }
        )
        data["vendor_groups"].append(
            {"GroupCode": emp, "Description": f"Employees ({code})", "AccountSet": emp, "Terms": "COD"}
        )
    terms_by_id = {t.id: t.xref for t in company.terms}
    groups_by_code = {t.identifier: t.group_xref for t in company.tax_codes}
    for customer in company.customers:
        if not customer.in_sage:
            continue
        group = groups_by_code[customer.tax_code]
        sales = next(g for g in data["tax_groups"] if g["TaxGroupKey"] == group and g["TransactionType"] == "Sales")
        data["customers"].append(
            customer_row(
                CustomerNumber=customer.account_number,
                ShortName=customer.identifier[:10],
                GroupCode=customer.currency,
                CustomerName=customer.name,
                City=customer.city,
                StateProvince=customer.state,
                Country="Canada" if customer.currency == "CAD" else "United States",
                AccountSet=customer.currency,
                CurrencyCode=customer.currency,
                Terms=terms_by_id[customer.terms_id],
                TaxGroup=group,
                StartDate=iso(date(2025, 1, 1)),
                DateLastMaintained=iso(date(2026, 1, 5)),
                **{f"TaxClassCode{n}": 1 if sales[f"TaxAuthority{n}"] else 0 for n in range(1, 6)},
            )
        )
    for vendor in company.vendors:
        data["vendors"].append(
            vendor_row(
                VendorNumber=vendor.vendor_identifier,
                ShortName=vendor.identifier[:10],
                GroupCode=vendor.currency,
                VendorName=vendor.name,
                AccountSet=vendor.currency,
                CurrencyCode=vendor.currency,
                Terms=terms_by_id[vendor.terms_id],
                TaxGroup="EXEMPT",
                DateLastMaintained=iso(date(2026, 1, 5)),
            )
        )
    for member in company.members:
        if member.vendor_number:
            member_currency = demo.member_currency(member)
            group = "EMP" if member_currency == home else f"EMP{member_currency}"[:6]
            data["vendors"].append(
                vendor_row(
                    VendorNumber=member.vendor_number,
                    ShortName=member.identifier[:10],
                    GroupCode=group,
                    VendorName=f"{member.first_name} {member.last_name}",
                    AccountSet=group,
                    CurrencyCode=member_currency,
                    Terms="COD",
                    TaxGroup="EXEMPT",
                    DateLastMaintained=iso(date(2026, 1, 5)),
                )
            )
    for item in company.items:
        if item.inventory:
            data["ic_items"].append(
                item_row(item.identifier, item.description, stock=True, cost=item.cost, uom=item.uom)
            )
    for warehouse in company.warehouses:
        data["ic_locations"].append(
            {"Location": warehouse.location_xref, "Description": warehouse.name, "Status": "Active"}
        )
    if with_history:
        _history(data)
    return data


def _tax(data: Data, company: demo.DemoCompany) -> None:
    seen: set[str] = set()
    for code in company.tax_codes:
        currency = "CAD" if code.group_xref == "ONTARIO" else demo.SAGE_HOME_CURRENCY
        present = [level for level in code.levels if level.agency_xref not in company.missing_tax_authorities]
        for level in present:
            if level.agency_xref in seen:
                continue
            seen.add(level.agency_xref)
            data["tax_authorities"].append(
                {
                    "TaxAuthority": level.agency_xref,
                    "Description": level.caption,
                    "TaxReportingCurrency": currency,
                    "TaxLiabilityAccount": level.account,
                }
            )
            for transaction, party in (("Sales", "Customers"), ("Purchases", "Vendors")):
                for class_type in (party, "Items"):
                    for number, description, exempt in ((1, "Taxable", "No"), (2, "Exempt", "Yes")):
                        data["tax_classes"].append(
                            {
                                "TaxAuthority": level.agency_xref,
                                "TransactionType": transaction,
                                "ClassType": class_type,
                                "Class": number,
                                "Description": description,
                                "Exempt": exempt,
                            }
                        )
                for buyer in (1, 2):
                    rates: dict[str, Any] = {f"ItemRate{n}": ZERO for n in range(1, 11)}
                    if buyer == 1:
                        rates["ItemRate1"] = level.rate_percent
                    data["tax_rates"].append(
                        {
                            "TaxAuthority": level.agency_xref,
                            "TransactionType": transaction,
                            "BuyerClass": buyer,
                            "LastMaintained": iso(date(2026, 1, 5)),
                            **rates,
                        }
                    )
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
                group[f"Taxable{n}"] = "Yes" if slot else "No"
                group[f"Surtax{n}"] = "No"
                group[f"SurtaxOnAuthority{n}"] = ""
            data["tax_groups"].append(group)


def _history(data: Data) -> None:
    """Post A0801–A0820 (batch 1) and receipts against some of them (receipt batch 1)."""
    entries: list[Row] = []
    for index in range(1, 21):
        customer = PREPOSTED_CUSTOMERS[(index - 1) % len(PREPOSTED_CUSTOMERS)]
        day = date(2026, 8, min(28, index + 3))
        entries.append(
            {
                "CustomerNumber": customer,
                "DocumentNumber": f"A08{index:02d}",
                "DocumentType": "Invoice",
                "InvoiceDescription": f"Managed services August 2026 ({customer})",
                "DocumentDate": iso(day),
                "PostingDate": iso(day),
                "TaxAmountControl": "Enter",
                "InvoiceDetails": [
                    {
                        "DistributionCode": "SVC",
                        "Description": "Managed services - Aug 2026",
                        "ExtendedAmountWithTIP": Decimal("400.00") + Decimal(25) * index,
                    }
                ],
            }
        )
    batch = invoices.create_batch(
        data,
        invoices.AR,
        {"BatchDate": iso(date(2026, 8, 31)), "Description": "Manage batch AUG-2026", "Invoices": entries},
    )
    batch["BatchStatus"] = "ReadyToPost"
    invoices.post_batches(
        data, invoices.AR, {"PostBatchFrom": batch["BatchNumber"], "PostBatchTo": batch["BatchNumber"]}
    )
    payments: list[Row] = []
    for document in data["ar_posted"]:
        number = int(document["DocumentNumber"][1:])
        due: Decimal = document["CustCurrencyAmountDue"]
        if number % 4 == 1:
            paid = due
        elif number % 4 == 2:
            paid = (due / 2).quantize(Decimal("0.01"))
        else:
            continue
        payments.append(
            {
                "CustomerNumber": document["CustomerNumber"],
                "TransactionType": "Receipt",
                "DocumentDate": iso(date(2026, 9, 10 + number % 10)),
                "CheckReceiptNo": f"CHK{number:04d}",
                "CustomerReceiptAmount": paid,
                "AppliedReceiptsAdjustments": [{"DocumentNumber": document["DocumentNumber"], "AppliedAmount": paid}],
            }
        )
    receipt_batch = receipts.create_batch(
        data, {"BatchDate": iso(date(2026, 9, 20)), "Description": "Deposits Sep 2026", "ReceiptsAdjustments": payments}
    )
    receipt_batch["BatchStatus"] = "ReadyToPost"
    receipts.post_batches(
        data, {"PostBatchFrom": receipt_batch["BatchNumber"], "PostBatchTo": receipt_batch["BatchNumber"]}
    )
