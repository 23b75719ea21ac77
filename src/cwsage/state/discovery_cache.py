"""The cache of what each Sage 300 server said about itself (:mod:`cwsage.sage300.discovery`).

Why a table: discovery reads six ``$metadata`` documents and checks some hundreds of names; keeping the result
per server, company and version lets every run compare the server's answer with the last one (a changed
fingerprint means the site changed: an upgrade, a module activated, rights granted) and lets ``cwsage
doctor`` say what changed. Its own module so that the store's code stays as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cwsage.state.models import Base, ExactJSON, UTCDateTime
from cwsage.state.store import StateStore


class SageDiscoveryRow(Base):
    """One server + company + version: the fingerprint of its ``$metadata`` answers and the discovery result."""

    __tablename__ = "sage_discovery"

    server: Mapped[str] = mapped_column(String(512), primary_key=True)
    company: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[Any] = mapped_column(ExactJSON())
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)


def load(store: StateStore, server: str, company: str) -> list[dict[str, Any]]:
    """Every cached result for ``server`` and ``company``, newest first."""
    with Session(store.engine) as session:
        rows = session.scalars(
            select(SageDiscoveryRow)
            .where(SageDiscoveryRow.server == server, SageDiscoveryRow.company == company)
            .order_by(SageDiscoveryRow.discovered_at.desc())
        ).all()
        return [dict(row.result) for row in rows]


def save(
    store: StateStore,
    *,
    server: str,
    company: str,
    version: str,
    fingerprint: str,
    result: dict[str, Any],
    discovered_at: datetime,
) -> None:
    """Insert or replace the result for ``server`` + ``company`` + ``version``."""
    with Session(store.engine) as session, session.begin():
        row = session.get(SageDiscoveryRow, (server, company, version))
        if row is None:
            session.add(
                SageDiscoveryRow(
                    server=server,
                    company=company,
                    version=version,
                    fingerprint=fingerprint,
                    result=result,
                    discovered_at=discovered_at,
                )
            )
        else:
            row.fingerprint = fingerprint
            row.result = result
            row.discovered_at = discovered_at
