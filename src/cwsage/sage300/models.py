"""Typed Sage 300 Web API payloads and responses: the only shapes of Sage's JSON cwsage code sees.

Why it exists: only ``cwsage.sage300`` speaks Sage's JSON (DESIGN §2). These pydantic models turn it into
Python with snake_case attributes (aliases give Sage's PascalCase, with the odd spellings listed in
:data:`cwsage.sage300.resources.ODD_ALIASES`), amounts as :class:`~decimal.Decimal` (never float: bodies
are parsed with :func:`cwsage.money.loads` and floats are refused), and dates as :class:`~datetime.date`
(sent as ``YYYY-MM-DDT00:00:00Z`` via :func:`cwsage.dates.sage_date`, read back from Sage's ISO ``Z``
strings via :mod:`cwsage.dates`). Every model ignores properties it does not know, so a newer Sage
release with more fields still parses. Payload models have :meth:`SageModel.to_payload`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator
from pydantic.alias_generators import to_pascal

from cwsage import money
from cwsage.dates import parse_date, sage_date
from cwsage.sage300.resources import (
    ODD_ALIASES,
    APDocumentType,
    ARDocumentType,
    ARReceiptTransactionType,
    BatchStatus,
    ICAdjustmentType,
    ICRecordStatus,
    InvoiceType,
    TaxAmountControl,
    YesNo,
)

__all__ = [
    "APDocumentType",
    "APInvoice",
    "APInvoiceBatch",
    "APInvoiceDetail",
    "APPostedDocument",
    "APVendor",
    "ARAppliedReceipt",
    "ARCustomer",
    "ARDocumentType",
    "ARInvoice",
    "ARInvoiceBatch",
    "ARInvoiceDetail",
    "ARPostedDocument",
    "ARReceipt",
    "ARReceiptBatch",
    "ARReceiptTransactionType",
    "BatchStatus",
    "Company",
    "CompanyProfile",
    "Currency",
    "CurrencyRate",
    "CustomerGroup",
    "DistributionCode",
    "DocumentLocation",
    "DocumentPlace",
    "FiscalCalendar",
    "FiscalPeriod",
    "GLAccount",
    "GLJournalBatch",
    "GLJournalDetail",
    "GLJournalHeader",
    "ICAdjustment",
    "ICAdjustmentDetail",
    "ICAdjustmentType",
    "ICItem",
    "ICLocation",
    "ICRecordStatus",
    "ICTransfer",
    "ICTransferDetail",
    "InvoiceType",
    "OptionalField",
    "SageModel",
    "SageWarning",
    "TaxAmountControl",
    "TaxAuthority",
    "TaxClass",
    "TaxGroup",
    "Terms",
    "VendorGroup",
    "YesNo",
]


def _alias(name: str) -> str:
    return ODD_ALIASES.get(name) or to_pascal(name)


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


def _dump_date(value: date) -> str:
    return sage_date(value)


SageDate = Annotated[date, BeforeValidator(_to_date), PlainSerializer(_dump_date, return_type=str)]
"""A calendar date: read from ``2024-01-31T00:00:00Z`` (or ``2024-01-31``), written as ``…T00:00:00Z``."""

Money = Annotated[Decimal, BeforeValidator(_to_money)]
"""An exact amount (or rate, or quantity); floats are refused."""


class SageModel(BaseModel):
    """Base of every Sage model: PascalCase aliases, populate by name, unknown properties ignored."""

    model_config = ConfigDict(
        alias_generator=_alias,
        populate_by_name=True,
        extra="ignore",
        validate_assignment=True,
    )

    def to_payload(self) -> dict[str, Any]:
        """The JSON body for Sage: aliases, no ``None`` values, Decimals kept as Decimal (use money.dumps)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="python")

    @classmethod
    def from_sage(cls, data: Any) -> Any:
        """Parse a Sage JSON object (already decoded with :func:`cwsage.money.loads`)."""
        return cls.model_validate(data)


class SageWarning(SageModel):
    """A view warning Sage returns in ``Warnings`` on a POST/PATCH answer [C S4; I]."""

    message: str | None = None
    priority: int | str | None = None
    priority_string: str | None = None


