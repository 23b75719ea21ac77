"""OData query options as Sage 300 serves them: ``$filter``, ``$select``, ``$orderby``, ``$top``, ``$skip``,
``$count`` — typed against the entity type, in the dialect's literal syntax, and answered from indexes.

Why a parser of our own: the emulator must refuse what a real installation refuses (a property the type
does not have, a literal of the wrong type, a v3 literal on a v4 server and the reverse) with
``InvalidParameters``, and accept what it accepts:

* v4 (v1.0): strings ``'1200'`` (``''`` escapes a quote), numbers ``99.99`` (an ``m`` suffix tolerated),
  bare dates ``2016-12-31T12:00:00Z`` or ``2016-12-31``, ``true``/``false``/``null``, enum members as
  quoted names (``AccountType eq 'BalanceForward'``); functions ``startswith``, ``endswith``, ``contains``,
  ``substringof``, ``length``;
* v3 (2016): ``datetime'2015-12-31T12:00'``, decimals ``99.99m`` (a bare ``99.99`` is an ``Edm.Double`` that
  a decimal property will not compare with), the same strings and functions (``contains`` is v4 only);
* operators ``eq ne gt ge lt le``, ``and``, ``or``, ``not`` and parentheses.

:func:`plan` turns a filter into candidate keys from a table's indexes where it is simple — ``eq`` on an
indexed property or the key, ``startswith`` or a range on a sorted index, ``and`` of those (the smallest),
``or`` of those (the union) — so look-ups do not scan the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300.errors import bad_query
from cwsage.sandbox.sage300.model import BOOLEAN, DATETIME, DECIMAL, INT32, INT64, STRING, Module, Prop, StructType
from cwsage.sandbox.sage300.store import Key, Table

Row = Mapping[str, Any]
_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
_OP_NAMES = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
_FLIP = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq", "ne": "ne"}
_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?([mMdDfFlL]?)")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_.]*")
_FUNCTIONS = {"startswith", "endswith", "substringof", "contains", "length"}


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "," "str" "date" "num" "ident" "end"
    value: Any
    pos: int
    edm: str = ""


@dataclass(frozen=True)
class Prop_:
    """A property reference in a filter."""

    name: str
    prop: Prop


@dataclass(frozen=True)
class Lit:
    """A typed literal: ``edm`` is ``Edm.String``, ``Edm.Decimal``, ``Edm.Double``, ``Edm.Int32``,
    ``Edm.DateTimeOffset``, ``Edm.Boolean`` or ``null``; dates are kept as ``YYYY-MM-DDTHH:MM:SSZ``."""

    value: Any
    edm: str


@dataclass(frozen=True)
class Length:
    """``length(Property)``."""

    prop: Prop_


@dataclass(frozen=True)
class Cmp:
    """``left op right`` with a property on the left (literals on the left are flipped when parsed)."""

    op: str
    left: Prop_ | Length
    right: Lit | Prop_


@dataclass(frozen=True)
class Func:
    """``startswith``/``endswith``/``contains`` of a string property and a string literal."""

    name: str
    prop: Prop_
    text: str


@dataclass(frozen=True)
class Bool:
    """``and``/``or``/``not``."""

    op: str
    args: tuple[Node, ...]


Node = Cmp | Func | Bool


class _Parser:
    def __init__(self, text: str, module: Module, struct: StructType, *, odata4: bool, renames: dict[str, str]) -> None:
        self.text = text
        self.module = module
        self.struct = struct
        self.odata4 = odata4
        self.incoming = {wire: name for name, wire in renames.items()}
        self.tokens = self._tokenize()
        self.i = 0

    # -- tokens --------------------------------------------------------------------------------------
    def _tokenize(self) -> list[_Token]:
        text = self.text
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
                value, i = self._string(i)
                tokens.append(_Token("str", value, i))
                continue
            typed = re.match(r"(datetime|datetimeoffset)'", text[i:])
            if typed:
                if self.odata4:
                    raise bad_query(f"Unrecognized '{typed.group(1)}' literal at position {i} in '{text}'.")
                start = i
                raw, i = self._string(i + len(typed.group(1)))
                tokens.append(_Token("date", self._date(raw, start), start, DATETIME))
                continue
            match = _BARE_DATE.match(text, i)
            if match and re.match(r"\d{4}-", match.group(0)):
                if not self.odata4:
                    raise bad_query(
                        f"Syntax error at position {i} in '{text}': dates are written datetime'…' in this version."
                    )
                tokens.append(_Token("date", self._date(match.group(0), i), i, DATETIME))
                i = match.end()
                continue
            match = _NUMBER.match(text, i)
            if match:
                raw = match.group(0)
                suffix = match.group(1).lower()
                digits = raw[: len(raw) - len(suffix)] if suffix else raw
                if suffix == "m" or (self.odata4 and any(c in digits for c in ".eE")):
                    tokens.append(_Token("num", Decimal(digits), i, DECIMAL))
                elif any(c in digits for c in ".eE") or suffix in ("d", "f"):
                    tokens.append(_Token("num", Decimal(digits), i, "Edm.Double"))
                else:
                    tokens.append(_Token("num", int(digits), i, INT64 if suffix == "l" else INT32))
                i = match.end()
                continue
            match = _IDENT.match(text, i)
            if match:
                tokens.append(_Token("ident", match.group(0), i))
                i = match.end()
                continue
            raise bad_query(f"Syntax error: character '{ch}' is not valid at position {i} in '{text}'.")
        tokens.append(_Token("end", None, len(text)))
        return tokens

    def _string(self, i: int) -> tuple[str, int]:
        text = self.text
        j = i + 1
        chars: list[str] = []
        while True:
            if j >= len(text):
                raise bad_query(f"There is an unterminated string literal at position {i} in '{text}'.")
            if text[j] == "'":
                if j + 1 < len(text) and text[j + 1] == "'":
                    chars.append("'")
                    j += 2
                    continue
                return "".join(chars), j + 1
            chars.append(text[j])
            j += 1

    def _date(self, raw: str, pos: int) -> str:
        try:
            if "T" not in raw:
                when = datetime.combine(date.fromisoformat(raw), datetime.min.time(), tzinfo=UTC)
            else:
                when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
        except ValueError as exc:
            raise bad_query(f"Unrecognized date literal '{raw}' at position {pos} in '{self.text}'.") from exc
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- grammar -------------------------------------------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, token: _Token) -> Exception:
        return bad_query(f"Syntax error at position {token.pos} in '{self.text}'.")

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token.kind == "ident" and token.value in words:
            self.i += 1
            return str(token.value)
        return None

    def parse(self) -> Node:
        node = self.parse_or()
        if self.peek().kind != "end":
            raise self.error(self.peek())
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.keyword("or"):
            node = Bool("or", (node, self.parse_and()))
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while self.keyword("and"):
            node = Bool("and", (node, self.parse_unary()))
        return node

    def parse_unary(self) -> Node:
        if self.keyword("not"):
            return Bool("not", (self.parse_unary(),))
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.peek()
        if token.kind == "(":
            self.take()
            node = self.parse_or()
            if self.take().kind != ")":
                raise self.error(self.tokens[self.i - 1])
            return node
        if token.kind == "ident" and token.value in _FUNCTIONS and self.tokens[self.i + 1].kind == "(":
            if token.value == "length":
                return self.parse_comparison()
            return self.parse_function()
        return self.parse_comparison()

    def parse_function(self) -> Node:
        name = str(self.take().value)
        if name == "contains" and not self.odata4:
            raise bad_query(f"Unknown function 'contains' in '{self.text}'.")
        name_for_args = "substringof" if name == "substringof" and self.odata4 else name
        self.take()  # "("
        first = self.parse_operand()
        if self.take().kind != ",":
            raise self.error(self.tokens[self.i - 1])
        second = self.parse_operand()
        if self.take().kind != ")":
            raise self.error(self.tokens[self.i - 1])
        prop, literal = (second, first) if name_for_args == "substringof" else (first, second)
        if not isinstance(prop, Prop_) or not isinstance(literal, Lit) or literal.edm != STRING:
            raise bad_query(f"The function '{name}' needs a string property and a string literal in '{self.text}'.")
        if not self._is_text(prop.prop):
            raise bad_query(f"No function signature for the function with name '{name}' matches the arguments.")
        return Func("contains" if name == "substringof" else name, prop, str(literal.value))

    def parse_comparison(self) -> Node:
        left = self.parse_operand()
        op = self.keyword(*_COMPARISONS)
        if op is None:
            raise self.error(self.peek())
        right = self.parse_operand()
        if isinstance(left, Lit):
            if isinstance(right, Lit):
                raise bad_query(f"A comparison needs a property in '{self.text}'.")
            left, right, op = right, left, _FLIP[op]
        if isinstance(right, Length) or isinstance(left, Lit):
            raise bad_query(f"length() may only be compared with a number in '{self.text}'.")
        self._check_types(left, right, op)
        return Cmp(op, left, right)

    def parse_operand(self) -> Prop_ | Lit | Length:
        token = self.take()
        if token.kind == "str":
            return Lit(token.value, STRING)
        if token.kind == "date":
            return Lit(token.value, DATETIME)
        if token.kind == "num":
            return Lit(token.value, token.edm)
        if token.kind == "ident":
            name = str(token.value)
            if name in ("true", "false"):
                return Lit(name == "true", BOOLEAN)
            if name == "null":
                return Lit(None, "null")
            if name == "length" and self.peek().kind == "(":
                self.take()
                inner = self.parse_operand()
                if self.take().kind != ")" or not isinstance(inner, Prop_) or not self._is_text(inner.prop):
                    raise bad_query(f"length() needs a string property in '{self.text}'.")
                return Length(inner)
            return self.property(name)
        raise self.error(token)

    def property(self, wire_name: str) -> Prop_:
        name = self.incoming.get(wire_name, wire_name)
        prop = self.struct.by_name.get(name)
        if prop is None or prop.kind == "collection" or (wire_name != name and wire_name in self.incoming.values()):
            raise bad_query(
                f"Could not find a property named '{wire_name}' on type '{self.module.namespace}.{self.struct.name}'."
            )
        if wire_name in self.incoming.values() and wire_name not in self.incoming:
            raise bad_query(
                f"Could not find a property named '{wire_name}' on type '{self.module.namespace}.{self.struct.name}'."
            )
        return Prop_(name, prop)

    def _is_text(self, prop: Prop) -> bool:
        return prop.kind == "enum" or prop.type_name == STRING

    def _edm(self, prop: Prop) -> str:
        if prop.kind == "enum":
            return f"{self.module.namespace}.{prop.type_name}"
        if prop.type_name == DATETIME and not self.odata4:
            return "Edm.DateTime"
        return prop.type_name

    def _check_types(self, left: Prop_ | Length, right: Lit | Prop_, op: str) -> None:
        if isinstance(right, Prop_):
            return
        if right.edm == "null":
            return
        if isinstance(left, Length):
            if right.edm not in (INT32, INT64):
                raise self._incompatible("Edm.Int32", right.edm, op)
            return
        prop = left.prop
        if prop.kind == "enum":
            members = self.module.enum(prop).members
            if right.edm != STRING or right.value not in members:
                raise bad_query(
                    f"The string '{right.value}' is not a valid enumerated type constant for "
                    f"'{self.module.namespace}.{prop.type_name}'."
                )
            return
        edm = prop.type_name
        allowed = {
            STRING: {STRING},
            DECIMAL: {DECIMAL, INT32, INT64},
            INT32: {INT32, INT64},
            INT64: {INT32, INT64},
            BOOLEAN: {BOOLEAN},
            DATETIME: {DATETIME},
        }[edm]
        if self.odata4 and edm in (INT32, INT64, DECIMAL):
            allowed = allowed | {DECIMAL, "Edm.Double"}
        if right.edm not in allowed:
            raise self._incompatible(self._edm(prop), right.edm, op)

    def _incompatible(self, left: str, right: str, op: str) -> Exception:
        if right == DATETIME and not self.odata4:
            right = "Edm.DateTime"
        return bad_query(
            "A binary operator with incompatible types was detected. Found operand types "
            f"'{left}' and '{right}' for operator kind '{_OP_NAMES[op]}'."
        )


def parse_filter(
    text: str, module: Module, struct: StructType, *, odata4: bool, renames: dict[str, str] | None = None
) -> Node:
    """Parse ``$filter`` against an entity type.

    Raises:
        SageError: 400 ``InvalidParameters`` for any syntax, property, literal or type error.
    """
    return _Parser(text, module, struct, odata4=odata4, renames=renames or {}).parse()


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    if isinstance(left, bool) != isinstance(right, bool):
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


def evaluate(node: Node, row: Row) -> bool:
    """Whether a stored row matches a parsed filter."""
    if isinstance(node, Bool):
        if node.op == "and":
            return evaluate(node.args[0], row) and evaluate(node.args[1], row)
        if node.op == "or":
            return evaluate(node.args[0], row) or evaluate(node.args[1], row)
        return not evaluate(node.args[0], row)
    if isinstance(node, Func):
        value = row.get(node.prop.name)
        if not isinstance(value, str):
            return False
        if node.name == "startswith":
            return value.startswith(node.text)
        if node.name == "endswith":
            return value.endswith(node.text)
        return node.text in value
    left = node.left
    if isinstance(left, Length):
        raw = row.get(left.prop.name)
        left_value: Any = len(raw) if isinstance(raw, str) else None
    else:
        left_value = row.get(left.name)
    right = node.right
    right_value = row.get(right.name) if isinstance(right, Prop_) else right.value
    return _compare(node.op, left_value, right_value)


def plan(node: Node, table: Table) -> set[Key] | None:
    """Candidate keys for a filter from the table's key and indexes, or None when it needs a scan."""
    if isinstance(node, Bool):
        if node.op == "not":
            return None
        plans = [plan(arg, table) for arg in node.args]
        if node.op == "and":
            known = [p for p in plans if p is not None]
            return min(known, key=len) if known else None
        if any(p is None for p in plans):
            return None
        return set().union(*[p for p in plans if p is not None])
    if isinstance(node, Func):
        if node.name == "startswith" and table.has_sorted(node.prop.name):
            return set(table.prefix(node.prop.name, node.text))
        return None
    if isinstance(node.left, Length) or not isinstance(node.right, Lit) or node.right.value is None:
        return None
    name, value, op = node.left.name, node.right.value, node.op
    if op == "eq":
        key = table.spec.key
        if key == (name,):
            return {(value,)} if table.get((value,)) is not None else set()
        if table.has_hash(name):
            return set(table.lookup(name, value))
        return None
    if op in ("gt", "ge", "lt", "le") and table.has_sorted(name) and isinstance(value, str):
        low = value if op in ("gt", "ge") else None
        high = value if op in ("lt", "le") else None
        return set(table.range(name, low, high, include_low=op == "ge", include_high=op == "le"))
    return None


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | Decimal):
        return (1, value)
    return (2, str(value))


