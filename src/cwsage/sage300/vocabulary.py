"""Every Sage 300 Web API name cwsage sends or reads, declared once, each with where it comes from.

Why a module of its own: a real Sage 300 refuses a whole write that names a property the resource does not
have (``InvalidPayload``), and a misspelt name in a read silently gives nothing. So every resource, key,
property and enum member cwsage uses is written down here exactly as Sage spells it, tagged with its source
in ``shared/reference/sage300-sdk-facts.md`` — ``ER22`` (Endpoint Reference 2022), ``DR22`` (Developer
Reference), ``PL`` (Sage's sample POST bodies), ``PM`` (Postman tutorial), ``MD16`` (the 2016 AR
``$metadata``), ``secondary`` (other public code talking to real servers, facts §6) — or with the number of
the decision in ``docs/sage300-inferred.md`` (``I1`` … ``I32``) for what the facts leave open.

The pydantic models (:mod:`cwsage.sage300.models`) take their aliases from here and refuse, when the module
is imported, a field this file does not declare; the client checks every filter, ``$select``, key and
request body against the resource's declaration before it sends anything. A later step can hold each
declaration against a server's own ``$metadata``: every resource and property has a place for *known
alternatives* (older names from MD16 such as ``TermsCodeKey`` for ``TermsCode``, and entity sets without
the module prefix such as ``AR/InvoiceBatches``), and every resource says for which jobs it is required and
for which optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from pydantic.alias_generators import to_snake

# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------

ER22: Final = "ER22"
DR22: Final = "DR22"
PL: Final = "PL"
PM: Final = "PM"
MD16: Final = "MD16"
SECONDARY: Final = "secondary"
FACT_SOURCES: Final = frozenset({ER22, DR22, PL, PM, MD16, SECONDARY})
_DECISION_RE = re.compile(r"^I([1-9]|[12][0-9]|3[0-2])$")


def is_source(tag: str) -> bool:
    """Whether ``tag`` names a fact source (``PL`` …) or an inferred decision (``I1`` … ``I32``)."""
    return tag in FACT_SOURCES or bool(_DECISION_RE.match(tag))


class VocabularyError(ValueError):
    """A name is used that the vocabulary does not declare, or a declaration is inconsistent."""


class JsonType(StrEnum):
    """A property's JSON type as Sage writes it (dates are ISO strings, ``YYYY-MM-DDT00:00:00Z``)."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    ARRAY = "array"


# --------------------------------------------------------------------------------------------------
# Enum members, as Sage spells them
# --------------------------------------------------------------------------------------------------


class YesNo(StrEnum):
    """Sage's Yes/No switches that are strings (``RateOverridden``, ``FullyPaid``, ``Multicurrency`` …)."""

    YES = "Yes"
    NO = "No"


class BatchStatus(StrEnum):
    """AR/AP ``BatchStatus`` and GL ``Status``: ``Open`` (PL), ``ReadyToPost`` (DR22), the rest I12."""

    OPEN = "Open"
    READY_TO_POST = "ReadyToPost"
    POSTED = "Posted"
    DELETED = "Deleted"


class ARDocumentType(StrEnum):
    """AR invoice entry ``DocumentType`` (PL: ``Invoice``; ``DebitNote``/``CreditNote`` as PL spells them for AP)."""

    INVOICE = "Invoice"
    DEBIT_NOTE = "DebitNote"
    CREDIT_NOTE = "CreditNote"


class APDocumentType(StrEnum):
    """AP invoice entry ``DocumentType`` (PL: all three)."""

    INVOICE = "Invoice"
    DEBIT_NOTE = "DebitNote"
    CREDIT_NOTE = "CreditNote"


class PostedDocumentType(StrEnum):
    """AR posted document ``DocumentType`` (I17)."""

    INVOICE = "Invoice"
    DEBIT_NOTE = "DebitNote"
    CREDIT_NOTE = "CreditNote"
    INTEREST = "Interest"
    UNAPPLIED_CASH = "UnappliedCash"
    PREPAYMENT = "Prepayment"
    RECEIPT = "Receipt"
    REFUND = "Refund"


class InvoiceType(StrEnum):
    """AR ``InvoiceType`` (PL ``Summary``): distribution lines, what cwsage sends."""

    SUMMARY = "Summary"


class ICAdjustmentType(StrEnum):
    """IC adjustment detail ``TransactionType``: ``BothIncrease`` (PL); ``BothDecrease`` is its counterpart.

    ``BothDecrease`` is not in the facts and no decision names it (see the report of issue 9); an installation
    that spells it otherwise answers ``InvalidPayload`` and the document is reported, never guessed.
    """

    BOTH_INCREASE = "BothIncrease"
    BOTH_DECREASE = "BothDecrease"


class ICRecordStatus(StrEnum):
    """IC adjustment/transfer ``RecordStatus`` (PL ``Entered``)."""

    ENTERED = "Entered"


class ICTransferType(StrEnum):
    """IC transfer ``DocumentType``: ``Transfer`` between two warehouses (I16); PL shows ``TransitTransfer``."""

    TRANSFER = "Transfer"
    TRANSIT_TRANSFER = "TransitTransfer"


class ReceiptBatchType(StrEnum):
    """AR receipt batch ``BatchRecordType`` / entry ``BatchType`` (PL ``CA`` cash, ``AD`` adjustments)."""

    CASH = "CA"
    ADJUSTMENT = "AD"


class ReceiptTransactionType(StrEnum):
    """AR receipt entry ``ReceiptTransactionType`` (PL ``Prepayment``; the others I19)."""

    RECEIPT = "Receipt"
    PREPAYMENT = "Prepayment"
    APPLY_DOCUMENT = "ApplyDocument"
    UNAPPLIED_CASH = "UnappliedCash"


class VendorOnHold(StrEnum):
    """AP vendor ``OnHold`` (PL ``NotOnHold``; ``OnHold`` I8)."""

    NOT_ON_HOLD = "NotOnHold"
    ON_HOLD = "OnHold"


class ActiveStatus(StrEnum):
    """``Status`` of customers, vendors and GL accounts: ``Active`` (PL), ``Inactive`` (I6, I8)."""

    ACTIVE = "Active"
    INACTIVE = "Inactive"


