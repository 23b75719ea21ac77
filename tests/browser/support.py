"""Helpers the web tests share: an app signed in through its login link, and the CSRF token to post with."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from cwsage.web.app import WebApp, WebConfig, create_app
from cwsage.web.security import SESSION_COOKIE

TEST_HOSTS = frozenset({"testserver"})


@dataclass
class Browser:
    """A TestClient on a fresh app, and what the tests read from it."""

    client: TestClient
    web: WebApp
    announced: list[str] = field(default_factory=list)
    csrf: str = ""

    def sign_in(self) -> None:
        """Open the login link and post its form, as the page's script does; keep the CSRF token."""
        token = self.web.gate.token
        page = self.client.get(f"/login?token={token}")
        assert page.status_code == 200
        assert f'value="{token}"' in page.text
        answer = self.client.post("/login", data={"token": token}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        session = self.web.gate.session(self.client.cookies.get(SESSION_COOKIE))
        assert session is not None
        self.csrf = session.csrf

    def post(self, url: str, data: Mapping[str, object] | None = None, **kwargs: object) -> object:
        """POST a form with the CSRF token."""
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)  # type: ignore[arg-type]


def make_browser(env: Mapping[str, str], *, password: str | None = None, sign_in: bool = True) -> Browser:
    """An app reading settings from ``env``, answering the TestClient's host, optionally signed in."""
    announced: list[str] = []
    config = WebConfig(env=dict(env), password=password, allowed_hosts=TEST_HOSTS, announce=announced.append)
    app = create_app(config)
    client = TestClient(app, follow_redirects=False)
    browser = Browser(client, app.state.web, announced)
    if sign_in:
        browser.sign_in()
    return browser


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its meta tag."""
    match = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    assert match, "the page has no CSRF meta tag"
    return match.group(1)
