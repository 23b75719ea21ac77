"""The one home of money and of JSON: construction, parsing, quantization, rounding, balancing, the JSON codec.

Why a module of its own: an accounting integration that lets a ``float`` near an amount will sooner or
later post a document that is off by a cent. Every amount in cwsage is a :class:`decimal.Decimal` made
here, parsed from JSON without ever passing through ``float`` (:func:`loads`), and rounded by exactly one
rule (:data:`ROUNDING`, half-up, as Sage 300 and ConnectWise Manage round invoice totals) only at the
edges, to the number of decimals of its currency (:func:`quantize`).

It is also the one JSON codec of cwsage (:func:`loads`, :func:`dumps`): JSON is where amounts enter and leave,
so the codec lives with the money rules rather than in a module of its own, and every JSON text cwsage reads or
writes — API bodies, the state store's JSON columns, reports, ``--json`` output, the secret file — goes through
it. ``tests/unit/test_money_rule.py`` and ruff's banned-api (``json.loads``/``json.dumps``) keep it that way;
the emulators under :mod:`cwsage.sandbox` are exempt on purpose: they stand in for foreign servers and are
written independently of the client's code (``docs/sage300-inferred.md``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import msgspec

ROUNDING = ROUND_HALF_UP
"""The single rounding rule used anywhere an amount is rounded."""

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")

# Decimals per ISO currency where it is not 2. Manage also sends ``numberOfDecimals`` per currency,
# which callers pass explicitly and which wins over this table.
_CURRENCY_DECIMALS: dict[str, int] = {"JPY": 0, "KRW": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}


class MoneyError(ValueError):
    """A value that should be an amount is not one (bad text, NaN, infinity, a float)."""


def D(value: object, *, allow_non_finite: bool = False) -> Decimal:
    """Make a Decimal from an int, str or Decimal; refuse floats, bools, NaN and infinities.

    The one constructor of Decimals from values that come from outside (a test walks ``src/`` for others).

    Args:
        value: ``int``, ``str`` (``"12.50"``, ``" -3 "``) or ``Decimal``. ``None`` and ``""`` are zero.
        allow_non_finite: Keep ``NaN``/``Infinity`` as non-finite Decimals instead of refusing them (for parsers
            that leave the refusal to a field's validator, which can name the field).

    Returns:
        The exact Decimal.

    Raises:
        MoneyError: for a float (it may already have lost a cent), a bool, or text that is not a number.
    """
    if type(value) is Decimal:  # the common cases first: this runs for every amount of every line
        if value.is_finite() or allow_non_finite:
            return value
        raise MoneyError(f"{value!r} is not a finite amount")
    if type(value) is int:
        return Decimal(value)
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
    if not result.is_finite() and not allow_non_finite:
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


LONG_INTEGER_DIGITS = 1000
"""With ``lenient=True``, integers with more digits than this are read as Decimal (Python refuses to convert very
long digit strings to int)."""


def _long_int(text: str) -> int | Decimal:
    return Decimal(text) if len(text) > LONG_INTEGER_DIGITS else int(text)


def _non_finite(text: str) -> Decimal:
    return Decimal(text)


def loads(text: str | bytes, *, lenient: bool = False, keep_exponent: bool = False) -> Any:
    """Parse JSON with every non-integer number as Decimal, never as float.

    Well-formed JSON is read by msgspec's C parser (the same values, ~5× faster on a large export); what it refuses
    (``NaN``, malformed text, an integer too long for Python's ``int``) by the standard parser, which reads it the
    way the options say or raises its usual ``ValueError``.

    Args:
        text: The JSON text.
        lenient: Also read ``NaN``/``Infinity`` (which .NET can write) as non-finite Decimals and integers too long
            for ``int`` as Decimals, so that a model refuses them field by field instead of the whole text being
            unreadable.
        keep_exponent: Read back what :func:`dumps` wrote with ``keep_exponent=True`` (integral Decimals).
    """
    try:
        value = _DECODER.decode(text)
    except msgspec.DecodeError:
        pass  # the standard parser reads it (NaN, Infinity, an integer too long for int) or says what is wrong
    else:
        tagged = keep_exponent and (_TAG_BYTES in text if isinstance(text, bytes) else _DECIMAL_TAG in text)
        return _untag_all(value) if tagged else value
    return json.loads(
        text,
        parse_float=Decimal,
        parse_int=_long_int if lenient else None,
        parse_constant=_non_finite if lenient else None,
        object_hook=_untag if keep_exponent else None,
    )


def encode(value: Any, *, sort_keys: bool = False, keep_exponent: bool = False) -> bytes:
    """Compact UTF-8 JSON of ``value`` with every Decimal exact: what cwsage sends and stores (not for people).

    The same JSON values as :func:`dumps` (``Decimal("12.50")`` -> ``12.50``), without the spaces, written by
    msgspec in C. A Decimal that Python would write in E notation (``1E-7``) makes it write the whole text the
    slower way of :func:`dumps`, digit by digit, so that no JSON cwsage writes has an exponent.

    Args:
        value: What to write (dicts, lists, str, int, bool, None, Decimal).
        sort_keys: Keys in sorted order (a fingerprint of the content).
        keep_exponent: As in :func:`dumps` (the state store).
    """
    if keep_exponent:
        value = _tag_integral_decimals(value)
    try:
        text: bytes | None = (_SORTED_ENCODER if sort_keys else _ENCODER).encode(value)
    except TypeError:  # keys that are not text, with sort_keys: the standard encoder's rules apply
        text = None
    if text is None or _EXPONENT.search(text):
        return dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False).encode()
    return text


_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")
_SORTED_ENCODER = msgspec.json.Encoder(decimal_format="number", order="sorted")
_EXPONENT = re.compile(rb"[0-9]E[-+][0-9]")
"""A Decimal in E notation as ``str`` writes it (or text that looks like one, which only costs the slow path)."""


_TOKEN = "\u0000cwsage-decimal:"  # noqa: S105 - a marker, not a password
_TOKEN_RE = re.compile(r'"\\u0000cwsage-decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def dumps(value: Any, *, keep_exponent: bool = False, **kwargs: Any) -> str:
    """Serialise to JSON writing Decimals as exact JSON numbers (``Decimal("12.50")`` -> ``12.50``).

    The standard encoder would go through ``float``; instead each Decimal becomes a marked string that is
    then replaced by its exact digits, so no amount ever passes through binary floating point.

    Args:
        value: What to write.
        keep_exponent: Write integral Decimals (``Decimal("12")``, which would load back as the int 12) tagged, so
            that ``loads(..., keep_exponent=True)`` gives back the same type and exponent (the state store).
        **kwargs: Passed to :func:`json.dumps` (``indent``, ``sort_keys``, ``ensure_ascii`` …).

    With at most ``indent`` and ``ensure_ascii``, the text is :func:`encode`'s laid out by msgspec, which is the
    same text the standard encoder writes (a test compares them), at a fraction of the memory and time: a report
    of 50,000 documents is not copied into marked strings first. Text that is not ASCII, unless
    ``ensure_ascii=False``, goes the standard way, which escapes it.
    """
    if keep_exponent:
        value = _tag_integral_decimals(value)
    indent = kwargs.get("indent")
    if kwargs.keys() <= {"indent", "ensure_ascii"} and (indent is None or (type(indent) is int and indent > 0)):
        text = msgspec.json.format(encode(value), indent=indent or 0).decode()
        if not kwargs.get("ensure_ascii", True) or (text.isascii() and "\x7f" not in text):  # json escapes DEL too
            return text
    return _TOKEN_RE.sub(r"\1", json.dumps(_convert(value), **kwargs))


class LazyArray:
    """A JSON array whose items are made only as :func:`dump_parts` writes them (or as it is iterated).

    For the one long list of a report (a result's documents): 50,000 rows are written one at a time instead of
    being held as 50,000 dicts and one long text. Iterating it again makes the items again.

    Args:
        source: The sized, re-iterable collection the items come from.
        make: Turns one element of ``source`` into its JSON value.
    """

    def __init__(self, source: Sequence[Any], make: Callable[[Any], Any]) -> None:
        self._source = source
        self._make = make

    def __iter__(self) -> Iterator[Any]:
        make = self._make
        return (make(item) for item in self._source)

    def __len__(self) -> int:
        return len(self._source)

    def map(self, convert: Callable[[Any], Any]) -> LazyArray:
        """The same array with ``convert`` applied to each item as it is made."""
        make = self._make
        return LazyArray(self._source, lambda item: convert(make(item)))


def dump_parts(value: dict[str, Any], *, indent: int = 2, ensure_ascii: bool = True) -> Iterator[str]:
    """``dumps(value, indent=indent, ensure_ascii=ensure_ascii)`` in parts, each :class:`LazyArray` of ``value``'s
    own keys written one item at a time (the text is the same as if they were lists)."""
    marks = {key: f"\u0000cwsage-lazy:{key}" for key, item in value.items() if isinstance(item, LazyArray)}
    text = dumps({key: marks.get(key, item) for key, item in value.items()}, indent=indent, ensure_ascii=ensure_ascii)
    inner = " " * (2 * indent)
    for key, mark in marks.items():
        head, _, text = text.partition(dumps(mark, ensure_ascii=ensure_ascii))
        yield head
        first = True
        for item in value[key]:
            lines = dumps(item, indent=indent, ensure_ascii=ensure_ascii).replace("\n", "\n" + inner)
            yield ("[\n" if first else ",\n") + inner + lines
            first = False
        yield "[]" if first else "\n" + " " * indent + "]"
    yield text


_DECIMAL_TAG = "$decimal"
"""The key of a tagged integral Decimal (``{"$decimal": "12"}``); stored in state databases, never change it."""
_TAG_BYTES = _DECIMAL_TAG.encode()


def _tag_integral_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = str(value)  # its exponent is >= 0 when it has no point, or an exponent with a sign of "+"
        if value.is_finite() and ("E+" in text or ("." not in text and "E" not in text)):
            return {_DECIMAL_TAG: text}
        return value
    if isinstance(value, dict):
        return {k: _tag_integral_decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tag_integral_decimals(v) for v in value]
    return value


def _untag_all(value: Any) -> Any:
    """:func:`_untag` applied at every depth of decoded JSON (what ``object_hook`` does for the standard parser)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                value[key] = _untag_all(item)
        return _untag(value)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                value[index] = _untag_all(item)
    return value


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _DECIMAL_TAG in obj and isinstance(obj[_DECIMAL_TAG], str):
        return Decimal(obj[_DECIMAL_TAG])
    return obj


def _convert(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _TOKEN + format(value, "f")
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(v) for v in value]
    return value
