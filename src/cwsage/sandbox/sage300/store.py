"""The in-memory state of the emulated CWDEMO company, behind one lock, with snapshots and seeds.

Why a class of its own: tests and the control API inspect and reset the company without HTTP, and
every write runs in :meth:`SageStore.write`, which restores the previous state when the write is
refused — so a POST is all-or-nothing even if a rule fires late.

Snapshots model "Sage restored from a backup": :meth:`restore` puts back *everything* the company
database holds, including the batch-number and posting-sequence counters (a real SQL restore rolls
them back too, so batch numbers handed out after the snapshot are handed out again). Emulator settings
(Day End lock, Inventory Control switch), sessions and fault rules are not company data and survive.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from cwsage.sandbox import demo_company as demo
from cwsage.sandbox.sage300 import inferred, seed
from cwsage.sandbox.sage300.common import Data, Row
from cwsage.sandbox.sage300.errors import bad_request

T = TypeVar("T")
SEED_FORMAT = "cwsage-sage300-seed"


class SageStore:
    """The company data plus the emulator switches."""

    def __init__(self, company: demo.DemoCompany = demo.DEMO, *, inventory_control: bool = True) -> None:
        self.company = company
        self._default_inventory_control = inventory_control
        self.lock = threading.RLock()
        self._snapshots: dict[str, Data] = {}
        self.data: Data = {}
        self.day_end_locked = False
        self.inventory_control = inventory_control
        self.reset()

    # -- lifecycle -----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seeded demo company and the factory switches (snapshots are kept)."""
        with self.lock:
            self.data = seed.build(self.company)
            self.day_end_locked = False
            self.inventory_control = self._default_inventory_control

    def write(self, operation: Callable[[Data], T]) -> T:
        """Run a write; if it raises, the state is exactly as before."""
        with self.lock:
            before = copy.deepcopy(self.data)
            try:
                return operation(self.data)
            except BaseException:
                self.data = before
                raise

    def read(self, operation: Callable[[Data], T]) -> T:
        """Run a read under the lock and return a deep copy of its result."""
        with self.lock:
            return copy.deepcopy(operation(self.data))

    def snapshot(self) -> str:
        """Save the whole company state; returns the snapshot id."""
        with self.lock:
            snapshot_id = secrets.token_hex(6)
            self._snapshots[snapshot_id] = copy.deepcopy(self.data)
            return snapshot_id

    def restore(self, snapshot_id: str) -> None:
        """Put back a snapshot (counters included, as a database restore does)."""
        with self.lock:
            if snapshot_id not in self._snapshots:
                raise KeyError(snapshot_id)
            self.data = copy.deepcopy(self._snapshots[snapshot_id])

    def export_seed(self) -> dict[str, Any]:
        """The state as a seed document (see :meth:`load_seed`)."""
        with self.lock:
            tables = {table: copy.deepcopy(self.data[table]) for table in inferred.TABLES}
            return {"format": SEED_FORMAT, "version": 1, "tables": tables, "counters": dict(self.data["counters"])}

    def load_seed(self, document: Any) -> None:
        """Replace the state from a seed document.

        Format: ``{"format": "cwsage-sage300-seed", "version": 1, "tables": {TABLE: [rows…]},
        "counters": {NAME: int}}``; ``TABLE`` is one of :data:`inferred.TABLES` (``customers``,
        ``ar_posted`` …), rows use the Web API property names. Tables left out start empty, except that
        ``"base": "demo"`` starts from the demo company and replaces only the tables given.
        """
        if not isinstance(document, dict) or document.get("format") != SEED_FORMAT:
            raise bad_request(f'A seed must be a JSON object with "format": "{SEED_FORMAT}".')
        tables = document.get("tables") or {}
        unknown = sorted(set(tables) - set(inferred.TABLES))
        if unknown:
            raise bad_request(f"Unknown seed tables: {', '.join(unknown)}.")
        with self.lock:
            if document.get("base") == "demo":
                data = seed.build(self.company)
            else:
                data = {table: [] for table in inferred.TABLES}
                data["counters"] = {}
            for table, rows in tables.items():
                if not isinstance(rows, list):
                    raise bad_request(f"Seed table {table} must be a list.")
                data[table] = copy.deepcopy(rows)
            data["counters"].update({str(k): int(v) for k, v in (document.get("counters") or {}).items()})
            self.data = data

    # -- inspection helpers (tests) ------------------------------------------------------------------
    def rows(self, table: str) -> list[Row]:
        """A deep copy of one table."""
        return self.read(lambda data: data[table])

    def ar_batches(self) -> list[Row]:
        """AR invoice batches (every status, with their entries)."""
        return self.rows("ar_batches")

    def ap_batches(self) -> list[Row]:
        """AP invoice batches."""
        return self.rows("ap_batches")

    def gl_batches(self) -> list[Row]:
        """GL journal batches."""
        return self.rows("gl_batches")

    def receipt_batches(self) -> list[Row]:
        """AR receipt and adjustment batches."""
        return self.rows("ar_receipt_batches")

    def ic_adjustments(self) -> list[Row]:
        """IC adjustments."""
        return self.rows("ic_adjustments")

    def ic_transfers(self) -> list[Row]:
        """IC transfers."""
        return self.rows("ic_transfers")

    def customers(self) -> list[Row]:
        """AR customers."""
        return self.rows("customers")

    def vendors(self) -> list[Row]:
        """AP vendors."""
        return self.rows("vendors")

    def ic_items(self) -> list[Row]:
        """IC items."""
        return self.rows("ic_items")

    def posted_ar(self, document_number: str) -> Row | None:
        """The posted AR document with this number, if any."""
        matches = [r for r in self.rows("ar_posted") if r["DocumentNumber"] == document_number]
        return matches[0] if matches else None

    def posted_ap(self, vendor_number: str, document_number: str) -> Row | None:
        """The posted AP document of a vendor, if any."""
        for row in self.rows("ap_posted"):
            if row["VendorNumber"] == vendor_number and row["DocumentNumber"] == document_number:
                return row
        return None

    def gl_posted(self) -> list[Row]:
        """Posted GL transactions."""
        return self.rows("gl_posted")

    def all_ar_document_numbers(self) -> set[str]:
        """Every AR document number Sage knows: posted, or in an Open/ReadyToPost batch."""
        with self.lock:
            numbers = {row["DocumentNumber"] for row in self.data["ar_posted"]}
            for batch in self.data["ar_batches"]:
                if batch["BatchStatus"] in ("Open", "ReadyToPost"):
                    numbers |= {entry["DocumentNumber"] for entry in batch["Invoices"]}
            return numbers

    def summary(self) -> dict[str, Any]:
        """Counts for ``GET /_sandbox/state``."""
        with self.lock:
            data = self.data

            def by_status(table: str, field: str = "BatchStatus") -> dict[str, int]:
                counts: dict[str, int] = {}
                for row in data[table]:
                    counts[row[field]] = counts.get(row[field], 0) + 1
                return counts

            return {
                "company": demo.SAGE_COMPANY,
                "day_end_locked": self.day_end_locked,
                "inventory_control": self.inventory_control,
                "customers": len(data["customers"]),
                "vendors": len(data["vendors"]),
                "gl_accounts": len(data["gl_accounts"]),
                "ic_items": len(data["ic_items"]),
                "batches": {
                    "AR invoices": by_status("ar_batches"),
                    "AR receipts": by_status("ar_receipt_batches"),
                    "AP invoices": by_status("ap_batches"),
                    "GL journals": by_status("gl_batches", "Status"),
                },
                "ar_posted_documents": len(data["ar_posted"]),
                "ap_posted_documents": len(data["ap_posted"]),
                "gl_posted_transactions": len(data["gl_posted"]),
                "ic_adjustments": len(data["ic_adjustments"]),
                "ic_transfers": len(data["ic_transfers"]),
                "counters": dict(data["counters"]),
                "snapshots": sorted(self._snapshots),
            }
