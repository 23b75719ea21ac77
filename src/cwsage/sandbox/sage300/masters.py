"""Master records (customers, vendors, groups, terms, accounts, currencies, items, locations …): POST, PUT,
PATCH and DELETE with the references Sage checks.

Why generic with per-resource rules: ER22 gives every master the same verbs, and DR22 the same semantics —
POST creates (a key already there → 409 ``RecordDuplicate``), PATCH changes the properties sent and merges
detail lines by their ``UpdateOperation`` (``Insert``, ``Update``, ``Delete``; ``Unspecified`` updates a
line that exists and inserts one that does not), PUT also purges the detail lines it does not name.
Each resource then adds its own references (a customer's group, account set, terms, tax group…), checked
before anything is stored, so a refused write changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cwsage.sandbox.sage300.company import Company, iso
from cwsage.sandbox.sage300.errors import SageError, duplicate, general, invalid, not_found
from cwsage.sandbox.sage300.model import Module, Resource, StructType
from cwsage.sandbox.sage300.store import Key, Row

Check = Callable[[Company, Row, Row | None], None]


def today_iso() -> str:
    """Today (UTC) as a stored date."""
    return iso(datetime.now(UTC).date())


@dataclass(frozen=True)
class Rules:
    """What one master resource adds to the generic behaviour."""

    defaults: dict[str, Any] = field(default_factory=dict)
    check: Check | None = None
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Detail collection → the properties that identify a line (for PATCH/PUT merges)."""
    protect: Callable[[Company, Row], None] | None = None
    """Refuses a DELETE (e.g. a customer with documents)."""
    maintained: bool = True
    """Whether ``DateLastMaintained`` is stamped on every change."""


def _require(row: Row, name: str, label: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"{label} is required.")
    return value


def _exists(company: Company, table: str, key: Any, label: str) -> Row:
    row = company.get(table, *(key if isinstance(key, tuple) else (key,)))
    if row is None:
        raise invalid(f"{label} {key if not isinstance(key, tuple) else '/'.join(map(str, key))} does not exist.")
    return row


def _tax_classes(company: Company, row: Row, transaction: str, class_type: str) -> None:
    group_code = row.get("TaxGroup") or ""
    if not group_code:
        return
    group = _exists(company, "TX/TXTaxGroups", (group_code, transaction), "Tax group")
    for n in range(1, 6):
        authority = group.get(f"TaxAuthority{n}") or ""
        name = f"TaxClassCode{n}"
        if not authority:
            row[name] = 0
            continue
        number = row.get(name) or 1
        row[name] = number
        if find_tax_class(company, authority, transaction, class_type, number) is None:
            raise invalid(f"Tax class {number} does not exist for tax authority {authority} ({class_type}).")


def find_tax_class(company: Company, authority: str, transaction: str, class_type: str, number: int) -> Row | None:
    """I7: a class of an authority's ``TaxClasses`` list, or None."""
    row = company.get("TX/TXTaxAuthorities", authority)
    if row is None:
        return None
    for item in row.get("TaxClasses") or ():
        if (item.get("Class"), item.get("ClassType"), item.get("TransactionType")) == (number, class_type, transaction):
            return dict(item)
    return None


@dataclass(frozen=True)
class _Party:
    """Where a customer's or a vendor's references live."""

    ledger: str
    party: str
    label: str
    inherited: tuple[str, ...]
    set_currency: str
    transaction: str
    class_type: str


_CUSTOMER = _Party(
    "AR",
    "CustomerNumber",
    "customer",
    ("AccountSet", "Terms", "TaxGroup", "RateType"),
    "CurrencyCode",
    "Sales",
    "Customers",
)
_VENDOR = _Party(
    "AP",
    "VendorNumber",
    "vendor",
    ("AccountSet", "Terms", "TaxGroup", "RateType", "CurrencyCode"),
    "CurrencyCodeForAccount",
    "Purchases",
    "Vendors",
)


