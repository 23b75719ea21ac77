"""ManageClient against httpx.MockTransport handlers written from the reference (not the emulator)."""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from cwsage.connectwise.client import ManageClient, ManageNotFound, ManageRejection, split_site_url
from cwsage.connectwise.models import CreateBatchRequest, ExportRequest, InvoiceRef, InvoiceType, SummarizeInvoices
from cwsage.dates import FixedClock
from cwsage.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    ConfigurationError,
    CwsageError,
    PagingLoop,
    SourceDataError,
)
from cwsage.http import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manage"
API = "/v4_6_release/apis/3.0/"
PRIVATE = "priv-S3cr3t-KEY"
CLIENT_ID = "c1d2e3f4-0000-4000-8000-clientid0001"
PASSWORD = "Integr@torPassw0rd"
TOKEN_PRIVATE = "tok-private-9876"


@dataclass
class Settings:
    url: str = "connectwise.example.com"
    company: str = "acme"
    auth: str = "apikey"
    public_key: str | None = "pubkey123"
    private_key: SecretStr | None = field(default_factory=lambda: SecretStr(PRIVATE))
    client_id: SecretStr = field(default_factory=lambda: SecretStr(CLIENT_ID))
    integrator_user: str | None = None
    integrator_password: SecretStr | None = None
    member: str | None = None
    accept_version: str = "2025.1"
    verify_tls: bool = True
    timeout_seconds: float = 30.0


Route = Callable[[httpx.Request], httpx.Response]


class FakeManage:
    """A MockTransport handler: routes by (method, path after the API prefix) and records every request."""

    def __init__(self, *, codebase: str = "v4_6_release/") -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], Route] = {}
        self.codebase = codebase
        self.api = f"/{codebase}apis/3.0/"

    def route(self, method: str, path: str, handler: Route | Any) -> None:
        if callable(handler):
            self.routes[(method, path)] = handler
        else:
            body = handler

            def fixed(_request: httpx.Request) -> httpx.Response:
                return json_response(body)

            self.routes[(method, path)] = fixed

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.startswith("/login/companyinfo/"):
            return json_response({"Codebase": self.codebase, "CompanyName": "Acme", "SiteUrl": request.url.host})
        assert path.startswith(self.api), path
        key = (request.method, path[len(self.api) :])
        if key not in self.routes:
            return json_response({"code": "NotFound", "message": f"no route {key}"}, status=404)
        return self.routes[key](request)

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith(self.api)]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    from cwsage import money

    return httpx.Response(
        status, content=money.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(
    fake: FakeManage, settings: Settings | None = None, clock: FixedClock | None = None
) -> tuple[ManageClient, Recorder]:
    sleeper = Recorder()
    policy = RetryPolicy(sleep=sleeper, jitter=lambda: 1.0)
    client = ManageClient(settings or Settings(), transport=httpx.MockTransport(fake), policy=policy, clock=clock)
    return client, sleeper


def basic_of(request: httpx.Request) -> str:
    scheme, _, token = request.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(token).decode()


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query, keep_blank_values=True).items()}


# -- URL, discovery, headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "root", "prefix"),
    [
        ("connectwise.mycompany.com", "https://connectwise.mycompany.com", None),
        ("connectwise.mycompany.com/", "https://connectwise.mycompany.com", None),
        ("https://connectwise.mycompany.com/", "https://connectwise.mycompany.com", None),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123", None),
        ("http://127.0.0.1:8123/manage/", "http://127.0.0.1:8123/manage", None),
        ("https://h.example/v2024_1/apis/3.0/", "https://h.example", "v2024_1/apis/3.0/"),
    ],
)
def test_split_site_url(given: str, root: str, prefix: str | None) -> None:
    assert split_site_url(given) == (root, prefix)


