"""What this Sage 300 server has, read from its own ``$metadata``, held against every name cwsage uses.

Why it exists: real sites run versions from 2016 to today, with modules missing and Web API users without
rights to some of them. Without discovery, one unexpected name stops cwsage with a 404 in the middle of a
run. With it, cwsage reads each module's ``$metadata`` (DR22: ``{COMPANY}/{MODULE}/$metadata``) once on
connecting, checks every resource, key and property of :mod:`cwsage.sage300.vocabulary` against it, uses the
known alternative where the server has that one (MD16's ``TermsCodeKey``, entity sets without the module
prefix), and says before anything is posted what is missing: a property cwsage must *send* that the server
lacks is a configuration error; an optional resource that is missing or forbidden is a warning that says
what is lost and what cwsage does instead.

The result is cached in the state store per server, company and version (:mod:`cwsage.state.discovery_cache`)
and recomputed when the server's answer changes (its fingerprint) or on demand.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET  # the server's EDMX; Python's expat refuses entity-expansion attacks
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

from cwsage.concurrency import read_all
from cwsage.errors import ConfigurationError
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.odata import Dialect, dialect_from_metadata

MODULES: tuple[str, ...] = ("AR", "AP", "GL", "IC", "TX", "CS")
"""The modules whose ``$metadata`` cwsage reads (every vocabulary resource lives in one of them)."""

WRITTEN_KINDS = frozenset({V.Kind.TRANSACTION, V.Kind.PROCESS})
CREATED_MASTERS = frozenset({V.AR_CUSTOMERS.path, V.AP_VENDORS.path, V.IC_ITEMS.path})
"""Masters cwsage creates (``--create-missing``): their properties are sent too."""

RIGHTS_HINT = (
    "Check the Sage 300 version (older versions name some things differently), that the {module} module is "
    "activated in company {company}, and that the Web API user has rights to {module} "
    "(Sage 300 Administrative Services > Security Groups, and the user's Web API access)."
)


class Status(StrEnum):
    """What the server said about one module, resource or property."""

    FOUND = "found"
    RENAMED = "renamed"
    MISSING = "missing"
    FORBIDDEN = "forbidden"
    UNREADABLE = "unreadable"


_ABSENT = frozenset({Status.MISSING, Status.FORBIDDEN, Status.UNREADABLE})
ABSENT_FOR_SURE = frozenset({Status.MISSING, Status.FORBIDDEN})
"""What the server said plainly. An *unreadable* ``$metadata`` (an HTTP 500, a document cwsage cannot parse)
proves nothing about the resources: they are neither refused nor skipped, only reported as unchecked."""


class MetadataSource(Protocol):
    """What discovery needs from the client: one module's ``$metadata`` as (HTTP status, text)."""

    def module_metadata(self, module: str) -> tuple[int, str]:
        """GET ``{module}/$metadata``; 403/404 are answers, not errors."""
        ...


# --------------------------------------------------------------------------------------------------
# EDMX
# --------------------------------------------------------------------------------------------------


@dataclass
class Schema:
    """The names one module's EDMX declares: entity sets and the properties of each type (entity or complex)."""

    version: str = ""
    dialect: Dialect | None = None
    entity_sets: dict[str, str] = field(default_factory=dict)
    types: dict[str, dict[str, str]] = field(default_factory=dict)
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _type_name(edm: str) -> str:
    """``Collection(AR.InvoiceDetail)`` → ``InvoiceDetail``; ``AR.Invoice`` → ``Invoice``."""
    if edm.startswith("Collection(") and edm.endswith(")"):
        edm = edm[len("Collection(") : -1]
    return edm.rsplit(".", 1)[-1]


def parse_edmx(text: str) -> Schema:
    """The entity sets, types, keys and properties of an EDMX document (CSDL 4.0 or EDMX 1.0/OData v3).

    Raises:
        ValueError: if the text is not an EDMX document.
    """
    try:
        root = ET.fromstring(text)  # noqa: S314 - expat (>= 2.4.1, bundled) refuses entity-expansion attacks
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if _local(root.tag) != "Edmx":
        raise ValueError(f"not EDMX (root element {_local(root.tag)})")
    schema = Schema(version=root.get("Version", ""), dialect=dialect_from_metadata(text))
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "EntitySet":
            schema.entity_sets[element.get("Name", "")] = _type_name(element.get("EntityType", ""))
        elif tag in ("EntityType", "ComplexType"):
            name = element.get("Name", "")
            props: dict[str, str] = {}
            keys: list[str] = []
            for child in element.iter():
                child_tag = _local(child.tag)
                if child_tag in ("Property", "NavigationProperty"):
                    props[child.get("Name", "")] = child.get("Type", "")
                elif child_tag == "PropertyRef":
                    keys.append(child.get("Name", ""))
            schema.types[name] = props
            schema.keys[name] = tuple(keys)
    return schema


