"""Run phases as data, Sage batch states as codes, where Sage has a document as columns, and the never-written
``documents.sage_batch_key`` dropped.

Revision ID: 0003_run_phases
Revises: 0002_sage_discovery
Create Date: 2026-11-26

Before this revision a resumed run decided whether it had been prepared by looking for the audit event
``prepared``; the upgrade reads that event once, to give unfinished runs their phase, and nothing reads audit
wording afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cwsage.state.models import ExactJSON

revision = "0003_run_phases"
down_revision = "0002_sage_discovery"
branch_labels = None
depends_on = None

LOCATION_COLUMNS = (
    ("sage_system", sa.String(2)),
    ("sage_place", sa.String(24)),
    ("sage_batch", sa.String(32)),
    ("sage_entry", sa.Integer()),
    ("sage_document", sa.String(64)),
    ("sage_party", sa.String(64)),
    ("sage_ic_kind", sa.String(16)),
    ("report", ExactJSON()),
    ("target", sa.String(16)),
)
"""Where Sage has a document, as columns, and what reports show of it (``report``, read without the payload);
``sage_location`` keeps the words older runs recorded, and older payloads their ``row`` (both read only)."""

OLD_BATCH_STATES = {
    "created; automatic posting failed": "post_failed",
    "found after an unclear answer": "found",
}


def upgrade() -> None:
    """Add ``runs.phase``, give existing runs theirs, recode Sage batch states, drop ``sage_batch_key``."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("phase", sa.String(16), nullable=False, server_default="selected"))
    op.execute("UPDATE runs SET phase = 'finished' WHERE status <> 'running'")
    op.execute(
        "UPDATE runs SET phase = 'prepared' WHERE status = 'running' "
        "AND id IN (SELECT run_id FROM audit_log WHERE event = 'prepared')"
    )
    # A rerun stored its documents before posting and had no "prepared" event: any document means prepared.
    op.execute(
        "UPDATE runs SET phase = 'prepared' WHERE status = 'running' AND kind = 'rerun' "
        "AND id IN (SELECT run_id FROM documents)"
    )
    for old, new in OLD_BATCH_STATES.items():
        op.execute(sa.text("UPDATE sage_batches SET state = :new WHERE state = :old").bindparams(old=old, new=new))
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("sage_batch_key")
        for name, kind in LOCATION_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    _move_report_rows_out_of_payloads()


def _move_report_rows_out_of_payloads() -> None:
    """Older payloads carried the report row as ``payload["row"]``: it moves to ``report``, and the payload's
    target is copied to ``target`` (what posting reads to take documents a batch at a time)."""
    documents = sa.table(
        "documents",
        sa.column("id", sa.Integer()),
        sa.column("payload", ExactJSON()),
        sa.column("report", ExactJSON()),
        sa.column("target", sa.String(16)),
    )
    bind = op.get_bind()
    after = 0
    while True:
        query = sa.select(documents.c.id, documents.c.payload).where(documents.c.id > after).order_by(documents.c.id)
        rows = bind.execute(query.limit(1000)).all()
        for ident, payload in rows:
            if isinstance(payload, dict) and "row" in payload:
                report = payload.pop("row")
                values = {"report": report, "payload": payload or None, "target": payload.get("target")}
                bind.execute(sa.update(documents).where(documents.c.id == ident).values(values))
        if len(rows) < 1000:
            return
        after = rows[-1][0]


def downgrade() -> None:
    """Restore the column and the old wording; phases are dropped (resume then reads the audit log again)."""
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("sage_batch_key", sa.String(255), nullable=True))
        for name, _kind in LOCATION_COLUMNS:
            batch.drop_column(name)
    for old, new in OLD_BATCH_STATES.items():
        op.execute(sa.text("UPDATE sage_batches SET state = :old WHERE state = :new").bindparams(old=old, new=new))
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("phase")