class TransactionType(StrEnum):
    """Tax ``TransactionType`` (I7): sales or purchases."""

    SALES = "Sales"
    PURCHASES = "Purchases"


class TaxClassType(StrEnum):
    """Tax class ``ClassType`` (I7)."""

    CUSTOMERS = "Customers"
    VENDORS = "Vendors"
    ITEMS = "Items"


class DecimalPlaces(StrEnum):
    """Currency ``DecimalPlaces`` (PL ``Num2``; members I3)."""

    NUM0 = "Num0"
    NUM1 = "Num1"
    NUM2 = "Num2"
    NUM3 = "Num3"


class RateOperation(StrEnum):
    """Currency rate table ``RateOperation`` (PL ``Multiply``; ``Divide`` I4)."""

    MULTIPLY = "Multiply"
    DIVIDE = "Divide"


class DateMatching(StrEnum):
    """Currency rate table ``DateMatching`` (PL ``Earlier``; ``Later``/``Closest`` I4)."""

    EARLIER = "Earlier"
    LATER = "Later"
    CLOSEST = "Closest"


class PeriodStatus(StrEnum):
    """Fiscal period ``FiscalPeriod{N}Status`` (I5)."""

    OPEN = "Open"
    LOCKED = "Locked"


class PostAllBatches(StrEnum):
    """The "all batches" switch of the posting processes: cwsage always posts one batch (I12, I13)."""

    DO_NOT_POST_ALL = "Donotpostallbatches"


def _members(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


# --------------------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prop:
    """One property of an entity, exactly as Sage spells it.

    Attributes:
        name: Sage's name (``CustomerCurrencyInvoiceAmount``).
        type: Its JSON type.
        source: Where the name comes from (a fact source or an inferred decision ``I…``).
        members: Enum members as Sage spells them (empty for free text).
        alternatives: Other spellings known from the facts (e.g. MD16's older name), tried in order when a
            server's ``$metadata`` lacks :attr:`name`.
        items: For an array, the entity of each element.
        note: Anything a reader must know about the declaration.
        attribute: The models' attribute name when snake_case of :attr:`name` is not a Python name
            (``Class`` → ``tax_class``).
    """

    name: str
    type: JsonType
    source: str
    members: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    items: Entity | None = None
    note: str = ""
    attribute: str = ""

    @property
    def field_name(self) -> str:
        """The snake_case attribute the pydantic models use for this property."""
        return self.attribute or to_snake(self.name)


@dataclass(frozen=True)
class Entity:
    """An entity type (a resource's record, or one of its detail collections) and its properties."""

    name: str
    props: tuple[Prop, ...]
    _by_name: dict[str, Prop] = field(init=False, repr=False, compare=False)
    _by_field: dict[str, Prop] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Prop] = {}
        by_field: dict[str, Prop] = {}
        for prop in self.props:
            if prop.name in by_name:
                raise VocabularyError(f"{self.name} declares {prop.name} twice")
            if prop.field_name in by_field:
                raise VocabularyError(f"{self.name}: {prop.name} and {by_field[prop.field_name].name} collide")
            if not is_source(prop.source):
                raise VocabularyError(f"{self.name}.{prop.name}: {prop.source!r} is not a source")
            if (prop.type is JsonType.ARRAY) != (prop.items is not None):
                raise VocabularyError(f"{self.name}.{prop.name}: arrays (and only arrays) have items")
            by_name[prop.name] = prop
            by_field[prop.field_name] = prop
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_by_field", by_field)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Prop]:
        return iter(self.props)

    def prop(self, name: str) -> Prop:
        """The declared property ``name``.

        Raises:
            VocabularyError: if the entity does not declare it.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise VocabularyError(f"{self.name} declares no property {name!r}") from None

    def name_of(self, name: str) -> str:
        """``name`` itself, after checking that it is declared (use it wherever a Sage name is written)."""
        return self.prop(name).name

    def for_field(self, field_name: str) -> Prop:
        """The property a model attribute stands for (``customer_number`` → ``CustomerNumber``).

        Raises:
            VocabularyError: if no declared property has that attribute name.
        """
        try:
            return self._by_field[field_name]
        except KeyError:
            raise VocabularyError(f"{self.name} declares no property for the attribute {field_name!r}") from None

    def alias_for(self, field_name: str) -> str:
        """The Sage name of a model attribute (see :meth:`for_field`)."""
        return self.for_field(field_name).name

    def undeclared(self, payload: Mapping[str, object], where: str = "") -> list[str]:
        """The names in ``payload`` (and, recursively, in its detail arrays) that this entity does not declare."""
        prefix = f"{where}." if where else ""
        problems: list[str] = []
        for name, value in payload.items():
            if name not in self._by_name:
                problems.append(f"{prefix}{name}")
                continue
            items = self._by_name[name].items
            if items is not None and isinstance(value, list):
                for index, element in enumerate(value):
                    if isinstance(element, Mapping):
                        problems.extend(items.undeclared(element, f"{prefix}{name}[{index}]"))
        return problems

    def walk(self) -> Iterator[Entity]:
        """This entity and every detail entity below it."""
        yield self
        for prop in self.props:
            if prop.items is not None:
                yield from prop.items.walk()


class Kind(StrEnum):
    """A resource's kind as ER22 classifies it (``service`` for what ER22 does not list)."""

    MASTER = "master"
    TRANSACTION = "transaction"
    PROCESS = "process"
    GET_ONLY = "get-only"
    SERVICE = "service"


class Verb(StrEnum):
    """What ER22 lets cwsage do with a resource (process endpoints: ``$process`` and ``$template``)."""

    GET = "GET"
    POST = "POST"
    PATCH = "PATCH"
    PUT = "PUT"
    DELETE = "DELETE"
    PROCESS = "$process"
    TEMPLATE = "$template"


class Job(StrEnum):
    """What cwsage does with Sage: the commands that need a resource."""

    RUN = "run"
    CHECK = "check"
    RERUN = "rerun"
    SYNC_PAYMENTS = "sync-payments"
    DEMO = "demo"
    LOGIN = "login"