# --------------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyCheck:
    """One declared property held against the server.

    Attributes:
        entity: The declaring entity (``Invoice``).
        name: cwsage's name (the vocabulary's).
        status: found / renamed (the server has an alternative) / missing.
        served: The name the server uses (None when missing).
        sent: Whether cwsage sends it (a property of a resource cwsage writes).
        key: Whether it is a key of the resource.
    """

    entity: str
    name: str
    status: Status
    served: str | None
    sent: bool
    key: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "entity": self.entity,
            "name": self.name,
            "status": str(self.status),
            "served": self.served,
            "sent": self.sent,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PropertyCheck:
        """The inverse of :meth:`as_dict`."""
        return cls(
            str(data["entity"]),
            str(data["name"]),
            Status(data["status"]),
            data.get("served"),
            bool(data["sent"]),
            bool(data.get("key", False)),
        )


@dataclass(frozen=True)
class ResourceCheck:
    """One vocabulary resource held against the server.

    Attributes:
        path: cwsage's path (``AR/ARInvoiceBatches``).
        status: found / renamed (served under a known alternative) / missing / forbidden / unreadable.
        served: The path the server uses (None when not found).
        properties: Each declared property (empty when the resource itself is not found).
        detail: Why, when it is not found.
    """

    path: str
    status: Status
    served: str | None
    properties: tuple[PropertyCheck, ...] = ()
    detail: str = ""

    @property
    def resource(self) -> V.Resource:
        """The vocabulary's declaration."""
        return _BY_PATH[self.path]

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "path": self.path,
            "status": str(self.status),
            "served": self.served,
            "detail": self.detail,
            "jobs": {str(job): str(need) for job, need in self.resource.jobs.items()},
            "properties": [p.as_dict() for p in self.properties],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResourceCheck:
        """The inverse of :meth:`as_dict`."""
        return cls(
            str(data["path"]),
            Status(data["status"]),
            data.get("served"),
            tuple(PropertyCheck.from_dict(p) for p in data.get("properties", [])),
            str(data.get("detail", "")),
        )


_BY_PATH: dict[str, V.Resource] = {r.path: r for r in V.RESOURCES}


