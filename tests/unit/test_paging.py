"""The paging guard both API clients use: a server that sends the same page or next link again is stopped."""

from __future__ import annotations

import pytest

from cwsage.errors import BugError, PagingLoop
from cwsage.paging import PageGuard


def test_distinct_pages_and_links_pass() -> None:
    guard = PageGuard("ConnectWise Manage", "system/locations")
    guard.page([1, 2])
    guard.link("page=2&pageSize=2")
    guard.page([3, 4])
    guard.link("page=3&pageSize=2")
    guard.page([])
    guard.page([])  # two empty pages are not a loop: nothing was repeated
    assert guard.pages == 4


def test_the_same_page_again_is_a_loop_naming_the_resource() -> None:
    guard = PageGuard("ConnectWise Manage", "finance/glExport")
    guard.page([1, 2])
    with pytest.raises(PagingLoop, match="ConnectWise Manage paging of finance/glExport returned the same page twice"):
        guard.page([1, 2])


def test_a_next_link_followed_or_read_before_is_a_loop() -> None:
    guard = PageGuard("Sage 300", "IC/ICLocations")
    guard.read("https://sage.test/IC/ICLocations")
    guard.link("https://sage.test/IC/ICLocations?$skip=1")
    with pytest.raises(PagingLoop, match="Sage 300 paging of IC/ICLocations was sent to the same next page twice"):
        guard.link("https://sage.test/IC/ICLocations?$skip=1")
    with pytest.raises(PagingLoop):
        guard.link("https://sage.test/IC/ICLocations")


def test_too_many_pages_stop_before_asking_for_one_more() -> None:
    guard = PageGuard("Sage 300", "GL/GLAccounts", max_pages=2)
    guard.page()
    guard.page()
    with pytest.raises(PagingLoop, match="did not end after 2 pages") as caught:
        guard.page()
    assert isinstance(caught.value, BugError)
    assert caught.value.error_code == "paging_loop"
