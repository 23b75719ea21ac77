"""The durable memory of cwsage: runs, per-document state, Sage batches, audit, watermarks, run locks.

Why a module of its own: "exactly once" rests on writing down what is about to happen *before* each
remote call and what happened right after it, so a run killed at any instant can be resumed. Every
write here commits before the method returns (SQLite in WAL mode with ``synchronous=FULL``, or
PostgreSQL). Services call only this API; nothing else touches the tables.

The store is the only place that knows the schema; callers get frozen dataclasses back, never ORM rows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from sqlalchemy import Engine, Table, bindparam, create_engine, delete, event, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from cwsage.dates import now
from cwsage.domain.location import DocumentLocation, DocumentPlace, System
from cwsage.errors import BugError, ConfigurationError, RunConflict
from cwsage.private_files import create_private_file, ensure_private_dir
from cwsage.state.models import AuditRow, DocumentRow, RunLockRow, RunRow, SageBatchRow, WatermarkRow

log = logging.getLogger("cwsage.state")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class DocState(StrEnum):
    """Where a document is in the posting state machine (DESIGN §3); the moves allowed are :data:`TRANSITIONS`."""

    VALIDATED = "validated"
    POSTING = "posting"
    POSTED = "posted"
    WRITTEN_BACK = "written_back"
    NOT_MARKED = "not_marked"
    """In Sage 300, but Manage refused to mark its GL entries as batched (a person must look at it in Manage)."""
    INVALID = "invalid"
    REJECTED = "rejected"
    SKIPPED = "skipped"


TRANSITIONS: dict[DocState, frozenset[DocState]] = {
    DocState.VALIDATED: frozenset({DocState.POSTING, DocState.REJECTED, DocState.INVALID, DocState.SKIPPED}),
    DocState.POSTING: frozenset({DocState.POSTED, DocState.VALIDATED}),
    DocState.POSTED: frozenset({DocState.WRITTEN_BACK, DocState.NOT_MARKED}),
    DocState.WRITTEN_BACK: frozenset(),
    DocState.NOT_MARKED: frozenset(),
    DocState.INVALID: frozenset(),
    DocState.REJECTED: frozenset(),
    DocState.SKIPPED: frozenset(),
}
"""The document state machine, enforced by :meth:`StateStore.set_states` (a document stored by
:meth:`StateStore.put_documents` starts in ``validated``, ``invalid``, ``skipped`` or ``posted``). Staying in a
state (to record where Sage has it, or another problem) is always allowed; any other move is a bug."""

STARTED = frozenset({DocState.POSTING, DocState.WRITTEN_BACK, DocState.NOT_MARKED, DocState.REJECTED})
"""States only posting reaches: a document in one of them is never stored afresh (:meth:`StateStore.put_documents`)."""


def check_transition(key: str, previous: DocState, state: DocState) -> None:
    """Refuse a move the state machine does not have.

    Raises:
        BugError: naming the document and the move.
    """
    if state is not previous and state not in TRANSITIONS[previous]:
        raise BugError(f"document {key} cannot go from {previous} to {state}: that is not a move of the state machine")


class RunPhase(StrEnum):
    """How far a run got; a resumed run continues from its phase (never from the wording of its audit log)."""

    SELECTED = "selected"
    """Created; its documents may be partly stored (a crash here means: select and prepare again)."""
    PREPARED = "prepared"
    """Every document stored with its state and payload (and missing records created): ready to post."""
    POSTING = "posting"
    """Documents are being sent to Sage."""
    WRITTEN_BACK = "written_back"
    """Manage has been told what Sage has (or there was nothing to tell)."""
    FINISHED = "finished"
    """The outcome is recorded."""


PHASE_ORDER = list(RunPhase)


class SageBatchState(StrEnum):
    """What cwsage knows of a Sage batch (or IC document) of a run."""

    CREATED = "created"
    POSTED = "posted"
    POST_FAILED = "post_failed"
    """Created, but automatic posting failed: the bookkeeper posts it in Sage."""
    FOUND = "found"
    """Found in Sage after an unclear answer (the call's own answer never arrived)."""


class RunKind(StrEnum):
    """What a run is: a new batch, a rerun of one, or a payment sync."""

    RUN = "run"
    RERUN = "rerun"
    SYNC_PAYMENTS = "sync-payments"


class RunStatus(StrEnum):
    """How a run ended (or that it is still running)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    DRY_RUN = "dry_run"


@dataclass(frozen=True)
class RunRecord:
    """A run as stored."""

    id: str
    kind: RunKind
    batch_number: str | None
    status: RunStatus
    options: dict[str, Any]
    summary: dict[str, Any]
    actor: str
    started_at: datetime
    finished_at: datetime | None
    phase: RunPhase = RunPhase.SELECTED

    def reached(self, phase: RunPhase) -> bool:
        """Whether the run got as far as ``phase``."""
        return PHASE_ORDER.index(self.phase) >= PHASE_ORDER.index(phase)


@dataclass(frozen=True)
class DocumentRecord:
    """A document of a run as stored."""

    run_id: str
    key: str
    kind: str
    source_type: str
    source_id: str
    document_number: str
    state: DocState
    content_hash: str
    gl_entry_ids: list[int]
    location: DocumentLocation | None
    payload: dict[str, Any] | None
    issues: list[dict[str, Any]]
    updated_at: datetime
    legacy_location: str | None = None
    """Where Sage had it, in words, for a document recorded before the location was kept as columns."""
    report: dict[str, Any] = field(default_factory=dict)
    """What reports show of it beside the columns: kind it becomes in Sage, label, party, date, currency, total."""

    @property
    def where(self) -> str:
        """Where Sage has the document, in words (empty when it is not known to be there)."""
        return self.location.describe() if self.location is not None else self.legacy_location or ""


@dataclass(frozen=True)
class SageBatchRecord:
    """A Sage 300 batch of a run as stored."""

    run_id: str
    key: str
    kind: str
    description: str
    state: SageBatchState
    sage_batch_number: str | None
    document_keys: list[str]


#: How a refusal names the command that holds the lock, by run kind.
LOCK_COMMANDS = {"run": "a batch run", "rerun": "a rerun", "sync-payments": "a payment sync"}


@dataclass(frozen=True)
class LockHolder:
    """Who holds a run lock."""

    name: str
    run_id: str
    batch_number: str | None
    host: str
    pid: int
    acquired_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True)
class StateChange:
    """One document's move to ``state`` (see :meth:`StateStore.set_states`)."""

    key: str
    state: DocState
    event: str | None = None
    location: DocumentLocation | None = None
    issues: list[dict[str, Any]] | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class NewDocument:
    """One document to record (see :meth:`StateStore.put_documents`)."""

    key: str
    kind: str
    source_type: str
    source_id: str
    document_number: str
    state: DocState
    content_hash: str
    gl_entry_ids: list[int]
    payload: dict[str, Any] | None = None
    issues: list[dict[str, Any]] | None = None
    report: dict[str, Any] | None = None
    target: str | None = None


_T = TypeVar("_T")

KEYS_PER_QUERY = 500
"""Document keys per ``IN (…)`` (well under SQLite's bound-parameter limit)."""


def _run_record(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        kind=RunKind(row.kind),
        batch_number=row.batch_number,
        status=RunStatus(row.status),
        options=dict(row.options or {}),
        summary=dict(row.summary or {}),
        actor=row.actor,
        started_at=row.started_at,
        finished_at=row.finished_at,
        phase=RunPhase(row.phase),
    )


def _location_of(row: DocumentRow) -> DocumentLocation | None:
    if row.sage_system is None or row.sage_place is None:
        return None
    return DocumentLocation(
        cast("System", row.sage_system),
        row.sage_document or "",
        DocumentPlace(row.sage_place),
        row.sage_batch,
        row.sage_entry,
        row.sage_party,
        row.sage_ic_kind,
    )


def _location_columns(location: DocumentLocation) -> dict[str, Any]:
    return {
        "sage_system": location.system,
        "sage_place": location.where.value,
        "sage_batch": location.batch_number,
        "sage_entry": location.entry_number,
        "sage_document": location.document_number,
        "sage_party": location.party,
        "sage_ic_kind": location.kind,
    }


def _record_columns(*, payload: bool) -> list[Any]:
    """The columns a :class:`DocumentRecord` is made of, read as plain rows (not ORM objects: 3× less CPU)."""
    return [
        getattr(DocumentRow, name).label(name)
        for name in DocumentRow.__mapper__.column_attrs.keys()  # noqa: SIM118 - a mapper collection, not a dict
        if payload or name != "payload"
    ]


_AUDIT_TABLE: Final = cast("Table", AuditRow.__table__)
_AUDIT_COLUMNS: Final = tuple(
    getattr(AuditRow, name).label(name) for name in ("id", "at", "run_id", "document_key", "event", "actor", "detail")
)


def _document_record(row: Any, *, payload: bool = True) -> DocumentRecord:
    stored = row.payload if payload else None
    return DocumentRecord(
        run_id=row.run_id,
        key=row.doc_key,
        kind=row.kind,
        source_type=row.source_type,
        source_id=row.source_id,
        document_number=row.document_number,
        state=DocState(row.state),
        content_hash=row.content_hash,
        gl_entry_ids=[int(i) for i in (row.gl_entry_ids or [])],
        location=_location_of(row),
        payload=stored,
        issues=list(row.issues or []),
        updated_at=row.updated_at,
        legacy_location=row.legacy_location,
        report=dict(row.report or {}),
    )


def _batch_record(row: SageBatchRow) -> SageBatchRecord:
    return SageBatchRecord(
        run_id=row.run_id,
        key=row.batch_key,
        kind=row.kind,
        description=row.description,
        state=SageBatchState(row.state),
        sage_batch_number=row.sage_batch_number,
        document_keys=[str(k) for k in (row.document_keys or [])],
    )


def _lock_holder(row: RunLockRow) -> LockHolder:
    return LockHolder(row.name, row.run_id, row.batch_number, row.host, row.pid, row.acquired_at, row.heartbeat_at)


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this machine (errs on "alive" when unsure)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(code.value == 259)  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _private_sqlite_file(path: Path) -> None:
    """Create the SQLite file 0600 (in a folder created 0700) before SQLite opens it.

    SQLite gives the ``-wal`` and ``-shm`` files it creates the mode of the database file, so making the database
    private makes all three private. Files left open to others by an older version are tightened.
    """
    ensure_private_dir(path.parent, tighten=False)
    create_private_file(path)
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            create_private_file(companion)


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below) so that every transaction takes the write lock up front:
        # pysqlite's deferred BEGIN can fail with "database is locked" when a reader later writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _install_search_path(engine: Engine, schema: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        previous = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET SESSION search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.autocommit = previous


