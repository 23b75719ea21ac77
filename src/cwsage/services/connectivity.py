"""Checks that the configured credentials open both systems, for ``cwsage login`` and the web Login page.

Why a module of its own: the interfaces must not talk to the API clients directly (DESIGN §2), and a
failed login has to come back as readable problems, not as a stack trace. The clients are imported
lazily so that this module stays importable while they are being written and so that ``cwsage --help``
does not pay for importing them.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from typing import Any

from cwsage.config import Settings
from cwsage.errors import CwsageError
from cwsage.redaction import redact

log = logging.getLogger("cwsage.services.connectivity")


def _call(system: str, module: str, cls_name: str, section: Any, method: str) -> list[str]:
    try:
        client_cls = getattr(importlib.import_module(module), cls_name)
    except (ImportError, AttributeError) as exc:
        return [f"{system}: this build of cwsage has no client for it ({type(exc).__name__})."]
    client: Any = None
    try:
        client = client_cls(section)
        getattr(client, method)()
    except CwsageError as err:
        log.info("%s credential check failed: %s", system, err)
        return [f"{system}: {redact(err.paragraph())}"]
    finally:
        if client is not None and hasattr(client, "close"):
            with contextlib.suppress(CwsageError, OSError):
                client.close()
    return []


def check_credentials(settings: Settings) -> list[str]:
    """Try one harmless authenticated call on each configured system.

    Calls ``ManageClient(settings.manage).system_info()`` and ``Sage300Client(settings.sage).companies()``.

    Args:
        settings: Settings with the sections to check (a ``None`` section is reported as not configured).

    Returns:
        One readable problem per system that failed; empty when both answered.
    """
    problems: list[str] = []
    if settings.manage is None:
        problems.append("ConnectWise Manage: not configured.")
    else:
        problems += _call(
            "ConnectWise Manage", "cwsage.connectwise.client", "ManageClient", settings.manage, "system_info"
        )
    if settings.sage is None:
        problems.append("Sage 300: not configured.")
    else:
        problems += _call("Sage 300", "cwsage.sage300.client", "Sage300Client", settings.sage, "companies")
    return problems