def _row_sort_key(name: str) -> Callable[[Row], tuple[int, Any]]:
    def key(row: Row) -> tuple[int, Any]:
        return _sort_key(row.get(name))

    return key


@dataclass
class Query:
    """The parsed system query options of one GET."""

    filter: Node | None = None
    select: list[str] | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False


def _names(text: str, module: Module, struct: StructType, renames: dict[str, str]) -> list[str]:
    incoming = {wire: name for name, wire in renames.items()}
    names: list[str] = []
    for part in text.split(","):
        wire = part.strip()
        name = incoming.get(wire, wire)
        if not wire or name not in struct.by_name or (wire in renames and wire not in incoming):
            raise bad_query(f"Could not find a property named '{wire}' on type '{module.namespace}.{struct.name}'.")
        names.append(name)
    return names


def parse_query(
    params: Mapping[str, str],
    module: Module,
    struct: StructType,
    *,
    odata4: bool,
    renames: dict[str, str] | None = None,
) -> Query:
    """Parse every ``$`` option of a GET (``$expand`` and ``$format`` are accepted: details are always inline).

    Raises:
        SageError: 400 ``InvalidParameters``.
    """
    renames = renames or {}
    supported = {"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand", "$format"}
    if not odata4:
        supported = (supported - {"$count"}) | {"$inlinecount", "$count"}
    query = Query()
    for name in params:
        if name.startswith("$") and name not in supported:
            raise bad_query(f"The query parameter '{name}' is not supported.")
    if "$filter" in params:
        query.filter = parse_filter(params["$filter"], module, struct, odata4=odata4, renames=renames)
    if "$select" in params and params["$select"].strip() != "*":
        query.select = _names(params["$select"], module, struct, renames)
    if "$orderby" in params:
        for clause in params["$orderby"].split(","):
            words = clause.split()
            if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                raise bad_query(f"Syntax error in $orderby '{params['$orderby']}'.")
            (name,) = _names(words[0], module, struct, renames)
            if struct.by_name[name].kind == "collection":
                raise bad_query(f"The property '{words[0]}' cannot be used in $orderby.")
            query.orderby.append((name, len(words) == 2 and words[1].lower() == "desc"))
    for option in ("$top", "$skip"):
        if option in params:
            text = params[option]
            if not text.isdigit():
                raise bad_query(
                    f"Invalid value '{text}' for {option} query option found. "
                    f"The {option} query option requires a non-negative integer value."
                )
            if option == "$top":
                query.top = int(text)
            else:
                query.skip = int(text)
    if "$count" in params:
        value = params["$count"].lower()
        if value not in ("true", "false"):
            raise bad_query(f"'{params['$count']}' is not a valid count option.")
        query.count = value == "true"
    if "$inlinecount" in params:
        value = params["$inlinecount"].lower()
        if value not in ("allpages", "none"):
            raise bad_query(f"'{params['$inlinecount']}' is not a valid inline count option.")
        query.count = value == "allpages"
    return query


