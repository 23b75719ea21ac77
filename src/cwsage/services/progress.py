"""Progress events from the services to whatever shows them (a Rich bar, the web page, a test).

The services never print; they call a :class:`Progress`. The default does nothing, so a service can be
called from a test or a script without a console.
"""

from __future__ import annotations

import os
import signal
from typing import Protocol


class Progress(Protocol):
    """Receives progress events from a service."""

    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage starts (``Reading Sage master data``), with the number of steps if known."""
        ...

    def advance(self, steps: int = 1) -> None:
        """Steps of the current stage are done."""
        ...

    def note(self, text: str) -> None:
        """A line worth showing to the user as it happens."""
        ...


class SilentProgress:
    """A :class:`Progress` that ignores everything."""

    def stage(self, name: str, total: int | None = None) -> None:
        """Ignore."""

    def advance(self, steps: int = 1) -> None:
        """Ignore."""

    def note(self, text: str) -> None:
        """Ignore."""


KILL_ENV = "CWSAGE_TEST_KILL_AT"
"""Crash-test seam: when this environment variable names a checkpoint, the process kills itself there.

Only the crash tests set it. It exists so that "killed after Sage accepted a batch but before write-back"
is a reproducible instant rather than a race; the kill is a real SIGKILL, nothing is cleaned up.
"""


def checkpoint(name: str) -> None:
    """Die on the spot (SIGKILL) if the crash tests asked for a kill at ``name``."""
    wanted = os.environ.get(KILL_ENV, "")
    if wanted and wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)
