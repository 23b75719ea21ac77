"""Loop detection for paged listings: one guard object per listing, the same for Manage and Sage 300.

Why a module of its own: both APIs page (Manage by ``page``/``pageSize``, ``pageId`` or a ``Link`` header; Sage
300 by ``@odata.nextLink``/``$skip``), and a server that sends the same next link or the same page again would
keep a listing going forever, quietly multiplying rows. Each API's one paging loop
(``ManageClient._paginate``, :meth:`cwsage.sage300.client.Sage300Client.list_records`)
asks a :class:`PageGuard` before it follows a link or accepts a page; the guard raises
:class:`cwsage.errors.PagingLoop` naming the system and the resource instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from cwsage.errors import PagingLoop
from cwsage.redaction import redact


class PageGuard:
    """Watches one listing of one resource for a server that goes round in a loop.

    Args:
        system: ``"ConnectWise Manage"`` or ``"Sage 300"`` (for the message).
        resource: The resource listed (a path or a vocabulary resource), named in the message.
        max_pages: Give up after this many pages (``None``: no limit).
    """

    def __init__(self, system: str, resource: object, *, max_pages: int | None = None) -> None:
        self.system = system
        self.resource = str(resource)
        self.max_pages = max_pages
        self.pages = 0
        self._links: set[str] = set()
        self._previous: list[object] | None = None

    def _loop(self, what: str, detail: str = "") -> PagingLoop:
        return PagingLoop(f"{self.system} paging of {self.resource} {what}; stopping to avoid a loop", detail=detail)

    def page(self, keys: Sequence[object] = ()) -> None:
        """Count one page and, given the keys of its rows (ids), refuse a non-empty page equal to the one before.

        Called before a page is requested (to stop at ``max_pages`` without asking for one more) or once its rows
        are read (to compare them with the previous page's).

        Raises:
            PagingLoop: the same rows again, or more than ``max_pages`` pages.
        """
        self.pages += 1
        if self.max_pages is not None and self.pages > self.max_pages:
            raise self._loop(f"did not end after {self.max_pages} pages")
        rows = list(keys)
        if rows and self._previous is not None and rows == self._previous:
            raise self._loop("returned the same page twice")
        self._previous = rows

    def read(self, url: str) -> None:
        """Remember the address of a page read, so that a next link back to it is refused."""
        self._links.add(url)

    def link(self, url: str) -> None:
        """Accept the link to the next page; refuse one already followed or read.

        Raises:
            PagingLoop: ``url`` was seen before in this listing.
        """
        if url in self._links:
            raise self._loop("was sent to the same next page twice", detail=redact(f"next link {url} was already read"))
        self._links.add(url)
