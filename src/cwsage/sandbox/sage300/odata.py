"""The OData query options the Sage 300 Web API understands: ``$filter``, ``$select``, ``$orderby``,
``$top``, ``$skip`` and ``$count`` (reference §1.5, §1.6).

Why a parser of our own: the emulator must refuse what a real installation refuses, with the same
``InvalidParameters`` texts (ODataLib's wording, e.g. "Could not find a property named 'X' on type
'Sage.CA.SBS.ERP.Sage300.AR.WebApi.Models.PostedDocument'."), and accept what it accepts: string
literals in single quotes (``''`` escapes a quote), numbers, unquoted ISO dates and datetimes, ``true``,
``false``, ``null``, enum values as quoted names or quoted numbers (``FullyPaid eq '1'``), the operators
``eq ne gt ge lt le``, ``and``, ``or``, ``not`` and parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300.errors import bad_request

_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_OP_NAMES = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_./]*")

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "," "str" "date" "num" "ident" "end"
    value: Any
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "(),":
            tokens.append(_Token(ch, ch, i))
            i += 1
            continue
        if ch == "'":
            j = i + 1
            chars: list[str] = []
            while True:
                if j >= len(text):
                    raise bad_request(f"There is an unterminated string literal at position {i} in '{text}'.")
                if text[j] == "'":
                    if j + 1 < len(text) and text[j + 1] == "'":
                        chars.append("'")
                        j += 2
                        continue
                    break
                chars.append(text[j])
                j += 1
            tokens.append(_Token("str", "".join(chars), i))
            i = j + 1
            continue
        match = _DATETIME.match(text, i)
        if match and "-" in match.group(0)[1:]:
            tokens.append(_Token("date", _parse_literal_date(match.group(0), text, i), i))
            i = match.end()
            continue
        match = _NUMBER.match(text, i)
        if match:
            raw = match.group(0).rstrip("mMdDfFlL")
            tokens.append(_Token("num", Decimal(raw) if any(c in raw for c in ".eE") else int(raw), i))
            i = match.end()
            continue
        match = _IDENT.match(text, i)
        if match:
            tokens.append(_Token("ident", match.group(0), i))
            i = match.end()
            continue
        raise bad_request(f"Syntax error: character '{ch}' is not valid at position {i} in '{text}'.")
    tokens.append(_Token("end", None, len(text)))
    return tokens


def _parse_literal_date(raw: str, text: str, pos: int) -> datetime:
    try:
        if "T" not in raw:
            return datetime.combine(date.fromisoformat(raw), datetime.min.time(), tzinfo=UTC)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"Unrecognized 'Edm.DateTimeOffset' literal '{raw}' at '{pos}' in '{text}'.") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def to_datetime(value: Any) -> datetime | None:
    """An entity's date value (ISO text ending in ``Z``) as an aware datetime, or None when it is not one."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        try:
            if "T" not in value:
                return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class _Prop:
    name: str


@dataclass(frozen=True)
class _Lit:
    value: Any
    edm: str


@dataclass(frozen=True)
class _Cmp:
    op: str
    left: _Prop | _Lit
    right: _Prop | _Lit


@dataclass(frozen=True)
class _Bool:
    op: str  # "and" | "or" | "not"
    args: tuple[Any, ...]


