"""``$metadata`` per company and module parses as EDMX and declares every served entity set, key and property
(DR22), generated from the emulator's own declarations."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from cwsage.sandbox.sage300 import vocabulary as vocab

from .conftest import error_of, serve

V4 = {"edmx": "http://docs.oasis-open.org/odata/ns/edmx", "edm": "http://docs.oasis-open.org/odata/ns/edm"}
V3 = {
    "edmx": "http://schemas.microsoft.com/ado/2007/06/edmx",
    "edm": "http://schemas.microsoft.com/ado/2009/11/edm",
    "m": "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata",
}


def _parse(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.content)


@pytest.mark.parametrize("code", sorted(vocab.MODULES))
def test_v4_metadata_declares_every_served_set_key_property_and_enum(client: httpx.Client, code: str) -> None:
    root = _parse(client.get(f"/{code}/$metadata"))
    assert root.tag == f"{{{V4['edmx']}}}Edmx" and root.get("Version") == "4.0"
    module = vocab.MODULES[code]
    schema = root.find(f"edmx:DataServices/edm:Schema[@Namespace='{module.namespace}']", V4)
    assert schema is not None
    container = root.find("edmx:DataServices/edm:Schema/edm:EntityContainer[@Name='Default']", V4)
    assert container is not None
    sets = {s.get("Name"): s.get("EntityType") for s in container.findall("edm:EntitySet", V4)}
    assert sets == {r.name: f"{module.namespace}.{r.entity}" for r in module.resources}
    for resource in module.resources:
        struct = module.entity_of(resource)
        node = schema.find(f"edm:EntityType[@Name='{struct.name}']", V4)
        assert node is not None
        keys = [ref.get("Name") for ref in node.findall("edm:Key/edm:PropertyRef", V4)]
        assert keys == list(struct.key)
        declared = {p.get("Name"): p.get("Type") for p in node.findall("edm:Property", V4)}
        assert list(declared) == [p.name for p in struct.properties]
        for prop in struct.properties:
            if prop.kind == "collection":
                assert declared[prop.name] == f"Collection({module.namespace}.{prop.type_name})"
                assert schema.find(f"edm:ComplexType[@Name='{prop.type_name}']", V4) is not None
            elif prop.kind == "enum":
                assert declared[prop.name] == f"{module.namespace}.{prop.type_name}"
            else:
                assert declared[prop.name] == prop.type_name
    assert 'Edm.DateTime"' not in client.get(f"/{code}/$metadata").text
    for enum in module.enums:
        node = schema.find(f"edm:EnumType[@Name='{enum.name}']", V4)
        assert node is not None
        assert [m.get("Name") for m in node.findall("edm:Member", V4)] == list(enum.members)


def test_metadata_shows_the_sdk_names_not_the_old_ones(client: httpx.Client) -> None:
    ar = client.get("/AR/$metadata").text
    assert 'Name="CustomerCurrencyAmountDue"' in ar and "CustCurrencyAmountDue" not in ar
    assert 'Name="DoNotCalculationTax"' in ar and "TaxAmountControl" not in ar
    tx = client.get("/TX/$metadata").text
    assert 'Name="TXTaxAuthorities"' in tx and "TXTaxClasses" not in tx
    assert 'Name="TaxClasses" Type="Collection(Sage.CA.SBS.ERP.Sage300.TX.WebApi.Models.TaxClass)"' in tx
    gl = client.get("/GL/$metadata").text
    assert 'Name="GLPostJournal"' in gl and "GLPostJournals" not in gl
    ic = client.get("/IC/$metadata").text
    assert 'Name="QuantityTransferred"' in ic and "TransferDate" not in ic


def test_metadata_needs_get() -> None:
    with serve() as (_, http):
        assert error_of(http.post("/AR/$metadata", json={}))[:2] == (405, "MethodNotAllowed")


def test_2016_metadata_is_odata_v3_with_md16_names_and_keys() -> None:
    with serve(version="2016") as (_, http):
        text = http.get("/AR/$metadata").text
        root = ET.fromstring(text.encode())
        assert root.tag == f"{{{V3['edmx']}}}Edmx" and root.get("Version") == "1.0"
        services = root.find("edmx:DataServices", V3)
        assert services is not None and services.get(f"{{{V3['m']}}}DataServiceVersion") == "3.0"
        container = root.find("edmx:DataServices/edm:Schema/edm:EntityContainer", V3)
        assert container is not None and container.get("Name") == "Default"
        names = {s.get("Name") for s in container.findall("edm:EntitySet", V3)}
        assert {"InvoiceBatches", "Terms", "Customers", "PostedDocuments", "PostInvoices"} <= names
        assert not any(name and name.startswith("AR") for name in names)
        terms = root.find(".//edm:EntityType[@Name='TermsCode']", V3)
        assert terms is not None
        assert [r.get("Name") for r in terms.findall("edm:Key/edm:PropertyRef", V3)] == ["TermsCodeKey"]
        assert 'Type="Edm.DateTime"' in text and "Edm.DateTimeOffset" not in text
        assert "EnumType" not in text
        customer = root.find(".//edm:EntityType[@Name='Customer']/edm:Property[@Name='OnHold']", V3)
        assert customer is not None and customer.get("Type") == "Edm.String"
