"""Alembic environment of the negotiation record, run programmatically by ``Store.migrate()``."""