class _Parser:
    def __init__(self, text: str, fields: Sequence[str], type_name: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.fields = set(fields)
        self.type_name = type_name

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, token: _Token) -> Exception:
        return bad_request(f"Syntax error at position {token.pos} in '{self.text}'.")

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token.kind == "ident" and token.value in words:
            self.i += 1
            return str(token.value)
        return None

    def parse(self) -> Any:
        node = self.parse_or()
        if self.peek().kind != "end":
            raise self.error(self.peek())
        return node

    def parse_or(self) -> Any:
        node = self.parse_and()
        while self.keyword("or"):
            node = _Bool("or", (node, self.parse_and()))
        return node

    def parse_and(self) -> Any:
        node = self.parse_unary()
        while self.keyword("and"):
            node = _Bool("and", (node, self.parse_unary()))
        return node

    def parse_unary(self) -> Any:
        if self.keyword("not"):
            return _Bool("not", (self.parse_unary(),))
        return self.parse_comparison()

    def parse_comparison(self) -> Any:
        if self.peek().kind == "(":
            self.take()
            node = self.parse_or()
            if self.take().kind != ")":
                raise self.error(self.tokens[self.i - 1])
            if self.peek().kind == "ident" and self.peek().value in _COMPARISONS:
                raise self.error(self.peek())
            return node
        left = self.parse_operand()
        op = self.keyword(*_COMPARISONS)
        if op is None:
            token = self.peek()
            if isinstance(left, _Prop):
                raise bad_request(
                    f"The binary operator is missing after '{left.name}' at position {token.pos} in '{self.text}'."
                )
            raise self.error(token)
        right = self.parse_operand()
        return _Cmp(op, left, right)

    def parse_operand(self) -> _Prop | _Lit:
        token = self.take()
        if token.kind == "str":
            return _Lit(token.value, "Edm.String")
        if token.kind == "date":
            return _Lit(token.value, "Edm.DateTimeOffset")
        if token.kind == "num":
            return _Lit(token.value, "Edm.Decimal" if isinstance(token.value, Decimal) else "Edm.Int32")
        if token.kind == "ident":
            name = str(token.value)
            if name in ("true", "false"):
                return _Lit(name == "true", "Edm.Boolean")
            if name == "null":
                return _Lit(None, "null")
            if name not in self.fields:
                raise bad_request(f"Could not find a property named '{name}' on type '{self.type_name}'.")
            return _Prop(name)
        raise self.error(token)


def _edm_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Edm.Boolean"
    if isinstance(value, int):
        return "Edm.Int32"
    if isinstance(value, Decimal):
        return "Edm.Decimal"
    if isinstance(value, datetime):
        return "Edm.DateTimeOffset"
    if isinstance(value, str):
        return "Edm.DateTimeOffset" if to_datetime(value) else "Edm.String"
    return "Edm.Untyped"


def _coerce(prop: str, value: Any, literal: _Lit, enums: Mapping[str, Mapping[str, str]]) -> tuple[Any, Any]:
    """Bring an entity value and a literal to comparable Python values (or raise the OData type error)."""
    lit = literal.value
    if lit is None or value is None:
        return value, lit
    if prop in enums and isinstance(lit, str):
        return value, enums[prop].get(lit, lit)
    if isinstance(lit, datetime):
        when = to_datetime(value)
        if when is None:
            raise TypeError(_edm_of(value))
        return when, lit
    if isinstance(lit, bool):
        if isinstance(value, str) and value in ("Yes", "No"):
            return value == "Yes", lit
        if not isinstance(value, bool):
            raise TypeError(_edm_of(value))
        return value, lit
    if isinstance(lit, int | Decimal):
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise TypeError(_edm_of(value))
        return value, lit
    if isinstance(value, str):
        return value, lit
    raise TypeError(_edm_of(value))


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        if op == "gt":
            return bool(left > right)
        if op == "ge":
            return bool(left >= right)
        if op == "lt":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


def compile_filter(
    text: str, fields: Sequence[str], type_name: str, enums: Mapping[str, Mapping[str, str]] | None = None
) -> Predicate:
    """Parse ``$filter`` text into a predicate over entity dicts.

    Args:
        text: the ``$filter`` value.
        fields: the entity type's property names (others are refused as in ODataLib).
        type_name: the CLR type name used in error messages.
        enums: per property, numeric literal → enum name (``{"FullyPaid": {"1": "Yes", "0": "No"}}``).

    Returns:
        A function telling whether an entity matches.

    Raises:
        SageError: 400 ``InvalidParameters`` for any syntax, property or type error.
    """
    tree = _Parser(text, fields, type_name).parse()
    enum_map = enums or {}

    def evaluate(node: Any, row: Row) -> bool:
        if isinstance(node, _Bool):
            if node.op == "and":
                return evaluate(node.args[0], row) and evaluate(node.args[1], row)
            if node.op == "or":
                return evaluate(node.args[0], row) or evaluate(node.args[1], row)
            return not evaluate(node.args[0], row)
        assert isinstance(node, _Cmp)
        left, right = node.left, node.right
        if isinstance(left, _Lit) and isinstance(right, _Prop):
            flipped = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}.get(node.op, node.op)
            return evaluate(_Cmp(flipped, right, left), row)
        if isinstance(left, _Prop) and isinstance(right, _Lit):
            try:
                a, b = _coerce(left.name, row.get(left.name), right, enum_map)
            except TypeError as exc:
                raise bad_request(
                    "A binary operator with incompatible types was detected. Found operand types "
                    f"'{exc.args[0]}' and '{right.edm}' for operator kind '{_OP_NAMES[node.op]}'."
                ) from exc
            return _compare(node.op, a, b)
        if isinstance(left, _Prop) and isinstance(right, _Prop):
            a, b = row.get(left.name), row.get(right.name)
            da, db = to_datetime(a), to_datetime(b)
            if da is not None and db is not None:
                a, b = da, db
            return _compare(node.op, a, b)
        assert isinstance(left, _Lit)
        assert isinstance(right, _Lit)
        return _compare(node.op, left.value, right.value)

    return lambda row: evaluate(tree, row)


