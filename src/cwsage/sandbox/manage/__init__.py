"""A ConnectWise Manage emulator written from ``shared/reference/connectwise-manage-api.md``.

Serve ``create_app().app`` (an ASGI app) at ``http://127.0.0.1:PORT``; the API lives under
``/v4_6_release/apis/3.0/`` and the sandbox control API under ``/_sandbox/``.
"""

from __future__ import annotations

from cwsage.sandbox.manage.app import ManageEmulator, create_app

__all__ = ["ManageEmulator", "create_app"]
