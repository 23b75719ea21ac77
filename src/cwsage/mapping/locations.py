"""The Sage IC location of an inventory adjustment, derived from what Manage knows before any setting is asked.

Why a module of its own: Manage's export of an inventory adjustment names no warehouse (its lines carry item,
quantity and accounts only), yet Manage knows where the adjustment happened: the unposted procurement record
of the adjustment has its ``locationId``, and the warehouse of that location has the ``locationXref`` that
is the Sage IC location (product guide: "Warehouse.locationXref → Sage location"). So cwsage matches each
exported adjustment to its unposted record (same document date and the same signed total — the export carries
no record id) and takes that location's warehouse's Location XRef. ``defaults.ic_default_location`` is only
the last resort, for what cannot be matched (an ambiguous match, a location with several warehouses and no
default, a rerun whose records are no longer unposted); without it, validation names the record and line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from cwsage import money
from cwsage.connectwise import models as cw

ADJUSTMENT = "Adjustment"


def warehouse_locations(warehouses: Iterable[cw.Warehouse]) -> dict[int, str]:
    """Manage location id → the Location XRef of its warehouse (the location's default one when it has several).

    A location whose warehouses give no single answer is left out.
    """
    by_location: dict[int, list[cw.Warehouse]] = defaultdict(list)
    for warehouse in warehouses:
        if warehouse.location is not None and warehouse.location.id is not None and not warehouse.inactive_flag:
            by_location[warehouse.location.id].append(warehouse)
    found: dict[int, str] = {}
    for location_id, all_there in by_location.items():
        candidates = all_there if len(all_there) == 1 else [w for w in all_there if w.location_default_flag]
        xrefs = {(w.location_xref or "").strip() for w in candidates}
        if len(xrefs) == 1 and (xref := xrefs.pop()):
            found[location_id] = xref
    return found


def _total(adjustment: cw.GLExportAdjustmentTransaction) -> Decimal:
    return sum((detail.total or money.ZERO for detail in adjustment.adjustment_detail), money.ZERO)


def adjustment_locations(
    adjustments: Sequence[cw.GLExportAdjustmentTransaction],
    procurement: Iterable[cw.UnpostedProcurement],
    warehouses: Iterable[cw.Warehouse],
) -> dict[str, str]:
    """Exported adjustment id → Sage IC location, for every adjustment whose location Manage tells unambiguously.

    Args:
        adjustments: The export's ``adjustmentTransactions``.
        procurement: Unposted procurement records (the adjustments among them are used).
        warehouses: Manage's warehouses.
    """
    xref_of = warehouse_locations(warehouses)
    records = [p for p in procurement if p.procurement_type == ADJUSTMENT and p.location_id is not None]
    locations = {p.location_id for p in records}
    derived: dict[str, str] = {}
    for adjustment in adjustments:
        day = adjustment.document_date.date() if adjustment.document_date else None
        total = _total(adjustment)
        matches = {
            p.location_id
            for p in records
            if p.purchase_date is not None and p.purchase_date.date() == day and p.total == total
        }
        if not matches and len(locations) == 1:
            matches = set(locations)  # every unposted adjustment is at one location
        if len(matches) == 1 and (location := matches.pop()) in xref_of and adjustment.id:
            derived[adjustment.id] = xref_of[location]
    return derived


def describe(derived: Mapping[str, str], total: int) -> str:
    """One line for the run's notes: how many adjustments' IC locations came from Manage."""
    return (
        f"IC location of {len(derived)} of {total} inventory adjustment(s) taken from the Manage warehouse "
        "of their location"
    )
