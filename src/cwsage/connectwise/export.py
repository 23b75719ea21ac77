"""Read Manage's ``GLExport`` one record at a time, so that one malformed record never stops the others.

Why a module of its own: pydantic validates a payload as a whole — one ``NaN`` total, one text where an object
belongs, one bad date in one record of 176, and the whole export is refused (issue 13, finding 4). Here the
export's eight record lists are validated record by record against the same models as before
(:mod:`cwsage.connectwise.models`, unchanged in strictness); a record that does not fit becomes a typed
:class:`cwsage.connectwise.records.UnreadableRecord` naming the field, the value and what the field must hold, and
is carried in :attr:`GLExport.unreadable`. The mapping makes an invalid document of it, exactly like a record
whose customer is missing in Sage: the batch fails before posting by default, ``--skip-invalid`` posts the rest.

Numbers are read by :func:`loads`, which keeps ``NaN``/``Infinity`` and absurdly long integers as values the
models refuse *per field* (``json.loads`` would make a float of the first and raise on the whole payload for
the second).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from cwsage import money
from cwsage.connectwise.lean import read_record
from cwsage.connectwise.models import (
    GLExport,
    GLExportAdjustmentTransaction,
    GLExportCustomer,
    GLExportExpense,
    GLExportExpenseBill,
    GLExportInventoryTransfer,
    GLExportPurchaseTransaction,
    GLExportTransaction,
    GLExportVendor,
    ManageModel,
    format_loc,
)
from cwsage.connectwise.records import FieldProblem, RecordIdentity, RecordKind, UnreadableRecord
from cwsage.dates import parse_datetime
from cwsage.errors import SourceDataError

RECORD_MODELS: dict[RecordKind, type[ManageModel]] = {
    RecordKind.CUSTOMER: GLExportCustomer,
    RecordKind.VENDOR: GLExportVendor,
    RecordKind.INVOICE: GLExportTransaction,
    RecordKind.EXPENSE: GLExportExpense,
    RecordKind.EXPENSE_BILL: GLExportExpenseBill,
    RecordKind.PURCHASE: GLExportPurchaseTransaction,
    RecordKind.ADJUSTMENT: GLExportAdjustmentTransaction,
    RecordKind.TRANSFER: GLExportInventoryTransfer,
}
"""The model each record list is read with."""

_FIELD_OF_KIND = {
    RecordKind.CUSTOMER: "customers",
    RecordKind.VENDOR: "vendors",
    RecordKind.INVOICE: "transactions",
    RecordKind.EXPENSE: "expenses",
    RecordKind.EXPENSE_BILL: "expense_bills",
    RecordKind.PURCHASE: "purchase_transactions",
    RecordKind.ADJUSTMENT: "adjustment_transactions",
    RecordKind.TRANSFER: "inventory_transfers",
}
_MAX_PROBLEMS = 10


def loads(content: str | bytes) -> Any:
    """Parse a Manage response: decimals and ``NaN``/``Infinity`` as :class:`~decimal.Decimal`, never ``float``.

    ``NaN`` and ``Infinity`` (which .NET can write) become non-finite Decimals that every amount field refuses
    with the field's name, instead of floats; a very long integer becomes a Decimal the models refuse as too large,
    instead of an error that would make the whole response unreadable.
    """
    return money.loads(content, lenient=True)


def parse_export(data: Any, *, source_ref: str) -> GLExport:
    """Read a ``GLExport`` payload record by record.

    Args:
        data: The JSON value (parsed with :func:`loads`).
        source_ref: How to name the export to a user, e.g. ``export 20261125JD-I``.

    Returns:
        The export with every record that could be read, and :attr:`GLExport.unreadable` for the others. Never
        raises for a malformed record.

    Raises:
        SourceDataError: the payload as a whole is not an object (then no record can be told from another).
    """
    if not isinstance(data, dict):
        raise SourceDataError(
            f"{source_ref}: ConnectWise Manage answered with {type(data).__name__} where the export object was "
            "expected",
            hint="Check that the site points at ConnectWise Manage; run again with --verbose for the log.",
        )
    settings = data.get("exportSettings")
    return _read_lists(data.get, settings if isinstance(settings, dict) else {})


_EXPORT_SHAPE = msgspec.json.Decoder(
    msgspec.defstruct(
        "ExportShape",
        [(kind.value, list[msgspec.Raw] | None, None) for kind in RecordKind]
        + [("exportSettings", msgspec.Raw, msgspec.Raw(b"{}"))],
    )
)
"""The export's record lists, each record kept as its undecoded JSON text (the other keys are skipped)."""


def parse_export_parts(content: bytes | bytearray, *, source_ref: str, invoices: int) -> Iterator[GLExport] | None:
    """Read a ``GLExport`` answer in parts of ``invoices`` invoices, each part's records decoded only when it is read.

    The parts are what a run's export parts are: invoices ``invoices`` at a time with every customer record (an
    invoice's tax levels come from its customer's), and the other lists (vendors, expenses, bills, procurement)
    with the last part. Together they hold the records, problems and positions :func:`parse_export_text` reads,
    in the same order. For an answer a caller cannot ask for in parts (a batch's re-export): the text stays, but
    only one part's records are ever held as models.

    Returns:
        The parts, or ``None`` when the text is not an export's shape (see :func:`parse_export_text`).
    """
    try:
        shape = _EXPORT_SHAPE.decode(content)
    except msgspec.DecodeError:
        return None
    return _parts_of(shape, invoices)


