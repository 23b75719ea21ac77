"""The cycle collector pauses only inside ``acyclic`` blocks and comes back as it was, even when they nest."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from cwsage.gc_policy import acyclic


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def test_acyclic_pauses_the_collector_and_restores_it() -> None:
    gc.enable()
    with acyclic():
        assert not gc.isenabled()
        with acyclic():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still building
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with acyclic():
        pass
    assert not gc.isenabled()


def test_an_error_inside_still_restores_the_collector() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), acyclic():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_blocks_in_two_threads_restore_it_when_the_last_ends() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with acyclic():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with acyclic():
        pass
    assert not gc.isenabled()  # the other thread's block has not ended
    release.set()
    thread.join(5)
    assert gc.isenabled()