class OptionalField(SageModel):
    """``{"OptionalField": "CODE", "Value": "text"}``; values are always strings [C S3]."""

    optional_field: str
    value: str


# ------------------------------------------------------------------------------------------------
# AR invoice batches
# ------------------------------------------------------------------------------------------------


class ARInvoiceDetail(SageModel):
    """One AR invoice line (``InvoiceDetails[]``, view ARIBD)."""

    line_number: int | None = None
    distribution_code: str | None = None
    revenue_account: str | None = None
    item_number: str | None = None
    description: str | None = None
    quantity: Money | None = None
    unit_of_measure: str | None = None
    price: Money | None = None
    extended_amount_with_tip: Money | None = None
    extended_amount_without_tip: Money | None = None
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
    comments: str | None = None


class ARInvoice(SageModel):
    """One AR invoice entry (``Invoices[]``, view ARIBH); invoices, debit notes and credit notes."""

    customer_number: str
    document_number: str | None = None
    document_type: ARDocumentType = ARDocumentType.INVOICE
    invoice_type: InvoiceType | None = InvoiceType.SUMMARY
    invoice_description: str | None = None
    po_number: str | None = None
    order_number: str | None = None
    apply_to_document: str | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    as_of_date: SageDate | None = None
    due_date: SageDate | None = None
    terms: str | None = None
    currency_code: str | None = None
    rate_type: str | None = None
    rate_date: SageDate | None = None
    exchange_rate: Money | None = None
    rate_overridden: YesNo | None = None
    tax_group: str | None = None
    tax_amount_control: TaxAmountControl | None = None
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
    entry_number: int | None = None
    batch_number: int | None = None
    invoice_details: list[ARInvoiceDetail] = Field(default_factory=list)
    invoice_optional_fields: list[OptionalField] | None = None
    warnings: list[SageWarning] | None = None


class ARInvoiceBatch(SageModel):
    """An AR invoice batch (view ARIBC) with its entries; POSTed whole, one POST per batch [C S1]."""

    description: str | None = None
    batch_date: SageDate | None = None
    invoices: list[ARInvoice] = Field(default_factory=list)
    batch_number: int | None = None
    batch_status: BatchStatus | None = None
    batch_total: Money | None = None
    number_of_entries: int | None = None
    number_of_errors: int | None = None
    warnings: list[SageWarning] | None = None


# ------------------------------------------------------------------------------------------------
# AP invoice batches
# ------------------------------------------------------------------------------------------------


class APInvoiceDetail(SageModel):
    """One AP invoice line (view APIBD); the AP names differ from AR [C S3]."""

    line_number: int | None = None
    gl_account: str | None = None
    distribution_code: str | None = None
    distribution_description: str | None = None
    distributed_amount: Money | None = None
    distributed_amount_before_taxes: Money | None = None
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


class APInvoice(SageModel):
    """One AP invoice entry (view APIBH); document numbers are unique per vendor."""

    vendor_number: str
    document_number: str | None = None
    document_type: APDocumentType = APDocumentType.INVOICE
    invoice_description: str | None = None
    po_number: str | None = None
    order_number: str | None = None
    apply_to_document: str | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    as_of_date: SageDate | None = None
    due_date: SageDate | None = None
    terms: str | None = None
    currency_code: str | None = None
    rate_type: str | None = None
    rate_date: SageDate | None = None
    exchange_rate: Money | None = None
    rate_overridden: YesNo | None = None
    tax_group: str | None = None
    tax_amount_control: TaxAmountControl | None = None
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
    document_total_before_taxes: Money | None = None
    document_total_including_tax: Money | None = None
    entry_number: int | None = None
    batch_number: int | None = None
    invoice_details: list[APInvoiceDetail] = Field(default_factory=list)
    invoice_optional_fields: list[OptionalField] | None = None
    warnings: list[SageWarning] | None = None


