"""``$metadata`` per company and module, generated from the emulator's own declarations.

Why generated: DR22 says a client can learn every name it needs from ``{COMPANY}/{MODULE}/$metadata`` —
entity sets in the ``Default`` container, entity types with keys and properties, complex types for detail
collections, enum types with members. Writing the EDMX from :mod:`vocabulary` means it can never disagree
with what the emulator validates and answers.

v1.0 answers CSDL 4.0 (``Edm.DateTimeOffset``, enum types); the 2016 dialect answers what MD16 shows: EDMX
1.0 with ``DataServiceVersion="3.0"``, ``Edm.DateTime``, enum-valued properties typed ``Edm.String`` (OData
v3 had no enum types), entity sets without the module prefix and MD16's key names.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from cwsage.sandbox.sage300.dialect import Dialect
from cwsage.sandbox.sage300.model import DATETIME, DECIMAL, DEFAULT_PRECISION, Module, Prop, StructType

_V4 = {
    "edmx": "http://docs.oasis-open.org/odata/ns/edmx",
    "edm": "http://docs.oasis-open.org/odata/ns/edm",
}
_V3 = {
    "edmx": "http://schemas.microsoft.com/ado/2007/06/edmx",
    "edm": "http://schemas.microsoft.com/ado/2009/11/edm",
    "m": "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata",
}


def _property(module: Module, prop: Prop, name: str, *, odata4: bool, key: bool) -> str:
    namespace = module.namespace
    if prop.kind == "collection":
        return f"<Property Name={quoteattr(name)} Type={quoteattr(f'Collection({namespace}.{prop.type_name})')}/>"
    if prop.kind == "enum":
        edm = f"{namespace}.{prop.type_name}" if odata4 else "Edm.String"
    elif prop.type_name == DATETIME and not odata4:
        edm = "Edm.DateTime"
    else:
        edm = prop.type_name
    facets = ' Nullable="false"' if key else ""
    if prop.max_length is not None:
        facets += f' MaxLength="{prop.max_length}"'
    if prop.type_name == DECIMAL and prop.kind == "primitive":
        facets += f' Precision="{DEFAULT_PRECISION}" Scale="{prop.scale}"'
    return f"<Property Name={quoteattr(name)} Type={quoteattr(edm)}{facets}/>"


def _struct(module: Module, struct: StructType, dialect: Dialect) -> str:
    renames = dialect.renames(module.code, struct) if struct.is_entity else {}
    tag = "EntityType" if struct.is_entity else "ComplexType"
    parts = [f"<{tag} Name={quoteattr(struct.name)}>"]
    if struct.is_entity:
        refs = "".join(f"<PropertyRef Name={quoteattr(renames.get(k, k))}/>" for k in struct.key)
        parts.append(f"<Key>{refs}</Key>")
    for prop in struct.properties:
        name = renames.get(prop.name, prop.name)
        parts.append(_property(module, prop, name, odata4=dialect.odata4, key=prop.name in struct.key))
    parts.append(f"</{tag}>")
    return "".join(parts)


def edmx(module: Module, dialect: Dialect) -> str:
    """The EDMX document of one module as this dialect serves it."""
    served = dialect.served(module)
    used = {r.entity for r in served}
    pending = list(used)
    while pending:  # the complex types the served entity types reach
        struct = module.type_by_name[pending.pop()]
        for prop in struct.properties:
            if prop.kind == "collection" and prop.type_name not in used:
                used.add(prop.type_name)
                pending.append(prop.type_name)
    types = [t for t in module.types if t.name in used]
    body = "".join(_struct(module, t, dialect) for t in types)
    entity_sets = "".join(
        f"<EntitySet Name={quoteattr(dialect.name_of(r))} EntityType={quoteattr(module.namespace + '.' + r.entity)}/>"
        for r in served
    )
    if dialect.odata4:
        enums = "".join(
            f"<EnumType Name={quoteattr(e.name)}>"
            + "".join(f'<Member Name={quoteattr(m)} Value="{i}"/>' for i, m in enumerate(e.members))
            + "</EnumType>"
            for e in module.enums
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<edmx:Edmx Version="4.0" xmlns:edmx="{_V4["edmx"]}"><edmx:DataServices>'
            f'<Schema Namespace={quoteattr(module.namespace)} xmlns="{_V4["edm"]}">{body}{enums}</Schema>'
            f'<Schema Namespace="Default" xmlns="{_V4["edm"]}"><EntityContainer Name="Default">{entity_sets}'
            "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<edmx:Edmx Version="1.0" xmlns:edmx="{_V3["edmx"]}">'
        f'<edmx:DataServices m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0" xmlns:m="{_V3["m"]}">'
        f'<Schema Namespace={quoteattr(module.namespace)} xmlns="{_V3["edm"]}">{body}</Schema>'
        f'<Schema Namespace="Default" xmlns="{_V3["edm"]}">'
        f'<EntityContainer Name="Default" m:IsDefaultEntityContainer="true">{entity_sets}</EntityContainer>'
        "</Schema></edmx:DataServices></edmx:Edmx>"
    )
