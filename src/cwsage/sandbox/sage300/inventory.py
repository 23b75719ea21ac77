"""IC adjustments and transfers (decisions 12, 13) and IC items.

Why: Manage's procurement adjustments and warehouse transfers become IC documents when the company has
Inventory Control. Each is its own document with a sequence number (no batch); Sage's Day End posts it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300 import inferred
from cwsage.sandbox.sage300.common import (
    ZERO,
    Data,
    Row,
    amount,
    as_list,
    find,
    fiscal_period,
    iso,
    next_number,
    opt_date,
    require_object,
    text,
    today,
)
from cwsage.sandbox.sage300.errors import conflict


def _stock_item(data: Data, raw: Row) -> Row:
    number = text(raw, "ItemNumber", 24, required=True)
    item = find(data, "ic_items", ItemNumber=number)
    if item is None:
        raise conflict(f"Item number {number} does not exist.")
    if item.get("Status") != "Active":
        raise conflict(f"Item number {number} is inactive.")
    if item.get("StockItem") != "Yes":
        raise conflict(f"Item number {number} is not a stock item.")
    return item


def _location(data: Data, raw: Row, field: str) -> str:
    code = text(raw, field, 6, required=True)
    if find(data, "ic_locations", Location=code) is None:
        raise conflict(f"Location {code} does not exist.")
    return code


def create_adjustment(data: Data, body_in: Any) -> Row:
    """POST ``IC/ICAdjustments`` (201, ``RecordStatus`` ``Entered``)."""
    body = require_object(body_in)
    when = opt_date(body, "AdjustmentDate", today())
    year, period = fiscal_period(data, when, "Adjustment Date")
    details: list[Row] = []
    for index, raw_in in enumerate(as_list(body, "AdjustmentDetails"), start=1):
        raw = require_object(raw_in)
        item = _stock_item(data, raw)
        location = _location(data, raw, "Location")
        kind = raw.get("TransactionType")
        if kind not in inferred.IC_TRANSACTION_TYPES:
            raise conflict(f"Invalid value '{kind}' for TransactionType.")
        quantity = amount(raw.get("Quantity"), "Quantity")
        average: Decimal = item.get("AverageCost") or ZERO
        if kind == "BothIncrease" and raw.get("UnitCost") is None and raw.get("ExtendedCost") is None:
            raise conflict(f"Unit cost is required for a BothIncrease adjustment of item {item['ItemNumber']}.")
        if kind in ("QuantityIncrease", "QuantityDecrease", "BothIncrease", "BothDecrease") and quantity <= 0:
            raise conflict(f"Quantity must be greater than zero for item {item['ItemNumber']}.")
        unit_cost = amount(raw.get("UnitCost"), "UnitCost") if raw.get("UnitCost") is not None else average
        if raw.get("ExtendedCost") is not None:
            extended = amount(raw["ExtendedCost"], "ExtendedCost")
        elif kind in ("CostIncrease", "CostDecrease"):
            extended = amount(raw.get("CostAdjustment"), "CostAdjustment")
        elif kind in ("QuantityIncrease", "QuantityDecrease"):
            extended = ZERO
        else:
            extended = quantity * unit_cost
        details.append(
            {
                "LineNumber": index,
                "ItemNumber": item["ItemNumber"],
                "Location": location,
                "TransactionType": kind,
                "Quantity": quantity,
                "UnitOfMeasure": text(raw, "UnitOfMeasure", 10) or item.get("StockingUnitOfMeasure", ""),
                "UnitCost": unit_cost,
                "ExtendedCost": extended,
                "CostAdjustment": extended,
                "AverageCost": average,
                "AdjustmentWriteOffAccount": text(raw, "AdjustmentWriteOffAccount", 45),
                "Comments": text(raw, "Comments", 250),
            }
        )
    if not details:
        raise conflict("An adjustment needs at least one detail line.")
    header: Row = {
        "Description": text(body, "Description", 60),
        "AdjustmentDate": iso(when),
        "Reference": text(body, "Reference", 60),
    }
    sequence = next_number(data, "ic_adjustment")
    row: Row = {
        "SequenceNumber": sequence,
        "AdjustmentNumber": f"AD{sequence:08d}",
        "TransactionNumber": next_number(data, "ic_transaction"),
        **header,
        "FiscalYear": year,
        "FiscalPeriod": f"{period:02d}",
        "RecordStatus": "Entered",
        "AdjustmentDetails": details,
    }
    data["ic_adjustments"].append(row)
    return row


def create_transfer(data: Data, body_in: Any) -> Row:
    """POST ``IC/ICTransfers`` (201, ``RecordStatus`` ``Entered``)."""
    body = require_object(body_in)
    when = opt_date(body, "TransferDate", today())
    year, period = fiscal_period(data, when, "Transfer Date")
    details: list[Row] = []
    for index, raw_in in enumerate(as_list(body, "TransferDetails"), start=1):
        raw = require_object(raw_in)
        item = _stock_item(data, raw)
        source = _location(data, raw, "FromLocation")
        target = _location(data, raw, "ToLocation")
        if source == target:
            raise conflict(f"From location and to location must differ (item {item['ItemNumber']}).")
        quantity = amount(raw.get("Quantity"), "Quantity")
        if quantity <= 0:
            raise conflict(f"Quantity must be greater than zero for item {item['ItemNumber']}.")
        details.append(
            {
                "LineNumber": index,
                "ItemNumber": item["ItemNumber"],
                "FromLocation": source,
                "ToLocation": target,
                "Quantity": quantity,
                "UnitOfMeasure": text(raw, "UnitOfMeasure", 10) or item.get("StockingUnitOfMeasure", ""),
                "Comments": text(raw, "Comments", 250),
            }
        )
    if not details:
        raise conflict("A transfer needs at least one detail line.")
    header = {
        "Description": text(body, "Description", 60),
        "TransferDate": iso(when),
        "Reference": text(body, "Reference", 60),
    }
    sequence = next_number(data, "ic_transfer")
    row: Row = {
        "SequenceNumber": sequence,
        "TransferNumber": f"TF{sequence:08d}",
        **header,
        "DocumentType": "Transfer",
        "FiscalYear": year,
        "FiscalPeriod": f"{period:02d}",
        "RecordStatus": "Entered",
        "TransferDetails": details,
    }
    data["ic_transfers"].append(row)
    return row
