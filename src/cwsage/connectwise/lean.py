"""Read export records fast, and only the fields cwsage uses.

Why a module of its own: an 8-line invoice of Manage's ``GLExport`` carries ~60 header and ~50 line fields, each
validated by a Python function in pydantic; reading them all was a third of a run's CPU (issue 14), although the
mapping reads about a quarter of them (an unposted invoice of the listing: 51 fields, 13 used). Here each export
and listing model gets a :class:`RecordReader` that

* reads only the fields in :data:`USED_FIELDS` (what :mod:`cwsage.mapping` and :mod:`cwsage.services.batch`
  read); the others keep their defaults, and a value Manage sends there is neither read nor refused;
* converts the plain values of a well-formed record itself (text, whole numbers within range, exact finite
  Decimals, dates, enumeration values spelled as Manage spells them, nested objects and lists), and builds the
  same frozen pydantic models as before without validating them again;
* hands any other value (an int where text belongs, a ``NaN``, a date it cannot parse, a lower-case enumeration
  value …) to pydantic: the record, cut down to the used fields, is validated by its model exactly as before, so
  it is read the same way or refused with the same field, value and reason.

The field readers are derived from each field's declared type (:mod:`cwsage.connectwise.models`); a field whose
type has no reader here stops the import, so a new type cannot be read wrongly by accident.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Final, Generic, TypeVar

from pydantic import AfterValidator, BeforeValidator
from pydantic.fields import FieldInfo

from cwsage import money
from cwsage.connectwise import models as cw
from cwsage.dates import parse_datetime

M = TypeVar("M", bound=cw.ManageModel)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


USED_FIELDS: Final[Mapping[type[cw.ManageModel], frozenset[str]]] = {
    cw.GLExportTransaction: _names(
        "account_number billing_terms_xref billing_type company company_account_number currency detail "
        "document_date document_number document_type due_date gl_entry_ids id memo purchase_order tax_levels "
        "taxable_total total"
    ),
    cw.GLExportTransactionDetail: _names(
        "account_number description gl_item_id gl_type_id id item item_description memo quantity tax_agency_xref "
        "tax_code_xref tax_levels total"
    ),
    cw.GLExportTransactionDetailTaxLevel: frozenset({"tax_level", "taxable_flag"}),
    cw.GLExportTransactionTaxLevel: frozenset({"tax_code_xref", "tax_level", "taxable_amount"}),
    cw.GLExportCustomer: frozenset({"account_number", "billing_terms_xref", "currency", "tax_levels"}),
    cw.GLExportCustomerTaxLevel: frozenset({"agency_xref", "tax_code_xref", "tax_level"}),
    cw.GLExportVendor: frozenset({"account_number", "company", "member", "vendor", "vendor_number"}),
    cw.GLExportExpense: _names(
        "account_number ap_account_number company company_account_number currency description document_date "
        "document_type gl_type_id id member memo offset total vendor_number"
    ),
    cw.GLExportExpenseOffset: _names(
        "account_number description document_date document_type gl_type_id id member memo total"
    ),
    cw.GLExportExpenseBill: _names(
        "ap_account_number currency detail document_date document_number document_type id member memo total "
        "vendor_number"
    ),
    cw.GLExportExpenseBillDetail: _names("account_number company currency document_date gl_type_id id memo total"),
    cw.GLExportPurchaseTransaction: _names(
        "ap_account_number billing_terms_xref company currency description document_date document_number id memo "
        "purchase_date purchase_detail purchase_detail_tax purchase_header_tax_group tax_agency_xref tax_levels "
        "total vendor_account_number vendor_invoice_date vendor_invoice_number vendor_number"
    ),
    cw.GLExportPurchaseTransactionDetail: _names(
        "account_number cost cost_account_number currency description document_date gl_item_id gl_type_id id "
        "inventory_account_number item item_description location_xref memo purchase_header_tax_group quantity "
        "tax_agency_xref tax_code_xref taxable total vendor_account_number vendor_number"
    ),
    cw.GLExportPurchaseTransactionDetailTax: _names(
        "account_number cost cost_account_number currency document_date gl_item_id gl_type_id id "
        "inventory_account_number item item_description location_xref memo purchase_header_tax_group quantity "
        "tax_agency_xref taxable_flag total vendor_account_number vendor_number"
    ),
    cw.GLExportPurchaseTransactionTaxLevel: frozenset({"tax_code_xref", "tax_level"}),
    cw.GLExportAdjustmentTransaction: _names(
        "account_number adjustment_description adjustment_detail document_date document_type gl_type_id id memo"
    ),
    cw.GLExportAdjustmentTransactionDetail: _names(
        "account_number cost cost_account_number description inventory_account_number item memo quantity total"
    ),
    cw.GLExportInventoryTransfer: _names(
        "account_number cost cost_account_number currency description document_date document_type gl_item_id "
        "gl_type_id id inventory_account_number item item_description location_xref memo offset quantity taxable "
        "total transfer_from_location_xref transfer_id transfer_to_location_xref"
    ),
    cw.GLExportInventoryTransferOffset: _names(
        "account_number description document_date document_type gl_type_id id memo total"
    ),
    cw.UnpostedInvoice: _names(
        "account_number company currency description due_date id invoice_date invoice_number invoice_type location "
        "location_id total"
    ),
    cw.UnpostedExpense: _names(
        "account_number charge_description company currency date_expense expense_type id location_id member total"
    ),
    cw.UnpostedProcurement: _names(
        "currency customer description id location_id procurement_type purchase_date purchase_order total "
        "unposted_product_id vendor vendor_account_number vendor_invoice_date vendor_invoice_number"
    ),
    cw.CompanyReference: frozenset({"id", "identifier", "name"}),
    cw.CurrencyReference: frozenset({"currency_code", "currency_identifier", "id", "name"}),
    cw.NamedReference: frozenset({"id", "identifier", "name"}),
    cw.MemberReference: frozenset({"id", "identifier", "name"}),
    cw.ItemReference: frozenset({"id", "identifier"}),
}
"""The fields cwsage reads from each model of an export (the mapping, the adjustment locations, the batch) and of
the unposted-record listings (selection, ``cwsage list``, the web pages).

