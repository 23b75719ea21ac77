"""Command-line interface (placeholder until the CLI module lands)."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``cwsage`` command."""
    raise SystemExit("cwsage: not built yet")
