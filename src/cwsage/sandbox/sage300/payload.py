"""Reading a write's JSON body against the emulator's models, as strictly as a real server.

Why a pass of its own before any business rule: Sage's Web API deserializes the body into its .NET model
first. A property the model does not have, a value of the wrong JSON type or an enum name it does not know
fails there — 400 ``InvalidPayload``, nothing written (DR22; PM "Dealing with Errors") — at any nesting
level. Only a body that fits reaches the view, which refuses values over a field's size (a string longer
than its ``MaxLength``, an amount with more digits than the view's BCD 10.3) with 409 ``RecordInvalid``.

Values come out normalized: dates as ``YYYY-MM-DDT00:00:00Z`` (Sage dates carry no time; the written date
is kept whatever the offset), decimals as :class:`~decimal.Decimal`, v3 string-encoded numbers parsed.
"""

from __future__ import annotations

import functools
import re
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from cwsage.sandbox.sage300.errors import bad_payload, invalid
from cwsage.sandbox.sage300.model import (
    BOOLEAN,
    DATETIME,
    DECIMAL,
    DEFAULT_PRECISION,
    INT32,
    INT64,
    STRING,
    Module,
    Prop,
    StructType,
)

Row = dict[str, Any]
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_INT32 = (-(2**31), 2**31 - 1)


@functools.lru_cache(maxsize=8192)
def normalize_date(value: str) -> str | None:
    """``2026-09-30``, ``2026-09-30T00:00:00Z`` or ``2026-09-30T12:00:00-04:00`` → ``2026-09-30T00:00:00Z``."""
    match = _DATE.match(value)
    if match is None:
        return None
    day = match.group(1)
    try:
        year, month, dom = (int(part) for part in day.split("-"))
        if not (1 <= month <= 12 and 1 <= dom <= 31 and year >= 1):
            return None
    except ValueError:
        return None
    return f"{day}T00:00:00Z"


class Reader:
    """Reads bodies for one module in one dialect (v3 bodies may carry decimals as strings)."""

    def __init__(self, module: Module, *, odata4: bool, renames: dict[str, str] | None = None) -> None:
        self.module = module
        self.odata4 = odata4
        self.incoming = {wire: name for name, wire in (renames or {}).items()}
        self._facets: list[str] = []

    def entity(self, struct: StructType, body: Any) -> Row:
        """The body of a write to an entity type, validated.

        Raises:
            SageError: 400 ``InvalidPayload`` (shape, names, JSON types, enum members) or 409 ``RecordInvalid``
                (a value over the field's size).
        """
        if not isinstance(body, dict):
            raise bad_payload(f"The request body must be a JSON object of type '{self._qualified(struct)}'.")
        self._facets = []
        row = self._object(struct, body, struct.name, top=True)
        if self._facets:
            raise invalid(self._facets[0])
        return row

    def _qualified(self, struct: StructType) -> str:
        return f"{self.module.namespace}.{struct.name}"

    def _object(self, struct: StructType, body: dict[str, Any], where: str, *, top: bool = False) -> Row:
        row: Row = {}
        by_name = struct.by_name
        for wire_name, value in body.items():
            name = self.incoming.get(wire_name, wire_name) if top else wire_name
            prop = by_name.get(name)
            if prop is None or (top and wire_name in self.incoming.values() and wire_name not in self.incoming):
                raise bad_payload(
                    f"The property '{wire_name}' does not exist on type '{self._qualified(struct)}'. "
                    "Make sure to only use property names that are defined by the type."
                )
            if value is None:
                if prop.kind == "collection":
                    raise bad_payload(f"A null value was found for the collection property '{where}.{name}'.")
                row[name] = None
                continue
            row[name] = self._value(prop, value, f"{where}.{name}")
        return row

    def _value(self, prop: Prop, value: Any, where: str) -> Any:
        if prop.kind == "collection":
            if not isinstance(value, list):
                raise bad_payload(f"The property '{where}' must be an array (Collection({prop.type_name})).")
            item_type = self.module.item_type(prop)
            items: list[Row] = []
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    raise bad_payload(f"Item {index} of '{where}' must be a JSON object of type '{item_type.name}'.")
                items.append(self._object(item_type, item, f"{where}[{index}]"))
            return items
        if prop.kind == "enum":
            members = self.module.enum(prop).members
            if not isinstance(value, str) or value not in members:
                raise bad_payload(
                    f"The value '{value}' of property '{where}' is not a member of the enum type "
                    f"'{self.module.namespace}.{prop.type_name}' ({', '.join(members)})."
                )
            return value
        edm = prop.type_name
        if edm == STRING:
            if not isinstance(value, str):
                raise self._wrong(where, value, edm)
            if prop.max_length is not None and len(value) > prop.max_length:
                self._facets.append(
                    f"The value '{value}' of {where} is longer than the field allows ({prop.max_length} characters)."
                )
            return sys.intern(value) if len(value) <= 24 else value
        if edm == DECIMAL:
            number = self._decimal(value, where, edm)
            self._check_precision(prop, number, where)
            return number
        if edm in (INT32, INT64):
            if isinstance(value, bool):
                raise self._wrong(where, value, edm)
            if isinstance(value, str) and not self.odata4 and edm == INT64 and re.fullmatch(r"-?\d+", value):
                return int(value)
            if isinstance(value, Decimal) and value == value.to_integral_value():
                value = int(value)
            if not isinstance(value, int):
                raise self._wrong(where, value, edm)
            if edm == INT32 and not _INT32[0] <= value <= _INT32[1]:
                raise self._wrong(where, value, edm)
            return value
        if edm == BOOLEAN:
            if not isinstance(value, bool):
                raise self._wrong(where, value, edm)
            return value
        if edm == DATETIME:
            text = normalize_date(value) if isinstance(value, str) else None
            if text is None:
                raise self._wrong(where, value, edm if self.odata4 else "Edm.DateTime")
            return text
        raise self._wrong(where, value, edm)  # pragma: no cover - every EDM type of the model is handled above

    def _decimal(self, value: Any, where: str, edm: str) -> Decimal:
        if isinstance(value, bool):
            raise self._wrong(where, value, edm)
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, Decimal) and value.is_finite():
            return value
        if isinstance(value, str) and not self.odata4:
            try:
                number = Decimal(value.strip())
            except InvalidOperation as exc:
                raise self._wrong(where, value, edm) from exc
            if number.is_finite():
                return number
        raise self._wrong(where, value, edm)

    def _check_precision(self, prop: Prop, number: Decimal, where: str) -> None:
        scale = prop.scale if prop.scale is not None else 3
        exponent = number.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if decimals > scale and number != number.quantize(Decimal(1).scaleb(-scale)):
            self._facets.append(f"The value {number} of {where} has more than {scale} decimal places.")
        elif abs(number) >= Decimal(10) ** (DEFAULT_PRECISION - scale):
            self._facets.append(f"The value {number} of {where} is too large for the field.")

    @staticmethod
    def _wrong(where: str, value: Any, edm: str) -> Exception:
        shown = "null" if value is None else repr(value) if not isinstance(value, str) else f"'{value}'"
        return bad_payload(f"Cannot convert the value {shown} of property '{where}' to the expected type '{edm}'.")
