"""Creating and updating master records: AR customers, AP vendors, IC items (reference §2.5–2.7).

Why: cwsage's "create missing" option adds customers, vendors and items. A new record needs only its key,
name and group; the rest defaults from the group (reference §2.5). A duplicate key is 409
``RecordDuplicate``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300.common import ZERO, Data, Row, find, iso, require_object, text, today
from cwsage.sandbox.sage300.errors import conflict, not_found

_PARTY_TEXT = {
    "ShortName": 10,
    "AddressLine1": 60,
    "AddressLine2": 60,
    "City": 30,
    "StateProvince": 30,
    "ZipPostalCode": 20,
    "Country": 30,
    "ContactName": 60,
    "PhoneNumber": 30,
    "Email": 50,
}


def customer_row(**values: Any) -> Row:
    """A customer with every property present (defaults for the rest)."""
    row: Row = {
        "CustomerNumber": "",
        "ShortName": "",
        "GroupCode": "",
        "Status": "Active",
        "InactiveDate": None,
        "OnHold": "No",
        "StartDate": iso(today()),
        "CustomerName": "",
        "AddressLine1": "",
        "AddressLine2": "",
        "City": "",
        "StateProvince": "",
        "ZipPostalCode": "",
        "Country": "",
        "ContactName": "",
        "PhoneNumber": "",
        "Email": "",
        "AccountSet": "",
        "CurrencyCode": "",
        "Terms": "",
        "RateType": "SP",
        "TaxGroup": "",
        **{f"TaxClassCode{n}": 0 for n in range(1, 6)},
        "CreditLimitCustomerCurrency": ZERO,
        "BalanceDueInCustomerCurrency": ZERO,
        "NumberOfOpenDocuments": 0,
        "DateOfLastActivity": None,
        "DateOfLastInvoice": None,
        "DateOfLastReceipt": None,
        "LastReceiptCustomerCurrency": ZERO,
        "DateLastMaintained": iso(today()),
    }
    row.update(values)
    return row


def vendor_row(**values: Any) -> Row:
    """A vendor with every property present."""
    row: Row = {
        "VendorNumber": "",
        "ShortName": "",
        "GroupCode": "",
        "Status": "Active",
        "OnHold": "No",
        "VendorName": "",
        "AddressLine1": "",
        "City": "",
        "StateProvince": "",
        "ZipPostalCode": "",
        "Country": "",
        "AccountSet": "",
        "CurrencyCode": "",
        "Terms": "",
        "RateType": "SP",
        "TaxGroup": "",
        **{f"TaxClassCode{n}": 0 for n in range(1, 6)},
        "BalanceDueInVendorCurrency": ZERO,
        "DateLastMaintained": iso(today()),
    }
    row.update(values)
    return row


def _party_defaults(data: Data, kind: str, raw: Row, row: Row) -> None:
    groups, sets, terms_table = (
        ("customer_groups", "ar_account_sets", "ar_terms")
        if kind == "AR"
        else ("vendor_groups", "ap_account_sets", "ap_terms")
    )
    group_code = text(raw, "GroupCode", 6, default=row.get("GroupCode", ""), required=True)
    group = find(data, groups, GroupCode=group_code)
    if group is None:
        raise conflict(f"Group code {group_code} does not exist.")
    row["GroupCode"] = group_code
    account_set_code = text(raw, "AccountSet", 6) or row.get("AccountSet") or group["AccountSet"]
    account_set = find(data, sets, AccountSetCode=account_set_code)
    if account_set is None:
        raise conflict(f"Account set {account_set_code} does not exist.")
    row["AccountSet"] = account_set_code
    currency = text(raw, "CurrencyCode", 3) or account_set["CurrencyCode"]
    if currency != account_set["CurrencyCode"]:
        raise conflict(
            f"Currency code {currency} does not match the currency {account_set['CurrencyCode']} "
            f"of account set {account_set_code}."
        )
    row["CurrencyCode"] = currency
    terms = text(raw, "Terms", 6) or row.get("Terms") or group.get("Terms", "")
    if find(data, terms_table, TermsCode=terms) is None:
        raise conflict(f"Terms code {terms} does not exist.")
    row["Terms"] = terms
    transaction = "Sales" if kind == "AR" else "Purchases"
    tax_group = text(raw, "TaxGroup", 12) or row.get("TaxGroup") or group.get("TaxGroup") or ""
    if tax_group:
        found = find(data, "tax_groups", TaxGroupKey=tax_group, TransactionType=transaction)
        if found is None:
            raise conflict(f"Tax group {tax_group} does not exist.")
        for n in range(1, 6):
            authority = found.get(f"TaxAuthority{n}") or ""
            given = raw.get(f"TaxClassCode{n}")
            row[f"TaxClassCode{n}"] = (
                (int(given) if given is not None else row.get(f"TaxClassCode{n}") or 1) if authority else 0
            )
    row["TaxGroup"] = tax_group
    for field, limit in _PARTY_TEXT.items():
        if field in raw and field in row:
            row[field] = text(raw, field, limit)


def create_customer(data: Data, body_in: Any) -> Row:
    """POST ``AR/ARCustomers``."""
    raw = require_object(body_in)
    number = text(raw, "CustomerNumber", 12, required=True)
    if find(data, "customers", CustomerNumber=number) is not None:
        raise conflict(f"Customer {number} already exists.", "RecordDuplicate")
    row = customer_row(CustomerNumber=number, CustomerName=text(raw, "CustomerName", 60, required=True))
    _party_defaults(data, "AR", raw, row)
    data["customers"].append(row)
    return row


def patch_customer(data: Data, key: str, body_in: Any) -> None:
    """PATCH ``AR/ARCustomers('X')`` (204); the currency cannot change once documents exist."""
    raw = require_object(body_in)
    row = find(data, "customers", CustomerNumber=key)
    if row is None:
        raise not_found(f"Customer number {key} does not exist.", "RecordNotFound")
    updated = dict(row)
    if "CustomerName" in raw:
        updated["CustomerName"] = text(raw, "CustomerName", 60, required=True)
    if raw.get("CurrencyCode") not in (None, row["CurrencyCode"]) and any(
        d["CustomerNumber"] == key for d in data["ar_posted"]
    ):
        raise conflict(f"The currency of customer {key} cannot be changed because it has transactions.")
    if "Status" in raw:
        if raw["Status"] not in ("Active", "Inactive"):
            raise conflict(f"Invalid value '{raw['Status']}' for Status.")
        updated["Status"] = raw["Status"]
    _party_defaults(data, "AR", raw, updated)
    updated["DateLastMaintained"] = iso(today())
    row.update(updated)


def create_vendor(data: Data, body_in: Any) -> Row:
    """POST ``AP/APVendors``."""
    raw = require_object(body_in)
    number = text(raw, "VendorNumber", 12, required=True)
    if find(data, "vendors", VendorNumber=number) is not None:
        raise conflict(f"Vendor {number} already exists.", "RecordDuplicate")
    row = vendor_row(VendorNumber=number, VendorName=text(raw, "VendorName", 60, required=True))
    _party_defaults(data, "AP", raw, row)
    data["vendors"].append(row)
    return row


def patch_vendor(data: Data, key: str, body_in: Any) -> None:
    """PATCH ``AP/APVendors('X')`` (204)."""
    raw = require_object(body_in)
    row = find(data, "vendors", VendorNumber=key)
    if row is None:
        raise not_found(f"Vendor number {key} does not exist.", "RecordNotFound")
    updated = dict(row)
    if "VendorName" in raw:
        updated["VendorName"] = text(raw, "VendorName", 60, required=True)
    if "Status" in raw:
        if raw["Status"] not in ("Active", "Inactive"):
            raise conflict(f"Invalid value '{raw['Status']}' for Status.")
        updated["Status"] = raw["Status"]
    _party_defaults(data, "AP", raw, updated)
    updated["DateLastMaintained"] = iso(today())
    row.update(updated)


def item_row(number: str, description: str, *, stock: bool, cost: Decimal, uom: str = "Each") -> Row:
    """An IC item with every property present."""
    return {
        "ItemNumber": number,
        "Description": description,
        "Category": "HW" if stock else "SVC",
        "StockingUnitOfMeasure": uom,
        "Status": "Active",
        "StockItem": "Yes" if stock else "No",
        "AccountSet": "INV",
        "AverageCost": cost,
        "DateLastMaintained": iso(today()),
    }


def create_item(data: Data, body_in: Any) -> Row:
    """POST ``IC/ICItems``."""
    raw = require_object(body_in)
    number = text(raw, "ItemNumber", 24, required=True)
    if find(data, "ic_items", ItemNumber=number) is not None:
        raise conflict(f"Item number {number} already exists.", "RecordDuplicate")
    stock = raw.get("StockItem", "Yes")
    if stock not in ("Yes", "No"):
        raise conflict(f"Invalid value '{stock}' for StockItem.")
    row = item_row(
        number,
        text(raw, "Description", 60, required=True),
        stock=stock == "Yes",
        cost=ZERO,
        uom=text(raw, "StockingUnitOfMeasure", 10) or "Each",
    )
    if raw.get("Category"):
        row["Category"] = text(raw, "Category", 6)
    data["ic_items"].append(row)
    return row


def patch_item(data: Data, key: str, body_in: Any) -> None:
    """PATCH ``IC/ICItems('X')`` (204): description, status, category."""
    raw = require_object(body_in)
    row = find(data, "ic_items", ItemNumber=key)
    if row is None:
        raise not_found(f"Item number {key} does not exist.", "RecordNotFound")
    if "Description" in raw:
        row["Description"] = text(raw, "Description", 60, required=True)
    if "Status" in raw:
        if raw["Status"] not in ("Active", "Inactive"):
            raise conflict(f"Invalid value '{raw['Status']}' for Status.")
        row["Status"] = raw["Status"]
    if "Category" in raw:
        row["Category"] = text(raw, "Category", 6)
