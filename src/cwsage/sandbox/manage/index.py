"""Field indexes that answer ``conditions`` on the emulator's large collections without building every row.

Why: a run lists 10,000 unposted invoices a page at a time with ``invoiceDate<=[…]`` and maybe
``locationId=2``; finds its batch by ``batchIdentifier="…"``; looks invoices up by ``invoiceNumber in (…)``.
Building every record's JSON to test it made each request cost the whole company. An index here groups
record ids by the value a field has *in the API JSON* (``extract`` computes exactly that value from the
stored record), so a comparison is answered by testing each distinct value once — or, for ``=``/``in``, by
a dictionary look-up — with exactly the semantics of :mod:`cwsage.sandbox.manage.query` (the leaf's own
test decides). :func:`plan` combines leaves: ``and`` intersects, ``or`` unites, and a leaf on a field with
no index makes the plan inexact (the caller then tests its candidates record by record).

Only fields that never change after a record is loaded are indexed (ids, numbers, dates, locations,
companies); whether a record is still unposted is the caller's live set, intersected afterwards.

:class:`WorkMeter` counts the work requests do (rows built, records scanned, index values tested …), so
tests can check that the cost of a request follows its answer, not the size of the company.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from cwsage.sandbox.manage.query import AllOf, AnyOf, Condition, Leaf

Extract = Callable[[dict[str, Any]], Any]
"""Stored record → the field's value as the API JSON shows it (a scalar or ``None``)."""

_NONE = type(None)


class WorkMeter:
    """Counters of the work done while answering requests (see the module docstring)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, what: str, amount: int = 1) -> None:
        """Count ``amount`` units of ``what`` (``rendered``, ``scanned``, ``values``, ``candidates`` …)."""
        self.counts[what] += amount

    def snapshot(self) -> dict[str, int]:
        """The counters so far."""
        return dict(self.counts)

    def total(self) -> int:
        """All units of work so far."""
        return sum(self.counts.values())


def path_key(path: Iterable[str]) -> str:
    """The index key of a field path: lower-cased, ``/``-joined (field names are case-insensitive)."""
    return "/".join(part.lower() for part in path)


class FieldIndex:
    """Record ids grouped by one field's API value."""

    def __init__(self, extract: Extract) -> None:
        self.extract = extract
        self._groups: dict[tuple[type, Any], list[int]] = {}
        self._types: Counter[type] = Counter()
        self._folded: dict[str, list[int]] | None = None

    def add(self, rec_id: int, record: dict[str, Any]) -> None:
        """Index one record."""
        value = self.extract(record)
        self._groups.setdefault((type(value), value), []).append(rec_id)
        self._types[type(value)] += 1
        self._folded = None

    def remove(self, rec_id: int, record: dict[str, Any]) -> None:
        """Forget one record (it must have been added with the same value)."""
        value = self.extract(record)
        key = (type(value), value)
        ids = self._groups[key]
        ids.remove(rec_id)
        if not ids:
            del self._groups[key]
        self._types[type(value)] -= 1
        if not self._types[type(value)]:
            del self._types[type(value)]
        self._folded = None

    def __len__(self) -> int:
        """How many distinct values the field has."""
        return len(self._groups)

    def lookup(self, leaf: Leaf, meter: WorkMeter) -> set[int]:
        """Ids of the records whose value satisfies ``leaf`` (exactly those)."""
        if leaf.op in ("=", "in"):
            found: set[int] = set()
            for wanted in leaf.values:
                ids = self._equal(wanted)
                if ids is None:
                    break
                meter.add("values")
                found.update(ids)
            else:
                return found
        out: set[int] = set()
        for (_, value), ids in self._groups.items():
            meter.add("values")
            if leaf.test(value):
                out.update(ids)
        return out

    def _fold(self) -> dict[str, list[int]]:
        if self._folded is None:
            folded: dict[str, list[int]] = {}
            for (kind, value), ids in self._groups.items():
                if kind is str:
                    folded.setdefault(value.lower(), []).extend(ids)
            self._folded = folded
        return self._folded

    def _equal(self, wanted: Any) -> list[int] | None:
        """Ids whose value equals ``wanted`` the way ``query`` compares, or ``None`` to test every value.

        Mirrors ``query._coerce_pair`` for the cases a dictionary answers exactly: ``null``; text against
        text (case-insensitive); a number against integers; a boolean against booleans.
        """
        types = self._types
        if wanted is None:
            return self._groups.get((_NONE, None), [])
        if isinstance(wanted, bool):  # only booleans equal a boolean
            return self._groups.get((bool, wanted), [])
        if isinstance(wanted, str):  # numbers compare as their text: those need testing
            return None if int in types or Decimal in types else self._fold().get(wanted.lower(), [])
        if isinstance(wanted, Decimal):  # text and Decimals compare as numbers: those need testing
            if str in types or Decimal in types:
                return None
            return self._groups.get((int, int(wanted)), []) if wanted == wanted.to_integral_value() else []
        return None


def plan(cond: Condition, indexes: Mapping[str, FieldIndex], meter: WorkMeter) -> tuple[set[int] | None, bool]:
    """Candidate ids for ``cond`` from ``indexes``.

    Returns:
        ``(ids, exact)``: ``ids`` is a superset of the matching records (``None`` = no restriction: every
        record is a candidate); ``exact`` says that ``ids`` is precisely the matching set, so the records
        need not be tested one by one.
    """
    if isinstance(cond, Leaf):
        index = indexes.get(path_key(cond.path))
        if index is None:
            return None, False
        return index.lookup(cond, meter), True
    results = [plan(part, indexes, meter) for part in cond.parts]
    exact = all(is_exact for _, is_exact in results)
    if isinstance(cond, AllOf):
        known = sorted((ids for ids, _ in results if ids is not None), key=len)
        if not known:
            return None, False
        acc = set(known[0])
        for ids in known[1:]:
            acc &= ids
        return acc, exact
    assert isinstance(cond, AnyOf)
    union: set[int] = set()
    for found, _ in results:
        if found is None:
            return None, False
        union |= found
    return union, exact
