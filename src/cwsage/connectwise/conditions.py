"""A small, safe builder for Manage's ``conditions`` query language.

Why: ``conditions`` is SQL-like text (``company/id=250 and status/name="Closed"``). Pasting a batch number or
an invoice number into it with an f-string lets a quote in the value break the query, or change its meaning.
Everything that goes into ``conditions`` in cwsage is built here:

* strings in double quotes, with ``"`` and ``\\`` escaped by a backslash (``\\"``, ``\\\\``) — the project's
  decision, which the Manage emulator follows too;
* ints and Decimals bare, booleans ``True``/``False``, ``null``;
* datetimes (and dates, meaning midnight UTC) in square brackets: ``[2024-01-01T00:00:00Z]``;
* ``in (…)`` / ``not in (…)`` lists; ``and`` / ``or`` with parentheses where they mix;
* field paths checked against ``[A-Za-z0-9_/]`` (``company/id``, ``_info/lastUpdated``).

Example::

    C.eq("batchIdentifier", 'x"y') & C.gt("_info/lastUpdated", dt)
    # batchIdentifier="x\\"y" and _info/lastUpdated>[2024-01-01T00:00:00Z]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from cwsage.dates import manage_datetime

Value = str | int | Decimal | bool | date | datetime | None
"""What a condition can compare a field with (``float`` is refused: it is never exact)."""

_FIELD_RE: Final = re.compile(r"^[A-Za-z0-9_]+(?:/[A-Za-z0-9_]+)*$")


def quote(text: str) -> str:
    """Quote ``text`` as a conditions string literal: ``a"b\\c`` -> ``"a\\"b\\\\c"``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote(literal: str) -> str:
    """Read back a literal made by :func:`quote` (the inverse, used by tests and the emulator's peers).

    Raises:
        ValueError: ``literal`` is not one double-quoted string with only ``\\"`` and ``\\\\`` escapes.
    """
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"not a quoted string: {literal!r}")
    out: list[str] = []
    body = literal[1:-1]
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            if index + 1 >= len(body) or body[index + 1] not in '"\\':
                raise ValueError(f"bad escape in {literal!r} at {index + 1}")
            out.append(body[index + 1])
            index += 2
            continue
        if char == '"':
            raise ValueError(f"unescaped quote in {literal!r} at {index + 1}")
        out.append(char)
        index += 1
    return "".join(out)


def literal(value: Value) -> str:
    """Render one value in conditions syntax.

    Raises:
        TypeError: a float or another type that has no exact rendering.
        ValueError: a non-finite Decimal or a naive datetime.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} cannot be used in conditions")
        return format(value, "f")
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes in conditions must be timezone-aware")
        return f"[{manage_datetime(value)}]"
    if isinstance(value, date):
        return f"[{manage_datetime(value)}]"
    raise TypeError(f"cannot use {type(value).__name__} in conditions")


def _field(name: str) -> str:
    if not _FIELD_RE.match(name):
        raise ValueError(f"{name!r} is not a valid conditions field path")
    return name


class Condition:
    """A rendered condition; combine with ``&`` (and) and ``|`` (or). ``str()`` gives the query text."""

    __slots__ = ("_joiner", "_text")

    def __init__(self, text: str, *, joiner: str | None = None) -> None:
        self._text = text
        self._joiner = joiner

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Condition({self._text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)

    def _operand(self, joiner: str) -> str:
        return self._text if self._joiner in (None, joiner) else f"({self._text})"

    def _combine(self, other: Condition, joiner: str) -> Condition:
        if not isinstance(other, Condition):
            return NotImplemented
        return Condition(f"{self._operand(joiner)} {joiner} {other._operand(joiner)}", joiner=joiner)

    def __and__(self, other: Condition) -> Condition:
        return self._combine(other, "and")

    def __or__(self, other: Condition) -> Condition:
        return self._combine(other, "or")

    def grouped(self) -> Condition:
        """The same condition in parentheses."""
        return Condition(f"({self._text})")


class C:
    """Constructors of :class:`Condition` (``C.eq("locationId", 2)`` -> ``locationId=2``)."""

    @staticmethod
    def _cmp(field: str, op: str, value: Value) -> Condition:
        return Condition(f"{_field(field)}{op}{literal(value)}")

    @staticmethod
    def eq(field: str, value: Value) -> Condition:
        """``field=value``."""
        return C._cmp(field, "=", value)

    @staticmethod
    def ne(field: str, value: Value) -> Condition:
        """``field!=value``."""
        return C._cmp(field, "!=", value)

    @staticmethod
    def lt(field: str, value: Value) -> Condition:
        """``field<value``."""
        return C._cmp(field, "<", value)

    @staticmethod
    def le(field: str, value: Value) -> Condition:
        """``field<=value``."""
        return C._cmp(field, "<=", value)

    @staticmethod
    def gt(field: str, value: Value) -> Condition:
        """``field>value``."""
        return C._cmp(field, ">", value)

    @staticmethod
    def ge(field: str, value: Value) -> Condition:
        """``field>=value``."""
        return C._cmp(field, ">=", value)

    @staticmethod
    def contains(field: str, text: str) -> Condition:
        """``field contains "text"``."""
        return Condition(f"{_field(field)} contains {quote(text)}")

    @staticmethod
    def like(field: str, pattern: str) -> Condition:
        """``field like "pattern"`` (the wildcard character is the server's; no escaping of it here)."""
        return Condition(f"{_field(field)} like {quote(pattern)}")

    @staticmethod
    def in_(field: str, values: Iterable[Value]) -> Condition:
        """``field in (v1,v2,…)``.

        Raises:
            ValueError: ``values`` is empty (``in ()`` is not valid Manage syntax).
        """
        rendered = [literal(v) for v in values]
        if not rendered:
            raise ValueError(f"'{field} in ()' needs at least one value")
        return Condition(f"{_field(field)} in ({','.join(rendered)})")

    @staticmethod
    def not_in(field: str, values: Iterable[Value]) -> Condition:
        """``field not in (v1,v2,…)``."""
        rendered = [literal(v) for v in values]
        if not rendered:
            raise ValueError(f"'{field} not in ()' needs at least one value")
        return Condition(f"{_field(field)} not in ({','.join(rendered)})")

    @staticmethod
    def is_null(field: str) -> Condition:
        """``field=null``."""
        return Condition(f"{_field(field)}=null")

    @staticmethod
    def not_null(field: str) -> Condition:
        """``field!=null``."""
        return Condition(f"{_field(field)}!=null")

    @staticmethod
    def all_of(*conditions: Condition) -> Condition:
        """``a and b and …`` (at least one condition)."""
        return C._fold(conditions, "and")

    @staticmethod
    def any_of(*conditions: Condition) -> Condition:
        """``a or b or …`` (at least one condition)."""
        return C._fold(conditions, "or")

    @staticmethod
    def _fold(conditions: tuple[Condition, ...], joiner: str) -> Condition:
        if not conditions:
            raise ValueError(f"'{joiner}' of no conditions")
        result = conditions[0]
        for item in conditions[1:]:
            result = result._combine(item, joiner)
        return result
