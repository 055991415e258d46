"""The negotiation record: parties, rounds, offers and evaluation runs in a SQL database.

SQLite by default (a file in the user's data directory), PostgreSQL by URL (``TRADETALKS_DATABASE_URL``);
schema managed by Alembic scripts shipped in ``tradetalks/store/migrations`` and applied by
:meth:`Store.migrate` (no ``alembic.ini`` needed). Every write method is one transaction.

Quick start
-----------
>>> from tradetalks.store import open_store, seed_japan_us, RoundSpec, OfferSpec, Party
>>> store = open_store("sqlite:///record.sqlite3")           # opens and migrates  # doctest: +SKIP
>>> rec = seed_japan_us(store)                                # the 2025-26 Japan-US rounds (idempotent)
>>> store.list_rounds(rec.id)[0].title                        # doctest: +SKIP

API
---
``open_store(url=None, *, migrate=True) -> Store``
``Store.migrate() -> str``, ``Store.revision() -> str | None``, ``Store.close()``, ``Store.dialect``, ``Store.url``
``Store.create_record(title, parties, *, key=None, description="", rounds=()) -> Record``
``Store.list_records(*, limit=100, offset=0) -> list[Record]``, ``Store.count_records() -> int``
``Store.get_record(id) -> Record``, ``Store.get_record_by_key(key) -> Record``, ``Store.delete_record(id)``
``Store.add_round(record_id, RoundSpec) -> Round``, ``Store.list_rounds(record_id) -> list[Round]``,
``Store.get_round(id) -> Round``
``Store.add_offer(round_id, OfferSpec) -> Offer``, ``Store.get_offer(id) -> Offer``
``Store.add_run(RunSpec) -> Run``, ``Store.get_run(id) -> Run``,
``Store.list_runs(*, record_id=None, offer_id=None, limit=100, offset=0) -> list[Run]``
``Store.list_parties() -> list[Party]``
``seed_japan_us(store) -> Record``; ``dataset_version(data: TradeData) -> str``

Inputs are frozen dataclasses (:class:`Party`, :class:`RoundSpec`, :class:`OfferSpec`, :class:`RunSpec`),
outputs too (:class:`Record`, :class:`Round`, :class:`Offer`, :class:`Run`, each with ``as_dict()``).
Timestamps are timezone-aware UTC. Errors are subclasses of :class:`tradetalks.errors.StoreError`.
"""

from tradetalks.store.api import (
    DATABASE_URL_ENV,
    MAX_LIMIT,
    ROUND_KINDS,
    Offer,
    OfferSpec,
    Party,
    Record,
    Round,
    RoundSpec,
    Run,
    RunSpec,
    Store,
    default_database_url,
    head_revision,
    open_store,
    to_json_value,
)
from tradetalks.store.seed import JAPAN_US_KEY, seed_japan_us
from tradetalks.store.versioning import dataset_version

__all__ = [
    "DATABASE_URL_ENV",
    "JAPAN_US_KEY",
    "MAX_LIMIT",
    "ROUND_KINDS",
    "Offer",
    "OfferSpec",
    "Party",
    "Record",
    "Round",
    "RoundSpec",
    "Run",
    "RunSpec",
    "Store",
    "dataset_version",
    "default_database_url",
    "head_revision",
    "open_store",
    "seed_japan_us",
    "to_json_value",
]