def matching_rows(table: Table, query: Query, limit: int) -> tuple[list[Any], int]:
    """The rows of one page of a query's answer (at most ``limit`` from ``$skip`` on) and the total matched.

    Without a filter or an order the table is read in key order from ``$skip`` without touching the rest;
    with a filter, candidates come from :func:`plan` where the indexes allow.
    """
    if query.filter is None and not query.orderby:
        return list(table.scan(query.skip, limit)), len(table)
    memo = repr((query.filter, query.orderby))
    rows = table.answers.get(memo)
    if rows is None:
        rows = table.answers[memo] = _answer(table, query)
        if len(table.answers) > _ANSWERS_KEPT:
            del table.answers[next(iter(table.answers))]
    return rows[query.skip : query.skip + limit], len(rows)


_ANSWERS_KEPT = 8


def _answer(table: Table, query: Query) -> list[Any]:
    """Every row matching ``query``'s filter, in its order."""
    if query.filter is not None:
        candidates = plan(query.filter, table)
        node = query.filter
        if candidates is None:
            rows = [row for row in table.scan() if evaluate(node, row)]
        else:
            rows = []
            for key in table.order(candidates):
                row = table.get(key)
                if row is not None and evaluate(node, row):
                    rows.append(row)
    else:
        rows = list(table.scan())
    for name, descending in reversed(query.orderby):
        rows.sort(key=_row_sort_key(name), reverse=descending)
    return rows


def project(row: Mapping[str, Any], select: list[str] | None) -> dict[str, Any]:
    """An answer row restricted to ``$select`` (every selected property present, null when unset)."""
    if select is None:
        return dict(row)
    return {name: row.get(name) for name in select}
