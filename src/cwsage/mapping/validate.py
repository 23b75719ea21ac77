"""Check every document against Sage 300 master data before anything is posted.

Validators return issues; they never raise and never stop at the first problem, so the bookkeeper sees
everything wrong with a batch in one report (each issue names the Manage record, the field, the value and
where to fix it). Pure: the Sage master data arrives as a :class:`SageMasterData` snapshot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from cwsage import money
from cwsage.domain.documents import (
    DocKind,
    Document,
    InventoryDocument,
    JournalDocument,
    PartyProfile,
    PayableDocument,
    ReceivableDocument,
)
from cwsage.domain.issues import FixIn, Issue, Severity
from cwsage.domain.master import SageMasterData
from cwsage.mapping import plausibility
from cwsage.mapping.plausibility import PlausibilityLimits

# Sage 300 field lengths (reference §2, view dictionaries) — validated, never silently cut on keys.
DOCUMENT_NUMBER_MAX = 22
PARTY_NUMBER_MAX = 12
DESCRIPTION_MAX = 60
ACCOUNT_MAX = 45
ITEM_MAX = 24
LOCATION_MAX = 6


@dataclass(frozen=True)
class ValidateOptions:
    """What validation may assume.

    Attributes:
        create_missing: Missing customers, vendors and items will be created (``--create-missing``), so
            their absence is a warning, not an error.
        conflicts: Document key → where Sage already has a document with that number that cwsage did not
            create (an error: posting would duplicate or collide).
        tax_class: The tax class documents are sent with for every authority (``default_tax_class``).
        limits: The plausibility limits (``max_document_amount``, ``max_line_amount``).
        create_defaults: With ``create_missing``, what a record to be created is created with: ``customer``,
            ``vendor`` (the group) and ``item`` (the account set), as configured. Sage 300 refuses a customer or
            vendor without a group and an item without an account set, so a missing one is an error here —
            in a preview as in the run — instead of "will be created". ``None``: not checked.
    """

    create_missing: bool = False
    conflicts: Mapping[str, str] | None = None
    tax_class: int = 1
    limits: PlausibilityLimits = dataclasses.field(default_factory=PlausibilityLimits)
    create_defaults: Mapping[str, str] | None = None


CREATE_SETTINGS = {"customer": "customer_group", "vendor": "vendor_group", "item": "item_account_set"}
"""The run default each kind of created record needs (``--create-missing``)."""


def _cannot_create(out: _Collector, opts: ValidateOptions, what: str, number: str, name: str, field: str) -> bool:
    """Report (and return ``True``) when ``what`` would have to be created but its prerequisite is not set."""
    if opts.create_defaults is None or opts.create_defaults.get(what):
        return False
    setting = CREATE_SETTINGS[what]
    needs = "an account set" if what == "item" else f"a {what} group"
    out.add(
        "create-missing-prerequisite",
        field,
        number,
        f"{what} {number}{f' ({name})' if name else ''} does not exist in Sage 300 and cannot be created: Sage 300 "
        f"needs {needs} for it and defaults.{setting} is not set",
        f"Set {needs} that exists in Sage 300 with `cwsage config set {setting} CODE` (or on the Settings screen), "
        f"or create {what} {number} in Sage 300 yourself.",
        FixIn.CWSAGE,
    )
    return True


class _Collector:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.issues: list[Issue] = []

    def add(
        self,
        code: str,
        field: str,
        value: object,
        message: str,
        hint: str,
        fix_in: FixIn,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.issues.append(
            Issue(
                source_ref=self.doc.source.label,
                document_key=self.doc.key,
                code=code,
                field=field,
                value="" if value is None else str(value),
                message=message,
                hint=hint,
                fix_in=fix_in,
                severity=severity,
            )
        )


def validate(
    documents: Iterable[Document],
    master: SageMasterData,
    options: ValidateOptions | None = None,
    seen: dict[str, str] | None = None,
) -> list[Issue]:
    """Every issue of every document, in document order.

    Args:
        documents: The translated documents.
        master: Sage master data read once for this run.
        options: See :class:`ValidateOptions`.
        seen: The documents of the selection validated before these (a selection validated part by part passes
            the same dict each time, so a duplicate across parts is still found); updated in place.

    Returns:
        All issues found (errors block their document; warnings do not).
    """
    opts = options or ValidateOptions()
    found: list[Issue] = []
    seen_numbers: dict[str, str] = {} if seen is None else seen
    for doc in documents:
        out = _Collector(doc)
        _common(out, master, opts, seen_numbers)
        checker = _CHECKS[type(doc)]
        checker(out, doc, master, opts)
        found.extend(out.issues)
        found.extend(plausibility.check(doc, opts.limits))
    return found


def _common(out: _Collector, master: SageMasterData, opts: ValidateOptions, seen: dict[str, str]) -> None:
    doc = out.doc
    if doc.document_number and len(doc.document_number) > DOCUMENT_NUMBER_MAX:
        out.add(
            "document-number-too-long",
            "documentNumber",
            doc.document_number,
            f"the document number is {len(doc.document_number)} characters; Sage 300 allows {DOCUMENT_NUMBER_MAX}",
            f"Shorten the number in Manage to at most {DOCUMENT_NUMBER_MAX} characters.",
            FixIn.MANAGE,
        )
    if doc.key in seen:
        out.add(
            "duplicate-in-selection",
            "documentNumber",
            doc.document_number,
            f"the same document number appears twice in this batch ({seen[doc.key]})",
            "Make the numbers unique in Manage, or export them in separate batches.",
            FixIn.MANAGE,
        )
    else:
        seen[doc.key] = doc.source.label
    if opts.conflicts and doc.key in opts.conflicts:
        out.add(
            "already-in-sage",
            "documentNumber",
            doc.document_number,
            f"Sage 300 already has a document with this number ({opts.conflicts[doc.key]}), not created by cwsage",
            "Check the document in Sage 300: delete it there if it is a mistake, or remove the record from Manage's "
            "unposted list (Accounting Interface > Remove Records) if it was entered by hand.",
            FixIn.SAGE,
        )
    if len(doc.description) > DESCRIPTION_MAX:
        out.add(
            "description-shortened",
            "description",
            doc.description,
            f"the description is longer than {DESCRIPTION_MAX} characters and will be shortened",
            "Nothing to do, or shorten it in Manage.",
            FixIn.MANAGE,
            Severity.WARNING,
        )
    period = master.period_for(doc.document_date)
    if period is None:
        out.add(
            "fiscal-year-missing",
            "documentDate",
            doc.document_date.isoformat(),
            f"Sage 300 has no fiscal period for {doc.document_date.isoformat()}",
            "In Sage 300, Common Services > Fiscal Calendar: add the fiscal year.",
            FixIn.SAGE,
        )
    elif not period.open:
        out.add(
            "fiscal-period-locked",
            "documentDate",
            doc.document_date.isoformat(),
            f"fiscal period {period.period:02d}-{period.year} is locked in Sage 300",
            f"Unlock period {period.period:02d}-{period.year} in Sage 300 (Fiscal Calendar), "
            "or change the document date in Manage.",
            FixIn.SAGE,
        )
    if doc.currency:
        _currency(out, master, doc.currency)


def _currency(out: _Collector, master: SageMasterData, currency: str) -> None:
    doc = out.doc
    if currency == master.home_currency:
        return
    if master.currencies and currency not in master.currencies:
        out.add(
            "currency-missing",
            "currency",
            currency,
            f"currency {currency} is not set up in Sage 300",
            f"In Sage 300, Common Services > Currency Codes: add {currency}.",
            FixIn.SAGE,
        )
        return
    if not master.multicurrency:
        out.add(
            "multicurrency-off",
            "currency",
            currency,
            f"the document is in {currency} but the Sage 300 company is not multicurrency",
            "Bill this customer in the home currency in Manage, or use a multicurrency Sage company.",
            FixIn.MANAGE,
        )
        return
    problem = master.rate_problem(currency)
    if problem is not None:  # I4: a rate table cwsage cannot read is reported, never guessed
        out.add(
            "exchange-rate-rule-unknown",
            "currency",
            currency,
            f"Sage 300's {currency} rate table cannot be used: {problem}",
            f"In Sage 300, Common Services > Currency Rates: check the {currency} rate table's rate operation and "
            "date matching, or send this message to support.",
            FixIn.SAGE,
        )
        return
    if master.rate_for(currency, doc.document_date) is None:
        out.add(
            "exchange-rate-missing",
            "currency",
            currency,
            f"Sage 300 has no {currency} rate on or before {doc.document_date.isoformat()}",
            f"In Sage 300, Common Services > Currency Rates: enter a {currency} rate for that date.",
            FixIn.SAGE,
        )


def _account(out: _Collector, master: SageMasterData, account: str, field: str) -> None:
    if not account:
        out.add(
            "account-missing",
            field,
            "",
            "a line has no GL account",
            "In Manage, Setup Tables > GL Accounts: map this line's account type.",
            FixIn.MANAGE,
        )
        return
    if len(account) > ACCOUNT_MAX:
        out.add(
            "account-too-long",
            field,
            account,
            f"the account is longer than {ACCOUNT_MAX} characters",
            "Fix the account number in Manage's GL Accounts setup.",
            FixIn.MANAGE,
        )
        return
    info = master.account(account)
    if info is None:
        out.add(
            "account-not-in-sage",
            field,
            account,
            f"GL account {account} does not exist in Sage 300",
            f"Create account {account} in Sage 300 (G/L Accounts), or correct the mapping in Manage "
            "(Setup Tables > GL Accounts).",
            FixIn.SAGE,
        )
    elif not info.active:
        out.add(
            "account-inactive",
            field,
            account,
            f"GL account {account} is inactive in Sage 300",
            f"Activate {account} in Sage 300, or map the line to an active account in Manage.",
            FixIn.SAGE,
        )


def _party(
    out: _Collector,
    master: SageMasterData,
    opts: ValidateOptions,
    party: PartyProfile,
    *,
    customer: bool,
) -> None:
    doc = out.doc
    what, registry = ("customer", master.customers) if customer else ("vendor", master.vendors)
    field = (
        "Company.accountNumber"
        if customer
        else ("Member.vendorNumber" if party.is_member else "Company.vendorIdentifier")
    )
    if not party.number:
        return  # reported during translation (the Manage record has no cross-reference)
    if len(party.number) > PARTY_NUMBER_MAX:
        out.add(
            f"{what}-number-too-long",
            field,
            party.number,
            f"{what} number {party.number} is longer than Sage's {PARTY_NUMBER_MAX} characters",
            f"Shorten it in Manage ({field}) to at most {PARTY_NUMBER_MAX} characters.",
            FixIn.MANAGE,
        )
        return
    info = registry.get(party.number)
    if info is None:
        if opts.create_missing and _cannot_create(out, opts, what, party.number, party.name, field):
            return
        if opts.create_missing:
            out.add(
                f"{what}-will-be-created",
                field,
                party.number,
                f"{what} {party.number} ({party.name}) does not exist in Sage 300 and will be created",
                "Nothing to do.",
                FixIn.SAGE,
                Severity.WARNING,
            )
        else:
            screen = "A/R Customers > Customers" if customer else "A/P Vendors > Vendors"
            out.add(
                f"{what}-not-in-sage",
                field,
                party.number,
                f"{what} {party.number} ({party.name}) does not exist in Sage 300",
                f"Create {what} {party.number} in Sage 300 ({screen}), correct {field} in Manage, "
                "or run with --create-missing.",
                FixIn.SAGE,
            )
        return
    if not info.active:
        out.add(
            f"{what}-inactive",
            field,
            party.number,
            f"{what} {party.number} is inactive in Sage 300",
            f"Activate {what} {party.number} in Sage 300.",
            FixIn.SAGE,
        )
    if doc.currency and info.currency and info.currency != doc.currency:
        out.add(
            "currency-mismatch",
            "currency",
            doc.currency,
            f"the document is in {doc.currency} but {what} {party.number} is set up in {info.currency} in Sage 300",
            f"Make the currencies agree: the company's currency in Manage or the {what}'s in Sage 300.",
            FixIn.MANAGE,
        )


def _tax(
    out: _Collector,
    master: SageMasterData,
    tax_group: str,
    authorities: Iterable[str],
    transaction_type: str,
    taxes_charged: bool,
    tax_class: int = 1,
) -> None:
    if not tax_group:
        if taxes_charged:
            out.add(
                "tax-group-missing",
                "TaxCode.levelOneTaxCodeXref",
                "",
                "the document carries tax but its Manage tax code has no Tax Code XRef (the Sage tax group)",
                "In Manage, fill the Tax Code XRef of each level of the tax code with the Sage tax group.",
                FixIn.MANAGE,
            )
        return
    group = master.tax_groups.get((tax_group, transaction_type))
    if group is None:
        out.add(
            "tax-group-not-in-sage",
            "TaxCode.levelOneTaxCodeXref",
            tax_group,
            f"{transaction_type.lower()} tax group {tax_group} does not exist in Sage 300",
            f"Create tax group {tax_group} ({transaction_type}) in Sage 300 Tax Services, or correct the Tax Code "
            "XRef of the tax code's levels in Manage.",
            FixIn.SAGE,
        )
        return
    for authority in authorities:
        if not authority:
            continue
        if authority not in master.tax_authorities:
            out.add(
                "tax-authority-not-in-sage",
                "TaxCodeLevel.agencyXref",
                authority,
                f"tax authority {authority} does not exist in Sage 300",
                f"Create tax authority {authority} in Sage 300 Tax Services and add it to tax group {tax_group}, "
                "or correct the level's Agency XRef in Manage.",
                FixIn.SAGE,
            )
        elif authority not in group.authorities:
            out.add(
                "tax-authority-not-in-group",
                "TaxCodeLevel.agencyXref",
                authority,
                f"tax authority {authority} is not part of Sage tax group {tax_group}",
                f"Add {authority} to tax group {tax_group} in Sage 300, or fix the Agency XRef in Manage.",
                FixIn.SAGE,
            )
    class_type = "Customers" if transaction_type == "Sales" else "Vendors"
    for authority in group.authorities:
        if master.tax_classes and (authority, transaction_type, class_type, tax_class) not in master.tax_classes:
            out.add(
                "tax-class-not-in-sage",
                "defaults.default_tax_class",
                tax_class,
                f"tax class {tax_class} is not set up for {class_type.lower()} of tax authority {authority} "
                f"({transaction_type.lower()}) in Sage 300",
                f"Add tax class {tax_class} to authority {authority} in Sage 300 Tax Services, or set "
                "`default_tax_class` in cwsage's configuration.",
                FixIn.CWSAGE,
            )
    if len(list(group.authorities)) > 5:
        out.add(
            "tax-group-too-many",
            "taxGroup",
            tax_group,
            "a Sage document carries at most five tax authorities",
            "Reduce the tax group to five authorities.",
            FixIn.SAGE,
        )


def _line_descriptions(out: _Collector, descriptions: Iterable[str]) -> None:
    """Warn about line descriptions that :func:`cwsage.mapping.to_sage.short` will cut to Sage's limit."""
    for number, text in enumerate(descriptions, start=1):
        if len(" ".join(text.split())) > DESCRIPTION_MAX:
            out.add(
                "description-shortened",
                f"detail[{number}].description",
                text,
                f"line {number}'s description is longer than {DESCRIPTION_MAX} characters and will be shortened",
                "Nothing to do, or shorten it in Manage.",
                FixIn.MANAGE,
                Severity.WARNING,
            )


