"""Typed Sage 300 Web API payloads and answers: the only shapes of Sage's JSON cwsage code sees.

Why it exists: only ``cwsage.sage300`` speaks Sage's JSON (DESIGN §2). Each model is bound to one entity of
:mod:`cwsage.sage300.vocabulary` and takes its aliases from it: an attribute the vocabulary does not declare
makes the import fail, so no name reaches Sage that the vocabulary has not sourced. Attributes are declared
in the vocabulary's order, which is the order payloads are sent in (DR22: properties are applied in order).

Parsing is tolerant where Sage versions differ and strict where it matters:

* Yes/No switches read ``"Yes"``/``"No"`` and ``true``/``false`` alike (:data:`YesNoFlag` writes the string,
  :data:`Flag` the JSON boolean, each as the vocabulary types the property);
* an enum member the vocabulary does not know is kept as plain text and reported (see
  :class:`UnknownMember`), never a crash;
* a property's known alternative spelling (MD16's ``TermsCodeKey`` for ``TermsCode``) is read too;
* amounts are :class:`~decimal.Decimal` and refuse floats (bodies are parsed with :func:`cwsage.money.loads`);
  keys must be present and of their declared type (integer keys accept an integral JSON number).

Payload models have :meth:`SageModel.to_payload`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from cwsage import money
from cwsage.dates import parse_date, sage_date
from cwsage.sage300 import vocabulary as V

log = logging.getLogger("cwsage.sage300")

UNKNOWN_MEMBERS = "sage_unknown_members"
"""Validation-context key of the list that collects :class:`UnknownMember` reports (the client passes one)."""


@dataclass(frozen=True)
class UnknownMember:
    """An enum value Sage sent that the vocabulary does not list: kept as text, reported to the user."""

    entity: str
    prop: str
    value: str

    def describe(self) -> str:
        """One line for the log and the run report."""
        return f"Sage 300 sent {self.prop}={self.value!r} on {self.entity}, a value cwsage does not know; kept as is"


def _report(context: Any, item: UnknownMember) -> None:
    if isinstance(context, dict) and isinstance(context.get(UNKNOWN_MEMBERS), list):
        context[UNKNOWN_MEMBERS].append(item)
    else:
        log.warning("%s", item.describe())


# --------------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------------


def _to_date(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return parse_date(value)
    return value


def _to_money(value: Any) -> Any:
    if value is None:
        return None
    return money.D(value)  # refuses floats, bools, NaN


def _to_flag(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"yes", "true", "1"}:
            return True
        if text in {"no", "false", "0", ""}:
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{value!r} is neither Yes/No nor true/false")


def _to_int_key(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")  # noqa: TRY004 - pydantic wants ValueError
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"{value} is not a whole number")
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _to_text_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")  # noqa: TRY004 - pydantic wants ValueError
    if isinstance(value, int | Decimal):
        return str(value)
    return value


def gl_batch_key(batch_number: str | int) -> str:
    """GL batch numbers are 6-digit strings (PL ``000490``): ``12`` -> ``'000012'``."""
    text = str(batch_number).strip()
    return text.zfill(6) if text.isdigit() else text


def _to_gl_batch(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return gl_batch_key(value)
    return value


def _yes_no(value: bool) -> str:
    return V.YesNo.YES.value if value else V.YesNo.NO.value


SageDate = Annotated[date, BeforeValidator(_to_date), PlainSerializer(sage_date, return_type=str)]
"""A calendar date: read from ``2024-01-31T00:00:00Z`` (or ``2024-01-31``), written as ``…T00:00:00Z``."""

Money = Annotated[Decimal, BeforeValidator(_to_money)]
"""An exact amount (or rate, or quantity); floats are refused."""

YesNoFlag = Annotated[bool, BeforeValidator(_to_flag), PlainSerializer(_yes_no, return_type=str)]
"""A switch Sage types as a ``Yes``/``No`` string; ``true``/``false`` are read too."""

Flag = Annotated[bool, BeforeValidator(_to_flag)]
"""A switch Sage types as a JSON boolean; ``"Yes"``/``"No"`` are read too."""

IntKey = Annotated[int, BeforeValidator(_to_int_key)]
"""A numeric key (batch, entry, line, sequence number): an integer, or an integral JSON number."""

TextNumber = Annotated[str, BeforeValidator(_to_text_number)]
"""A number Sage writes as text (GL entry ``00001``); a bare JSON number is read as its text."""

GLBatchNumber = Annotated[str, BeforeValidator(_to_gl_batch)]
"""A GL batch number: a 6-digit string (a bare integer is padded)."""


# --------------------------------------------------------------------------------------------------
# The base: aliases from the vocabulary
# --------------------------------------------------------------------------------------------------


class _Aliases(AliasGenerator):
    """The alias generator of one model: its vocabulary entity's names (alternatives are read too)."""

    def __init__(self, entity: V.Entity) -> None:
        super().__init__(validation_alias=self._read, serialization_alias=entity.alias_for)
        self._entity = entity

    @property
    def entity(self) -> V.Entity:
        """The entity the model is bound to."""
        return self._entity

    def _read(self, field_name: str) -> AliasChoices:
        prop = self._entity.for_field(field_name)
        return AliasChoices(prop.name, *prop.alternatives)


