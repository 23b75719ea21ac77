"""The cache of Sage 300 discovery results (issue 10): one row per server, company and version.

Revision ID: 0002_sage_discovery
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cwsage.state.models import ExactJSON, UTCDateTime

revision = "0002_sage_discovery"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``sage_discovery``."""
    op.create_table(
        "sage_discovery",
        sa.Column("server", sa.String(512), primary_key=True),
        sa.Column("company", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("result", ExactJSON(), nullable=False),
        sa.Column("discovered_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``sage_discovery``."""
    op.drop_table("sage_discovery")