class Need(StrEnum):
    """Whether a job cannot work without a resource, or copes (with a warning) when it is missing."""

    REQUIRED = "required"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Resource:
    """One Web API resource cwsage uses.

    Attributes:
        path: ``MODULE/Resource`` under the company (``AR/ARInvoiceBatches``).
        kind: ER22's kind.
        key: The key properties, in the order a composite key is written.
        entity: The record's declaration.
        source: Where the resource name comes from.
        verbs: What ER22 allows on it.
        jobs: For each job that uses it, whether it is required or optional.
        alternatives: Other paths known from the facts (MD16: entity sets had no module prefix).
        note: How cwsage copes when it is missing, where that matters.
    """

    path: str
    kind: Kind
    key: tuple[str, ...]
    entity: Entity
    source: str
    verbs: frozenset[Verb]
    jobs: Mapping[Job, Need]
    alternatives: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        for name in self.key:
            if name not in self.entity:
                raise VocabularyError(f"{self.path}: key {name} is not a declared property")
        if not is_source(self.source):
            raise VocabularyError(f"{self.path}: {self.source!r} is not a source")

    def __str__(self) -> str:
        return self.path

    @property
    def module(self) -> str:
        """The module (``AR``), which is also where its ``$metadata`` lives."""
        return self.path.split("/", 1)[0]

    @property
    def name(self) -> str:
        """The entity set name (``ARInvoiceBatches``)."""
        return self.path.split("/", 1)[1]


def _unprefixed(path: str) -> tuple[str, ...]:
    """MD16's spelling of an entity set: before v1.0 names had no module prefix (``AR/InvoiceBatches``)."""
    module, name = path.split("/", 1)
    return (f"{module}/{name[len(module) :]}",) if name.startswith(module) and len(name) > len(module) else ()


# Small constructors keep the declarations readable -------------------------------------------------


def _s(name: str, source: str, members: tuple[str, ...] = (), *, alt: tuple[str, ...] = (), note: str = "") -> Prop:
    return Prop(name, JsonType.STRING, source, members, alt, note=note)


def _i(name: str, source: str, *, alt: tuple[str, ...] = (), note: str = "") -> Prop:
    return Prop(name, JsonType.INTEGER, source, alternatives=alt, note=note)


def _n(name: str, source: str, *, note: str = "") -> Prop:
    return Prop(name, JsonType.NUMBER, source, note=note)


def _b(name: str, source: str, *, note: str = "") -> Prop:
    return Prop(name, JsonType.BOOLEAN, source, note=note)


def _d(name: str, source: str, *, note: str = "") -> Prop:
    return Prop(name, JsonType.DATE, source, note=note)


def _a(name: str, source: str, items: Entity, *, note: str = "") -> Prop:
    return Prop(name, JsonType.ARRAY, source, items=items, note=note)


def _yes_no(name: str, source: str, *, note: str = "") -> Prop:
    return _s(name, source, _members(YesNo), note=note)


def _levels(pattern: str, source: str, kind: JsonType) -> tuple[Prop, ...]:
    """``pattern`` for the five tax levels (``TaxAuthority{}`` → ``TaxAuthority1`` … ``TaxAuthority5``)."""
    return tuple(Prop(pattern.format(n), kind, source) for n in range(1, 6))


def _tax_levels(source: str) -> tuple[Prop, ...]:
    """``TaxAuthority1..5``, ``TaxClass1..5``, ``TaxBase1..5``, ``TaxAmount1..5`` (MD16's invoice names)."""
    return (
        *_levels("TaxAuthority{}", source, JsonType.STRING),
        *_levels("TaxClass{}", source, JsonType.INTEGER),
        *_levels("TaxBase{}", source, JsonType.NUMBER),
        *_levels("TaxAmount{}", source, JsonType.NUMBER),
    )


BATCH_STATUS_NOTE = "members: Open (PL), ReadyToPost (DR22), Posted and Deleted (I12)"

# --------------------------------------------------------------------------------------------------
# AR invoice batches (PL AR/ARInvoiceBatches; MD16 InvoiceBatch, Invoice, InvoiceDetail)
# --------------------------------------------------------------------------------------------------

AR_INVOICE_DETAIL: Final = Entity(
    "InvoiceDetail",
    (
        _i("BatchNumber", PL),
        _i("EntryNumber", PL),
        _i("LineNumber", PL),
        _s("DistributionCode", PL),
        _s("RevenueAccount", MD16),
        _s("Description", MD16),
        _n("ExtendedAmountWithTIP", PL),
    ),
)

AR_INVOICE: Final = Entity(
    "Invoice",
    (
        _i("BatchNumber", PL),
        _i("EntryNumber", PL),
        _s("CustomerNumber", PL),
        _s("DocumentNumber", MD16),
        _s("DocumentType", PL, _members(ARDocumentType), note="Invoice (PL); DebitNote, CreditNote as PL spells AP's"),
        _s("InvoiceType", PL, _members(InvoiceType)),
        _s("PONumber", MD16),
        _s("InvoiceDescription", MD16),
        _d("DocumentDate", PL),
        _d("PostingDate", MD16),
        _s("CurrencyCode", MD16),
        _s("RateType", MD16),
        _d("RateDate", MD16),
        _n("ExchangeRate", MD16),
        _yes_no("RateOverridden", MD16),
        _s("Terms", MD16),
        _d("DueDate", PL),
        _yes_no("DoNotCalculationTax", "I10", note="MD16 has it (String); if $metadata says Edm.Boolean send true"),
        _s("TaxGroup", MD16),
        *_tax_levels(MD16),
        _n("DocumentTotalBeforeTax", MD16),
        _n("DocumentTotalIncludingTax", MD16),
        _a("InvoiceDetails", PL, AR_INVOICE_DETAIL),
    ),
)

AR_INVOICE_BATCH: Final = Entity(
    "InvoiceBatch",
    (
        _i("BatchNumber", PL),
        _d("BatchDate", PL),
        _s("BatchStatus", PL, _members(BatchStatus), note=BATCH_STATUS_NOTE),
        _s("Description", PL),
        _a("Invoices", PL, AR_INVOICE),
    ),
)

# --------------------------------------------------------------------------------------------------
# AP invoice batches (PL AP/APInvoiceBatches_Invoice/_CreditNote/_DebitNote; I10, I11; I25 by analogy with AR)
# --------------------------------------------------------------------------------------------------

