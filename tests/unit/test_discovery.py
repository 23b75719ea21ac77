"""Discovery: EDMX parsing, what a missing name means for a job, and the cache in the state store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cwsage.dates import FixedClock
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.discovery import Status, discover, parse_edmx
from cwsage.sage300.odata import Dialect
from cwsage.services.discovery import discover_cached
from cwsage.state.store import StateStore

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

V4_NS = 'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"'
EDM4 = 'xmlns="http://docs.oasis-open.org/odata/ns/edm"'


def _prop_xml(names: list[str]) -> str:
    return "".join(f'<Property Name="{n}" Type="Edm.String"/>' for n in names)


def _entity_xml(entity: V.Entity, drop: frozenset[str]) -> str:
    """A CSDL 4.0 type for a vocabulary entity (and its detail types), minus the names in ``drop``."""
    parts = []
    for sub in entity.walk():
        props = []
        for prop in sub.props:
            if f"{sub.name}.{prop.name}" in drop:
                continue
            kind = f"Collection(M.{prop.items.name})" if prop.items is not None else "Edm.String"
            props.append(f'<Property Name="{prop.name}" Type="{kind}"/>')
        tag = "EntityType" if sub is entity else "ComplexType"
        parts.append(f'<{tag} Name="{sub.name}">{"".join(props)}</{tag}>')
    return "".join(parts)


def module_edmx(module: str, drop: frozenset[str] = frozenset(), skip: frozenset[str] = frozenset()) -> str:
    """The EDMX a complete v1.0 server would answer for ``module``, minus some properties and entity sets."""
    resources = [r for r in V.RESOURCES if r.module == module and r.path not in skip]
    types = "".join(_entity_xml(r.entity, drop) for r in resources)
    sets = "".join(f'<EntitySet Name="{r.name}" EntityType="M.{r.entity.name}"/>' for r in resources)
    return (
        f'<?xml version="1.0"?><edmx:Edmx Version="4.0" {V4_NS}><edmx:DataServices>'
        f'<Schema Namespace="M" {EDM4}>{types}</Schema><Schema Namespace="Default" {EDM4}>'
        f'<EntityContainer Name="Default">{sets}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>'
    )


class FakeServer:
    """Answers ``$metadata`` per module from a table (status, text)."""

    def __init__(self, answers: dict[str, tuple[int, str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def module_metadata(self, module: str) -> tuple[int, str]:
        self.calls.append(module)
        return self.answers[module]


def complete(**changes: tuple[int, str]) -> FakeServer:
    answers = {m: (200, module_edmx(m)) for m in ("AR", "AP", "GL", "IC", "TX", "CS")}
    answers.update(changes)
    return FakeServer(answers)


def test_parse_edmx_reads_sets_types_keys_and_collection_types() -> None:
    text = (
        f'<edmx:Edmx Version="4.0" {V4_NS}><edmx:DataServices><Schema Namespace="AR" {EDM4}>'
        '<EntityType Name="Invoice"><Key><PropertyRef Name="BatchNumber"/></Key>'
        '<Property Name="BatchNumber" Type="Edm.Int32"/>'
        '<Property Name="InvoiceDetails" Type="Collection(AR.InvoiceDetail)"/></EntityType>'
        f'</Schema><Schema Namespace="Default" {EDM4}><EntityContainer Name="Default">'
        '<EntitySet Name="ARInvoices" EntityType="AR.Invoice"/></EntityContainer></Schema>'
        "</edmx:DataServices></edmx:Edmx>"
    )
    schema = parse_edmx(text)
    assert schema.entity_sets == {"ARInvoices": "Invoice"}
    assert schema.keys["Invoice"] == ("BatchNumber",)
    assert schema.types["Invoice"]["InvoiceDetails"] == "Collection(AR.InvoiceDetail)"
    assert schema.dialect is Dialect.V4
    with pytest.raises(ValueError, match="not XML"):
        parse_edmx("<html><body>Sign in</body>")


def test_a_complete_server_has_every_name_cwsage_uses() -> None:
    found = discover(complete(), server="https://s", company="SAMINC", now=NOW)
    assert found.differences() == []
    assert found.errors(V.Job.RUN) == [] and found.warnings(V.Job.RUN) == []
    checked = sum(len(r.properties) for r in found.resources)
    assert checked == sum(len(e.props) for r in V.RESOURCES if r.module != "-" for e in r.entity.walk())


def test_a_property_cwsage_sends_that_the_server_lacks_stops_the_run_naming_it() -> None:
    server = complete(AR=(200, module_edmx("AR", drop=frozenset({"InvoiceDetail.DistributionCode"}))))
    found = discover(server, server="https://s", company="SAMINC", now=NOW)
    errors = found.errors(V.Job.RUN)
    assert len(errors) == 1
    message = errors[0].user_message
    assert "AR/ARInvoiceBatches" in message and "InvoiceDetail.DistributionCode" in message and "sends" in message
    assert "AR module is activated" in (errors[0].hint or "") and "rights to AR" in (errors[0].hint or "")


def test_an_optional_resource_missing_is_a_warning_saying_what_cwsage_does_instead() -> None:
    server = complete(AP=(200, module_edmx("AP", skip=frozenset({"AP/APPostedDocuments"}))), IC=(404, ""))
    found = discover(server, server="https://s", company="SAMINC", now=NOW)
    assert found.errors(V.Job.RUN) == []
    warnings = found.warnings(V.Job.RUN)
    assert any("AP/APPostedDocuments is missing" in w and "Sage's own refusal" in w for w in warnings)
    assert any("IC/ICAdjustments is missing" in w and "GL journal entries" in w for w in warnings)
    assert found.modules["IC"] is Status.MISSING


def test_a_required_module_forbidden_stops_with_the_rights_to_check() -> None:
    found = discover(complete(TX=(403, "")), server="https://s", company="SAMINC", now=NOW)
    messages = [e.user_message for e in found.errors(V.Job.RUN)]
    assert messages and all("TX/" in m and "forbidden" in m for m in messages)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


class _Client(FakeServer):
    def __init__(self, answers: dict[str, tuple[int, str]]) -> None:
        super().__init__(answers)
        self.root = "https://sage.example"
        self.company = "SAMINC"


def test_the_cache_is_reused_while_the_answer_is_the_same_and_refreshed_when_it_changes(store: StateStore) -> None:
    client = _Client(complete().answers)
    first, changed = discover_cached(client, store, clock=FixedClock(NOW))
    assert changed
    again, changed = discover_cached(client, store, clock=FixedClock(datetime(2026, 11, 27, tzinfo=UTC)))
    assert not changed and again.discovered_at == first.discovered_at
    forced, changed = discover_cached(client, store, refresh=True, clock=FixedClock(datetime(2026, 11, 28, tzinfo=UTC)))
    assert changed and forced.discovered_at.day == 28
    client.answers["IC"] = (404, "")  # Inventory Control deactivated
    moved, changed = discover_cached(client, store, clock=FixedClock(datetime(2026, 11, 29, tzinfo=UTC)))
    assert changed and moved.modules["IC"] is Status.MISSING


def test_terms_and_currency_lists_unavailable_skip_that_validation_with_a_warning() -> None:
    server = complete(
        AR=(200, module_edmx("AR", skip=frozenset({"AR/ARTerms"}))),
        CS=(200, module_edmx("CS", skip=frozenset({"CS/CSCurrencyCodes"}))),
    )
    found = discover(server, server="https://s", company="SAMINC", now=NOW)
    assert found.errors(V.Job.RUN) == []
    warnings = found.warnings(V.Job.RUN)
    assert any("AR/ARTerms is missing" in w and "terms codes are not checked" in w for w in warnings)
    assert any("CS/CSCurrencyCodes is missing" in w and "currency codes are not checked" in w for w in warnings)


def test_an_unreadable_metadata_proves_nothing_and_stops_nothing() -> None:
    found = discover(
        complete(AR=(500, "oops"), GL=(200, "<?xml version='1.0'?><nothing/>")), server="s", company="C", now=NOW
    )
    assert found.modules["AR"] is Status.UNREADABLE and found.modules["GL"] is Status.UNREADABLE
    assert found.errors(V.Job.RUN) == []
    warnings = found.warnings(V.Job.RUN)
    assert any("AR/ARInvoiceBatches could not be checked" in w and "HTTP 500" in w for w in warnings)
    assert any("GL/GLAccounts could not be checked" in w and "not EDMX" in w for w in warnings)
