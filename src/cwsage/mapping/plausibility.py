"""Plausibility checks before posting: amounts no business posts, and numbers Sage 300 cannot hold as sent.

Why a module of its own: the other validators check documents against Sage's master data; these check the
numbers themselves. Without them, line prices of 1e20 became AR invoices of 6.2e20 CAD and were marked exported
(issue 13, finding 3). Each rule returns :class:`~cwsage.domain.issues.Issue`\\ s naming the record, the field,
the value and what to do — nothing is ever posted silently. Pure: no I/O; the limits come from the run options
(``max_document_amount``, ``max_line_amount`` in ``[profiles.NAME.defaults]``).

The rules (codes in brackets):

* ``[amount-over-document-limit]`` a document total beyond ``max_document_amount`` (default 10,000,000);
* ``[amount-over-line-limit]`` a line (revenue, expense, tax, journal or inventory cost) beyond
  ``max_line_amount`` (default 10,000,000);
* ``[amount-overflows-sage]`` an amount that does not fit Sage's amount fields, BCD 10.3 in Sage's views (ten
  bytes: 19 digits, 3 of them decimals — decision I28 of ``docs/sage300-inferred.md``, which the emulator
  enforces too): at most 16 digits before the decimal point, whatever the limits say;
* ``[quantity-overflows-sage]``, ``[price-overflows-sage]`` a quantity (BCD 10.4: at most 15 digits before the
  decimal point) or a unit price or cost (amount ÷ quantity; an amount field: at most 16);
* ``[quantity-too-precise]`` an inventory quantity with more than 4 decimals, which Sage would round;
* ``[total-not-lines]`` a document whose total differs from its lines plus tax *as Sage will hold them* — each
  line rounded to the currency — although the unrounded sum agrees (three lines of 33.333 make 99.99 in Sage,
  not Manage's 100.00); and a journal whose rounded lines no longer balance. A document whose unrounded lines
  already disagree with its total is reported by :mod:`cwsage.mapping.validate` (``unbalanced``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from cwsage import money
from cwsage.domain.documents import (
    Document,
    InventoryDocument,
    JournalDocument,
    PayableDocument,
    ReceivableDocument,
    TradeDocument,
)
from cwsage.domain.issues import FixIn, Issue, Severity

SAGE_INTEGER_DIGITS = 16
"""Digits before the decimal point of Sage's amount fields (BCD 10.3: 19 digits, 3 decimals; I28)."""
SAGE_QUANTITY_DECIMALS = 4
SAGE_QUANTITY_INTEGER_DIGITS = 15
"""Digits before the decimal point of Sage's quantity fields (BCD 10.4: 19 digits, 4 decimals; I28)."""
SAGE_LIMIT = money.D(10) ** SAGE_INTEGER_DIGITS
"""The first value with 17 integer digits: amounts and prices must stay below it."""
SAGE_QUANTITY_LIMIT = money.D(10) ** SAGE_QUANTITY_INTEGER_DIGITS
"""The first value with 16 integer digits: quantities must stay below it."""
DEFAULT_MAX_DOCUMENT_AMOUNT = money.D(10_000_000)
DEFAULT_MAX_LINE_AMOUNT = money.D(10_000_000)


@dataclass(frozen=True)
class PlausibilityLimits:
    """The configurable limits (``[profiles.NAME.defaults]`` ``max_document_amount`` and ``max_line_amount``).

    Attributes:
        max_document_amount: Largest document total accepted, in the document's currency.
        max_line_amount: Largest single line (including tax and journal lines) accepted.
    """

    max_document_amount: Decimal = DEFAULT_MAX_DOCUMENT_AMOUNT
    max_line_amount: Decimal = DEFAULT_MAX_LINE_AMOUNT


@dataclass(frozen=True)
class _Amount:
    field: str
    value: Decimal
    line: bool  # a line (checked against max_line_amount) rather than a total


