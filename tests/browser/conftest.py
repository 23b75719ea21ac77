"""One sandbox, one web server and one headless chromium for the browser tests, ended after the last of them.

Package scope, not session: Playwright's sync API keeps an asyncio loop running in the main thread while it is
open, and the tests collected after these (``asyncio.run`` in the emulator tests) need it gone.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (Playwright never downloads a browser
here). ``python3 tasks.py test`` installs it with apt when it is missing and the user is root; otherwise
these tests skip and say why. Screenshots go to ``$CWSAGE_SCREENSHOTS`` when set (the README's come from
``CWSAGE_SCREENSHOTS=docs/screenshots``), else to a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cwsage.sandbox.runner import Sandbox, start_sandbox
from cwsage.web.app import WebConfig
from cwsage.web.demo import prepare_home
from cwsage.web.server import RunningServer, serving

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here as a browser test, and skip them all with the reason when they cannot run."""
    here = Path(__file__).parent
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "Playwright for Python is not installed (pip install -e '.[dev]')"
    if reason is None and not CHROMIUM.exists():
        reason = f"Debian's chromium is not installed at {CHROMIUM}: run `python3 tasks.py test` as root to install it"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="package")
def sandbox() -> Iterator[Sandbox]:
    """Both emulators with the demo company, for the whole session; Sage lists its companies (I1) for the pick-list."""
    with start_sandbox(sage_companies_list=True) as box:
        yield box


@pytest.fixture(scope="package")
def web_env(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh home with the demo's run defaults, not logged in (the tests log in through the Login screen)."""
    return prepare_home(sandbox, tmp_path_factory.mktemp("web-home"), log_in=False)


@pytest.fixture(scope="package")
def server(web_env: dict[str, str]) -> Iterator[RunningServer]:
    """``cwsage serve`` on a free loopback port."""
    with serving(WebConfig(env=web_env), port=0) as running:
        yield running


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Headless chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def page(chromium: Any) -> Iterator[Any]:
    """One browser tab at 1280×800 shared by the tests, which follow a bookkeeper's day in order."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"script errors on the pages: {errors}"


@pytest.fixture(scope="package")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    wanted = os.environ.get("CWSAGE_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
