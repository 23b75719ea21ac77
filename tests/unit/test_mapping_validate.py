"""Every check of ``mapping.validate``: each problem becomes one issue naming the record, never an exception."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from cwsage.domain.documents import (
    DocKind,
    Document,
    InventoryDocument,
    InventoryLine,
    JournalDocument,
    JournalLine,
    Line,
    PartyProfile,
    PayableDocument,
    ReceivableDocument,
    SourceRef,
    SourceType,
    TaxLine,
)
from cwsage.domain.issues import FixIn, Issue, Severity
from cwsage.domain.master import AccountInfo, FiscalPeriod, PartyInfo, SageMasterData, TaxGroupInfo, account_key
from cwsage.mapping.validate import ValidateOptions, blocking_keys, validate

DAY = date(2026, 9, 23)
SOURCE = SourceRef(SourceType.INVOICE, "Standard invoice", "5001", "invoice 10001")


def master(**changes: object) -> SageMasterData:
    accounts = {
        account_key(a): AccountInfo(account_key(a), a) for a in ("4000-10", "5100-10", "2100-00", "1300-00", "5300-30")
    }
    accounts[account_key("4999-10")] = AccountInfo("499910", "4999-10", active=False)
    base = SageMasterData(
        home_currency="USD",
        customers={"ACME": PartyInfo("ACME", "USD"), "OLD": PartyInfo("OLD", "USD", active=False)},
        vendors={"INGRAM": PartyInfo("INGRAM", "USD")},
        accounts=accounts,
        tax_groups={("CHICAGO", "Sales"): TaxGroupInfo("CHICAGO", "Sales", ("ILSTATE", "COOKCTY"))},
        tax_authorities=frozenset({"ILSTATE", "COOKCTY", "CHICITY"}),
        currencies=frozenset({"USD", "CAD"}),
        rates={"CAD": ((date(2026, 9, 1), Decimal("0.73")),)},
        fiscal_periods=(
            FiscalPeriod(2026, 9, date(2026, 9, 1), date(2026, 9, 30), True),
            FiscalPeriod(2026, 8, date(2026, 8, 1), date(2026, 8, 31), False),
        ),
        items={"SWITCH24": True, "SERVICE": False},
        ic_locations=frozenset({"MAIN", "VAN1"}),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def invoice(**changes: object) -> ReceivableDocument:
    doc = ReceivableDocument(
        key="AR:10001",
        kind=DocKind.AR_INVOICE,
        source=SOURCE,
        document_number="10001",
        document_date=DAY,
        description="Services September",
        currency="USD",
        gl_entry_ids=(1,),
        customer=PartyProfile("ACME", "Acme Corp", "USD"),
        lines=(Line("4000-10", Decimal("100.00"), "Service"),),
        taxes=(TaxLine(1, "ILSTATE", Decimal(100), Decimal("6.25")),),
        tax_group="CHICAGO",
        total=Decimal("106.25"),
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def bill(**changes: object) -> PayableDocument:
    doc = PayableDocument(
        key="AP:INGRAM:INV-1",
        kind=DocKind.AP_INVOICE,
        source=SourceRef(SourceType.PROCUREMENT, "item receipt", "PO-1", "item receipt PO-1"),
        document_number="INV-1",
        document_date=DAY,
        description="Receipt",
        currency="USD",
        gl_entry_ids=(2,),
        vendor=PartyProfile("INGRAM", "Ingram Micro", "USD"),
        lines=(Line("1300-00", Decimal(50), "Switch"),),
        total=Decimal(50),
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def journal(*amounts: str, currency: str = "USD") -> JournalDocument:
    accounts = ["5100-10", "2100-00", "5100-10"]
    return JournalDocument(
        key="GL:CW-E1",
        kind=DocKind.GL_JOURNAL,
        source=SourceRef(SourceType.EXPENSE, "expense", "1", "expense CW-E1 (jsmith)"),
        document_number="CW-E1",
        document_date=DAY,
        description="Expense",
        currency=currency,
        gl_entry_ids=(1, 2),
        lines=tuple(JournalLine(accounts[i], Decimal(a), "Meals") for i, a in enumerate(amounts)),
    )


def inventory(kind: DocKind = DocKind.IC_ADJUSTMENT, **line_changes: object) -> InventoryDocument:
    line = InventoryLine(
        item="SWITCH24",
        quantity=Decimal(1),
        cost=Decimal(310),
        location="MAIN",
        inventory_account="1300-00",
        offset_account="5300-30",
        from_location="VAN1" if kind is DocKind.IC_TRANSFER else "",
    )
    return InventoryDocument(
        key=f"IC:CW-X-{kind}",
        kind=kind,
        source=SourceRef(SourceType.PROCUREMENT, "inventory adjustment", "909", "inventory adjustment CW-X"),
        document_number="CW-X",
        document_date=DAY,
        description="Adjustment",
        currency="",
        gl_entry_ids=(9,),
        lines=(replace(line, **line_changes),),  # type: ignore[arg-type]
    )


def check(*docs: Document, data: SageMasterData | None = None, **options: object) -> list[Issue]:
    return validate(docs, data or master(), ValidateOptions(**options))  # type: ignore[arg-type]


def codes(issues: list[Issue]) -> list[str]:
    return [issue.code for issue in issues]


def only(issues: list[Issue]) -> Issue:
    assert len(issues) == 1, [i.line() for i in issues]
    return issues[0]


def test_clean_documents_have_no_issues() -> None:
    assert check(invoice(), bill(), journal("5", "-5"), inventory(), inventory(DocKind.IC_TRANSFER)) == []
    assert check(inventory(), data=master(inventory_control=False)) == []


# --- parties ----------------------------------------------------------------------------------------


def test_customer_missing_is_an_error_that_names_the_record() -> None:
    issue = only(check(invoice(customer=PartyProfile("NOPE", "Nope Ltd", "USD"))))
    assert (issue.code, issue.value, issue.source_ref, issue.document_key) == (
        "customer-not-in-sage",
        "NOPE",
        "invoice 10001",
        "AR:10001",
    )
    assert issue.field == "Company.accountNumber"
    assert issue.fix_in is FixIn.SAGE and issue.blocking
    assert "--create-missing" in issue.hint


def test_customer_missing_with_create_missing_is_a_warning() -> None:
    issue = only(check(invoice(customer=PartyProfile("NOPE", "Nope Ltd", "USD")), create_missing=True))
    assert issue.code == "customer-will-be-created"
    assert issue.severity is Severity.WARNING and not issue.blocking


def test_vendor_missing_with_and_without_create_missing() -> None:
    doc = bill(vendor=PartyProfile("CDW", "CDW", "USD"))
    issue = only(check(doc))
    assert (issue.code, issue.field) == ("vendor-not-in-sage", "Company.vendorIdentifier")
    assert only(check(doc, create_missing=True)).code == "vendor-will-be-created"


def test_member_vendor_field_is_named_for_expense_bills() -> None:
    doc = bill(vendor=PartyProfile("EMP-X", "X", "USD", is_member=True))
    assert only(check(doc)).field == "Member.vendorNumber"


def test_party_without_number_is_left_to_translation() -> None:
    assert check(invoice(customer=PartyProfile("", "Acme", "USD"))) == []


def test_inactive_customer_and_too_long_number() -> None:
    assert codes(check(invoice(customer=PartyProfile("OLD", "Old", "USD")))) == ["customer-inactive"]
    assert codes(check(invoice(customer=PartyProfile("X" * 13, "Long", "USD")))) == ["customer-number-too-long"]


# --- currency, rates, periods -----------------------------------------------------------------------


def test_currency_mismatch_between_document_and_customer() -> None:
    issue = only(check(invoice(currency="CAD")))
    assert (issue.code, issue.value) == ("currency-mismatch", "CAD")


def test_missing_rate_for_a_foreign_document() -> None:
    issue = only(check(journal("5", "-5", currency="CAD"), data=master(rates={})))
    assert (issue.code, issue.value) == ("exchange-rate-missing", "CAD")


def test_rate_only_after_the_document_date_is_missing() -> None:
    data = master(rates={"CAD": ((date(2026, 10, 1), Decimal("0.7")),)})
    assert codes(check(journal("5", "-5", currency="CAD"), data=data)) == ["exchange-rate-missing"]


def test_currency_unknown_to_sage_and_single_currency_company() -> None:
    assert codes(check(journal("5", "-5", currency="EUR"))) == ["currency-missing"]
    assert codes(check(journal("5", "-5", currency="CAD"), data=master(multicurrency=False))) == ["multicurrency-off"]


def test_locked_and_missing_fiscal_periods() -> None:
    locked = only(check(invoice(document_date=date(2026, 8, 15))))
    assert (locked.code, locked.fix_in) == ("fiscal-period-locked", FixIn.SAGE)
    assert "08-2026" in locked.message
    missing = only(check(invoice(document_date=date(2027, 1, 5))))
    assert (missing.code, missing.value) == ("fiscal-year-missing", "2027-01-05")


# --- accounts and tax -------------------------------------------------------------------------------


def test_unknown_inactive_and_empty_accounts() -> None:
    doc = invoice(
        lines=(
            Line("4600-10", Decimal(50), "a"),
            Line("4999-10", Decimal(30), "b"),
            Line("", Decimal(20), "c"),
        ),
    )
    issues = check(doc)
    assert codes(issues) == ["account-not-in-sage", "account-inactive", "account-missing"]
    assert [i.value for i in issues] == ["4600-10", "4999-10", ""]


def test_unformatted_account_matches_formatted_sage_account() -> None:
    assert check(invoice(lines=(Line("400010", Decimal(100), "x"),))) == []


def test_tax_group_missing() -> None:
    issue = only(check(invoice(tax_group="DENVER")))
    assert (issue.code, issue.value) == ("tax-group-not-in-sage", "DENVER")


def test_tax_authority_not_in_sage_and_not_in_group() -> None:
    taxes = (
        TaxLine(1, "ILSTATE", Decimal(100), Decimal("3.00")),
        TaxLine(2, "DENCITY", Decimal(100), Decimal("2.00")),
        TaxLine(3, "CHICITY", Decimal(100), Decimal("1.25")),
    )
    issues = check(invoice(taxes=taxes, total=Decimal("106.25")))
    assert [(i.code, i.value) for i in issues] == [
        ("tax-authority-not-in-sage", "DENCITY"),
        ("tax-authority-not-in-group", "CHICITY"),
    ]


def test_purchases_use_the_purchases_tax_group() -> None:
    issue = only(check(bill(tax_group="CHICAGO")))
    assert issue.code == "tax-group-not-in-sage" and "purchases" in issue.message


# --- balance, numbers, descriptions -----------------------------------------------------------------


def test_unbalanced_invoice_and_journal() -> None:
    issue = only(check(invoice(total=Decimal("106.26"))))
    assert issue.code == "unbalanced" and "off by 0.01" in issue.message
    assert codes(check(journal("5.00", "-4.99"))) == ["unbalanced"]
    assert codes(check(bill(total=Decimal(49)))) == ["unbalanced"]


def test_sub_cent_difference_is_not_an_imbalance() -> None:
    assert check(invoice(total=Decimal("106.254"))) == []


def test_document_number_too_long() -> None:
    issue = only(check(invoice(document_number="X" * 23)))
    assert issue.code == "document-number-too-long" and "23" in issue.message
    assert check(invoice(document_number="X" * 22)) == []


def test_duplicate_in_selection_names_the_first() -> None:
    issues = check(invoice(), invoice(source=SourceRef(SourceType.INVOICE, "x", "5002", "invoice 10001 again")))
    issue = only(issues)
    assert issue.code == "duplicate-in-selection"
    assert issue.source_ref == "invoice 10001 again" and "invoice 10001" in issue.message


def test_conflict_already_in_sage() -> None:
    issue = only(check(invoice(), conflicts={"AR:10001": "AR batch 12 entry 3"}))
    assert issue.code == "already-in-sage" and "AR batch 12 entry 3" in issue.message
    assert issue.fix_in is FixIn.SAGE


def test_description_too_long_is_a_warning() -> None:
    issue = only(check(invoice(description="d" * 61)))
    assert (issue.code, issue.severity) == ("description-shortened", Severity.WARNING)


def test_line_description_too_long_is_a_warning() -> None:
    issue = only(check(invoice(lines=(Line("4000-10", Decimal(100), "x" * 61),))))
    assert (issue.code, issue.field, issue.severity) == (
        "description-shortened",
        "detail[1].description",
        Severity.WARNING,
    )


def test_no_lines() -> None:
    assert "no-lines" in codes(check(invoice(lines=(), taxes=(), total=Decimal(0))))
    assert "no-lines" in codes(check(bill(lines=(), total=Decimal(0))))


# --- inventory --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"item": "NOPE"}, "item-not-in-sage"),
        ({"item": ""}, "item-invalid"),
        ({"item": "I" * 25}, "item-invalid"),
        ({"item": "SERVICE"}, "item-not-stock"),
        ({"location": ""}, "location-missing"),
        ({"location": "VAN9"}, "location-not-in-sage"),
        ({"quantity": Decimal(0)}, "zero-quantity"),
    ],
)
def test_ic_line_problems(changes: dict[str, object], code: str) -> None:
    assert codes(check(inventory(**changes))) == [code]


def test_missing_item_with_create_missing_is_a_warning() -> None:
    issue = only(check(inventory(item="NOPE"), create_missing=True))
    assert (issue.code, issue.blocking) == ("item-will-be-created", False)


def test_transfer_source_location_is_checked_too() -> None:
    issue = only(check(inventory(DocKind.IC_TRANSFER, from_location="NOWHERE")))
    assert (issue.code, issue.field) == ("location-not-in-sage", "transferFromLocationXref")


def test_without_inventory_control_accounts_are_checked_instead_of_items() -> None:
    data = master(inventory_control=False)
    assert check(inventory(item="NOPE", location=""), data=data) == []
    assert codes(check(inventory(offset_account="9999-99"), data=data)) == ["account-not-in-sage"]


def test_blocking_keys_ignore_warnings() -> None:
    issues = check(invoice(description="d" * 61), bill(total=Decimal(1)))
    assert blocking_keys(issues) == {"AP:INGRAM:INV-1"}


def test_many_problems_are_all_reported_at_once() -> None:
    doc = invoice(
        customer=PartyProfile("NOPE", "Nope", "USD"),
        lines=(Line("4600-10", Decimal(100), "Service"),),
        tax_group="DENVER",
        total=Decimal(1),
        document_date=date(2026, 8, 2),
    )
    assert set(codes(check(doc))) == {
        "customer-not-in-sage",
        "account-not-in-sage",
        "tax-group-not-in-sage",
        "unbalanced",
        "fiscal-period-locked",
    }