@pytest.mark.parametrize("bad", ["", "   ", "ftp://x", "https://x/?a=1"])
def test_split_site_url_rejects(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        split_site_url(bad)


def test_headers_and_discovery_from_bare_site_name() -> None:
    fake = FakeManage()
    fake.route("GET", "system/info", {"version": "v2025.1", "isCloud": False})
    client, _ = make_client(fake)
    assert client.system_info().version == "v2025.1"
    assert client.system_info().is_cloud is False

    discovery, call, _again = fake.requests
    assert str(discovery.url) == "https://connectwise.example.com/login/companyinfo/acme"
    assert "Authorization" not in discovery.headers
    assert str(call.url) == "https://connectwise.example.com/v4_6_release/apis/3.0/system/info"
    assert call.headers["clientId"] == CLIENT_ID
    assert call.headers["Accept"] == "application/vnd.connectwise.com+json; version=2025.1"
    assert basic_of(call) == f"acme+pubkey123:{PRIVATE}"  # the literal '+'
    assert client.api_url() == "https://connectwise.example.com/v4_6_release/apis/3.0/"
    assert len([r for r in fake.requests if "companyinfo" in r.url.path]) == 1  # cached
    assert client.stats.total == 3


def test_discovery_from_full_url() -> None:
    fake = FakeManage(codebase="v2025_1/")
    fake.route("GET", "system/info", {"version": "x"})
    client, _ = make_client(fake, Settings(url="http://127.0.0.1:8123/", accept_version="2024.3"))
    client.system_info()
    assert str(fake.requests[0].url) == "http://127.0.0.1:8123/login/companyinfo/acme"
    assert str(fake.requests[1].url) == "http://127.0.0.1:8123/v2025_1/apis/3.0/system/info"
    assert fake.requests[1].headers["Accept"].endswith("version=2024.3")


def test_full_api_url_skips_discovery() -> None:
    fake = FakeManage()
    fake.route("GET", "system/info", {"version": "x"})
    client, _ = make_client(fake, Settings(url="https://h.example/v4_6_release/apis/3.0"))
    client.system_info()
    assert [r.url.path for r in fake.requests] == ["/v4_6_release/apis/3.0/system/info"]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404, text="Not found"),
        httpx.Response(200, text="<html>login</html>"),
        httpx.Response(200, json={"CompanyName": "x"}),
    ],
)
def test_discovery_failure_is_a_configuration_error(answer: httpx.Response) -> None:
    client = ManageClient(Settings(), transport=httpx.MockTransport(lambda _r: answer))
    with pytest.raises(ConfigurationError, match="site"):
        client.system_info()


def test_missing_settings_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="clientId"):
        ManageClient(Settings(client_id=SecretStr("")))
    with pytest.raises(ConfigurationError, match="keys"):
        ManageClient(Settings(private_key=None))
    with pytest.raises(ConfigurationError, match="impersonation"):
        ManageClient(Settings(auth="impersonation"))
    with pytest.raises(ConfigurationError, match="authentication mode"):
        ManageClient(Settings(auth="oauth"))


# -- impersonation -------------------------------------------------------------------------------------------


def test_impersonation_token_flow_refresh_and_401() -> None:
    fake = FakeManage()
    issued: list[str] = []
    clock = FixedClock(datetime(2024, 4, 1, 12, 0, tzinfo=UTC))

    def tokens(request: httpx.Request) -> httpx.Response:
        n = len(issued) + 1
        issued.append(f"pub{n}")
        assert request.headers["x-cw-usertype"] == "member"
        assert basic_of(request) == f"acme+integ:{PASSWORD}"
        assert request.headers["clientId"] == CLIENT_ID
        assert json.loads(request.content) == {"memberIdentifier": "jsmith"}
        expiration = (clock.now() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return json_response({"publicKey": f"pub{n}", "privateKey": f"{TOKEN_PRIVATE}{n}", "expiration": expiration})

    reject_next = {"on": False}

    def info(request: httpx.Request) -> httpx.Response:
        if reject_next["on"]:
            reject_next["on"] = False
            return json_response({"code": "Unauthorized", "message": "expired"}, status=401)
        return json_response({"version": basic_of(request)})

    fake.route("POST", "system/members/jsmith/tokens", tokens)
    fake.route("GET", "system/info", info)
    settings = Settings(
        auth="impersonation",
        public_key=None,
        private_key=None,
        integrator_user="integ",
        integrator_password=SecretStr(PASSWORD),
        member="jsmith",
    )
    client, _ = make_client(fake, settings, clock)
    assert client.system_info().version == f"acme+pub1:{TOKEN_PRIVATE}1"
    assert client.system_info().version == f"acme+pub1:{TOKEN_PRIVATE}1"
    assert issued == ["pub1"]
    clock.advance(timedelta(hours=3, minutes=56))  # within the renewal margin
    assert client.system_info().version == f"acme+pub2:{TOKEN_PRIVATE}2"
    reject_next["on"] = True  # server says 401: renew once and resend
    assert client.system_info().version == f"acme+pub3:{TOKEN_PRIVATE}3"
    assert issued == ["pub1", "pub2", "pub3"]


def test_impersonation_with_bad_integrator_password() -> None:
    fake = FakeManage()
    fake.route("POST", "system/members/jsmith/tokens", lambda _r: json_response({"code": "Unauthorized"}, 401))
    settings = Settings(
        auth="impersonation",
        integrator_user="integ",
        integrator_password=SecretStr(PASSWORD),
        member="jsmith",
    )
    client, _ = make_client(fake, settings)
    with pytest.raises(AuthenticationError):
        client.system_info()


# -- pagination ----------------------------------------------------------------------------------------------


def _rows(start: int, count: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"Loc {i}"} for i in range(start, start + count)]