A field read anywhere from such a record must be listed here: one that is not keeps its default (``None``,
``[]``). ``tests/unit/test_export_lean.py`` translates the emulator's exports read both ways and compares."""


class _Slow(Exception):
    """A value this module does not convert itself: the record is read by pydantic instead."""


Reader = Callable[[Any], Any]

_ABSENT: Final = object()
_MAX_INTEGER: Final = cw.MAX_INTEGER
_MAX_AMOUNT: Final = 10 ** (cw.MAX_NUMBER_EXPONENT + 1)
_PLAIN_AMOUNT_CHARS: Final = 30
"""A finite Decimal whose text has no exponent and at most this many characters has fewer than 28 decimals."""
_DATE_CACHE_SIZE: Final = 4096


def _text(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise _Slow


def _integer(value: Any) -> int | None:
    if type(value) is int and -_MAX_INTEGER < value < _MAX_INTEGER:
        return value
    if value is None:
        return None
    raise _Slow


def _boolean(value: Any) -> bool | None:
    if value is None or type(value) is bool:
        return value
    raise _Slow


def _amount(value: Any) -> Decimal | None:
    kind = type(value)
    if kind is Decimal:
        if value.is_finite() and value.adjusted() <= cw.MAX_NUMBER_EXPONENT:
            text = str(value)
            if len(text) <= _PLAIN_AMOUNT_CHARS and "E" not in text:
                return typing.cast(Decimal, value)
        raise _Slow
    if kind is int and -_MAX_AMOUNT < value < _MAX_AMOUNT:
        return money.D(value)
    if value is None:
        return None
    raise _Slow


_dates: dict[str, datetime | None] = {}


def _moment(value: Any) -> datetime | None:
    if type(value) is str:
        try:
            return _dates[value]
        except KeyError:
            pass
        try:
            moment = parse_datetime(value) if value.strip() else None
        except ValueError:
            raise _Slow from None
        if len(_dates) >= _DATE_CACHE_SIZE:
            _dates.clear()
        _dates[value] = moment
        return moment
    if value is None:
        return None
    raise _Slow


def _enum(members: Mapping[str, Enum]) -> Reader:
    def read(value: Any) -> Enum | None:
        if value is None:
            return None
        if type(value) is str:
            member = members.get(value)
            if member is not None:
                return member
        raise _Slow

    return read


def _int_list(value: Any) -> list[int]:
    if value is None:
        return []
    if type(value) is list and all(type(item) is int and -_MAX_INTEGER < item < _MAX_INTEGER for item in value):
        return list(value)
    raise _Slow


class RecordReader(Generic[M]):
    """Reads the records of one export model: the used fields only, without pydantic when the values are plain.

    Args:
        model: The model to build.
        used: The fields to read (their JSON names come from the model's aliases).
    """

    def __init__(self, model: type[M], used: frozenset[str]) -> None:
        fields = model.model_fields
        unknown = used - set(fields)
        if unknown:
            raise TypeError(f"{model.__name__} has no field {sorted(unknown)}")
        self.model = model
        self._fields: list[tuple[str, str, Reader]] = []
        self._nested: dict[str, RecordReader[Any]] = {}
        self._by_name: list[str] = []
        self._spellings: list[tuple[str, tuple[str, ...]]] = []
        for name in sorted(used):
            info = fields[name]
            key = info.alias or name
            self._fields.append((key, name, self._reader(model, name, info)))
            if key != name:
                self._by_name.append(name)
            self._spellings.append((name, (key, name) if key != name else (key,)))

    def read(self, row: dict[str, Any]) -> M:
        """The model of ``row`` (an object of the export), read fast.

        Raises:
            _Slow: a value is not plain: read the record with :meth:`validate` instead.
        """
        values: dict[str, Any] = {}
        for key, name, read in self._fields:
            value = row.get(key, _ABSENT)
            if value is _ABSENT:
                continue
            values[name] = read(value)
        for name in self._by_name:
            if name in row:  # pydantic would read a field under its own name too (populate_by_name)
                raise _Slow
        return self._build(values)

    def validate(self, row: Any) -> M:
        """The model of ``row`` validated by pydantic, from the used fields only (raises ``ValidationError``)."""
        return self.model.model_validate(self.used_part(row))

    def used_part(self, row: Any) -> Any:
        """``row`` with only the used fields, at every depth; anything that is not an object is left as it is."""
        if not isinstance(row, dict):
            return row
        part: dict[str, Any] = {}
        for name, spellings in self._spellings:
            for spelled in spellings:
                if spelled in row:
                    value = row[spelled]
                    nested = self._nested.get(name)
                    if nested is not None:
                        if isinstance(value, list):
                            value = [nested.used_part(item) for item in value]
                        else:
                            value = nested.used_part(value)
                    part[spelled] = value
        return part

    def _build(self, values: dict[str, Any]) -> M:
        """The model holding only ``values``; every other field reads as its default (``ManageModel.__getattr__``).

        ``model_construct`` looks every field up by alias and name (~30 µs for a 50-field line) and stores every
        default; the values here are already of the field types, and an 8-line invoice's ~400 defaults were most of
        its memory (a rerun holds the whole batch's export). Every field reads as ``model_validate`` would make it
        (tested).
        """
        model = self.model
        instance = model.__new__(model)
        object.__setattr__(instance, "__dict__", values)
        object.__setattr__(instance, "__pydantic_fields_set__", set(values))
        object.__setattr__(instance, "__pydantic_extra__", None)
        object.__setattr__(instance, "__pydantic_private__", None)
        return instance

    def _reader(self, model: type[cw.ManageModel], name: str, info: FieldInfo) -> Reader:
        """The reader of one field, from its declared type; ``TypeError`` for a type without one."""
        validators = [m.func for m in info.metadata if isinstance(m, BeforeValidator | AfterValidator)]
        scalar = _SCALARS.get(tuple(validators))
        if scalar is not None:
            return scalar
        inner = _without_none(info.annotation)
        if validators == [_BLANK_TO_NONE] and isinstance(inner, type) and issubclass(inner, Enum):
            return _enum({member.value: member for member in inner})
        if not validators and isinstance(inner, type) and issubclass(inner, cw.ManageModel):
            nested = self._nested[name] = reader_of(inner)
            return nested._object
        if validators == [_NONE_TO_EMPTY_LIST] and typing.get_origin(inner) is list:
            (item,) = typing.get_args(inner)
            if isinstance(item, type) and issubclass(item, cw.ManageModel):
                nested = self._nested[name] = reader_of(item)
                return nested._objects
        raise TypeError(f"{model.__name__}.{name}: no lean reader for {info.annotation} with {validators}")

    def _object(self, value: Any) -> M | None:
        if type(value) is dict:
            return self.read(value)
        if value is None:
            return None
        raise _Slow

    def _objects(self, value: Any) -> list[M]:
        if type(value) is list:
            read = self.read
            return [read(item) if type(item) is dict else _slow() for item in value]
        if value is None:
            return []
        raise _Slow


def _slow() -> typing.NoReturn:
    raise _Slow


def _validator_of(alias: Any) -> Callable[..., Any]:
    """The function of the first validator of an ``Annotated`` field type of :mod:`cwsage.connectwise.models`."""
    marker = typing.get_args(alias)[1]
    return typing.cast("Callable[..., Any]", marker.func)


def _without_none(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, UnionType) and NoneType in args:
        rest = [arg for arg in args if arg is not NoneType]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


_BLANK_TO_NONE: Final = _validator_of(cw.InvoiceTypeField)
_NONE_TO_EMPTY_LIST: Final = _validator_of(cw.ListOf)
_SCALARS: Final[dict[tuple[Callable[..., Any], ...], Reader]] = {
    (_validator_of(cw.Text),): _text,
    (_validator_of(cw.Int),): _integer,
    (_validator_of(cw.Bool),): _boolean,
    (_validator_of(cw.Amount),): _amount,
    (_validator_of(cw.ManageDateTime),): _moment,
    tuple(m.func for m in typing.get_args(cw.IntList)[1:]): _int_list,
}

_readers: dict[type[cw.ManageModel], RecordReader[Any]] = {}


def reader_of(model: type[M]) -> RecordReader[M]:
    """The (shared) reader of ``model``, reading the fields :data:`USED_FIELDS` lists for it (none if absent)."""
    found = _readers.get(model)
    if found is None:
        found = _readers[model] = RecordReader(model, USED_FIELDS.get(model, frozenset()))
    return typing.cast("RecordReader[M]", found)


def is_lean(model: type[cw.ManageModel]) -> bool:
    """Whether records of ``model`` are read lean (:data:`USED_FIELDS` lists the model)."""
    return model in USED_FIELDS


def read_record(model: type[M], row: dict[str, Any]) -> M:
    """Read one export record or listing row of ``model`` (the used fields only).

    Raises:
        pydantic.ValidationError: a used field cannot be read (the same error pydantic gives for the whole model).
    """
    reader = reader_of(model)
    try:
        return reader.read(row)
    except _Slow:
        return reader.validate(row)
