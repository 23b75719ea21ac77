"""Discover the Sage 300 server on connecting, keep the result, and stop before posting when it cannot work.

Why a service: the clients only talk; the decision what a missing name means for a job (stop, or go on with a
warning) and the cache in the state store belong together, and both the CLI and the web UI connect through
:func:`cwsage.services.session.connect`, which calls :func:`prepare_sage`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from cwsage.dates import Clock, SystemClock
from cwsage.errors import ConfigurationError
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import Sage300Client
from cwsage.sage300.discovery import ABSENT_FOR_SURE, Discovery, MetadataSource, discover
from cwsage.state import discovery_cache
from cwsage.state.store import StateStore

log = logging.getLogger("cwsage.services.discovery")


REPORTED_WHERE_USED = frozenset({V.CS_COMPANY_PROFILE.path})
"""Optional resources whose absence the code that copes reports itself, more precisely (the company profile:
master data loading says which home currency it assumed instead, I2): no second warning for the run."""


class Server(MetadataSource, Protocol):
    """A Sage 300 connection as discovery sees it: where it points, and its ``$metadata``."""

    root: str
    company: str


def discover_cached(
    sage: Server, store: StateStore | None, *, refresh: bool = False, clock: Clock | None = None
) -> tuple[Discovery, bool]:
    """Read the server's ``$metadata`` and reuse the cached analysis while its answer has not changed.

    Args:
        sage: The open client.
        store: The state store (None: no cache).
        refresh: Analyse again and replace the cached result even when the answer is unchanged.
        clock: Time source.

    Returns:
        The discovery, and whether the server's answer differed from the cached one (True the first time).
    """
    fresh = discover(sage, server=sage.root, company=sage.company, now=(clock or SystemClock()).now())
    if store is None:
        return fresh, True
    cached = [d for d in discovery_cache.load(store, fresh.server, fresh.company) if d.get("version") == fresh.version]
    if cached and cached[0].get("fingerprint") == fresh.fingerprint and not refresh:
        return Discovery.from_dict(cached[0]), False
    if cached:
        log.info(
            "Sage 300 at %s answered differently since %s: discovery refreshed",
            fresh.server,
            cached[0].get("discovered_at"),
        )
    discovery_cache.save(
        store,
        server=fresh.server,
        company=fresh.company,
        version=fresh.version,
        fingerprint=fresh.fingerprint,
        result=fresh.as_dict(),
        discovered_at=fresh.discovered_at,
    )
    return fresh, True


def prepare_sage(
    sage: Sage300Client,
    store: StateStore | None,
    job: V.Job,
    *,
    refresh: bool = False,
    clock: Clock | None = None,
) -> Discovery:
    """Discover the server, refuse a job it cannot serve, and teach the client the names it uses.

    Raises:
        ConfigurationError: a resource ``job`` requires is missing/forbidden, or a property cwsage sends is
            missing: every such problem in one message, before anything is read or posted.
    """
    discovery, _changed = discover_cached(sage, store, refresh=refresh, clock=clock)
    errors = discovery.errors(job)
    if errors:
        first = errors[0]
        more = [e.user_message for e in errors[1:]]
        raise ConfigurationError(
            first.user_message + (f"; and {len(more)} more: " + "; ".join(more) if more else ""),
            detail=first.detail,
            hint=first.hint,
        )
    absent = {c.path for c in discovery.resources if c.status in ABSENT_FOR_SURE and job in c.resource.jobs}
    sage.adopt(
        dialect=discovery.dialect,
        md16_names=discovery.md16_names,
        absent=absent,
        notes=[line for line in discovery.warnings(job) if not any(path in line for path in REPORTED_WHERE_USED)],
    )
    return discovery
