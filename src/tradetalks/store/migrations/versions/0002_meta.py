"""Mark the database as tradetalks': table tradetalks_meta with the row application = tradetalks.

Revision ID: 0002_meta
Revises: 0001_initial
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_meta"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    meta = op.create_table(
        "tradetalks_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_tradetalks_meta")),
    )
    op.bulk_insert(meta, [{"key": "application", "value": "tradetalks"}, {"key": "schema", "value": "2"}])


def downgrade() -> None:
    op.drop_table("tradetalks_meta")
