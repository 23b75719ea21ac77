"""The IC location of an inventory adjustment comes from Manage (its record's location → that location's
warehouse → Location XRef) before any setting is asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cwsage.connectwise import models as cw
from cwsage.domain.documents import InventoryDocument
from cwsage.mapping.from_manage import TranslateOptions, translate
from cwsage.mapping.locations import adjustment_locations, warehouse_locations


def _warehouse(wid: int, location: int, xref: str, *, default: bool = True, inactive: bool = False) -> cw.Warehouse:
    return cw.Warehouse.model_validate(
        {
            "id": wid,
            "name": f"W{wid}",
            "location": {"id": location, "name": f"L{location}"},
            "locationXref": xref,
            "locationDefaultFlag": default,
            "inactiveFlag": inactive,
        }
    )


def _record(rid: int, location: int, day: str, total: str, kind: str = "Adjustment") -> cw.UnpostedProcurement:
    return cw.UnpostedProcurement.model_validate(
        {
            "id": rid,
            "locationId": location,
            "procurementType": kind,
            "purchaseDate": f"{day}T00:00:00Z",
            "total": Decimal(total),
        }
    )


def _adjustment(ident: str, day: str, *totals: str) -> cw.GLExportAdjustmentTransaction:
    detail: list[dict[str, Any]] = [
        {"item": {"identifier": "PATCH10"}, "quantity": -1, "total": Decimal(t), "inventoryAccountNumber": "1300"}
        for t in totals
    ]
    return cw.GLExportAdjustmentTransaction.model_validate(
        {"id": ident, "documentDate": f"{day}T00:00:00Z", "glTypeID": "IA", "adjustmentDetail": detail}
    )


def test_a_location_with_several_warehouses_uses_its_default_one() -> None:
    found = warehouse_locations(
        [
            _warehouse(1, 1, "MAIN"),
            _warehouse(2, 2, "VAN1", default=False),
            _warehouse(3, 2, "CHI"),
            _warehouse(4, 3, "A", default=False),
            _warehouse(5, 3, "B", default=False),
            _warehouse(6, 4, "OLD", inactive=True),
        ]
    )
    assert found == {1: "MAIN", 2: "CHI"}  # location 3 has no single answer, 4 only an inactive warehouse


def test_each_adjustment_gets_the_location_of_its_own_record() -> None:
    warehouses = [_warehouse(1, 1, "MAIN"), _warehouse(2, 2, "VAN1")]
    records = [
        _record(909, 1, "2026-10-12", "-7.50"),
        _record(910, 2, "2026-10-01", "-62.40"),
        _record(77, 2, "2026-10-12", "-7.50", kind="Purchase"),  # not an adjustment: never matched
    ]
    adjustments = [
        _adjustment("11,12", "2026-10-12", "-7.50"),
        _adjustment("13,14", "2026-10-01", "-60.00", "-2.40"),
        _adjustment("15,16", "2026-09-01", "-1.00"),  # no record of that date and total: not derived
    ]
    assert adjustment_locations(adjustments, records, warehouses) == {"11,12": "MAIN", "13,14": "VAN1"}


def test_an_ambiguous_match_is_not_guessed() -> None:
    warehouses = [_warehouse(1, 1, "MAIN"), _warehouse(2, 2, "VAN1")]
    records = [_record(1, 1, "2026-10-12", "-7.50"), _record(2, 2, "2026-10-12", "-7.50")]
    assert adjustment_locations([_adjustment("1", "2026-10-12", "-7.50")], records, warehouses) == {}


def test_the_setting_is_only_the_last_resort_in_translation() -> None:
    export = cw.GLExport.model_validate(
        {
            "adjustmentTransactions": [
                _adjustment("11,12", "2026-10-12", "-7.50").model_dump(by_alias=True),
                _adjustment("13,14", "2026-10-01", "-1.00").model_dump(by_alias=True),
            ]
        }
    )
    options = TranslateOptions(ic_default_location="SETTING", adjustment_locations={"11,12": "VAN1"})
    documents = [doc for doc in translate(export, options).documents if isinstance(doc, InventoryDocument)]
    locations = {doc.source.record_id: {line.location for line in doc.lines} for doc in documents}
    assert locations == {"11,12": {"VAN1"}, "13,14": {"SETTING"}}
