"""Sage300Client against ``httpx.MockTransport`` answers written from Sage's own SDK (the facts file).

Each contradiction issue 9 lists between the old client and the facts has a test here (or in the other
``test_sage_*`` files) that fails on the old names; the test names say which.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BugError,
    ConfigurationError,
    CwsageError,
    DuplicateDocument,
    PagingLoop,
    RemoteRejection,
    TransientError,
)
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import (
    POST_AP_INVOICES,
    POST_AR_INVOICES,
    POST_GL_JOURNAL,
    Sage300Client,
    SageNotFound,
    entity_path,
    server_root,
)
from cwsage.sage300.models import (
    ARCustomer,
    ARInvoice,
    ARInvoiceBatch,
    ARInvoiceDetail,
    gl_batch_key,
)
from cwsage.sage300.odata import Dialect, F, Query
from cwsage.services.targets import APInvoices, ARInvoices, GLJournals, ICAdjustments, ICTransfers

from .sage_fake import (
    BASE,
    PASSWORD,
    FakeSage,
    Sleeps,
    body_of,
    make_client,
    page,
    path_of,
    sage_error,
    sage_json,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sage300"


def ic_find(sage: Sage300Client, references: list[str]) -> dict[str, DocumentLocation]:
    """Where IC adjustments and transfers with these references are (both targets looked at, as cwsage does)."""
    return {**ICAdjustments().find(sage, references), **ICTransfers().find(sage, references)}


def odata_filter(request: httpx.Request) -> str:
    return request.url.params.get("$filter", "")


# -- URL, auth, headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://sage.example.com", "https://sage.example.com"),
        ("https://sage.example.com/", "https://sage.example.com"),
        ("sage.example.com", "https://sage.example.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("https://sage.example.com/Sage300WebApi/v1.0/-/SAMINC", "https://sage.example.com"),
        ("HTTPS://host.example/prefix/", "https://host.example/prefix"),
    ],
)
def test_server_root(url: str, root: str) -> None:
    assert server_root(url) == root


def test_missing_url_or_company_is_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        server_root("  ")
    with pytest.raises(ConfigurationError):
        make_client(FakeSage(), company="")


def test_every_request_carries_json_content_type_and_accept_gets_included() -> None:
    """DR22: a request without ``Content-Type: application/json`` is answered 500 — GETs included."""
    fake = FakeSage(
        {
            ("GET", "AR/ARCustomers"): page({"CustomerNumber": "1100", "CustomerName": "X"}),
            ("GET", "AR/ARCustomers('1100')"): sage_json(200, {"CustomerNumber": "1100"}),
            ("POST", "AR/ARCustomers"): sage_json(201, {"CustomerNumber": "C1"}),
            ("PATCH", "AR/ARInvoiceBatches(7)"): httpx.Response(204),
            ("POST", "AR/ARPostInvoices('$template')"): sage_error(404, "ResourceNotFound", "no template"),
            ("POST", "AR/ARPostInvoices('$process')"): httpx.Response(204),
        }
    )
    with make_client(fake, url="https://sage.example.com/") as client:
        assert [c.customer_number for c in client.customers()] == ["1100"]
        assert client.get_customer("1100") is not None
        client.create_customer(ARCustomer(customer_number="C1", customer_name="One", group_code="RTL"))
        client.ensure_ready(V.AR_INVOICE_BATCHES, 7, None)
        client.post_batches(POST_AR_INVOICES, 7)
    assert {r.method for r in fake.requests} == {"GET", "POST", "PATCH"}
    for request in fake.requests:
        assert request.headers["Content-Type"] == "application/json", request
        assert request.headers["Accept"] == "application/json", request
    request = fake.requests[0]
    assert str(request.url).startswith(BASE + "AR/ARCustomers?")
    assert request.url.params["$orderby"] == "CustomerNumber"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"WEBAPI:{PASSWORD}".encode()).decode()


def test_a_server_that_refuses_gets_without_content_type_is_still_read() -> None:
    def strict(request: httpx.Request) -> httpx.Response:
        if "Content-Type" not in request.headers:  # what the old client triggered on every GET
            return sage_error(500, "InternalServerError", "Object reference not set to an instance of an object.")
        return page({"UnformattedAccount": "4000"})

    with make_client(strict) as client:
        assert [a.unformatted_account for a in client.gl_accounts()] == ["4000"]


def test_companies_at_tenant_root() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return page({"CompanyID": "CWDEMO", "CompanyName": "Demo"})

    with make_client(handler, url="http://127.0.0.1:8765") as client:
        assert client.companies()[0].company_id == "CWDEMO"
    assert seen == ["http://127.0.0.1:8765/Sage300WebApi/v1.0/-/Companies"]


def test_session_cookie_is_sent_back() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "cookie" not in request.headers:
            cookie = {"Set-Cookie": "Sage300WebApiSession=abc123; Path=/; HttpOnly; Secure"}
            return sage_json(200, {"value": []}, headers=cookie)
        return page()

    fake = FakeSage({("GET", "GL/GLAccounts"): handler, ("GET", "TX/TXTaxGroups"): handler})
    with make_client(fake) as client:
        client.gl_accounts()
        client.tax_groups()
    assert "cookie" not in fake.requests[0].headers
    assert fake.requests[1].headers["cookie"] == "Sage300WebApiSession=abc123"


def test_reads_and_writes_have_different_timeouts() -> None:
    created = sage_json(201, {"CustomerNumber": "C1"})
    fake = FakeSage({("GET", "AP/APVendors"): page(), ("POST", "AR/ARCustomers"): created})
    with make_client(fake) as client:
        client.vendors()
        client.create_customer(ARCustomer(customer_number="C1", customer_name="One", group_code="RTL"))
    assert fake.requests[0].extensions["timeout"]["read"] == 30.0
    assert fake.requests[1].extensions["timeout"]["read"] == 120.0


# -- paging and counts: v4 "@odata.*" and v3 "odata.*" (DR22) -------------------------------------------


@pytest.mark.parametrize("link_key", ["@odata.nextLink", "odata.nextLink"])
def test_next_link_paging_in_either_form(link_key: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("$skip", "0"))
        rows = [{"UnformattedAccount": f"{skip + i:05d}"} for i in range(2)]
        body: dict[str, Any] = {"value": rows}
        if skip < 4:
            body[link_key] = f"{BASE}GL/GLAccounts?$orderby=UnformattedAccount&$skip={skip + 2}"
        return sage_json(200, body)

    with make_client(FakeSage({("GET", "GL/GLAccounts"): handler})) as client:
        accounts = client.gl_accounts()
        assert client.stats.by_method["GET"] == 3
    assert [a.unformatted_account for a in accounts] == ["00000", "00001", "00002", "00003", "00004", "00005"]


def test_next_link_loop_is_detected() -> None:
    loop = page({"LocationKey": "1"}, **{"@odata.nextLink": f"{BASE}IC/ICLocations?$skip=1"})
    fake = FakeSage({("GET", "IC/ICLocations"): loop})
    with make_client(fake) as client, pytest.raises(PagingLoop, match=r"Sage 300 paging of .*ICLocations.* loop"):
        client.ic_locations()
    assert len(fake.requests) == 2


def test_next_link_to_another_host_stays_on_our_server() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "$skip" in str(request.url):
            return page({"LocationKey": "2"})
        link = "http://internal-iis:80/Sage300WebApi/v1.0/-/SAMINC/IC/ICLocations?$skip=1"
        return page({"LocationKey": "1"}, **{"odata.nextLink": link})

    fake = FakeSage({("GET", "IC/ICLocations"): handler})
    with make_client(fake) as client:
        assert [x.location_key for x in client.ic_locations()] == ["1", "2"]
    assert (fake.requests[1].url.host, fake.requests[1].url.scheme) == ("sage.example.com", "https")


def test_collection_without_value_is_a_bug() -> None:
    fake = FakeSage({("GET", "CS/CSCurrencyCodes"): sage_json(200, {"@odata.context": "x", "nope": 1})})
    with make_client(fake) as client, pytest.raises(BugError):
        client.currencies()


def test_json_of_another_shape_is_not_a_sage_server() -> None:
    fake = FakeSage({("GET", "CS/CSCurrencyCodes"): sage_json(200, {"nope": 1})})
    with make_client(fake) as client, pytest.raises(ConfigurationError, match="not a Sage 300 Web API") as caught:
        client.currencies()
    assert "Sage 300 address" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "body",
    [
        {"odata.metadata": "x", "odata.count": "625", "value": []},  # DR22's sample: v3 key, a string
        {"@odata.context": "x", "@odata.count": 625, "value": []},  # v4: a number
        {"@odata.count": Decimal("625"), "value": []},
    ],
)
def test_count_in_either_form(body: dict[str, Any]) -> None:
    fake = FakeSage({("GET", "AR/ARCustomers"): sage_json(200, body)})
    with make_client(fake) as client:
        assert client.count(V.AR_CUSTOMERS) == 625
    assert fake.requests[0].url.params["$count"] == "true"
    assert fake.requests[0].url.params["$top"] == "0"


def test_count_missing_is_a_bug() -> None:
    with make_client(FakeSage({("GET", "AR/ARCustomers"): page()})) as client, pytest.raises(BugError):
        client.count(V.AR_CUSTOMERS)


# -- OData dialect, found out once per connection from $metadata --------------------------------------

V3_METADATA = (
    '<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="1.0" '
    'xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"><edmx:DataServices '
    'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" m:DataServiceVersion="3.0">'
    "</edmx:DataServices></edmx:Edmx>"
)
V4_METADATA = (
    '<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" '
    'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices/></edmx:Edmx>'
)


def _xml(text: str) -> httpx.Response:
    return httpx.Response(200, text=text, headers={"Content-Type": "application/xml"})


@pytest.mark.parametrize(
    ("metadata", "literal"),
    [
        (_xml(V3_METADATA), "datetime'2024-02-01T00:00:00'"),
        (_xml(V4_METADATA), "2024-02-01T00:00:00Z"),
        (sage_error(404, "ResourceNotFound", "no metadata"), "2024-02-01T00:00:00Z"),  # unreadable: v4
        (httpx.Response(200, text="<html>hello</html>"), "2024-02-01T00:00:00Z"),
    ],
)
def test_date_literals_follow_the_servers_dialect_read_once(metadata: httpx.Response, literal: str) -> None:
    fake = FakeSage({("GET", "AR/$metadata"): metadata, ("GET", "AR/ARPostedDocuments"): page()})
    with make_client(fake) as client:
        client.posted_ar_documents(changed_since=date(2024, 2, 1))
        client.posted_ar_documents(changed_since=date(2024, 2, 1))
        assert client.dialect in (Dialect.V3, Dialect.V4)
    assert fake.calls().count(("GET", "AR/$metadata")) == 1
    reads = [r for r in fake.requests if path_of(r) == "AR/ARPostedDocuments"]
    assert [odata_filter(r) for r in reads] == [f"LastActivityDate ge {literal}"] * 2
    metadata_request = fake.requests[0]
    assert metadata_request.headers["Content-Type"] == "application/json"
    assert "application/json" in metadata_request.headers["Accept"]


def test_decimal_literal_in_v3_has_the_m_suffix() -> None:
    fake = FakeSage({("GET", "AR/$metadata"): _xml(V3_METADATA), ("GET", "AR/ARPostedDocuments"): page()})
    query = Query().filter(F.gt("CustomerCurrencyAmountDue", Decimal("99.99")))
    with make_client(fake) as client:
        client.list_records(V.AR_POSTED_DOCUMENTS, _posted_model(), query)
    assert odata_filter(fake.requests[-1]) == "CustomerCurrencyAmountDue gt 99.99m"


def test_no_metadata_is_read_when_no_literal_differs() -> None:
    fake = FakeSage({("GET", "AR/ARPostedDocuments"): page()})
    with make_client(fake) as client:
        client.posted_ar_documents(document_numbers=["CW-1"])
        assert client.dialect is None
    assert fake.calls() == [("GET", "AR/ARPostedDocuments")]


def _posted_model() -> Any:
    from cwsage.sage300.models import ARPostedDocument

    return ARPostedDocument


# -- errors: told apart by error.code only (I20) ------------------------------------------------------

DAY_END = "Record is locked by Day End Processing. Try again later."


@pytest.mark.parametrize(
    ("status", "code", "text", "error_type"),
    [
        (409, "RecordDuplicate", "Document number 'CW-1' already exists.", DuplicateDocument),
        (409, "RecordDuplicate", DAY_END, DuplicateDocument),  # the code decides, not the words
        (409, "RecordInvalid", "Cannot determine the fiscal period for Posting Date.", RemoteRejection),
        (409, "General", DAY_END, TransientError),
        (409, "General", "Document number 'CW-1' already exists.", TransientError),  # words ignored again
        (400, "InvalidPayload", "The property 'TaxAmountControl' does not exist on type 'Invoice'.", BugError),
        (400, "InvalidParameters", "Could not find a property named 'X'.", BugError),
        (400, "InvalidEntityKey", "Bad key.", BugError),
        (405, "MethodNotAllowed", "DELETE is not allowed.", BugError),
        (401, "Unauthorized", "Invalid user ID or password.", AuthenticationError),
        (403, "Forbidden", "User WEBAPI is not authorized for AR.", AuthenticationError),
        (404, "ResourceNotFound", "Resource 'AR/ARInvoiceBatches' was not found.", SageNotFound),
        (404, "RecordNotFound", "Batch 99 does not exist.", SageNotFound),
        (409, "SomethingNew", "A code cwsage does not know.", RemoteRejection),
    ],
)
def test_errors_by_code_keep_code_status_and_message(
    status: int, code: str, text: str, error_type: type[Exception]
) -> None:
    fake = FakeSage({("POST", "AR/ARInvoiceBatches"): sage_error(status, code, text)})
    with make_client(fake) as client, pytest.raises(error_type) as info:
        client.create(V.AR_INVOICE_BATCHES, ARInvoiceBatch(description="x"))
    error = info.value
    assert isinstance(error, CwsageError)
    assert (error.remote_code, error.status_code, error.remote_message) == (code, status, text)
    assert text in error.user_message
    assert len(fake.requests) == 1  # a creating call is never repeated on its own
    if error_type is not DuplicateDocument:
        assert not isinstance(error, DuplicateDocument)
    if status == 401:
        assert "upper case" in error.hint
        assert "AllowWebApiAccessForAdmin" in error.hint


def test_non_json_error_body_is_tolerated() -> None:
    fake = FakeSage({("POST", "AR/ARCustomers"): httpx.Response(409, text="<html>Conflict</html>")})
    with make_client(fake) as client, pytest.raises(RemoteRejection, match="Conflict") as info:
        client.create_customer(ARCustomer(customer_number="C"))
    assert info.value.remote_code is None


def test_general_refusal_on_a_read_is_retried() -> None:
    answers = [sage_error(409, "General", DAY_END), page({"TermsCode": "NET30"})]
    sleeps = Sleeps()
    fake = FakeSage({("GET", "AR/ARTerms"): answers})
    with make_client(fake) as client:
        client._session.policy.sleep = sleeps
        terms = client.ar_terms()
        assert client.stats.retries == 1
    assert [t.terms_code for t in terms] == ["NET30"]
    assert sleeps.calls == [0.5]


def test_post_timeout_is_ambiguous_and_not_sent_twice() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake = FakeSage({("POST", "AR/ARInvoiceBatches"): timeout})
    with make_client(fake) as client, pytest.raises(AmbiguousOutcome):
        client.create(V.AR_INVOICE_BATCHES, ARInvoiceBatch(description="x"))
    assert len(fake.requests) == 1


def test_process_500_is_ambiguous() -> None:
    fake = FakeSage(
        {
            ("POST", "AR/ARPostInvoices('$template')"): sage_error(404, "ResourceNotFound", "none"),
            ("POST", "AR/ARPostInvoices('$process')"): sage_error(500, "InternalServerError", "Object reference"),
        }
    )
    with make_client(fake) as client, pytest.raises(AmbiguousOutcome):
        client.post_batches(POST_AR_INVOICES, 12)
    assert fake.calls().count(("POST", "AR/ARPostInvoices('$process')")) == 1


def test_429_retry_after_is_honoured() -> None:
    answers = [
        sage_json(
            429,
            {"error": {"code": "TooManyRequests", "message": {"lang": "en-US", "value": "slow"}}},
            {"Retry-After": "7"},
        ),
        sage_json(201, {"BatchNumber": 5, "BatchStatus": "Open"}),
    ]
    sleeps = Sleeps()
    fake = FakeSage({("POST", "AR/ARInvoiceBatches"): answers})
    with make_client(fake) as client:
        client._session.policy.sleep = sleeps
        batch = client.create(V.AR_INVOICE_BATCHES, ARInvoiceBatch(description="x"))
    assert batch.batch_number == 5
    assert sleeps.calls == [7.0]


def test_secrets_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = base64.b64encode(f"WEBAPI:{PASSWORD}".encode()).decode()
    fake = FakeSage(
        {("GET", "AR/ARCustomers"): [sage_json(503, {"x": 1}), sage_error(401, "Unauthorized", "Invalid password.")]}
    )
    with make_client(fake) as client, pytest.raises(AuthenticationError) as info:
        client.customers()
    logging.getLogger("cwsage.test").error("failure %s", info.value, exc_info=info.value)
    assert caplog.records
    assert PASSWORD not in caplog.text and token not in caplog.text
    assert PASSWORD not in str(info.value) and PASSWORD not in info.value.detail


# -- guards: only ER22's verbs, only declared names ---------------------------------------------------


def test_a_verb_er22_does_not_allow_is_never_sent() -> None:
    fake = FakeSage()
    with make_client(fake) as client:
        with pytest.raises(BugError, match="ER22 does not allow DELETE"):
            client.delete(V.AR_INVOICE_BATCHES, 4)  # ER22: GET, POST, PATCH only
        with pytest.raises(BugError, match="PATCH"):
            client.patch(V.IC_ADJUSTMENTS, 1, {"Reference": "x"})  # ER22: GET, POST only
    assert fake.requests == []


def test_delete_where_er22_allows_it() -> None:
    fake = FakeSage({("DELETE", "AR/ARCustomers('C1')"): httpx.Response(204)})
    with make_client(fake) as client:
        assert client.delete(V.AR_CUSTOMERS, "C1") is True
        assert client.delete(V.AR_CUSTOMERS, "C2") is False


def test_an_undeclared_name_is_refused_before_sending() -> None:
    fake = FakeSage()
    with make_client(fake) as client:
        with pytest.raises(BugError, match="CustCurrencyAmountDue"):
            client.list_records(
                V.AR_POSTED_DOCUMENTS, _posted_model(), Query().filter(F.gt("CustCurrencyAmountDue", 0))
            )
        with pytest.raises(BugError, match="TaxAmountControl"):
            client.patch(V.AR_INVOICE_BATCHES, 1, {"BatchNumber": 1, "TaxAmountControl": "Enter"})
        with pytest.raises(BugError, match="is not a"):
            client.create(V.AP_INVOICE_BATCHES, ARInvoiceBatch(description="x"))  # type: ignore[arg-type]
    assert fake.requests == []


@pytest.mark.parametrize(
    ("resource", "key", "path"),
    [
        (V.AR_CUSTOMERS, "1200", "AR/ARCustomers('1200')"),
        (V.AR_CUSTOMERS, "O'HARA", "AR/ARCustomers('O''HARA')"),
        (V.AR_INVOICE_BATCHES, 25, "AR/ARInvoiceBatches(25)"),
        (V.GL_JOURNAL_BATCHES, "000490", "GL/GLJournalBatches('000490')"),
        (
            V.AR_RECEIPT_BATCHES,
            ("CA", 65),
            "AR/ARReceiptAndAdjustmentBatches(BatchRecordType='CA',BatchNumber=65)",
        ),
        (V.IC_ITEMS, "A1-105/0", "IC/ICItems('A1-105/0')"),
    ],
)
def test_entity_keys_as_dr22_writes_them(resource: V.Resource, key: Any, path: str) -> None:
    assert entity_path(resource, key) == path


def test_a_composite_key_needs_every_segment() -> None:
    with pytest.raises(BugError):
        entity_path(V.AR_RECEIPT_BATCHES, 65)


# -- reads by key ------------------------------------------------------------------------------------


def test_get_quotes_keys_and_404_is_none() -> None:
    fake = FakeSage(
        {
            ("GET", "AR/ARCustomers('O''HARA')"): sage_json(200, {"CustomerNumber": "O'HARA", "CustomerName": "O'H"}),
            ("GET", "AP/APVendors('NOPE')"): sage_error(404, "RecordNotFound", "no vendor"),
        }
    )
    with make_client(fake) as client:
        found = client.get_customer("O'HARA")
        assert client.get_vendor("NOPE") is None
        assert client.get_item("NOPE") is None  # unrouted: ResourceNotFound
    assert found is not None and found.customer_name == "O'H"
    assert fake.calls()[2] == ("GET", "IC/ICItems('NOPE')")


def test_has_inventory_control() -> None:
    with make_client(FakeSage()) as client:
        assert client.has_inventory_control() is False
        assert client.items() == []
        assert ic_find(client, ["CW-ADJ-1"]) == {}
    with make_client(FakeSage({("GET", "IC/ICLocations"): page({"LocationKey": "1"})})) as client:
        assert client.has_inventory_control() is True


def test_a_2016_servers_names_are_learnt_from_the_first_read_and_kept() -> None:
    """MD16 names (no module prefix, ``TermsCodeKey``): one read under the v1.0 name answers ResourceNotFound, the
    same read under MD16's answers; every later request goes straight to MD16's names."""
    fake = FakeSage(
        {
            ("GET", "AR/Terms"): page({"TermsCodeKey": "NET30"}),
            ("GET", "AR/Customers('ACME')"): sage_json(200, {"CustomerNumber": "ACME"}),
            ("POST", "AR/InvoiceBatches"): sage_json(201, {"BatchNumber": 7, "BatchStatus": "Open"}),
        }
    )
    with make_client(fake) as client:
        assert client.md16_names is None
        assert [t.terms_code for t in client.ar_terms()] == ["NET30"]
        assert client.md16_names is True
        assert client.get_customer("ACME") is not None
        made = client.create(V.AR_INVOICE_BATCHES, ARInvoiceBatch(description="x"))
        assert made.batch_number == 7
    assert fake.calls() == [
        ("GET", "AR/ARTerms"),
        ("GET", "AR/Terms"),
        ("GET", "AR/Customers('ACME')"),
        ("POST", "AR/InvoiceBatches"),
    ]
    assert "TermsCodeKey" in str(fake.requests[1].url) and "TermsCode&" not in str(fake.requests[1].url)


def test_v1_names_once_seen_are_never_probed_again() -> None:
    """A v1.0 name that answers settles it: a later ResourceNotFound (IC not activated) costs no second request."""
    fake = FakeSage({("GET", "AR/ARTerms"): page({"TermsCode": "NET30"})})
    with make_client(fake) as client:
        assert client.ar_terms()
        assert client.md16_names is False
        assert client.items() == []
    assert fake.calls() == [("GET", "AR/ARTerms"), ("GET", "IC/ICItems")]


def test_writes_never_probe_for_older_names() -> None:
    """A creating call is sent once, under the names known when it is sent (reads find the names out)."""
    with make_client(FakeSage()) as client, pytest.raises(SageNotFound):
        client.create(V.AR_INVOICE_BATCHES, ARInvoiceBatch(description="x"))
    assert client.md16_names is None


# -- writes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(201, headers={"Content-Type": "application/json"}),  # no body
        httpx.Response(201, content=b"<html>created</html>", headers={"Content-Type": "application/json"}),
        httpx.Response(201, content=b"[]", headers={"Content-Type": "application/json"}),
        httpx.Response(201, content=b'{"BatchNumber": "not a number"}', headers={"Content-Type": "application/json"}),
    ],
)
def test_an_accepted_create_whose_answer_cannot_be_read_is_an_unclear_outcome(answer: httpx.Response) -> None:
    """Issue 12: Sage said yes but the answer is not the record: never "AR invoice batch None"; look instead."""
    answer.headers["x-request-id"] = "req-77"
    fake = FakeSage({("POST", "AR/ARInvoiceBatches"): answer})
    batch = ARInvoiceBatch(description="x", invoices=[ARInvoice(customer_number="A", document_number="CW-1")])
    with make_client(fake) as client, pytest.raises(AmbiguousOutcome) as caught:
        client.create(V.AR_INVOICE_BATCHES, batch)
    assert caught.value.status_code == 201 and caught.value.request_id == "req-77"
    assert len(fake.requests) == 1, "a create is never sent twice by the client"


def test_errors_keep_the_request_id_a_server_sends() -> None:
    refused = sage_error(409, "RecordInvalid", "Period is locked")
    refused.headers["request-id"] = "abc-1"
    fake = FakeSage({("POST", "AR/ARInvoiceBatches"): refused})
    batch = ARInvoiceBatch(description="x", invoices=[ARInvoice(customer_number="A", document_number="CW-1")])
    with make_client(fake) as client, pytest.raises(RemoteRejection) as caught:
        client.create(V.AR_INVOICE_BATCHES, batch)
    assert (caught.value.request_id, caught.value.remote_code, caught.value.status_code) == (
        "abc-1",
        "RecordInvalid",
        409,
    )


def test_create_ar_batch_sends_exact_json_and_parses_the_answer() -> None:
    fixture = (FIXTURES / "ar_invoice_batch_created.json").read_bytes()
    fake = FakeSage(
        {("POST", "AR/ARInvoiceBatches"): httpx.Response(201, content=fixture, headers={"Content-Type": "json"})}
    )
    batch = ARInvoiceBatch(
        batch_date=date(2024, 1, 31),
        batch_status=V.BatchStatus.READY_TO_POST,
        description="ConnectWise sync 2024-01-31 #42",
        invoices=[
            ARInvoice(
                customer_number="ACME01",
                document_number="CW-100234",
                document_type=V.ARDocumentType.INVOICE,
                document_date=date(2024, 1, 31),
                do_not_calculation_tax=True,
                invoice_details=[ARInvoiceDetail(distribution_code="MSP", extended_amount_with_tip=Decimal("1234.50"))],
            )
        ],
    )
    with make_client(fake) as client:
        created = client.create(V.AR_INVOICE_BATCHES, batch)
    text = fake.requests[0].content.decode()
    assert '"ExtendedAmountWithTIP":1234.50' in text  # exact digits on the wire
    body = json.loads(text)
    assert list(body) == ["BatchDate", "BatchStatus", "Description", "Invoices"]  # PL's order
    assert body["BatchStatus"] == "ReadyToPost"
    assert body["Invoices"][0]["DoNotCalculationTax"] == "Yes"
    assert "TaxAmountControl" not in text
    assert (created.batch_number, created.batch_status) == (1187, "Open")
    assert created.invoices[1].document_type == "CreditNote"


def test_a_created_batchs_answer_is_read_down_to_its_entries_not_their_lines() -> None:
    answer = json.loads((FIXTURES / "ar_invoice_batch_created.json").read_text(), parse_float=Decimal)
    for entry in answer["Invoices"]:
        entry["InvoiceDetails"] = [{"ExtendedAmountWithTIP": "not read"}]  # would not validate as a line
    fake = FakeSage({("POST", "AR/ARInvoiceBatches"): sage_json(201, answer)})
    batch = ARInvoiceBatch(invoices=[ARInvoice(customer_number="ACME01", document_number="CW-100234")])
    with make_client(fake) as client:
        created = client.create(V.AR_INVOICE_BATCHES, batch)
    assert created.batch_number == 1187
    assert [(i.entry_number, i.document_number) for i in created.invoices] == [
        (e["EntryNumber"], e["DocumentNumber"]) for e in answer["Invoices"]
    ]
    assert all(i.invoice_details == [] for i in created.invoices)


def test_ready_to_post_bodies_name_the_key_as_dr22_does() -> None:
    fake = FakeSage(
        {
            ("PATCH", "AR/ARInvoiceBatches(1187)"): httpx.Response(204),
            ("PATCH", "AP/APInvoiceBatches(9)"): httpx.Response(204),
            ("PATCH", "GL/GLJournalBatches('000012')"): httpx.Response(204),
            ("PATCH", "AR/ARReceiptAndAdjustmentBatches(BatchRecordType='CA',BatchNumber=3)"): httpx.Response(204),
        }
    )
    with make_client(fake) as client:
        client.ensure_ready(V.AR_INVOICE_BATCHES, 1187, None)
        client.ensure_ready(V.AP_INVOICE_BATCHES, 9, None)
        client.ensure_ready(V.GL_JOURNAL_BATCHES, gl_batch_key("12"), None)
        client.set_ar_receipt_batch_ready(3)
        assert client.ensure_ready(V.AR_INVOICE_BATCHES, 1187, "ReadyToPost") is False  # I14: already ready
        assert client.ensure_ready(V.AR_INVOICE_BATCHES, 1187, "Open") is True
    assert [body_of(r) for r in fake.requests] == [
        {"BatchNumber": 1187, "BatchStatus": "ReadyToPost"},
        {"BatchNumber": 9, "BatchStatus": "ReadyToPost"},
        {"BatchNumber": "000012", "Status": "ReadyToPost"},
        {"BatchRecordType": "CA", "BatchNumber": 3, "BatchStatus": "ReadyToPost"},
        {"BatchNumber": 1187, "BatchStatus": "ReadyToPost"},
    ]


GL_TEMPLATE = {"PostAllBatches": "Postallbatches", "FromBatch": "", "ToBatch": "", "ActionSelector": ""}


def test_gl_post_goes_to_glpostjournal_with_the_templates_names() -> None:
    fake = FakeSage(
        {
            ("POST", "GL/GLPostJournal('$template')"): sage_json(200, GL_TEMPLATE),
            ("POST", "GL/GLPostJournal('$process')"): httpx.Response(204),
        }
    )
    with make_client(fake) as client:
        client.post_batches(POST_GL_JOURNAL, "12")
        client.post_batches(POST_GL_JOURNAL, "000013")
    assert fake.calls() == [
        ("POST", "GL/GLPostJournal('$template')"),  # learnt once per connection
        ("POST", "GL/GLPostJournal('$process')"),
        ("POST", "GL/GLPostJournal('$process')"),
    ]
    assert fake.bodies("POST", "GL/GLPostJournal('$process')") == [
        {"PostAllBatches": "Donotpostallbatches", "FromBatch": "000012", "ToBatch": "000012", "ActionSelector": ""},
        {"PostAllBatches": "Donotpostallbatches", "FromBatch": "000013", "ToBatch": "000013", "ActionSelector": ""},
    ]
    assert all("GLPostJournals" not in path for _, path in fake.calls())


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (  # the template spells the range as MD16's AR process does
            {"PostAllBatches": "Donotpostallbatches", "PostBatchFrom": 0, "PostBatchTo": 0, "ActionSelector": ""},
            {"PostAllBatches": "Donotpostallbatches", "PostBatchFrom": 12, "PostBatchTo": 12, "ActionSelector": ""},
        ),
        (
            {"FromBatchNumber": "", "ToBatchNumber": "", "Extra": "kept"},
            {"FromBatchNumber": "000012", "ToBatchNumber": "000012", "Extra": "kept"},
        ),
    ],
)
def test_gl_post_fills_whichever_range_pair_the_template_has(
    template: dict[str, Any], expected: dict[str, Any]
) -> None:
    fake = FakeSage(
        {
            ("POST", "GL/GLPostJournal('$template')"): sage_json(200, template),
            ("POST", "GL/GLPostJournal('$process')"): httpx.Response(204),
        }
    )
    with make_client(fake) as client:
        client.post_batches(POST_GL_JOURNAL, "12")
    assert fake.bodies("POST", "GL/GLPostJournal('$process')") == [expected]


def test_without_a_template_the_declared_names_are_used() -> None:
    fake = FakeSage(
        {
            ("POST", "GL/GLPostJournal('$template')"): sage_error(405, "MethodNotAllowed", "no template"),
            ("POST", "GL/GLPostJournal('$process')"): httpx.Response(204),
            ("POST", "AR/ARPostInvoices('$process')"): httpx.Response(204),
            ("POST", "AP/APPostInvoices('$process')"): httpx.Response(204),
            ("POST", "AR/ARPostReceiptsAndAdjustments('$process')"): httpx.Response(204),
        }
    )
    with make_client(fake) as client:
        client.post_batches(POST_GL_JOURNAL, "7")
        client.post_batches(POST_AR_INVOICES, 1187)
        client.post_batches(POST_AP_INVOICES, 9)
        client.post_ar_receipt_batch(3)
    assert fake.bodies("POST", "GL/GLPostJournal('$process')") == [
        {"PostAllBatches": "Donotpostallbatches", "FromBatch": "000007", "ToBatch": "000007", "ActionSelector": ""}
    ]
    assert fake.bodies("POST", "AR/ARPostInvoices('$process')") == [
        {"PostAllBatches": "Donotpostallbatches", "PostBatchFrom": 1187, "PostBatchTo": 1187, "ActionSelector": ""}
    ]
    assert fake.bodies("POST", "AP/APPostInvoices('$process')") == [
        {"ProcessAllBatches": "Donotpostallbatches", "FromBatch": 9, "ToBatch": 9}
    ]
    assert fake.bodies("POST", "AR/ARPostReceiptsAndAdjustments('$process')") == [
        {"BatchType": "CA", "PostBatchFrom": 3, "PostBatchTo": 3}
    ]


def test_a_template_without_a_known_range_is_a_configuration_error_naming_its_fields() -> None:
    fake = FakeSage({("POST", "GL/GLPostJournal('$template')"): sage_json(200, {"BatchSelector": "", "Mode": 1})})
    with make_client(fake) as client, pytest.raises(ConfigurationError, match="BatchSelector, Mode"):
        client.post_batches(POST_GL_JOURNAL, "7")
    assert ("POST", "GL/GLPostJournal('$process')") not in fake.calls()


# -- look-ups ----------------------------------------------------------------------------------------


def test_ar_document_locations_combine_posted_and_open_batches() -> None:
    numbers = [f"CW-{i}" for i in range(20)]

    def posted(request: httpx.Request) -> httpx.Response:
        assert request.url.params["$select"] == "CustomerNumber,DocumentNumber,DocumentType,BatchNumber,EntryNumber"
        flt = odata_filter(request)
        rows = []
        if "'CW-3'" in flt:
            rows.append({"CustomerNumber": "ACME", "DocumentNumber": "CW-3", "BatchNumber": 100, "EntryNumber": 2})
        if "'CW-17'" in flt:
            rows.append({"CustomerNumber": "BETA", "DocumentNumber": "CW-17", "BatchNumber": 101, "EntryNumber": 1})
        return page(*rows)

    def batches(request: httpx.Request) -> httpx.Response:
        assert odata_filter(request) == "BatchStatus eq 'Open' or BatchStatus eq 'ReadyToPost'"
        assert request.url.params["$select"] == "BatchNumber,BatchStatus,Description,Invoices"
        return page(
            {
                "BatchNumber": 12,
                "BatchStatus": "Open",
                "Invoices": [
                    {"CustomerNumber": "ACME", "DocumentNumber": "CW-5", "EntryNumber": 3},
                    {"CustomerNumber": "ACME", "DocumentNumber": "OTHER", "EntryNumber": 4},
                ],
            },
            {
                "BatchNumber": 13,
                "BatchStatus": "ReadyToPost",
                "Invoices": [
                    {"CustomerNumber": "GAMMA", "DocumentNumber": "CW-9", "EntryNumber": 1},
                    {"CustomerNumber": "ACME", "DocumentNumber": "CW-3", "EntryNumber": 1},
                ],
            },
        )

    fake = FakeSage({("GET", "AR/ARPostedDocuments"): posted, ("GET", "AR/ARInvoiceBatches"): batches})
    with make_client(fake) as client:
        found = ARInvoices().find(client, [*numbers, "CW-3"])
    assert fake.calls().count(("GET", "AR/ARPostedDocuments")) == 2  # 20 numbers in chunks of 15
    assert set(found) == {"CW-3", "CW-5", "CW-9", "CW-17"}
    assert found["CW-3"].where is DocumentPlace.POSTED  # posted wins over the batch copy
    assert found["CW-5"].describe() == "AR invoice batch 12 (open), entry 3, customer ACME"
    assert found["CW-9"].where is DocumentPlace.READY_BATCH
    assert found["CW-17"].batch_number == "101"


def test_ap_document_locations_without_posted_documents_search_batches() -> None:
    """I18: ``AP/APPostedDocuments`` is optional; without it only open and ready batches are searched."""
    fake = FakeSage(
        {
            ("GET", "AP/APInvoiceBatches"): page(
                {
                    "BatchNumber": 8,
                    "BatchStatus": "Open",
                    "Invoices": [
                        {"VendorNumber": "V1", "DocumentNumber": "INV-2", "EntryNumber": 1},
                        {"VendorNumber": "V2", "DocumentNumber": "INV-2", "EntryNumber": 2},
                    ],
                }
            )
        }
    )
    with make_client(fake) as client:
        found = APInvoices().find(client, [("V1", "INV-1"), ("V2", "INV-2")])
    assert set(found) == {("V2", "INV-2")}
    assert found[("V2", "INV-2")].describe() == "AP invoice batch 8 (open), entry 2, vendor V2"


def test_ap_posted_documents_filter_per_vendor() -> None:
    def posted(request: httpx.Request) -> httpx.Response:
        assert odata_filter(request) == (
            "VendorNumber eq 'V1' and DocumentNumber eq 'INV-1' or VendorNumber eq 'V2' and DocumentNumber eq 'INV-1'"
        )
        return page({"VendorNumber": "V1", "DocumentNumber": "INV-1", "BatchNumber": 4})

    fake = FakeSage({("GET", "AP/APPostedDocuments"): posted, ("GET", "AP/APInvoiceBatches"): page()})
    with make_client(fake) as client:
        found = APInvoices().find(client, [("V1", "INV-1"), ("V2", "INV-1")])
    assert set(found) == {("V1", "INV-1")} and found[("V1", "INV-1")].posted


def test_gl_documents_are_found_by_detail_reference_or_description_prefix() -> None:
    """I15: no header ``Reference``; the key starts the header ``Description`` and is every detail's ``Reference``."""

    def batches(request: httpx.Request) -> httpx.Response:
        assert request.url.params["$select"] == "BatchNumber,Status,Description,JournalHeaders"
        return page(
            {
                "BatchNumber": "000010",
                "Status": "Deleted",
                "JournalHeaders": [{"Description": "CW-EXP-2 Meals", "EntryNumber": "00001"}],
            },
            {
                "BatchNumber": "000011",
                "Status": "Posted",
                "JournalHeaders": [
                    {
                        "Description": "something else",
                        "EntryNumber": "00002",
                        "JournalDetails": [{"AccountNumber": "1", "Amount": 1, "Reference": "CW-EXP-1"}],
                    }
                ],
            },
            {
                "BatchNumber": "000012",
                "Status": "Open",
                "JournalHeaders": [{"Description": "CW-EXP-3 Travel", "EntryNumber": "00001"}],
            },
        )

    with make_client(FakeSage({("GET", "GL/GLJournalBatches"): batches})) as client:
        found = GLJournals().find(client, ["CW-EXP-1", "CW-EXP-2", "CW-EXP-3"])
    assert set(found) == {"CW-EXP-1", "CW-EXP-3"}  # a deleted batch does not hold the document
    assert found["CW-EXP-1"].where is DocumentPlace.POSTED
    assert found["CW-EXP-3"].describe() == "GL journal batch 000012 (open), entry 1"