def check(doc: Document, limits: PlausibilityLimits) -> list[Issue]:
    """Every plausibility issue of one document (errors: they block it).

    Args:
        doc: A translated document.
        limits: The run's limits.

    Returns:
        The issues, in rule order; empty for a plausible document.
    """
    out = _Out(doc)
    amounts = list(_amounts(doc))
    for amount in amounts:
        _amount_rules(out, amount, limits)
    _quantities(out, doc)
    if all(abs(a.value) < SAGE_LIMIT for a in amounts):  # rounding an overflowing amount means nothing
        _rounded_totals(out, doc)
    return out.issues


class _Out:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.issues: list[Issue] = []

    def add(self, code: str, field: str, value: Decimal, message: str, hint: str) -> None:
        self.issues.append(
            Issue(
                source_ref=self.doc.source.label,
                document_key=self.doc.key,
                code=code,
                field=field,
                value=show(value),
                message=message,
                hint=hint,
                fix_in=FixIn.MANAGE,
                severity=Severity.ERROR,
            )
        )


def show(value: Decimal) -> str:
    """A number for a message: plain digits, or scientific notation when it is absurdly long."""
    if value.is_finite() and value and value.adjusted() > 15:
        return f"{value:.3E}"
    return format(value, "f")


def _amounts(doc: Document) -> Iterable[_Amount]:
    """Every amount of the document that reaches Sage, with its field name."""
    if isinstance(doc, TradeDocument):
        yield _Amount("total", doc.total, line=False)
        for number, line in enumerate(doc.lines, start=1):
            yield _Amount(f"detail[{number}].amount", line.amount, line=True)
        for number, tax in enumerate(doc.taxes, start=1):
            yield _Amount(f"tax[{number}].amount", tax.amount, line=True)
            yield _Amount(f"tax[{number}].base", tax.base, line=False)
    elif isinstance(doc, JournalDocument):
        yield _Amount("total", money.total(line.amount for line in doc.lines if line.amount > 0), line=False)
        for number, journal_line in enumerate(doc.lines, start=1):
            yield _Amount(f"detail[{number}].amount", journal_line.amount, line=True)
    elif isinstance(doc, InventoryDocument):
        yield _Amount("total", money.total(abs(line.cost) for line in doc.lines), line=False)
        for number, inventory_line in enumerate(doc.lines, start=1):
            yield _Amount(f"detail[{number}].cost", inventory_line.cost, line=True)


def _amount_rules(out: _Out, amount: _Amount, limits: PlausibilityLimits) -> None:
    doc = out.doc
    size = abs(amount.value)
    currency = f" {doc.currency}" if doc.currency else ""
    if size >= SAGE_LIMIT:
        out.add(
            "amount-overflows-sage",
            amount.field,
            amount.value,
            f"{amount.field} is {show(amount.value)}{currency}: Sage 300 amounts hold at most {SAGE_INTEGER_DIGITS} "
            "digits before the decimal point",
            "Correct the amount in Manage (a price or quantity typed wrong?); if it is right, split the document.",
        )
    if amount.line and size > limits.max_line_amount:
        out.add(
            "amount-over-line-limit",
            amount.field,
            amount.value,
            f"{amount.field} is {show(amount.value)}{currency}, more than the {show(limits.max_line_amount)} a line "
            "may hold (max_line_amount)",
            "Correct the line in Manage; if the amount is right, raise max_line_amount in [profiles.NAME.defaults] "
            "of cwsage's config.toml and run again.",
        )
    if not amount.line and amount.field == "total" and size > limits.max_document_amount:
        out.add(
            "amount-over-document-limit",
            amount.field,
            amount.value,
            f"the document total is {show(amount.value)}{currency}, more than the {show(limits.max_document_amount)} "
            "a document may hold (max_document_amount)",
            "Correct the document in Manage; if the amount is right, raise max_document_amount in "
            "[profiles.NAME.defaults] of cwsage's config.toml and run again.",
        )


