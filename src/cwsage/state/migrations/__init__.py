"""Alembic migrations of the state database, shipped inside the package (no alembic.ini needed)."""