def test_ic_document_locations() -> None:
    def answer(kind: str) -> Any:
        def handler(request: httpx.Request) -> httpx.Response:
            assert odata_filter(request) == "Reference eq 'CW-ADJ-1' or Reference eq 'CW-TR-1'"
            if kind == "adjustment":
                return page({"SequenceNumber": 17, "Reference": "CW-ADJ-1", "RecordStatus": "Entered"})
            return page({"SequenceNumber": 4, "Reference": "CW-TR-1", "RecordStatus": "Posted"})

        return handler

    fake = FakeSage({("GET", "IC/ICAdjustments"): answer("adjustment"), ("GET", "IC/ICTransfers"): answer("t")})
    with make_client(fake) as client:
        found = ic_find(client, ["CW-ADJ-1", "CW-TR-1"])
        assert client.warnings == [
            "Sage 300 sent RecordStatus='Posted' on Transfer, a value cwsage does not know; kept as is"
        ]
    assert found["CW-ADJ-1"].where is DocumentPlace.ENTERED and found["CW-ADJ-1"].kind == "adjustment"
    assert found["CW-TR-1"].describe() == "IC transfer 4 (posted), reference CW-TR-1"


def test_posted_ar_documents_read_md16_amounts_and_filter() -> None:
    """MD16: ``CustomerCurrencyInvoiceAmount``/``CustomerCurrencyAmountDue`` (not ``CustCurrency…``)."""
    fixture = (FIXTURES / "ar_posted_documents.json").read_bytes()
    fake = FakeSage({("GET", "AR/ARPostedDocuments"): httpx.Response(200, content=fixture)})
    with make_client(fake) as client:
        docs = client.posted_ar_documents(changed_since=date(2024, 2, 1))
        client.posted_ar_documents(changed_since=date(2024, 2, 1), document_numbers=["CW-1", "CW-2"])
        assert client.posted_ar_documents(document_numbers=[]) == []
    assert docs[0].is_fully_paid
    assert (docs[0].customer_currency_invoice_amount, docs[0].customer_currency_amount_due) == (
        Decimal("1864.50"),
        Decimal("0.00"),
    )
    assert (docs[1].customer_currency_invoice_amount, docs[1].customer_currency_amount_due) == (
        Decimal("-100.00"),
        Decimal("-40.00"),
    )
    reads = [r for r in fake.requests if path_of(r) == "AR/ARPostedDocuments"]
    assert odata_filter(reads[0]) == "LastActivityDate ge 2024-02-01T00:00:00Z"
    assert reads[0].url.params["$orderby"] == "DocumentNumber"
    assert odata_filter(reads[1]) == (
        "(DocumentNumber eq 'CW-1' or DocumentNumber eq 'CW-2') and LastActivityDate ge 2024-02-01T00:00:00Z"
    )
    assert "%20" in reads[0].url.raw_path.decode() and "+" not in reads[0].url.raw_path.decode()


