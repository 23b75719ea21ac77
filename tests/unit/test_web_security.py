"""The web UI's gate: login link, password, session cookie, CSRF, host names, bind rules, security headers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from browser.support import make_browser
from cwsage.cli import app as cli_app
from cwsage.dates import now
from cwsage.errors import ConfigurationError
from cwsage.web.app import WebConfig
from cwsage.web.demo import run_web_demo
from cwsage.web.security import MAX_PASSWORD_FAILURES, SESSION_IDLE, Gatekeeper, check_bind, is_loopback
from cwsage.web.server import serve_forever


@pytest.fixture
def env(cwsage_home: Path) -> dict[str, str]:
    return {"CWSAGE_HOME": str(cwsage_home), "CWSAGE_SECRET_BACKEND": "file"}


def test_unauthenticated_requests_are_refused(env: dict[str, str]) -> None:
    browser = make_browser(env, sign_in=False)
    page = browser.client.get("/batch")
    assert page.status_code == 303 and page.headers["location"] == "/login"
    partial = browser.client.get("/batch/records", headers={"HX-Request": "true"})
    assert partial.status_code == 401 and partial.headers["hx-redirect"] == "/login"
    posted = browser.client.post("/settings", data={"chunk_size": "5"})
    assert posted.status_code == 401
    assert browser.client.get("/history/anything/full-log.txt").status_code in (303, 401)


def test_login_link_opens_a_form_and_is_spent_only_by_its_post(env: dict[str, str]) -> None:
    browser = make_browser(env, sign_in=False)
    token = browser.web.gate.token
    assert browser.client.get("/login?token=wrong").text.count('name="token"') == 0
    assert 'name="token"' in browser.client.get(f"/login?token={token}").text
    assert browser.web.gate.token_ok(token), "a GET (a link preview) must not spend the token"
    answer = browser.client.post("/login", data={"token": token})
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert not browser.web.gate.token_ok(token)
    assert len(browser.announced) == 1 and browser.web.gate.token in browser.announced[0]
    browser.client.cookies.clear()
    again = browser.client.post("/login", data={"token": token})
    assert again.status_code == 403 and "used or withdrawn" in again.text
    assert len(browser.announced) == 1


def test_post_without_or_with_a_wrong_csrf_token_is_refused(env: dict[str, str]) -> None:
    browser = make_browser(env)
    assert browser.client.post("/connect/forget").status_code == 403
    assert browser.client.post("/connect/forget", data={"csrf_token": "nope"}).status_code == 403
    assert browser.client.post("/batch/preview", data={"include": "invoice:1"}).status_code == 403
    ok = browser.client.post("/connect/forget", data={"csrf_token": browser.csrf})
    assert ok.status_code == 303
    by_header = browser.client.post("/connect/forget", headers={"X-CSRF-Token": browser.csrf})
    assert by_header.status_code == 303
    assert browser.client.post("/logout").status_code == 403
    assert browser.client.get("/settings").status_code == 200, "a refused logout leaves the session alone"


def test_cross_site_requests_are_refused_even_with_the_token(env: dict[str, str]) -> None:
    browser = make_browser(env)
    data = {"csrf_token": browser.csrf}
    evil = {"Origin": "https://evil.example"}
    assert browser.client.post("/connect/forget", data=data, headers=evil).status_code == 403
    assert (
        browser.client.post("/connect/forget", data=data, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    )
    assert browser.client.post("/connect/forget", data=data, headers={"Origin": "http://testserver"}).status_code == 303
    fresh = make_browser(env, sign_in=False)
    token = fresh.web.gate.token
    assert (
        fresh.client.post("/login", data={"token": token}, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    assert fresh.web.gate.token_ok(token)


def test_password_is_asked_and_guessing_withdraws_the_link(env: dict[str, str]) -> None:
    browser = make_browser(env, password="correct horse", sign_in=False)
    token = browser.web.gate.token
    assert 'type="password"' in browser.client.get(f"/login?token={token}").text
    wrong = browser.client.post("/login", data={"token": token, "password": "guess"})
    assert wrong.status_code == 403 and "Wrong password" in wrong.text
    assert browser.web.gate.token_ok(token)
    for _ in range(MAX_PASSWORD_FAILURES - 1):
        browser.client.post("/login", data={"token": token, "password": "guess"})
    assert not browser.web.gate.token_ok(token), "too many wrong passwords withdraw the link"
    assert len(browser.announced) == 1
    new = browser.web.gate.token
    assert browser.client.post("/login", data={"token": new, "password": "correct horse"}).status_code == 303
    assert browser.client.get("/settings").status_code == 200


def test_unknown_host_names_are_refused_and_headers_are_set(env: dict[str, str]) -> None:
    browser = make_browser(env)
    assert browser.client.get("/settings", headers={"Host": "evil.example"}).status_code == 400
    page = browser.client.get("/settings")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"


def test_logout_ends_the_session(env: dict[str, str]) -> None:
    browser = make_browser(env)
    session = browser.web.gate.session(browser.client.cookies.get("cwsage_session"))
    assert session is not None
    session.secrets["sage.password"] = "kept-in-memory"
    out = browser.post("/logout")
    assert out.status_code == 303 and out.headers["location"].startswith("/login")  # type: ignore[attr-defined]
    assert session.secrets == {}
    assert browser.client.get("/settings").status_code == 303


def test_idle_sessions_expire() -> None:
    clock = [now()]
    gate = Gatekeeper(clock=lambda: clock[0])
    session = gate.sign_in(gate.token, None)
    assert session is not None and gate.session(session.id) is session
    clock[0] += SESSION_IDLE + timedelta(minutes=1)
    assert gate.session(session.id) is None


def test_bind_rules() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.com")
    assert check_bind("127.0.0.1", None) == []
    with pytest.raises(ConfigurationError, match="without a password"):
        check_bind("0.0.0.0", None)
    warnings = check_bind("0.0.0.0", "secret password")
    assert len(warnings) == 1 and "TLS" in warnings[0]


def test_serve_refuses_a_public_address_without_a_password(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--no-browser", "--port", "0"], env=env)
    assert result.exit_code == 1
    assert "without a password" in result.output


def test_serve_prints_the_login_link_on_a_line_of_its_own(env: dict[str, str]) -> None:
    lines: list[str] = []
    serve_forever(WebConfig(env=env), port=0, open_browser=False, announce=lines.append, wait=lambda: None)
    links = [line for line in lines if re.fullmatch(r"http://127\.0\.0\.1:\d+/login\?token=[\w-]+", line)]
    assert len(links) == 1, lines


def test_demo_web_serves_the_sandbox_logged_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[str] = []
    seen: dict[str, int] = {}

    def visit() -> None:
        link = next(line for line in lines if "/login?token=" in line and line.startswith("http"))
        with httpx.Client(base_url=link.split("/login")[0]) as client:
            token = link.split("token=")[1]
            client.post("/login", data={"token": token})
            seen["batch"] = client.get("/batch").status_code

    assert run_web_demo(home=tmp_path, port=0, open_browser=False, announce=lines.append, wait=visit) == 0
    assert seen["batch"] == 200, "logged in to both emulators: Run New Batch opens"
    assert (tmp_path / "config.toml").exists() and (tmp_path / "secrets.enc").exists()
