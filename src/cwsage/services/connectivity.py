"""Checks that the configured credentials open both systems, for ``cwsage login``.

Why a module of its own: the interfaces must not talk to the API clients directly (DESIGN §2), and a
failed login has to come back as readable problems, not as a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from cwsage.config import Settings
from cwsage.connectwise.client import ManageClient
from cwsage.errors import CwsageError
from cwsage.redaction import redact
from cwsage.sage300.client import Sage300Client

log = logging.getLogger("cwsage.services.connectivity")


def _try(system: str, call: Callable[[], object]) -> list[str]:
    try:
        call()
    except CwsageError as err:
        log.info("%s credential check failed: %s", system, err)
        return [f"{system}: {redact(err.paragraph())}"]
    return []


def _manage(settings: Settings) -> list[str]:
    with ManageClient(settings.need_manage()) as client:
        return _try("ConnectWise Manage", client.system_info)


def _sage(settings: Settings) -> list[str]:
    with Sage300Client(settings.need_sage()) as client:
        return _try("Sage 300", client.company_profile)


def check_credentials(settings: Settings) -> list[str]:
    """Try one harmless authenticated call on each configured system.

    Manage: ``/system/info``; Sage 300: the company profile of the configured company (which proves both
    the credentials and access to that company).

    Args:
        settings: Settings with the sections to check (a ``None`` section is reported as not configured).

    Returns:
        One readable problem per system that failed; empty when both answered.
    """
    problems: list[str] = []
    problems += _manage(settings) if settings.manage is not None else ["ConnectWise Manage: not configured."]
    problems += _sage(settings) if settings.sage is not None else ["Sage 300: not configured."]
    return problems