def _party(spec: _Party) -> Check:
    """A customer's or vendor's group, account set, currency, terms and tax classes (defaults from the group)."""
    ledger = spec.ledger
    groups = f"{ledger}/{ledger}{'CustomerGroups' if ledger == 'AR' else 'VendorGroups'}"

    def check(company: Company, row: Row, old: Row | None) -> None:
        group = _exists(company, groups, _require(row, "GroupCode", "Group code"), f"{spec.label.capitalize()} group")
        for name in spec.inherited:
            if not row.get(name):
                row[name] = group.get(name) or ("SP" if name == "RateType" else "")
        account_set = _exists(
            company, f"{ledger}/{ledger}AccountSets", _require(row, "AccountSet", "Account set"), "Account set"
        )
        currency = row.get("CurrencyCode") or account_set.get(spec.set_currency) or company.home_currency
        if currency != (account_set.get(spec.set_currency) or currency):
            raise invalid(f"Currency {currency} is not the currency of account set {row['AccountSet']}.")
        _exists(company, "CS/CSCurrencyCodes", currency, "Currency code")
        changed = old is not None and old.get("CurrencyCode") and currency != old["CurrencyCode"]
        if changed and company.find(f"{ledger}/{ledger}PostedDocuments", spec.party, row[spec.party]):
            raise invalid(f"The currency of {spec.label} {row[spec.party]} cannot change: it has transactions.")
        row["CurrencyCode"] = currency
        _exists(company, f"{ledger}/{ledger}Terms", _require(row, "Terms", "Terms code"), "Terms code")
        _tax_classes(company, row, spec.transaction, spec.class_type)

    return check


def _group(ledger: str) -> Check:
    def check(company: Company, row: Row, old: Row | None) -> None:
        if row.get("AccountSet"):
            _exists(company, f"{ledger}/{ledger}AccountSets", row["AccountSet"], "Account set")
        if row.get("Terms"):
            _exists(company, f"{ledger}/{ledger}Terms", row["Terms"], "Terms code")
        if row.get("CurrencyCode"):
            _exists(company, "CS/CSCurrencyCodes", row["CurrencyCode"], "Currency code")
        if row.get("TaxGroup"):
            _exists(
                company, "TX/TXTaxGroups", (row["TaxGroup"], "Sales" if ledger == "AR" else "Purchases"), "Tax group"
            )

    return check


def _account_set(currency_field: str) -> Check:
    def check(company: Company, row: Row, old: Row | None) -> None:
        row[currency_field] = row.get(currency_field) or company.home_currency
        _exists(company, "CS/CSCurrencyCodes", row[currency_field], "Currency code")

    return check


def _accounts(*names: str) -> Check:
    def check(company: Company, row: Row, old: Row | None) -> None:
        for name in names:
            if row.get(name):
                company.account(row[name], name)

    return check


def _gl_account(company: Company, row: Row, old: Row | None) -> None:
    row["AccountNumber"] = row.get("AccountNumber") or row["UnformattedAccount"]
    if row["AccountNumber"].replace("-", "") != row["UnformattedAccount"]:
        raise invalid(f"Account {row['AccountNumber']} does not format account {row['UnformattedAccount']}.")
    for line in row.get("AccountValidCurrencies") or ():
        _exists(company, "CS/CSCurrencyCodes", line.get("CurrencyCode") or "", "Currency code")


def _rates(company: Company, row: Row, old: Row | None) -> None:
    _exists(company, "CS/CSCurrencyCodes", row["ToCurrency"], "Currency code")
    _exists(company, "CS/CSCurrencyRateTypes", row["RateType"], "Rate type")
    for line in row.get("CurrencyRateDetail") or ():
        _exists(company, "CS/CSCurrencyCodes", line.get("FromCurrency") or "", "Currency code")
        if not line.get("RateDate"):
            raise invalid("RateDate is required on every rate.")
        if line.get("Rate") is None or line["Rate"] <= 0:
            raise invalid(f"The rate for {line.get('FromCurrency')} on {line['RateDate'][:10]} must be positive.")