# -- master data: the facts' names --------------------------------------------------------------------


def test_master_data_readers_use_the_facts_names() -> None:
    fake = FakeSage(
        {
            ("GET", "CS/CSCurrencyCodes"): page({"CurrencyCodeKey": "CAD", "DecimalPlaces": "Num2"}),
            ("GET", "CS/CSCurrencyRates"): page(
                {
                    "ToCurrency": "USD",
                    "RateType": "SP",
                    "DateMatching": "Earlier",
                    "RateOperation": "Multiply",
                    "CurrencyRateDetail": [
                        {
                            "ToCurrency": "USD",
                            "RateType": "SP",
                            "FromCurrency": "CAD",
                            "RateDate": "2024-01-01T00:00:00Z",
                            "Rate": Decimal("0.7412"),
                        }
                    ],
                }
            ),
            ("GET", "CS/CSFiscalCalendars"): page(json.loads((FIXTURES / "fiscal_calendar_2026.json").read_text())),
            ("GET", "CS/CSCompanyProfile"): page({"HomeCurrency": "USD", "Multicurrency": "Yes"}),
            ("GET", "TX/TXTaxAuthorities"): page(
                {
                    "TaxAuthorityKey": "ONTHST",
                    "TaxClasses": [{"Class": 1, "ClassType": "Customers", "TransactionType": "Sales", "Exempt": False}],
                }
            ),
            ("GET", "TX/TXTaxGroups"): page(
                {"TaxGroupKey": "ONT", "TransactionType": "Sales", "TaxAuthority1": "ONTHST", "Taxable1": True}
            ),
            ("GET", "IC/ICItems"): page(
                {"UnformattedItemNumber": "A14000", "ItemNumber": "A1-400/0", "StockItem": True}
            ),
            ("GET", "IC/ICLocations"): page(
                {"LocationKey": "LOCA1", "Name": "Location A1", "LocationType": "Physical"}
            ),
            ("GET", "AR/ARTerms"): page({"TermsCode": "N30", "TermsPaymentSchedules": [{"DueNumberOfDays": 30}]}),
            ("GET", "AP/APTerms"): page({"TermsCode": "N30", "TermsPaymentSchedule": [{"DueNumberOfDays": 30}]}),
        }
    )
    with make_client(fake) as client:
        currency = client.currencies()[0]
        assert (currency.currency_code_key, currency.decimals) == ("CAD", 2)
        (table,) = client.currency_rates()
        assert (table.to_currency, table.rate_operation, table.date_matching) == ("USD", "Multiply", "Earlier")
        assert table.currency_rate_detail[0].rate == Decimal("0.7412")
        assert client.fiscal_calendars()[0].period_for(date(2026, 3, 3)) == (3, True)
        profile = client.company_profile()
        assert profile is not None and profile.home_currency == "USD" and profile.multicurrency is True
        authority = client.tax_authorities()[0]
        assert (authority.tax_authority_key, authority.tax_classes[0].tax_class) == ("ONTHST", 1)
        assert client.tax_groups()[0].taxable_1 is True
        item = client.items()[0]
        assert (item.unformatted_item_number, item.item_number, item.stock_item) == ("A14000", "A1-400/0", True)
        assert client.ic_locations()[0].location_key == "LOCA1"
        assert client.ar_terms()[0].terms_payment_schedules[0].due_number_of_days == 30
        assert client.ap_terms()[0].terms_payment_schedule[0].due_number_of_days == 30
        assert client.warnings == []
    orders = {path_of(r): r.url.params.get("$orderby") for r in fake.requests}
    assert orders["CS/CSCurrencyCodes"] == "CurrencyCodeKey"
    assert orders["IC/ICItems"] == "UnformattedItemNumber"
    assert orders["IC/ICLocations"] == "LocationKey"
    assert orders["TX/TXTaxAuthorities"] == "TaxAuthorityKey"
    assert orders["CS/CSCompanyProfile"] is None
    assert all("TXTaxClasses" not in path_of(r) for r in fake.requests)


