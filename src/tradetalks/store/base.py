"""The base of the store's repositories: one engine, one transaction per public call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tradetalks.errors import ReadOnlyStoreError
from tradetalks.store.engine import _translate


class Repository:
    """Shared state of the repositories (:class:`~tradetalks.store.records.RecordRepository`,
    :class:`~tradetalks.store.runs.RunRepository`) that :class:`~tradetalks.store.Store` combines."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._pg = engine.dialect.name == "postgresql"
        self._read_only = read_only

    @property
    def read_only(self) -> bool:
        """True when the database was opened read-only (file or folder not writable)."""
        return self._read_only

    @contextlib.contextmanager
    def _tx(self, what: str, *, write: bool) -> Iterator[Connection]:
        """One transaction: commit on success, roll back on any exception (mapped to StoreError)."""
        if write and self._read_only:
            raise ReadOnlyStoreError(
                f"{what}: expected a writable record store; found it open read-only "
                "(the database file or its folder is not writable)"
            )
        try:
            with self._engine.connect() as conn:
                if write:
                    conn.execution_options(tradetalks_write=True)
                elif self._pg:
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise _translate(exc, what) from exc
