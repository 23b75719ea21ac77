"""JSON in and out of the Sage 300 emulator without floats, fast.

Why not ``cwsage.money``: the emulator is written apart from the production code so that it cannot share
its bugs. Request bodies are parsed with ``parse_float=Decimal``. Answers are written by the C encoder of
:mod:`json`: each Decimal is handed to it as a marked string, and the marks are then taken off so that the
number appears exactly as written (``1864.50``), never through ``float``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000\u0001#"
_MARKED = re.compile(r'"\\u0000\\u0001#([-0-9.E+]+)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + (format(value, "f") if value.is_finite() else "0")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default)


def loads(text: str | bytes) -> Any:
    """Parse JSON, numbers with a fraction becoming :class:`~decimal.Decimal`.

    Raises:
        ValueError: the text is not JSON.
    """
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Serialize ``value`` to compact JSON, writing Decimals exactly."""
    text = _ENCODER.encode(value)
    return _MARKED.sub(r"\1", text) if "\\u0001#" in text else text
