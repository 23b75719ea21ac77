"""The one home of money: construction, parsing, quantization, rounding and balancing.

Why a module of its own: an accounting integration that lets a ``float`` near an amount will sooner or
later post a document that is off by a cent. Every amount in cwsage is a :class:`decimal.Decimal` made
here, parsed from JSON without ever passing through ``float`` (:func:`loads`), and rounded by exactly one
rule (:data:`ROUNDING`, half-up, as Sage 300 and ConnectWise Manage round invoice totals) only at the
edges, to the number of decimals of its currency (:func:`quantize`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ROUNDING = ROUND_HALF_UP
"""The single rounding rule used anywhere an amount is rounded."""

ZERO = Decimal(0)
CENT = Decimal("0.01")

# Decimals per ISO currency where it is not 2. Manage also sends ``numberOfDecimals`` per currency,
# which callers pass explicitly and which wins over this table.
_CURRENCY_DECIMALS: dict[str, int] = {"JPY": 0, "KRW": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}


class MoneyError(ValueError):
    """A value that should be an amount is not one (bad text, NaN, infinity, a float)."""


def D(value: object) -> Decimal:
    """Make a Decimal from an int, str or Decimal; refuse floats, bools, NaN and infinities.

    Args:
        value: ``int``, ``str`` (``"12.50"``, ``" -3 "``) or ``Decimal``. ``None`` and ``""`` are zero.

    Returns:
        The exact Decimal.

    Raises:
        MoneyError: for a float (it may already have lost a cent), a bool, or text that is not a number.
    """
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool | float):
        raise MoneyError(f"refusing to make money from {type(value).__name__} {value!r}; pass a str or int")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation as exc:
            raise MoneyError(f"{value!r} is not an amount") from exc
    else:
        raise MoneyError(f"cannot make money from {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    return result


def decimals_for(currency: str | None, number_of_decimals: int | None = None) -> int:
    """Number of decimals an amount in ``currency`` carries (explicit ``number_of_decimals`` wins)."""
    if number_of_decimals is not None:
        return number_of_decimals
    return _CURRENCY_DECIMALS.get((currency or "").upper(), 2)


def quantize(amount: Decimal, currency: str | None = None, number_of_decimals: int | None = None) -> Decimal:
    """Round ``amount`` to its currency's decimals with the one rounding rule."""
    places = decimals_for(currency, number_of_decimals)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Exact sum of amounts (``sum`` would start from the int 0 and lose the type for empty input)."""
    result = ZERO
    for amount in amounts:
        result += amount
    return result


def balances(amounts: Iterable[Decimal], currency: str | None = None, tolerance: Decimal = ZERO) -> bool:
    """Whether signed amounts (debits positive, credits negative) sum to zero at the currency's precision."""
    return abs(quantize(total(amounts), currency)) <= tolerance


def imbalance(amounts: Iterable[Decimal], currency: str | None = None) -> Decimal:
    """The amount by which signed amounts fail to balance, rounded to the currency."""
    return quantize(total(amounts), currency)


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as Decimal, never as float."""
    return json.loads(text, parse_float=Decimal)


_TOKEN = "\u0000cwsage-decimal:"  # noqa: S105 - a marker, not a password
_TOKEN_RE = re.compile(r'"\\u0000cwsage-decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def dumps(value: Any, **kwargs: Any) -> str:
    """Serialise to JSON writing Decimals as exact JSON numbers (``Decimal("12.50")`` -> ``12.50``).

    The standard encoder would go through ``float``; instead each Decimal becomes a marked string that is
    then replaced by its exact digits, so no amount ever passes through binary floating point.
    """
    return _TOKEN_RE.sub(r"\1", json.dumps(_convert(value), **kwargs))


def _convert(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _TOKEN + format(value, "f")
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(v) for v in value]
    return value
