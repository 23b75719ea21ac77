"""The company's tables, kept in key order with indexes, an undo journal and O(1) snapshots.

Why not a dict of lists deep-copied around every write (the old emulator): at 10,000 documents that
made every POST cost as much as the whole company. Here

* a row is **never changed in place** once stored: a change stores a new dict (children shared), so an
  answer can hand out stored rows without copying them;
* every change goes through :meth:`Store.put` / :meth:`Store.delete`, which append the previous row to an
  **undo journal**; a refused write (:meth:`Store.transaction`) rolls back exactly what it changed, and a
  **snapshot** is just a position in that journal — :meth:`Store.restore` undoes back to it ("Sage restored
  from a backup", counters included). The journal is dropped whenever no snapshot needs it;
* each table keeps its keys **sorted** (OData answers are in key order) and the **indexes** declared for
  the look-ups clients make (hash indexes for ``eq``, sorted ones for ``startswith`` and ranges);
* :attr:`Store.work` counts the rows and index entries every operation touches, so tests can prove the
  emulator linear by counting work instead of timing it.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]
Key = tuple[Any, ...]
IndexFn = Callable[[Row], Iterable[Hashable]]
SortFn = Callable[[Row], str | None]


@dataclass(frozen=True)
class TableSpec:
    """How one table is keyed and indexed.

    ``hash_indexes`` map an index name to a function giving the values a row is found under (several for
    a batch whose entries are indexed); ``sorted_indexes`` map a property to a function giving the one
    sortable text a row is ranged on (None = not indexed).
    """

    name: str
    key: tuple[str, ...]
    hash_indexes: Mapping[str, IndexFn] = field(default_factory=dict)
    sorted_indexes: Mapping[str, SortFn] = field(default_factory=dict)

    def key_of(self, row: Row) -> Key:
        """The key tuple of a row."""
        return tuple(row[name] for name in self.key)


def by_property(name: str) -> IndexFn:
    """A hash index on one property's value."""

    def values(row: Row) -> Iterable[Hashable]:
        value = row.get(name)
        return () if value is None else (value,)

    return values


def sorted_property(name: str) -> SortFn:
    """A sorted index on one text property."""

    def value(row: Row) -> str | None:
        found = row.get(name)
        return found if isinstance(found, str) else None

    return value


class SortedList:
    """A sorted list kept in chunks, so an insertion in the middle costs O(log n + chunk), not O(n).

    Why not :func:`bisect.insort` on one list: posted documents arrive in no key order, and moving half of a
    50,000-entry list on every insert made the emulator quadratic.
    """

    CHUNK = 512

    def __init__(self) -> None:
        self._chunks: list[list[Any]] = []
        self._maxes: list[Any] = []
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def add(self, value: Any) -> None:
        """Insert ``value`` at its place."""
        self._len += 1
        if not self._chunks:
            self._chunks.append([value])
            self._maxes.append(value)
            return
        position = bisect.bisect_left(self._maxes, value)
        if position == len(self._maxes):
            position -= 1
            self._chunks[position].append(value)
            self._maxes[position] = value
        else:
            bisect.insort(self._chunks[position], value)
        chunk = self._chunks[position]
        if len(chunk) > 2 * self.CHUNK:
            half = len(chunk) // 2
            self._chunks[position : position + 1] = [chunk[:half], chunk[half:]]
            self._maxes[position : position + 1] = [chunk[half - 1], chunk[-1]]

    def remove(self, value: Any) -> None:
        """Remove one ``value`` (ValueError when absent)."""
        position = bisect.bisect_left(self._maxes, value)
        if position == len(self._maxes):
            raise ValueError(value)
        chunk = self._chunks[position]
        index = bisect.bisect_left(chunk, value)
        if index == len(chunk) or chunk[index] != value:
            raise ValueError(value)
        del chunk[index]
        self._len -= 1
        if chunk:
            self._maxes[position] = chunk[-1]
        else:
            del self._chunks[position]
            del self._maxes[position]

    def last(self) -> Any:
        """The greatest value (IndexError when empty)."""
        return self._maxes[-1]

    def islice(self, start: int = 0, stop: int | None = None) -> Iterator[Any]:
        """Values from position ``start`` to ``stop``, in order."""
        remaining = None if stop is None else max(0, stop - start)
        for chunk in self._chunks:
            if start >= len(chunk):
                start -= len(chunk)
                continue
            for value in chunk[start:]:
                if remaining is not None:
                    if remaining == 0:
                        return
                    remaining -= 1
                yield value
            start = 0

    def between(self, low: Any, high: Any) -> list[Any]:
        """Values ``v`` with ``low <= v < high`` (either bound None = open)."""
        first = 0 if low is None else bisect.bisect_left(self._maxes, low)
        found: list[Any] = []
        for chunk in self._chunks[first:]:
            start = 0 if low is None else bisect.bisect_left(chunk, low)
            end = len(chunk) if high is None else bisect.bisect_left(chunk, high)
            found.extend(chunk[start:end])
            if end < len(chunk):
                break
        return found

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._chunks:
            yield from chunk