class APInvoiceBatch(SageModel):
    """An AP invoice batch (view APIBC) with its entries."""

    description: str | None = None
    batch_date: SageDate | None = None
    invoices: list[APInvoice] = Field(default_factory=list)
    batch_number: int | None = None
    batch_status: BatchStatus | None = None
    batch_total: Money | None = None
    number_of_entries: int | None = None
    number_of_errors: int | None = None
    warnings: list[SageWarning] | None = None


# ------------------------------------------------------------------------------------------------
# GL journal batches
# ------------------------------------------------------------------------------------------------


class GLJournalDetail(SageModel):
    """One journal line; ``amount`` is signed: debit positive, credit negative [C S22, S4]."""

    transaction_number: str | int | None = None
    account_number: str
    amount: Money
    description: str | None = None
    reference: str | None = None
    journal_date: SageDate | None = None
    source_currency: str | None = None
    source_currency_amount: Money | None = None
    currency_rate: Money | None = None
    currency_rate_date: SageDate | None = None
    comment: str | None = None


class GLJournalHeader(SageModel):
    """One journal entry (``JournalHeaders[]``, view GLJEH); each must balance."""

    source_ledger: str | None = None
    source_type: str | None = None
    description: str | None = None
    posting_date: SageDate | None = None
    document_date: SageDate | None = None
    document_number: str | None = None
    reference: str | None = None
    entry_number: str | int | None = None
    batch_number: str | None = None
    fiscal_year: str | None = None
    fiscal_period: str | int | None = None
    debits: Money | None = None
    credits: Money | None = None
    journal_details: list[GLJournalDetail] = Field(default_factory=list)
    warnings: list[SageWarning] | None = None


class GLJournalBatch(SageModel):
    """A GL journal batch (view GL0008); the batch number is a 6-digit string (D11)."""

    description: str | None = None
    source_ledger: str | None = None
    batch_number: str | None = None
    status: BatchStatus | None = None
    debits: Money | None = None
    credits: Money | None = None
    number_of_entries: int | None = None
    number_of_errors: int | None = None
    journal_headers: list[GLJournalHeader] = Field(default_factory=list)
    warnings: list[SageWarning] | None = None


# ------------------------------------------------------------------------------------------------
# IC adjustments and transfers
# ------------------------------------------------------------------------------------------------


class ICAdjustmentDetail(SageModel):
    """One adjustment line [C S21]."""

    item_number: str
    location: str
    transaction_type: ICAdjustmentType
    quantity: Money | None = None
    unit_cost: Money | None = None
    extended_cost: Money | None = None
    unit_of_measure: str | None = None
    comments: str | None = None


class ICAdjustment(SageModel):
    """An IC adjustment: its own document, not batch based (D12)."""

    description: str | None = None
    adjustment_date: SageDate | None = None
    reference: str | None = None
    sequence_number: int | None = None
    adjustment_number: str | None = None
    record_status: str | None = None  # ICRecordStatus names; kept as text to tolerate other releases
    adjustment_details: list[ICAdjustmentDetail] = Field(default_factory=list)
    warnings: list[SageWarning] | None = None


class ICTransferDetail(SageModel):
    """One transfer line (D13, names [?])."""

    line_number: int | None = None
    item_number: str
    from_location: str
    to_location: str
    quantity: Money
    unit_of_measure: str | None = None


class ICTransfer(SageModel):
    """An IC transfer between locations (D13)."""

    description: str | None = None
    transfer_date: SageDate | None = None
    reference: str | None = None
    document_type: str | None = None
    sequence_number: int | None = None
    transfer_number: str | None = None
    record_status: str | None = None  # ICRecordStatus names; kept as text to tolerate other releases
    transfer_details: list[ICTransferDetail] = Field(default_factory=list)
    warnings: list[SageWarning] | None = None


# ------------------------------------------------------------------------------------------------
# AR receipts (D16)
# ------------------------------------------------------------------------------------------------


class ARAppliedReceipt(SageModel):
    """One application of a receipt (or credit note) to a document."""

    document_number: str
    applied_amount: Money
    payment_number: int | None = None