def sage_config(entity: V.Entity) -> ConfigDict:
    """The model configuration binding a model to ``entity`` of the vocabulary."""
    return ConfigDict(
        alias_generator=_Aliases(entity),
        populate_by_name=True,
        extra="ignore",
        validate_assignment=True,
    )


class SageModel(BaseModel):
    """Base of every Sage model: bound to one vocabulary entity, unknown properties ignored.

    Attributes:
        sage_entity: The vocabulary entity the model stands for.
        sage_props: Each attribute's declared property.
    """

    model_config = ConfigDict(populate_by_name=True, extra="ignore", validate_assignment=True)
    sage_entity: ClassVar[V.Entity]
    sage_props: ClassVar[dict[str, V.Prop]] = {}
    _enumerated: ClassVar[tuple[tuple[str, V.Prop], ...]] = ()
    """The attributes whose property has a closed list of members (checked after validation)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Bind the model to its entity and check every attribute, its order and nested models against it."""
        super().__pydantic_init_subclass__(**kwargs)
        generator = cls.model_config.get("alias_generator")
        if not isinstance(generator, _Aliases):
            raise V.VocabularyError(f"{cls.__name__} is not bound to a vocabulary entity (use sage_config)")
        entity = generator.entity
        props = {name: entity.for_field(name) for name in cls.model_fields}
        for name, info in cls.model_fields.items():
            if info.serialization_alias != props[name].name:
                raise V.VocabularyError(f"{cls.__name__}.{name} is sent as {info.serialization_alias!r}")
        order = [entity.props.index(prop) for prop in props.values()]
        if order != sorted(order):
            raise V.VocabularyError(f"{cls.__name__}: attributes must follow {entity.name}'s declared order")
        cls.sage_entity = entity
        cls.sage_props = props
        cls._enumerated = tuple((name, prop) for name, prop in props.items() if prop.members)

    @model_validator(mode="after")
    def _keep_and_report_unknown_members(self, info: ValidationInfo) -> Self:
        for name, prop in type(self)._enumerated:
            value = getattr(self, name)
            if isinstance(value, str) and value not in prop.members:
                _report(info.context, UnknownMember(type(self).sage_entity.name, prop.name, value))
        return self

    def to_payload(self) -> dict[str, Any]:
        """The JSON body for Sage: Sage's names in declared order, no ``None`` values, Decimals kept exact."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="python")


# --------------------------------------------------------------------------------------------------
# AR invoice batches
# --------------------------------------------------------------------------------------------------


class ARInvoiceDetail(SageModel):
    """One AR invoice line (``InvoiceDetails[]``)."""

    model_config = sage_config(V.AR_INVOICE_DETAIL)

    batch_number: IntKey | None = None
    entry_number: IntKey | None = None
    line_number: IntKey | None = None
    distribution_code: str | None = None
    revenue_account: str | None = None
    description: str | None = None
    extended_amount_with_tip: Money | None = None


class ARInvoice(SageModel):
    """One AR invoice entry (``Invoices[]``): an invoice, debit note or credit note."""

    model_config = sage_config(V.AR_INVOICE)

    batch_number: IntKey | None = None
    entry_number: IntKey | None = None
    customer_number: str
    document_number: str | None = None
    document_type: str | None = None
    invoice_type: str | None = None
    po_number: str | None = None
    invoice_description: str | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    currency_code: str | None = None
    rate_type: str | None = None
    rate_date: SageDate | None = None
    exchange_rate: Money | None = None
    rate_overridden: YesNoFlag | None = None
    terms: str | None = None
    due_date: SageDate | None = None
    do_not_calculation_tax: YesNoFlag | None = None
    tax_group: str | None = None
    tax_authority_1: str | None = None
    tax_authority_2: str | None = None
    tax_authority_3: str | None = None
    tax_authority_4: str | None = None
    tax_authority_5: str | None = None
    tax_class_1: int | None = None
    tax_class_2: int | None = None
    tax_class_3: int | None = None
    tax_class_4: int | None = None
    tax_class_5: int | None = None
    tax_base_1: Money | None = None
    tax_base_2: Money | None = None
    tax_base_3: Money | None = None
    tax_base_4: Money | None = None
    tax_base_5: Money | None = None
    tax_amount_1: Money | None = None
    tax_amount_2: Money | None = None
    tax_amount_3: Money | None = None
    tax_amount_4: Money | None = None
    tax_amount_5: Money | None = None
    document_total_before_tax: Money | None = None
    document_total_including_tax: Money | None = None
    invoice_details: list[ARInvoiceDetail] = Field(default_factory=list)


class ARInvoiceBatch(SageModel):
    """An AR invoice batch with its entries; POSTed whole, one batch per POST (DR22)."""

    model_config = sage_config(V.AR_INVOICE_BATCH)

    batch_number: IntKey | None = None
    batch_date: SageDate | None = None
    batch_status: str | None = None
    description: str | None = None
    invoices: list[ARInvoice] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# AP invoice batches
# --------------------------------------------------------------------------------------------------


class APInvoiceDetail(SageModel):
    """One AP invoice line (``InvoiceDetails[]``); AP's names differ from AR's."""

    model_config = sage_config(V.AP_INVOICE_DETAIL)

    batch_number: IntKey | None = None
    entry_number: IntKey | None = None
    line_number: IntKey | None = None
    distribution_code: str | None = None
    gl_account: str | None = None
    distribution_description: str | None = None
    distributed_amount: Money | None = None
    tax_class_1: int | None = None
    tax_class_2: int | None = None
    tax_class_3: int | None = None
    tax_class_4: int | None = None
    tax_class_5: int | None = None


class APInvoice(SageModel):
    """One AP invoice entry; document numbers are unique per vendor."""

    model_config = sage_config(V.AP_INVOICE)

    batch_number: IntKey | None = None
    entry_number: IntKey | None = None
    vendor_number: str
    document_number: str | None = None
    document_type: str | None = None
    invoice_description: str | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    currency_code: str | None = None
    rate_type: str | None = None
    rate_date: SageDate | None = None
    exchange_rate: Money | None = None
    rate_overridden: YesNoFlag | None = None
    due_date: SageDate | None = None
    terms: str | None = None
    do_not_calculation_tax: YesNoFlag | None = None
    tax_group: str | None = None
    tax_authority_1: str | None = None
    tax_authority_2: str | None = None
    tax_authority_3: str | None = None
    tax_authority_4: str | None = None
    tax_authority_5: str | None = None
    tax_class_1: int | None = None
    tax_class_2: int | None = None
    tax_class_3: int | None = None
    tax_class_4: int | None = None
    tax_class_5: int | None = None
    tax_base_1: Money | None = None
    tax_base_2: Money | None = None
    tax_base_3: Money | None = None
    tax_base_4: Money | None = None
    tax_base_5: Money | None = None
    tax_amount_1: Money | None = None
    tax_amount_2: Money | None = None
    tax_amount_3: Money | None = None
    tax_amount_4: Money | None = None
    tax_amount_5: Money | None = None
    document_total_including_tax: Money | None = None
    invoice_details: list[APInvoiceDetail] = Field(default_factory=list)


class APInvoiceBatch(SageModel):
    """An AP invoice batch with its entries."""

    model_config = sage_config(V.AP_INVOICE_BATCH)

    batch_number: IntKey | None = None
    batch_date: SageDate | None = None
    batch_status: str | None = None
    description: str | None = None
    invoices: list[APInvoice] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# GL journal batches
# --------------------------------------------------------------------------------------------------


class GLJournalDetail(SageModel):
    """One journal line; ``amount`` is signed (debit positive, credit negative) and in the home currency.

    A foreign-currency line also carries its ``source_currency``, ``currency_rate`` and the signed amount in
    that currency (``source_currency_amount``), so the journal keeps its source currency (I25).
    """

    model_config = sage_config(V.GL_JOURNAL_DETAIL)

    batch_number: GLBatchNumber | None = None
    entry_number: TextNumber | None = None
    transaction_number: TextNumber | None = None
    account_number: str
    source_currency: str | None = None
    currency_rate: Money | None = None
    amount: Money
    source_currency_amount: Money | None = None
    description: str | None = None
    reference: str | None = None


class GLJournalHeader(SageModel):
    """One journal entry (``JournalHeaders[]``); each must balance."""

    model_config = sage_config(V.GL_JOURNAL_HEADER)

    batch_number: GLBatchNumber | None = None
    entry_number: TextNumber | None = None
    source_ledger: str | None = None
    source_type: str | None = None
    description: str | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    journal_details: list[GLJournalDetail] = Field(default_factory=list)

    def document_key(self, wanted: set[str] | frozenset[str]) -> str | None:
        """The document key this entry carries (I15): a detail ``Reference``, else the start of ``Description``."""
        for detail in self.journal_details:
            if detail.reference and detail.reference in wanted:
                return detail.reference
        first = (self.description or "").split(" ", 1)[0]
        return first if first in wanted else None


class GLJournalBatch(SageModel):
    """A GL journal batch; the batch number is a 6-digit string."""

    model_config = sage_config(V.GL_JOURNAL_BATCH)

    batch_number: GLBatchNumber | None = None
    status: str | None = None
    description: str | None = None
    journal_headers: list[GLJournalHeader] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# IC adjustments and transfers
# --------------------------------------------------------------------------------------------------


class ICAdjustmentDetail(SageModel):
    """One adjustment line; ``cost_adjustment`` is the cost added or removed (PL ``CostAdjustment``)."""

    model_config = sage_config(V.IC_ADJUSTMENT_DETAIL)

    sequence_number: IntKey | None = None
    line_number: IntKey | None = None
    item_number: str
    location: str
    transaction_type: str
    quantity: Money | None = None
    unit_of_measure: str | None = None
    cost_adjustment: Money | None = None
    comments: str | None = None


class ICAdjustment(SageModel):
    """An IC adjustment: its own document, not batch based."""

    model_config = sage_config(V.IC_ADJUSTMENT)

    sequence_number: IntKey | None = None
    adjustment_number: TextNumber | None = None
    description: str | None = None
    adjustment_date: SageDate | None = None
    record_status: str | None = None
    reference: str | None = None
    adjustment_details: list[ICAdjustmentDetail] = Field(default_factory=list)


class ICTransferDetail(SageModel):
    """One transfer line."""

    model_config = sage_config(V.IC_TRANSFER_DETAIL)

    sequence_number: IntKey | None = None
    line_number: IntKey | None = None
    item_number: str
    from_location: str
    to_location: str
    quantity_transferred: Money
    unit_of_measure: str | None = None
    comments: str | None = None


class ICTransfer(SageModel):
    """An IC transfer between locations."""

    model_config = sage_config(V.IC_TRANSFER)

    sequence_number: IntKey | None = None
    transfer_number: TextNumber | None = None
    description: str | None = None
    document_date: SageDate | None = None
    reference: str | None = None
    record_status: str | None = None
    document_type: str | None = None
    transfer_details: list[ICTransferDetail] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# AR receipts (the demo and tests record customer payments with them)
# --------------------------------------------------------------------------------------------------


class ARAppliedReceipt(SageModel):
    """One application of a receipt (or of a credit note) to a document."""

    model_config = sage_config(V.AR_APPLIED_RECEIPT)

    batch_type: str | None = None
    batch_number: IntKey | None = None
    entry_number: IntKey | None = None
    line_number: IntKey | None = None
    customer_number: str | None = None
    document_number: str | None = None
    payment_number: IntKey | None = None
    customer_receipt_amount: Money | None = None


class ARReceipt(SageModel):
    """A receipt or an apply-document entry (``ReceiptsAdjustments[]``)."""

    model_config = sage_config(V.AR_RECEIPT)

    batch_type: str | None = None
    batch_number: IntKey | None = None
    entry_number: IntKey | None = None
    customer_number: str
    receipt_date_adjustment_date: SageDate | None = None
    entry_description: str | None = None
    entry_reference: str | None = None
    receipt_transaction_type: str | None = None
    document_number: str | None = None
    bank_receipt_amount: Money | None = None
    customer_receipt_amount: Money | None = None
    applied_receipts_adjustments: list[ARAppliedReceipt] = Field(default_factory=list)


class ARReceiptBatch(SageModel):
    """An AR receipt/adjustment batch (record type ``CA`` for cash)."""

    model_config = sage_config(V.AR_RECEIPT_BATCH)

    batch_record_type: str = V.ReceiptBatchType.CASH.value
    batch_number: IntKey | None = None
    batch_date: SageDate | None = None
    description: str | None = None
    batch_status: str | None = None
    receipts_adjustments: list[ARReceipt] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Posted documents
# --------------------------------------------------------------------------------------------------


class ARPostedDocument(SageModel):
    """A posted AR document; amounts are signed as Sage stores them (credit notes and receipts negative)."""

    model_config = sage_config(V.AR_POSTED_DOCUMENT)

    customer_number: str
    document_number: str
    document_type: str | None = None
    batch_number: IntKey | None = None
    entry_number: IntKey | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    currency_code: str | None = None
    customer_currency_invoice_amount: Money | None = None
    customer_currency_amount_due: Money | None = None
    fully_paid: YesNoFlag | None = None
    date_paid: SageDate | None = None
    last_activity_date: SageDate | None = None

    @property
    def is_fully_paid(self) -> bool:
        """``FullyPaid`` is ``Yes`` (or ``true``)."""
        return bool(self.fully_paid)


class APPostedDocument(SageModel):
    """A posted AP document (only what the duplicate look-up needs, I18)."""

    model_config = sage_config(V.AP_POSTED_DOCUMENT)

    vendor_number: str
    document_number: str
    document_type: str | None = None
    batch_number: IntKey | None = None
    entry_number: IntKey | None = None


# --------------------------------------------------------------------------------------------------
# Master data
# --------------------------------------------------------------------------------------------------


def _active(status: str | None) -> bool:
    return status != V.ActiveStatus.INACTIVE


class ARCustomer(SageModel):
    """An AR customer; a minimal create sends number, group and name (PL)."""

    model_config = sage_config(V.AR_CUSTOMER)

    customer_number: str
    short_name: str | None = None
    group_code: str | None = None
    status: str | None = None
    customer_name: str | None = None
    currency_code: str | None = None
    terms: str | None = None
    tax_group: str | None = None

    @property
    def active(self) -> bool:
        """Not ``Inactive``."""
        return _active(self.status)


class APVendor(SageModel):
    """An AP vendor."""

    model_config = sage_config(V.AP_VENDOR)

    vendor_number: str
    short_name: str | None = None
    group_code: str | None = None
    on_hold: str | None = None
    vendor_name: str | None = None
    status: str | None = None
    currency_code: str | None = None
    terms: str | None = None
    tax_group: str | None = None

    @property
    def active(self) -> bool:
        """Not ``Inactive``."""
        return _active(self.status)


class GLAccount(SageModel):
    """A GL account: ``unformatted_account`` is the key, ``account_number`` the formatted one (I6)."""

    model_config = sage_config(V.GL_ACCOUNT)

    unformatted_account: str
    account_number: str | None = None
    description: str | None = None
    account_type: str | None = None
    status: str | None = None

    @property
    def active(self) -> bool:
        """Whether the account may be posted to (not ``Inactive``)."""
        return _active(self.status)


class TaxGroup(SageModel):
    """A tax group for one transaction type."""

    model_config = sage_config(V.TAX_GROUP)

    tax_group_key: str
    transaction_type: str | None = None
    description: str | None = None
    tax_authority_1: str | None = None
    tax_authority_2: str | None = None
    tax_authority_3: str | None = None
    tax_authority_4: str | None = None
    tax_authority_5: str | None = None
    taxable_1: Flag | None = None
    taxable_2: Flag | None = None
    taxable_3: Flag | None = None
    taxable_4: Flag | None = None
    taxable_5: Flag | None = None

    @property
    def authorities(self) -> list[str]:
        """The non-empty authorities, in level order."""
        levels = (self.tax_authority_1, self.tax_authority_2, self.tax_authority_3)
        return [a for a in (*levels, self.tax_authority_4, self.tax_authority_5) if a]


class TaxClass(SageModel):
    """One tax class of an authority (``TaxClasses[]``); ``tax_class`` is Sage's ``Class``."""

    model_config = sage_config(V.TAX_CLASS)

    tax_class: IntKey
    class_type: str | None = None
    transaction_type: str | None = None
    description: str | None = None
    exempt: Flag | None = None