def _terms(out: _Collector, terms: str, known: frozenset[str], screen: str) -> None:
    if terms and known and terms not in known:
        out.add(
            "terms-not-in-sage",
            "BillingTerm.termsXref",
            terms,
            f"terms code {terms} does not exist in Sage 300",
            f"Create terms code {terms} in Sage 300 ({screen}), or fix the billing terms' XRef in Manage.",
            FixIn.SAGE,
        )


def _balance(out: _Collector, expected: Decimal, computed: Decimal) -> None:
    doc = out.doc
    difference = money.quantize(expected - computed, doc.currency or None)
    if difference != 0:
        out.add(
            "unbalanced",
            "total",
            money.quantize(expected, doc.currency or None),
            f"the lines and taxes add up to {money.quantize(computed, doc.currency or None)}, not to the "
            f"document total {money.quantize(expected, doc.currency or None)} (off by {difference})",
            "Open the record in Manage and check its lines and tax; re-close it so Manage regenerates its GL entries.",
            FixIn.MANAGE,
        )


def _receivable(out: _Collector, doc: Document, master: SageMasterData, opts: ValidateOptions) -> None:
    assert isinstance(doc, ReceivableDocument)
    _party(out, master, opts, doc.customer, customer=True)
    for line in doc.lines:
        _account(out, master, line.account, "GLAccount (revenue)")
    _line_descriptions(out, (line.description for line in doc.lines))
    charged = any(t.amount for t in doc.taxes)
    _tax(out, master, doc.tax_group, (t.authority for t in doc.taxes), "Sales", charged, opts.tax_class)
    _terms(out, doc.terms, master.terms, "A/R Terms")
    if not doc.lines:
        out.add("no-lines", "detail", "", "the invoice has no lines", "Check the invoice in Manage.", FixIn.MANAGE)
    _balance(out, doc.total, doc.computed_total)


