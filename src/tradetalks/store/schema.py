"""Tables of the negotiation record (SQLAlchemy 2.0 declarative models).

This module is the *description* of the schema; the database itself is built and upgraded only by the
Alembic scripts in ``tradetalks/store/migrations/versions`` (``Store.migrate()``). A test checks that the
migrated database and these models agree (``alembic.autogenerate.compare_metadata`` finds no difference).

Tables
------
``parties``         a government or bloc: ``code`` (ISO3-like, unique), ``name``.
``records``         one negotiation: ``title``, optional unique ``key`` (e.g. ``japan-us-2025``),
                    ``description``, ``created_at``.
``record_parties``  which parties a record is between (ordered by ``position``).
``rounds``          a round of a record: ``number`` (unique per record), ``date``, ``kind``, ``title``,
                    ``place``, ``counterparts``, ``notes``, ``source_title``, ``source_address``.
``offers``          what one party put on the table in a round: ``label`` and ``package`` (a package
                    specification as a JSON object).
``runs``            one evaluation: optional ``record_id``/``offer_id``, ``inputs`` (JSON), ``dataset_name``
                    and ``dataset_version`` (content hash, :func:`tradetalks.store.dataset_version`),
                    ``model``, ``closure``, ``tradetalks_version``, ``results`` (JSON).

All timestamps are stored and returned in UTC (:class:`UTCDateTime`). Deleting a record deletes its rounds,
their offers and its parties' membership (``ON DELETE CASCADE``); a run keeps existing with a NULL link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Constraint names follow one convention so that migrations can refer to them on every backend.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON column: ``json`` on SQLite, ``jsonb`` on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    Binding requires an aware datetime (converted to UTC); SQLite, which stores no offset, gets the
    naive UTC value and results come back with ``tzinfo=UTC`` attached.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"timestamp: expected a timezone-aware datetime; found naive {value!r}")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PartyRow(Base):
    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)

    __table_args__ = (CheckConstraint("length(code) > 0", name="code_nonempty"),)


class RecordRow(Base):
    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (CheckConstraint("length(title) > 0", name="title_nonempty"),)


class RecordPartyRow(Base):
    __tablename__ = "record_parties"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    party_id: Mapped[int] = mapped_column(
        ForeignKey("parties.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (UniqueConstraint("record_id", "position", name="uq_record_parties_position"),)


class RoundRow(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="round")
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    counterparts: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source_title: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    source_address: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        UniqueConstraint("record_id", "number", name="uq_rounds_record_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )


class OfferRow(Base):
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="RESTRICT"), nullable=False)
    label: Mapped[str] = mapped_column(String(500), nullable=False)
    package: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id", ondelete="SET NULL"), nullable=True, index=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("offers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    dataset_name: Mapped[str] = mapped_column(String(200), nullable=False)
    dataset_version: Mapped[str] = mapped_column(String(100), nullable=False)
    model: Mapped[str] = mapped_column(String(100), nullable=False)
    closure: Mapped[str] = mapped_column(String(100), nullable=False)
    tradetalks_version: Mapped[str] = mapped_column(String(50), nullable=False)
    results: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class MetaRow(Base):
    """``tradetalks_meta``: marks the database as a tradetalks record store (``application = tradetalks``)."""

    __tablename__ = "tradetalks_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), nullable=False)


class JobRow(Base):
    """``jobs``: background jobs of the web service, shared by its worker processes (issue 15).

    ``created``/``updated`` are POSIX seconds; ``cancel_requested`` is set by any process and honoured by
    the process running the job at its next progress report.
    """

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    owner: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    message: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created: Mapped[float] = mapped_column(Float, nullable=False)
    updated: Mapped[float] = mapped_column(Float, nullable=False)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    worker: Mapped[str] = mapped_column(String(100), nullable=False, default="")
