"""Typed models of the ConnectWise Manage JSON that cwsage reads and writes.

Why a module of its own: only ``cwsage.connectwise`` speaks Manage's JSON, and raw dicts never leave it.
Every response is parsed here into pydantic models that are

* tolerant of shape: absent keys, ``null`` and keys we do not know are fine (Manage's schema marks almost
  nothing required and adds fields every release), lists default to ``[]``;
* strict about types: an amount is a ``Decimal`` made from a JSON number (responses are parsed with
  :func:`cwsage.money.loads`, so never through ``float``); text such as ``"abc"``, a bool or a float where an
  amount belongs is an error, and so is a value of an enumeration the program does not know;
* aware of dates: Manage sends ``2024-03-31T00:00:00Z``, ``2011-06-20T00:00:00`` and ``5/1/2014 5:21:58 AM``
  in the same payload; each becomes an aware ``datetime`` through :func:`cwsage.dates.parse_datetime`.

Field names are the snake_case of Manage's camelCase names (``gl_entry_ids`` for ``glEntryIds``); the odd
ones carry an explicit alias (``info`` for ``_info``, ``ar_payment_account`` for ``aRPaymentAccount``).
:func:`parse_model` is the one entry point: it turns a pydantic ``ValidationError`` into a
:class:`cwsage.errors.SourceDataError` that names the record, the field path and the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from cwsage import money
from cwsage.connectwise.records import UnreadableRecord
from cwsage.dates import manage_datetime, parse_datetime
from cwsage.errors import SourceDataError

# --------------------------------------------------------------------------------------------------------------
# Field types
# --------------------------------------------------------------------------------------------------------------


MAX_NUMBER_EXPONENT = 20
"""Amounts, quantities and rates must be below 10**21 in size: far beyond any real record (Sage 300 holds at most
16 integer digits, I28), yet small enough that no arithmetic on them can overflow Decimal's 28-digit precision. Larger
values are plausible only as corruption; the plausibility checks report the range in between with advice."""
MAX_NUMBER_DECIMALS = 28
"""More decimals than this is an absurd exponent (``1E-999999``), not a Manage amount."""
MAX_INTEGER = 2**63
"""Ids and counts are 64-bit at most."""
_PLAIN_NUMBER_CHARS = 30
"""A finite Decimal whose text has no exponent and at most this many characters has fewer than 28 decimals."""


def _name(value: Any) -> str:
    names = {str: "text", list: "a list", dict: "an object", float: "a float"}
    return names.get(type(value), type(value).__name__)


def _number(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("expected a number, got a true/false value")  # noqa: TRY004 - pydantic wants ValueError
    if isinstance(value, float):
        raise ValueError("expected an exact number, got a float (parse with cwsage.money.loads)")  # noqa: TRY004
    if isinstance(value, int):
        value = money.D(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"expected a finite number, got {value}")
        if value and value.adjusted() > MAX_NUMBER_EXPONENT:
            raise ValueError(
                f"expected a number below 10^{MAX_NUMBER_EXPONENT + 1}, got one of about 10^{value.adjusted()}"
            )
        text = str(value)  # cheaper than as_tuple(); written without exponent in 30 characters: < 28 decimals
        if "E" in text or len(text) > _PLAIN_NUMBER_CHARS:
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -MAX_NUMBER_DECIMALS:
                raise ValueError(f"expected a number with at most {MAX_NUMBER_DECIMALS} decimals, got {-exponent}")
        return value
    raise ValueError(f"expected a number, got {_name(value)}")


def _integer(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got a true/false value")  # noqa: TRY004
    if isinstance(value, int):
        if abs(value) >= MAX_INTEGER:
            raise ValueError("expected a whole number below 2^63, got a larger one")
        return value
    if isinstance(value, Decimal) and value.is_finite():
        if value and value.adjusted() >= 19:
            raise ValueError("expected a whole number below 2^63, got a larger one")
        if value == value.to_integral_value():
            return int(value)
        raise ValueError(f"expected a whole number, got {value}")
    raise ValueError(f"expected a whole number, got {_name(value)}")


def _boolean(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"expected true or false, got {type(value).__name__}")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # ids typed string by the schema sometimes arrive as numbers
    raise ValueError(f"expected text, got {type(value).__name__}")


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        if not value.strip():
            return None
        return parse_datetime(value)  # DateParseError is a ValueError: pydantic reports it with the path
    raise ValueError(f"expected a date, got {type(value).__name__}")


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _none_to_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _none_to_empty_dict(value: Any) -> Any:
    return {} if value is None else value


def _strict_int_list(value: list[Any]) -> list[int]:
    return [_require_int(v) for v in value]


def _require_int(value: Any) -> int:
    result = _integer(value)
    if result is None:
        raise ValueError("expected a whole number, got null")
    return result


Amount = Annotated[Decimal | None, BeforeValidator(_number)]
"""A JSON number (money, quantity, rate) as an exact Decimal; ``None`` when absent or null."""
Int = Annotated[int | None, BeforeValidator(_integer)]
Bool = Annotated[bool | None, BeforeValidator(_boolean)]
Text = Annotated[str | None, BeforeValidator(_text)]
ManageDateTime = Annotated[datetime | None, BeforeValidator(_moment)]
"""Any date text Manage sends, as an aware datetime (naive values are read as UTC); ``""`` is ``None``."""
Info = Annotated[dict[str, Any], BeforeValidator(_none_to_empty_dict)]
_Item = TypeVar("_Item")
ListOf = Annotated[list[_Item], BeforeValidator(_none_to_empty_list)]
"""A list that may arrive as ``null`` or be absent (then ``[]``)."""
IntList = Annotated[list[Any], BeforeValidator(_none_to_empty_list), AfterValidator(_strict_int_list)]

ModelT = TypeVar("ModelT", bound=BaseModel)


# --------------------------------------------------------------------------------------------------------------
# Enumerations (values exactly as Manage writes them; matching is case-insensitive)
# --------------------------------------------------------------------------------------------------------------


class ManageEnum(StrEnum):
    """A Manage enumeration; a value differing only in letter case is accepted."""

    @classmethod
    def _missing_(cls, value: object) -> ManageEnum | None:
        if isinstance(value, str):
            for member in cls:
                if member.value.lower() == value.strip().lower():
                    return member
        return None


class InvoiceType(ManageEnum):
    """``UnpostedInvoice.invoiceType``, ``Invoice.type``, ``GLExportTransaction.billingType``."""

    AGREEMENT = "Agreement"
    CREDIT_MEMO = "CreditMemo"
    DOWN_PAYMENT = "DownPayment"
    MISCELLANEOUS = "Miscellaneous"
    PROGRESS = "Progress"
    STANDARD = "Standard"


class ApplyToType(ManageEnum):
    """``Invoice.applyToType``."""

    ALL = "All"
    AGREEMENT = "Agreement"
    PROJECT = "Project"
    PROJECT_PHASE = "ProjectPhase"
    SALES_ORDER = "SalesOrder"
    TICKET = "Ticket"


class ProcurementType(ManageEnum):
    """``UnpostedProcurement.procurementType``."""

    PURCHASE = "Purchase"
    ADJUSTMENT = "Adjustment"
    TRANSFER = "Transfer"


class ExpenseClassification(ManageEnum):
    """``UnpostedExpense.classification``."""

    NON_REIMBURSABLE = "NonReimbursable"
    REIMBURSABLE = "Reimbursable"
    PERSONAL = "Personal"


class GLType(ManageEnum):
    """``UnpostedExpense.glType`` and ``GLAccount.glType`` (GL account type codes)."""

    AP = "AP"
    AR = "AR"
    EE = "EE"
    EI = "EI"
    EO = "EO"
    IA = "IA"
    IT = "IT"
    P = "P"
    PF = "PF"
    R = "R"
    RA = "RA"
    RD = "RD"
    RE = "RE"
    RP = "RP"
    ST = "ST"
    SD = "SD"
    ET = "ET"
    FT = "FT"
    PT = "PT"
    WP = "WP"
    WR = "WR"


class SummarizeInvoices(ManageEnum):
    """Invoice detail level: ``ExportAccountingBatchRequest.summarizeInvoices``, ``invoiceFormat``."""

    DEFAULT = "Default"
    CONDENSED = "Condensed"
    DETAILED = "Detailed"


class ExpenseFormat(ManageEnum):
    """``AccountingPackageSetup.expenseFormat``."""

    DEFAULT = "Default"
    CONDENSED = "Condensed"


class RateType(ManageEnum):
    """``TaxCodeLevel.rateType`` and ``TaxCode.level*RateType``."""

    AMOUNT = "Amount"
    PERCENT = "Percent"


class PaymentSource(ManageEnum):
    """``InvoicePayment.source``."""

    DEFAULT = "Default"
    WISE_PAY = "WisePay"


class PaymentSyncStatus(ManageEnum):
    """``InvoicePayment.paymentSyncStatus``."""

    UNAPPLIED = "Unapplied"
    APPLIED = "Applied"
    SYNCED = "Synced"


InvoiceTypeField = Annotated[InvoiceType | None, BeforeValidator(_blank_to_none)]
ApplyToTypeField = Annotated[ApplyToType | None, BeforeValidator(_blank_to_none)]
ProcurementTypeField = Annotated[ProcurementType | None, BeforeValidator(_blank_to_none)]
ClassificationField = Annotated[ExpenseClassification | None, BeforeValidator(_blank_to_none)]
GLTypeField = Annotated[GLType | None, BeforeValidator(_blank_to_none)]
SummarizeField = Annotated[SummarizeInvoices | None, BeforeValidator(_blank_to_none)]
ExpenseFormatField = Annotated[ExpenseFormat | None, BeforeValidator(_blank_to_none)]
RateTypeField = Annotated[RateType | None, BeforeValidator(_blank_to_none)]
PaymentSourceField = Annotated[PaymentSource | None, BeforeValidator(_blank_to_none)]
PaymentSyncStatusField = Annotated[PaymentSyncStatus | None, BeforeValidator(_blank_to_none)]


# --------------------------------------------------------------------------------------------------------------
# Base and references
# --------------------------------------------------------------------------------------------------------------


class ManageModel(BaseModel):
    """Base of every Manage response model: camelCase aliases, unknown keys ignored, frozen."""

    model_config = ConfigDict(
        extra="ignore",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
    )

    if not TYPE_CHECKING:  # pydantic's own __getattr__ is hidden from type checkers the same way

        def __getattr__(self, name: str) -> Any:
            """A field a lean record does not hold (:mod:`cwsage.connectwise.lean`) reads as its default."""
            field = type(self).model_fields.get(name)
            if field is not None:
                return field.get_default(call_default_factory=True)
            return super().__getattr__(name)

    def __eq__(self, other: object) -> bool:
        """Equal when of the same model with the same value in every field (held or read as its default)."""
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in type(self).model_fields)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in type(self).model_fields))


class _WithInfo(ManageModel):
    info: Info = Field(default_factory=dict, alias="_info")


class NamedReference(_WithInfo):
    """The generic small reference ``{id, name, identifier}`` (site, billing terms, tax code, location …)."""

    id: Int = None
    name: Text = None
    identifier: Text = None


class CompanyReference(_WithInfo):
    """``CompanyReference``: a company (customer or vendor) by id, identifier and name."""

    id: Int = None
    identifier: Text = None
    name: Text = None


class CurrencyReference(_WithInfo):
    """``CurrencyReference`` embedded in transactions (``currencyCode`` is the ISO code as text)."""

    id: Int = None
    symbol: Text = None
    currency_code: Text = None
    decimal_separator: Text = None
    number_of_decimals: Int = None
    thousands_separator: Text = None
    negative_parentheses_flag: Bool = None
    display_symbol_flag: Bool = None
    currency_identifier: Text = None
    display_id_flag: Bool = None
    right_align: Bool = None
    name: Text = None


class MemberReference(_WithInfo):
    """``MemberReference``: a Manage member (employee)."""

    id: Int = None
    identifier: Text = None
    name: Text = None
    daily_capacity: Amount = None


class ItemReference(_WithInfo):
    """``IvItemReference``: a catalog item."""

    id: Int = None
    identifier: Text = None
    serialized_flag: Bool = None


class ProductReference(_WithInfo):
    """``ProductReference``: a product line on an invoice."""

    id: Int = None
    description: Text = None


class TicketReference(_WithInfo):
    """``TicketReference``."""

    id: Int = None
    summary: Text = None


class AgreementReference(_WithInfo):
    """``AgreementReference``."""

    id: Int = None
    name: Text = None
    type: Text = None
    charge_firm_flag: Bool = None


class WarehouseReference(_WithInfo):
    """``WarehouseReference``."""

    id: Int = None
    name: Text = None
    locked_flag: Bool = None


class InvoiceReference(_WithInfo):
    """``InvoiceReference`` (on payments and batch entries); ``billing_type`` kept as text."""

    id: Int = None
    identifier: Text = None
    billing_type: Text = None
    apply_to_type: Text = None
    invoice_date: ManageDateTime = None
    charge_firm_flag: Bool = None


class ExpenseDetailReference(_WithInfo):
    """``ExpenseDetailReference`` (on batch entries)."""

    id: Int = None
    amount: Amount = None


# --------------------------------------------------------------------------------------------------------------
# Unposted records (the Accounting Interface lists)
# --------------------------------------------------------------------------------------------------------------


class _TaxLevelAmounts(_WithInfo):
    """The six tax-level flag/xref/amount triples shared by the unposted models."""

    tax_code: NamedReference | None = None
    avalara_tax_flag: Bool = None
    item_taxable_flag: Bool = None
    state_tax_flag: Bool = None
    state_tax_xref: Text = None
    state_tax_amount: Amount = None
    county_tax_flag: Bool = None
    county_tax_xref: Text = None
    county_tax_amount: Amount = None
    city_tax_flag: Bool = None
    city_tax_xref: Text = None
    city_tax_amount: Amount = None
    country_tax_flag: Bool = None
    country_tax_xref: Text = None
    country_tax_amount: Amount = None
    composite_tax_flag: Bool = None
    composite_tax_xref: Text = None
    composite_tax_amount: Amount = None
    level_six_tax_flag: Bool = None
    level_six_tax_xref: Text = None
    level_six_tax_amount: Amount = None
    date_closed: ManageDateTime = None


@dataclass(frozen=True, slots=True)
class InvoiceRef:
    """What a batch selects an unposted invoice by: its id and its number (``cwsage run --include``)."""

    id: int | None
    invoice_number: str | None


class UnpostedInvoice(_TaxLevelAmounts):
    """A closed invoice not yet batched (``GET /finance/accounting/unpostedinvoices``)."""

    id: Int = None
    billing_log_id: Int = None
    location_id: Int = None
    location: NamedReference | None = None
    department_id: Int = None
    department: NamedReference | None = None
    company: CompanyReference | None = None
    account_number: Text = None
    bill_to_company: CompanyReference | None = None
    bill_to_site: NamedReference | None = None
    ship_to_company: CompanyReference | None = None
    ship_to_site: NamedReference | None = None
    invoice_number: Text = None
    invoice_date: ManageDateTime = None
    invoice_type: InvoiceTypeField = None
    description: Text = None
    billing_terms: NamedReference | None = None
    due_days: Text = None
    due_date: ManageDateTime = None
    currency: CurrencyReference | None = None
    sub_total: Amount = None
    total: Amount = None
    has_time: Bool = None
    has_expenses: Bool = None
    has_products: Bool = None
    invoice_taxable_flag: Bool = None
    sales_tax_amount: Amount = None
    created_by: Text = None


class UnpostedExpense(_TaxLevelAmounts):
    """A closed expense entry not yet batched (``GET /finance/accounting/unpostedexpenses``)."""

    id: Int = None
    location_id: Int = None
    department_id: Int = None
    company: CompanyReference | None = None
    account_number: Text = None
    credit_account: Text = None
    expense_detail_id: Int = None
    expense_type: NamedReference | None = None
    classification: ClassificationField = None
    gl_type: GLTypeField = None
    member: MemberReference | None = None
    date_expense: ManageDateTime = None
    charge_code: NamedReference | None = None
    charge_description: Text = None
    in_policy: Bool = None
    payment_method: NamedReference | None = None
    currency: CurrencyReference | None = None
    total: Amount = None
    billable_amount: Amount = None
    non_billable_amount: Amount = None
    agreement: AgreementReference | None = None
    agreement_amount_covered: Amount = None
    ticket: TicketReference | None = None
    project: NamedReference | None = None
    project_phase: NamedReference | None = None
    sales_tax_amount: Amount = None


class UnpostedProcurement(_TaxLevelAmounts):
    """A closed receipt / adjustment / transfer not yet batched (``…/unpostedprocurement``)."""

    id: Int = None
    description: Text = None
    unposted_product_id: Text = None
    location_id: Int = None
    department_id: Int = None
    procurement_type: ProcurementTypeField = None
    purchase_order: NamedReference | None = None
    purchase_date: ManageDateTime = None
    tracking_number: Text = None
    billing_terms: NamedReference | None = None
    currency: CurrencyReference | None = None
    total: Amount = None
    purchase_order_taxable_flag: Bool = None
    tax_total: Amount = None
    customer: CompanyReference | None = None
    vendor: CompanyReference | None = None
    vendor_account_number: Text = None
    vendor_invoice_number: Text = None
    vendor_invoice_date: ManageDateTime = None
    tax_freight_flag: Bool = None
    freight_tax_total: Amount = None
    freight_cost: Amount = None


class TaxableLevel(_WithInfo):
    """``Unposted{Invoice,Expense,Procurement}TaxableLevel``: tax per level of one unposted record."""

    id: Int = None
    tax_level: Int = None
    tax_code_xref: Text = None
    tax_amount: Amount = None


# --------------------------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------------------------


class AccountingBatch(_WithInfo):
    """``AccountingBatch`` (``GET /finance/accounting/batches``)."""

    id: Int = None
    batch_identifier: Text = None
    export_invoices_flag: Bool = None
    export_expenses_flag: Bool = None
    export_products_flag: Bool = None
    closed_flag: Bool = None


class BatchEntry(_WithInfo):
    """``BatchEntry``: one GL entry inside a batch (``…/batches/{id}/entries``)."""

    id: Int = None
    account_type: Text = None
    name: Text = None
    account_number: Text = None
    debit: Amount = None
    credit: Amount = None
    cost: Amount = None
    item: Text = None
    sales_code: Text = None
    cost_of_goods_sold_account_number: Text = None
    invoice: InvoiceReference | None = None
    purchase_order: NamedReference | None = None
    line_item: NamedReference | None = None
    transfer: Text = None
    expense: ExpenseDetailReference | None = None
    adjustment_detail: NamedReference | None = None


# --------------------------------------------------------------------------------------------------------------
# GLExport (response of export, create batch, re-export)
# --------------------------------------------------------------------------------------------------------------


class GLExportCustomerTaxLevel(ManageModel):
    """One tax level of an exported customer (``taxRate`` is a percentage, e.g. 13)."""

    tax_rate: Amount = None
    tax_code_xref: Text = None
    agency_xref: Text = None
    tax_level: Int = None


class GLExportCustomer(ManageModel):
    """A customer as embedded in the export (master data for the Sage 300 AR customer)."""

    company: CompanyReference | None = None
    company_type: NamedReference | None = None
    contact: NamedReference | None = None
    site: NamedReference | None = None
    account_number: Text = None
    billing_terms: NamedReference | None = None
    billing_terms_xref: Text = None
    due_days: Int = None
    taxable: Bool = None
    tax_code: NamedReference | None = None
    currency: CurrencyReference | None = None
    state_tax_xref: Text = None
    county_tax_xref: Text = None
    city_tax_xref: Text = None
    country_tax_xref: Text = None
    composite_tax_xref: Text = None
    state_tax_rate: Amount = None
    county_tax_rate: Amount = None
    city_tax_rate: Amount = None
    country_tax_rate: Amount = None
    composite_tax_rate: Amount = None
    tax_group_rate: Amount = None
    tax_agency_xref: Text = None
    state_tax_agency_xref: Text = None
    county_tax_agency_xref: Text = None
    city_tax_agency_xref: Text = None
    country_tax_agency_xref: Text = None
    composite_tax_agency_xref: Text = None
    tax_levels: ListOf[GLExportCustomerTaxLevel] = Field(default_factory=list)


class GLExportVendor(ManageModel):
    """A vendor (company or member) as embedded in the export."""

    member: MemberReference | None = None
    vendor: CompanyReference | None = None
    vendor_number: Text = None
    company: CompanyReference | None = None
    contact: NamedReference | None = None
    account_number: Text = None
    billing_terms: NamedReference | None = None
    due_days: Int = None
    site: NamedReference | None = None
    tax_code: NamedReference | None = None


class GLExportTransactionTaxLevel(ManageModel):
    """Tax per level of an exported receivable transaction."""

    tax_amount: Amount = None
    taxable_amount: Amount = None
    tax_code_xref: Text = None
    tax_level: Int = None


class GLExportTransactionDetailTaxLevel(ManageModel):
    """Whether a detail line is taxable at a level."""

    taxable_flag: Bool = None
    tax_level: Int = None


class GLExportTransactionDetail(ManageModel):
    """A line of an exported receivable transaction; revenue and tax lines are credits (negative ``total``)."""

    id: Int = None
    document_date: ManageDateTime = None
    document_type: Text = None
    account_number: Text = None
    gl_class: Text = None
    gl_type_id: Text = None
    gl_item_id: Text = None
    invoice_summary_option: Text = None
    cost: Amount = None
    sales_code: Text = None
    memo: Text = None
    description: Text = None
    quantity: Amount = None
    total: Amount = None
    currency: CurrencyReference | None = None
    time_entry: NamedReference | None = None
    cost_account_number: Text = None
    inventory_account_number: Text = None
    product_account_number: Text = None
    tax_code: NamedReference | None = None
    tax_code_xref: Text = None
    tax_agency_xref: Text = None
    tax_note: Text = None
    tax_rate: Amount = None
    tax_rate_percent: Amount = None
    taxable_flag: Bool = None
    taxable2_flag: Bool = None
    taxable3_flag: Bool = None
    taxable4_flag: Bool = None
    taxable5_flag: Bool = None
    item: ItemReference | None = None
    product: ProductReference | None = None
    item_taxable_flag: Bool = None
    item_price: Amount = None
    item_cost: Amount = None
    item_description: Text = None
    sales_description: Text = None
    unit_of_measure: NamedReference | None = None
    sub_category: NamedReference | None = None
    serialized_flag: Bool = None
    serial_numbers: Text = None
    warehouse_site: NamedReference | None = None
    warehouse_bin: NamedReference | None = None
    shipment_method: NamedReference | None = None
    drop_shipped_flag: Bool = None
    item_type_xref: Text = None
    inventory_xref: Text = None
    cogs_xref: Text = None
    uom_schedule_xref: Text = None
    price_level_xref: Text = None
    location_xref: Text = None
    tax_levels: ListOf[GLExportTransactionDetailTaxLevel] = Field(default_factory=list)


_GL_ENTRY_ID = re.compile(r"^[0-9]+$")


class GLExportTransaction(ManageModel):
    """An exported receivable document (invoice, credit memo, down payment …): header ``total`` is the AR debit."""

    id: Int = None
    gl_class: Text = None
    gl_type_id: Text = None
    document_date: ManageDateTime = None
    document_number: Text = None
    document_type: Text = None
    memo: Text = None
    description: Text = None
    attention: Text = None
    sales_territory: Text = None
    company: CompanyReference | None = None
    company_type: NamedReference | None = None
    company_account_number: Text = None
    site: NamedReference | None = None
    billing_terms: NamedReference | None = None
    billing_terms_xref: Text = None
    due_days: Int = None
    due_date: ManageDateTime = None
    email_delivery_flag: Bool = None
    print_delivery_flag: Bool = None
    agreement_pre_payment_flag: Bool = None
    account_number: Text = None
    billing_type: InvoiceTypeField = None
    gl_entry_ids: Text = None
    purchase_order: NamedReference | None = None
    project: NamedReference | None = None
    currency: CurrencyReference | None = None
    total: Amount = None
    sales_rep_id: Text = None
    sales_rep_name: Text = None
    taxable: Bool = None
    taxable_total: Amount = None
    tax_code: NamedReference | None = None
    tax_group_rate: Amount = None
    piggy_back_flag: Bool = None
    tax_account_number: Text = None
    sales_tax: Amount = None
    state_tax: Amount = None
    county_tax: Amount = None
    city_tax: Amount = None
    taxable_amount1: Amount = None
    taxable_amount2: Amount = None
    taxable_amount3: Amount = None
    taxable_amount4: Amount = None
    taxable_amount5: Amount = None
    tax_agency_xref: Text = None
    state_tax_xref: Text = None
    county_tax_xref: Text = None
    tax_id: Text = None
    tax_dp_applied_flag: Bool = None
    use_avalara_flag: Bool = None
    send_avalara_tax_flag: Bool = None
    ship_to_company: CompanyReference | None = None
    ship_to_company_account_number: Text = None
    ship_to_company_type: NamedReference | None = None
    ship_to_tax_id: Text = None
    ship_site: NamedReference | None = None
    ship_contact: Text = None
    detail: ListOf[GLExportTransactionDetail] = Field(default_factory=list)
    tax_levels: ListOf[GLExportTransactionTaxLevel] = Field(default_factory=list)

    def gl_entry_id_list(self) -> list[int]:
        """The GL entry ids of ``glEntryIds`` (``"91001,91002"``) as ints, in order, without repeats.

        Blanks around ids and empty items (``"1,,2,"``) are tolerated; anything else is an error, because these
        ids are what marks the document posted in Manage and a guess would mark the wrong thing.

        Raises:
            SourceDataError: an item is not a whole positive number.
        """
        result: list[int] = []
        for raw in (self.gl_entry_ids or "").split(","):
            item = raw.strip()
            if not item:
                continue
            if not _GL_ENTRY_ID.match(item) or int(item) <= 0:
                raise SourceDataError(
                    f"{self.describe()}: glEntryIds {self.gl_entry_ids!r} holds {item!r}, which is not a GL entry id",
                    detail=f"glEntryIds={self.gl_entry_ids!r}",
                    source_ref=self.describe(),
                )
            value = int(item)
            if value not in result:
                result.append(value)
        return result

    def describe(self) -> str:
        """How to name this document to a user (``invoice 10234``)."""
        kind = (self.document_type or "document").strip().lower() or "document"
        if self.document_number:
            return f"{kind} {self.document_number}"
        return f"{kind} id {self.id}"


class GLExportExpenseOffset(ManageModel):
    """The offset (credit) side of an exported expense journal entry."""

    id: Int = None
    document_date: ManageDateTime = None
    document_type: Text = None
    account_number: Text = None
    gl_type_id: Text = None
    gl_class: Text = None
    member: MemberReference | None = None
    memo: Text = None
    description: Text = None
    total: Amount = None


class GLExportExpense(ManageModel):
    """An exported expense as a journal entry (when "Transfer Expenses as Bill" is off)."""

    id: Int = None
    document_date: ManageDateTime = None
    document_type: Text = None
    ap_account_number: Text = None
    ap_class: Text = None
    account_number: Text = None
    gl_class: Text = None
    gl_type_id: Text = None
    memo: Text = None
    description: Text = None
    period_start_date: ManageDateTime = None
    period_end_date: ManageDateTime = None
    member: MemberReference | None = None
    vendor_number: Text = None
    company: CompanyReference | None = None
    company_account_number: Text = None
    project: NamedReference | None = None
    currency: CurrencyReference | None = None
    total: Amount = None
    offset: GLExportExpenseOffset | None = None


class GLExportExpenseBillDetail(ManageModel):
    """A line of an exported expense bill; ``id`` is a list of GL entry ids."""

    id: IntList = Field(default_factory=list)
    document_date: ManageDateTime = None
    gl_type_id: Text = None
    memo: Text = None
    company: CompanyReference | None = None
    account_number: Text = None
    expense_class: NamedReference | None = None
    currency: CurrencyReference | None = None
    total: Amount = None
    billable: Bool = None
    reimbursable: Bool = None
    company_advance: Bool = None


class GLExportExpenseBill(ManageModel):
    """An exported expense bill (AP invoice to the member's vendor) when "Transfer Expenses as Bill" is on."""

    id: Int = None
    document_date: ManageDateTime = None
    document_type: Text = None
    document_number: Text = None
    memo: Text = None
    gl_class: Text = None
    ap_account_number: Text = None
    member: MemberReference | None = None
    vendor_number: Text = None
    currency: CurrencyReference | None = None
    total: Amount = None
    detail: ListOf[GLExportExpenseBillDetail] = Field(default_factory=list)


class GLExportPurchaseTransactionTaxLevel(ManageModel):
    """Tax level xref of an exported purchase."""

    tax_code_xref: Text = None
    tax_level: Int = None


class _PurchaseLine(ManageModel):
    id: Int = None
    document_date: ManageDateTime = None
    gl_class: Text = None
    gl_type_id: Text = None
    gl_item_id: Text = None
    sales_code: Text = None
    cost: Amount = None
    memo: Text = None
    tax_note: Text = None
    vendor_number: Text = None
    account_number: Text = None
    cost_account_number: Text = None
    inventory_account_number: Text = None
    vendor_account_number: Text = None
    item: ItemReference | None = None
    item_description: Text = None
    sales_description: Text = None
    item_price: Amount = None
    item_cost: Amount = None
    unit_of_measure: NamedReference | None = None
    quantity: Amount = None
    total: Amount = None
    currency: CurrencyReference | None = None
    serialized_flag: Bool = None
    serial_numbers: Text = None
    drop_shipped_flag: Bool = None
    line_number: Int = None
    warehouse_bin: NamedReference | None = None
    warehouse_site: NamedReference | None = None
    sub_category: NamedReference | None = None
    shipment_method: NamedReference | None = None
    item_type_xref: Text = None
    inventory_xref: Text = None
    cogs_xref: Text = None
    uom_schedule_xref: Text = None
    price_level_xref: Text = None
    location_xref: Text = None
    tax_code: NamedReference | None = None
    purchase_header_tax_group: Text = None
    tax_rate: Amount = None
    tax_agency_xref: Text = None


class GLExportPurchaseTransactionDetail(_PurchaseLine):
    """A line of an exported purchase (item receipt); lines are credits (negative ``total``/``quantity``)."""

    description: Text = None
    taxable: Bool = None
    tax_code_xref: Text = None


class GLExportPurchaseTransactionDetailTax(_PurchaseLine):
    """A tax line of an exported purchase."""

    taxable_flag: Bool = None
    tax_rate_percent: Amount = None


class GLExportPurchaseTransaction(ManageModel):
    """An exported purchase (item receipt → Sage AP invoice). ``id`` is descriptive text, not a key."""

    id: Text = None
    document_date: ManageDateTime = None
    document_number: Text = None
    description: Text = None
    memo: Text = None
    ap_account_number: Text = None
    purchase_date: ManageDateTime = None
    company: CompanyReference | None = None
    company_type: NamedReference | None = None
    contact: NamedReference | None = None
    site: NamedReference | None = None
    purchase_class: Text = None
    freight_amount: Amount = None
    freight_packing_slip: Text = None
    packing_slip: Text = None
    dropship_flag: Bool = None
    currency: CurrencyReference | None = None
    total: Amount = None
    billing_terms: NamedReference | None = None
    billing_terms_xref: Text = None
    due_days: Int = None
    vendor_number: Text = None
    vendor_account_number: Text = None
    vendor_invoice_date: ManageDateTime = None
    vendor_invoice_number: Text = None
    tax_agency_xref: Text = None
    state_tax_xref: Text = None
    county_tax_xref: Text = None
    city_tax_xref: Text = None
    ship_to_company: CompanyReference | None = None
    ship_to_company_account_number: Text = None
    ship_to_company_type: NamedReference | None = None
    ship_to_contact: NamedReference | None = None
    ship_to_site: NamedReference | None = None
    ship_to_tax_group: Text = None
    tax_code: NamedReference | None = None
    tax_group_rate: Amount = None
    use_avalara_tax_flag: Bool = None
    purchase_header_tax_group: Text = None
    purchase_header_taxable_flag: Bool = None
    purchase_header_freight_taxable_flag: Bool = None
    tax_levels: ListOf[GLExportPurchaseTransactionTaxLevel] = Field(default_factory=list)
    purchase_detail: ListOf[GLExportPurchaseTransactionDetail] = Field(default_factory=list)
    purchase_detail_tax: ListOf[GLExportPurchaseTransactionDetailTax] = Field(default_factory=list)


class GLExportAdjustmentTransactionDetail(ManageModel):
    """A line of an exported inventory adjustment."""

    gl_class: Text = None
    description: Text = None
    memo: Text = None
    item: ItemReference | None = None
    quantity: Amount = None
    total: Amount = None
    cost: Amount = None
    cost_account_number: Text = None
    inventory_account_number: Text = None
    account_number: Text = None
    product_account_number: Text = None


class GLExportAdjustmentTransaction(ManageModel):
    """An exported inventory adjustment (→ Sage IC adjustment or GL journal). Note ``glTypeID`` spelling."""

    id: Text = None
    document_type: Text = None
    document_date: ManageDateTime = None
    gl_type_id: Text = Field(default=None, alias="glTypeID")
    account_number: Text = None
    memo: Text = None
    gl_class: Text = None
    adjustment_description: Text = None
    adjustment_detail: ListOf[GLExportAdjustmentTransactionDetail] = Field(default_factory=list)


class GLExportInventoryTransferOffset(ManageModel):
    """The offset side of an exported inventory transfer."""

    id: Int = None
    document_type: Text = None
    document_date: ManageDateTime = None
    account_number: Text = None
    gl_class: Text = None
    total: Amount = None
    memo: Text = None
    description: Text = None
    gl_type_id: Text = None


class GLExportInventoryTransfer(ManageModel):
    """An exported inventory transfer (→ Sage IC transfer or GL journal)."""

    id: Text = None
    document_type: Text = None
    document_date: ManageDateTime = None
    account_number: Text = None
    gl_class: Text = None
    gl_type_id: Text = None
    description: Text = None
    sales_code: Text = None
    memo: Text = None
    cost_account_number: Text = None
    inventory_account_number: Text = None
    transfer_id: Int = None
    item: ItemReference | None = None
    gl_item_id: Text = None
    sales_description: Text = None
    item_description: Text = None
    currency: CurrencyReference | None = None
    item_price: Amount = None
    taxable: Bool = None
    unit_of_measure: NamedReference | None = None
    quantity: Amount = None
    cost: Amount = None
    total: Amount = None
    sub_category: NamedReference | None = None
    serialized_flag: Bool = None
    serial_numbers: Text = None
    bin: NamedReference | None = None
    warehouse: WarehouseReference | None = None
    transfer_from_bin: NamedReference | None = None
    transfer_from_location_xref: Text = None
    transfer_to_bin: NamedReference | None = None
    transfer_to_location_xref: Text = None
    location_xref: Text = None
    price_level_xref: Text = None
    uom_schedule_xref: Text = None
    item_type_xref: Text = None
    inventory_xref: Text = None
    cogs_xref: Text = None
    tax_note: Text = None
    offset: GLExportInventoryTransferOffset | None = None


def _unreadable_records(value: Any) -> tuple[UnreadableRecord, ...]:
    """Only :class:`UnreadableRecord` values made by ``parse_export`` (a payload cannot put anything there)."""
    items = tuple(value) if isinstance(value, list | tuple) else None
    if items is None or not all(isinstance(item, UnreadableRecord) for item in items):
        raise ValueError("unreadable records are made by cwsage, not read from Manage")
    return items


class GLExport(ManageModel):
    """The export payload (``POST /finance/accounting/export``, ``…/batches``, ``…/batches/{id}/export``).

    Read it with :func:`cwsage.connectwise.export.parse_export`: each record is read on its own, and a record that
    cannot be read is left out of its list and described in :attr:`unreadable` instead (``model_validate`` of the
    whole payload still refuses it as a whole).
    """

    export_settings: Info = Field(default_factory=dict)
    vendors: ListOf[GLExportVendor] = Field(default_factory=list)
    customers: ListOf[GLExportCustomer] = Field(default_factory=list)
    transactions: ListOf[GLExportTransaction] = Field(default_factory=list)
    expenses: ListOf[GLExportExpense] = Field(default_factory=list)
    expense_bills: ListOf[GLExportExpenseBill] = Field(default_factory=list)
    purchase_transactions: ListOf[GLExportPurchaseTransaction] = Field(default_factory=list)
    adjustment_transactions: ListOf[GLExportAdjustmentTransaction] = Field(default_factory=list)
    inventory_transfers: ListOf[GLExportInventoryTransfer] = Field(default_factory=list)
    unreadable: Annotated[tuple[UnreadableRecord, ...], PlainValidator(_unreadable_records)] = Field(
        default=(), exclude=True
    )
    """Records that could not be read (never sent by Manage under this name; filled by ``parse_export``)."""

    def is_empty(self) -> bool:
        """Whether the export holds no document at all (an unreadable document record counts as one)."""
        return not (
            any(record.kind.is_document for record in self.unreadable)
            or self.transactions
            or self.expenses
            or self.expense_bills
            or self.purchase_transactions
            or self.adjustment_transactions
            or self.inventory_transfers
        )


# --------------------------------------------------------------------------------------------------------------
# Invoices and payments
# --------------------------------------------------------------------------------------------------------------


class Invoice(_WithInfo):
    """``Invoice`` (``/finance/invoices``); ``payments``, ``credits`` and ``balance`` are computed by Manage."""

    id: Int = None
    invoice_number: Text = None
    type: InvoiceTypeField = None
    status: NamedReference | None = None
    company: CompanyReference | None = None
    bill_to_company: CompanyReference | None = None
    ship_to_company: CompanyReference | None = None
    account_number: Text = None
    apply_to_type: ApplyToTypeField = None
    apply_to_id: Int = None
    attention: Text = None
    billing_terms: NamedReference | None = None
    reference: Text = None
    customer_po: Text = Field(default=None, alias="customerPO")
    date: ManageDateTime = None
    due_date: ManageDateTime = None
    location_id: Int = None
    location: NamedReference | None = None
    department_id: Int = None
    department: NamedReference | None = None
    taxable_flag: Bool = None
    tax_code: NamedReference | None = None
    currency: CurrencyReference | None = None
    service_total: Amount = None
    expense_total: Amount = None
    product_total: Amount = None
    downpayment_applied: Amount = None
    remaining_downpayment: Amount = None
    subtotal: Amount = None
    total: Amount = None
    sales_tax: Amount = None
    payments: Amount = None
    credits: Amount = None
    balance: Amount = None
    internal_notes: Text = None
    closed_by: Text = None
    gl_batch: NamedReference | None = None
    unbatched_batch: NamedReference | None = None


class InvoicePayment(_WithInfo):
    """``InvoicePayment`` (``/finance/invoices/{id}/payments``)."""

    id: Int = None
    type: Text = None
    source: PaymentSourceField = None
    invoice: InvoiceReference | None = None
    credit: InvoiceReference | None = None
    amount: Amount = None
    balance: Amount = None
    invoice_balance: Amount = None
    invoice_total: Amount = None
    payment_date: ManageDateTime = None
    applied_by: Text = None
    wise_pay_payment: Annotated[dict[str, Any] | None, BeforeValidator(_blank_to_none)] = None
    payment_sync_status: PaymentSyncStatusField = None
    gl_batch_id: Text = Field(default=None, alias="glBatchID")
    payment_sync_date: ManageDateTime = None
    payment_account: Text = None
    ar_payment_account: Text = Field(default=None, alias="aRPaymentAccount")


# --------------------------------------------------------------------------------------------------------------
# Master data
# --------------------------------------------------------------------------------------------------------------


class Company(_WithInfo):
    """``Company`` (subset): ``account_number`` maps to the Sage customer, ``vendor_identifier`` to the vendor."""

    id: Int = None
    identifier: Text = None
    name: Text = None
    status: NamedReference | None = None
    account_number: Text = None
    vendor_identifier: Text = None
    tax_identifier: Text = None
    tax_code: NamedReference | None = None
    billing_terms: NamedReference | None = None
    currency: CurrencyReference | None = None
    is_vendor_flag: Bool = None
    types: ListOf[NamedReference] = Field(default_factory=list)
    address_line1: Text = None
    address_line2: Text = None
    city: Text = None
    state: Text = None
    zip: Text = None
    country: NamedReference | None = None
    phone_number: Text = None
    billing_site: NamedReference | None = None
    billing_contact: NamedReference | None = None
    invoice_to_email_address: Text = None
    deleted_flag: Bool = None


class Member(_WithInfo):
    """``Member`` (subset): ``vendor_number`` maps to the Sage vendor for reimbursable expenses."""

    id: Int = None
    identifier: Text = None
    first_name: Text = None
    last_name: Text = None
    license_class: Text = None
    employee_identifer: Text = None  # sic: Manage's spelling
    vendor_number: Text = None
    inactive_flag: Bool = None
    inactive_date: ManageDateTime = None
    default_location: NamedReference | None = None
    default_department: NamedReference | None = None
    office_email: Text = None

    @property
    def full_name(self) -> str:
        """``First Last`` (or the identifier when both are blank)."""
        return " ".join(p for p in (self.first_name, self.last_name) if p) or (self.identifier or "")


class GLAccount(_WithInfo):
    """``GLAccount``: the GL mapping row for a GL type and a mapped record."""

    id: Int = None
    gl_type: GLTypeField = None
    mapped_type: NamedReference | None = None
    mapped_record: NamedReference | None = None
    segment1: Text = None
    segment2: Text = None
    segment3: Text = None
    segment4: Text = None
    segment5: Text = None
    segment6: Text = None
    segment7: Text = None
    segment8: Text = None
    segment9: Text = None
    segment10: Text = None
    cogs1: Text = None
    cogs2: Text = None
    cogs3: Text = None
    cogs4: Text = None
    cogs5: Text = None
    cogs6: Text = None
    cogs7: Text = None
    cogs8: Text = None
    cogs9: Text = None
    cogs10: Text = None
    product_id: Text = None
    inventory: Text = None
    sales_code: Text = None

    def segments(self) -> list[str]:
        """``segment1..segment10`` in order, trailing empty segments dropped."""
        values = [
            self.segment1,
            self.segment2,
            self.segment3,
            self.segment4,
            self.segment5,
            self.segment6,
            self.segment7,
            self.segment8,
            self.segment9,
            self.segment10,
        ]
        result = [v or "" for v in values]
        while result and not result[-1]:
            result.pop()
        return result


class TaxCodeLevel(_WithInfo):
    """``TaxCodeLevel`` (``/finance/taxCodes/{id}/taxCodeLevels``); percent vs fraction of ``tax_rate`` is unsure."""

    id: Int = None
    tax_level: Int = None
    tax_rate: Amount = None
    rate_type: RateTypeField = None
    taxable_max: Amount = None
    caption: Text = None
    tax_code_xref: Text = None
    agency_xref: Text = None
    tax_services_flag: Bool = None
    tax_expenses_flag: Bool = None
    tax_products_flag: Bool = None
    single_unit_flag: Bool = None
    single_unit_minimum: Amount = None
    single_unit_maximum: Amount = None


class TaxCode(_WithInfo):
    """``TaxCode`` (subset): identity and the six levels' rate, type, caption and xrefs."""

    id: Int = None
    identifier: Text = None
    description: Text = None
    invoice_caption: Text = None
    effective_date: ManageDateTime = None
    cancel_date: ManageDateTime = None
    default_flag: Bool = None
    canada_calculate_gst_flag: Bool = Field(default=None, alias="canadaCalculateGSTFlag")
    level_one_rate: Amount = None
    level_one_rate_type: RateTypeField = None
    level_one_caption: Text = None
    level_one_tax_code_xref: Text = None
    level_one_agency_xref: Text = None
    level_two_rate: Amount = None
    level_two_rate_type: RateTypeField = None
    level_two_caption: Text = None
    level_two_tax_code_xref: Text = None
    level_two_agency_xref: Text = None
    level_three_rate: Amount = None
    level_three_rate_type: RateTypeField = None
    level_three_caption: Text = None
    level_three_tax_code_xref: Text = None
    level_three_agency_xref: Text = None
    level_four_rate: Amount = None
    level_four_rate_type: RateTypeField = None
    level_four_caption: Text = None
    level_four_tax_code_xref: Text = None
    level_four_agency_xref: Text = None
    level_five_rate: Amount = None
    level_five_rate_type: RateTypeField = None
    level_five_caption: Text = None
    level_five_tax_code_xref: Text = None
    level_five_agency_xref: Text = None
    level_six_rate: Amount = None
    level_six_rate_type: RateTypeField = None
    level_six_caption: Text = None
    level_six_tax_code_xref: Text = None
    level_six_agency_xref: Text = None


class Location(_WithInfo):
    """``Location`` (``/system/locations``)."""

    id: Int = None
    owner_level_id: Int = None
    structure_level: NamedReference | None = None
    name: Text = None
    payroll_xref: Text = None
    location_flag: Bool = None
    client_flag: Bool = None
    department_ids: IntList = Field(default_factory=list)


class Currency(_WithInfo):
    """``FinanceCurrency`` (``/finance/currencies``); ``currency_code`` is a reference whose name is the ISO code."""

    id: Int = None
    currency_identifier: Text = None
    name: Text = None
    symbol: Text = None
    display_id_flag: Bool = None
    display_symbol_flag: Bool = None
    currency_code: NamedReference | None = None
    thousands_separator: Text = None
    decimal_separator: Text = None
    negative_parentheses_flag: Bool = None
    right_align: Bool = None
    number_of_decimals: Int = None
    report_format: Text = None


class Warehouse(_WithInfo):
    """``Warehouse`` (``/procurement/warehouses``); ``location_xref`` maps to the Sage IC location."""

    id: Int = None
    name: Text = None
    company: CompanyReference | None = None
    location: NamedReference | None = None
    contact: NamedReference | None = None
    department: NamedReference | None = None
    manager: MemberReference | None = None
    site: NamedReference | None = None
    location_xref: Text = None
    location_default_flag: Bool = None
    overall_default_flag: Bool = None
    inactive_flag: Bool = None
    locked_flag: Bool = None
    currency: CurrencyReference | None = None


class BillingTerm(_WithInfo):
    """``BillingTerm`` (``/finance/billingTerms``); ``terms_xref`` maps to the Sage terms code."""

    id: Int = None
    name: Text = None
    default_flag: Bool = None
    due_days: Int = None
    terms_xref: Text = None


class AccountingPackageSetup(_WithInfo):
    """``AccountingPackageSetup``: the Accounting Interface options (first row of the setup table)."""

    id: Int = None
    accounting_package: NamedReference | None = None
    direct_transfer_flag: Bool = None
    include_invoices_flag: Bool = None
    invoice_format: SummarizeField = None
    include_expenses_flag: Bool = None
    transfer_expenses_as_bill_flag: Bool = None
    expense_format: ExpenseFormatField = None
    suppress_memo_flag: Bool = None
    sync_payment_info_flag: Bool = None
    sync_wise_pay_payment_info_flag: Bool = None
    include_sales_tax_flag: Bool = None
    enable_tax_groups_flag: Bool = None
    zero_dollar_tax_amounts_flag: Bool = None
    include_items_flag: Bool = None
    inventory_soh_flag: Bool = Field(default=None, alias="inventorySOHFlag")
    send_component_amount_flag: Bool = None
    send_uom_flag: Bool = None
    include_cogs_entries_flag: Bool = None
    include_cogs_drop_ship_flag: Bool = None


class GLCaption(_WithInfo):
    """``GLCaption`` (``/finance/glCaptions``): the type of each GL segment, ``Account`` or ``Class``."""

    id: Int = None
    segment1type: Text = None
    segment2type: Text = None
    segment3type: Text = None
    segment4type: Text = None
    segment5type: Text = None
    segment6type: Text = None
    segment7type: Text = None
    segment8type: Text = None
    segment9type: Text = None
    segment10type: Text = None

    def segment_type(self, number: int) -> str | None:
        """The type of segment ``number`` (1-10)."""
        value = getattr(self, f"segment{number}type")
        return None if value is None else str(value)


class SystemInfo(ManageModel):
    """``Info`` from ``GET /system/info`` (a cheap connectivity check)."""

    version: Text = None
    is_cloud: Bool = None
    server_time_zone: Text = None
    license_bits: ListOf[Any] = Field(default_factory=list)
    cloud_region: Text = None
    max_work_flow_records_allowed: Int = None


class CompanyInfo(BaseModel):
    """``GET /login/companyinfo/{company}`` (PascalCase keys): where the company's API lives."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    codebase: Text = Field(default=None, alias="Codebase")
    company_name: Text = Field(default=None, alias="CompanyName")
    company_id: Text = Field(default=None, alias="CompanyID")
    site_url: Text = Field(default=None, alias="SiteUrl")
    is_cloud: Bool = Field(default=None, alias="IsCloud")
    version_code: Text = Field(default=None, alias="VersionCode")


class MemberToken(ManageModel):
    """Impersonation keys from ``POST /system/members/{member}/tokens``."""

    public_key: Text = None
    private_key: Annotated[SecretStr | None, BeforeValidator(_text)] = None
    expiration: ManageDateTime = None


class Count(ManageModel):
    """``{count}`` from a ``/count`` endpoint."""

    count: Int = None


# --------------------------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------------------------


class _RequestModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    def to_payload(self) -> dict[str, Any]:
        """The JSON body: Manage's names, absent values left out."""
        result: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return result


def _aware(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("thru_date must be timezone-aware")
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


class ExportRequest(_RequestModel):
    """``ExportAccountingBatchRequest``: what ``POST /finance/accounting/export`` should build.

    A plain ``date`` given as ``thru_date`` means midnight UTC of that day. At least one of the three export
    flags must be true (Manage: "Batch export must include invoices, expenses, or products").
    """

    batch_identifier: Annotated[str | None, Field(max_length=50)] = None
    thru_date: Annotated[datetime | None, BeforeValidator(_aware)] = None
    location_id: int | None = None
    summarize_invoices: SummarizeInvoices | None = None
    export_invoices_flag: bool | None = None
    included_invoice_ids: list[int] | None = None
    excluded_invoice_ids: list[int] | None = None
    export_expenses_flag: bool | None = None
    included_expense_ids: list[int] | None = None
    excluded_expense_ids: list[int] | None = None
    export_products_flag: bool | None = None
    included_product_ids: list[str] | None = None
    excluded_product_ids: list[str] | None = None

    @field_serializer("thru_date")
    def _serialise_thru_date(self, value: datetime | None) -> str | None:
        return manage_datetime(value) if value is not None else None

    @model_validator(mode="after")
    def _something_to_export(self) -> ExportRequest:
        if not (self.export_invoices_flag or self.export_expenses_flag or self.export_products_flag):
            raise ValueError("an export must include invoices, expenses or products (set one export_*_flag)")
        return self


class CreateBatchRequest(_RequestModel):
    """``CreateAccountingBatchRequest``: mark the given GL entries batched under ``batch_identifier``."""

    batch_identifier: Annotated[str, Field(min_length=1, max_length=50)]
    export_invoices_flag: bool | None = None
    export_expenses_flag: bool | None = None
    export_products_flag: bool | None = None
    summarize_expenses: bool | None = None
    processed_record_ids: Annotated[list[int], Field(min_length=1)]

    @field_validator("batch_identifier")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("batch_identifier must not be blank")
        return value

    @model_validator(mode="after")
    def _something_to_batch(self) -> CreateBatchRequest:
        if not (self.export_invoices_flag or self.export_expenses_flag or self.export_products_flag):
            raise ValueError("a batch must export invoices, expenses or products (set one export_*_flag)")
        if any(i <= 0 for i in self.processed_record_ids):
            raise ValueError("processed_record_ids must be positive GL entry ids")
        return self


# --------------------------------------------------------------------------------------------------------------
# Parsing with readable errors
# --------------------------------------------------------------------------------------------------------------

_NAMING_KEYS = {
    "documentNumber": "document",
    "invoiceNumber": "invoice",
    "batchIdentifier": "batch",
    "identifier": "record",
}


def parse_model(model_cls: type[ModelT], data: Any, *, source_ref: str) -> ModelT:
    """Validate ``data`` (already parsed with :func:`cwsage.money.loads`) as ``model_cls``.

    Args:
        model_cls: The model to build.
        data: The JSON value.
        source_ref: How to name the record to a user, e.g. ``invoice 10234``.

    Returns:
        The model.

    Raises:
        SourceDataError: the data does not fit; the message names the record, the field path and the value
            (``invoice 10234: invoiceType 'Weird' is not one the program knows (expected one of …)``).
    """
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise source_data_error(exc, data, source_ref=source_ref) from exc


def source_data_error(exc: ValidationError, data: Any, *, source_ref: str) -> SourceDataError:
    """Turn a pydantic ``ValidationError`` into a :class:`SourceDataError` naming record, path and value."""
    errors = exc.errors()
    if not errors:  # pragma: no cover - pydantic always reports at least one
        return SourceDataError(f"{source_ref}: the record could not be read", source_ref=source_ref)
    problems = [_describe(error) for error in errors]
    inner = _inner_record(data, errors[0].get("loc", ()))
    where = f"{source_ref}, {inner}" if inner else source_ref
    count = len(problems)
    more = f" (and {count - 1} more problem{'s' if count > 2 else ''}: {'; '.join(problems[1:6])})" if count > 1 else ""
    technical = "; ".join(f"{format_loc(e.get('loc', ()))}: {e.get('type', '')}" for e in errors[:20])
    return SourceDataError(f"{where}: {problems[0]}{more}", detail=technical, source_ref=where)


def _describe(error: ErrorDetails) -> str:
    path = format_loc(error.get("loc", ()))
    value = _short(error.get("input"))
    kind = error.get("type", "")
    message = str(error.get("msg", ""))
    if kind == "enum":
        expected = str((error.get("ctx") or {}).get("expected", ""))
        return f"{path} {value} is not one the program knows (expected one of {expected})"
    if kind == "missing":
        return f"{path} is missing"
    if kind == "value_error":
        return f"{path} {value} cannot be read: {message.removeprefix('Value error, ')}"
    return f"{path} {value} has the wrong type or form: {message}"


def format_loc(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as Manage's field path, e.g. ``detail[2].total``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "the record"


def _inner_record(data: Any, loc: tuple[int | str, ...]) -> str | None:
    """Name the innermost nested record on ``loc`` that carries a document number or identifier."""
    found: str | None = None
    current = data
    for index, part in enumerate(loc):
        if index > 0 and isinstance(current, dict):
            for key, noun in _NAMING_KEYS.items():
                value = current.get(key)
                if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
                    found = f"{noun} {str(value).strip()}"
                    break
        if isinstance(current, dict) and isinstance(part, str):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            break
    return found


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
