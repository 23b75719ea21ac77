"""JSON in and out of the Sage 300 emulator without floats.

Why not ``cwsage.money``: the emulator is written apart from the production code so that it cannot share
its bugs. Request bodies are parsed with ``parse_float=Decimal``; Decimals are written as exact JSON
numbers (``1864.50``), never through ``float``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def loads(text: str | bytes) -> Any:
    """Parse JSON, numbers with a fraction becoming :class:`~decimal.Decimal`."""
    return json.loads(text, parse_float=Decimal)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        out.append(format(value, "f") if value.is_finite() else "null")
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
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
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def dumps(value: Any) -> str:
    """Serialize ``value`` to JSON, writing Decimals exactly."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)