HEAD_REVISION: Final = "0003_run_phases"
"""The newest migration shipped (``tests/unit/test_state.py`` keeps it equal to Alembic's head)."""


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` with Alembic, using the migrations shipped in the package.

    A database already at the newest revision is left as it is without loading Alembic (a tenth of a second of
    every command's start-up).
    """
    if revision == "head" and _revisions(engine) == [HEAD_REVISION]:
        return
    from alembic import command  # only when there is something to migrate
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def _revisions(engine: Engine) -> list[str]:
    """The revisions in the database's ``alembic_version`` table (none when it has no such table yet)."""
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:
        return []


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (``None`` if never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _parts(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """``items`` in slices of :data:`KEYS_PER_QUERY`."""
    for start in range(0, len(items), KEYS_PER_QUERY):
        yield items[start : start + KEYS_PER_QUERY]


def _changed_columns(change: StateChange) -> dict[str, Any]:
    """The document columns a state change sets (``None`` fields are left as stored)."""
    values: dict[str, Any] = {"state": DocState(change.state).value}
    if change.location is not None:
        values.update(_location_columns(change.location))
    if change.issues is not None:
        values["issues"] = change.issues
    return values


def _audit_of(run_id: str, change: StateChange, previous: str, stamp: datetime) -> dict[str, Any]:
    """The audit row of a state change."""
    state = DocState(change.state).value
    detail: dict[str, Any] = {"from": previous, "to": state}
    if change.location is not None:
        detail["sage_location"] = change.location.describe()
    if change.issues:
        detail["issues"] = change.issues
    if change.detail:
        detail.update(change.detail)
    return {
        "at": stamp,
        "run_id": run_id,
        "document_key": change.key,
        "event": change.event or f"document.{state}",
        "actor": None,
        "detail": detail,
    }


class StateStore:
    """The state database. Open with :meth:`open`; every write commits before returning.

    Args:
        engine: A SQLAlchemy engine already configured (use :meth:`open`).
        host: This machine's name (for locks).
        pid: This process id (for locks).
    """

    def __init__(self, engine: Engine, *, host: str | None = None, pid: int | None = None) -> None:
        self.engine = engine
        self.host = host or socket.gethostname()
        self.pid = pid if pid is not None else os.getpid()
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # ------------------------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, database_url: str, *, migrate: bool = True, schema: str | None = None) -> StateStore:
        """Connect to the state database and (by default) run migrations to the latest revision.

        Args:
            database_url: ``sqlite:///path/state.db`` or ``postgresql+psycopg://user@host/db``.
            migrate: Run ``alembic upgrade head`` first.
            schema: PostgreSQL only: keep the tables in this schema (created if absent), e.g. per test.

        Raises:
            ConfigurationError: if the URL is invalid or the database cannot be reached.
        """
        try:
            url = make_url(database_url)
        except Exception as exc:  # noqa: BLE001 - make_url raises several types for bad input
            raise ConfigurationError(
                "The state database URL is not valid.",
                detail=type(exc).__name__,
                hint="Set CWSAGE_DATABASE_URL to sqlite:///path/state.db or postgresql+psycopg://user@host/db.",
            ) from None
        backend = url.get_backend_name()
        if backend == "sqlite":
            if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
                try:
                    _private_sqlite_file(Path(url.database).expanduser())
                except OSError as exc:
                    raise ConfigurationError(
                        f"The state database file {url.database} cannot be created.",
                        detail=f"{type(exc).__name__}: {exc.strerror or exc}",
                        hint="Check that its folder exists and is writable by you, or set CWSAGE_DATABASE_URL.",
                    ) from None
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            _install_sqlite_pragmas(engine)
        elif backend == "postgresql":
            engine = create_engine(url, pool_pre_ping=True)
            if schema:
                with engine.begin() as connection:
                    connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                engine.dispose()
                _install_search_path(engine, schema)
        else:
            raise ConfigurationError(
                f"The state database kind '{backend}' is not supported.",
                hint="Use sqlite:///path/state.db or postgresql+psycopg://user@host/db.",
            )
        store = cls(engine)
        if migrate:
            try:
                store.migrate()
            except OperationalError as exc:
                engine.dispose()
                raise ConfigurationError(
                    f"The state database at {url.render_as_string(hide_password=True)} cannot be opened.",
                    detail=str(exc.orig),
                    hint="Check CWSAGE_DATABASE_URL, that the server is running, and the file permissions.",
                ) from None
        return store

    def lost(self) -> str | None:
        """Why the state database is gone, if its SQLite file was deleted while cwsage had it open.

        SQLite keeps writing to a deleted (unlinked) file without a word, so what this command records after the
        deletion would silently vanish when it exits; callers say so instead.
        """
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        path = Path(url.database).expanduser()
        if url.database.startswith("file:") or path.exists():
            return None
        return (
            f"The state database {path} was deleted while cwsage was running: what this command recorded is lost "
            "when it exits. Sage 300 and Manage keep what was sent. Run the same command again: cwsage looks in "
            "Sage 300 before posting anything, so nothing is posted twice; restore the file from a backup if you "
            "want this run's history."
        )

    def migrate(self) -> None:
        """Run Alembic ``upgrade head``."""
        migrate(self.engine)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # ----------------------------------------------------------------------------------------- runs

    def create_run(
        self,
        *,
        kind: str,
        batch_number: str | None,
        options: dict[str, Any],
        actor: str,
        run_id: str | None = None,
    ) -> RunRecord:
        """Record a new run in status ``running`` (id: a new UUID4 unless given)."""
        row = RunRow(
            id=run_id or str(uuid.uuid4()),
            kind=kind,
            batch_number=batch_number,
            status=RunStatus.RUNNING.value,
            phase=RunPhase.SELECTED.value,
            options=options,
            summary={},
            actor=actor,
            host=self.host,
            pid=self.pid,
            started_at=now(),
            finished_at=None,
        )
        with self._write() as session:
            session.add(row)
            session.add(
                AuditRow(
                    at=row.started_at,
                    run_id=row.id,
                    document_key=None,
                    event="run.started",
                    actor=actor,
                    detail={"kind": kind, "batch_number": batch_number, "host": self.host, "pid": self.pid},
                )
            )
        return _run_record(row)

    def finish_run(self, run_id: str, status: RunStatus, summary: dict[str, Any]) -> None:
        """Set a run's final status, summary and finish time (and audit it).

        Raises:
            KeyError: if there is no such run.
        """
        with self._write() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise KeyError(run_id)
            row.status = RunStatus(status).value
            row.phase = RunPhase.FINISHED.value
            row.summary = summary
            row.finished_at = now()
            session.add(
                AuditRow(
                    at=row.finished_at,
                    run_id=run_id,
                    document_key=None,
                    event="run.finished",
                    actor=row.actor,
                    detail={"status": row.status, "summary": summary},
                )
            )

    def set_phase(self, run_id: str, phase: RunPhase, *, options: Mapping[str, Any] | None = None) -> None:
        """Move a run forward to ``phase`` (and audit it); a run never goes back.

        ``options`` are added to the run's options in the same transaction (what the run learnt on its way to
        ``phase``, kept exactly when it gets there).

        Raises:
            KeyError: if there is no such run.
            BugError: if the run is further along already.
        """
        with self._write() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise KeyError(run_id)
            if PHASE_ORDER.index(RunPhase(row.phase)) > PHASE_ORDER.index(phase):
                raise BugError(f"run {run_id} is {row.phase}: it cannot go back to {phase}")
            row.phase = RunPhase(phase).value
            if options:
                row.options = {**(row.options or {}), **options}
            session.add(
                AuditRow(
                    at=now(), run_id=run_id, document_key=None, event="run.phase", actor=None, detail={"to": row.phase}
                )
            )

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or ``None``."""
        with self._sessions() as session:
            row = session.get(RunRow, run_id)
            return _run_record(row) if row else None

    def list_runs(self, limit: int = 50) -> list[RunRecord]:
        """The latest runs, newest first."""
        with self._sessions() as session:
            rows = session.scalars(select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id).limit(limit))
            return [_run_record(r) for r in rows]

    def find_runs(
        self, *, batch_number: str | None = None, kind: str | None = None, status: RunStatus | None = None
    ) -> list[RunRecord]:
        """Runs matching every given filter, newest first."""
        query = select(RunRow)
        if batch_number is not None:
            query = query.where(RunRow.batch_number == batch_number)
        if kind is not None:
            query = query.where(RunRow.kind == kind)
        if status is not None:
            query = query.where(RunRow.status == RunStatus(status).value)
        with self._sessions() as session:
            return [_run_record(r) for r in session.scalars(query.order_by(RunRow.started_at.desc(), RunRow.id))]

    # ------------------------------------------------------------------------------------ documents

    def put_document(
        self,
        run_id: str,
        key: str,
        *,
        kind: str,
        source_type: str,
        source_id: str,
        document_number: str,
        state: DocState,
        content_hash: str,
        gl_entry_ids: list[int],
        payload: dict[str, Any] | None = None,
        issues: list[dict[str, Any]] | None = None,
        report: dict[str, Any] | None = None,
    ) -> DocumentRecord:
        """Insert a document, or update the one with the same ``(run_id, key)``; audits ``document.put``."""
        new = NewDocument(
            key,
            kind,
            source_type,
            source_id,
            document_number,
            state,
            content_hash,
            gl_entry_ids,
            payload,
            issues,
            report,
        )
        self.put_documents(run_id, [new])
        record = self.get_document(run_id, key)
        assert record is not None
        return record

    def put_documents(self, run_id: str, documents: Sequence[NewDocument]) -> None:
        """Insert or update many documents in one transaction (each audited ``document.put``).

        Rows are written with INSERT/UPDATE statements, :data:`KEYS_PER_QUERY` at a time, without loading or
        keeping ORM objects: storing 10,000 documents holds one part in memory, not all of them.

        Raises:
            BugError: a document that posting has reached would be stored afresh (nothing is changed then).
        """
        stamp = now()
        table = cast("Table", DocumentRow.__table__)
        with self._write() as session:
            connection = session.connection()
            for part in _parts(documents):
                states = select(DocumentRow.doc_key, DocumentRow.state).where(
                    DocumentRow.run_id == run_id, DocumentRow.doc_key.in_([d.key for d in part])
                )
                previous: dict[str, str] = {row.doc_key: row.state for row in session.execute(states)}
                inserts: list[dict[str, Any]] = []
                updates: list[dict[str, Any]] = []
                audits: list[dict[str, Any]] = []
                for doc in part:
                    before = previous.get(doc.key)
                    if before is not None and DocState(before) in STARTED:
                        raise BugError(f"document {doc.key} is {before}: it cannot be stored afresh")
                    values = {
                        "kind": doc.kind,
                        "source_type": doc.source_type,
                        "source_id": str(doc.source_id),
                        "document_number": doc.document_number,
                        "state": DocState(doc.state).value,
                        "content_hash": doc.content_hash,
                        "gl_entry_ids": [int(i) for i in doc.gl_entry_ids],
                        "payload": doc.payload,
                        "report": doc.report,
                        "target": doc.target,
                        "issues": doc.issues or [],
                        "updated_at": stamp,
                    }
                    if before is None:
                        inserts.append({"run_id": run_id, "doc_key": doc.key, "created_at": stamp, **values})
                    else:
                        updates.append({"_key": doc.key, **values})
                    detail = {"from": before, "to": values["state"], "document_number": doc.document_number}
                    audits.append(
                        {
                            "at": stamp,
                            "run_id": run_id,
                            "document_key": doc.key,
                            "event": "document.put",
                            "actor": None,
                            "detail": detail,
                        }
                    )
                if inserts:
                    connection.execute(insert(table), inserts)
                if updates:
                    columns = [name for name in updates[0] if name != "_key"]
                    statement = (
                        update(table)
                        .where(table.c.run_id == run_id, table.c.doc_key == bindparam("_key"))
                        .values({name: bindparam(name) for name in columns})
                    )
                    connection.execute(statement, updates)
                session.connection().execute(insert(_AUDIT_TABLE), audits)

    def set_state(
        self,
        run_id: str,
        key: str,
        state: DocState,
        *,
        event: str | None = None,
        location: DocumentLocation | None = None,
        issues: list[dict[str, Any]] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> DocumentRecord:
        """Move one document to ``state`` and append an audit row, committed durably before returning.

        ``location``/``issues`` replace the stored ones only when given. Many documents
        at once: :meth:`set_states`.

        Raises:
            KeyError: if the document does not exist.
        """
        self.set_states(run_id, [StateChange(key, state, event, location, issues, detail)])
        record = self.get_document(run_id, key)
        assert record is not None
        return record

    def set_states(self, run_id: str, changes: Sequence[StateChange]) -> None:
        """Apply many state changes in ONE durable transaction (each with its audit row).

        The crash guarantee needs a document's state saved before the Sage call that follows it and after the
        one that answered it, not a transaction per document: one per Sage call is as safe and far cheaper.
        Rows are changed by UPDATE statements (grouped by the columns they set) without loading documents.

        Raises:
            KeyError: if a document does not exist (nothing is changed then).
            BugError: if a change is not a move of :data:`TRANSITIONS` (nothing is changed then).
        """
        if not changes:
            return
        stamp = now()
        table = cast("Table", DocumentRow.__table__)
        with self._write() as session:
            for part in _parts(changes):
                states = select(DocumentRow.doc_key, DocumentRow.state).where(
                    DocumentRow.run_id == run_id, DocumentRow.doc_key.in_([c.key for c in part])
                )
                previous: dict[str, str] = {row.doc_key: row.state for row in session.execute(states)}
                groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
                audits: list[dict[str, Any]] = []
                for change in part:
                    if change.key not in previous:
                        raise KeyError(f"{run_id}/{change.key}")
                    check_transition(change.key, DocState(previous[change.key]), DocState(change.state))
                    values = _changed_columns(change)
                    groups.setdefault(tuple(sorted(values)), []).append({"_key": change.key, **values})
                    audits.append(_audit_of(run_id, change, previous[change.key], stamp))
                for columns, rows in groups.items():
                    statement = (
                        update(table)
                        .where(table.c.run_id == run_id, table.c.doc_key == bindparam("_key"))
                        .values({**{name: bindparam(name) for name in columns}, "updated_at": stamp})
                    )
                    session.connection().execute(statement, rows)
                session.connection().execute(insert(_AUDIT_TABLE), audits)

    def documents(self, run_id: str, *, state: DocState | None = None, payloads: bool = True) -> list[DocumentRecord]:
        """The run's documents (optionally only those in ``state``), in insertion order.

        Args:
            run_id: The run.
            state: Only documents in this state.
            payloads: Also read each Sage payload (the largest column by far); reports and outcomes do not need
                it (their records then have ``payload`` ``None``).
        """
        return [record for page in self.document_pages(run_id, state=state, payloads=payloads) for record in page]

    def document_pages(
        self, run_id: str, *, state: DocState | None = None, payloads: bool = True, page: int = 2000
    ) -> Iterator[list[DocumentRecord]]:
        """:meth:`documents`, read ``page`` at a time as they are consumed (a report of a large run reads its
        documents without holding them all)."""
        after = 0
        while True:
            query = select(*_record_columns(payload=payloads)).where(
                DocumentRow.run_id == run_id, DocumentRow.id > after
            )
            if state is not None:
                query = query.where(DocumentRow.state == DocState(state).value)
            with self._sessions() as session:
                rows = list(session.execute(query.order_by(DocumentRow.id).limit(page)))
            if rows:
                yield [_document_record(r, payload=payloads) for r in rows]
            if len(rows) < page:
                return
            after = rows[-1].id

    def document_keys(self, run_id: str, *, state: DocState, target: str | None = None) -> list[str]:
        """The keys of the run's documents in ``state`` (posted as ``target`` if given), in insertion order."""
        query = select(DocumentRow.doc_key).where(DocumentRow.run_id == run_id, DocumentRow.state == state.value)
        if target is not None:
            query = query.where(DocumentRow.target == target)
        with self._sessions() as session:
            return list(session.scalars(query.order_by(DocumentRow.id)))

    def documents_by_key(self, run_id: str, keys: Sequence[str]) -> list[DocumentRecord]:
        """The run's documents with these keys, in the order of ``keys`` (absent keys are left out)."""
        found: dict[str, DocumentRecord] = {}
        with self._sessions() as session:
            for part in _parts(keys):
                query = select(*_record_columns(payload=True)).where(
                    DocumentRow.run_id == run_id, DocumentRow.doc_key.in_(part)
                )
                found.update((row.doc_key, _document_record(row)) for row in session.execute(query))
        return [found[key] for key in keys if key in found]

    def gl_entries(self, run_id: str, *, state: DocState) -> dict[str, list[int]]:
        """The Manage GL entry ids of each of the run's documents in ``state`` (by key), without the rest."""
        query = select(DocumentRow.doc_key, DocumentRow.gl_entry_ids).where(
            DocumentRow.run_id == run_id, DocumentRow.state == DocState(state).value
        )
        with self._sessions() as session:
            rows = session.execute(query.order_by(DocumentRow.id))
            return {key: [int(i) for i in ids or []] for key, ids in rows}

    def get_document(self, run_id: str, key: str) -> DocumentRecord | None:
        """One document of a run, or ``None``."""
        with self._sessions() as session:
            row = session.scalars(
                select(DocumentRow).where(DocumentRow.run_id == run_id, DocumentRow.doc_key == key)
            ).one_or_none()
            return _document_record(row) if row else None

    def find_documents(self, *, document_number: str, kind: str | None = None) -> list[DocumentRecord]:
        """Documents with this document number across all runs, newest first (for reruns/duplicates)."""
        query = select(DocumentRow).where(DocumentRow.document_number == document_number)
        if kind is not None:
            query = query.where(DocumentRow.kind == kind)
        with self._sessions() as session:
            return [_document_record(r) for r in session.scalars(query.order_by(DocumentRow.id.desc()))]

    # --------------------------------------------------------------------------------- sage batches

    def put_sage_batch(
        self,
        run_id: str,
        key: str,
        *,
        kind: str,
        description: str,
        state: SageBatchState,
        document_keys: list[str],
        sage_batch_number: str | None = None,
    ) -> SageBatchRecord:
        """Insert or update a run's Sage batch (``sage_batch_number`` kept when not given); audits it."""
        stamp = now()
        with self._write() as session:
            row = session.scalars(
                select(SageBatchRow).where(SageBatchRow.run_id == run_id, SageBatchRow.batch_key == key)
            ).one_or_none()
            if row is None:
                row = SageBatchRow(run_id=run_id, batch_key=key, created_at=stamp, sage_batch_number=None)
                session.add(row)
            row.kind = kind
            row.description = description
            row.state = SageBatchState(state).value
            row.document_keys = list(document_keys)
            if sage_batch_number is not None:
                row.sage_batch_number = sage_batch_number
            row.updated_at = stamp
            session.add(
                AuditRow(
                    at=stamp,
                    run_id=run_id,
                    document_key=None,
                    event="sage_batch.put",
                    actor=None,
                    detail={"key": key, "state": row.state, "sage_batch_number": row.sage_batch_number},
                )
            )
            session.flush()
            return _batch_record(row)

    def sage_batches(self, run_id: str) -> list[SageBatchRecord]:
        """The run's Sage batches in creation order."""
        with self._sessions() as session:
            rows = session.scalars(select(SageBatchRow).where(SageBatchRow.run_id == run_id).order_by(SageBatchRow.id))
            return [_batch_record(r) for r in rows]

    # ---------------------------------------------------------------------------------------- audit

    def audit(
        self,
        run_id: str | None,
        event: str,
        detail: dict[str, Any] | None = None,
        *,
        document_key: str | None = None,
        actor: str | None = None,
    ) -> None:
        """Append one audit row (committed before returning)."""
        with self._write() as session:
            session.add(
                AuditRow(
                    at=now(), run_id=run_id, document_key=document_key, event=event, actor=actor, detail=detail or {}
                )
            )

    def audit_log(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Audit rows, oldest first (of one run when given): id, at, run_id, document_key, event, actor, detail."""
        return list(self.audit_entries(run_id))

    def audit_entries(self, run_id: str | None = None, *, page: int = 2000) -> Iterator[dict[str, Any]]:
        """The rows of :meth:`audit_log`, read ``page`` at a time as they are consumed (a run of 10,000
        documents has some 40,000; a report streams them instead of holding them all)."""
        after = 0
        while True:
            query = select(*_AUDIT_COLUMNS).where(AuditRow.id > after)
            if run_id is not None:
                query = query.where(AuditRow.run_id == run_id)
            with self._sessions() as session:
                rows = [r._asdict() for r in session.execute(query.order_by(AuditRow.id).limit(page))]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1]["id"]

    # ----------------------------------------------------------------------------------- watermarks

    def get_watermark(self, scope: str, user: str, machine: str) -> datetime | None:
        """The stored watermark (aware UTC) for ``scope``/``user``/``machine``, or ``None``."""
        with self._sessions() as session:
            row = session.get(WatermarkRow, (scope, user, machine))
            return row.value if row else None

    def set_watermark(self, scope: str, user: str, machine: str, value: datetime) -> None:
        """Store a watermark (an aware datetime), replacing any previous one."""
        with self._write() as session:
            row = session.get(WatermarkRow, (scope, user, machine))
            if row is None:
                session.add(WatermarkRow(scope=scope, user_name=user, machine=machine, value=value, updated_at=now()))
            else:
                row.value = value
                row.updated_at = now()

    # ---------------------------------------------------------------------------------------- locks

    def lock_holder(self, name: str = "batch") -> LockHolder | None:
        """Who holds lock ``name`` now, or ``None``."""
        with self._sessions() as session:
            row = session.get(RunLockRow, name)
            return _lock_holder(row) if row else None

    def acquire_lock(self, run_id: str, *, name: str = "batch", stale_after: timedelta = timedelta(minutes=10)) -> None:
        """Take lock ``name`` for ``run_id``, taking over a stale one; see :meth:`run_lock`.

        Raises:
            RunConflict: naming the run that holds it (id, batch number, host, pid, since).
        """
        run = self.get_run(run_id)
        batch_number = run.batch_number if run else None
        for _attempt in range(3):
            stamp = now()
            holder = self.lock_holder(name)
            if holder is None:
                try:
                    with self._write() as session:
                        session.add(
                            RunLockRow(
                                name=name,
                                run_id=run_id,
                                batch_number=batch_number,
                                host=self.host,
                                pid=self.pid,
                                acquired_at=stamp,
                                heartbeat_at=stamp,
                            )
                        )
                except IntegrityError:
                    continue  # someone took it between our read and our insert: look again
                log.debug("run lock %s taken by run %s", name, run_id)
                return
            reason = self._stale_reason(holder, stamp, stale_after)
            if reason is None:
                raise self._conflict(holder)
            with self._write() as session:
                taken = session.execute(
                    update(RunLockRow)
                    .where(
                        RunLockRow.name == name,
                        RunLockRow.run_id == holder.run_id,
                        RunLockRow.heartbeat_at == holder.heartbeat_at,
                    )
                    .values(
                        run_id=run_id,
                        batch_number=batch_number,
                        host=self.host,
                        pid=self.pid,
                        acquired_at=stamp,
                        heartbeat_at=stamp,
                    )
                    .execution_options(synchronize_session=False)
                )
                if getattr(taken, "rowcount", 0) != 1:
                    continue  # the holder beat or someone else took it over: look again
                session.add(
                    AuditRow(
                        at=stamp,
                        run_id=run_id,
                        document_key=None,
                        event="lock.taken_over",
                        actor=None,
                        detail={
                            "lock": name,
                            "reason": reason,
                            "previous_run_id": holder.run_id,
                            "previous_host": holder.host,
                            "previous_pid": holder.pid,
                            "previous_heartbeat_at": holder.heartbeat_at.isoformat(),
                        },
                    )
                )
            log.warning(
                "took over the run lock left by run %s (host %s, pid %s): %s",
                holder.run_id,
                holder.host,
                holder.pid,
                reason,
            )
            return
        holder = self.lock_holder(name)
        if holder is not None:
            raise self._conflict(holder)
        raise RunConflict("Could not take the run lock: other runs kept racing for it.")

    def _stale_reason(self, holder: LockHolder, stamp: datetime, stale_after: timedelta) -> str | None:
        if holder.host == self.host and not pid_alive(holder.pid):
            return f"process {holder.pid} on {holder.host} is no longer running"
        if stamp - holder.heartbeat_at > stale_after:
            return f"no heartbeat since {holder.heartbeat_at.isoformat()} (more than {stale_after})"
        return None

    def _conflict(self, holder: LockHolder) -> RunConflict:
        holding = self.get_run(holder.run_id)
        command = LOCK_COMMANDS.get(holding.kind, holding.kind) if holding else "a command"
        batch = f", batch {holder.batch_number}" if holder.batch_number else ""
        return RunConflict(
            f"Another cwsage command is writing to these companies: {command} (run {holder.run_id}{batch}), "
            f"on host {holder.host}, pid {holder.pid}, since {holder.acquired_at.isoformat(timespec='seconds')}.",
            detail=f"lock '{holder.name}', last heartbeat {holder.heartbeat_at.isoformat()}",
        )

    def release_lock(self, run_id: str, *, name: str = "batch") -> bool:
        """Release lock ``name`` if ``run_id`` holds it; returns whether it did."""
        with self._write() as session:
            result = session.execute(
                delete(RunLockRow)
                .where(RunLockRow.name == name, RunLockRow.run_id == run_id)
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0))

    def heartbeat(self, run_id: str, *, name: str | None = None) -> bool:
        """Refresh the heartbeat of the lock(s) ``run_id`` holds; returns whether it still holds one."""
        query = update(RunLockRow).where(RunLockRow.run_id == run_id)
        if name is not None:
            query = query.where(RunLockRow.name == name)
        with self._write() as session:
            result = session.execute(query.values(heartbeat_at=now()).execution_options(synchronize_session=False))
            return bool(getattr(result, "rowcount", 0))

    @contextlib.contextmanager
    def run_lock(
        self,
        run_id: str,
        *,
        name: str = "batch",
        stale_after: timedelta = timedelta(minutes=10),
        heartbeat_every: timedelta | None = None,
    ) -> Iterator[None]:
        """Hold lock ``name`` for ``run_id`` while the block runs, so runs never overlap.

        A lock held by a dead process on this host, or whose heartbeat is older than ``stale_after``, is
        taken over (logged and audited as ``lock.taken_over``). While held, a background thread refreshes
        the heartbeat every ``heartbeat_every`` (default: a third of ``stale_after``).

        Raises:
            RunConflict: naming the run that holds the lock (id, batch number, host, pid, since).
        """
        self.acquire_lock(run_id, name=name, stale_after=stale_after)
        stop = threading.Event()
        interval = (heartbeat_every or stale_after / 3).total_seconds()

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    self.heartbeat(run_id, name=name)
                except Exception as exc:  # noqa: BLE001 - a failed heartbeat must not kill the run
                    log.warning("run lock heartbeat failed: %s", type(exc).__name__)

        thread = threading.Thread(target=beat, name=f"cwsage-lock-{name}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)
            self.release_lock(run_id, name=name)
