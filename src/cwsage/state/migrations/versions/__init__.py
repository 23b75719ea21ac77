"""Alembic revision scripts of the state database."""
