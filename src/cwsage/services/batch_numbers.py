"""Whether a Batch Number is taken, and the next free one (the guide's ``-1``, ``-2`` … suffixes).

Why its own module: a new run refuses a used Batch Number and suggests the next free one, and the web and
CLI pre-fill the next free one; both ask the same two places (this installation's runs and Manage's batches).
"""

from __future__ import annotations

from cwsage.connectwise.client import ManageClient
from cwsage.state.store import StateStore

MAX_SUFFIX = 99
"""How many ``-N`` suffixes :func:`next_free_batch_number` tries before giving up on a free one."""


def batch_number_used(store: StateStore, manage: ManageClient, batch_number: str) -> bool:
    """Whether a cwsage run or a Manage batch already has this Batch Number."""
    return bool(store.find_runs(batch_number=batch_number)) or bool(manage.find_batches(batch_number))


def next_free_batch_number(store: StateStore, manage: ManageClient, base: str, *, include_base: bool = True) -> str:
    """``base`` when free (and ``include_base``), else the first free ``base-N``; ``base`` when none is free."""
    for n in range(0 if include_base else 1, MAX_SUFFIX + 1):
        candidate = base if n == 0 else f"{base}-{n}"
        if not batch_number_used(store, manage, candidate):
            return candidate
    return base
