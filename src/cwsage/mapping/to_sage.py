"""Translate canonical documents into Sage 300 Web API payloads.

Rounding happens here, at the edge, with the one rule of :mod:`cwsage.money`: every amount is quantized
to its currency's decimals. Accounts are sent unformatted (as Sage's ``UnformattedAccount``); tax is sent
as Manage computed it (``TaxAmountControl = Enter``, one authority per Manage tax level) so Sage's totals
equal Manage's to the cent. A foreign-currency journal is converted line by line at Sage's rate and any
rounding difference is put on the largest line so that the entry still balances in the home currency.
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
from cwsage.domain.master import SageMasterData
from cwsage.sage300 import models as sg
from cwsage.sage300.resources import (
    APDocumentType,
    ARDocumentType,
    ICAdjustmentType,
    InvoiceType,
    TaxAmountControl,
    YesNo,
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


def _q(amount: Decimal, currency: str) -> Decimal:
    return money.quantize(amount, currency or None)


def _rate_fields(master: SageMasterData, currency: str, day: date, options: PostingOptions) -> dict[str, Any]:
    if not currency or currency == master.home_currency:
        return {"currency_code": currency or None}
    found = master.rate_for(currency, day)
    fields: dict[str, Any] = {"currency_code": currency, "rate_type": options.rate_type}
    if found is not None:
        fields.update(rate_date=found[0], exchange_rate=found[1], rate_overridden=YesNo.NO)
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
        return {}
    group = master.tax_groups.get((tax_group, transaction_type))
    authorities = list(group.authorities if group else (t.authority for t in taxes))[:MAX_AUTHORITIES]
    fields: dict[str, Any] = {"tax_group": tax_group, "tax_amount_control": TaxAmountControl.ENTER}
    base: dict[str, Decimal] = {}
    amount: dict[str, Decimal] = {}
    for tax in taxes:  # several Manage tax lines for one authority add up (one Sage field per authority)
        base[tax.authority] = base.get(tax.authority, money.ZERO) + tax.base
        amount[tax.authority] = amount.get(tax.authority, money.ZERO) + tax.amount
    for index, authority in enumerate(authorities, start=1):
        fields[f"tax_authority_{index}"] = authority
        fields[f"tax_class_{index}"] = options.tax_class
        fields[f"tax_base_{index}"] = _q(base.get(authority, money.ZERO), currency)
        fields[f"tax_amount_{index}"] = _q(amount.get(authority, money.ZERO), currency)
    return fields


def ar_invoice(doc: ReceivableDocument, master: SageMasterData, options: PostingOptions) -> sg.ARInvoice:
    """The AR invoice or credit note entry for ``doc``."""
    currency = doc.currency
    details = [
        sg.ARInvoiceDetail(
            line_number=20 * index,
            revenue_account=account(master, line.account),
            description=short(line.description),
            extended_amount_with_tip=_q(line.amount, currency),
        )
        for index, line in enumerate(doc.lines, start=1)
    ]
    before_tax = money.total(_q(line.amount, currency) for line in doc.lines)
    return sg.ARInvoice(
        customer_number=doc.customer.number,
        document_number=doc.document_number,
        document_type=ARDocumentType.CREDIT_NOTE if doc.kind is DocKind.AR_CREDIT_NOTE else ARDocumentType.INVOICE,
        invoice_type=InvoiceType.SUMMARY,
        invoice_description=short(doc.description),
        po_number=short(doc.po_number, 22) or None,
        document_date=doc.document_date,
        posting_date=doc.document_date,
        due_date=doc.due_date if doc.kind is DocKind.AR_INVOICE else None,
        terms=doc.terms or None,
        **_rate_fields(master, currency, doc.document_date, options),
        **_tax_fields(master, doc.tax_group, "Sales", doc.taxes, currency, options),
        document_total_before_tax=before_tax,
        document_total_including_tax=_q(doc.total, currency),
        invoice_details=details,
    )


def ap_invoice(doc: PayableDocument, master: SageMasterData, options: PostingOptions) -> sg.APInvoice:
    """The AP invoice entry for ``doc``."""
    currency = doc.currency
    details = [
        sg.APInvoiceDetail(
            line_number=20 * index,
            gl_account=account(master, line.account),
            distribution_description=short(line.description),
            distributed_amount=_q(line.amount, currency),
        )
        for index, line in enumerate(doc.lines, start=1)
    ]
    before_tax = money.total(_q(line.amount, currency) for line in doc.lines)
    return sg.APInvoice(
        vendor_number=doc.vendor.number,
        document_number=doc.document_number,
        document_type=APDocumentType.CREDIT_NOTE if doc.kind is DocKind.AP_CREDIT_NOTE else APDocumentType.INVOICE,
        invoice_description=short(doc.description),
        po_number=short(doc.po_number, 22) or None,
        document_date=doc.document_date,
        posting_date=doc.document_date,
        terms=doc.terms or None,
        **_rate_fields(master, currency, doc.document_date, options),
        **_tax_fields(master, doc.tax_group, "Purchases", doc.taxes, currency, options),
        document_total_before_taxes=before_tax,
        document_total_including_tax=_q(doc.total, currency),
        invoice_details=details,
    )


def home_amounts(lines: Sequence[JournalLine], rate: Decimal, home_currency: str) -> list[Decimal]:
    """Convert signed source amounts to the home currency so that they still sum to zero.

    Each line is rounded on its own; the rounding difference (a cent or two) goes to the largest line,
    which is what a bookkeeper would do by hand.
    """
    converted = [money.quantize(line.amount * rate, home_currency) for line in lines]
    difference = money.total(converted)
    if difference and converted:
        largest = max(range(len(converted)), key=lambda i: abs(converted[i]))
        converted[largest] -= difference
    return converted


def gl_header(
    doc: JournalDocument | InventoryDocument, master: SageMasterData, options: PostingOptions
) -> sg.GLJournalHeader:
    """The GL journal entry for a journal document, or for an inventory document when Sage has no IC."""
    ledger, _, source_type = options.gl_source_code.partition("-")
    lines = doc.lines if isinstance(doc, JournalDocument) else doc.as_journal_lines()
    currency = doc.currency or master.home_currency
    foreign = currency != master.home_currency
    rate_info = master.rate_for(currency, doc.document_date) if foreign else None
    rate = rate_info[1] if rate_info else Decimal(1)
    amounts = home_amounts(lines, rate, master.home_currency)
    details = []
    for line, amount in zip(lines, amounts, strict=True):
        extra: dict[str, Any] = {}
        if foreign:
            extra = {
                "source_currency": currency,
                "source_currency_amount": _q(line.amount, currency),
                "currency_rate": rate,
                "currency_rate_date": rate_info[0] if rate_info else None,
            }
        details.append(
            sg.GLJournalDetail(
                account_number=account(master, line.account),
                amount=amount,
                description=short(line.description),
                reference=doc.document_number,
                journal_date=doc.document_date,
                **extra,
            )
        )
    return sg.GLJournalHeader(
        source_ledger=ledger or "GL",
        source_type=source_type or "JE",
        description=short(doc.description),
        posting_date=doc.document_date,
        document_date=doc.document_date,
        document_number=doc.document_number,
        reference=doc.document_number,
        journal_details=details,
    )


def ic_adjustment(doc: InventoryDocument) -> sg.ICAdjustment:
    """The IC adjustment for ``doc`` (quantities and costs as Manage counted them)."""
    details = []
    for line in doc.lines:
        increase = line.quantity > 0
        quantity = abs(line.quantity)
        cost = abs(line.cost)
        details.append(
            sg.ICAdjustmentDetail(
                item_number=line.item,
                location=line.location,
                transaction_type=ICAdjustmentType.BOTH_INCREASE if increase else ICAdjustmentType.BOTH_DECREASE,
                quantity=quantity,
                unit_cost=(cost / quantity).quantize(Decimal("0.000001")) if increase and quantity else None,
                extended_cost=money.quantize(cost),
                comments=short(line.description, 250) or None,
            )
        )
    return sg.ICAdjustment(
        description=short(doc.description),
        adjustment_date=doc.document_date,
        reference=doc.document_number,
        adjustment_details=details,
    )


def ic_transfer(doc: InventoryDocument) -> sg.ICTransfer:
    """The IC transfer for ``doc``."""
    return sg.ICTransfer(
        description=short(doc.description),
        transfer_date=doc.document_date,
        reference=doc.document_number,
        transfer_details=[
            sg.ICTransferDetail(
                line_number=index,
                item_number=line.item,
                from_location=line.from_location,
                to_location=line.location,
                quantity=abs(line.quantity),
            )
            for index, line in enumerate(doc.lines, start=1)
        ],
    )
