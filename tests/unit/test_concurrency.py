"""Independent reads a few at a time (``cwsage.concurrency``, issue 14): order, bound, errors, counting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from cwsage.concurrency import READERS, ReadPool, read_all
from cwsage.errors import CwsageError
from cwsage.http import ApiSession


def _slow(value: int, seconds: float, seen: list[str] | None = None) -> Callable[[], int]:
    def read() -> int:
        if seen is not None:
            seen.append(threading.current_thread().name)
        time.sleep(seconds)
        return value

    return read


def test_results_come_in_the_order_asked_whatever_order_they_end_in() -> None:
    reads = [_slow(n, 0.02 * (5 - n)) for n in range(5)]
    assert read_all(reads) == [0, 1, 2, 3, 4]


def test_at_most_the_pools_size_run_at_once() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def read() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    read_all([read] * 12)
    assert 1 < most <= READERS


def test_the_first_failure_in_order_is_raised_after_the_others_ended() -> None:
    ended: list[int] = []

    def fail(message: str, delay: float) -> Callable[[], int]:
        def read() -> int:
            time.sleep(delay)
            ended.append(-1)
            raise CwsageError(message)

        return read

    def ok(value: int) -> Callable[[], int]:
        def read() -> int:
            time.sleep(0.05)
            ended.append(value)
            return value

        return read

    with pytest.raises(CwsageError, match="first"):
        read_all([ok(1), fail("first", 0.03), fail("second", 0.0)])
    assert sorted(ended) == [-1, -1, 1]


def test_one_worker_reads_in_the_callers_thread_and_stops_at_the_first_failure() -> None:
    seen: list[str] = []
    asked: list[int] = []

    def boom() -> int:
        raise CwsageError("no")

    def later() -> int:
        asked.append(1)
        return 1

    def three_reads() -> None:
        with ReadPool(workers=1) as pool:
            pool.read(_slow(0, 0, seen))
            pool.read(boom)
            pool.read(later)

    with pytest.raises(CwsageError):
        three_reads()
    assert seen == [threading.current_thread().name]
    assert asked == []


def test_the_session_counts_requests_sent_from_several_threads() -> None:
    session = ApiSession(
        system="Test",
        base_url="https://example.test/",
        error_mapper=lambda response: CwsageError(str(response.status_code)),
        transport=httpx.MockTransport(lambda _request: httpx.Response(200, json=[])),
    )
    with session.client:
        read_all([lambda: session.request("GET", "things")] * 200, workers=8)
    assert session.stats.total == 200
    assert session.stats.by_method["GET"] == 200
