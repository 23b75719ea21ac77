"""Where a document is in Sage 300: the typed answer to "did my creating call land, and where?".

Found by a look-up (:mod:`cwsage.services.targets`) or told by Sage's answer to a create, kept by the state
store as columns (system, place, batch, entry, document number, party, IC kind), and put into words only when
shown (:meth:`DocumentLocation.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

System = Literal["AR", "AP", "GL", "IC"]


class DocumentPlace(StrEnum):
    """Where a document sits in Sage."""

    POSTED = "posted"
    OPEN_BATCH = "open batch"
    READY_BATCH = "ready-to-post batch"
    ENTERED = "entered"  # an IC adjustment/transfer not yet through Day End


_BATCH_NAMES: dict[str, str] = {"AR": "AR invoice batch", "AP": "AP invoice batch", "GL": "GL journal batch"}
_PLACE_WORDS: dict[DocumentPlace, str] = {
    DocumentPlace.POSTED: "posted",
    DocumentPlace.OPEN_BATCH: "open",
    DocumentPlace.READY_BATCH: "ready to post",
    DocumentPlace.ENTERED: "entered",
}


@dataclass(frozen=True)
class DocumentLocation:
    """Proof that a document exists in Sage, and where.

    Attributes:
        system: ``AR``, ``AP``, ``GL`` or ``IC``.
        document_number: The document number (IC: the reference).
        where: Posted, in an open batch, in a ready-to-post batch, or (IC) entered.
        batch_number: The batch (GL: 6-digit string; IC: the sequence number), when known.
        entry_number: The entry within the batch, when known.
        party: The customer or vendor number, when known.
        kind: For IC, ``adjustment`` or ``transfer``.
    """

    system: System
    document_number: str
    where: DocumentPlace
    batch_number: str | None = None
    entry_number: int | None = None
    party: str | None = None
    kind: str | None = None

    @property
    def posted(self) -> bool:
        """Whether the document is posted."""
        return self.where is DocumentPlace.POSTED

    def batch_name(self) -> str:
        """The Sage batch (or IC document) the document is in, as reports name it, e.g. ``AR invoice batch 12``."""
        if self.system == "IC":
            return f"IC {self.kind or 'document'} {self.batch_number or self.document_number}"
        if self.batch_number is None:
            return f"{self.system} document {self.document_number}"
        return f"{_BATCH_NAMES[self.system]} {self.batch_number}"

    def describe(self) -> str:
        """Human text, e.g. ``AR invoice batch 12 (open), entry 3``."""
        words = _PLACE_WORDS[self.where]
        if self.system == "IC":
            text = f"IC {self.kind or 'document'}"
            if self.batch_number:
                text += f" {self.batch_number}"
            text += f" ({words}), reference {self.document_number}"
        elif self.where is DocumentPlace.POSTED or self.batch_number is None:
            text = f"{self.system} document {self.document_number} ({words}"
            if self.batch_number is not None:
                text += f" from batch {self.batch_number}"
                if self.entry_number is not None:
                    text += f", entry {self.entry_number}"
            text += ")"
        else:
            text = f"{_BATCH_NAMES[self.system]} {self.batch_number} ({words})"
            if self.entry_number is not None:
                text += f", entry {self.entry_number}"
        if self.party:
            text += f", {'customer' if self.system == 'AR' else 'vendor'} {self.party}"
        return text