class ARReceipt(SageModel):
    """A receipt or an apply-document entry (``ReceiptsAdjustments[]``)."""

    customer_number: str
    transaction_type: ARReceiptTransactionType = ARReceiptTransactionType.RECEIPT
    document_date: SageDate | None = None
    check_receipt_no: str | None = None
    bank_receipt_amount: Money | None = None
    customer_receipt_amount: Money | None = None
    apply_to: str | None = None
    document_number: str | None = None
    entry_number: int | None = None
    batch_number: int | None = None
    applied_receipts_adjustments: list[ARAppliedReceipt] = Field(default_factory=list)


class ARReceiptBatch(SageModel):
    """An AR receipt/adjustment batch of record type ``CA``."""

    batch_record_type: str = "CA"
    batch_date: SageDate | None = None
    description: str | None = None
    batch_number: int | None = None
    batch_status: BatchStatus | None = None
    receipts_adjustments: list[ARReceipt] = Field(default_factory=list)
    warnings: list[SageWarning] | None = None


# ------------------------------------------------------------------------------------------------
# Master data
# ------------------------------------------------------------------------------------------------


class ARCustomer(SageModel):
    """An AR customer (view ARCUS); minimum create is number, name and group [C S3]."""

    customer_number: str
    customer_name: str | None = None
    short_name: str | None = None
    group_code: str | None = None
    status: str | None = None
    on_hold: YesNo | None = None
    account_set: str | None = None
    terms: str | None = None
    tax_group: str | None = None
    currency_code: str | None = None
    rate_type: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_line_3: str | None = None
    address_line_4: str | None = None
    city: str | None = None
    state_province: str | None = None
    zip_postal_code: str | None = None
    country: str | None = None
    contact_name: str | None = None
    phone_number: str | None = None
    fax_number: str | None = None
    email: str | None = None
    web_site: str | None = None
    tax_class_code_1: int | None = None
    tax_class_code_2: int | None = None
    tax_class_code_3: int | None = None
    tax_class_code_4: int | None = None
    tax_class_code_5: int | None = None
    tax_registration_number_1: str | None = None
    balance_due_in_customer_currency: Money | None = None


class APVendor(SageModel):
    """An AP vendor (view APVEN)."""

    vendor_number: str
    vendor_name: str | None = None
    short_name: str | None = None
    group_code: str | None = None
    status: str | None = None
    on_hold: YesNo | None = None
    account_set: str | None = None
    terms: str | None = None
    tax_group: str | None = None
    currency_code: str | None = None
    rate_type: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_line_3: str | None = None
    address_line_4: str | None = None
    city: str | None = None
    state_province: str | None = None
    zip_postal_code: str | None = None
    country: str | None = None
    contact_name: str | None = None
    phone_number: str | None = None
    email: str | None = None
    tax_class_code_1: int | None = None
    tax_class_code_2: int | None = None
    tax_class_code_3: int | None = None
    tax_class_code_4: int | None = None
    tax_class_code_5: int | None = None


class ICItem(SageModel):
    """An IC item (D14); ``item_number`` is the unformatted key."""

    item_number: str
    description: str | None = None
    category: str | None = None
    stocking_unit_of_measure: str | None = None
    status: str | None = None
    stock_item: YesNo | None = None
    account_set: str | None = None


class ICLocation(SageModel):
    """An IC location / warehouse (D14)."""

    location: str
    description: str | None = None
    status: str | None = None


class GLAccount(SageModel):
    """A GL account (D7): ``unformatted_account`` is the key, ``account_number`` the formatted one."""

    unformatted_account: str
    account_number: str | None = None
    description: str | None = None
    status: str | None = None
    account_type: str | None = None
    normal_balance_drcr: str | None = None
    account_group_code: str | None = None
    multicurrency: YesNo | None = None
    control_account: YesNo | None = None

    @property
    def active(self) -> bool:
        """Whether the account may be posted to (status ``Active``)."""
        return (self.status or "Active") == "Active"


