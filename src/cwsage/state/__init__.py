"""The state store: runs, per-document state, Sage batches, audit log, watermarks and run locks.

Import from here: ``from cwsage.state import StateStore, DocState, RunStatus``.
"""

from __future__ import annotations

from cwsage.state.store import (
    DocState,
    DocumentRecord,
    LockHolder,
    RunPhase,
    RunRecord,
    RunStatus,
    SageBatchRecord,
    SageBatchState,
    StateStore,
    current_revision,
    migrate,
    pid_alive,
)

__all__ = [
    "DocState",
    "DocumentRecord",
    "LockHolder",
    "RunPhase",
    "RunRecord",
    "RunStatus",
    "SageBatchRecord",
    "SageBatchState",
    "StateStore",
    "current_revision",
    "migrate",
    "pid_alive",
]