def _parts_of(shape: Any, invoices: int) -> Iterator[GLExport]:
    settings = loads(bytes(getattr(shape, "exportSettings")))  # noqa: B009 - a field made at run time
    settings = settings if isinstance(settings, dict) else {}
    transactions = getattr(shape, RecordKind.INVOICE.value) or []
    starts = range(0, max(len(transactions), 1), invoices)
    for start in starts:
        last = start == starts[-1]

        def list_named(name: str, start: int = start, last: bool = last) -> Any:
            if name == RecordKind.INVOICE.value:
                return transactions[start : start + invoices]
            if name == RecordKind.CUSTOMER.value or last:
                return getattr(shape, name)
            return None

        yield _read_lists(list_named, settings, first_invoice=start)


def parse_export_text(content: bytes, *, source_ref: str) -> GLExport | None:
    """Read a ``GLExport`` answer record by record from its text, decoding one record at a time.

    The same records, problems and order as :func:`parse_export` on the decoded text, but without ever holding the
    whole answer decoded: at 10,000 invoices Manage's answer is ~140 MB of JSON, several times that as Python
    objects, of which each record is needed only until it is read into its model.

    Returns:
        The export, or ``None`` when the text is not an export object with lists of JSON values (malformed JSON,
        a ``NaN`` anywhere, a list that is not a list): read it whole with :func:`loads` and :func:`parse_export`
        then, which says what is wrong or reads it the lenient way.
    """
    whole = parse_export_parts(content, source_ref=source_ref, invoices=sys.maxsize)
    return None if whole is None else next(whole)


def _read_lists(list_named: Callable[[str], Any], settings: dict[str, Any], *, first_invoice: int = 0) -> GLExport:
    """The export from each record list (``list_named(kind.value)``): records, or their JSON text.

    ``first_invoice`` is the position of the first invoice given in the whole list (a part of it is read).
    """
    lists: dict[str, list[ManageModel]] = {}
    unreadable: list[UnreadableRecord] = []
    for kind, model in RECORD_MODELS.items():
        parsed: list[ManageModel] = []
        raw = list_named(kind.value)
        if raw is None:
            rows: list[Any] = []
        elif isinstance(raw, list):
            rows = raw
        else:
            rows = []
            problem = FieldProblem(kind.value, _short(raw), "a list of records", f"got {_type_name(raw)}")
            unreadable.append(UnreadableRecord(kind, -1, RecordIdentity(), (problem,)))
        for position, row in enumerate(rows, start=first_invoice if kind is RecordKind.INVOICE else 0):
            record = _read_record(kind, model, position, loads(bytes(row)) if type(row) is msgspec.Raw else row)
            if isinstance(record, UnreadableRecord):
                unreadable.append(record)
            else:
                parsed.append(record)
        lists[_FIELD_OF_KIND[kind]] = parsed
    return GLExport.model_validate({"export_settings": settings, **lists, "unreadable": tuple(unreadable)})


def _read_record(kind: RecordKind, model: type[ManageModel], position: int, row: Any) -> ManageModel | UnreadableRecord:
    if not isinstance(row, dict):
        problem = FieldProblem("", _short(row), "an object (a record)", f"got {_type_name(row)}")
        return UnreadableRecord(kind, position, RecordIdentity(), (problem,))
    try:
        return read_record(model, row)
    except ValidationError as exc:
        problems = tuple(_problem(error) for error in exc.errors()[:_MAX_PROBLEMS])
        return UnreadableRecord(kind, position, identity_of(row), problems)


def identity_of(row: dict[str, Any]) -> RecordIdentity:
    """The identifying fields of a raw record that can still be read as text (others left ``""``)."""
    member = row.get("member")
    company = row.get("company") if isinstance(row.get("company"), dict) else row.get("vendor")
    return RecordIdentity(
        record_id=_text(row.get("id")),
        document_number=_text(row.get("documentNumber")),
        billing_type=_text(row.get("billingType")),
        account_number=_text(row.get("companyAccountNumber")) or _text(row.get("accountNumber")),
        vendor_number=_text(row.get("vendorAccountNumber")) or _text(row.get("vendorNumber")),
        vendor_invoice_number=_text(row.get("vendorInvoiceNumber")),
        transfer_id=_whole(row.get("transferId")),
        member=_text(member.get("identifier")) if isinstance(member, dict) else "",
        company=_text(company.get("name")) if isinstance(company, dict) else "",
        document_date=_day(row.get("documentDate")),
    )


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_datetime(value).date()
    except ValueError:
        return None


def _whole(value: Any) -> str:
    """A whole-number key (``transferId``) as text, only if it reads as the model reads it."""
    text = _text(value)
    return text if text.isascii() and text.isdigit() else ""


def _text(value: Any) -> str:
    """A short identifying value as text: text and whole numbers only (never a float, bool or structure)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int) and abs(value) < 10**18:
        return str(value)
    if isinstance(value, str):
        return value.strip()[:80]
    return ""


def _problem(error: ErrorDetails) -> FieldProblem:
    loc = error.get("loc", ())
    field = format_loc(loc) if loc else ""
    value = _short(error.get("input"))
    kind = error.get("type", "")
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "enum":
        expected = "one of " + str((error.get("ctx") or {}).get("expected", "the values Manage defines"))
    elif kind in {"model_type", "model_attributes_type", "dict_type", "dataclass_type"}:
        expected = "an object"
    elif kind in {"list_type", "tuple_type", "iterable_type"}:
        expected = "a list"
    elif message.startswith("expected "):
        expected = message.removeprefix("expected ").split(",")[0]
    elif "date" in message.lower():
        expected = "a date"
    else:
        expected = "a value of the right kind"
    return FieldProblem(field, value, expected, message)


def _type_name(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a number", Decimal: "a number", list: "a list", dict: "an object"}
    return "nothing (null)" if value is None else names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        text = f"a {len(str(abs(value)))}-digit number" if abs(value) < 10**4000 else "a number too long to show"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