class TaxAuthority(SageModel):
    """A tax authority with its tax classes (I7)."""

    model_config = sage_config(V.TAX_AUTHORITY)

    tax_authority_key: str
    description: str | None = None
    tax_classes: list[TaxClass] = Field(default_factory=list)


class Currency(SageModel):
    """A Common Services currency code."""

    model_config = sage_config(V.CURRENCY_CODE)

    currency_code_key: str
    description: str | None = None
    symbol: str | None = None
    decimal_places: str | None = None

    @property
    def decimals(self) -> int | None:
        """``Num2`` → 2; None when Sage sent a member cwsage does not know (amounts then use 2, I3)."""
        text = self.decimal_places or ""
        if text in V.DecimalPlaces.__members__.values():
            return int(text.removeprefix("Num"))
        return None


class CurrencyRateDetail(SageModel):
    """One rate of a rate table (``CurrencyRateDetail[]``)."""

    model_config = sage_config(V.CURRENCY_RATE_DETAIL)

    to_currency: str | None = None
    rate_type: str | None = None
    from_currency: str
    rate_date: SageDate
    rate: Money


class CurrencyRate(SageModel):
    """A rate table: home currency (``ToCurrency``) and rate type, how to match dates and apply rates (I4)."""

    model_config = sage_config(V.CURRENCY_RATE)

    to_currency: str
    rate_type: str | None = None
    table_description: str | None = None
    date_matching: str | None = None
    rate_operation: str | None = None
    currency_rate_detail: list[CurrencyRateDetail] = Field(default_factory=list)