def _payable(out: _Collector, doc: Document, master: SageMasterData, opts: ValidateOptions) -> None:
    assert isinstance(doc, PayableDocument)
    _party(out, master, opts, doc.vendor, customer=False)
    for line in doc.lines:
        _account(out, master, line.account, "GLAccount (expense/inventory)")
    _line_descriptions(out, (line.description for line in doc.lines))
    charged = any(t.amount for t in doc.taxes)
    _tax(out, master, doc.tax_group, (t.authority for t in doc.taxes), "Purchases", charged, opts.tax_class)
    _terms(out, doc.terms, master.ap_terms, "A/P Terms")
    if not doc.lines:
        out.add("no-lines", "detail", "", "the bill has no lines", "Check the record in Manage.", FixIn.MANAGE)
    _balance(out, doc.total, doc.computed_total)


def _journal(out: _Collector, doc: Document, master: SageMasterData, opts: ValidateOptions) -> None:
    assert isinstance(doc, JournalDocument)
    for line in doc.lines:
        _account(out, master, line.account, "GLAccount")
    _line_descriptions(out, (line.description for line in doc.lines))
    if doc.imbalance != 0:
        out.add(
            "unbalanced",
            "total",
            doc.imbalance,
            f"the journal entry is out of balance by {doc.imbalance}",
            "Check the expense's GL mapping in Manage (expense and offset accounts).",
            FixIn.MANAGE,
        )


