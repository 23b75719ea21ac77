"""Manage's list query language: ``conditions``, ``orderBy``, ``fields`` — parsed and applied in memory.

Why a real parser: the client builds condition strings (quoting invoice numbers, dates in brackets,
``in (…)`` lists); a lenient regex would accept the client's mistakes. Grammar (keywords and field names
case-insensitive)::

    expr       := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "(" expr ")" | field op value | field ["not"] "in" "(" value ("," value)* ")"
    op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | ["not"] "contains" | ["not"] "like"
    value      := "string" | number | [datetime] | True | False | null
    field      := name ("/" name)*

Strings are double-quoted; ``\\"`` and ``\\\\`` are the only escapes (project decision). ``like`` takes
``%`` or ``*`` as "any run of characters". Text comparisons are case-insensitive, as with SQL Server's
default collation. A comparison with a missing/null field is false except ``= null``. Any syntax error
raises :class:`QueryError` naming the character position (1-based).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 25


class QueryError(ValueError):
    """A malformed ``conditions``/``orderBy``/``fields``/paging parameter (answered with 400)."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # "(" ")" "," "op" "str" "num" "dt" "word"
    value: Any
    pos: int


_OPS = ("!=", "<=", ">=", "=", "<", ">")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_/]*")
_NUM = re.compile(r"-?\d+(\.\d+)?")


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        pos = i + 1
        if ch in "(),":
            tokens.append(_Tok(ch, ch, pos))
            i += 1
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(_Tok("op", op, pos))
            i += len(op)
            continue
        if ch == '"':
            i += 1
            buf: list[str] = []
            while True:
                if i >= n:
                    raise QueryError(f"conditions: unterminated string starting at position {pos}")
                c = text[i]
                if c == "\\":
                    if i + 1 >= n or text[i + 1] not in '"\\':
                        raise QueryError(f'conditions: invalid escape at position {i + 1} (only \\" and \\\\)')
                    buf.append(text[i + 1])
                    i += 2
                    continue
                if c == '"':
                    i += 1
                    break
                buf.append(c)
                i += 1
            tokens.append(_Tok("str", "".join(buf), pos))
            continue
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise QueryError(f"conditions: unterminated [datetime] starting at position {pos}")
            raw = text[i + 1 : end].strip()
            try:
                value = parse_datetime(raw)
            except ValueError:
                raise QueryError(f"conditions: invalid datetime [{raw}] at position {pos}") from None
            tokens.append(_Tok("dt", value, pos))
            i = end + 1
            continue
        m = _NUM.match(text, i)
        if m and (ch.isdigit() or ch == "-"):
            tokens.append(_Tok("num", Decimal(m.group(0)), pos))
            i = m.end()
            continue
        m = _WORD.match(text, i)
        if m:
            tokens.append(_Tok("word", m.group(0), pos))
            i = m.end()
            continue
        raise QueryError(f"conditions: unexpected character {ch!r} at position {pos}")
    return tokens


def parse_datetime(raw: str) -> datetime:
    """Parse the date forms Manage uses (ISO with or without ``Z``/offset, date only); naive = UTC."""
    value = raw.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


Node = Callable[[dict[str, Any]], bool]
ValueTest = Callable[[Any], bool]
_KEYWORDS = {"and", "or", "not", "in", "like", "contains", "true", "false", "null"}


@dataclass(frozen=True)
class Leaf:
    """One comparison: ``path op values`` — true for a record when ``test`` holds for the value at ``path``.

    ``test`` sees the field's value exactly as the record holds it (``None`` when absent), so an index
    keyed by field values can answer a leaf by testing each distinct value instead of each record.
    """

    path: tuple[str, ...]
    op: str  # "=", "!=", "<", "<=", ">", ">=", "like", "contains", "in", or "not " + one of the last three
    values: tuple[Any, ...]
    test: ValueTest

    def __call__(self, record: dict[str, Any]) -> bool:
        """Whether ``record`` satisfies the comparison."""
        return self.test(get_path(record, self.path))


