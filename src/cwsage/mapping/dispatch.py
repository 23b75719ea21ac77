"""Which Sage 300 document each canonical document becomes, and its payload: the one dispatch table.

A document's *target* is the kind of Sage document (and so the Sage resource) it is posted as. The choice
depends on the document and, for inventory, on whether the Sage company has Inventory Control: without it
an IC adjustment or transfer is posted as a balanced GL journal entry. Everything that differs per target on
the Sage side (create, locate, make ready, post) lives in :mod:`cwsage.services.targets`; this module only
decides the target and builds the payload, so that translation stays free of I/O.

The records ``--create-missing`` adds to Sage (customers, vendors, items) are built here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cwsage.domain.documents import (
    DocKind,
    Document,
    InventoryDocument,
    JournalDocument,
    PartyProfile,
    PayableDocument,
    ReceivableDocument,
)
from cwsage.domain.master import SageMasterData
from cwsage.mapping import to_sage
from cwsage.sage300 import models as sg
from cwsage.sage300 import vocabulary as V


class Target(StrEnum):
    """The kind of Sage 300 document a document is posted as (the value is stored with each document)."""

    AR = "ar"
    AP = "ap"
    GL = "gl"
    IC_ADJUSTMENT = "ic_adjustment"
    IC_TRANSFER = "ic_transfer"


def target_of(doc: Document, master: SageMasterData) -> Target:
    """Where a document goes in Sage (inventory becomes a journal entry without Inventory Control)."""
    if isinstance(doc, ReceivableDocument):
        return Target.AR
    if isinstance(doc, PayableDocument):
        return Target.AP
    if isinstance(doc, JournalDocument) or not master.inventory_control:
        return Target.GL
    return Target.IC_ADJUSTMENT if doc.kind is DocKind.IC_ADJUSTMENT else Target.IC_TRANSFER


def _ar(doc: Document, master: SageMasterData, options: to_sage.PostingOptions) -> sg.SageModel:
    assert isinstance(doc, ReceivableDocument)
    return to_sage.ar_invoice(doc, master, options)


def _ap(doc: Document, master: SageMasterData, options: to_sage.PostingOptions) -> sg.SageModel:
    assert isinstance(doc, PayableDocument)
    return to_sage.ap_invoice(doc, master, options)


def _gl(doc: Document, master: SageMasterData, options: to_sage.PostingOptions) -> sg.SageModel:
    assert isinstance(doc, JournalDocument | InventoryDocument)
    return to_sage.gl_header(doc, master, options)


def _ic_adjustment(doc: Document, master: SageMasterData, _options: to_sage.PostingOptions) -> sg.SageModel:
    assert isinstance(doc, InventoryDocument)
    return to_sage.ic_adjustment(doc, master)


def _ic_transfer(doc: Document, master: SageMasterData, _options: to_sage.PostingOptions) -> sg.SageModel:
    assert isinstance(doc, InventoryDocument)
    return to_sage.ic_transfer(doc, master)


Builder = Callable[[Document, SageMasterData, to_sage.PostingOptions], sg.SageModel]


@dataclass(frozen=True)
class TargetSpec:
    """What translation knows of a target: the Sage entry model, how to build it, what reports call it."""

    model: type[sg.SageModel]
    build: Builder
    label: DocKind


SPECS: dict[Target, TargetSpec] = {
    Target.AR: TargetSpec(sg.ARInvoice, _ar, DocKind.AR_INVOICE),
    Target.AP: TargetSpec(sg.APInvoice, _ap, DocKind.AP_INVOICE),
    Target.GL: TargetSpec(sg.GLJournalHeader, _gl, DocKind.GL_JOURNAL),
    Target.IC_ADJUSTMENT: TargetSpec(sg.ICAdjustment, _ic_adjustment, DocKind.IC_ADJUSTMENT),
    Target.IC_TRANSFER: TargetSpec(sg.ICTransfer, _ic_transfer, DocKind.IC_TRANSFER),
}
"""The dispatch table: one entry per target."""


def sage_document(doc: Document, master: SageMasterData, options: to_sage.PostingOptions) -> tuple[Target, Any]:
    """The target of ``doc`` and its Sage payload.

    Raises:
        ValueError: The document cannot be expressed as a Sage document (a data problem of that document).
    """
    target = target_of(doc, master)
    return target, SPECS[target].build(doc, master, options)


def destination(doc: Document, master: SageMasterData) -> DocKind:
    """What a document becomes in Sage 300: its kind, or the journal entry it is posted as.

    Without Inventory Control an IC adjustment or transfer is posted as a GL journal entry; a preview that
    called it an "IC adjustment" would promise a document Sage will never have.
    """
    if target_of(doc, master) is Target.GL and not isinstance(doc, JournalDocument):
        return DocKind.GL_JOURNAL
    return doc.kind


# -- records --create-missing adds -----------------------------------------------------------------------


@dataclass(frozen=True)
class MissingDefaults:
    """The configured groups and account set of records cwsage creates."""

    customer_group: str = ""
    vendor_group: str = ""
    item_account_set: str = ""


@dataclass(frozen=True)
class MissingRecord:
    """One master record a document needs and Sage lacks.

    Attributes:
        what: ``customer``, ``vendor`` or ``item`` (the words of messages and of the audit log).
        number: The record's number in Sage.
        resource: Where it is created.
        payload: What to create.
    """

    what: str
    number: str
    resource: V.Resource
    payload: sg.ARCustomer | sg.APVendor | sg.ICItem


def _customer(party: PartyProfile, defaults: MissingDefaults) -> MissingRecord:
    return MissingRecord(
        "customer",
        party.number,
        V.AR_CUSTOMERS,
        sg.ARCustomer(
            customer_number=party.number,
            customer_name=party.name[:60],
            group_code=defaults.customer_group or None,
            currency_code=party.currency or None,
            terms=party.terms or None,
            tax_group=party.tax_group or None,
        ),
    )


def _vendor(party: PartyProfile, defaults: MissingDefaults) -> MissingRecord:
    return MissingRecord(
        "vendor",
        party.number,
        V.AP_VENDORS,
        sg.APVendor(
            vendor_number=party.number,
            vendor_name=party.name[:60],
            group_code=defaults.vendor_group or None,
            currency_code=party.currency or None,
            terms=party.terms or None,
        ),
    )


def missing_records(doc: Document, master: SageMasterData, defaults: MissingDefaults) -> list[MissingRecord]:
    """The customers, vendors and items ``doc`` needs that Sage's master data does not have, ready to create."""
    if isinstance(doc, ReceivableDocument):
        return [] if doc.customer.number in master.customers else [_customer(doc.customer, defaults)]
    if isinstance(doc, PayableDocument):
        return [] if doc.vendor.number in master.vendors else [_vendor(doc.vendor, defaults)]
    if not isinstance(doc, InventoryDocument) or not master.inventory_control:
        return []
    return [
        MissingRecord(
            "item",
            line.item,
            V.IC_ITEMS,
            sg.ICItem(
                unformatted_item_number=line.item,
                description=(line.description or line.item)[:60],
                account_set_code=defaults.item_account_set or None,
                stock_item=True,
            ),
        )
        for line in doc.lines
        if line.item not in master.items
    ]
