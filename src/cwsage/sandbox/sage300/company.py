"""One emulated Sage 300 company: its tables, the look-ups every business rule shares, seeds and inspection.

Why a class of its own: the business rules (``masters``, ``invoices``, ``receipts``, ``journals``,
``inventory``), the control API and the tests all need the same company — fiscal periods (I5), exchange
rates (I4), tax groups and classes (I7), the home currency (I2) — and must reach it without HTTP. Tables
are named after the resource that serves them (``AR/ARCustomers``), so an exported seed reads like the API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from cwsage.sandbox.sage300 import vocabulary as vocab
from cwsage.sandbox.sage300.errors import SageError, bad_query, invalid
from cwsage.sandbox.sage300.store import Key, Row, Store, TableSpec, by_property, sorted_property

T = TypeVar("T")
SEED_FORMAT = "cwsage-sage300-seed"
SEED_VERSION = 2
OPEN_STATUSES = ("Open", "ReadyToPost")


def _open_entries(party: str) -> Callable[[Row], list[Any]]:
    """Index a batch under the document numbers (AR) or (vendor, number) pairs (AP) of its open entries."""

    def values(row: Row) -> list[Any]:
        if row.get("BatchStatus") not in OPEN_STATUSES:
            return []
        if party == "CustomerNumber":
            return [entry.get("DocumentNumber") for entry in row.get("Invoices") or ()]
        return [(entry.get(party), entry.get("DocumentNumber")) for entry in row.get("Invoices") or ()]

    return values


def _specs() -> list[TableSpec]:
    indexes: dict[str, dict[str, Any]] = {
        "AR/ARPostedDocuments": {
            "hash": {"DocumentNumber": by_property("DocumentNumber"), "CustomerNumber": by_property("CustomerNumber")}
            | {"BatchNumber": by_property("BatchNumber")},
            "sorted": {
                "DocumentNumber": sorted_property("DocumentNumber"),
                "LastActivityDate": sorted_property("LastActivityDate"),
                "DocumentDate": sorted_property("DocumentDate"),
            },
        },
        "AR/ARInvoiceBatches": {
            "hash": {
                "BatchStatus": by_property("BatchStatus"),
                "Description": by_property("Description"),
                "OpenDocument": _open_entries("CustomerNumber"),
            },
            "sorted": {"Description": sorted_property("Description")},
        },
        "AR/ARReceiptAndAdjustmentBatches": {
            "hash": {"BatchStatus": by_property("BatchStatus"), "Description": by_property("Description")},
            "sorted": {"Description": sorted_property("Description")},
        },
        "AP/APInvoiceBatches": {
            "hash": {
                "BatchStatus": by_property("BatchStatus"),
                "Description": by_property("Description"),
                "OpenDocument": _open_entries("VendorNumber"),
            },
            "sorted": {"Description": sorted_property("Description")},
        },
        "AP/APPostedDocuments": {
            "hash": {"DocumentNumber": by_property("DocumentNumber"), "VendorNumber": by_property("VendorNumber")},
            "sorted": {
                "DocumentNumber": sorted_property("DocumentNumber"),
                "LastActivityDate": sorted_property("LastActivityDate"),
            },
        },
        "GL/GLJournalBatches": {
            "hash": {"Status": by_property("Status"), "Description": by_property("Description")},
            "sorted": {"Description": sorted_property("Description")},
        },
        "GL/GLPostedTransactions": {
            "hash": {
                "JournalDetailReference": by_property("JournalDetailReference"),
                "BatchNumber": by_property("BatchNumber"),
            },
            "sorted": {"JournalDetailReference": sorted_property("JournalDetailReference")},
        },
        "GL/GLAccounts": {"hash": {"AccountNumber": by_property("AccountNumber")}, "sorted": {}},
        "IC/ICItems": {"hash": {"ItemNumber": by_property("ItemNumber")}, "sorted": {}},
        "IC/ICAdjustments": {
            "hash": {"Reference": by_property("Reference")},
            "sorted": {"Reference": sorted_property("Reference")},
        },
        "IC/ICTransfers": {
            "hash": {"Reference": by_property("Reference")},
            "sorted": {"Reference": sorted_property("Reference")},
        },
    }
    specs = [TableSpec("counters", ("Name",))]
    for module in vocab.MODULES.values():
        for resource in module.resources:
            if resource.kind == "process":
                continue
            entity = module.entity_of(resource)
            extra = indexes.get(resource.path, {})
            specs.append(TableSpec(resource.path, entity.key, extra.get("hash", {}), extra.get("sorted", {})))
    return specs


TABLES: tuple[str, ...] = tuple(spec.name for spec in _specs())
"""Every table, named after its resource (``AR/ARCustomers``), plus ``counters``."""


@functools.lru_cache(maxsize=8192)
def iso(day: date) -> str:
    """A date as stored and answered."""
    return f"{day.isoformat()}T00:00:00Z"


def day_of(value: str | None) -> date | None:
    """The date of a stored date value."""
    return date.fromisoformat(value[:10]) if value else None


def round_to(value: Decimal, places: int) -> Decimal:
    """Round half-up to ``places`` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class Company:
    """The company data and the shared look-ups of the business rules."""

    def __init__(self, company_id: str) -> None:
        self.company_id = company_id
        self.store = Store(_specs())
        self.day_end_locked = False
        self._calendar_table: object = None
        self._periods: dict[date, tuple[str, str, str]] = {}

    # -- generic access ------------------------------------------------------------------------------
    def get(self, table: str, *key: Any) -> Row | None:
        """One row by key."""
        return self.store.table(table).get(tuple(key))

    def rows(self, table: str) -> list[Row]:
        """Every row of a table in key order (stored rows: do not change them)."""
        with self.store.lock:
            return list(self.store.table(table).scan())

    def find(self, table: str, index: str, value: Any) -> list[Row]:
        """Rows a hash index finds under ``value``, in key order."""
        found = self.store.table(table).lookup(index, value)
        rows = [self.store.table(table).get(key) for key in sorted(found)]
        return [row for row in rows if row is not None]

    def write(self, operation: Callable[[Store], T]) -> T:
        """Run ``operation`` as one all-or-nothing transaction on the store."""
        with self.store.transaction() as store:
            return operation(store)

    # -- company settings ----------------------------------------------------------------------------
    @property
    def home_currency(self) -> str:
        """I2: the company profile's home currency."""
        rows = self.store.table("CS/CSCompanyProfile").scan(0, 1)
        profile = next(iter(rows), None)
        return str(profile["HomeCurrency"]) if profile else "USD"

    def currency_decimals(self, currency: str) -> int:
        """I3: decimals of a currency (``Num2`` → 2; 2 when unknown)."""
        row = self.get("CS/CSCurrencyCodes", currency)
        member = str(row.get("DecimalPlaces") or "Num2") if row else "Num2"
        return int(member[3:]) if member[3:].isdigit() else 2

    def fiscal_period(self, when: date, label: str) -> tuple[str, str]:
        """I5: the fiscal year and period (``"2026"``, ``"09"``) of ``when``.

        Answers are remembered per date until the calendar table is replaced (it is GET-only in ER22, so
        only a reset, a seed load or a restore changes it).

        Raises:
            SageError: 409 ``RecordInvalid`` when no active calendar covers the date or its period is locked.
        """
        table = self.store.table("CS/CSFiscalCalendars")
        if table is not self._calendar_table:
            self._calendar_table, self._periods = table, {}
        found = self._periods.get(when)
        if found is None:
            found = self._periods[when] = self._find_period(when)
        if found[0] == "ok":
            return found[1], found[2]
        raise invalid(found[1].format(label=label))

    def _find_period(self, when: date) -> tuple[str, str, str]:
        calendar = self.get("CS/CSFiscalCalendars", str(when.year))
        candidates = [calendar] if calendar else self.rows("CS/CSFiscalCalendars")
        day = when.isoformat()
        for row in candidates:
            for n in range(1, int(row.get("NumberOfFiscalPeriods") or 12) + 1):
                start, end = day_of(row.get(f"FiscalPeriod{n}StartDate")), day_of(row.get(f"FiscalPeriod{n}EndDate"))
                if start is None or end is None or not start <= when <= end:
                    continue
                if row.get("Active") != "Yes":
                    return ("error", f"Fiscal year {row['FiscalYear']} is not active ({{label}} {day}).", "")
                if row.get(f"FiscalPeriod{n}Status") == "Locked":
                    return ("error", f"Fiscal period {n:02d}-{row['FiscalYear']} is locked for {{label}} {day}.", "")
                return ("ok", str(row["FiscalYear"]), f"{n:02d}")
        return (
            "error",
            f"Cannot determine the fiscal period for {{label}} {day}. Enter a date that is in the company's fiscal "
            "calendar or use the Fiscal Calendar window in Common Services to add the year you need.",
            "",
        )

    def exchange_rate(self, currency: str, rate_type: str, when: date) -> tuple[Decimal, str]:
        """I4: the rate from ``currency`` to the home currency on ``when`` and its operation.

        Returns:
            ``(rate, "Multiply" | "Divide")``; ``(1, "Multiply")`` for the home currency.

        Raises:
            SageError: 409 ``RecordInvalid`` when the rate table or a matching rate is missing.
        """
        home = self.home_currency
        if currency == home:
            return Decimal(1), "Multiply"
        table = self.get("CS/CSCurrencyRates", home, rate_type)
        if table is None:
            raise invalid(f"There is no rate table for rate type {rate_type} to {home}.")
        matching = table.get("DateMatching") or "Earlier"
        best: tuple[int, Decimal] | None = None
        for detail in table.get("CurrencyRateDetail") or ():
            if detail.get("FromCurrency") != currency:
                continue
            rate_day = day_of(detail.get("RateDate"))
            if rate_day is None:
                continue
            distance = (when - rate_day).days
            if matching == "Earlier" and distance < 0:
                continue
            if matching == "Later" and distance > 0:
                continue
            score = abs(distance)
            if best is None or score < best[0]:
                best = (score, Decimal(detail["Rate"]))
        if best is None:
            raise invalid(
                f"No exchange rate exists for currency {currency} on {when.isoformat()} (rate type {rate_type})."
            )
        return best[1], str(table.get("RateOperation") or "Multiply")

    def rate_operation(self, rate_type: str) -> str:
        """I4: ``Multiply`` or ``Divide`` for the rate table of ``rate_type`` into the home currency."""
        table = self.get("CS/CSCurrencyRates", self.home_currency, rate_type)
        return str(table.get("RateOperation") or "Multiply") if table else "Multiply"

    def to_home(self, amount: Decimal, rate: Decimal, operation: str) -> Decimal:
        """An amount in the home currency (I4: source × rate, or ÷ rate)."""
        value = amount * rate if operation == "Multiply" else amount / rate
        return round_to(value, self.currency_decimals(self.home_currency))

    def account(self, text: str, label: str) -> Row:
        """A GL account named formatted (``4000-10``) or unformatted (``400010``).

        Raises:
            SageError: 409 ``RecordInvalid`` when it does not exist or is inactive.
        """
        row = self.get("GL/GLAccounts", text.replace("-", ""))
        if row is None:
            found = self.find("GL/GLAccounts", "AccountNumber", text)
            row = found[0] if found else None
        if row is None or not text:
            raise invalid(f"Account {text} does not exist ({label}).")
        if row.get("Status") == "Inactive":
            raise invalid(f"Account {text} is inactive ({label}).")
        return row

    # -- seeds ---------------------------------------------------------------------------------------
    def replace_all(self, tables: Mapping[str, Iterable[Row]]) -> None:
        """Replace every table (the ones not given become empty)."""
        unknown = sorted(set(tables) - set(TABLES))
        if unknown:
            raise bad_query(f"Unknown seed tables: {', '.join(unknown)}.")
        with self.store.lock:
            for name in TABLES:
                self.store.replace_table(name, tables.get(name, ()))

    def export_seed(self) -> dict[str, Any]:
        """The state as a seed document (see :meth:`load_seed`)."""
        with self.store.lock:
            tables = {name: self.rows(name) for name in TABLES if name != "counters"}
            counters = {row["Name"]: row["Value"] for row in self.rows("counters")}
            return {"format": SEED_FORMAT, "version": SEED_VERSION, "tables": tables, "counters": counters}

    def load_seed(self, document: Any, base: Callable[[], dict[str, list[Row]]]) -> None:
        """Replace the state from a seed document.

        Format: ``{"format": "cwsage-sage300-seed", "version": 2, "tables": {"AR/ARCustomers": [rows…], …},
        "counters": {name: int}}``; rows use the Web API's v1.0 property names. Tables left out start empty,
        except that ``"base": "demo"`` starts from the demo company and replaces only the tables given.

        Raises:
            SageError: 400 ``InvalidParameters`` for a document that is not a seed.
        """
        if not isinstance(document, dict) or document.get("format") != SEED_FORMAT:
            raise bad_query(f'A seed must be a JSON object with "format": "{SEED_FORMAT}".')
        given = document.get("tables") or {}
        if not isinstance(given, dict) or not all(isinstance(rows, list) for rows in given.values()):
            raise bad_query("Seed tables must be lists of rows.")
        tables: dict[str, list[Row]] = base() if document.get("base") == "demo" else {}
        tables.update({name: [dict(row) for row in rows] for name, rows in given.items()})
        counters = document.get("counters") or {}
        if counters:
            merged = {row["Name"]: row["Value"] for row in tables.get("counters", [])}
            merged.update({str(k): int(v) for k, v in counters.items()})
            tables["counters"] = [{"Name": k, "Value": v} for k, v in merged.items()]
        try:
            self.replace_all(tables)
        except KeyError as exc:
            raise bad_query(f"A seed row lacks its key property {exc}.") from exc

    # -- inspection (tests, control API) -------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Counts for ``GET /_sandbox/state``: rows per table and batches per status."""
        with self.store.lock:
            counts = {name: len(self.store.table(name)) for name in TABLES if name != "counters"}
            batches: dict[str, dict[str, int]] = {}
            for name, field in (
                ("AR/ARInvoiceBatches", "BatchStatus"),
                ("AR/ARReceiptAndAdjustmentBatches", "BatchStatus"),
                ("AP/APInvoiceBatches", "BatchStatus"),
                ("GL/GLJournalBatches", "Status"),
            ):
                by_status: dict[str, int] = {}
                for row in self.store.table(name).scan():
                    by_status[row[field]] = by_status.get(row[field], 0) + 1
                batches[name] = by_status
            return {
                "company": self.company_id,
                "day_end_locked": self.day_end_locked,
                "tables": counts,
                "batches": batches,
                "counters": {row["Name"]: row["Value"] for row in self.rows("counters")},
                "snapshots": self.store.snapshot_ids(),
            }

    def ar_batches(self) -> list[Row]:
        """AR invoice batches (every status, with their entries)."""
        return self.rows("AR/ARInvoiceBatches")

    def ap_batches(self) -> list[Row]:
        """AP invoice batches."""
        return self.rows("AP/APInvoiceBatches")

    def gl_batches(self) -> list[Row]:
        """GL journal batches."""
        return self.rows("GL/GLJournalBatches")

    def receipt_batches(self) -> list[Row]:
        """AR receipt and adjustment batches."""
        return self.rows("AR/ARReceiptAndAdjustmentBatches")

    def customers(self) -> list[Row]:
        """AR customers."""
        return self.rows("AR/ARCustomers")

    def vendors(self) -> list[Row]:
        """AP vendors."""
        return self.rows("AP/APVendors")

    def ic_items(self) -> list[Row]:
        """IC items."""
        return self.rows("IC/ICItems")

    def ic_adjustments(self) -> list[Row]:
        """IC adjustments."""
        return self.rows("IC/ICAdjustments")

    def ic_transfers(self) -> list[Row]:
        """IC transfers."""
        return self.rows("IC/ICTransfers")

    def gl_posted(self) -> list[Row]:
        """Posted GL transactions."""
        return self.rows("GL/GLPostedTransactions")

    def posted_ar(self, document_number: str) -> Row | None:
        """The posted AR document with this number (any customer), if any."""
        found = self.find("AR/ARPostedDocuments", "DocumentNumber", document_number)
        return found[0] if found else None

    def posted_ap(self, vendor_number: str, document_number: str) -> Row | None:
        """The posted AP document of a vendor, if any."""
        return self.get("AP/APPostedDocuments", vendor_number, document_number)

    def all_ar_document_numbers(self) -> set[str]:
        """Every AR document number Sage knows: posted, or in an Open/ReadyToPost batch."""
        with self.store.lock:
            numbers = {row["DocumentNumber"] for row in self.store.table("AR/ARPostedDocuments").scan()}
            for status in OPEN_STATUSES:
                for batch in self.find("AR/ARInvoiceBatches", "BatchStatus", status):
                    numbers |= {entry["DocumentNumber"] for entry in batch["Invoices"]}
            return numbers


def key_of(company: Company, table: str, row: Row) -> Key:
    """The key tuple of a row of ``table``."""
    return company.store.table(table).spec.key_of(row)


__all__ = ["Company", "SageError", "day_of", "iso", "round_to"]