@dataclass(frozen=True)
class AllOf:
    """``a and b and …``."""

    parts: tuple[Condition, ...]

    def __call__(self, record: dict[str, Any]) -> bool:
        """Whether every part holds."""
        return all(part(record) for part in self.parts)


@dataclass(frozen=True)
class AnyOf:
    """``a or b or …``."""

    parts: tuple[Condition, ...]

    def __call__(self, record: dict[str, Any]) -> bool:
        """Whether some part holds."""
        return any(part(record) for part in self.parts)


Condition = Leaf | AllOf | AnyOf
"""A parsed ``conditions`` expression; calling it on a record evaluates it."""


class _Parser:
    def __init__(self, text: str, known_fields: set[str] | None) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.known = {f.lower() for f in known_fields} if known_fields else None

    def _peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _where(self) -> str:
        tok = self._peek()
        return f"position {tok.pos}" if tok else f"position {len(self.text) + 1} (end of input)"

    def _is_word(self, word: str) -> bool:
        tok = self._peek()
        return tok is not None and tok.kind == "word" and tok.value.lower() == word

    def parse(self) -> Condition:
        if not self.tokens:
            raise QueryError("conditions: empty expression at position 1")
        node = self._expr()
        if self._peek() is not None:
            raise QueryError(f"conditions: unexpected {self._peek().value!r} at {self._where()}")  # type: ignore[union-attr]
        return node

    def _expr(self) -> Condition:
        nodes = [self._term()]
        while self._is_word("or"):
            self.i += 1
            nodes.append(self._term())
        if len(nodes) == 1:
            return nodes[0]
        return AnyOf(tuple(nodes))

    def _term(self) -> Condition:
        nodes = [self._factor()]
        while self._is_word("and"):
            self.i += 1
            nodes.append(self._factor())
        if len(nodes) == 1:
            return nodes[0]
        return AllOf(tuple(nodes))

    def _factor(self) -> Condition:
        tok = self._peek()
        if tok is None:
            raise QueryError(f"conditions: expected a field or '(' at {self._where()}")
        if tok.kind == "(":
            self.i += 1
            node = self._expr()
            close = self._peek()
            if close is None or close.kind != ")":
                raise QueryError(f"conditions: expected ')' at {self._where()}")
            self.i += 1
            return node
        if tok.kind != "word" or tok.value.lower() in _KEYWORDS:
            raise QueryError(f"conditions: expected a field name at position {tok.pos}, got {tok.value!r}")
        self.i += 1
        path = tok.value.strip("/").split("/")
        if any(not part for part in path):
            raise QueryError(f"conditions: invalid field path {tok.value!r} at position {tok.pos}")
        if self.known is not None and path[0].lower() not in self.known:
            raise QueryError(f"conditions: unknown field {tok.value!r} at position {tok.pos}")
        negate = False
        if self._is_word("not"):
            negate = True
            self.i += 1
        op_tok = self._peek()
        if op_tok is None:
            raise QueryError(f"conditions: expected an operator at {self._where()}")
        key = tuple(path)
        if op_tok.kind == "op" and not negate:
            self.i += 1
            value = self._value()
            return Leaf(key, op_tok.value, (value,), _compare(op_tok.value, value))
        if op_tok.kind == "word" and op_tok.value.lower() in ("like", "contains"):
            self.i += 1
            value = self._value()
            if not isinstance(value, str):
                raise QueryError(f"conditions: {op_tok.value} needs a quoted string at position {op_tok.pos}")
            word = op_tok.value.lower()
            test = _like(value) if word == "like" else _contains(value)
            if negate:
                return Leaf(key, f"not {word}", (value,), _negated(test))
            return Leaf(key, word, (value,), test)
        if op_tok.kind == "word" and op_tok.value.lower() == "in":
            self.i += 1
            values = tuple(self._list())
            test = _in(values)
            return Leaf(key, "not in" if negate else "in", values, _negated(test) if negate else test)
        raise QueryError(f"conditions: expected an operator at position {op_tok.pos}, got {op_tok.value!r}")

    def _list(self) -> list[Any]:
        tok = self._peek()
        if tok is None or tok.kind != "(":
            raise QueryError(f"conditions: expected '(' after in at {self._where()}")
        self.i += 1
        values = [self._value()]
        while True:
            tok = self._peek()
            if tok is None:
                raise QueryError(f"conditions: expected ',' or ')' at {self._where()}")
            if tok.kind == ")":
                self.i += 1
                return values
            if tok.kind != ",":
                raise QueryError(f"conditions: expected ',' or ')' at position {tok.pos}")
            self.i += 1
            values.append(self._value())

    def _value(self) -> Any:
        tok = self._peek()
        if tok is None:
            raise QueryError(f"conditions: expected a value at {self._where()}")
        self.i += 1
        if tok.kind in ("str", "num", "dt"):
            return tok.value
        if tok.kind == "word":
            word = tok.value.lower()
            if word == "true":
                return True
            if word == "false":
                return False
            if word == "null":
                return None
            raise QueryError(
                f"conditions: expected a value at position {tok.pos}, got {tok.value!r} (strings need double quotes)"
            )
        raise QueryError(f"conditions: expected a value at position {tok.pos}, got {tok.value!r}")


