"""IC adjustments and transfers (PL, I16): documents with a sequence number, no batch.

Why: Manage's procurement adjustments and warehouse transfers become IC documents when the company has
Inventory Control. Each is found again by its ``Reference`` (I16; filterable, indexed), and the answer to
its POST carries the assigned ``SequenceNumber`` and ``AdjustmentNumber`` / ``TransferNumber``. Items are
named by their formatted ``ItemNumber`` (PL), and must be active stock items; locations must exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cwsage.sandbox.sage300.company import Company, day_of, iso
from cwsage.sandbox.sage300.errors import SageError, invalid
from cwsage.sandbox.sage300.store import Row

ZERO = Decimal(0)
_QUANTITY_KINDS = ("QuantityIncrease", "QuantityDecrease", "BothIncrease", "BothDecrease")
_COST_KINDS = ("CostIncrease", "CostDecrease", "BothIncrease", "BothDecrease")


def _item(company: Company, number: str) -> Row:
    found = company.find("IC/ICItems", "ItemNumber", number) or [
        row for row in [company.get("IC/ICItems", number)] if row is not None
    ]
    if not found:
        raise invalid(f"Item number {number} does not exist.")
    item = found[0]
    if item.get("Inactive"):
        raise invalid(f"Item number {number} is inactive.")
    if item.get("StockItem") is False:
        raise invalid(f"Item number {number} is not a stock item.")
    return item


def _location(company: Company, code: str, label: str) -> str:
    row = company.get("IC/ICLocations", code)
    if row is None:
        raise invalid(f"Location {code} does not exist ({label}).")
    if row.get("Inactive"):
        raise invalid(f"Location {code} is inactive ({label}).")
    return code


def _header(company: Company, body: Row, date_field: str) -> tuple[str, str, str]:
    when = day_of(body.get(date_field)) or datetime.now(UTC).date()
    year, period = company.fiscal_period(when, date_field)
    return iso(when), year, period


def _lines(body: Row, field: str, check: object) -> list[Row]:
    lines = body.get(field) or []
    if not lines:
        raise invalid(f"The document needs at least one line in {field}.")
    return list(lines)


def create_adjustment(company: Company, body: Row) -> Row:
    """POST ``IC/ICAdjustments`` (201, ``RecordStatus`` ``Entered``)."""
    when, year, period = _header(company, body, "AdjustmentDate")
    details: list[Row] = []
    for index, raw in enumerate(_lines(body, "AdjustmentDetails", None), start=1):
        try:
            item = _item(company, raw.get("ItemNumber") or "")
            location = _location(company, raw.get("Location") or "", "Location")
            kind = raw.get("TransactionType")
            if kind is None:
                raise invalid("TransactionType is required.")
            quantity: Decimal = raw.get("Quantity") or ZERO
            cost: Decimal = raw.get("CostAdjustment") or ZERO
            if kind in _QUANTITY_KINDS and quantity <= 0:
                raise invalid(f"Quantity must be greater than zero for item {item['ItemNumber']}.")
            if kind in _COST_KINDS and cost <= 0:
                raise invalid(f"CostAdjustment must be greater than zero for a {kind} of item {item['ItemNumber']}.")
        except SageError as error:
            raise SageError(error.code, f"Line {index}: {error.message}") from error
        line = {k: v for k, v in raw.items() if k != "UpdateOperation"}
        line.update(
            {
                "LineNumber": raw.get("LineNumber") or index,
                "ItemNumber": item["ItemNumber"],
                "Location": location,
                "Quantity": quantity,
                "CostAdjustment": cost,
                "UnitOfMeasure": raw.get("UnitOfMeasure") or item.get("StockingUnitOfMeasure") or "",
            }
        )
        details.append(line)
    sequence = company.store.next_number("IC/ICAdjustments")
    row: Row = {k: v for k, v in body.items() if k != "AdjustmentDetails"}
    row.update(
        {
            "SequenceNumber": sequence,
            "AdjustmentNumber": f"AD{sequence:08d}",
            "AdjustmentDate": when,
            "FiscalYear": year,
            "FiscalPeriod": period,
            "RecordStatus": "Entered",
            "Reference": body.get("Reference") or "",
            "Description": body.get("Description") or "",
            "AdjustmentDetails": [{**d, "SequenceNumber": sequence} for d in details],
        }
    )
    company.store.put("IC/ICAdjustments", row)
    return row


def create_transfer(company: Company, body: Row) -> Row:
    """POST ``IC/ICTransfers`` (201, ``RecordStatus`` ``Entered``; I16: ``DocumentType`` ``Transfer`` by default)."""
    when, year, period = _header(company, body, "DocumentDate")
    document_type = body.get("DocumentType") or "Transfer"
    if document_type == "TransitReceipt":
        raise invalid("A transit receipt receives an existing transit transfer; enter a Transfer instead.")
    details: list[Row] = []
    for index, raw in enumerate(_lines(body, "TransferDetails", None), start=1):
        try:
            item = _item(company, raw.get("ItemNumber") or "")
            source = _location(company, raw.get("FromLocation") or "", "FromLocation")
            target = _location(company, raw.get("ToLocation") or "", "ToLocation")
            if source == target:
                raise invalid(f"From and to locations must differ (item {item['ItemNumber']}).")
            if document_type == "TransitTransfer":
                _location(company, raw.get("GoodsInTransitLocation") or "", "GoodsInTransitLocation")
            quantity: Decimal = raw.get("QuantityTransferred") or ZERO
            if quantity <= 0:
                raise invalid(f"QuantityTransferred must be greater than zero for item {item['ItemNumber']}.")
        except SageError as error:
            raise SageError(error.code, f"Line {index}: {error.message}") from error
        line = {k: v for k, v in raw.items() if k != "UpdateOperation"}
        line.update(
            {
                "LineNumber": raw.get("LineNumber") or index,
                "ItemNumber": item["ItemNumber"],
                "FromLocation": source,
                "ToLocation": target,
                "QuantityTransferred": quantity,
                "UnitOfMeasure": raw.get("UnitOfMeasure") or item.get("StockingUnitOfMeasure") or "",
            }
        )
        details.append(line)
    sequence = company.store.next_number("IC/ICTransfers")
    row: Row = {k: v for k, v in body.items() if k != "TransferDetails"}
    row.update(
        {
            "SequenceNumber": sequence,
            "TransferNumber": f"TF{sequence:08d}",
            "DocumentDate": when,
            "FiscalYear": year,
            "FiscalPeriod": period,
            "RecordStatus": "Entered",
            "DocumentType": document_type,
            "Reference": body.get("Reference") or "",
            "Description": body.get("Description") or "",
            "TransferDetails": [{**d, "SequenceNumber": sequence} for d in details],
        }
    )
    company.store.put("IC/ICTransfers", row)
    return row