AP_INVOICE_DETAIL: Final = Entity(
    "APInvoiceDetail",
    (
        _i("BatchNumber", PL),
        _i("EntryNumber", PL),
        _i("LineNumber", PL),
        _s("DistributionCode", PL),
        _s("GLAccount", "I11"),
        _s("DistributionDescription", "I11"),
        _n("DistributedAmount", PL),
        *_levels("TaxClass{}", "I11", JsonType.INTEGER),
    ),
)

AP_INVOICE: Final = Entity(
    "APInvoice",
    (
        _i("BatchNumber", PL),
        _i("EntryNumber", PL),
        _s("VendorNumber", PL),
        _s("DocumentNumber", PL),
        _s("DocumentType", PL, _members(APDocumentType)),
        _s("InvoiceDescription", PL),
        _d("DocumentDate", PL),
        _d("PostingDate", "I25", note="the document date, so the document lands in its own fiscal period"),
        _s("CurrencyCode", "I25"),
        _s("RateType", "I25"),
        _d("RateDate", "I25"),
        _n("ExchangeRate", "I25"),
        _yes_no("RateOverridden", "I25"),
        _d("DueDate", PL),
        _s("Terms", "I11"),
        _yes_no("DoNotCalculationTax", "I10"),
        _s("TaxGroup", "I10"),
        *_tax_levels("I10"),
        _n("DocumentTotalIncludingTax", PL),
        _a("InvoiceDetails", PL, AP_INVOICE_DETAIL),
    ),
)

AP_INVOICE_BATCH: Final = Entity(
    "APInvoiceBatch",
    (
        _i("BatchNumber", PL),
        _d("BatchDate", PL),
        _s("BatchStatus", PL, _members(BatchStatus), note=BATCH_STATUS_NOTE),
        _s("Description", PL),
        _a("Invoices", PL, AP_INVOICE),
    ),
)

# --------------------------------------------------------------------------------------------------
# GL journal batches (PL GL/GLJournalBatches; I12, I15, I25). No header Reference: the key starts the header
# Description and is every detail's Reference (I15). A foreign journal keeps its source currency (I25).
# --------------------------------------------------------------------------------------------------

GL_JOURNAL_DETAIL: Final = Entity(
    "JournalDetail",
    (
        _s("BatchNumber", PL),
        _s("EntryNumber", PL),
        _s("TransactionNumber", PL),
        _s("AccountNumber", PL),
        _s("SourceCurrency", "I25", note="sent for a foreign-currency journal only, before its amounts"),
        _n("CurrencyRate", "I25", note="Sage's rate for the document date, applied by the table's RateOperation"),
        _n("Amount", PL, note="in the home currency"),
        _n("SourceCurrencyAmount", PL, note="in SourceCurrency (the home currency when none is sent)"),
        _s("Description", PL),
        _s("Reference", PL, note="the document key (I15)"),
    ),
)

GL_JOURNAL_HEADER: Final = Entity(
    "JournalHeader",
    (
        _s("BatchNumber", PL),
        _s("EntryNumber", PL),
        _s("SourceLedger", PL),
        _s("SourceType", PL),
        _s("Description", PL, note="starts with the document key (I15)"),
        _d("DocumentDate", PL),
        _d("PostingDate", "I25", note="the document date, so the entry lands in its own fiscal period"),
        _a("JournalDetails", PL, GL_JOURNAL_DETAIL),
    ),
)

GL_JOURNAL_BATCH: Final = Entity(
    "JournalBatch",
    (
        _s("BatchNumber", PL, note="a 6-digit string, e.g. 000490"),
        _s("Status", PL, _members(BatchStatus), note=BATCH_STATUS_NOTE),
        _s("Description", PL),
        _a("JournalHeaders", PL, GL_JOURNAL_HEADER),
    ),
)

# --------------------------------------------------------------------------------------------------
# IC adjustments and transfers (PL; I16)
# --------------------------------------------------------------------------------------------------

IC_ADJUSTMENT_DETAIL: Final = Entity(
    "AdjustmentDetail",
    (
        _i("SequenceNumber", PL),
        _i("LineNumber", PL),
        _s("ItemNumber", PL, note="the formatted item number (PL shows A1-400/0)"),
        _s("Location", PL),
        _s("TransactionType", PL, _members(ICAdjustmentType), note="BothIncrease (PL); BothDecrease not in facts"),
        _n("Quantity", PL),
        _s("UnitOfMeasure", PL),
        _n("CostAdjustment", PL),
        _s("Comments", PL),
    ),
)

IC_ADJUSTMENT: Final = Entity(
    "Adjustment",
    (
        _i("SequenceNumber", PL),
        _s("AdjustmentNumber", "I16"),
        _s("Description", PL),
        _d("AdjustmentDate", PL),
        _s("RecordStatus", PL, _members(ICRecordStatus)),
        _s("Reference", PL, note="the document key, filterable (I16)"),
        _a("AdjustmentDetails", PL, IC_ADJUSTMENT_DETAIL),
    ),
)

IC_TRANSFER_DETAIL: Final = Entity(
    "TransferDetail",
    (
        _i("SequenceNumber", PL),
        _i("LineNumber", PL),
        _s("ItemNumber", PL),
        _s("FromLocation", PL),
        _s("ToLocation", PL),
        _n("QuantityTransferred", PL),
        _s("UnitOfMeasure", PL),
        _s("Comments", PL),
    ),
)

IC_TRANSFER: Final = Entity(
    "Transfer",
    (
        _i("SequenceNumber", PL),
        _s("TransferNumber", "I16"),
        _s("Description", PL),
        _d("DocumentDate", PL),
        _s("Reference", PL, note="the document key, filterable (I16)"),
        _s("RecordStatus", PL, _members(ICRecordStatus)),
        _s("DocumentType", PL, _members(ICTransferType), note="Transfer (I16); PL shows TransitTransfer"),
        _a("TransferDetails", PL, IC_TRANSFER_DETAIL),
    ),
)

# --------------------------------------------------------------------------------------------------
# AR receipts (PL AR/ARReceiptAndAdjustmentBatches_Prepayment/_Adjustment; MD16; I19) — the demo and tests
# --------------------------------------------------------------------------------------------------

AR_APPLIED_RECEIPT: Final = Entity(
    "AppliedReceiptsAdjustment",
    (
        _s("BatchType", PL, _members(ReceiptBatchType)),
        _i("BatchNumber", PL),
        _i("EntryNumber", PL),
        _i("LineNumber", PL),
        _s("CustomerNumber", PL),
        _s("DocumentNumber", PL),
        _i("PaymentNumber", PL),
        _n("CustomerReceiptAmount", PL, note="the amount applied (I19)"),
    ),
)