def get_path(record: Any, path: Sequence[str]) -> Any:
    """Follow ``a/b/c`` through nested dicts (keys matched case-insensitively); ``None`` when absent."""
    current = record
    for part in path:
        if not isinstance(current, dict):
            return None
        if part in current:
            current = current[part]
            continue
        lowered = part.lower()
        current = next((v for k, v in current.items() if k.lower() == lowered), None)
    return current


def _coerce_pair(actual: Any, wanted: Any) -> tuple[Any, Any] | None:
    """Bring a record value and a condition value to comparable types, or ``None`` if impossible."""
    if isinstance(wanted, bool):
        return (actual, wanted) if isinstance(actual, bool) else None
    if isinstance(wanted, Decimal):
        if isinstance(actual, bool):
            return None
        if isinstance(actual, int | Decimal):
            return Decimal(actual), wanted
        if isinstance(actual, str):
            try:
                return Decimal(actual), wanted
            except InvalidOperation:
                return None
        return None
    if isinstance(wanted, datetime):
        if isinstance(actual, str):
            try:
                return parse_datetime(actual), wanted
            except ValueError:
                return None
        return None
    if isinstance(wanted, str):
        if isinstance(actual, bool):
            return None
        if isinstance(actual, int | Decimal):
            return str(actual).lower(), wanted.lower()
        if isinstance(actual, str):
            return actual.lower(), wanted.lower()
        return None
    return None


def _negated(test: ValueTest) -> ValueTest:
    """``not like``/``not contains``/``not in``: false on a missing/null field, else the opposite."""
    return lambda actual: actual is not None and not test(actual)


def _compare(op: str, wanted: Any) -> ValueTest:
    def node(actual: Any) -> bool:
        if wanted is None:
            if op == "=":
                return actual is None
            if op == "!=":
                return actual is not None
            return False
        if actual is None:
            return False
        pair = _coerce_pair(actual, wanted)
        if pair is None:
            return False
        a, b = pair
        if op == "=":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if isinstance(a, bool):
            return False
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)

    return node


def _like(pattern: str) -> ValueTest:
    regex = re.compile(
        "".join(".*" if c in "%*" else re.escape(c) for c in pattern),
        re.IGNORECASE | re.DOTALL,
    )

    def node(actual: Any) -> bool:
        if actual is None or isinstance(actual, dict | list):
            return False
        return regex.fullmatch(str(actual)) is not None

    return node