class Table:
    """The rows of one resource, by key, with their indexes (not thread-safe: the store locks)."""

    def __init__(self, spec: TableSpec, counter: Callable[[int], None]) -> None:
        self.spec = spec
        self.rows: dict[Key, Row] = {}
        self._order = SortedList()
        self._hash: dict[str, dict[Hashable, set[Key]]] = {name: {} for name in spec.hash_indexes}
        self._sorted: dict[str, SortedList] = {name: SortedList() for name in spec.sorted_indexes}
        self._count = counter
        self.answers: dict[str, list[Row]] = {}
        """Whole filtered and ordered answers by query (the pages of one listing are cut from one answer instead of
        filtering and sorting the table again per page, which made paging quadratic); any change empties it."""

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, key: Key) -> Row | None:
        """One row by key."""
        self._count(1)
        return self.rows.get(key)

    def keys(self) -> list[Key]:
        """Every key, in key order."""
        return list(self._order)

    def scan(self, skip: int = 0, limit: int | None = None) -> Iterator[Row]:
        """Rows in key order from ``skip`` (at most ``limit``), each counted as work as it is read."""
        for key in self._order.islice(skip, None if limit is None else skip + limit):
            self._count(1)
            yield self.rows[key]

    def lookup(self, index: str, value: Hashable) -> set[Key]:
        """Keys of the rows a hash index finds under ``value``."""
        found = self._hash[index].get(value, set())
        self._count(1 + len(found))
        return found

    def has_hash(self, index: str) -> bool:
        """Whether a hash index of that name exists."""
        return index in self._hash

    def has_sorted(self, index: str) -> bool:
        """Whether a sorted index of that name exists."""
        return index in self._sorted

    def range(
        self, index: str, low: str | None, high: str | None, *, include_low: bool, include_high: bool
    ) -> list[Key]:
        """Keys whose sorted-index value lies between ``low`` and ``high`` (None = open)."""
        lower = None if low is None else ((low,) if include_low else (low + "\x00",))
        upper = None if high is None else ((high + "\x00",) if include_high else (high,))
        entries = self._sorted[index].between(lower, upper)
        self._count(1 + len(entries))
        return [key for _, key in entries]

    def prefix(self, index: str, text: str) -> list[Key]:
        """Keys whose sorted-index value starts with ``text``."""
        entries = self._sorted[index].between((text,), (text + "\U0010ffff",))
        self._count(1 + len(entries))
        return [key for _, key in entries]

    def order(self, keys: Iterable[Key]) -> list[Key]:
        """Keys sorted in key order."""
        return sorted(keys)

    # -- raw changes (the store journals them) -------------------------------------------------------
    def _insert(self, key: Key, row: Row) -> None:
        self.answers.clear()
        self.rows[key] = row
        self._order.add(key)
        self._index(key, row)

    def _remove(self, key: Key) -> Row:
        self.answers.clear()
        row = self.rows.pop(key)
        self._order.remove(key)
        self._unindex(key, row)
        return row

    def _replace(self, key: Key, row: Row) -> Row:
        self.answers.clear()
        old = self.rows[key]
        self._unindex(key, old)
        self.rows[key] = row
        self._index(key, row)
        return old

    def _index(self, key: Key, row: Row) -> None:
        for name, values in self.spec.hash_indexes.items():
            index = self._hash[name]
            for value in values(row):
                index.setdefault(value, set()).add(key)
                self._count(1)
        for name, sort_value in self.spec.sorted_indexes.items():
            text = sort_value(row)
            if text is not None:
                self._sorted[name].add((text, key))
                self._count(1)

    def _unindex(self, key: Key, row: Row) -> None:
        for name, values in self.spec.hash_indexes.items():
            index = self._hash[name]
            for value in values(row):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
                self._count(1)
        for name, sort_value in self.spec.sorted_indexes.items():
            text = sort_value(row)
            if text is not None:
                self._sorted[name].remove((text, key))
                self._count(1)


