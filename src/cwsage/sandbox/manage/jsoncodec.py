"""JSON in and out of the Manage emulator without ever passing money through ``float``.

Manage sends money as JSON numbers (doubles); the emulator parses them as :class:`~decimal.Decimal` and
writes Decimals back as JSON numbers with their exact digits, so a client that parses with floats and a
client that parses with Decimals both see what a real server would send.

Why not a pure-Python encoder: a ``GLExport`` of 10,000 invoices is tens of megabytes, and encoding it
value by value in Python cost more than building it. :func:`dumps` uses the standard library's C encoder;
each Decimal goes out as a marker string (``"\\u0000<digits>\\u0000"``) whose quote-and-NUL ends are then
removed, leaving the bare digits. Only a Decimal makes those two sequences (a string holding a NUL next to
a quote or its own end would too): when they do not occur exactly once per Decimal each, the slow, exact
encoder is used instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

_OPEN = '"\\u0000'
_CLOSE = '\\u0000"'


def loads(data: bytes | str) -> Any:
    """Parse JSON, numbers with a fraction or exponent becoming :class:`Decimal`."""
    return json.loads(data, parse_float=Decimal)


def _digits(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot encode {value} as JSON")
    if value.is_zero():
        value = value.copy_abs()  # never "-0"
    return format(value, "f")


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        out.append(_digits(value))
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, float):
        raise TypeError("floats are not allowed in emulator responses; use Decimal")
    else:
        out.append(json.dumps(value))


def dumps_exact(value: Any) -> str:
    """The reference encoder: walks ``value`` in Python (slow; also refuses floats)."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def dumps(value: Any) -> str:
    """Serialise ``value`` to compact JSON; Decimals become numbers with their exact digits.

    Gives the same text as :func:`dumps_exact` for everything the emulator holds (it never holds floats).
    """
    count = 0

    def default(obj: Any) -> str:
        nonlocal count
        if not isinstance(obj, Decimal):
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
        text = format(obj, "f")
        if not text[-1].isdigit():  # NaN, sNaN, Infinity
            raise ValueError(f"cannot encode {obj} as JSON")
        if text[0] == "-" and not obj:
            text = text[1:]  # never "-0"
        count += 1
        return "\x00" + text + "\x00"

    text = json.dumps(value, default=default, separators=(",", ":"), allow_nan=False)
    if not count:
        return text
    if text.count(_OPEN) != count or text.count(_CLOSE) != count:
        return dumps_exact(value)
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def iter_sections(sections: list[tuple[str, Any]], chunk: int = 1 << 16) -> Iterator[bytes]:
    """Encode an object given as ``(key, value)`` pairs, in pieces of about ``chunk`` bytes.

    A value that is an :class:`~collections.abc.Iterator` is written as a JSON array, one item at a time,
    so a large list never exists whole (nor its text). The bytes joined are ``dumps`` of the same object.
    """
    parts: list[str] = ["{"]
    size = 1
    for n, (key, value) in enumerate(sections):
        parts.append(("," if n else "") + json.dumps(str(key)) + ":")
        if not isinstance(value, Iterator):
            parts.append(dumps(value))
            continue
        parts.append("[")
        for index, item in enumerate(value):
            text = dumps(item)
            parts.append("," + text if index else text)
            size += len(text)
            if size >= chunk:
                yield "".join(parts).encode()
                parts, size = [], 0
        parts.append("]")
    parts.append("}")
    yield "".join(parts).encode()