AR_RECEIPT: Final = Entity(
    "ReceiptsAdjustment",
    (
        _s("BatchType", PL, _members(ReceiptBatchType)),
        _i("BatchNumber", PL),
        _i("EntryNumber", PL),
        _s("CustomerNumber", PL),
        _d("ReceiptDateAdjustmentDate", PL),
        _s("EntryDescription", PL),
        _s("EntryReference", PL),
        _s("ReceiptTransactionType", PL, _members(ReceiptTransactionType), note="members I19"),
        _s("DocumentNumber", "I19", note="the credit note an ApplyDocument entry applies"),
        _n("BankReceiptAmount", PL),
        _n("CustomerReceiptAmount", PL),
        _a("AppliedReceiptsAdjustments", PL, AR_APPLIED_RECEIPT),
    ),
)

AR_RECEIPT_BATCH: Final = Entity(
    "ReceiptAndAdjustmentBatch",
    (
        _s("BatchRecordType", PL, _members(ReceiptBatchType)),
        _i("BatchNumber", PL),
        _d("BatchDate", PL),
        _s("Description", PL),
        _s("BatchStatus", MD16, _members(BatchStatus), note=BATCH_STATUS_NOTE),
        _a("ReceiptsAdjustments", PL, AR_RECEIPT),
    ),
)

# --------------------------------------------------------------------------------------------------
# Posted documents (MD16 PostedDocument; I17, I18)
# --------------------------------------------------------------------------------------------------

AR_POSTED_DOCUMENT: Final = Entity(
    "PostedDocument",
    (
        _s("CustomerNumber", MD16),
        _s("DocumentNumber", MD16),
        _s("DocumentType", MD16, _members(PostedDocumentType), note="members I17"),
        _i("BatchNumber", MD16),
        _i("EntryNumber", MD16),
        _d("DocumentDate", MD16),
        _d("PostingDate", MD16),
        _s("CurrencyCode", MD16),
        _n("CustomerCurrencyInvoiceAmount", MD16, note="signed as Sage stores it (I17)"),
        _n("CustomerCurrencyAmountDue", MD16, note="signed as Sage stores it (I17)"),
        _yes_no("FullyPaid", MD16),
        _d("DatePaid", MD16, note="null until fully paid (I17)"),
        _d("LastActivityDate", MD16, note="filterable (I17)"),
    ),
)

AP_POSTED_DOCUMENT: Final = Entity(
    "APPostedDocument",
    (
        _s("VendorNumber", "I18"),
        _s("DocumentNumber", "I18"),
        _s("DocumentType", "I18", _members(APDocumentType)),
        _i("BatchNumber", "I18"),
        _i("EntryNumber", "I18"),
    ),
)

# --------------------------------------------------------------------------------------------------
# Master data
# --------------------------------------------------------------------------------------------------

AR_CUSTOMER: Final = Entity(
    "Customer",
    (
        _s("CustomerNumber", PL),
        _s("ShortName", PL),
        _s("GroupCode", PL),
        _s("Status", PL, _members(ActiveStatus), note="Active (PL); Inactive as I8 has it for vendors"),
        _s("CustomerName", PL),
        _s("CurrencyCode", PL),
        _s("Terms", PL),
        _s("TaxGroup", PL),
    ),
)

AP_VENDOR: Final = Entity(
    "Vendor",
    (
        _s("VendorNumber", PL),
        _s("ShortName", PL),
        _s("GroupCode", PL),
        _s("OnHold", PL, _members(VendorOnHold), note="NotOnHold (PL), OnHold (I8)"),
        _s("VendorName", PL),
        _s("Status", "I8", _members(ActiveStatus)),
        _s("CurrencyCode", "I8"),
        _s("Terms", "I8"),
        _s("TaxGroup", "I8"),
    ),
)

GL_ACCOUNT: Final = Entity(
    "Account",
    (
        _s("UnformattedAccount", PL),
        _s("AccountNumber", "I6", note="the formatted account"),
        _s("Description", PL),
        _s("AccountType", PL),
        _s("Status", PL, _members(ActiveStatus), note="Active (PL), Inactive (I6)"),
    ),
)

TAX_GROUP: Final = Entity(
    "TaxGroup",
    (
        _s("TaxGroupKey", SECONDARY, note="go-sage300 types.go"),
        _s("TransactionType", SECONDARY, _members(TransactionType), note="members as I7 spells them"),
        _s("Description", SECONDARY),
        *_levels("TaxAuthority{}", SECONDARY, JsonType.STRING),
        *_levels("Taxable{}", SECONDARY, JsonType.BOOLEAN),
    ),
)

TAX_CLASS: Final = Entity(
    "TaxClass",
    (
        Prop("Class", JsonType.INTEGER, "I7", attribute="tax_class"),
        _s("ClassType", "I7", _members(TaxClassType)),
        _s("TransactionType", "I7", _members(TransactionType)),
        _s("Description", "I7"),
        _b("Exempt", "I7"),
    ),
)

TAX_AUTHORITY: Final = Entity(
    "TaxAuthority",
    (
        _s("TaxAuthorityKey", SECONDARY, note="iTaxSuite; I7"),
        _s("Description", SECONDARY),
        _a("TaxClasses", SECONDARY, TAX_CLASS, note="iTaxSuite; I7"),
    ),
)

CURRENCY_CODE: Final = Entity(
    "CurrencyCode",
    (
        _s("CurrencyCodeKey", PL),
        _s("Description", PL),
        _s("Symbol", PL),
        _s("DecimalPlaces", PL, _members(DecimalPlaces), note="members I3"),
    ),
)

CURRENCY_RATE_DETAIL: Final = Entity(
    "CurrencyRateDetail",
    (
        _s("ToCurrency", PL),
        _s("RateType", PL),
        _s("FromCurrency", PL),
        _d("RateDate", PL),
        _n("Rate", PL),
    ),
)

