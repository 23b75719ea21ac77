"""``cwsage demo --web``: the sandbox (both emulators, the demo MSP) with the web UI pointed at it.

Only the demo command imports this module (production code never imports the sandbox): it starts both
emulators, logs in to them as a user would (settings in a fresh ``config.toml``, passwords in the encrypted
secret file of a temporary home, under a key from outside it), and serves the web UI on it until Ctrl+C.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from cwsage.config import RunDefaults, save_run_defaults
from cwsage.sandbox.runner import Sandbox, start_sandbox
from cwsage.secrets import ENV_KEY, ENV_KEY_FILE, ENV_PASSPHRASE, SecretStore, generate_key
from cwsage.services.login import save_login
from cwsage.web.app import WebConfig
from cwsage.web.server import serve_forever

DEMO_DEFAULTS = RunDefaults(auto_post=True, ic_default_location="MAIN")
"""The demo posts its Sage batches (as ``cwsage demo`` does) and knows the IC location of its adjustments."""


OUTSIDE_KEYS = (ENV_KEY, ENV_KEY_FILE, ENV_PASSPHRASE)
"""The variables that give the secret file's key from outside the home (issue 13)."""


def demo_env(home: Path) -> dict[str, str]:
    """The environment of a demo: the user's, without ``CWSAGE_*`` settings, with its own home and secret file.

    The secret file's key comes from outside the home, as always: the user's ``CWSAGE_SECRETS_KEY`` (or
    ``_KEY_FILE`` / ``_PASSPHRASE``) when set, else a random key that lives in this process only — the file
    holds nothing but the sandbox's passwords, and a demo home is thrown away.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CWSAGE_")}
    env.update({"CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file"})
    given = {name: os.environ[name] for name in OUTSIDE_KEYS if os.environ.get(name)}
    env.update(given or {ENV_KEY: generate_key()})
    return env


def prepare_home(box: Sandbox, home: Path, *, log_in: bool = True) -> dict[str, str]:
    """Make ``home`` a demo home: run defaults saved and (with ``log_in``) the sandbox's connections too.

    Returns:
        The environment the web UI reads its settings from.
    """
    env = demo_env(home)
    if log_in:
        store = SecretStore(home, env=env, prompt=None)
        save_login("default", box.manage_settings(), box.sage_settings(), save_password=True, store=store, env=env)
    save_run_defaults("default", DEMO_DEFAULTS, env)
    return env


def run_web_demo(
    *,
    home: Path | None,
    port: int,
    open_browser: bool,
    announce: Callable[[str], None],
    wait: Callable[[], None],
) -> int:
    """Start the sandbox, log in to it, and serve the web UI on it until ``wait`` returns.

    Args:
        home: Where the demo keeps its state (a temporary folder when ``None``).
        port: Port of the web UI (0: a free one).
        open_browser: Open the login link in the browser.
        announce: Prints one line for the user.
        wait: Blocks until the user stops the demo.

    Returns:
        The exit status (0).
    """
    home = home or Path(tempfile.mkdtemp(prefix="cwsage-web-demo-"))
    with start_sandbox() as box:
        env = prepare_home(box, home)
        announce(f"Sandbox: Manage emulator {box.manage_server.url}, Sage 300 emulator {box.sage_server.url}")
        announce(f"Demo state, reports and config.toml in {home}")
        serve_forever(WebConfig(env=env), port=port, open_browser=open_browser, announce=announce, wait=wait)
    return 0
