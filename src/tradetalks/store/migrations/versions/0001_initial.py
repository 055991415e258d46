"""Initial schema: parties, records, record_parties, rounds, offers, runs.

Revision ID: 0001_initial
Revises:
Create Date: 2026-03-20
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the six tables and their indexes (one helper per table, in dependency order)."""
    _create_parties()
    _create_records()
    _create_record_parties()
    _create_rounds()
    _create_offers()
    _create_runs()


def _create_parties() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint("length(code) > 0", name=op.f("ck_parties_code_nonempty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("code", name=op.f("uq_parties_code")),
    )


def _create_records() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_records_title_nonempty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("key", name=op.f("uq_records_key")),
    )


def _create_record_parties() -> None:
    op.create_table(
        "record_parties",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_parties_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_record_parties_party_id_parties"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("record_id", "party_id", name=op.f("pk_record_parties")),
        sa.UniqueConstraint("record_id", "position", name="uq_record_parties_position"),
    )
    op.create_index(op.f("ix_record_parties_party_id"), "record_parties", ["party_id"])


def _create_rounds() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("counterparts", sa.String(length=500), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source_title", sa.String(length=500), nullable=False),
        sa.Column("source_address", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_rounds_number_positive")),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_rounds_record_id_records"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("record_id", "number", name="uq_rounds_record_number"),
    )


def _create_offers() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("package", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_offers_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_offers_party_id_parties"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(op.f("ix_offers_round_id"), "offers", ["round_id"])


def _create_runs() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("inputs", _json(), nullable=False),
        sa.Column("dataset_name", sa.String(length=200), nullable=False),
        sa.Column("dataset_version", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("closure", sa.String(length=100), nullable=False),
        sa.Column("tradetalks_version", sa.String(length=50), nullable=False),
        sa.Column("results", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_runs_record_id_records"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_runs_offer_id_offers"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_record_id"), "runs", ["record_id"])
    op.create_index(op.f("ix_runs_offer_id"), "runs", ["offer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_runs_offer_id"), table_name="runs")
    op.drop_index(op.f("ix_runs_record_id"), table_name="runs")
    op.drop_table("runs")
    op.drop_index(op.f("ix_offers_round_id"), table_name="offers")
    op.drop_table("offers")
    op.drop_table("rounds")
    op.drop_index(op.f("ix_record_parties_party_id"), table_name="record_parties")
    op.drop_table("record_parties")
    op.drop_table("records")
    op.drop_table("parties")