def test_navigable_pagination_follows_link_next() -> None:
    fake = FakeManage()

    def locations(request: httpx.Request) -> httpx.Response:
        page = int(query(request).get("page", "1"))
        base = "https://connectwise.example.com/v4_6_release/apis/3.0/system/locations"
        links = [f'<{base}?pageSize=2&page=1>; rel="first"']
        if page < 3:
            links.append(f'<{base}?orderBy=id%20asc&pageSize=2&page={page + 1}>; rel="next"')
        return json_response(_rows(page * 10, 2 if page < 3 else 1), headers={"Link": ", ".join(links)})

    fake.route("GET", "system/locations", locations)
    client, _ = make_client(fake)
    names = [loc.id for loc in client._paginate("system/locations", _location_model(), page_size=2, order_by="id asc")]
    assert names == [10, 11, 20, 21, 30]
    first = fake.api_requests()[0]
    assert query(first) == {"pageSize": "2", "page": "1", "orderBy": "id asc"}


def _location_model() -> Any:
    from cwsage.connectwise.models import Location

    return Location


def _navigable(last: int, size: int, threads: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """Locations in ``last`` full pages of ``size``, with Manage's first/prev/next/last links."""
    base = "https://connectwise.example.com/v4_6_release/apis/3.0/system/locations"

    def url(n: int) -> str:
        return f"<{base}?orderBy=id%20asc&pageSize={size}&page={n}>"

    def locations(request: httpx.Request) -> httpx.Response:
        threads.append(threading.current_thread().name)
        page = int(query(request)["page"])
        links = [f'{url(1)}; rel="first"', f'{url(last)}; rel="last"']
        if page < last:
            links.append(f'{url(page + 1)}; rel="next"')
        rows = _rows(page * 10, size) if page <= last else []
        return json_response(rows, headers={"Link": ", ".join(links)})

    return locations


def test_navigable_pages_up_to_the_last_link_are_read_a_few_at_a_time_in_order() -> None:
    fake = FakeManage()
    threads: list[str] = []
    fake.route("GET", "system/locations", _navigable(last=12, size=2, threads=threads))
    client, _ = make_client(fake)
    ids = [loc.id for loc in client._paginate("system/locations", _location_model(), page_size=2, order_by="id asc")]
    assert ids == [i for page in range(1, 13) for i in (page * 10, page * 10 + 1)]
    pages = sorted(int(query(r)["page"]) for r in fake.api_requests())
    assert pages == list(range(1, 13))  # each page once; the full last page is known to be the last
    assert threads[0] == "MainThread"
    assert all(name.startswith("cwsage-read") for name in threads[1:])


def test_a_page_with_links_but_no_next_link_is_the_last_one() -> None:
    fake = FakeManage()
    fake.route("GET", "system/locations", _navigable(last=1, size=2, threads=[]))
    client, _ = make_client(fake)
    assert len(list(client._paginate("system/locations", _location_model(), page_size=2))) == 2
    assert len(fake.api_requests()) == 1


def test_forward_only_pagination_sends_header_and_follows_page_id() -> None:
    fake = FakeManage()

    def members(request: httpx.Request) -> httpx.Response:
        assert request.headers["pagination-type"] == "forward-only"
        after = int(query(request).get("pageId", "0"))
        ids = list(range(after + 1, min(after + 3, 6)))
        rows = [{"id": i, "identifier": f"m{i}"} for i in ids]
        headers = {}
        if ids and ids[-1] < 5:
            headers["Link"] = (
                f'<https://elsewhere.example/apis/3.0/system/members?pageSize=2&pageId={ids[-1]}>; rel="next"'
            )
        return json_response(rows, headers=headers)

    fake.route("GET", "system/members", members)
    client, _ = make_client(fake)
    from cwsage.connectwise.models import Member

    ids = [m.id for m in client._paginate("system/members", Member, page_size=2, forward_only=True)]
    assert ids == [1, 2, 3, 4, 5]
    # The next link's host is never contacted: only its query is reused on our own API path.
    assert {r.url.host for r in fake.api_requests()} == {"connectwise.example.com"}
    assert "page" not in query(fake.api_requests()[0])


def test_pagination_without_link_stops_on_short_page() -> None:
    fake = FakeManage()

    def locations(request: httpx.Request) -> httpx.Response:
        page = int(query(request)["page"])
        return json_response(_rows(page * 10, 3 if page < 3 else 1))

    fake.route("GET", "system/locations", locations)
    client, _ = make_client(fake)
    ids = [loc.id for loc in client._paginate("system/locations", _location_model(), page_size=3)]
    assert ids == [10, 11, 12, 20, 21, 22, 30]
    assert [query(r)["page"] for r in fake.api_requests()] == ["1", "2", "3"]


def test_forward_only_without_link_uses_last_id() -> None:
    fake = FakeManage()

    def locations(request: httpx.Request) -> httpx.Response:
        after = int(query(request).get("pageId", "0"))
        return json_response([{"id": i} for i in range(after + 1, min(after + 3, 5))])

    fake.route("GET", "system/locations", locations)
    client, _ = make_client(fake)
    ids = [loc.id for loc in client._paginate("system/locations", _location_model(), page_size=2, forward_only=True)]
    assert ids == [1, 2, 3, 4]


def test_pagination_loop_is_detected() -> None:
    fake = FakeManage()
    link = '<https://connectwise.example.com/v4_6_release/apis/3.0/system/locations?page=2&pageSize=2>; rel="next"'
    fake.route(
        "GET", "system/locations", lambda r: json_response(_rows(int(query(r)["page"]), 2), headers={"Link": link})
    )
    client, _ = make_client(fake)
    with pytest.raises(PagingLoop, match="Manage paging of system/locations was sent to the same next page"):
        list(client._paginate("system/locations", _location_model(), page_size=2))

    fake2 = FakeManage()
    fake2.route("GET", "system/locations", lambda _r: json_response(_rows(1, 2)))  # ignores page=
    client2, _ = make_client(fake2)
    with pytest.raises(PagingLoop, match="paging of system/locations returned the same page twice"):
        list(client2._paginate("system/locations", _location_model(), page_size=2))


# -- retries -------------------------------------------------------------------------------------------------


def test_429_honours_retry_after() -> None:
    fake = FakeManage()
    answers = iter(
        [
            json_response({"code": "TooManyRequests"}, 429, {"Retry-After": "7"}),
            json_response({"code": "TooManyRequests"}, 429, {"Retry-After": "2"}),
            json_response({"version": "ok"}),
        ]
    )
    fake.route("GET", "system/info", lambda _r: next(answers))
    client, sleeper = make_client(fake)
    assert client.system_info().version == "ok"
    assert sleeper.waits == [7.0, 2.0]
    assert client.stats.retries == 2


def test_5xx_retried_for_get_with_backoff() -> None:
    fake = FakeManage()
    answers = iter([httpx.Response(503, text="busy"), httpx.Response(502), json_response({"count": 4})])
    fake.route("GET", "finance/accounting/unpostedinvoices/count", lambda _r: next(answers))
    client, sleeper = make_client(fake)
    assert client.unposted_count("invoices") == 4
    assert sleeper.waits == [0.5, 1.0]


def _batch_request() -> CreateBatchRequest:
    return CreateBatchRequest(
        batch_identifier="S300-20240401-I", export_invoices_flag=True, processed_record_ids=[91001]
    )


def test_create_batch_read_timeout_is_ambiguous_and_not_resent() -> None:
    fake = FakeManage()

    def batches(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake.route("POST", "finance/accounting/batches", batches)
    client, sleeper = make_client(fake)
    with pytest.raises(AmbiguousOutcome):
        client.create_batch(_batch_request())
    posts = [r for r in fake.api_requests() if r.method == "POST"]
    assert len(posts) == 1
    assert sleeper.waits == []


def test_create_batch_500_is_ambiguous_and_not_resent() -> None:
    fake = FakeManage()
    fake.route("POST", "finance/accounting/batches", lambda _r: json_response({"message": "boom"}, 500))
    client, _ = make_client(fake)
    with pytest.raises(AmbiguousOutcome):
        client.create_batch(_batch_request())
    assert len([r for r in fake.api_requests() if r.method == "POST"]) == 1


def test_export_is_a_read_and_is_retried() -> None:
    fake = FakeManage()
    calls = {"n": 0}
    glexport = json.loads((FIXTURES / "glexport_invoice.json").read_text())

    def export(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("slow", request=request)
        assert json.loads(request.content) == {
            "batchIdentifier": "S300-20240401-I",
            "thruDate": "2024-04-01T00:00:00Z",
            "locationId": 2,
            "summarizeInvoices": "Detailed",
            "exportInvoicesFlag": True,
            "includedInvoiceIds": [4711],
            "exportExpensesFlag": False,
            "exportProductsFlag": False,
        }
        return httpx.Response(200, content=(FIXTURES / "glexport_invoice.json").read_bytes())

    fake.route("POST", "finance/accounting/export", export)
    client, _ = make_client(fake)
    result = client.export(
        ExportRequest(
            batch_identifier="S300-20240401-I",
            thru_date=datetime(2024, 4, 1, tzinfo=UTC),
            location_id=2,
            summarize_invoices=SummarizeInvoices.DETAILED,
            export_invoices_flag=True,
            included_invoice_ids=[4711],
            export_expenses_flag=False,
            export_products_flag=False,
        )
    )
    assert calls["n"] == 2
    assert result.transactions[0].total == Decimal("1695.00") == Decimal(str(glexport["transactions"][0]["total"]))
    assert result.transactions[0].detail[2].total == Decimal("-195.00")


def test_create_batch_and_find_it() -> None:
    fake = FakeManage()
    fake.route("POST", "finance/accounting/batches", lambda _r: json_response({"transactions": []}))
    fake.route(
        "GET",
        "finance/accounting/batches",
        [{"id": 57, "batchIdentifier": 'S300 "x"', "exportInvoicesFlag": True, "closedFlag": False}],
    )
    fake.route(
        "GET",
        "finance/accounting/batches/57/entries",
        [{"id": 91001, "debit": Decimal("1695.00"), "credit": 0, "invoice": {"id": 4711, "identifier": "10234"}}],
    )
    client, _ = make_client(fake)
    client.create_batch(_batch_request())
    sent = json.loads(fake.api_requests()[0].content)
    assert sent["processedRecordIds"] == [91001]
    assert sent["batchIdentifier"] == "S300-20240401-I"
    (batch,) = client.find_batches('S300 "x"')
    assert batch.id == 57
    assert query(fake.api_requests()[1])["conditions"] == 'batchIdentifier="S300 \\"x\\""'
    (entry,) = client.batch_entries(57)
    assert entry.debit == Decimal("1695.00")
    assert entry.invoice is not None
    assert entry.invoice.identifier == "10234"


# -- error mapping -------------------------------------------------------------------------------------------


def test_400_with_field_errors() -> None:
    fake = FakeManage()
    body = {
        "code": "InvalidObject",
        "message": "payment object is invalid",
        "errors": [
            {"code": "OutOfRange", "message": "Amount exceeds balance", "resource": "payment", "field": "amount"}
        ],
    }
    fake.route("POST", "finance/invoices/4711/payments", lambda _r: json_response(body, 400))
    client, _ = make_client(fake)
    with pytest.raises(ManageRejection) as info:
        client.create_payment(4711, amount=Decimal("9999.00"), payment_date=date(2024, 4, 15))
    assert info.value.code == "InvalidObject"
    assert "payment object is invalid" in info.value.user_message
    assert "amount: Amount exceeds balance" in info.value.user_message
    assert info.value.field_errors[0].field == "amount"
    assert info.value.status_code == 400


def test_404_and_409_and_401_and_other() -> None:
    fake = FakeManage()
    fake.route("GET", "finance/invoices/1", lambda _r: json_response({"code": "NotFound", "message": "gone"}, 404))
    fake.route(
        "DELETE",
        "finance/accounting/batches/5",
        lambda _r: json_response({"code": "Conflict", "message": "in use"}, 409),
    )
    fake.route("GET", "system/info", lambda _r: httpx.Response(403, text="<html>Forbidden</html>"))
    fake.route("GET", "finance/invoices/2", lambda _r: httpx.Response(418, text="teapot"))
    client, _ = make_client(fake)
    with pytest.raises(ManageNotFound) as nf:
        client.get_invoice(1)
    assert nf.value.code == "NotFound"
    with pytest.raises(ManageRejection) as conflict:
        client.delete_batch(5)
    assert conflict.value.code == "Conflict"
    assert "in use" in conflict.value.user_message
    with pytest.raises(AuthenticationError) as auth:
        client.system_info()
    assert "Accounting Interface" in auth.value.hint
    with pytest.raises(CwsageError) as other:
        client.get_invoice(2)
    assert other.value.status_code == 418
    assert not isinstance(other.value, ManageRejection)


# -- unposted lists and source data --------------------------------------------------------------------------


def test_unposted_invoices_filter_and_unknown_enum(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeManage()
    rows = [{"id": 4711, "invoiceNumber": "10234", "invoiceType": "Standard", "total": Decimal("1695.00")}]
    fake.route("GET", "finance/accounting/unpostedinvoices", lambda _r: json_response(rows))
    client, _ = make_client(fake)
    (inv,) = client.unposted_invoices(location_id=2, through=date(2024, 3, 31))
    assert inv.invoice_type is InvoiceType.STANDARD
    assert inv.total == Decimal("1695.00")
    q = query(fake.api_requests()[0])
    assert q["conditions"] == "locationId=2 and invoiceDate<=[2024-03-31T23:59:59Z]"
    assert q["orderBy"] == "id asc"
    assert q["pageSize"] == "1000"
    assert q["page"] == "1"

    # One malformed row does not stop the selection (issue 13): it is selected by its id alone, the export will
    # name the field; a row without a readable id is left out (it stays unposted in Manage).
    rows[0]["invoiceType"] = "Weird"
    rows.append({"id": "not-an-id", "invoiceNumber": "10235", "total": "abc"})
    rows.append({"id": 4713, "invoiceNumber": "10236", "invoiceType": "Standard", "total": Decimal("5.00")})
    with caplog.at_level(logging.WARNING, logger="cwsage.connectwise"):
        selected = client.unposted_invoices()
    assert [(r.id, r.invoice_number, r.invoice_type) for r in selected] == [
        (4711, "10234", None),
        (4713, "10236", InvoiceType.STANDARD),
    ]
    assert "invoice 10234: invoiceType 'Weird' is not one the program knows" in caplog.text
    assert "invoice 10235" in caplog.text
    assert "left out" in caplog.text
    assert "conditions" not in query(fake.api_requests()[-1])


def test_invoice_refs_ask_for_ids_and_numbers_only_and_keep_just_them() -> None:
    fake = FakeManage()
    rows = [
        {"id": 4711, "invoiceNumber": "10234"},
        {"id": 4712, "invoiceNumber": "10235", "total": Decimal("9.00"), "company": {"id": 1}},  # fields ignored
        {"id": "not-an-id", "invoiceNumber": "10236"},  # unreadable id: left out, as from the whole listing
    ]
    fake.route("GET", "finance/accounting/unpostedinvoices", lambda _r: json_response(rows))
    client, _ = make_client(fake)
    refs = client.unposted_invoice_refs(location_id=2, through=date(2024, 3, 31))
    assert refs == [InvoiceRef(4711, "10234"), InvoiceRef(4712, "10235")]
    q = query(fake.api_requests()[0])
    assert q["fields"] == "id,invoiceNumber"
    assert q["conditions"] == "locationId=2 and invoiceDate<=[2024-03-31T23:59:59Z]"
    assert q["orderBy"] == "id asc"


def test_unposted_expenses_and_procurement_filters() -> None:
    fake = FakeManage()
    fake.route("GET", "finance/accounting/unpostedexpenses", [])
    fake.route("GET", "finance/accounting/unpostedprocurement", [])
    fake.route(
        "GET",
        "finance/accounting/unpostedprocurement/902/taxableLevels",
        [{"id": 1, "taxLevel": 1, "taxAmount": Decimal("130.00")}],
    )
    client, _ = make_client(fake)
    assert client.unposted_expenses(through=date(2024, 3, 31)) == []
    assert client.unposted_procurement(location_id=3) == []
    (level,) = client.taxable_levels("procurement", 902)
    assert level.tax_amount == Decimal("130.00")
    conds = [query(r).get("conditions") for r in fake.api_requests()]
    assert conds[:2] == ["dateExpense<=[2024-03-31T23:59:59Z]", "locationId=3"]


def test_not_a_list_is_source_data_error() -> None:
    fake = FakeManage()
    fake.route("GET", "system/locations", {"oops": 1})
    client, _ = make_client(fake)
    with pytest.raises(SourceDataError, match="list"):
        client.locations()


# -- payments and invoices ----------------------------------------------------------------------------------


def test_create_and_update_payment_bodies_are_exact() -> None:
    fake = FakeManage()
    reply = {
        "id": 3120,
        "type": "Payment",
        "source": "Default",
        "amount": Decimal("500.00"),
        "paymentDate": "2024-04-15T00:00:00Z",
    }
    fake.route("POST", "finance/invoices/4711/payments", lambda _r: json_response(reply, 201))
    fake.route("PATCH", "finance/invoices/4711/payments/3120", lambda _r: json_response(reply))
    client, _ = make_client(fake)
    payment = client.create_payment(4711, amount=Decimal("500.00"), payment_date=date(2024, 4, 15))
    assert payment.id == 3120
    assert payment.amount == Decimal("500.00")
    assert payment.payment_date == datetime(2024, 4, 15, tzinfo=UTC)
    post, patch = fake.api_requests()[0], None
    assert post.content == b'{"invoice":{"id":4711},"amount":500.00,"paymentDate":"2024-04-15T00:00:00Z"}'
    client.update_payment(4711, 3120, amount=Decimal("694.99"), payment_date=date(2024, 4, 20))
    patch = fake.api_requests()[1]
    assert patch.method == "PATCH"
    assert patch.content == (
        b'[{"op":"replace","path":"amount","value":694.99},'
        b'{"op":"replace","path":"paymentDate","value":"2024-04-20T00:00:00Z"}]'
    )
    with pytest.raises(TypeError):
        client.create_payment(4711, amount=500.5, payment_date=date(2024, 4, 15))  # type: ignore[arg-type]


def test_create_payment_timeout_is_ambiguous() -> None:
    fake = FakeManage()

    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("dropped", request=request)

    fake.route("POST", "finance/invoices/4711/payments", boom)
    client, _ = make_client(fake)
    with pytest.raises(AmbiguousOutcome):
        client.create_payment(4711, amount=Decimal(1), payment_date=date(2024, 4, 15))
    assert len(fake.api_requests()) == 1


def test_find_invoices_by_number_chunks() -> None:
    fake = FakeManage()
    seen: list[str] = []

    def invoices(request: httpx.Request) -> httpx.Response:
        cond = query(request)["conditions"]
        seen.append(cond)
        numbers = [part.strip('"') for part in cond[len("invoiceNumber in (") : -1].split(",")]
        return json_response([{"id": int(n), "invoiceNumber": n} for n in numbers if int(n) % 2 == 0])

    fake.route("GET", "finance/invoices", invoices)
    client, _ = make_client(fake)
    wanted = [str(n) for n in range(1000, 1360, 3)] + ["1000", " ", ""]  # sparse: listed, not a range
    found = client.find_invoices_by_number(wanted)
    assert len(seen) == 3
    assert seen[0].startswith('invoiceNumber in ("1000","1003",')
    assert set(found) == {str(n) for n in range(1000, 1360, 3) if n % 2 == 0}
    assert found["1006"].id == 1006


def test_find_invoices_by_number_looks_dense_runs_up_by_range() -> None:
    """Issue 14: 300 consecutive numbers are one range query (paged by 1,000), not six lists of 50."""
    fake = FakeManage()
    seen: list[dict[str, str]] = []
    numbers = [str(n) for n in range(10000, 10300)]

    def invoices(request: httpx.Request) -> httpx.Response:
        params = query(request)
        seen.append(params)
        cond = params["conditions"]
        if cond.startswith("invoiceNumber in ("):
            return json_response([{"id": 1, "invoiceNumber": "A-1"}])
        # the range also holds numbers nobody asked for (another length sorts between): they are dropped
        rows = [{"id": int(n), "invoiceNumber": n} for n in numbers if n != "10150"] + [
            {"id": 5, "invoiceNumber": "100005"}
        ]
        return json_response(rows)

    fake.route("GET", "finance/invoices", invoices)
    client, _ = make_client(fake)
    found = client.find_invoices_by_number([*numbers, "A-1"])
    assert [p["conditions"] for p in seen] == [
        'invoiceNumber>="10000" and invoiceNumber<="10299"',
        'invoiceNumber in ("A-1")',
    ]
    assert seen[0]["pageSize"] == "1000"
    assert set(found) == (set(numbers) - {"10150"}) | {"A-1"}
    assert "100005" not in found


def test_duplicate_invoice_numbers_are_refused() -> None:
    fake = FakeManage()
    fake.route("GET", "finance/invoices", [{"id": 1, "invoiceNumber": "A"}, {"id": 2, "invoiceNumber": "A"}])
    client, _ = make_client(fake)
    with pytest.raises(SourceDataError, match="more than one invoice"):
        client.find_invoices_by_number(["A"])


# -- master data ---------------------------------------------------------------------------------------------


def test_master_data_endpoints() -> None:
    fake = FakeManage()
    fake.route("GET", "company/companies", [{"id": 250, "identifier": "AcmeCorp", "accountNumber": "ACME001"}])
    fake.route(
        "GET",
        "system/members",
        [{"id": 17, "identifier": "jsmith", "firstName": "Jane", "lastName": "Smith", "vendorNumber": "EMP-JSMITH"}],
    )
    fake.route(
        "GET",
        "finance/glAccounts",
        [{"id": 3, "glType": "AR", "segment1": "1200", "segment2": "", "mappedType": {"id": 1, "name": "Location"}}],
    )
    fake.route(
        "GET",
        "finance/taxCodes",
        [{"id": 11, "identifier": "ON HST", "levelOneRate": Decimal("13.0"), "levelOneRateType": "Percent"}],
    )
    fake.route(
        "GET",
        "finance/taxCodes/11/taxCodeLevels",
        [{"id": 31, "taxLevel": 1, "taxRate": Decimal("13.0"), "rateType": "Percent"}],
    )
    fake.route("GET", "system/locations", [{"id": 2, "name": "Toronto"}])
    fake.route(
        "GET",
        "finance/currencies",
        [{"id": 1, "currencyIdentifier": "CAD", "currencyCode": {"id": 37, "name": "CAD"}, "numberOfDecimals": 2}],
    )
    fake.route("GET", "procurement/warehouses", [{"id": 1, "name": "Main", "locationXref": "DEFAULT"}])
    fake.route("GET", "finance/billingTerms", [{"id": 2, "name": "Net 30", "dueDays": 30, "termsXref": "NET30"}])
    fake.route(
        "GET",
        "finance/accountingPackageSetup",
        [{"id": 1, "accountingPackage": {"id": 6, "identifier": "Other"}, "transferExpensesAsBillFlag": True}],
    )
    fake.route("GET", "finance/invoices/4711/payments", [{"id": 3120, "amount": Decimal("500.00")}])
    fake.route("GET", "finance/accounting/batches/57", {"id": 57, "batchIdentifier": "B"})
    client, _ = make_client(fake)
    assert client.companies(conditions="accountNumber!=null")[0].account_number == "ACME001"
    assert client.members()[0].full_name == "Jane Smith"
    assert client.gl_accounts()[0].segments() == ["1200"]
    assert client.tax_codes()[0].level_one_rate == Decimal("13.0")
    assert client.tax_code_levels(11)[0].rate_type == "Percent"
    assert client.locations()[0].name == "Toronto"
    currency = client.currencies()[0]
    assert currency.currency_code is not None
    assert currency.currency_code.name == "CAD"
    assert client.warehouses()[0].location_xref == "DEFAULT"
    assert client.billing_terms()[0].terms_xref == "NET30"
    assert client.accounting_package_setup().transfer_expenses_as_bill_flag is True
    assert client.invoice_payments(4711)[0].amount == Decimal("500.00")
    assert client.get_batch(57).batch_identifier == "B"
    assert query(fake.api_requests()[0])["conditions"] == "accountNumber!=null"


def test_no_accounting_package_setup() -> None:
    fake = FakeManage()
    fake.route("GET", "finance/accountingPackageSetup", [])
    client, _ = make_client(fake)
    with pytest.raises(ConfigurationError, match="Accounting Package"):
        client.accounting_package_setup()


def test_context_manager_closes() -> None:
    fake = FakeManage()
    with make_client(fake)[0] as client:
        pass
    assert client._session.client.is_closed


# -- secrets -------------------------------------------------------------------------------------------------


def test_secrets_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeManage()
    fake.route(
        "POST",
        "system/members/jsmith/tokens",
        {"publicKey": "tokpub", "privateKey": TOKEN_PRIVATE, "expiration": "2099-01-01T00:00:00Z"},
    )
    answers = iter(
        [
            json_response({"message": f"bad key {TOKEN_PRIVATE}"}, 429, {"Retry-After": "1"}),
            json_response({"version": "x"}),
        ]
    )
    fake.route("GET", "system/info", lambda _r: next(answers))
    fake.route("GET", "finance/invoices/9", lambda _r: json_response({"message": f"clientId {CLIENT_ID} unknown"}, 400))
    settings = Settings(
        auth="impersonation",
        integrator_user="integ",
        integrator_password=SecretStr(PASSWORD),
        member="jsmith",
    )
    from cwsage.redaction import install

    caplog.set_level(logging.DEBUG)
    install(logging.getLogger("cwsage"))
    client, _ = make_client(fake, settings)
    client.system_info()
    with pytest.raises(ManageRejection) as info:
        client.get_invoice(9)
    logging.getLogger("cwsage.test").error("failure: %s", info.value)
    text = caplog.text + "\n".join(str(r.msg) for r in caplog.records)
    assert "system/info" in text  # the request was logged
    auth_header = next(r for r in fake.requests if "Authorization" in r.headers).headers["Authorization"]
    for secret in (PRIVATE, CLIENT_ID, PASSWORD, TOKEN_PRIVATE, auth_header.split()[1]):
        assert secret not in text
