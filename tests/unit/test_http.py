"""The shared retry table: what is retried, what is ambiguous, what is the user's configuration."""

from __future__ import annotations

import ssl

import certifi
import httpx
import pytest

from cwsage.errors import AmbiguousOutcome, AuthenticationError, ConfigurationError, CwsageError, TransientError
from cwsage.http import Action, ApiSession, RetryPolicy, action_for, tls_verification


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