def _item(company: Company, row: Row, old: Row | None) -> None:
    row["ItemNumber"] = row.get("ItemNumber") or row["UnformattedItemNumber"]
    if row["ItemNumber"].replace("-", "") != row["UnformattedItemNumber"].replace("-", ""):
        raise invalid(f"Item {row['ItemNumber']} does not format item {row['UnformattedItemNumber']}.")
    for other in company.find("IC/ICItems", "ItemNumber", row["ItemNumber"]):
        if other["UnformattedItemNumber"] != row["UnformattedItemNumber"]:
            raise duplicate(f"Item number {row['ItemNumber']} already exists.")


def _documents_of(table: str, index: str, field_name: str) -> Callable[[Company, Row], None]:
    def protect(company: Company, row: Row) -> None:
        if company.find(table, index, row[field_name]):
            raise invalid(f"{field_name} {row[field_name]} has transactions and cannot be deleted.")

    return protect


RULES: dict[str, Rules] = {
    "AR/ARCustomers": Rules(
        defaults={
            "Status": "Active",
            "OnHold": "No",
            "AccountType": "OpenItem",
            "BalanceDueInCustomerCurrency": 0,
            "NumberOfOpenDocuments": 0,
        },
        check=_party(_CUSTOMER),
        protect=_documents_of("AR/ARPostedDocuments", "CustomerNumber", "CustomerNumber"),
    ),
    "AR/ARCustomerGroups": Rules(defaults={"Status": "Active"}, check=_group("AR")),
    "AR/ARAccountSets": Rules(
        defaults={"Status": "Active"},
        check=_account_set("CurrencyCode"),
    ),
    "AR/ARDistributionCodes": Rules(
        defaults={"Status": "Active", "Discountable": "No"}, check=_accounts("RevenueAccount")
    ),
    "AR/ARTerms": Rules(defaults={"Status": "Active"}, children={"TermsPaymentSchedules": ("PaymentNumber",)}),
    "AP/APVendors": Rules(
        defaults={"Status": "Active", "OnHold": "NotOnHold", "BalanceDueInVendorCurrency": 0},
        check=_party(_VENDOR),
        protect=_documents_of("AP/APPostedDocuments", "VendorNumber", "VendorNumber"),
    ),
    "AP/APVendorGroups": Rules(defaults={"Status": "Active"}, check=_group("AP")),
    "AP/APAccountSets": Rules(defaults={"Status": "Active"}, check=_account_set("CurrencyCodeForAccount")),
    "AP/APDistributionCodes": Rules(defaults={"Status": "Active", "Discountable": "No"}, check=_accounts("GLAccount")),
    "AP/APTerms": Rules(defaults={"Status": "Active"}, children={"TermsPaymentSchedule": ("PaymentNumber",)}),
    "GL/GLAccounts": Rules(
        defaults={"Status": "Active", "PostToAccount": "Detail", "QuantitiesAllowed": "No", "Multicurrency": "No"},
        check=_gl_account,
        children={"AccountValidCurrencies": ("CurrencyCode",), "ControlAccountSubledgers": ("SourceLedger",)},
    ),
    "GL/GLSourceCodes": Rules(maintained=False),
    "CS/CSCompanyProfile": Rules(maintained=False),
    "CS/CSCurrencyCodes": Rules(defaults={"DecimalPlaces": "Num2"}, maintained=False),
    "CS/CSCurrencyRateTypes": Rules(maintained=False),
    "CS/CSCurrencyRates": Rules(
        defaults={"DateMatching": "Earlier", "RateOperation": "Multiply"},
        check=_rates,
        children={"CurrencyRateDetail": ("FromCurrency", "RateDate")},
        maintained=False,
    ),
    "IC/ICItems": Rules(
        defaults={"StockItem": True, "KittingItem": False, "Inactive": False},
        check=_item,
        children={"ItemUnitsOfMeasure": ("UnitOfMeasure",)},
    ),
    "IC/ICLocations": Rules(defaults={"LocationType": "Physical", "Inactive": False}, maintained=False),
}


def fill_parent_keys(module: Module, struct: StructType, row: Row) -> Row:
    """Copy a record's key properties into its detail lines that have them (``TermsCode`` of a schedule…)."""
    for prop in struct.properties:
        if prop.kind != "collection" or not row.get(prop.name):
            continue
        item_type = module.item_type(prop)
        inherited = {k: row[k] for k in struct.key if k in item_type.by_name and k in row}
        if inherited:
            row[prop.name] = [{**line, **inherited} for line in row[prop.name]]
    return row