@dataclass(frozen=True)
class Discovery:
    """Everything one server said about itself, and what it means for cwsage.

    Attributes:
        server: The server root (``https://sage.example.com``).
        company: The company ID.
        version: The EDMX version(s) the modules declare (``4.0``; ``1.0`` for 2016-era servers).
        dialect: OData v3 or v4 (None when no module's metadata could be read).
        fingerprint: A hash of every module's answer (status and text): a change means a new discovery.
        modules: Each module's status (found / forbidden / missing / unreadable).
        resources: Each vocabulary resource (the tenant-level companies list excluded).
        discovered_at: When the server was read.
    """

    server: str
    company: str
    version: str
    dialect: Dialect | None
    fingerprint: str
    modules: Mapping[str, Status]
    resources: tuple[ResourceCheck, ...]
    discovered_at: datetime

    def resource(self, resource: V.Resource) -> ResourceCheck | None:
        """The check of ``resource`` (None for one discovery does not cover)."""
        return next((r for r in self.resources if r.path == resource.path), None)

    @property
    def md16_names(self) -> bool | None:
        """True when the server serves its resources under MD16's names, False under v1.0's, None unknown."""
        statuses = [r.status for r in self.resources if r.status in (Status.FOUND, Status.RENAMED)]
        if not statuses:
            return None
        return statuses.count(Status.RENAMED) > statuses.count(Status.FOUND)

    def differences(self) -> list[str]:
        """One line per resource or property that is not exactly as cwsage names it."""
        lines: list[str] = []
        for check in self.resources:
            if check.status is Status.RENAMED:
                lines.append(f"{check.path}: served as {check.served}")
            elif check.status in _ABSENT:
                lines.append(f"{check.path}: {check.status}" + (f" ({check.detail})" if check.detail else ""))
            for prop in check.properties:
                if prop.status is Status.RENAMED:
                    lines.append(f"{check.path} {prop.entity}.{prop.name}: served as {prop.served}")
                elif prop.status is Status.MISSING:
                    lines.append(f"{check.path} {prop.entity}.{prop.name}: missing")
        return lines

    def errors(self, job: V.Job) -> list[ConfigurationError]:
        """What stops ``job`` before anything is posted: a required resource absent, a sent property missing."""
        problems: list[ConfigurationError] = []
        for check in self.resources:
            need = check.resource.jobs.get(job)
            if need is None:
                continue
            module = check.resource.module
            hint = RIGHTS_HINT.format(module=module, company=self.company)
            if check.status in ABSENT_FOR_SURE and need is V.Need.REQUIRED:
                problems.append(
                    ConfigurationError(
                        f"Sage 300 resource {check.path} is {check.status} for company {self.company}; "
                        f"cwsage needs it for `cwsage {job}`",
                        detail=check.detail,
                        hint=hint,
                    )
                )
                continue
            for prop in check.properties:
                if prop.status is Status.MISSING and (prop.sent or (prop.key and need is V.Need.REQUIRED)):
                    use = "sends" if prop.sent else "looks records up by"
                    problems.append(
                        ConfigurationError(
                            f"Sage 300 resource {check.path} has no property {prop.entity}.{prop.name}, which "
                            f"cwsage {use} for `cwsage {job}` (source {_source(check.resource, prop)})",
                            hint=hint,
                        )
                    )
        return problems

    def warnings(self, job: V.Job) -> list[str]:
        """What degrades ``job`` without stopping it: each line says what is lost and what cwsage does instead."""
        lines: list[str] = []
        for check in self.resources:
            need = check.resource.jobs.get(job)
            if need is None:
                continue
            if check.status is Status.UNREADABLE:
                lines.append(
                    f"Sage 300 {check.path} could not be checked ({check.detail}): cwsage uses it as declared."
                )
                continue
            if check.status in ABSENT_FOR_SURE and need is V.Need.OPTIONAL:
                instead = check.resource.note or "cwsage goes on without it"
                lines.append(f"Sage 300 {check.path} is {check.status}: {instead}.")
                continue
            for prop in check.properties:
                if prop.status is Status.MISSING and not prop.sent and not prop.key:
                    lines.append(
                        f"Sage 300 {check.path} has no {prop.entity}.{prop.name}: cwsage reads it as empty there."
                    )
        return lines

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (the cache and ``cwsage doctor --json``)."""
        return {
            "server": self.server,
            "company": self.company,
            "version": self.version,
            "dialect": str(self.dialect) if self.dialect else None,
            "fingerprint": self.fingerprint,
            "modules": {name: str(status) for name, status in self.modules.items()},
            "resources": [r.as_dict() for r in self.resources],
            "discovered_at": self.discovered_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Discovery:
        """The inverse of :meth:`as_dict`."""
        return cls(
            server=str(data["server"]),
            company=str(data["company"]),
            version=str(data["version"]),
            dialect=Dialect(data["dialect"]) if data.get("dialect") else None,
            fingerprint=str(data["fingerprint"]),
            modules={str(k): Status(v) for k, v in dict(data["modules"]).items()},
            resources=tuple(ResourceCheck.from_dict(r) for r in data["resources"]),
            discovered_at=datetime.fromisoformat(str(data["discovered_at"])),
        )


def _source(resource: V.Resource, prop: PropertyCheck) -> str:
    for entity in resource.entity.walk():
        if entity.name == prop.entity and prop.name in entity:
            return entity.prop(prop.name).source
    return resource.source


# --------------------------------------------------------------------------------------------------
# Discovering
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleAnswer:
    """One module's ``$metadata`` answer."""

    module: str
    status: Status
    schema: Schema | None
    detail: str = ""


def read_module(source: MetadataSource, module: str) -> tuple[ModuleAnswer, str]:
    """Read and parse one module's ``$metadata``; returns the answer and the text that was fingerprinted."""
    code, text = source.module_metadata(module)
    stamp = f"{module}:{code}:{text}"
    if code == 403:
        return ModuleAnswer(module, Status.FORBIDDEN, None, "the Web API user has no rights to the module"), stamp
    if code == 404:
        return ModuleAnswer(module, Status.MISSING, None, "the module is not activated in this company"), stamp
    if code >= 400:
        return ModuleAnswer(module, Status.UNREADABLE, None, f"$metadata answered HTTP {code}"), stamp
    try:
        schema = parse_edmx(text)
    except ValueError as exc:
        return ModuleAnswer(module, Status.UNREADABLE, None, f"$metadata is {exc}"), stamp
    return ModuleAnswer(module, Status.FOUND, schema), stamp


def _sent(resource: V.Resource) -> bool:
    return resource.kind in WRITTEN_KINDS or resource.path in CREATED_MASTERS


