"""A small, safe builder for the OData query options the Sage 300 Web API accepts.

Why it exists: a customer number with an apostrophe (``O'Hara``) or a date written the wrong way is
enough to turn a lookup into Sage's ``InvalidParameters`` error or, worse, into a different query. Every
``$filter`` cwsage sends is built here from typed values, with one quoting rule per type and per OData
dialect (DR22, PM): strings in single quotes with ``'`` doubled, integers bare, booleans ``true``/``false``
in both; datetimes ``datetime'2015-12-31T12:00:00'`` and decimals ``99.99m`` on an OData v3 server (MD16,
DR22), bare ``2015-12-31T12:00:00Z`` and ``99.99`` on a v4 server (PM). Which dialect a server speaks is
read from its ``$metadata`` (:func:`dialect_from_metadata`); queries are rendered for it at the last moment,
so one query object serves both. Property names are checked against a strict pattern here, and against the
vocabulary by the client.

Example::

    Query().filter(F.eq("CustomerNumber", "A'B") & (F.ge("LastActivityDate", day) | F.eq("FullyPaid", "Yes")))
           .select("CustomerNumber", "DocumentNumber").orderby("DocumentNumber").top(100).count()
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Literal
from urllib.parse import quote

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*$")

Literalish = str | int | Decimal | bool | date | datetime | Enum | None
"""Python values that can become an OData literal (floats are refused: money is Decimal)."""


class ODataError(ValueError):
    """A query cannot be built (bad property name, unsupported literal, contradictory option)."""


class Dialect(StrEnum):
    """The OData version a server speaks, as far as filter literals are concerned."""

    V3 = "v3"
    V4 = "v4"


_EDMX_VERSION_RE = re.compile(r"""<(?:[A-Za-z_][\w.-]*:)?Edmx\b[^>]*?\bVersion\s*=\s*["']([0-9.]+)["']""", re.DOTALL)
_DATA_SERVICE_VERSION_RE = re.compile(r"""\bDataServiceVersion\s*=\s*["']([0-9.]+)["']""")


def dialect_from_metadata(text: str) -> Dialect | None:
    """The dialect an EDMX document declares, or None when it cannot be read.

    EDMX ``Version="4.0"`` is OData v4 (DR22's sample); ``Version="1.0"`` (MD16), with its
    ``DataServiceVersion`` 1.0 to 3.0, is OData v3 or older, whose literals are the same.
    """
    match = _EDMX_VERSION_RE.search(text or "")
    if match is None:
        return None
    major = match.group(1).split(".", 1)[0]
    if major == "4":
        return Dialect.V4
    if major == "1":
        service = _DATA_SERVICE_VERSION_RE.search(text)
        if service is None or service.group(1).split(".", 1)[0] in {"1", "2", "3"}:
            return Dialect.V3
    return None


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid property path (``Invoices/DocumentNumber``), else raise ODataError."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ODataError(f"{name!r} is not a valid OData property name")
    return name


def quote_string(value: str) -> str:
    """An OData string literal: ``A'B`` -> ``'A''B'``."""
    return "'" + value.replace("'", "''") + "'"


def unquote_string(literal: str) -> str:
    """Inverse of :func:`quote_string` (for tests and for reading literals back)."""
    if len(literal) < 2 or literal[0] != "'" or literal[-1] != "'":
        raise ODataError(f"{literal!r} is not a quoted OData string")
    body = literal[1:-1]
    if "'" in body.replace("''", ""):
        raise ODataError(f"{literal!r} has an unescaped quote")
    return body.replace("''", "'")


def differs_by_dialect(value: Literalish) -> bool:
    """Whether ``value``'s literal is written differently by OData v3 and v4 (datetimes and decimals)."""
    return isinstance(value, Decimal | date)


def literal(value: Literalish, dialect: Dialect = Dialect.V4) -> str:
    """Render a Python value as an OData literal of ``dialect``.

    Args:
        value: str/Enum (quoted), int (bare), Decimal (v4 ``99.99``, v3 ``99.99m``), bool
            (``true``/``false``), date (v4 ``YYYY-MM-DDT00:00:00Z``, v3 ``datetime'YYYY-MM-DDT00:00:00'``),
            aware datetime (in UTC, likewise), None (``null``).
        dialect: The server's OData dialect.

    Raises:
        ODataError: for floats, naive datetimes, non-finite Decimals and anything else.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return quote_string(str(value.value))
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ODataError(f"{value!r} is not a finite number")
        text = format(value, "f")
        return f"{text}m" if dialect is Dialect.V3 else text
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ODataError(f"{value!r} has no time zone; OData dates must be absolute")
        return _datetime_literal(value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat(), dialect)
    if isinstance(value, date):
        return _datetime_literal(f"{value.isoformat()}T00:00:00", dialect)
    raise ODataError(f"cannot use a {type(value).__name__} in an OData filter (floats are refused: use Decimal)")


def _datetime_literal(naive_utc_iso: str, dialect: Dialect) -> str:
    return f"datetime'{naive_utc_iso}'" if dialect is Dialect.V3 else f"{naive_utc_iso}Z"


class Expr:
    """A boolean filter expression; combine with ``&`` (and), ``|`` (or) and ``~`` (not)."""

    precedence = 9

    def render(self, dialect: Dialect = Dialect.V4) -> str:
        """The expression text in ``dialect``."""
        raise NotImplementedError

    def comparisons(self) -> Iterable[_Comparison]:
        """Every comparison in the expression (for the names and literals it uses)."""
        raise NotImplementedError

    def _wrapped(self, outer: int, dialect: Dialect) -> str:
        text = self.render(dialect)
        return f"({text})" if self.precedence < outer else text

    def __and__(self, other: Expr) -> Expr:
        return _Junction("and", (self, other))

    def __or__(self, other: Expr) -> Expr:
        return _Junction("or", (self, other))

    def __invert__(self) -> Expr:
        return _Not(self)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class _Comparison(Expr):
    name: str
    op: str
    value: Literalish

    def __post_init__(self) -> None:
        literal(self.value)  # fail when the query is built, not when it is sent

    def render(self, dialect: Dialect = Dialect.V4) -> str:
        return f"{self.name} {self.op} {literal(self.value, dialect)}"

    def comparisons(self) -> Iterable[_Comparison]:
        return (self,)


class _Junction(Expr):
    op: Literal["and", "or"]
    parts: tuple[Expr, ...]

    def __init__(self, op: Literal["and", "or"], parts: tuple[Expr, ...]) -> None:
        flat: list[Expr] = []
        for part in parts:
            if not isinstance(part, Expr):
                raise ODataError(f"cannot combine a filter with {type(part).__name__}")
            if isinstance(part, _Junction) and part.op == op:
                flat.extend(part.parts)
            else:
                flat.append(part)
        self.op = op
        self.parts = tuple(flat)
        self.precedence = 2 if op == "and" else 1

    def render(self, dialect: Dialect = Dialect.V4) -> str:
        return f" {self.op} ".join(part._wrapped(self.precedence + 1, dialect) for part in self.parts)

    def comparisons(self) -> Iterable[_Comparison]:
        return [c for part in self.parts for c in part.comparisons()]


class _Not(Expr):
    precedence = 3

    def __init__(self, inner: Expr) -> None:
        self.inner = inner

    def render(self, dialect: Dialect = Dialect.V4) -> str:
        return f"not ({self.inner.render(dialect)})"

    def comparisons(self) -> Iterable[_Comparison]:
        return self.inner.comparisons()


class F:
    """Filter constructors: ``F.eq("CustomerNumber", "1100")``; property names are validated."""

    @staticmethod
    def eq(name: str, value: Literalish) -> Expr:
        """``name eq value``."""
        return _Comparison(check_name(name), "eq", value)

    @staticmethod
    def ne(name: str, value: Literalish) -> Expr:
        """``name ne value``."""
        return _Comparison(check_name(name), "ne", value)

    @staticmethod
    def gt(name: str, value: Literalish) -> Expr:
        """``name gt value``."""
        return _Comparison(check_name(name), "gt", value)

    @staticmethod
    def ge(name: str, value: Literalish) -> Expr:
        """``name ge value``."""
        return _Comparison(check_name(name), "ge", value)

    @staticmethod
    def lt(name: str, value: Literalish) -> Expr:
        """``name lt value``."""
        return _Comparison(check_name(name), "lt", value)

    @staticmethod
    def le(name: str, value: Literalish) -> Expr:
        """``name le value``."""
        return _Comparison(check_name(name), "le", value)

    @staticmethod
    def not_(expr: Expr) -> Expr:
        """``not (expr)``."""
        return _Not(expr)

    @staticmethod
    def all_of(exprs: Iterable[Expr]) -> Expr:
        """``a and b and …`` (at least one)."""
        parts = tuple(exprs)
        if not parts:
            raise ODataError("all_of() needs at least one expression")
        return parts[0] if len(parts) == 1 else _Junction("and", parts)

    @staticmethod
    def any_of(exprs: Iterable[Expr]) -> Expr:
        """``a or b or …`` (at least one)."""
        parts = tuple(exprs)
        if not parts:
            raise ODataError("any_of() needs at least one expression")
        return parts[0] if len(parts) == 1 else _Junction("or", parts)

    @staticmethod
    def one_of(name: str, values: Iterable[Literalish]) -> Expr:
        """``name eq v1 or name eq v2 …`` (OData ``in`` is not known to work on Sage [?])."""
        return F.any_of(F.eq(name, value) for value in values)


class Query:
    """Collects OData options; :meth:`params` gives the dict, :meth:`to_query_string` the encoded form."""

    def __init__(self) -> None:
        self._filters: list[Expr] = []
        self._select: list[str] = []
        self._orderby: list[str] = []
        self._top: int | None = None
        self._skip: int | None = None
        self._count = False

    def filter(self, expr: Expr) -> Query:
        """Add a filter; several calls are AND-ed."""
        if not isinstance(expr, Expr):
            raise ODataError(f"filter() needs an expression, not {type(expr).__name__}")
        self._filters.append(expr)
        return self

    def select(self, *names: str) -> Query:
        """Restrict the properties returned (``$select``)."""
        for name in names:
            if check_name(name) not in self._select:
                self._select.append(name)
        return self

    def orderby(self, name: str, *, desc: bool = False) -> Query:
        """Add a sort key (``$orderby``); call again for secondary keys."""
        self._orderby.append(f"{check_name(name)} desc" if desc else check_name(name))
        return self

    def top(self, n: int) -> Query:
        """At most ``n`` rows (``$top``)."""
        if n < 0:
            raise ODataError("$top must not be negative")
        self._top = n
        return self

    def skip(self, n: int) -> Query:
        """Skip ``n`` rows (``$skip``)."""
        if n < 0:
            raise ODataError("$skip must not be negative")
        self._skip = n
        return self

    def count(self, flag: bool = True) -> Query:
        """Ask for the total count (``$count=true``; answered as ``@odata.count`` or ``odata.count``)."""
        self._count = flag
        return self

    @property
    def has_orderby(self) -> bool:
        """Whether a sort key was given."""
        return bool(self._orderby)

    def property_names(self) -> set[str]:
        """Every property name the query uses (in ``$filter``, ``$select`` and ``$orderby``)."""
        names = {c.name for expr in self._filters for c in expr.comparisons()}
        names.update(self._select)
        names.update(item.split(" ", 1)[0] for item in self._orderby)
        return names

    def needs_dialect(self) -> bool:
        """Whether the filter holds a literal that OData v3 and v4 write differently."""
        return any(differs_by_dialect(c.value) for expr in self._filters for c in expr.comparisons())

    def filter_text(self, dialect: Dialect = Dialect.V4) -> str | None:
        """The combined ``$filter`` text in ``dialect``, or None."""
        if not self._filters:
            return None
        return F.all_of(self._filters).render(dialect)

    def params(self, dialect: Dialect = Dialect.V4) -> dict[str, str]:
        """The query options as a dict (``{"$filter": "…", "$top": "100", …}``), literals in ``dialect``."""
        result: dict[str, str] = {}
        text = self.filter_text(dialect)
        if text is not None:
            result["$filter"] = text
        if self._select:
            result["$select"] = ",".join(self._select)
        if self._orderby:
            result["$orderby"] = ",".join(self._orderby)
        if self._top is not None:
            result["$top"] = str(self._top)
        if self._skip is not None:
            result["$skip"] = str(self._skip)
        if self._count:
            result["$count"] = "true"
        return result

    def to_query_string(self, dialect: Dialect = Dialect.V4) -> str:
        """Percent-encoded ``$filter=…&$top=…`` with spaces as ``%20`` (never ``+``), ``$`` kept literal."""
        return "&".join(f"{key}={quote(value, safe=_SAFE)}" for key, value in self.params(dialect).items())

    def renamed(self, names: Mapping[str, str]) -> Query:
        """A copy with ``$select`` and ``$orderby`` names replaced (an older server's spelling of a key).

        Raises:
            ODataError: if the filter names one of them (filters are written in one spelling only).
        """
        filtered = {c.name for expr in self._filters for c in expr.comparisons()} & set(names)
        if filtered:
            raise ODataError(f"cannot rename {', '.join(sorted(filtered))} inside a filter")
        copy = Query()
        copy._filters = list(self._filters)
        copy._select = [names.get(name, name) for name in self._select]
        copy._orderby = [
            " ".join([names.get(item.split(" ")[0], item.split(" ")[0]), *item.split(" ")[1:]])
            for item in self._orderby
        ]
        copy._top, copy._skip, copy._count = self._top, self._skip, self._count
        return copy

    def __repr__(self) -> str:
        return f"Query({self.params()!r})"


_SAFE = "'(),:/$-._~"
