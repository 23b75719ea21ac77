"""The shared retry table: what is retried, what is ambiguous, what is the user's configuration."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import certifi
import httpx
import pytest

from cwsage.errors import AmbiguousOutcome, AuthenticationError, ConfigurationError, CwsageError, TransientError
from cwsage.http import Action, ApiSession, RetryPolicy, action_for, rate_limited, tls_verification, transient_status


def _session(handler: httpx.MockTransport, waits: list[float]) -> ApiSession:
    return ApiSession(
        system="Test",
        base_url="https://api.example.test/",
        error_mapper=lambda response: CwsageError(f"status {response.status_code}"),
        transport=handler,
        policy=RetryPolicy(max_attempts=3, sleep=waits.append, jitter=lambda: 1.0),
    )


def _failing(exc: Exception, then: int = 200) -> tuple[httpx.MockTransport, list[str]]:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise exc
        return httpx.Response(then, json={})

    return httpx.MockTransport(handle), calls


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (200, Action.SUCCESS),
        (201, Action.SUCCESS),
        (429, Action.RETRY),
        (408, Action.RETRY),
        (500, Action.RETRY_IF_SAFE),
        (503, Action.RETRY_IF_SAFE),
        (400, Action.FAIL),
        (401, Action.FAIL),
        (409, Action.FAIL),
    ],
)
def test_the_decision_table(status: int, action: Action) -> None:
    assert action_for(status) is action


def test_connect_timeout_is_retried_even_for_a_creating_call_because_nothing_was_sent() -> None:
    waits: list[float] = []
    transport, calls = _failing(httpx.ConnectTimeout("connect timed out"))
    assert _session(transport, waits).request("POST", "things", json_body={"a": 1}).status_code == 200
    assert calls == ["POST", "POST"]
    assert waits == [0.5]


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.CloseError("x")]
)
def test_a_creating_call_that_may_have_landed_is_never_sent_again(exc: Exception) -> None:
    transport, calls = _failing(exc)
    with pytest.raises(AmbiguousOutcome):
        _session(transport, []).request("POST", "things", json_body={"a": 1})
    assert calls == ["POST"]


def test_a_safe_call_is_retried_after_a_dropped_connection() -> None:
    transport, calls = _failing(httpx.ReadError("reset"))
    assert _session(transport, []).request("GET", "things").status_code == 200
    assert calls == ["GET", "GET"]


def test_a_refused_tls_certificate_is_configuration_not_a_temporary_error() -> None:
    transport, calls = _failing(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    with pytest.raises(ConfigurationError) as caught:
        _session(transport, []).request("GET", "things")
    assert "certificate" in caught.value.user_message
    assert "verify_tls" in caught.value.hint
    assert calls == ["GET"]


def test_a_malformed_address_is_configuration() -> None:
    transport, _ = _failing(httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'htp://'"))
    with pytest.raises(ConfigurationError):
        _session(transport, []).request("GET", "things")


def test_retries_end_in_a_transient_error_and_401_in_an_authentication_error() -> None:
    always = httpx.MockTransport(lambda request: httpx.Response(503, json={}))
    with pytest.raises(TransientError):
        _session(always, []).request("GET", "things")
    denied = httpx.MockTransport(lambda request: httpx.Response(401, json={}))
    with pytest.raises(AuthenticationError):
        _session(denied, []).request("GET", "things")


def test_a_discarded_answer_is_read_in_chunks_and_never_kept_but_an_error_answer_is() -> None:
    """Issue 14: Manage answers a batch with the whole export again; cwsage drops it as it arrives."""
    served: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            served.append(1)
            yield b"x" * 65536

    big = httpx.MockTransport(lambda request: httpx.Response(201, content=chunks()))
    response = _session(big, []).request("POST", "batches", json_body={}, safe=False, discard_body=True)
    assert response.status_code == 201 and len(served) == 64, "read to the end (the connection stays usable)"
    with pytest.raises(httpx.ResponseNotRead):
        _ = response.content  # nothing was kept

    mapped: list[str] = []

    def mapper(response: httpx.Response) -> CwsageError:
        mapped.append(response.text)
        return CwsageError(f"status {response.status_code}")

    refused = httpx.MockTransport(lambda request: httpx.Response(400, json={"message": "closed period"}))
    session = ApiSession(system="Test", base_url="https://api.example.test/", error_mapper=mapper, transport=refused)
    with pytest.raises(CwsageError):
        session.request("POST", "batches", json_body={}, safe=False, discard_body=True)
    assert mapped == ['{"message":"closed period"}'], "an error keeps its words"


def test_an_answer_read_into_a_buffer_holds_only_the_last_attempts_body() -> None:
    """Issue 14: a batch's re-export (hundreds of MB) is read into one growing buffer, not chunks and a copy."""
    attempts: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:  # a first attempt that fails half-way through its body

            def broken() -> Iterator[bytes]:
                yield b"half of"
                raise httpx.ReadError("connection reset")

            return httpx.Response(200, content=broken())
        return httpx.Response(200, content=iter([b'{"a": ', b"1.50}"]))

    body = bytearray()
    response = _session(httpx.MockTransport(answer), []).request("POST", "export", json_body={}, safe=True, into=body)
    assert response.status_code == 200 and len(attempts) == 2
    assert bytes(body) == b'{"a": 1.50}'  # the failed attempt's half is gone
    with pytest.raises(httpx.ResponseNotRead):
        _ = response.content  # the body is in the buffer only


@pytest.mark.parametrize(
    ("status", "transient", "limited"),
    [
        (408, True, True),
        (429, True, True),
        (500, True, False),
        (503, True, False),
        (507, True, False),
        (400, False, False),
        (401, False, False),
        (404, False, False),
        (409, False, False),
    ],
)
def test_one_status_table_says_what_is_temporary(status: int, transient: bool, limited: bool) -> None:
    """Issue 12: both clients' error mappers read the retry table instead of listing statuses of their own."""
    assert (transient_status(status), rate_limited(status)) == (transient, limited)


def test_one_default_tls_context_per_process_and_trust_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every client verifying with the defaults shares one context (the CA bundle is loaded once); a switch off or a
    CA bundle path goes to httpx unchanged; another SSL_CERT_FILE is another context."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    first, second = tls_verification(True), tls_verification(True)
    assert isinstance(first, ssl.SSLContext) and first is second
    assert first.verify_mode is ssl.CERT_REQUIRED and first.check_hostname
    assert tls_verification(False) is False
    assert tls_verification("/etc/ssl/certs/ca.pem") == "/etc/ssl/certs/ca.pem"
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert tls_verification(True) is not first