CURRENCY_RATE: Final = Entity(
    "CurrencyRate",
    (
        _s("ToCurrency", PL, note="the home currency (I4)"),
        _s("RateType", PL),
        _s("TableDescription", PL),
        _s("DateMatching", PL, _members(DateMatching), note="Earlier (PL); Later, Closest (I4)"),
        _s("RateOperation", PL, _members(RateOperation), note="Multiply (PL); Divide (I4)"),
        _a("CurrencyRateDetail", PL, CURRENCY_RATE_DETAIL),
    ),
)


def _fiscal_periods() -> tuple[Prop, ...]:
    props: list[Prop] = []
    for n in range(1, 14):
        props += [
            _d(f"FiscalPeriod{n}StartDate", "I5"),
            _d(f"FiscalPeriod{n}EndDate", "I5"),
            _s(f"FiscalPeriod{n}Status", "I5", _members(PeriodStatus)),
        ]
    return tuple(props)


FISCAL_CALENDAR: Final = Entity(
    "FiscalCalendar",
    (
        _s("FiscalYear", "I5"),
        _yes_no("Active", "I5"),
        _i("NumberOfFiscalPeriods", "I5"),
        *_fiscal_periods(),
    ),
)

COMPANY_PROFILE: Final = Entity(
    "CompanyProfile",
    (
        _s("HomeCurrency", "I2"),
        _yes_no("Multicurrency", "I2"),
    ),
)

COMPANY: Final = Entity("Company", (_s("CompanyID", "I1"), _s("CompanyName", "I1")))

AR_TERMS_SCHEDULE: Final = Entity(
    "TermsPaymentSchedule",
    (
        _s("TermsCode", PL, alt=("TermsCodeKey",)),
        _i("PaymentNumber", PL),
        _n("PercentDue", PL),
        _n("DiscountPercent", PL),
        _i("DiscountNumberOfDays", PL),
        _i("DueNumberOfDays", PL),
        _i("DueDayOfMonth", PL),
    ),
)

AR_TERMS_CODE: Final = Entity(
    "TermsCode",
    (
        _s("TermsCode", PL, alt=("TermsCodeKey",), note="MD16 keys it TermsCodeKey"),
        _s("Description", PL),
        _a("TermsPaymentSchedules", PL, AR_TERMS_SCHEDULE),
    ),
)

AP_TERMS_SCHEDULE: Final = Entity(
    "APTermsPaymentSchedule",
    (
        _s("TermsCode", PL),
        _i("PaymentNumber", PL),
        _n("PercentageDue", PL),
        _n("DiscountPercent", PL),
        _i("DiscountNumberOfDays", PL),
        _i("DueNumberOfDays", PL),
        _i("DueDayOfMonth", PL),
    ),
)

AP_TERMS_CODE: Final = Entity(
    "APTermsCode",
    (
        _s("TermsCode", PL, alt=("TermsCodeKey",), note="MD16's AR spelling as the alternative"),
        _s("Description", PL),
        _a("TermsPaymentSchedule", PL, AP_TERMS_SCHEDULE, note="singular, as PL spells the AP collection"),
    ),
)

IC_ITEM: Final = Entity(
    "Item",
    (
        _s("UnformattedItemNumber", PL),
        _s("ItemNumber", "I9", note="the formatted item number"),
        _s("Description", PL),
        _s("Category", PL),
        _s("AccountSetCode", PL),
        _b("StockItem", PL),
        _s("StockingUnitOfMeasure", PL),
        _b("Inactive", "I9"),
    ),
)

IC_LOCATION: Final = Entity(
    "Location",
    (
        _s("LocationKey", PL),
        _s("Name", PL),
        _s("LocationType", PL),
        _b("Inactive", "I9"),
    ),
)

# --------------------------------------------------------------------------------------------------
# Processes: POST {process}('$process'), parameters learnt from ('$template') (I12, I13)
# --------------------------------------------------------------------------------------------------

RANGE_NOTE = "the batch range goes under whichever pair the template has (I12)"

GL_POST_JOURNAL_PARAMS: Final = Entity(
    "PostJournal",
    (
        _s("PostAllBatches", "I12", _members(PostAllBatches)),
        _s("FromBatch", "I12", alt=("PostBatchFrom", "FromBatchNumber"), note=RANGE_NOTE),
        _s("ToBatch", "I12", alt=("PostBatchTo", "ToBatchNumber"), note=RANGE_NOTE),
        _s("ActionSelector", "I12"),
    ),
)

AR_POST_INVOICES_PARAMS: Final = Entity(
    "PostInvoice",
    (
        _s("PostAllBatches", MD16, _members(PostAllBatches), note="member I13"),
        _i("PostBatchFrom", MD16, alt=("FromBatch", "FromBatchNumber"), note=RANGE_NOTE),
        _i("PostBatchTo", MD16, alt=("ToBatch", "ToBatchNumber"), note=RANGE_NOTE),
        _s("ActionSelector", MD16),
    ),
)

AP_POST_INVOICES_PARAMS: Final = Entity(
    "APPostInvoice",
    (
        _s("ProcessAllBatches", "I13", _members(PostAllBatches), alt=("PostAllBatches",)),
        _i("FromBatch", "I13", alt=("PostBatchFrom", "FromBatchNumber"), note=RANGE_NOTE),
        _i("ToBatch", "I13", alt=("PostBatchTo", "ToBatchNumber"), note=RANGE_NOTE),
    ),
)

AR_POST_RECEIPTS_PARAMS: Final = Entity(
    "PostReceipt",
    (
        _s("BatchType", "I13", _members(ReceiptBatchType)),
        _i("PostBatchFrom", "I13", alt=("FromBatch", "FromBatchNumber"), note=RANGE_NOTE),
        _i("PostBatchTo", "I13", alt=("ToBatch", "ToBatchNumber"), note=RANGE_NOTE),
    ),
)

# --------------------------------------------------------------------------------------------------
# Resources
# --------------------------------------------------------------------------------------------------

_READS = {Job.CHECK: Need.REQUIRED, Job.RUN: Need.REQUIRED, Job.RERUN: Need.REQUIRED}
_READS_OPTIONAL = {Job.CHECK: Need.OPTIONAL, Job.RUN: Need.OPTIONAL, Job.RERUN: Need.OPTIONAL}
_POSTING_OPTIONAL = {Job.RUN: Need.OPTIONAL, Job.RERUN: Need.OPTIONAL}
_GET = frozenset({Verb.GET})
_MASTER_VERBS = frozenset({Verb.GET, Verb.POST, Verb.PUT, Verb.DELETE, Verb.PATCH})
_BATCH_VERBS = frozenset({Verb.GET, Verb.POST, Verb.PATCH})
_IC_VERBS = frozenset({Verb.GET, Verb.POST})
_PROCESS_VERBS = frozenset({Verb.PROCESS, Verb.TEMPLATE})


