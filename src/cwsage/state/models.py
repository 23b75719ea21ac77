"""The state database's tables, as SQLAlchemy 2 typed declarative models.

Why a module of its own: the schema is shared by the store (:mod:`cwsage.state.store`) and the Alembic
migrations, and it must behave the same on SQLite and PostgreSQL. Two column types make that so:
:class:`UTCDateTime` stores every datetime as UTC and gives it back timezone-aware even on SQLite
(which has no zone), and :class:`ExactJSON` stores JSON as text written by :func:`cwsage.money.dumps`,
so Decimal amounts survive exactly instead of passing through the database's float handling.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from cwsage import money


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC and always returned timezone-aware (UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; use an aware (UTC) datetime")
        converted = value.astimezone(UTC)
        return converted.replace(tzinfo=None) if dialect.name == "sqlite" else converted

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite gives back naive; normalise PostgreSQL's to UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dumps_exact(value: Any) -> str:
    """JSON text with every Decimal exact and integral Decimals tagged (see :func:`cwsage.money.dumps`)."""
    return money.encode(value, keep_exponent=True).decode()


def loads_exact(text: str) -> Any:
    """Inverse of :func:`dumps_exact`: non-integers come back as Decimal, never float."""
    return money.loads(text, keep_exponent=True)


class ExactJSON(TypeDecorator[Any]):
    """JSON stored as text through :func:`dumps_exact`/:func:`loads_exact` (Decimal-exact)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Serialise to exact JSON text."""
        return None if value is None else dumps_exact(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        """Parse exact JSON text."""
        return None if value is None else loads_exact(value)


class PayloadJSON(ExactJSON):
    """A Sage payload: written without tagging integral Decimals, since it is read back only through its Sage
    model, which makes every amount a Decimal again (``12`` and ``Decimal("12")`` are sent as the same digits).

    Tagging walked every value of every payload (a tenth of the store's CPU). Older rows, tagged, read as before.
    """

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Serialise to exact JSON text (integral Decimals as plain integers)."""
        return None if value is None else money.encode(value).decode()


class Base(DeclarativeBase):
    """Declarative base of the state tables."""


class RunRow(Base):
    """One batch run, rerun, payment sync or check."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    batch_number: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    phase: Mapped[str] = mapped_column(String(16))
    options: Mapped[Any] = mapped_column(ExactJSON)
    summary: Mapped[Any] = mapped_column(ExactJSON)
    actor: Mapped[str] = mapped_column(String(128))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DocumentRow(Base):
    """One Manage document inside a run, with its state-machine position."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("run_id", "doc_key", name="uq_documents_run_key"),
        Index("ix_documents_run_state", "run_id", "state"),
        Index("ix_documents_number", "document_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    doc_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    source_type: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(64))
    document_number: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(128))
    gl_entry_ids: Mapped[Any] = mapped_column(ExactJSON)
    sage_system: Mapped[str | None] = mapped_column(String(2))
    sage_place: Mapped[str | None] = mapped_column(String(24))
    sage_batch: Mapped[str | None] = mapped_column(String(32))
    sage_entry: Mapped[int | None] = mapped_column(Integer)
    sage_document: Mapped[str | None] = mapped_column(String(64))
    sage_party: Mapped[str | None] = mapped_column(String(64))
    sage_ic_kind: Mapped[str | None] = mapped_column(String(16))
    legacy_location: Mapped[str | None] = mapped_column("sage_location", Text)
    """Where Sage had the document, in words, as runs recorded it before migration 0003 (read, never written)."""
    payload: Mapped[Any] = mapped_column(PayloadJSON, nullable=True)
    target: Mapped[str | None] = mapped_column(String(16))
    """The kind of Sage document it is posted as (``mapping.dispatch.Target``); ``None`` when it cannot be."""
    report: Mapped[Any] = mapped_column(ExactJSON, nullable=True)
    """What reports show of the document (kind it becomes, label, party, date, currency, total): read without
    the payload, which is by far the largest column."""
    issues: Mapped[Any] = mapped_column(ExactJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SageBatchRow(Base):
    """One Sage 300 batch a run creates (or plans to create)."""

    __tablename__ = "sage_batches"
    __table_args__ = (UniqueConstraint("run_id", "batch_key", name="uq_sage_batches_run_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    batch_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(32))
    sage_batch_number: Mapped[str | None] = mapped_column(String(64))
    document_keys: Mapped[Any] = mapped_column(ExactJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """An append-only audit entry (never updated or deleted by cwsage)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_run", "run_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[str | None] = mapped_column(String(64))
    document_key: Mapped[str | None] = mapped_column(String(255))
    event: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[Any] = mapped_column(ExactJSON)


class WatermarkRow(Base):
    """The last successful payment-sync point per scope, user and machine."""

    __tablename__ = "watermarks"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    machine: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RunLockRow(Base):
    """The lock that keeps runs from overlapping: one row per lock name while held."""

    __tablename__ = "run_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64))
    batch_number: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