def _strip_operations(row: Row) -> Row:
    for name, value in list(row.items()):
        if isinstance(value, list):
            row[name] = [{k: v for k, v in line.items() if k != "UpdateOperation"} for line in value]
    return row


def _merge_lines(old: list[Row], sent: list[Row], key: tuple[str, ...], *, purge: bool, label: str) -> list[Row]:
    """DR22: lines merged by ``UpdateOperation`` (PUT also drops the lines it does not name)."""
    lines = {tuple(line.get(k) for k in key): dict(line) for line in old}
    named: set[tuple[Any, ...]] = set()
    for line in sent:
        line_key = tuple(line.get(k) for k in key)
        operation = line.get("UpdateOperation") or "Unspecified"
        named.add(line_key)
        exists = line_key in lines
        if operation == "Insert" and exists:
            raise duplicate(f"The {label} line {line_key} already exists.")
        if operation in ("Update", "Delete") and not exists:
            raise invalid(f"The {label} line {line_key} does not exist.")
        if operation == "Delete":
            del lines[line_key]
        else:
            lines[line_key] = {**lines.get(line_key, {}), **line}
    if purge:
        lines = {k: v for k, v in lines.items() if k in named}
    return list(lines.values())


class Masters:
    """The generic master-record operations of one company."""

    def __init__(self, company: Company) -> None:
        self.company = company

    def _finish(self, module: Module, resource: Resource, row: Row, old: Row | None) -> Row:
        rules = RULES.get(resource.path, Rules())
        if rules.check is not None:
            rules.check(self.company, row, old)
        entity = module.entity_of(resource)
        if rules.maintained and "DateLastMaintained" in entity.by_name:
            row["DateLastMaintained"] = today_iso()
        row = fill_parent_keys(module, entity, _strip_operations(row))
        return self.company.store.put(resource.path, row)

    def create(self, module: Module, resource: Resource, body: Row) -> Row:
        """POST: a new record (201) with its defaults; 409 when the key exists or a reference is unknown."""
        entity = module.entity_of(resource)
        for name in entity.key:
            value = body.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise invalid(f"{name} is required.")
        key = tuple(body[name] for name in entity.key)
        if self.company.get(resource.path, *key) is not None:
            raise duplicate(f"{resource.name} record {'/'.join(map(str, key))} already exists.")
        rules = RULES.get(resource.path, Rules())
        row = {**rules.defaults, **body}
        return self._finish(module, resource, row, None)

    def existing(self, resource: Resource, key: Key) -> Row:
        """The record a URL key names, or 404 ``RecordNotFound``."""
        row = self.company.get(resource.path, *key)
        if row is None:
            raise not_found(f"{resource.name}({','.join(map(repr, key))}) does not exist.")
        return row

    def change(self, module: Module, resource: Resource, key: Key, body: Row, *, purge: bool) -> Row:
        """PATCH (``purge`` False) or PUT (True): change the record the key names."""
        entity = module.entity_of(resource)
        old = self.existing(resource, key)
        for name, value in zip(entity.key, key, strict=True):
            if name in body and body[name] != value:
                raise SageError("InvalidEntityKey", f"The key property {name} cannot be changed ({value}).")
        rules = RULES.get(resource.path, Rules())
        row = dict(old)
        for name, value in body.items():
            prop = entity.by_name[name]
            if prop.kind == "collection":
                line_key = rules.children.get(name)
                if line_key is None:
                    row[name] = value
                else:
                    row[name] = _merge_lines(old.get(name) or [], value, line_key, purge=purge, label=name)
            else:
                row[name] = value
        return self._finish(module, resource, row, old)

    def delete(self, resource: Resource, key: Key) -> None:
        """DELETE: remove the record (409 when it has documents)."""
        row = self.existing(resource, key)
        rules = RULES.get(resource.path, Rules())
        if rules.protect is not None:
            rules.protect(self.company, row)
        if resource.path == "CS/CSCompanyProfile":
            raise general("The company profile cannot be deleted while the company database exists.")
        self.company.store.delete(resource.path, key)