def _inventory(out: _Collector, doc: Document, master: SageMasterData, opts: ValidateOptions) -> None:
    assert isinstance(doc, InventoryDocument)
    if not doc.lines:
        out.add("no-lines", "detail", "", "the record has no item lines", "Check it in Manage.", FixIn.MANAGE)
    for line in doc.lines:
        if master.inventory_control:
            _ic_line(out, master, opts, line.item, line.location, line.from_location)
        else:
            _account(out, master, line.inventory_account, "inventoryAccountNumber")
            _account(out, master, line.offset_account, "accountNumber (offset)")
        if line.quantity == 0:
            out.add(
                "zero-quantity",
                "quantity",
                line.quantity,
                f"item {line.item} has a zero quantity",
                "Check the record in Manage.",
                FixIn.MANAGE,
                Severity.WARNING,
            )


def _ic_line(
    out: _Collector, master: SageMasterData, opts: ValidateOptions, item: str, location: str, from_location: str
) -> None:
    if not item or len(item) > ITEM_MAX:
        out.add(
            "item-invalid",
            "item",
            item,
            f"item number {item!r} is empty or longer than {ITEM_MAX} characters",
            "Fix the product identifier in Manage.",
            FixIn.MANAGE,
        )
    elif item not in master.items:
        if opts.create_missing:
            if not _cannot_create(out, opts, "item", item, "", "item"):
                out.add(
                    "item-will-be-created",
                    "item",
                    item,
                    f"item {item} does not exist in Sage 300 and will be created",
                    "Nothing to do.",
                    FixIn.SAGE,
                    Severity.WARNING,
                )
        else:
            out.add(
                "item-not-in-sage",
                "item",
                item,
                f"item {item} does not exist in Sage 300 Inventory Control",
                f"Create item {item} in Sage 300 (I/C Items), or run with --create-missing.",
                FixIn.SAGE,
            )
    elif not master.items[item]:
        out.add(
            "item-not-stock",
            "item",
            item,
            f"item {item} is not a stock item in Sage 300",
            "Make it a stock item in Sage 300, or mark the product non-inventory in Manage.",
            FixIn.SAGE,
        )
    for field, loc in (("locationXref", location), ("transferFromLocationXref", from_location)):
        if field == "transferFromLocationXref" and out.doc.kind is not DocKind.IC_TRANSFER:
            continue
        if not loc:
            out.add(
                "location-missing",
                field,
                "",
                f"no Sage IC location is known for the line of item {item or '-'}: Manage did not tell it "
                "(the warehouse of the record's location has no Location XRef, or the adjustment could not be "
                "matched to its record) and no default is set",
                "Set the warehouse's Location XRef in Manage (Procurement > Warehouses), or, as a last resort, "
                "`defaults.ic_default_location` in cwsage's config for adjustments.",
                FixIn.CWSAGE,
            )
        elif loc not in master.ic_locations:
            out.add(
                "location-not-in-sage",
                field,
                loc,
                f"IC location {loc} does not exist in Sage 300",
                f"Create location {loc} in Sage 300 (I/C Locations), or fix the warehouse's Location XRef in Manage.",
                FixIn.SAGE,
            )


_Check = Callable[[_Collector, Document, SageMasterData, ValidateOptions], None]
_CHECKS: dict[type, _Check] = {
    ReceivableDocument: _receivable,
    PayableDocument: _payable,
    JournalDocument: _journal,
    InventoryDocument: _inventory,
}


def blocking_keys(issues: Iterable[Issue]) -> set[str]:
    """Keys of the documents that at least one error blocks."""
    return {issue.document_key for issue in issues if issue.blocking and issue.document_key}