_Undo = tuple[str, Key, Row | None] | tuple[str, Table]


class Store:
    """Every table of one company, one lock, an undo journal and snapshots."""

    def __init__(self, specs: Iterable[TableSpec]) -> None:
        self.lock = threading.RLock()
        self.specs = {spec.name: spec for spec in specs}
        self.work = 0
        self.tables: dict[str, Table] = {name: Table(spec, self._add_work) for name, spec in self.specs.items()}
        self._journal: list[_Undo] = []
        self._depth = 0
        self._snapshots: dict[str, int] = {}
        self._snapshot_ids = itertools.count(1)

    def _add_work(self, amount: int) -> None:
        self.work += amount

    def table(self, name: str) -> Table:
        """One table by name."""
        return self.tables[name]

    # -- changes -------------------------------------------------------------------------------------
    def put(self, name: str, row: Row) -> Row:
        """Insert or replace a row (by its key); the row must not be changed afterwards."""
        table = self.tables[name]
        key = table.spec.key_of(row)
        old = table.rows.get(key)
        if old is None:
            table._insert(key, row)
        else:
            table._replace(key, row)
        self._record((name, key, old))
        return row

    def update(self, name: str, key: Key, **changes: Any) -> Row:
        """Store a copy of a row with some properties changed (KeyError if there is no such row)."""
        row = {**self.tables[name].rows[key], **changes}
        return self.put(name, row)

    def delete(self, name: str, key: Key) -> None:
        """Remove a row."""
        old = self.tables[name]._remove(key)
        self._record((name, key, old))

    def replace_table(self, name: str, rows: Iterable[Row]) -> None:
        """Swap a whole table for new rows (reset, seed load) — journaled in O(1)."""
        table = Table(self.specs[name], self._add_work)
        for row in rows:
            table._insert(table.spec.key_of(row), row)
        self._record((name, self.tables[name]))
        self.tables[name] = table

    def next_number(self, counter: str, start: int = 1) -> int:
        """Consume the next value of a named counter (journaled like any row)."""
        row = self.tables["counters"].rows.get((counter,))
        value = (int(row["Value"]) + 1) if row is not None else start
        self.put("counters", {"Name": counter, "Value": value})
        return value

    def peek_number(self, counter: str, start: int = 1) -> int:
        """The value :meth:`next_number` would return."""
        row = self.tables["counters"].rows.get((counter,))
        return (int(row["Value"]) + 1) if row is not None else start

    def _record(self, entry: _Undo) -> None:
        if self._depth or self._snapshots:
            self._journal.append(entry)

    def _undo_to(self, position: int) -> None:
        while len(self._journal) > position:
            entry = self._journal.pop()
            if len(entry) == 2:
                name, table = entry
                self.tables[name] = table
                continue
            name, key, old = entry
            table = self.tables[name]
            if old is None:
                table._remove(key)
            elif key in table.rows:
                table._replace(key, old)
            else:
                table._insert(key, old)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """All or nothing: if the block raises, every change it made is undone."""
        with self.lock:
            position = len(self._journal)
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._undo_to(position)
                raise
            finally:
                self._depth -= 1
                if not self._depth and not self._snapshots:
                    self._journal.clear()

    # -- snapshots -----------------------------------------------------------------------------------
    def snapshot(self) -> str:
        """Remember the current state (O(1)); returns the snapshot id."""
        with self.lock:
            snapshot_id = f"s{next(self._snapshot_ids)}"
            self._snapshots[snapshot_id] = len(self._journal)
            return snapshot_id

    def restore(self, snapshot_id: str) -> None:
        """Undo everything since the snapshot; snapshots taken after it are forgotten.

        Raises:
            KeyError: an unknown snapshot id.
        """
        with self.lock:
            position = self._snapshots[snapshot_id]
            self._undo_to(position)
            self._snapshots = {k: v for k, v in self._snapshots.items() if v <= position}

    def forget_snapshots(self) -> None:
        """Drop every snapshot and the undo journal they kept; the next snapshot is ``s1`` again."""
        with self.lock:
            self._snapshots.clear()
            if not self._depth:
                self._journal.clear()
            self._snapshot_ids = itertools.count(1)

    def snapshot_ids(self) -> list[str]:
        """The snapshots that can still be restored."""
        with self.lock:
            return sorted(self._snapshots)

    def journal_length(self) -> int:
        """How many undo entries are kept (0 when no snapshot or write needs them)."""
        return len(self._journal)
