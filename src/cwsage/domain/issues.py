"""Validation findings as data: validators return lists of :class:`Issue` instead of raising.

Each issue names the Manage record, the field, the value, and what to change where, so that a
bookkeeper can fix every problem of a batch in one pass (the guide's tool stops at the first).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad an issue is: errors block the document, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


class FixIn(StrEnum):
    """Which system the user must change to fix the issue."""

    MANAGE = "Manage"
    SAGE = "Sage 300"
    CWSAGE = "cwsage settings"


@dataclass(frozen=True)
class Issue:
    """One problem found with one document.

    Attributes:
        source_ref: The Manage record, e.g. ``invoice 10234`` or ``expense bill EXP-jsmith-20261015``.
        document_key: The cwsage document key the issue blocks (empty for run-level issues).
        code: A stable machine code, e.g. ``customer-missing``.
        field: The field concerned, e.g. ``Company.accountNumber``.
        value: The offending value as text.
        message: What is wrong, in a bookkeeper's words.
        hint: What to change, and where.
        fix_in: The system where the fix belongs.
        severity: Error (blocks posting) or warning.
    """

    source_ref: str
    document_key: str
    code: str
    field: str
    value: str
    message: str
    hint: str
    fix_in: FixIn = FixIn.MANAGE
    severity: Severity = Severity.ERROR

    @property
    def blocking(self) -> bool:
        """Whether this issue stops its document from being posted."""
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form for the state store, reports and ``--json``."""
        data = asdict(self)
        data["fix_in"] = str(self.fix_in)
        data["severity"] = str(self.severity)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        """Inverse of :meth:`as_dict`."""
        return cls(**{**data, "fix_in": FixIn(data["fix_in"]), "severity": Severity(data["severity"])})

    def what_to_do(self) -> str:
        """The hint as both interfaces word it (the CLI under each problem, the web beside it): one wording."""
        return f"What to do (in {self.fix_in}): {self.hint}"

    def line(self) -> str:
        """One readable line: ``invoice 10234: customer ACME001 … → fix in Sage 300: …``."""
        return f"{self.source_ref}: {self.message} [{self.field} = {self.value!r}] → {self.fix_in}: {self.hint}"
