"""Finding documents in Sage 300 by number: ``$filter`` look-ups by range and where a document sits.

Exactly-once posting depends on finding documents again, so the rules live in one place: which values go
into one look-up (I33: runs of all-digit numbers by range, the rest OR-ed in small chunks), which batch
statuses count as "there" (a deleted batch does not), and which of two places of one document wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.odata import Expr, F

FILTER_CHUNK = 15
"""At most this many OR-ed values per ``$filter`` (keeps URLs short)."""
RANGE_CHUNK = 1000
"""At most this many wanted numbers per range look-up (I33): the answer holds those Sage has, in pages."""


def unique(values: Iterable[Any]) -> list[Any]:
    """``values`` without repeats, in their first order."""
    seen: set[Any] = set()
    result: list[Any] = []
    for value in values:
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``values`` in consecutive parts of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookups(name: str, values: Iterable[str]) -> Iterator[tuple[Expr, frozenset[str]]]:
    """``$filter`` expressions that find ``values`` of property ``name``, each with the values it covers (I33).

    Runs of all-digit numbers of one length (invoice numbers, mostly) are looked up by range —
    ``(name eq 'first' or name gt 'first') and name le 'last'`` — because every collation orders such strings
    the same way, so the range holds every wanted value; the answer may hold others, which callers drop.
    Anything else is OR-ed in chunks of :data:`FILTER_CHUNK`.
    """
    by_length: dict[int, list[str]] = {}
    others: list[str] = []
    for value in unique(values):
        (by_length.setdefault(len(value), []) if value.isascii() and value.isdigit() else others).append(value)
    for numbers in by_length.values():
        numbers.sort()
        for chunk in chunks(numbers, RANGE_CHUNK):
            first, last = chunk[0], chunk[-1]
            if len(chunk) <= FILTER_CHUNK:
                yield F.one_of(name, chunk), frozenset(chunk)
            else:
                expr = F.all_of([F.any_of([F.eq(name, first), F.gt(name, first)]), F.le(name, last)])
                yield expr, frozenset(chunk)
    for chunk in chunks(others, FILTER_CHUNK):
        yield F.one_of(name, chunk), frozenset(chunk)


def as_int(value: object) -> int | None:
    """An entry number Sage may send as text, as an int (``None`` if it is not one)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


_PLACE_RANK = {DocumentPlace.POSTED: 3, DocumentPlace.READY_BATCH: 2, DocumentPlace.OPEN_BATCH: 1}


def place_for_status(status: str | None) -> DocumentPlace | None:
    """Where a document in a batch of this status is; ``None`` for a deleted batch (it is not there).

    A status cwsage does not know counts as an open batch: the document exists, and that is what matters.
    """
    if status == V.BatchStatus.DELETED:
        return None
    if status == V.BatchStatus.POSTED:
        return DocumentPlace.POSTED
    if status == V.BatchStatus.READY_TO_POST:
        return DocumentPlace.READY_BATCH
    return DocumentPlace.OPEN_BATCH


def keep_best(found: dict[Any, DocumentLocation], key: Any, candidate: DocumentLocation) -> None:
    """Keep ``candidate`` for ``key`` unless ``found`` has it somewhere further along (posted beats a batch)."""
    current = found.get(key)
    if current is None or _PLACE_RANK.get(candidate.where, 0) > _PLACE_RANK.get(current.where, 0):
        found[key] = candidate