@dataclass(frozen=True)
class FiscalPeriod:
    """One period of a fiscal year, gathered from ``FiscalPeriod{N}StartDate/EndDate/Status`` (I5)."""

    number: int
    start_date: date
    end_date: date
    status: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the period accepts postings (not ``Locked``; a missing status counts as open, I5)."""
        return self.status != V.PeriodStatus.LOCKED


class FiscalCalendar(SageModel):
    """One fiscal year (I5); the numbered period properties are gathered into :attr:`periods`."""

    model_config = sage_config(V.FISCAL_CALENDAR)

    fiscal_year: str
    active: YesNoFlag | None = None
    number_of_fiscal_periods: int | None = None
    _periods: list[FiscalPeriod] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _gather_periods(cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        model = handler(data)
        if isinstance(model, FiscalCalendar) and isinstance(data, dict):
            model._periods = _periods_of(data, info.context)
        return model

    @property
    def periods(self) -> list[FiscalPeriod]:
        """The year's periods, in order."""
        return list(self._periods)

    def period_for(self, day: date) -> tuple[int, bool] | None:
        """The period holding ``day`` and whether it is open, or None if the year does not hold it.

        A period of an inactive year is reported as not open.
        """
        for period in self._periods:
            if period.start_date <= day <= period.end_date:
                return period.number, period.is_open and self.active is not False
        return None


