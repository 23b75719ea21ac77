"""The one lock every writing command takes: per Manage company and Sage company, in the state store.

Why one lock for all of them: a run, a rerun and a payment sync all write to the same two ledgers, and two of
them at once is how payments got recorded twice (issue 13, finding 1). The lock lives in the state store, so
it holds across processes on one machine (SQLite) and across machines sharing a PostgreSQL store; two
machines with separate stores are covered by the payment writer converging on its own
(:mod:`cwsage.services.payments`). Two different company pairs never block each other.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

from cwsage.state.store import StateStore

LOCK_NAME_MAX = 64


def write_lock_name(manage_company: str, sage_company: str) -> str:
    """The lock name of one Manage company + Sage company pair (fits the 64-character column)."""
    name = f"write:{manage_company.strip().lower()}:{sage_company.strip().upper()}"
    if len(name) <= LOCK_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"{name[: LOCK_NAME_MAX - len(digest) - 1]}#{digest}"


@contextlib.contextmanager
def write_lock(store: StateStore, run_id: str, manage_company: str, sage_company: str) -> Iterator[None]:
    """Hold the write lock of the company pair for ``run_id`` while the block runs.

    Raises:
        RunConflict: another command holds it; the message names which (command, batch, host, pid, since).
    """
    with store.run_lock(run_id, name=write_lock_name(manage_company, sage_company)):
        yield