def test_company_profile_is_optional() -> None:
    with make_client(FakeSage()) as client:
        assert client.company_profile() is None


def test_unknown_enum_members_are_kept_and_reported_once() -> None:
    rows = [
        {"CustomerNumber": "A", "DocumentNumber": "1", "DocumentType": "Retainage", "FullyPaid": "No"},
        {"CustomerNumber": "A", "DocumentNumber": "2", "DocumentType": "Retainage", "FullyPaid": False},
    ]
    with make_client(FakeSage({("GET", "AR/ARPostedDocuments"): page(*rows)})) as client:
        docs = client.posted_ar_documents()
        assert [d.document_type for d in docs] == ["Retainage", "Retainage"]
        assert [d.is_fully_paid for d in docs] == [False, False]
        assert client.warnings == [
            "Sage 300 sent DocumentType='Retainage' on PostedDocument, a value cwsage does not know; kept as is"
        ]


def test_unreadable_answer_is_reported_not_crashing() -> None:
    fake = FakeSage({("GET", "AR/ARCustomers"): page({"CustomerName": "no number"})})
    with make_client(fake) as client, pytest.raises(BugError, match="cannot read"):
        client.customers()


def test_amounts_are_strict_floats_refused_in_models() -> None:
    from cwsage.sage300.models import ARPostedDocument

    with pytest.raises(ValueError, match="float"):
        ARPostedDocument.model_validate(
            {"CustomerNumber": "A", "DocumentNumber": "1", "CustomerCurrencyAmountDue": 1.5}
        )