def _periods_of(data: dict[str, Any], context: Any) -> list[FiscalPeriod]:
    entity = V.FISCAL_CALENDAR
    periods: list[FiscalPeriod] = []
    for n in range(1, 14):
        start = _to_date(data.get(entity.name_of(f"FiscalPeriod{n}StartDate")))
        end = _to_date(data.get(entity.name_of(f"FiscalPeriod{n}EndDate")))
        status_prop = entity.prop(f"FiscalPeriod{n}Status")
        status = data.get(status_prop.name)
        if isinstance(status, str) and status not in status_prop.members:
            _report(context, UnknownMember(entity.name, status_prop.name, status))
        if isinstance(start, date) and isinstance(end, date):
            periods.append(FiscalPeriod(n, start, end, status if isinstance(status, str) else None))
    return periods


class CompanyProfile(SageModel):
    """The company profile (I2): home currency and multicurrency switch."""

    model_config = sage_config(V.COMPANY_PROFILE)

    home_currency: str | None = None
    multicurrency: YesNoFlag | None = None


class Company(SageModel):
    """A company database the Web API serves (I1)."""

    model_config = sage_config(V.COMPANY)

    company_id: str
    company_name: str | None = None


class ARTermsSchedule(SageModel):
    """One payment of an AR terms code (``TermsPaymentSchedules[]``)."""

    model_config = sage_config(V.AR_TERMS_SCHEDULE)

    terms_code: str | None = None
    payment_number: IntKey | None = None
    percent_due: Money | None = None
    discount_percent: Money | None = None
    discount_number_of_days: int | None = None
    due_number_of_days: int | None = None
    due_day_of_month: int | None = None


