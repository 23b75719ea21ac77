"""Independent reads sent a few at a time, so that a run waits for the network once per round, not per read.

Why a module of its own: at a real site every request costs 20–100 ms of latency, and a run's reads — Sage's
``$metadata`` of each module, its master-data tables, the look-ups of document numbers by range, Manage's
listing pages — do not depend on each other (issue 14). :func:`read_all` runs such reads on a small bounded
pool of threads and gives their results in the order asked, as if they had been made one after the other.

Only reads go through here. Writes stay sequential in the caller's thread, in the order exactly-once depends
on. Both API clients send through one :class:`cwsage.http.ApiSession` each, whose ``httpx.Client`` is
thread-safe and whose request counters are kept under a lock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Final, Self, TypeVar

T = TypeVar("T")

READERS: Final = 4
"""Reads in flight at most, per call: enough to hide latency, few enough not to crowd a server."""


class ReadPool:
    """A ``with`` block whose reads run at most ``workers`` at a time; each read's result is a future.

    Leaving the block waits for every read; then the error of the first read (in the order they were asked for)
    that failed is raised, and reads not yet started are not sent. Inside the block, only ask; read the results
    (``future.result()``) after it.

    Args:
        workers: The pool's size (1: each read runs in the caller's thread when it is asked for).
    """

    def __init__(self, workers: int = READERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cwsage-read") if workers > 1 else None
        self._futures: list[Future[Any]] = []

    def read(self, read: Callable[[], T]) -> Future[T]:
        """Ask for one read; its result once the block has ended."""
        if self._pool is not None:
            future = self._pool.submit(read)
        else:
            future = Future()
            future.set_result(read())  # one at a time: a failure is raised at once, later reads are not asked
        self._futures.append(future)
        return future

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                for future in self._futures:
                    error = future.exception()
                    if error is not None:
                        raise error
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)


def read_all(reads: Sequence[Callable[[], T]], *, workers: int = READERS) -> list[T]:
    """Run ``reads`` at most ``workers`` at a time; their results in the order of ``reads``.

    Args:
        reads: Independent reads (no write, no order between them).
        workers: The pool's size (1: one after the other in the caller's thread).

    Returns:
        Each read's result, in order.

    Raises:
        Exception: the error of the first read (in the order of ``reads``) that failed, once every read that had
            started has ended; reads not yet started are not sent.
    """
    if len(reads) <= 1:
        return [read() for read in reads]
    with ReadPool(min(workers, len(reads))) as pool:
        futures = [pool.read(read) for read in reads]
    return [future.result() for future in futures]
