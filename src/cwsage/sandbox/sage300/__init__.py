"""The Sage 300 Web API emulator (company CWDEMO), written from ``shared/reference/sage300-sdk-facts.md`` and
``docs/sage300-inferred.md`` only — never from cwsage's client — so it catches the client's mistakes.

Use :func:`create_app` and serve ``.app`` (e.g. with :class:`cwsage.sandbox.server.ServerThread`).
"""

from __future__ import annotations

from cwsage.sandbox.sage300.app import SESSION_COOKIE, SageEmulator, create_app

__all__ = ["SESSION_COOKIE", "SageEmulator", "create_app"]