class ARTerms(SageModel):
    """An AR terms code with its payment schedule."""

    model_config = sage_config(V.AR_TERMS_CODE)

    terms_code: str
    description: str | None = None
    terms_payment_schedules: list[ARTermsSchedule] = Field(default_factory=list)


class APTermsSchedule(SageModel):
    """One payment of an AP terms code (``TermsPaymentSchedule[]``, as PL spells it)."""

    model_config = sage_config(V.AP_TERMS_SCHEDULE)

    terms_code: str | None = None
    payment_number: IntKey | None = None
    percentage_due: Money | None = None
    discount_percent: Money | None = None
    discount_number_of_days: int | None = None
    due_number_of_days: int | None = None
    due_day_of_month: int | None = None


class APTerms(SageModel):
    """An AP terms code with its payment schedule."""

    model_config = sage_config(V.AP_TERMS_CODE)

    terms_code: str
    description: str | None = None
    terms_payment_schedule: list[APTermsSchedule] = Field(default_factory=list)


class ICItem(SageModel):
    """An IC item: ``unformatted_item_number`` is the key, ``item_number`` the formatted number (I9)."""

    model_config = sage_config(V.IC_ITEM)

    unformatted_item_number: str
    item_number: str | None = None
    description: str | None = None
    category: str | None = None
    account_set_code: str | None = None
    stock_item: Flag | None = None
    stocking_unit_of_measure: str | None = None
    inactive: Flag | None = None


