"""When Python's cycle collector runs: not while cwsage builds large trees that cannot hold a cycle.

Why a module of its own: a batch of 10,000 invoices decodes ~140 MB of Manage JSON into millions of dicts and
lists. Every 700 new containers the cycle collector walks the young ones, and every tenth time the older ones:
at that size it was about a quarter of a run's CPU (issue 14), all of it spent proving that freshly decoded JSON
has no cycles, which JSON cannot have. So:

* :func:`settle_imports` moves what importing cwsage created (modules, classes, pydantic schemas: ~300,000
  objects) out of the collector's sight once the command starts; it lives as long as the process anyway;
* :func:`acyclic` pauses the collector while a block builds a tree that holds no reference cycle (decoded JSON,
  records read from it). Memory is unaffected: such trees are freed by reference counting, never by the
  collector. Blocks may nest and run in several threads; the collector runs again when the last one ends (or
  never, if it was off before the first began).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0
_was_enabled = False


def settle_imports() -> None:
    """Exclude every object alive now (what importing created) from future collections."""
    gc.freeze()


@contextmanager
def acyclic() -> Iterator[None]:
    """Pause the cycle collector for a block that builds only acyclic data."""
    global _paused, _was_enabled  # one process-wide switch, guarded by _lock
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
