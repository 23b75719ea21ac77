"""Sage300Client against httpx.MockTransport handlers written from the reference (sections 1, 3, 4, 8)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from pydantic import SecretStr

from cwsage import money
from cwsage.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BugError,
    ConfigurationError,
    DuplicateDocument,
    RemoteRejection,
    TransientError,
)
from cwsage.http import RetryPolicy
from cwsage.sage300.client import Sage300Client, SageNotFound, server_root
from cwsage.sage300.models import (
    ARCustomer,
    ARInvoice,
    ARInvoiceBatch,
    ARInvoiceDetail,
    BatchStatus,
    DocumentPlace,
    GLJournalBatch,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sage300"
PASSWORD = "s3cr3t-Pa55word"
BASE = "https://sage.example.com/Sage300WebApi/v1.0/-/SAMINC/"


@dataclass
class Settings:
    url: str = "https://sage.example.com"
    company: str = "samInc"
    user: str = "webapi"
    password: SecretStr = field(default_factory=lambda: SecretStr(PASSWORD))
    verify_tls: bool = True
    timeout_seconds: float = 30.0


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that keeps every request it saw."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def paths(self) -> list[str]:
        return [r.url.raw_path.decode() for r in self.requests]


def sage_json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, content=money.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


def sage_error(status: int, code: str, text: str) -> httpx.Response:
    return sage_json(status, {"error": {"code": code, "message": {"lang": "en-US", "value": text}}})


def odata_filter(request: httpx.Request) -> str:
    return request.url.params.get("$filter", "")


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(handler: Handler, sleeps: Sleeps | None = None, **settings: Any) -> Sage300Client:
    policy = RetryPolicy(sleep=sleeps or Sleeps(), jitter=lambda: 1.0)
    return Sage300Client(Settings(**settings), transport=httpx.MockTransport(handler), policy=policy)


# -- URL, auth, cookie -------------------------------------------------------------------------------


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
        make_client(lambda r: sage_json(200, {"value": []}), company="")


def test_urls_built_from_root_and_company_with_basic_auth_and_accept() -> None:
    rec = Recorder(lambda r: sage_json(200, {"value": [{"CustomerNumber": "1100", "CustomerName": "X"}]}))
    with make_client(rec, url="https://sage.example.com/") as client:
        customers = client.customers()
    assert [c.customer_number for c in customers] == ["1100"]
    request = rec.requests[0]
    assert str(request.url).startswith(BASE + "AR/ARCustomers?")
    assert request.url.params["$orderby"] == "CustomerNumber"
    expected = "Basic " + base64.b64encode(f"WEBAPI:{PASSWORD}".encode()).decode()
    assert request.headers["Authorization"] == expected
    assert request.headers["Accept"] == "application/json"


def test_local_http_root_and_companies_at_tenant_root() -> None:
    rec = Recorder(lambda r: sage_json(200, {"value": [{"CompanyID": "CWDEMO", "CompanyName": "Demo"}]}))
    with make_client(rec, url="http://127.0.0.1:8765") as client:
        companies = client.companies()
    assert companies[0].company_id == "CWDEMO"
    assert str(rec.requests[0].url) == "http://127.0.0.1:8765/Sage300WebApi/v1.0/-/Companies"


def test_session_cookie_is_sent_back() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "cookie" not in request.headers:
            return sage_json(
                200, {"value": []}, headers={"Set-Cookie": "Sage300WebApiSession=abc123; Path=/; HttpOnly; Secure"}
            )
        return sage_json(200, {"value": []})

    rec = Recorder(handler)
    with make_client(rec) as client:
        client.gl_accounts()
        client.tax_groups()
    assert "cookie" not in rec.requests[0].headers
    assert rec.requests[1].headers["cookie"] == "Sage300WebApiSession=abc123"


def test_reads_and_writes_have_different_timeouts() -> None:
    rec = Recorder(
        lambda r: sage_json(201, {"CustomerNumber": "C1"}) if r.method == "POST" else sage_json(200, {"value": []})
    )
    with make_client(rec) as client:
        client.vendors()
        client.create_customer(ARCustomer(customer_number="C1", customer_name="One", group_code="RTL"))
    assert rec.requests[0].extensions["timeout"]["read"] == 30.0
    assert rec.requests[1].extensions["timeout"]["read"] == 120.0


# -- paging ------------------------------------------------------------------------------------------


def test_next_link_paging_follows_absolute_links() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("$skip", "0"))
        rows = [{"UnformattedAccount": f"{skip + i:05d}"} for i in range(2)]
        body: dict[str, Any] = {"@odata.context": "x", "value": rows}
        if skip < 4:
            body["@odata.nextLink"] = f"{BASE}GL/GLAccounts?$orderby=UnformattedAccount&$skip={skip + 2}"
        return sage_json(200, body)

    rec = Recorder(handler)
    with make_client(rec) as client:
        accounts = client.gl_accounts()
        assert client.stats.by_method["GET"] == 3
    assert [a.unformatted_account for a in accounts] == ["00000", "00001", "00002", "00003", "00004", "00005"]
    assert [r.headers["Authorization"].startswith("Basic ") for r in rec.requests] == [True] * 3


def test_next_link_loop_is_detected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return sage_json(200, {"value": [{"Location": "1"}], "@odata.nextLink": f"{BASE}IC/ICLocations?$skip=1"})

    rec = Recorder(handler)
    with make_client(rec) as client, pytest.raises(BugError, match="loop"):
        client.ic_locations()
    assert len(rec.requests) == 2


def test_next_link_to_another_host_stays_on_our_server() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "$skip" in str(request.url):
            return sage_json(200, {"value": [{"Location": "2"}]})
        link = "http://internal-iis:80/Sage300WebApi/v1.0/-/SAMINC/IC/ICLocations?$skip=1"
        return sage_json(200, {"value": [{"Location": "1"}], "@odata.nextLink": link})

    rec = Recorder(handler)
    with make_client(rec) as client:
        assert [x.location for x in client.ic_locations()] == ["1", "2"]
    assert rec.requests[1].url.host == "sage.example.com"
    assert rec.requests[1].url.scheme == "https"


def test_collection_without_value_is_a_bug() -> None:
    with make_client(lambda r: sage_json(200, {"nope": 1})) as client, pytest.raises(BugError):
        client.currencies()


# -- errors ------------------------------------------------------------------------------------------

AR_DUP = "Document number 'CW-1' already exists."
AP_DUP = (
    "Document number 'INV-1001' for vendor V100 already exists.\n\n"
    "If you want to add this invoice, add characters to the document number to make it unique."
)
FISCAL = (
    "Cannot determine the fiscal period for Posting Date. Enter a date that is in the company's fiscal calendar or "
    "use the Fiscal Calendar window in Common Services to add the year you need."
)
DAY_END = "Record is locked by Day End Processing. Try again later."


@pytest.mark.parametrize(
    ("status", "code", "text", "error_type"),
    [
        (409, "RecordDuplicate", DAY_END, TransientError),
        (409, "RecordDuplicate", AR_DUP, DuplicateDocument),
        (409, "FieldInvalid", AP_DUP, DuplicateDocument),
        (409, "FieldInvalid", FISCAL, RemoteRejection),
        (409, "General", "Batch 12 has been posted and cannot be deleted.", RemoteRejection),
        (400, "InvalidParameters", "Could not find a property named 'X' on type 'PostedDocument'.", BugError),
        (401, "Unauthorized", "Invalid user ID or password.", AuthenticationError),
        (403, "Forbidden", "User WEBAPI is not authorized for AR.", AuthenticationError),
        (404, "NotFound", "Resource 'AR/ARInvoiceBatches' was not found.", SageNotFound),
    ],
)
def test_error_mapping_on_a_create(status: int, code: str, text: str, error_type: type[Exception]) -> None:
    rec = Recorder(lambda r: sage_error(status, code, text))
    with make_client(rec) as client, pytest.raises(error_type) as info:
        client.create_ar_invoice_batch(ARInvoiceBatch(description="x"))
    error = info.value
    assert text in error.user_message  # type: ignore[attr-defined]
    assert error.status_code == status  # type: ignore[attr-defined]
    assert len(rec.requests) == 1  # a creating call is never repeated on its own
    if error_type is not DuplicateDocument:
        assert not isinstance(error, DuplicateDocument)
    if error_type is TransientError:
        assert "Day End" in error.hint  # type: ignore[attr-defined]
    if status == 401:
        assert "upper case" in error.hint  # type: ignore[attr-defined]
        assert "AllowWebApiAccessForAdmin" in error.hint  # type: ignore[attr-defined]
        assert "Sage 300 Web API" in error.hint  # type: ignore[attr-defined]


def test_409_keeps_sages_text_verbatim_in_user_message() -> None:
    with (
        make_client(lambda r: sage_error(409, "FieldInvalid", FISCAL)) as client,
        pytest.raises(RemoteRejection) as info,
    ):
        client.create_ar_invoice_batch(ARInvoiceBatch(description="x"))
    assert info.value.user_message == FISCAL
    assert "FieldInvalid" in info.value.detail


def test_non_json_error_body_is_tolerated() -> None:
    with (
        make_client(lambda r: httpx.Response(409, text="<html>Conflict</html>")) as client,
        pytest.raises(RemoteRejection, match="Conflict"),
    ):
        client.create_customer(ARCustomer(customer_number="C"))


def test_day_end_lock_on_a_read_is_retried() -> None:
    answers = [sage_error(409, "RecordDuplicate", DAY_END), sage_json(200, {"value": [{"TermsCode": "NET30"}]})]
    rec = Recorder(lambda r: answers.pop(0))
    sleeps = Sleeps()
    with make_client(rec, sleeps) as client:
        terms = client.ar_terms()
        assert client.stats.retries == 1
    assert [t.terms_code for t in terms] == ["NET30"]
    assert len(rec.requests) == 2
    assert sleeps.calls == [0.5]


def test_day_end_lock_that_persists_becomes_transient_error() -> None:
    rec = Recorder(lambda r: sage_error(409, "RecordDuplicate", DAY_END))
    with make_client(rec) as client, pytest.raises(TransientError):
        client.ap_terms()
    assert len(rec.requests) == 5


def test_post_timeout_is_ambiguous_and_not_sent_twice() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    rec = Recorder(handler)
    with make_client(rec) as client, pytest.raises(AmbiguousOutcome):
        client.create_ar_invoice_batch(ARInvoiceBatch(description="x"))
    assert len(rec.requests) == 1


def test_post_500_is_ambiguous() -> None:
    rec = Recorder(lambda r: sage_error(500, "General", "Object reference not set"))
    with make_client(rec) as client, pytest.raises(AmbiguousOutcome):
        client.post_ar_batch(12)
    assert len(rec.requests) == 1


def test_429_retry_after_is_honoured() -> None:
    answers = [
        sage_json(
            429, {"error": {"code": "TooMany", "message": {"lang": "en-US", "value": "slow"}}}, {"Retry-After": "7"}
        ),
        sage_json(201, {"BatchNumber": 5, "BatchStatus": "Open"}),
    ]
    rec = Recorder(lambda r: answers.pop(0))
    sleeps = Sleeps()
    with make_client(rec, sleeps) as client:
        batch = client.create_ar_invoice_batch(ARInvoiceBatch(description="x"))
    assert batch.batch_number == 5
    assert sleeps.calls == [7.0]
    assert len(rec.requests) == 2


def test_secrets_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = base64.b64encode(f"WEBAPI:{PASSWORD}".encode()).decode()
    answers = [sage_json(503, {"x": 1}), sage_error(401, "Unauthorized", "Invalid user ID or password.")]
    with make_client(lambda r: answers.pop(0)) as client, pytest.raises(AuthenticationError) as info:
        client.customers()
    logging.getLogger("cwsage.test").error("failure %s", info.value, exc_info=info.value)
    assert caplog.records  # something was logged
    assert PASSWORD not in caplog.text
    assert token not in caplog.text
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in info.value.detail


# -- lookups and workflow ----------------------------------------------------------------------------


def test_get_customer_quotes_key_and_404_is_none() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "O''HARA" in unquote(request.url.raw_path.decode()):
            return sage_json(200, {"CustomerNumber": "O'HARA", "CustomerName": "O'Hara Ltd", "Extra": {"a": 1}})
        return sage_error(404, "RecordNotFound", "Customer not found")

    rec = Recorder(handler)
    with make_client(rec) as client:
        found = client.get_customer("O'HARA")
        assert client.get_vendor("NOPE") is None
        assert client.get_item("NOPE") is None
    assert found is not None
    assert found.customer_name == "O'Hara Ltd"
    assert unquote(rec.paths()[0]) == "/Sage300WebApi/v1.0/-/SAMINC/AR/ARCustomers('O''HARA')"
    assert rec.paths()[1].endswith("/AP/APVendors('NOPE')")
    assert rec.paths()[2].endswith("/IC/ICItems('NOPE')")


def test_has_inventory_control() -> None:
    missing = sage_error(
        404,
        "NotFound",
        "Resource 'IC/ICLocations' was not found. The Inventory Control module is not activated for company CWDEMO.",
    )
    with make_client(lambda r: missing) as client:
        assert client.has_inventory_control() is False
        assert client.items() == []
        assert client.ic_document_locations(["CW-ADJ-1"]) == {}
    with make_client(lambda r: sage_json(200, {"value": [{"Location": "1"}]})) as client:
        assert client.has_inventory_control() is True


def test_create_ar_batch_sends_exact_json_and_parses_answer() -> None:
    fixture = (FIXTURES / "ar_invoice_batch_created.json").read_bytes()
    rec = Recorder(lambda r: httpx.Response(201, content=fixture, headers={"Content-Type": "application/json"}))
    batch = ARInvoiceBatch(
        description="ConnectWise sync 2024-01-31 #42",
        batch_date=date(2024, 1, 31),
        invoices=[
            ARInvoice(
                customer_number="ACME01",
                document_number="CW-100234",
                document_date=date(2024, 1, 31),
                invoice_details=[ARInvoiceDetail(distribution_code="MSP", extended_amount_with_tip=Decimal("1234.50"))],
            )
        ],
    )
    with make_client(rec) as client:
        created = client.create_ar_invoice_batch(batch)
    request = rec.requests[0]
    assert request.method == "POST"
    assert str(request.url) == BASE + "AR/ARInvoiceBatches"
    assert request.headers["Content-Type"] == "application/json"
    body_text = request.content.decode()
    assert '"ExtendedAmountWithTIP": 1234.50' in body_text
    assert '"BatchDate": "2024-01-31T00:00:00Z"' in body_text
    assert json.loads(body_text)["Invoices"][0]["DocumentType"] == "Invoice"
    assert created.batch_number == 1187
    assert created.batch_total == Decimal("1550.0")
    assert created.invoices[1].apply_to_document == "CW-100101"


def test_batch_workflow_paths_and_bodies() -> None:
    rec = Recorder(lambda r: httpx.Response(204) if r.method in ("PATCH", "DELETE") else sage_json(200, {}))
    with make_client(rec) as client:
        client.set_ar_batch_ready(1187)
        client.post_ar_batch(1187)
        client.set_ap_batch_ready(9)
        client.post_ap_batch(9)
        client.set_gl_batch_ready("12")
        client.post_gl_batch("000012")
        client.post_ar_receipt_batch(3)
        assert client.delete_ar_batch(4) is True
        client.delete_gl_batch("7")
    calls = [
        (
            r.method,
            unquote(r.url.raw_path.decode()).removeprefix("/Sage300WebApi/v1.0/-/SAMINC/"),
            json.loads(r.content) if r.content else None,
        )
        for r in rec.requests
    ]
    assert calls[0] == ("PATCH", "AR/ARInvoiceBatches(1187)", {"BatchStatus": "ReadyToPost"})
    assert calls[1][:2] == ("POST", "AR/ARPostInvoices('$process')")
    assert calls[1][2]["PostAllBatches"] == "Donotpostallbatches"
    assert (calls[1][2]["PostBatchFrom"], calls[1][2]["PostBatchTo"]) == (1187, 1187)
    assert calls[2] == ("PATCH", "AP/APInvoiceBatches(9)", {"BatchStatus": "ReadyToPost"})
    assert calls[3][1] == "AP/APPostInvoices('$process')"
    assert (calls[3][2]["ProcessAllBatches"], calls[3][2]["FromBatch"], calls[3][2]["ToBatch"]) == (
        "Donotpostallbatches",
        9,
        9,
    )
    assert calls[4] == ("PATCH", "GL/GLJournalBatches('000012')", {"Status": "ReadyToPost"})
    assert calls[5] == (
        "POST",
        "GL/GLPostJournals('$process')",
        {"PostAllBatches": "Donotpostallbatches", "FromBatch": "000012", "ToBatch": "000012"},
    )
    assert calls[6] == (
        "POST",
        "AR/ARPostReceiptsAndAdjustments('$process')",
        {"BatchType": "CA", "PostBatchFrom": 3, "PostBatchTo": 3},
    )
    assert calls[7][:2] == ("DELETE", "AR/ARInvoiceBatches(4)")
    assert calls[8][:2] == ("DELETE", "GL/GLJournalBatches('000007')")


def test_get_and_find_batches() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        if "GLJournalBatches('000245')" in unquote(path):
            return sage_json(200, {"BatchNumber": "000245", "Status": "Posted", "JournalHeaders": []})
        if "ARInvoiceBatches(99)" in path:
            return sage_error(404, "RecordNotFound", "Batch 99 not found")
        return sage_json(200, {"value": [{"BatchNumber": 3, "BatchStatus": "Open", "Description": "cw run 1 'B'"}]})

    rec = Recorder(handler)
    with make_client(rec) as client:
        gl = client.get_gl_batch("245")
        assert client.get_ar_batch(99) is None
        found = client.find_ar_batches("cw run 1 'B'")
    assert isinstance(gl, GLJournalBatch)
    assert gl.status is BatchStatus.POSTED
    assert found[0].batch_number == 3
    assert odata_filter(rec.requests[2]) == "Description eq 'cw run 1 ''B'''"


def test_ar_document_locations_combine_posted_and_open_batches() -> None:
    numbers = [f"CW-{i}" for i in range(20)]

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("AR/ARPostedDocuments"):
            assert request.url.params["$select"] == "CustomerNumber,DocumentNumber,DocumentType,BatchNumber,EntryNumber"
            flt = odata_filter(request)
            rows = []
            if "'CW-3'" in flt:
                rows.append(
                    {
                        "CustomerNumber": "ACME",
                        "DocumentNumber": "CW-3",
                        "DocumentType": "Invoice",
                        "BatchNumber": 100,
                        "EntryNumber": 2,
                    }
                )
            if "'CW-17'" in flt:
                rows.append({"CustomerNumber": "BETA", "DocumentNumber": "CW-17", "BatchNumber": 101, "EntryNumber": 1})
            return sage_json(200, {"value": rows})
        if path.endswith("AR/ARInvoiceBatches"):
            assert odata_filter(request) == "BatchStatus eq 'Open' or BatchStatus eq 'ReadyToPost'"
            assert request.url.params["$select"] == "BatchNumber,BatchStatus,Description,Invoices"
            return sage_json(
                200,
                {
                    "value": [
                        {
                            "BatchNumber": 12,
                            "BatchStatus": "Open",
                            "Description": "run 2",
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
                    ]
                },
            )
        raise AssertionError(path)

    rec = Recorder(handler)
    with make_client(rec) as client:
        found = client.ar_document_locations([*numbers, "CW-3"])
    posted_requests = [r for r in rec.requests if r.url.path.endswith("ARPostedDocuments")]
    assert len(posted_requests) == 2  # 20 numbers in chunks of 15
    assert odata_filter(posted_requests[0]).count(" or ") == 14
    assert set(found) == {"CW-3", "CW-5", "CW-9", "CW-17"}
    assert found["CW-3"].where is DocumentPlace.POSTED  # posted wins over the batch copy
    assert found["CW-3"].party == "ACME"
    assert found["CW-5"].describe() == "AR invoice batch 12 (open), entry 3, customer ACME"
    assert found["CW-9"].where is DocumentPlace.READY_BATCH
    assert found["CW-17"].batch_number == "101"


def test_ar_document_locations_skip_batch_scan_when_all_posted_and_empty_input() -> None:
    rows = [{"CustomerNumber": "A", "DocumentNumber": "CW-1"}]
    rec = Recorder(lambda r: sage_json(200, {"value": rows}))
    with make_client(rec) as client:
        assert set(client.ar_document_locations(["CW-1"])) == {"CW-1"}
        assert client.ar_document_locations([]) == {}
    assert len(rec.requests) == 1


def test_ap_document_locations_are_per_vendor() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("AP/APPostedDocuments"):
            flt = odata_filter(request)
            assert flt == (
                "VendorNumber eq 'V1' and DocumentNumber eq 'INV-1' or "
                "VendorNumber eq 'V2' and DocumentNumber eq 'INV-1' or "
                "VendorNumber eq 'V2' and DocumentNumber eq 'INV-2'"
            )
            return sage_json(200, {"value": [{"VendorNumber": "V1", "DocumentNumber": "INV-1", "BatchNumber": 4}]})
        return sage_json(
            200,
            {
                "value": [
                    {
                        "BatchNumber": 8,
                        "BatchStatus": "Open",
                        "Invoices": [
                            {"VendorNumber": "V1", "DocumentNumber": "INV-2", "EntryNumber": 1},
                            {"VendorNumber": "V2", "DocumentNumber": "INV-2", "EntryNumber": 2},
                        ],
                    }
                ]
            },
        )

    with make_client(handler) as client:
        found = client.ap_document_locations([("V1", "INV-1"), ("V2", "INV-1"), ("V2", "INV-2")])
    assert set(found) == {("V1", "INV-1"), ("V2", "INV-2")}
    assert found[("V1", "INV-1")].where is DocumentPlace.POSTED
    assert found[("V2", "INV-2")].entry_number == 2
    assert found[("V2", "INV-2")].describe() == "AP invoice batch 8 (open), entry 2, vendor V2"


def test_gl_document_locations_scan_headers_of_every_batch() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["$select"] == "BatchNumber,Status,Description,JournalHeaders"
        return sage_json(
            200,
            {
                "value": [
                    {
                        "BatchNumber": "000010",
                        "Status": "Deleted",
                        "JournalHeaders": [{"DocumentNumber": "CW-EXP-2", "EntryNumber": 1}],
                    },
                    {
                        "BatchNumber": "000011",
                        "Status": "Posted",
                        "JournalHeaders": [{"DocumentNumber": "CW-EXP-1", "EntryNumber": 2}],
                    },
                    {
                        "BatchNumber": "000012",
                        "Status": "Open",
                        "JournalHeaders": [{"DocumentNumber": "CW-EXP-3", "EntryNumber": "1"}],
                    },
                ]
            },
        )

    with make_client(handler) as client:
        found = client.gl_document_locations(["CW-EXP-1", "CW-EXP-2", "CW-EXP-3"])
    assert set(found) == {"CW-EXP-1", "CW-EXP-3"}  # a deleted batch does not hold the document
    assert found["CW-EXP-1"].where is DocumentPlace.POSTED
    assert found["CW-EXP-3"].describe() == "GL journal batch 000012 (open), entry 1"


def test_ic_document_locations() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert odata_filter(request) == "Reference eq 'CW-ADJ-1' or Reference eq 'CW-TR-1'"
        if request.url.path.endswith("ICAdjustments"):
            return sage_json(
                200, {"value": [{"SequenceNumber": 17, "Reference": "CW-ADJ-1", "RecordStatus": "Entered"}]}
            )
        return sage_json(200, {"value": [{"SequenceNumber": 4, "Reference": "CW-TR-1", "RecordStatus": "Posted"}]})

    with make_client(handler) as client:
        found = client.ic_document_locations(["CW-ADJ-1", "CW-TR-1"])
    assert found["CW-ADJ-1"].where is DocumentPlace.ENTERED
    assert found["CW-ADJ-1"].kind == "adjustment"
    assert found["CW-TR-1"].where is DocumentPlace.POSTED
    assert found["CW-TR-1"].describe() == "IC transfer 4 (posted), reference CW-TR-1"


def test_posted_ar_documents_filters() -> None:
    fixture = (FIXTURES / "ar_posted_documents.json").read_bytes()
    rec = Recorder(lambda r: httpx.Response(200, content=fixture))
    with make_client(rec) as client:
        docs = client.posted_ar_documents(changed_since=date(2024, 2, 1))
        client.posted_ar_documents(changed_since=date(2024, 2, 1), document_numbers=["CW-1", "CW-2"])
        assert client.posted_ar_documents(document_numbers=[]) == []
    assert docs[0].is_fully_paid
    assert docs[0].cust_currency_invoice_amount == Decimal("1864.5")
    assert odata_filter(rec.requests[0]) == "LastActivityDate ge 2024-02-01T00:00:00Z"
    assert rec.requests[0].url.params["$orderby"] == "DocumentNumber"
    assert odata_filter(rec.requests[1]) == (
        "(DocumentNumber eq 'CW-1' or DocumentNumber eq 'CW-2') and LastActivityDate ge 2024-02-01T00:00:00Z"
    )
    assert "%20" in rec.requests[0].url.raw_path.decode()
    assert "+" not in rec.requests[0].url.raw_path.decode()
    assert len(rec.requests) == 2


def test_master_data_readers_hit_their_resources() -> None:
    rows: dict[str, list[dict[str, Any]]] = {
        "CS/CSCurrencyCodes": [{"CurrencyCode": "USD", "DecimalPlaces": 2}],
        "CS/CSCurrencyRates": [
            {
                "HomeCurrency": "USD",
                "SourceCurrency": "CAD",
                "RateDate": "2024-01-01T00:00:00Z",
                "Rate": Decimal("0.7412"),
                "RateType": "SP",
            }
        ],
        "CS/CSFiscalCalendars": [json.loads((FIXTURES / "fiscal_calendar_2026.json").read_text())],
        "CS/CSCompanyProfile": [{"CompanyID": "SAMINC", "HomeCurrency": "USD", "Multicurrency": "Yes"}],
        "TX/TXTaxAuthorities": [{"TaxAuthority": "ONTHST"}],
        "TX/TXTaxClasses": [
            {"TaxAuthority": "ONTHST", "TransactionType": "Sales", "ClassType": "Customers", "Class": 1}
        ],
        "AR/ARCustomerGroups": [{"GroupCode": "RTL"}],
        "AR/ARDistributionCodes": [{"DistributionCode": "MSP", "GLAccount": "4000"}],
        "AP/APVendorGroups": [{"GroupCode": "SUP"}],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        key = request.url.path.removeprefix("/Sage300WebApi/v1.0/-/SAMINC/")
        return sage_json(200, {"value": rows[key]})

    with make_client(handler) as client:
        assert client.currencies()[0].decimal_places == 2
        assert client.currency_rates()[0].rate == Decimal("0.7412")
        assert client.fiscal_calendars()[0].period_for(date(2026, 3, 3)) == (3, True)
        assert client.company_profile().home_currency == "USD"
        assert client.tax_authorities()[0].tax_authority == "ONTHST"
        assert client.tax_classes()[0].tax_class == 1
        assert client.customer_groups()[0].group_code == "RTL"
        assert client.distribution_codes()[0].gl_account == "4000"
        assert client.vendor_groups()[0].group_code == "SUP"


def test_unreadable_answer_is_reported_not_crashing() -> None:
    with (
        make_client(lambda r: sage_json(200, {"value": [{"CustomerName": "no number"}]})) as client,
        pytest.raises(BugError, match="cannot read"),
    ):
        client.customers()
