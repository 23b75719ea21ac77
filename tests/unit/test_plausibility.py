"""Plausibility checks before posting (issue 13, finding 3): absurd amounts are never posted silently.

Each rule is shown through :func:`cwsage.mapping.validate.validate` — the one place every document passes before
posting — with a document that today's code would have let through, and the issue must name the record, the
field, the value and what to do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cwsage.domain.documents import (
    DocKind,
    Document,
    InventoryDocument,
    InventoryLine,
    JournalDocument,
    JournalLine,
    Line,
    SourceRef,
    SourceType,
    TaxLine,
)
from cwsage.domain.issues import Issue
from cwsage.mapping.validate import ValidateOptions, blocking_keys, validate

from .test_mapping_validate import bill, invoice, master

DAY = date(2026, 9, 23)


def issues(doc: Document, options: ValidateOptions | None = None) -> list[Issue]:
    return validate([doc], master(), options)


def only(found: list[Issue], code: str) -> list[Issue]:
    return [i for i in found if i.code == code]


def adjustment(*lines: InventoryLine) -> InventoryDocument:
    return InventoryDocument(
        key="IC:CW-ADJ-1",
        kind=DocKind.IC_ADJUSTMENT,
        source=SourceRef(SourceType.PROCUREMENT, "inventory adjustment", "1", "inventory adjustment CW-ADJ-1"),
        document_number="CW-ADJ-1",
        document_date=DAY,
        description="Shrinkage",
        currency="",
        gl_entry_ids=(1, 2),
        lines=lines,
    )


def journal(*amounts: str) -> JournalDocument:
    return JournalDocument(
        key="GL:CW-E1",
        kind=DocKind.GL_JOURNAL,
        source=SourceRef(SourceType.EXPENSE, "expense", "1", "expense CW-E1 (jsmith)"),
        document_number="CW-E1",
        document_date=DAY,
        description="Expense",
        currency="USD",
        gl_entry_ids=(1, 2),
        lines=tuple(JournalLine("5100-10" if Decimal(a) > 0 else "2100-00", Decimal(a), "taxi") for a in amounts),
    )


def test_a_plausible_document_has_no_plausibility_issue() -> None:
    assert issues(invoice()) == []
    assert issues(bill()) == []


def test_the_attack_line_prices_of_1e20_are_not_posted() -> None:
    """Prices of 1e20 on three lines: 6.2e20 CAD. Lines and total agree, so nothing else stopped it."""
    lines = tuple(
        Line("4000-10", Decimal(quantity) * Decimal("1e20"), "Service", quantity=Decimal(quantity))
        for quantity in ("2", "3", "1.2")
    )
    doc = invoice(lines=lines, taxes=(), tax_group="", total=Decimal("6.2e20"), currency="CAD")
    found = issues(doc)
    assert "AR:10001" in blocking_keys(found)
    total = only(found, "amount-over-document-limit")
    assert [(i.source_ref, i.field, i.value) for i in total] == [("invoice 10001", "total", "6.200E+20")]
    assert "max_document_amount" in total[0].hint
    assert {i.field for i in only(found, "amount-over-line-limit")} == {
        "detail[1].amount",
        "detail[2].amount",
        "detail[3].amount",
    }
    assert {i.field for i in only(found, "amount-overflows-sage")} == {
        "total",
        "detail[1].amount",
        "detail[2].amount",
        "detail[3].amount",
    }
    assert {i.field for i in only(found, "price-overflows-sage")} == {
        "detail[1].price",
        "detail[2].price",
        "detail[3].price",
    }
    assert all(i.blocking for i in found)


def test_document_limit_is_configurable_and_the_default_is_ten_million() -> None:
    from cwsage.mapping.plausibility import PlausibilityLimits

    big = invoice(lines=(Line("4000-10", Decimal("12000000.00"), "Project"),), taxes=(), tax_group="")
    big = replace(big, total=Decimal("12000000.00"))
    codes = {i.code for i in issues(big)}
    assert codes == {"amount-over-document-limit", "amount-over-line-limit"}
    raised = ValidateOptions(limits=PlausibilityLimits(Decimal(20_000_000), Decimal(20_000_000)))
    assert issues(big, raised) == []
    lowered = ValidateOptions(limits=PlausibilityLimits(Decimal(100), Decimal(50)))
    assert {i.code for i in issues(invoice(), lowered)} == {"amount-over-document-limit", "amount-over-line-limit"}


def test_line_limit_applies_to_tax_and_journal_lines() -> None:
    taxed = invoice(
        lines=(Line("4000-10", Decimal("9000000"), "Hardware"),),
        taxes=(TaxLine(1, "ILSTATE", Decimal("9000000"), Decimal("10500000")),),
        total=Decimal("19500000"),
    )
    assert [i.field for i in only(issues(taxed), "amount-over-line-limit")] == ["tax[1].amount"]
    expense = journal("15000000", "-15000000")
    assert {i.field for i in only(issues(expense), "amount-over-line-limit")} == {
        "detail[1].amount",
        "detail[2].amount",
    }
    assert [i.field for i in only(issues(expense), "amount-over-document-limit")] == ["total"]


def test_amounts_that_overflow_sage_even_within_raised_limits() -> None:
    from cwsage.mapping.plausibility import PlausibilityLimits

    huge = Decimal("12345678901234567.00")  # 17 integer digits: BCD 10.3 holds 16 (I28)
    doc = invoice(lines=(Line("4000-10", huge, "Service"),), taxes=(), tax_group="", total=huge)
    no_limits = ValidateOptions(limits=PlausibilityLimits(Decimal("1e20"), Decimal("1e20")))
    found = issues(doc, no_limits)
    assert {(i.code, i.field) for i in found} == {
        ("amount-overflows-sage", "total"),
        ("amount-overflows-sage", "detail[1].amount"),
    }
    assert found[0].value == "1.235E+16"  # absurdly long numbers are shown in scientific notation
    assert "16 digits" in found[0].message
    fits = Decimal("1234567890123456.00")  # 16 integer digits: the most an amount field holds
    edge = invoice(lines=(Line("4000-10", fits, "Service"),), taxes=(), tax_group="", total=fits)
    assert only(issues(edge, no_limits), "amount-overflows-sage") == []


def test_quantities_that_overflow_sage() -> None:
    doc = invoice(lines=(Line("4000-10", Decimal("100.00"), "Service", quantity=Decimal("1e15")),))
    found = only(issues(doc), "quantity-overflows-sage")
    assert [(i.field, i.value) for i in found] == [("detail[1].quantity", "1000000000000000")]
    assert "15 digits" in found[0].message  # BCD 10.4 (I28)
    stock = adjustment(InventoryLine("SWITCH24", Decimal("-2e15"), Decimal("-50.00"), "MAIN", "1300-00", "5300-30"))
    assert [i.field for i in only(issues(stock), "quantity-overflows-sage")] == ["detail[1].quantity"]
    largest = invoice(lines=(Line("4000-10", Decimal("100.00"), "Service", quantity=Decimal("999999999999999")),))
    assert only(issues(largest), "quantity-overflows-sage") == []


def test_inventory_quantities_with_more_decimals_than_sage_keeps() -> None:
    stock = adjustment(InventoryLine("SWITCH24", Decimal("1.23456"), Decimal("123.46"), "MAIN", "1300-00", "5300-30"))
    found = only(issues(stock), "quantity-too-precise")
    assert [(i.field, i.value) for i in found] == [("detail[1].quantity", "1.23456")]
    assert "round" in found[0].message
    fine = adjustment(InventoryLine("SWITCH24", Decimal("1.2500"), Decimal("125.00"), "MAIN", "1300-00", "5300-30"))
    assert only(issues(fine), "quantity-too-precise") == []


def test_unit_prices_and_costs_that_overflow_sage() -> None:
    tiny_quantity = invoice(
        lines=(Line("4000-10", Decimal("100.00"), "Service", quantity=Decimal("0.000000000000001")),)
    )
    assert [i.field for i in only(issues(tiny_quantity), "price-overflows-sage")] == ["detail[1].price"]
    stock = adjustment(
        InventoryLine("SWITCH24", Decimal("0.0001"), Decimal("5000000000000.00"), "MAIN", "1300-00", "5300-30")
    )
    assert [i.field for i in only(issues(stock), "price-overflows-sage")] == ["detail[1].unitCost"]


def test_total_that_does_not_match_its_lines_as_sage_rounds_them() -> None:
    """Three lines of 33.333 add up to 99.999 (100.00 to the cent): Sage would hold 3 x 33.33 = 99.99."""
    thirds = tuple(Line("4000-10", Decimal("33.333"), f"Service {n}") for n in (1, 2, 3))
    doc = invoice(lines=thirds, taxes=(), tax_group="", total=Decimal("100.00"))
    found = only(issues(doc), "total-not-lines")
    assert [(i.field, i.value) for i in found] == [("total", "100.00")]
    assert "99.99" in found[0].message
    assert "off by 0.01" in found[0].message
    assert only(issues(doc), "unbalanced") == []  # to the cent, the unrounded lines agree


def test_journal_that_no_longer_balances_once_rounded() -> None:
    doc = journal("33.333", "33.333", "33.333", "-99.999")
    found = only(issues(doc), "total-not-lines")
    assert [i.field for i in found] == ["total"]
    assert "out of balance by -0.01" in found[0].message


def test_an_unbalanced_document_is_reported_once() -> None:
    doc = invoice(total=Decimal("200.00"))
    codes = [i.code for i in issues(doc)]
    assert codes == ["unbalanced"]


@pytest.mark.parametrize("value", ["1e20", "-1e20", "9999999999.999", "0.001"])
def test_rules_never_raise_on_extreme_values(value: str) -> None:
    amount = Decimal(value)
    doc = invoice(lines=(Line("4000-10", amount, "x", quantity=Decimal("1e-20")),), taxes=(), total=amount)
    validate([doc, bill(total=amount)], master())


def test_limits_are_run_options_of_the_profile(cwsage_home: Path) -> None:
    from cwsage.config import RunDefaults, load_settings
    from cwsage.errors import ConfigurationError
    from cwsage.services.session import batch_settings

    for name in ("max_document_amount", "max_line_amount"):
        assert RunDefaults.model_fields[name].default == Decimal(10_000_000)
        assert RunDefaults.model_fields[name].description
    (cwsage_home / "config.toml").write_text(
        "[profiles.default.defaults]\nmax_document_amount = 250000\nmax_line_amount = 99999.99\n", encoding="utf-8"
    )
    limits = batch_settings(load_settings(require=set())).limits
    assert (limits.max_document_amount, limits.max_line_amount) == (Decimal(250000), Decimal("99999.99"))
    (cwsage_home / "config.toml").write_text("[profiles.default.defaults]\nmax_line_amount = 0\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="max_line_amount"):
        load_settings(require=set())
