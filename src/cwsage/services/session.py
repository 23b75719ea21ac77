"""Open the two clients and the batch settings for a command, and close them afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from cwsage.config import Settings
from cwsage.connectwise.client import ManageClient
from cwsage.dates import Clock, SystemClock
from cwsage.mapping.plausibility import PlausibilityLimits
from cwsage.mapping.to_sage import PostingOptions
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import Sage300Client
from cwsage.services.batch import BatchSettings, Context
from cwsage.services.discovery import prepare_sage
from cwsage.services.payments import who_and_where
from cwsage.services.progress import Progress, SilentProgress
from cwsage.state.store import StateStore


def batch_settings(settings: Settings) -> BatchSettings:
    """The posting choices of a profile's ``[defaults]``."""
    defaults = settings.defaults
    return BatchSettings(
        chunk_size=defaults.chunk_size,
        auto_post=defaults.auto_post,
        posting=PostingOptions(gl_source_code=defaults.gl_source_code, tax_class=defaults.default_tax_class),
        ic_default_location=defaults.ic_default_location or "",
        customer_group=defaults.customer_group or "",
        vendor_group=defaults.vendor_group or "",
        item_account_set=defaults.item_account_set or "",
        home_currency=(defaults.home_currency or "").upper(),
        limits=PlausibilityLimits(defaults.max_document_amount, defaults.max_line_amount),
    )


@contextlib.contextmanager
def connect(
    settings: Settings,
    store: StateStore,
    *,
    progress: Progress | None = None,
    clock: Clock | None = None,
    job: V.Job = V.Job.RUN,
    refresh_discovery: bool = False,
) -> Iterator[Context]:
    """A :class:`Context` with live clients for ``settings``; the clients are closed on exit.

    The Sage 300 server is discovered first (:func:`cwsage.services.discovery.prepare_sage`): a server that
    lacks what ``job`` needs stops here, before anything is read or posted.
    """
    manage = ManageClient(settings.need_manage())
    sage = Sage300Client(settings.need_sage())
    user, machine = who_and_where()
    try:
        prepare_sage(sage, store, job, refresh=refresh_discovery, clock=clock)
        yield Context(
            manage=manage,
            sage=sage,
            store=store,
            settings=batch_settings(settings),
            reports_dir=settings.paths().reports_dir,
            actor=f"{user}@{machine}",
            clock=clock or SystemClock(),
            progress=progress or SilentProgress(),
        )
    finally:
        manage.close()
        sage.close()