def parse_select(text: str, fields: Sequence[str], type_name: str) -> list[str] | None:
    """The ``$select`` property list (None for everything)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise bad_request(f"Syntax error at position 0 in '{text}'.")
    if "*" in names:
        return None
    known = set(fields)
    for name in names:
        if name not in known:
            raise bad_request(f"Could not find a property named '{name}' on type '{type_name}'.")
    return names


def parse_orderby(text: str, fields: Sequence[str], type_name: str) -> list[tuple[str, bool]]:
    """The ``$orderby`` clauses as ``(property, descending)``."""
    clauses: list[tuple[str, bool]] = []
    known = set(fields)
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad_request(f"Syntax error at position 0 in '{text}'.")
        if words[0] not in known:
            raise bad_request(f"Could not find a property named '{words[0]}' on type '{type_name}'.")
        clauses.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return clauses


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    when = to_datetime(value)
    if when is not None:
        return (1, when.timestamp())
    if isinstance(value, bool):
        return (2, int(value))
    if isinstance(value, int | Decimal):
        return (2, value)
    return (3, str(value))


def sort_rows(rows: list[dict[str, Any]], clauses: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """Stable multi-key sort (nulls first ascending, as SQL Server does)."""
    result = list(rows)
    for name, descending in reversed(clauses):
        result.sort(key=lambda row: _sort_key(row.get(name)), reverse=descending)
    return result


def parse_int_option(name: str, text: str) -> int:
    """``$top`` / ``$skip`` as a non-negative integer."""
    if not text.isdigit():
        raise bad_request(
            f"Invalid value '{text}' for {name} query option found. "
            f"The {name} query option requires a non-negative integer value."
        )
    return int(text)


@dataclass
class QueryOptions:
    """The parsed system query options of one GET."""

    predicate: Predicate | None = None
    select: list[str] | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False


SUPPORTED = {"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand", "$format"}


def parse_options(
    params: Mapping[str, str],
    fields: Sequence[str],
    type_name: str,
    enums: Mapping[str, Mapping[str, str]] | None = None,
) -> QueryOptions:
    """Parse every ``$`` option of a request (``$expand`` and ``$format`` are accepted and ignored)."""
    options = QueryOptions()
    for name in params:
        if name.startswith("$") and name not in SUPPORTED:
            raise bad_request(f"The query parameter '{name}' is not supported.")
    if "$filter" in params:
        options.predicate = compile_filter(params["$filter"], fields, type_name, enums)
    if "$select" in params:
        options.select = parse_select(params["$select"], fields, type_name)
    if "$orderby" in params:
        options.orderby = parse_orderby(params["$orderby"], fields, type_name)
    if "$top" in params:
        options.top = parse_int_option("$top", params["$top"])
    if "$skip" in params:
        options.skip = parse_int_option("$skip", params["$skip"])
    if "$count" in params:
        value = params["$count"].lower()
        if value not in ("true", "false"):
            raise bad_request(f"'{params['$count']}' is not a valid count option.")
        options.count = value == "true"
    return options


def project(row: Mapping[str, Any], select: list[str] | None) -> dict[str, Any]:
    """The entity restricted to ``$select`` (a copy either way)."""
    if select is None:
        return dict(row)
    return {name: row.get(name) for name in select}