def _quantities(out: _Out, doc: Document) -> None:
    if isinstance(doc, TradeDocument):
        for number, line in enumerate(doc.lines, start=1):
            if line.quantity is None:
                continue
            _quantity_fits(out, f"detail[{number}].quantity", line.quantity)
            if line.quantity and abs(line.quantity) < SAGE_QUANTITY_LIMIT:
                _price_fits(out, f"detail[{number}].price", line.amount / line.quantity, "unit price")
    elif isinstance(doc, InventoryDocument):
        for number, item in enumerate(doc.lines, start=1):
            field = f"detail[{number}].quantity"
            _quantity_fits(out, field, item.quantity)
            if abs(item.quantity) < SAGE_QUANTITY_LIMIT and _decimals(item.quantity) > SAGE_QUANTITY_DECIMALS:
                out.add(
                    "quantity-too-precise",
                    field,
                    item.quantity,
                    f"item {item.item}'s quantity {show(item.quantity)} has more than {SAGE_QUANTITY_DECIMALS} "
                    "decimals; Sage 300 would round it",
                    f"Enter the quantity in Manage with at most {SAGE_QUANTITY_DECIMALS} decimals.",
                )
            if item.quantity and abs(item.quantity) < SAGE_QUANTITY_LIMIT:
                _price_fits(out, f"detail[{number}].unitCost", item.cost / item.quantity, "unit cost")


def _quantity_fits(out: _Out, field: str, quantity: Decimal) -> None:
    if abs(quantity) >= SAGE_QUANTITY_LIMIT:
        out.add(
            "quantity-overflows-sage",
            field,
            quantity,
            f"{field} is {show(quantity)}: Sage 300 quantities hold at most {SAGE_QUANTITY_INTEGER_DIGITS} digits "
            "before the "
            "decimal point",
            "Correct the quantity in Manage.",
        )


def _price_fits(out: _Out, field: str, price: Decimal, what: str) -> None:
    if abs(price) >= SAGE_LIMIT:
        out.add(
            "price-overflows-sage",
            field,
            price,
            f"the {what} is {show(price)}: Sage 300 holds at most {SAGE_INTEGER_DIGITS} digits before the decimal "
            "point",
            f"Correct the {what} or the quantity in Manage.",
        )


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _rounded_totals(out: _Out, doc: Document) -> None:
    currency = doc.currency or None
    if isinstance(doc, ReceivableDocument | PayableDocument):
        if money.quantize(doc.total - doc.computed_total, currency) != 0:
            return  # unbalanced as Manage sent it: reported by validate ("unbalanced")
        by_authority: dict[str, Decimal] = {}
        for tax in doc.taxes:
            by_authority[tax.authority] = by_authority.get(tax.authority, money.ZERO) + tax.amount
        rounded = money.total(money.quantize(line.amount, currency) for line in doc.lines) + money.total(
            money.quantize(amount, currency) for amount in by_authority.values()
        )
        difference = money.quantize(doc.total, currency) - rounded
        if difference:
            out.add(
                "total-not-lines",
                "total",
                money.quantize(doc.total, currency),
                f"the lines and taxes, each rounded to the cent as Sage 300 keeps them, add up to {show(rounded)}, "
                f"not to the document total {show(money.quantize(doc.total, currency))} (off by {show(difference)})",
                "Round the line amounts in Manage to whole cents (their sum then matches the total) and re-close "
                "the record so that Manage regenerates its GL entries.",
            )
    elif isinstance(doc, JournalDocument) and doc.imbalance == 0:
        rounded = money.total(money.quantize(line.amount, currency) for line in doc.lines)
        if rounded:
            out.add(
                "total-not-lines",
                "total",
                rounded,
                f"the journal lines, each rounded to the cent as Sage 300 keeps them, are out of balance by "
                f"{show(rounded)}",
                "Round the amounts in Manage to whole cents and re-close the record.",
            )
