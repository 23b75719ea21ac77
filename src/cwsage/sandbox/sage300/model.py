"""The shapes of the emulator's own models: entity, complex and enum types, and the resources that serve them.

Why a small vocabulary of its own: one declaration of every resource (``vocabulary.py``) must drive three
things that a real Sage 300 derives from its .NET models — the validation of every write (unknown property,
wrong JSON type, unknown enum member), the answers, and ``$metadata``. These dataclasses are that
declaration's grammar; :func:`props` reads the compact property lists the vocabulary is written in.

Compact property syntax (one token per property, separated by spaces)::

    Name:S       Edm.String                 Name:S22   Edm.String, MaxLength 22
    Name:D       Edm.Decimal (19, 3)        Name:D7    Edm.Decimal (19, 7) — scale given
    Name:I       Edm.Int32                  Name:L     Edm.Int64
    Name:B       Edm.Boolean                Name:T     date and time (Edm.DateTimeOffset, v3 Edm.DateTime)
    Name:@Enum   the enum type ``Enum``     Name:[Type] a collection of the complex type ``Type``
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

STRING = "Edm.String"
DECIMAL = "Edm.Decimal"
INT32 = "Edm.Int32"
INT64 = "Edm.Int64"
BOOLEAN = "Edm.Boolean"
DATETIME = "Edm.DateTimeOffset"
"""Dates are ``Edm.DateTimeOffset`` in v1.0 (DR22); the 2016 dialect writes ``Edm.DateTime`` (MD16)."""

PRIMITIVES = {"S": STRING, "D": DECIMAL, "I": INT32, "L": INT64, "B": BOOLEAN, "T": DATETIME}
DEFAULT_PRECISION = 19
DEFAULT_SCALE = 3
"""Sage views keep amounts as BCD 10.3: at most 16 digits before the point and 3 after."""

Kind = Literal["primitive", "enum", "collection"]
ResourceKind = Literal["master", "transaction", "process", "get-only"]


@dataclass(frozen=True)
class EnumType:
    """An enum type: members are written and read as their names (``"ReadyToPost"``)."""

    name: str
    members: tuple[str, ...]
    source: str = "inferred"


@dataclass(frozen=True)
class Prop:
    """One property of an entity or complex type."""

    name: str
    kind: Kind
    type_name: str
    """An EDM primitive (``Edm.String``), an enum type name, or the complex type of a collection."""
    max_length: int | None = None
    scale: int | None = None

    @property
    def is_decimal(self) -> bool:
        """Whether the property is an ``Edm.Decimal``."""
        return self.kind == "primitive" and self.type_name == DECIMAL


_TOKEN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(?:([SDILBT])(\d*)|@([A-Za-z0-9_]+)|\[([A-Za-z0-9_]+)\])$")


def props(text: str) -> tuple[Prop, ...]:
    """Read a compact property list (see the module docstring).

    Raises:
        ValueError: a token that is not in the compact syntax, or a property named twice.
    """
    result: list[Prop] = []
    seen: set[str] = set()
    for token in text.split():
        match = _TOKEN.match(token)
        if match is None:
            raise ValueError(f"bad property token {token!r}")
        name, code, digits, enum, complex_type = match.groups()
        if name in seen:
            raise ValueError(f"property {name} declared twice")
        seen.add(name)
        if enum:
            result.append(Prop(name, "enum", enum))
        elif complex_type:
            result.append(Prop(name, "collection", complex_type))
        elif code == "S":
            result.append(Prop(name, "primitive", STRING, max_length=int(digits) if digits else None))
        elif code == "D":
            result.append(Prop(name, "primitive", DECIMAL, scale=int(digits) if digits else DEFAULT_SCALE))
        else:
            result.append(Prop(name, "primitive", PRIMITIVES[code]))
    return tuple(result)


@dataclass(frozen=True)
class StructType:
    """An entity type (with a key) or a complex type (the items of a detail collection, no key)."""

    name: str
    properties: tuple[Prop, ...]
    key: tuple[str, ...] = ()
    source: str = "inferred"
    by_name: Mapping[str, Prop] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {p.name: p for p in self.properties})
        missing = [k for k in self.key if k not in self.by_name]
        if missing:
            raise ValueError(f"{self.name}: key properties {missing} are not declared")

    @property
    def is_entity(self) -> bool:
        """Entity types have a key; complex types do not."""
        return bool(self.key)


@dataclass(frozen=True)
class Resource:
    """One endpoint ``{MODULE}/{name}`` as ER22 lists it, with the entity type it serves."""

    module: str
    name: str
    kind: ResourceKind
    verbs: frozenset[str]
    entity: str
    """The entity type's name (in the module's schema)."""
    table: str
    """The store table holding its rows ('' for a process)."""
    source: str = "ER22"
    name_2016: str = ""
    """The MD16-style entity set name (no module prefix)."""

    @property
    def path(self) -> str:
        """``AR/ARCustomers``."""
        return f"{self.module}/{self.name}"


@dataclass(frozen=True)
class Module:
    """One module's schema: its types, enum types and resources (one ``$metadata`` document)."""

    code: str
    enums: tuple[EnumType, ...]
    types: tuple[StructType, ...]
    resources: tuple[Resource, ...]
    namespace: str = ""
    enum_by_name: Mapping[str, EnumType] = field(init=False, repr=False, compare=False)
    type_by_name: Mapping[str, StructType] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "enum_by_name", {e.name: e for e in self.enums})
        object.__setattr__(self, "type_by_name", {t.name: t for t in self.types})
        if not self.namespace:
            object.__setattr__(self, "namespace", f"Sage.CA.SBS.ERP.Sage300.{self.code}.WebApi.Models")
        for struct in self.types:
            for prop in struct.properties:
                if prop.kind == "enum" and prop.type_name not in self.enum_by_name:
                    raise ValueError(f"{self.code}.{struct.name}.{prop.name}: enum {prop.type_name} is not declared")
                if prop.kind == "collection" and prop.type_name not in self.type_by_name:
                    raise ValueError(f"{self.code}.{struct.name}.{prop.name}: type {prop.type_name} is not declared")
        for resource in self.resources:
            if resource.entity not in self.type_by_name:
                raise ValueError(f"{resource.path}: entity type {resource.entity} is not declared")

    def entity_of(self, resource: Resource) -> StructType:
        """The entity type a resource serves."""
        return self.type_by_name[resource.entity]

    def item_type(self, prop: Prop) -> StructType:
        """The complex type of a collection property."""
        return self.type_by_name[prop.type_name]

    def enum(self, prop: Prop) -> EnumType:
        """The enum type of an enum property."""
        return self.enum_by_name[prop.type_name]