def _resource(
    path: str,
    kind: Kind,
    key: tuple[str, ...],
    entity: Entity,
    verbs: frozenset[Verb],
    jobs: Mapping[Job, Need],
    *,
    source: str = ER22,
    note: str = "",
) -> Resource:
    return Resource(path, kind, key, entity, source, verbs, dict(jobs), _unprefixed(path), note)


AR_INVOICE_BATCHES: Final = _resource(
    "AR/ARInvoiceBatches", Kind.TRANSACTION, ("BatchNumber",), AR_INVOICE_BATCH, _BATCH_VERBS, _READS
)
AP_INVOICE_BATCHES: Final = _resource(
    "AP/APInvoiceBatches", Kind.TRANSACTION, ("BatchNumber",), AP_INVOICE_BATCH, _BATCH_VERBS, _READS
)
GL_JOURNAL_BATCHES: Final = _resource(
    "GL/GLJournalBatches", Kind.TRANSACTION, ("BatchNumber",), GL_JOURNAL_BATCH, _BATCH_VERBS, _READS
)
IC_ADJUSTMENTS: Final = _resource(
    "IC/ICAdjustments",
    Kind.TRANSACTION,
    ("SequenceNumber",),
    IC_ADJUSTMENT,
    _IC_VERBS,
    _READS_OPTIONAL,
    note="without Inventory Control, IC documents become GL journal entries",
)
IC_TRANSFERS: Final = _resource(
    "IC/ICTransfers",
    Kind.TRANSACTION,
    ("SequenceNumber",),
    IC_TRANSFER,
    _IC_VERBS,
    _READS_OPTIONAL,
    note="without Inventory Control, IC documents become GL journal entries",
)
AR_RECEIPT_BATCHES: Final = _resource(
    "AR/ARReceiptAndAdjustmentBatches",
    Kind.TRANSACTION,
    ("BatchRecordType", "BatchNumber"),
    AR_RECEIPT_BATCH,
    _BATCH_VERBS,
    {Job.DEMO: Need.REQUIRED},
)
AR_POSTED_DOCUMENTS: Final = _resource(
    "AR/ARPostedDocuments",
    Kind.GET_ONLY,
    ("CustomerNumber", "DocumentNumber"),
    AR_POSTED_DOCUMENT,
    _GET,
    {**_READS, Job.SYNC_PAYMENTS: Need.REQUIRED, Job.DEMO: Need.REQUIRED},
)
AP_POSTED_DOCUMENTS: Final = _resource(
    "AP/APPostedDocuments",
    Kind.GET_ONLY,
    ("VendorNumber", "DocumentNumber"),
    AP_POSTED_DOCUMENT,
    _GET,
    _READS_OPTIONAL,
    note="I18: without it, duplicates are left to Sage's own refusal plus open-batch look-ups",
)

AR_POST_INVOICES: Final = _resource(
    "AR/ARPostInvoices", Kind.PROCESS, (), AR_POST_INVOICES_PARAMS, _PROCESS_VERBS, _POSTING_OPTIONAL
)
AP_POST_INVOICES: Final = _resource(
    "AP/APPostInvoices", Kind.PROCESS, (), AP_POST_INVOICES_PARAMS, _PROCESS_VERBS, _POSTING_OPTIONAL
)
GL_POST_JOURNAL: Final = _resource(
    "GL/GLPostJournal", Kind.PROCESS, (), GL_POST_JOURNAL_PARAMS, _PROCESS_VERBS, _POSTING_OPTIONAL
)
AR_POST_RECEIPTS: Final = _resource(
    "AR/ARPostReceiptsAndAdjustments",
    Kind.PROCESS,
    (),
    AR_POST_RECEIPTS_PARAMS,
    _PROCESS_VERBS,
    {Job.DEMO: Need.REQUIRED},
)

AR_CUSTOMERS: Final = _resource("AR/ARCustomers", Kind.MASTER, ("CustomerNumber",), AR_CUSTOMER, _MASTER_VERBS, _READS)
_NO_TERMS_NOTE = "terms codes are not checked before posting; Sage itself refuses a document with an unknown one"
AR_TERMS: Final = _resource(
    "AR/ARTerms", Kind.MASTER, ("TermsCode",), AR_TERMS_CODE, _MASTER_VERBS, _READS_OPTIONAL, note=_NO_TERMS_NOTE
)
AP_VENDORS: Final = _resource("AP/APVendors", Kind.MASTER, ("VendorNumber",), AP_VENDOR, _MASTER_VERBS, _READS)
AP_TERMS: Final = _resource(
    "AP/APTerms", Kind.MASTER, ("TermsCode",), AP_TERMS_CODE, _MASTER_VERBS, _READS_OPTIONAL, note=_NO_TERMS_NOTE
)
GL_ACCOUNTS: Final = _resource("GL/GLAccounts", Kind.MASTER, ("UnformattedAccount",), GL_ACCOUNT, _MASTER_VERBS, _READS)
TX_TAX_GROUPS: Final = _resource(
    "TX/TXTaxGroups", Kind.MASTER, ("TaxGroupKey", "TransactionType"), TAX_GROUP, _GET, _READS
)
TX_TAX_AUTHORITIES: Final = _resource(
    "TX/TXTaxAuthorities",
    Kind.MASTER,
    ("TaxAuthorityKey",),
    TAX_AUTHORITY,
    _GET,
    _READS,
    note="tax classes are each authority's TaxClasses (I7): ER22 has no tax class resource",
)
CS_COMPANY_PROFILE: Final = _resource(
    "CS/CSCompanyProfile",
    Kind.MASTER,
    (),
    COMPANY_PROFILE,
    frozenset({Verb.GET, Verb.PUT, Verb.DELETE, Verb.PATCH}),
    {**_READS_OPTIONAL, Job.LOGIN: Need.OPTIONAL},
    note="I2: without it the home currency comes from the rate tables (their ToCurrency) or the only currency",
)
CS_CURRENCY_CODES: Final = _resource(
    "CS/CSCurrencyCodes",
    Kind.MASTER,
    ("CurrencyCodeKey",),
    CURRENCY_CODE,
    _MASTER_VERBS,
    _READS_OPTIONAL,
    note="currency codes are not checked before posting and amounts are rounded to each currency's usual "
    "decimals; Sage itself refuses an unknown currency",
)
CS_CURRENCY_RATES: Final = _resource(
    "CS/CSCurrencyRates", Kind.MASTER, ("ToCurrency", "RateType"), CURRENCY_RATE, _MASTER_VERBS, _READS
)
CS_FISCAL_CALENDARS: Final = _resource(
    "CS/CSFiscalCalendars", Kind.MASTER, ("FiscalYear",), FISCAL_CALENDAR, _GET, _READS
)
_NO_IC_NOTE = "without Inventory Control no item or location is checked, and IC documents become GL journal entries"
IC_ITEMS: Final = _resource(
    "IC/ICItems", Kind.MASTER, ("UnformattedItemNumber",), IC_ITEM, _MASTER_VERBS, _READS_OPTIONAL, note=_NO_IC_NOTE
)
IC_LOCATIONS: Final = _resource(
    "IC/ICLocations", Kind.MASTER, ("LocationKey",), IC_LOCATION, _MASTER_VERBS, _READS_OPTIONAL, note=_NO_IC_NOTE
)
COMPANIES: Final = Resource(
    "-/Companies",
    Kind.SERVICE,
    ("CompanyID",),
    COMPANY,
    "I1",
    _GET,
    {Job.LOGIN: Need.OPTIONAL},
    note="not in ER22 (I1): served at the tenant root; any error means 'no list', the user types the id",
)

