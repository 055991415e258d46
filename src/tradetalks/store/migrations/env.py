"""Alembic environment: runs the migrations on the connection handed over by ``Store.migrate()``.

Users never need an ``alembic.ini``. Developers write a new revision with::

    python -m tradetalks.store.revision "message"   # autogenerates against a scratch SQLite database

and review it by hand before use.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from tradetalks.store.schema import Base

config = context.config
connection = config.attributes.get("connection")
if not isinstance(connection, Connection):  # pragma: no cover - misuse guard
    raise RuntimeError(
        "tradetalks migrations run only through tradetalks.store.Store.migrate(); "
        "expected config.attributes['connection'] to be a SQLAlchemy Connection"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
