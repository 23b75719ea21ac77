"""Use cases: the only layer that sequences I/O and advances document state (DESIGN §2)."""