class TaxGroup(SageModel):
    """A tax group for one transaction type (D8)."""

    tax_group_key: str
    transaction_type: str | None = None
    description: str | None = None
    tax_reporting_currency: str | None = None
    tax_authority_1: str | None = None
    tax_authority_2: str | None = None
    tax_authority_3: str | None = None
    tax_authority_4: str | None = None
    tax_authority_5: str | None = None
    taxable_1: YesNo | None = None
    taxable_2: YesNo | None = None
    taxable_3: YesNo | None = None
    taxable_4: YesNo | None = None
    taxable_5: YesNo | None = None

    @property
    def authorities(self) -> list[str]:
        """The non-empty authorities, in level order."""
        levels = (self.tax_authority_1, self.tax_authority_2, self.tax_authority_3)
        return [a for a in (*levels, self.tax_authority_4, self.tax_authority_5) if a]


class TaxAuthority(SageModel):
    """A tax authority (D8)."""

    tax_authority: str
    description: str | None = None
    tax_reporting_currency: str | None = None
    tax_liability_account: str | None = None


class TaxClass(SageModel):
    """A tax class of one authority and transaction type (D8); ``tax_class`` is Sage's ``Class``."""

    tax_authority: str
    transaction_type: str | None = None
    class_type: str | None = None
    tax_class: int
    description: str | None = None
    exempt: YesNo | None = None


class Currency(SageModel):
    """A Common Services currency code (D4)."""

    currency_code: str
    description: str | None = None
    decimal_places: int | None = None
    symbol: str | None = None


class CurrencyRate(SageModel):
    """One exchange rate (D5): home units per one source unit, valid from ``rate_date``."""

    home_currency: str
    rate_type: str | None = None
    source_currency: str
    rate_date: SageDate
    rate: Money
    date_matching: str | None = None


class Company(SageModel):
    """A company database the Web API serves (D1)."""

    company_id: str
    company_name: str | None = None


class CompanyProfile(SageModel):
    """The company profile (D3): home currency and multicurrency switch."""

    company_id: str | None = None
    company_name: str | None = None
    home_currency: str | None = None
    functional_currency: str | None = None
    multicurrency: YesNo | None = None


