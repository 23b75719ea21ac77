"""Translate canonical documents into Sage 300 Web API payloads.

Rounding happens here, at the edge, with the one rule of :mod:`cwsage.money`: every amount is quantized
to its currency's decimals (Sage's ``DecimalPlaces`` when the company told us). Accounts are sent
unformatted (as Sage's ``UnformattedAccount``); tax is sent as Manage computed it (``DoNotCalculationTax:
Yes``, one authority per Manage tax level, I10) so Sage's totals equal Manage's to the cent.

Every name written here is a declared name of :mod:`cwsage.sage300.vocabulary` (the models refuse others).
What that means for each kind:

* AR and AP invoices carry their own ``PostingDate`` (the document date, so each lands in its own fiscal
  period) and, in a foreign currency, ``CurrencyCode``, ``RateType``, ``RateDate``, ``ExchangeRate`` and
  ``RateOverridden`` with Sage's own rate for the document date (MD16 for AR; AP by analogy, I25).
* GL journal entries carry the document key at the start of the header ``Description`` and in every
  detail's ``Reference`` (I15) — there is no header ``Reference`` — and the header's ``PostingDate`` (I25).
  ``Amount`` is in the home currency: a foreign-currency journal is converted line by line at Sage's rate
  (by the table's ``RateOperation``, I4) and the rounding difference goes to the largest line, so the entry
  still balances; its details also keep the source currency (``SourceCurrency``, ``CurrencyRate`` and the
  source amount in ``SourceCurrencyAmount``, I25). A home-currency line sends ``SourceCurrencyAmount`` equal
  to ``Amount`` and no currency fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cwsage import money
from cwsage.domain.documents import (
    DocKind,
    InventoryDocument,
    JournalDocument,
    JournalLine,
    PayableDocument,
    ReceivableDocument,
)
from cwsage.domain.master import DIVIDE, SageMasterData
from cwsage.sage300 import models as sg
from cwsage.sage300.vocabulary import (
    APDocumentType,
    ARDocumentType,
    ICAdjustmentType,
    ICTransferType,
    InvoiceType,
)

DESCRIPTION_MAX = 60
MAX_AUTHORITIES = 5


@dataclass(frozen=True)
class PostingOptions:
    """Settings that shape the Sage documents.

    Attributes:
        gl_source_code: Sage GL source code ``LEDGER-TYPE`` for journal entries (``GL-JE`` exists by default).
        tax_class: Tax class sent for each authority (Sage's class 1 is "taxable" by convention).
        rate_type: Sage rate type used for foreign-currency documents.
    """

    gl_source_code: str = "GL-JE"
    tax_class: int = 1
    rate_type: str = "SP"


def short(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """A description cut to Sage's limit (validation has already warned about it)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def batch_description(batch_number: str, kind: DocKind, chunk: int, chunks: int, run_id: str = "") -> str:
    """The description that lets a person (and cwsage) find a Sage batch again, ≤ 60 characters.

    ``cwsage <Batch Number> <AR|AP|GL|IC> <chunk>/<chunks> <run id prefix>``; the Batch Number is cut to
    fit, the rest never is.
    """
    code = {
        DocKind.AR_INVOICE: "AR",
        DocKind.AR_CREDIT_NOTE: "AR",
        DocKind.AP_INVOICE: "AP",
        DocKind.AP_CREDIT_NOTE: "AP",
        DocKind.GL_JOURNAL: "GL",
        DocKind.IC_ADJUSTMENT: "IC",
        DocKind.IC_TRANSFER: "IC",
    }[kind]
    suffix = f" {code} {chunk}/{chunks}" + (f" {run_id[:8]}" if run_id else "")
    return f"cwsage {batch_number}"[: DESCRIPTION_MAX - len(suffix)] + suffix


def account(master: SageMasterData, value: str) -> str:
    """The unformatted Sage account for a Manage account string (as given if unknown)."""
    info = master.account(value)
    return info.unformatted if info is not None else value


def _q(amount: Decimal, currency: str, master: SageMasterData | None = None) -> Decimal:
    places = master.currency_decimals.get(currency) if master is not None and currency else None
    return money.quantize(amount, currency or None, places)


def _rate_fields(master: SageMasterData, currency: str, day: date, options: PostingOptions) -> dict[str, Any]:
    if not currency or currency == master.home_currency:
        return {"currency_code": currency or None}
    found = master.rate_for(currency, day)
    fields: dict[str, Any] = {"currency_code": currency, "rate_type": options.rate_type}
    if found is not None:
        fields.update(rate_date=found[0], exchange_rate=found[1], rate_overridden=False)
    return fields


def _tax_fields(
    master: SageMasterData,
    tax_group: str,
    transaction_type: str,
    taxes: Sequence[Any],
    currency: str,
    options: PostingOptions,
) -> dict[str, Any]:
    if not tax_group:
        return {"do_not_calculation_tax": True}  # I10: no tax in Manage means none in Sage either
    group = master.tax_groups.get((tax_group, transaction_type))
    authorities = list(group.authorities if group else (t.authority for t in taxes))[:MAX_AUTHORITIES]
    fields: dict[str, Any] = {"do_not_calculation_tax": True, "tax_group": tax_group}
    base: dict[str, Decimal] = {}
    amount: dict[str, Decimal] = {}
    for tax in taxes:  # several Manage tax lines for one authority add up (one Sage field per authority)
        base[tax.authority] = base.get(tax.authority, money.ZERO) + tax.base
        amount[tax.authority] = amount.get(tax.authority, money.ZERO) + tax.amount
    for index, authority in enumerate(authorities, start=1):
        fields[f"tax_authority_{index}"] = authority
        fields[f"tax_class_{index}"] = options.tax_class
        fields[f"tax_base_{index}"] = _q(base.get(authority, money.ZERO), currency, master)
        fields[f"tax_amount_{index}"] = _q(amount.get(authority, money.ZERO), currency, master)
    return fields


def ar_invoice(doc: ReceivableDocument, master: SageMasterData, options: PostingOptions) -> sg.ARInvoice:
    """The AR invoice or credit note entry for ``doc``."""
    currency = doc.currency
    details = [
        sg.ARInvoiceDetail(
            line_number=20 * index,
            revenue_account=account(master, line.account),
            description=short(line.description),
            extended_amount_with_tip=_q(line.amount, currency, master),
        )
        for index, line in enumerate(doc.lines, start=1)
    ]
    before_tax = money.total(_q(line.amount, currency, master) for line in doc.lines)
    return sg.ARInvoice(
        customer_number=doc.customer.number,
        document_number=doc.document_number,
        document_type=ARDocumentType.CREDIT_NOTE if doc.kind is DocKind.AR_CREDIT_NOTE else ARDocumentType.INVOICE,
        invoice_type=InvoiceType.SUMMARY,
        po_number=short(doc.po_number, 22) or None,
        invoice_description=short(doc.description),
        document_date=doc.document_date,
        posting_date=doc.document_date,
        **_rate_fields(master, currency, doc.document_date, options),
        terms=doc.terms or None,
        due_date=doc.due_date if doc.kind is DocKind.AR_INVOICE else None,
        **_tax_fields(master, doc.tax_group, "Sales", doc.taxes, currency, options),
        document_total_before_tax=before_tax,
        document_total_including_tax=_q(doc.total, currency, master),
        invoice_details=details,
    )


def ap_invoice(doc: PayableDocument, master: SageMasterData, options: PostingOptions) -> sg.APInvoice:
    """The AP invoice or credit note entry for ``doc``: posting date and currency fields as AR sends them (I25)."""
    currency = doc.currency
    details = [
        sg.APInvoiceDetail(
            line_number=20 * index,
            gl_account=account(master, line.account),
            distribution_description=short(line.description),
            distributed_amount=_q(line.amount, currency, master),
        )
        for index, line in enumerate(doc.lines, start=1)
    ]
    return sg.APInvoice(
        vendor_number=doc.vendor.number,
        document_number=doc.document_number,
        document_type=APDocumentType.CREDIT_NOTE if doc.kind is DocKind.AP_CREDIT_NOTE else APDocumentType.INVOICE,
        invoice_description=short(doc.description),
        document_date=doc.document_date,
        posting_date=doc.document_date,
        **_rate_fields(master, currency, doc.document_date, options),
        terms=doc.terms or None,
        **_tax_fields(master, doc.tax_group, "Purchases", doc.taxes, currency, options),
        document_total_including_tax=_q(doc.total, currency, master),
        invoice_details=details,
    )


def home_amounts(
    lines: Sequence[JournalLine], rate: Decimal, home_currency: str, *, divide: bool = False
) -> list[Decimal]:
    """Convert signed source amounts to the home currency so that they still sum to zero.

    Home = source × rate, or source ÷ rate when the rate table's operation is ``Divide`` (I4). Each line is
    rounded on its own; the rounding difference (a cent or two) goes to the largest line, which is what a
    bookkeeper would do by hand.
    """
    converted = [money.quantize(line.amount / rate if divide else line.amount * rate, home_currency) for line in lines]
    difference = money.total(converted)
    if difference and converted:
        largest = max(range(len(converted)), key=lambda i: abs(converted[i]))
        converted[largest] -= difference
    return converted


def gl_description(key: str, description: str) -> str:
    """A journal header's ``Description``: the document key first (I15), then as much text as fits in 60."""
    text = short(description, max(DESCRIPTION_MAX - len(key) - 1, 1)) if description.strip() else ""
    return f"{key} {text}".strip()


def gl_header(
    doc: JournalDocument | InventoryDocument, master: SageMasterData, options: PostingOptions
) -> sg.GLJournalHeader:
    """The GL journal entry for a journal document, or for an inventory document when Sage has no IC.

    ``Amount`` is in the home currency; a foreign-currency entry keeps its source currency, rate and source
    amounts (I25, see the module docstring). The key is found again by the header's ``Description`` and
    every detail's ``Reference`` (I15).
    """
    ledger, _, source_type = options.gl_source_code.partition("-")
    lines = doc.lines if isinstance(doc, JournalDocument) else doc.as_journal_lines()
    currency = doc.currency or master.home_currency
    home = master.home_currency
    rate_info = master.rate_for(currency, doc.document_date) if currency != home else None
    rate = rate_info[1] if rate_info else money.ONE
    divide = currency != home and master.rate_rule(currency).operation == DIVIDE
    amounts = home_amounts(lines, rate, home, divide=divide)
    foreign = rate_info is not None
    # The source amounts, rounded in the source currency with the same rule (they balance there too).
    sources = home_amounts(lines, money.ONE, currency) if foreign else amounts
    details = [
        sg.GLJournalDetail(
            account_number=account(master, line.account),
            source_currency=currency if foreign else None,
            currency_rate=rate if foreign else None,
            amount=amount,
            source_currency_amount=source,
            description=short(line.description),
            reference=doc.document_number,
        )
        for line, amount, source in zip(lines, amounts, sources, strict=True)
    ]
    return sg.GLJournalHeader(
        source_ledger=ledger or "GL",
        source_type=source_type or "JE",
        description=gl_description(doc.document_number, doc.description),
        document_date=doc.document_date,
        posting_date=doc.document_date,
        journal_details=details,
    )


def item_number(master: SageMasterData | None, item: str) -> str:
    """The item number IC documents name (the formatted one, PL and I9), as given when Sage has no other."""
    if master is None:
        return item
    return master.item_numbers.get(item, item)


def ic_adjustment(doc: InventoryDocument, master: SageMasterData | None = None) -> sg.ICAdjustment:
    """The IC adjustment for ``doc`` (quantities as Manage counted them; ``CostAdjustment`` the cost moved)."""
    details = []
    for line in doc.lines:
        increase = line.quantity > 0
        details.append(
            sg.ICAdjustmentDetail(
                item_number=item_number(master, line.item),
                location=line.location,
                transaction_type=ICAdjustmentType.BOTH_INCREASE if increase else ICAdjustmentType.BOTH_DECREASE,
                quantity=abs(line.quantity),
                cost_adjustment=money.quantize(abs(line.cost)),
                comments=short(line.description, 250) or None,
            )
        )
    return sg.ICAdjustment(
        description=short(doc.description),
        adjustment_date=doc.document_date,
        reference=doc.document_number,
        adjustment_details=details,
    )


def ic_transfer(doc: InventoryDocument, master: SageMasterData | None = None) -> sg.ICTransfer:
    """The IC transfer for ``doc``: a warehouse-to-warehouse ``Transfer`` (I16)."""
    return sg.ICTransfer(
        description=short(doc.description),
        document_date=doc.document_date,
        reference=doc.document_number,
        document_type=ICTransferType.TRANSFER,
        transfer_details=[
            sg.ICTransferDetail(
                line_number=index,
                item_number=item_number(master, line.item),
                from_location=line.from_location,
                to_location=line.location,
                quantity_transferred=abs(line.quantity),
            )
            for index, line in enumerate(doc.lines, start=1)
        ],
    )
