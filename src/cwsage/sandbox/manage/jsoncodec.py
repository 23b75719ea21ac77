"""JSON in and out of the Manage emulator without ever passing money through ``float``.

Manage sends money as JSON numbers (doubles); the emulator parses them as :class:`~decimal.Decimal` and
writes Decimals back as JSON numbers with their exact digits, so a client that parses with floats and a
client that parses with Decimals both see what a real server would send.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def loads(data: bytes | str) -> Any:
    """Parse JSON, numbers with a fraction or exponent becoming :class:`Decimal`."""
    return json.loads(data, parse_float=Decimal)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot encode {value} as JSON")
        if value.is_zero():
            value = value.copy_abs()  # never "-0"
        out.append(format(value, "f"))
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


def dumps(value: Any) -> str:
    """Serialise ``value`` to compact JSON; Decimals become numbers with their exact digits."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)
