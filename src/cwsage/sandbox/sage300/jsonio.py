"""JSON in and out of the Sage 300 emulator without floats, fast.

Why not ``cwsage.money``: the emulator is written apart from the production code so that it cannot share
its bugs. Request bodies are parsed with ``parse_float=Decimal``. Answers are written by the C encoder of
:mod:`json`: each Decimal is handed to it as a string between two control-character marks, and the marks
(with the string's quotes) are then taken off by two plain replacements, so that the number appears exactly
as written (``1864.50``), never through ``float``. Control characters are always escaped by the encoder, so
the marks cannot be confused with text.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

_OPEN = "\u0000\u0001"
_CLOSE = "\u0001\u0000"
_OPEN_WRITTEN = '"\\u0000\\u0001'
_CLOSE_WRITTEN = '\\u0001\\u0000"'


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _OPEN + (format(value, "f") if value.is_finite() else "0") + _CLOSE
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
    if _OPEN_WRITTEN not in text:
        return text
    return text.replace(_OPEN_WRITTEN, "").replace(_CLOSE_WRITTEN, "")