def _contains(needle: str) -> ValueTest:
    lowered = needle.lower()

    def node(actual: Any) -> bool:
        if actual is None or isinstance(actual, dict | list):
            return False
        return lowered in str(actual).lower()

    return node


def _in(values: tuple[Any, ...]) -> ValueTest:
    tests = [_compare("=", v) for v in values]
    return lambda actual: any(t(actual) for t in tests)


def compile_conditions(text: str, known_fields: Iterable[str] | None = None) -> Condition:
    """Compile a ``conditions`` string into a predicate over API-shaped records.

    The result is a :data:`Condition` tree: call it on a record to evaluate it, or hand it to an index
    (``cwsage.sandbox.manage.index``) that answers its leaves from field values.

    Args:
        text: The condition string, e.g. ``invoiceNumber in ("10234","10235") and company/id=250``.
        known_fields: Top-level field names of the collection; an unknown first path segment is an error.

    Raises:
        QueryError: When the text is malformed (the message names the position).
    """
    known = set(known_fields) if known_fields is not None else None
    return _Parser(text, known or None).parse()


def sort_key(value: Any) -> tuple[int, Any]:
    """How ``orderBy`` ranks a value: nulls, booleans, numbers, dates, then text (case-insensitive)."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | Decimal):
        return (2, Decimal(value))
    if isinstance(value, str):
        try:
            return (3, parse_datetime(value).timestamp()) if re.match(r"\d{4}-\d\d-\d\d", value) else (4, value.lower())
        except ValueError:
            return (4, value.lower())
    return (5, str(value))


def order_specs(order_by: str) -> list[tuple[list[str], bool]]:
    """Parse ``field [asc|desc], …`` into ``(path, descending)`` pairs.

    Raises:
        QueryError: A clause is not ``field``, ``field asc`` or ``field desc``.
    """
    specs: list[tuple[list[str], bool]] = []
    for raw in order_by.split(","):
        parts = raw.split()
        if not parts or len(parts) > 2:
            raise QueryError(f"orderBy: invalid clause {raw.strip()!r} (expected 'field asc|desc')")
        direction = parts[1].lower() if len(parts) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise QueryError(f"orderBy: invalid direction {parts[1]!r} (expected asc or desc)")
        specs.append((parts[0].strip("/").split("/"), direction == "desc"))
    return specs


def apply_order(records: list[dict[str, Any]], order_by: str) -> list[dict[str, Any]]:
    """Sort by ``field [asc|desc], …`` (stable; later keys break ties of earlier ones)."""
    result = list(records)
    for path, desc in reversed(order_specs(order_by)):
        result.sort(key=lambda rec, p=path: sort_key(get_path(rec, p)), reverse=desc)  # type: ignore[misc]
    return result


def select_fields(record: dict[str, Any], fields: str) -> dict[str, Any]:
    """Sparse fieldset: keep only ``fields`` (comma list of ``a`` or nested ``a/b`` paths)."""
    out: dict[str, Any] = {}
    for raw in fields.split(","):
        path = [p for p in raw.strip().strip("/").split("/") if p]
        if not path:
            continue
        _copy_path(record, out, path)
    return out


def _copy_path(src: Any, dst: dict[str, Any], path: list[str]) -> None:
    if not isinstance(src, dict):
        return
    key = next((k for k in src if k.lower() == path[0].lower()), None)
    if key is None:
        return
    if len(path) == 1:
        dst[key] = src[key]
        return
    child = src[key]
    if not isinstance(child, dict):
        return
    sub = dst.setdefault(key, {})
    if isinstance(sub, dict):
        _copy_path(child, sub, path[1:])


def parse_int(value: str | None, name: str, default: int) -> int:
    """A positive integer query parameter, or ``default`` when absent."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not an integer") from None
    if number < 1:
        raise QueryError(f"{name}: must be 1 or more, got {number}")
    return number