RESOURCES: Final[tuple[Resource, ...]] = (
    CS_COMPANY_PROFILE,
    CS_CURRENCY_CODES,
    CS_CURRENCY_RATES,
    CS_FISCAL_CALENDARS,
    GL_ACCOUNTS,
    TX_TAX_GROUPS,
    TX_TAX_AUTHORITIES,
    AR_CUSTOMERS,
    AR_TERMS,
    AP_VENDORS,
    AP_TERMS,
    IC_ITEMS,
    IC_LOCATIONS,
    AR_INVOICE_BATCHES,
    AP_INVOICE_BATCHES,
    GL_JOURNAL_BATCHES,
    IC_ADJUSTMENTS,
    IC_TRANSFERS,
    AR_POSTED_DOCUMENTS,
    AP_POSTED_DOCUMENTS,
    AR_POST_INVOICES,
    AP_POST_INVOICES,
    GL_POST_JOURNAL,
    AR_RECEIPT_BATCHES,
    AR_POST_RECEIPTS,
    COMPANIES,
)
"""Every resource cwsage uses, masters first."""


def resources_for(job: Job, need: Need | None = None) -> tuple[Resource, ...]:
    """The resources ``job`` uses (only the required or optional ones when ``need`` is given)."""
    return tuple(r for r in RESOURCES if job in r.jobs and (need is None or r.jobs[job] is need))


# --------------------------------------------------------------------------------------------------
# Protocol: URL anatomy, headers, feeds, errors (DR22; I20-I22)
# --------------------------------------------------------------------------------------------------

API_ROOT: Final = "Sage300WebApi"  # DR22 URL anatomy
API_VERSION: Final = "v1.0"  # DR22
TENANT: Final = "-"  # DR22: on-premise installations
METADATA: Final = "$metadata"  # DR22: per company and module
PROCESS_KEY: Final = "('$process')"  # DR22
TEMPLATE_KEY: Final = "('$template')"  # DR22
SESSION_COOKIE: Final = "Sage300WebApiSession"  # I21
JSON_MEDIA_TYPE: Final = "application/json"  # DR22: Content-Type on every request, GETs included
METADATA_ACCEPT: Final = "application/xml, application/json"  # EDMX is XML; JSON stays acceptable

# Feed keys: v4 servers prefix them with "@", v3 servers (MD16, DR22's sample) do not (I22).
COUNT_KEYS: Final = ("@odata.count", "odata.count")
NEXT_LINK_KEYS: Final = ("@odata.nextLink", "odata.nextLink")
VALUE_KEY: Final = "value"
SERVER_PAGE_SIZE: Final = 100  # DR22 default page; cwsage follows nextLink and never relies on it


class ErrorCode(StrEnum):
    """DR22's error codes; cwsage tells errors apart by these alone, never by message text (I20)."""

    INTERNAL_SERVER_ERROR = "InternalServerError"
    UNAUTHORIZED = "Unauthorized"
    FORBIDDEN = "Forbidden"
    TOO_MANY_REQUESTS = "TooManyRequests"
    INVALID_PARAMETERS = "InvalidParameters"
    RESOURCE_NOT_FOUND = "ResourceNotFound"
    INVALID_ENTITY_KEY = "InvalidEntityKey"
    RECORD_NOT_FOUND = "RecordNotFound"
    METHOD_NOT_ALLOWED = "MethodNotAllowed"
    INVALID_PAYLOAD = "InvalidPayload"
    INVALID_ACTION = "InvalidAction"
    DB_LINK_ERROR = "DBLinkError"
    SESSION_ERROR = "SessionError"
    RECORD_DUPLICATE = "RecordDuplicate"
    RECORD_INVALID = "RecordInvalid"
    GENERAL = "General"


ERROR_STATUS: Final[Mapping[ErrorCode, int]] = {
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TOO_MANY_REQUESTS: 429,
    ErrorCode.INVALID_PARAMETERS: 400,
    ErrorCode.INVALID_ENTITY_KEY: 400,
    ErrorCode.INVALID_PAYLOAD: 400,
    ErrorCode.INVALID_ACTION: 400,
    ErrorCode.RESOURCE_NOT_FOUND: 404,
    ErrorCode.RECORD_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.RECORD_DUPLICATE: 409,
    ErrorCode.RECORD_INVALID: 409,
    ErrorCode.GENERAL: 409,
    ErrorCode.INTERNAL_SERVER_ERROR: 500,
    ErrorCode.DB_LINK_ERROR: 500,
    ErrorCode.SESSION_ERROR: 500,
}
"""The status each code comes with (I20); cwsage uses the status only when a code is unknown or absent."""