def test_lookups_use_ranges_for_runs_of_digit_numbers_and_or_chunks_for_the_rest() -> None:
    """I33: 1,000 new invoice numbers are one range query, not 67 OR-ed chunks; odd numbers stay exact."""
    from cwsage.sage300.lookups import FILTER_CHUNK, RANGE_CHUNK, lookups

    digits = [str(n) for n in range(10000, 12500)]
    odd = ["INV-7", "inv-8", "A1"]
    parts = list(lookups("DocumentNumber", [*reversed(digits), *odd, "9", "10000"]))
    covered = [set(chunk) for _, chunk in parts]
    assert set().union(*covered) == {*digits, *odd, "9"}
    ranges = [(str(expr), chunk) for expr, chunk in parts if " gt " in str(expr)]
    assert len(ranges) == -(-len(digits) // RANGE_CHUNK) == 3
    text, chunk = ranges[0]
    assert text == "(DocumentNumber eq '10000' or DocumentNumber gt '10000') and DocumentNumber le '10999'"
    assert chunk == frozenset(str(n) for n in range(10000, 11000))
    exact = [str(expr) for expr, chunk in parts if " gt " not in str(expr)]
    assert all(part.count(" eq ") <= FILTER_CHUNK for part in exact)
    assert any("'INV-7'" in part and "'inv-8'" in part for part in exact)
    assert any(part == "DocumentNumber eq '9'" for part in exact), "a lone number of another length stays exact"