def _check_entity(
    entity: V.Entity, served_type: str | None, schema: Schema, *, sent: bool, keys: Iterable[str] = ()
) -> list[PropertyCheck]:
    served = schema.types.get(served_type or "", {})
    key_names = set(keys)
    checks: list[PropertyCheck] = []
    for prop in entity.props:
        status, name = Status.MISSING, None
        if prop.name in served:
            status, name = Status.FOUND, prop.name
        else:
            alternative = next((a for a in prop.alternatives if a in served), None)
            if alternative is not None:
                status, name = Status.RENAMED, alternative
        checks.append(PropertyCheck(entity.name, prop.name, status, name, sent, prop.name in key_names))
        if prop.items is not None:
            detail_type = _type_name(served.get(name or "", "")) if name else None
            checks.extend(_check_entity(prop.items, detail_type, schema, sent=sent))
    return checks


def _resolve_alternative_pairs(checks: list[PropertyCheck], entity: V.Entity) -> list[PropertyCheck]:
    """A property missing whose alternative is another declared property that the server has counts as found.

    The posting processes declare both range pairs (``FromBatch``/``ToBatch`` and ``PostBatchFrom``/…, I12):
    cwsage sends whichever pair the server's template has, so one pair missing is no problem.
    """
    present = {(c.entity, c.name) for c in checks if c.status is not Status.MISSING}
    out: list[PropertyCheck] = []
    for check in checks:
        other = None
        if check.status is Status.MISSING and check.entity == entity.name and check.name in entity:
            other = next((a for a in entity.prop(check.name).alternatives if (check.entity, a) in present), None)
        if other is not None:
            out.append(PropertyCheck(check.entity, check.name, Status.RENAMED, other, check.sent, check.key))
        else:
            out.append(check)
    return out


def check_resource(resource: V.Resource, answer: ModuleAnswer) -> ResourceCheck:
    """Hold one vocabulary resource against its module's answer."""
    if answer.schema is None:
        return ResourceCheck(resource.path, answer.status, None, (), answer.detail)
    schema = answer.schema
    for index, path in enumerate((resource.path, *resource.alternatives)):
        name = path.split("/", 1)[1]
        if name in schema.entity_sets:
            served_type = schema.entity_sets[name]
            checks = _check_entity(resource.entity, served_type, schema, sent=_sent(resource), keys=resource.key)
            checks = _resolve_alternative_pairs(checks, resource.entity)
            status = Status.FOUND if index == 0 else Status.RENAMED
            return ResourceCheck(resource.path, status, path, tuple(checks))
    return ResourceCheck(resource.path, Status.MISSING, None, (), f"{resource.module}/$metadata has no such entity set")


def _vocabulary_stamp() -> str:
    """Every name cwsage checks, so that a cached analysis made by another cwsage version is not reused."""
    names = [
        f"{r.path}|{'/'.join(r.alternatives)}|{e.name}.{p.name}|{'/'.join(p.alternatives)}|{r.kind}"
        for r in V.RESOURCES
        for e in r.entity.walk()
        for p in e.props
    ]
    return "vocabulary:" + "\n".join(names)


VOCABULARY_STAMP = _vocabulary_stamp()


def discover(source: MetadataSource, *, server: str, company: str, now: datetime) -> Discovery:
    """Read every module's ``$metadata`` and check every vocabulary resource against it.

    Args:
        source: The connection (normally :class:`cwsage.sage300.client.Sage300Client`).
        server: The server root, for the cache key.
        company: The company ID.
        now: When (timezone-aware).

    Raises:
        CwsageError: what the client raises for anything but 403/404 (refused connection, bad login …).
    """
    answers: dict[str, ModuleAnswer] = {}
    stamps: list[str] = [VOCABULARY_STAMP]
    read = read_all([partial(read_module, source, module) for module in MODULES])  # a few modules at a time
    for module, (answer, stamp) in zip(MODULES, read, strict=True):
        answers[module] = answer
        stamps.append(stamp)
    return assemble(answers, stamps, server=server, company=company, now=now)


def assemble(
    answers: Mapping[str, ModuleAnswer], stamps: Sequence[str], *, server: str, company: str, now: datetime
) -> Discovery:
    """The :class:`Discovery` of already-read module answers."""
    resources = tuple(check_resource(r, answers[r.module]) for r in V.RESOURCES if r.module in answers)
    schemas = [a.schema for a in answers.values() if a.schema is not None]
    versions = sorted({s.version for s in schemas if s.version})
    dialects = [s.dialect for s in schemas if s.dialect is not None]
    return Discovery(
        server=server,
        company=company,
        version="/".join(versions) or "unknown",
        dialect=dialects[0] if dialects else None,
        fingerprint=fingerprint(stamps),
        modules={m: a.status for m, a in answers.items()},
        resources=resources,
        discovered_at=now,
    )


def fingerprint(stamps: Iterable[str]) -> str:
    """A stable hash of the modules' answers."""
    digest = hashlib.sha256()
    for stamp in stamps:
        digest.update(stamp.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()