class ICLocation(SageModel):
    """An IC location (warehouse)."""

    model_config = sage_config(V.IC_LOCATION)

    location_key: str
    name: str | None = None
    location_type: str | None = None
    inactive: Flag | None = None


SAGE_MODELS: tuple[type[SageModel], ...] = (
    ARInvoiceDetail,
    ARInvoice,
    ARInvoiceBatch,
    APInvoiceDetail,
    APInvoice,
    APInvoiceBatch,
    GLJournalDetail,
    GLJournalHeader,
    GLJournalBatch,
    ICAdjustmentDetail,
    ICAdjustment,
    ICTransferDetail,
    ICTransfer,
    ARAppliedReceipt,
    ARReceipt,
    ARReceiptBatch,
    ARPostedDocument,
    APPostedDocument,
    ARCustomer,
    APVendor,
    GLAccount,
    TaxGroup,
    TaxClass,
    TaxAuthority,
    Currency,
    CurrencyRateDetail,
    CurrencyRate,
    FiscalCalendar,
    CompanyProfile,
    Company,
    ARTermsSchedule,
    ARTerms,
    APTermsSchedule,
    APTerms,
    ICItem,
    ICLocation,
)
"""Every Sage model (tests hold each against the vocabulary)."""

RESOURCE_MODELS: dict[str, type[SageModel]] = {
    V.AR_INVOICE_BATCHES.path: ARInvoiceBatch,
    V.AP_INVOICE_BATCHES.path: APInvoiceBatch,
    V.GL_JOURNAL_BATCHES.path: GLJournalBatch,
    V.IC_ADJUSTMENTS.path: ICAdjustment,
    V.IC_TRANSFERS.path: ICTransfer,
    V.AR_RECEIPT_BATCHES.path: ARReceiptBatch,
    V.AR_POSTED_DOCUMENTS.path: ARPostedDocument,
    V.AP_POSTED_DOCUMENTS.path: APPostedDocument,
    V.AR_CUSTOMERS.path: ARCustomer,
    V.AP_VENDORS.path: APVendor,
    V.GL_ACCOUNTS.path: GLAccount,
    V.TX_TAX_GROUPS.path: TaxGroup,
    V.TX_TAX_AUTHORITIES.path: TaxAuthority,
    V.CS_CURRENCY_CODES.path: Currency,
    V.CS_CURRENCY_RATES.path: CurrencyRate,
    V.CS_FISCAL_CALENDARS.path: FiscalCalendar,
    V.CS_COMPANY_PROFILE.path: CompanyProfile,
    V.COMPANIES.path: Company,
    V.AR_TERMS.path: ARTerms,
    V.AP_TERMS.path: APTerms,
    V.IC_ITEMS.path: ICItem,
    V.IC_LOCATIONS.path: ICLocation,
}
"""The record model of each resource that has one (processes take plain parameters)."""