class FiscalPeriod(SageModel):
    """One period of a fiscal year, collected from ``FiscalPeriod{N}StartDate/EndDate/Status`` (D6)."""

    number: int
    start_date: SageDate
    end_date: SageDate
    status: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the period accepts postings (status ``Open``; a missing status counts as open)."""
        return (self.status or "Open") == "Open"


class FiscalCalendar(SageModel):
    """One fiscal year (D6); the numbered period properties are gathered into :attr:`periods`."""

    fiscal_year: str
    active: YesNo | None = None
    number_of_fiscal_periods: int | None = None
    periods: list[FiscalPeriod] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _gather_periods(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "periods" in data:
            return data
        gathered: list[dict[str, Any]] = []
        for n in range(1, 14):
            start = data.get(f"FiscalPeriod{n}StartDate")
            end = data.get(f"FiscalPeriod{n}EndDate")
            if start and end:
                gathered.append(
                    {"number": n, "start_date": start, "end_date": end, "status": data.get(f"FiscalPeriod{n}Status")}
                )
        return {**data, "periods": gathered}

    def period_for(self, day: date) -> tuple[int, bool] | None:
        """The period holding ``day`` and whether it is open, or None if the year does not hold it.

        A period of an inactive year is reported as not open (Sage refuses it, D6).
        """
        for period in self.periods:
            if period.start_date <= day <= period.end_date:
                return period.number, period.is_open and self.active is not YesNo.NO
        return None


class Terms(SageModel):
    """AR or AP terms code (D9, D10)."""

    terms_code: str
    description: str | None = None
    due_days: int | None = None


class CustomerGroup(SageModel):
    """An AR customer group (D9); new customers take their defaults from it."""

    group_code: str
    description: str | None = None
    account_set: str | None = None
    terms: str | None = None
    tax_group: str | None = None


class VendorGroup(SageModel):
    """An AP vendor group (D10)."""

    group_code: str
    description: str | None = None
    account_set: str | None = None
    terms: str | None = None


class DistributionCode(SageModel):
    """An AR distribution code and its revenue account (D9)."""

    distribution_code: str
    description: str | None = None
    gl_account: str | None = None


class ARPostedDocument(SageModel):
    """A posted AR document (D15); amounts are signed as Sage stores them (credit notes negative)."""

    customer_number: str
    document_number: str
    document_type: str | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    due_date: SageDate | None = None
    currency_code: str | None = None
    cust_currency_invoice_amount: Money | None = None
    cust_currency_amount_due: Money | None = None
    fully_paid: str | None = None
    date_paid: SageDate | None = None
    last_activity_date: SageDate | None = None
    batch_number: int | None = None
    entry_number: int | None = None
    po_number: str | None = None
    order_number: str | None = None
    document_description: str | None = None

    @property
    def is_fully_paid(self) -> bool:
        """``FullyPaid`` is ``Yes`` (or ``1``/``true`` on installations that send those forms)."""
        return (self.fully_paid or "").strip().lower() in {"yes", "1", "true"}


class APPostedDocument(SageModel):
    """A posted AP document (D23)."""

    vendor_number: str
    document_number: str
    document_type: str | None = None
    document_date: SageDate | None = None
    posting_date: SageDate | None = None
    currency_code: str | None = None
    vend_currency_invoice_amount: Money | None = None
    vend_currency_amount_due: Money | None = None
    fully_paid: str | None = None
    batch_number: int | None = None
    entry_number: int | None = None


# ------------------------------------------------------------------------------------------------
# Where a document is in Sage (for "did my creating call land?")
# ------------------------------------------------------------------------------------------------


class DocumentPlace(StrEnum):
    """Where a document sits in Sage."""

    POSTED = "posted"
    OPEN_BATCH = "open batch"
    READY_BATCH = "ready-to-post batch"
    ENTERED = "entered"  # an IC adjustment/transfer not yet through Day End


_BATCH_NAMES: dict[str, str] = {"AR": "AR invoice batch", "AP": "AP invoice batch", "GL": "GL journal batch"}
_PLACE_WORDS: dict[DocumentPlace, str] = {
    DocumentPlace.POSTED: "posted",
    DocumentPlace.OPEN_BATCH: "open",
    DocumentPlace.READY_BATCH: "ready to post",
    DocumentPlace.ENTERED: "entered",
}


@dataclass(frozen=True)
class DocumentLocation:
    """Proof that a document exists in Sage, and where.

    Attributes:
        system: ``AR``, ``AP``, ``GL`` or ``IC``.
        document_number: The document number (IC: the reference).
        where: Posted, in an open batch, in a ready-to-post batch, or (IC) entered.
        batch_number: The batch (GL: 6-digit string; IC: the sequence number), when known.
        entry_number: The entry within the batch, when known.
        party: The customer or vendor number, when known.
        kind: For IC, ``adjustment`` or ``transfer``.
    """

    system: Literal["AR", "AP", "GL", "IC"]
    document_number: str
    where: DocumentPlace
    batch_number: str | None = None
    entry_number: int | None = None
    party: str | None = None
    kind: str | None = None

    @property
    def posted(self) -> bool:
        """Whether the document is posted."""
        return self.where is DocumentPlace.POSTED

    def describe(self) -> str:
        """Human text, e.g. ``AR invoice batch 12 (open), entry 3``."""
        words = _PLACE_WORDS[self.where]
        if self.system == "IC":
            text = f"IC {self.kind or 'document'}"
            if self.batch_number:
                text += f" {self.batch_number}"
            text += f" ({words}), reference {self.document_number}"
        elif self.where is DocumentPlace.POSTED or self.batch_number is None:
            text = f"{self.system} document {self.document_number} ({words}"
            if self.batch_number is not None:
                text += f" from batch {self.batch_number}"
                if self.entry_number is not None:
                    text += f", entry {self.entry_number}"
            text += ")"
        else:
            text = f"{_BATCH_NAMES[self.system]} {self.batch_number} ({words})"
            if self.entry_number is not None:
                text += f", entry {self.entry_number}"
        if self.party:
            text += f", {'customer' if self.system == 'AR' else 'vendor'} {self.party}"
        return text
