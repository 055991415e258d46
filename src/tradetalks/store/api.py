"""The negotiation-record store: :func:`open_store` and :class:`Store` (see ``tradetalks.store`` for the map).

The store is split by responsibility: value types and checks (:mod:`.types`), URLs, engines and error
translation (:mod:`.engine`), marks, integrity and read-only detection (:mod:`.health`), offer validation
(:mod:`.offers`), and two repositories (:mod:`.records` for records, rounds and offers; :mod:`.runs` for
evaluation runs; :mod:`.jobs` for the web service's background jobs) that :class:`Store` combines. This module keeps the public API of earlier versions: every
name it exported is still importable from here.

Transactions
------------
Every public write method runs in exactly one database transaction and either commits all of its rows or
none (a record is created together with its parties, rounds and offers; a round together with its
offers). On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (the write lock is taken at once, so
two writers queue on the busy timeout instead of failing on a lock upgrade), the journal is in WAL mode
with ``synchronous=FULL`` and foreign keys are enforced. On PostgreSQL writes run at READ COMMITTED and
lock the parent row (``SELECT ... FOR UPDATE``) where they number children; reads run at REPEATABLE READ
so that a record and its rounds come from one snapshot.

State
-----
At open the database is recognised as ours (or new) and checked (:mod:`.health`); a foreign, damaged or
unreachable one is refused with a named error; one whose file or folder cannot be written is opened
read-only (:attr:`Store.read_only`; writes raise :class:`~tradetalks.errors.ReadOnlyStoreError`).
:meth:`Store.health` reports the state.

Errors
------
Database failures never escape as SQLAlchemy exceptions: they become subclasses of
:class:`tradetalks.errors.StoreError` (``DuplicateError``, ``RecordNotFoundError``, ``StoreInputError``,
``SchemaVersionError``, ``DatabaseUnavailableError``, ``StoreCorruptError``, ``ForeignDatabaseError``,
``ReadOnlyStoreError``, ``StoreConfigError``, ``InvalidRecordError``), whose messages say what was expected
and what was found.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from tradetalks.errors import DatabaseUnavailableError, ReadOnlyStoreError, SchemaVersionError, StoreError
from tradetalks.store import health as _health
from tradetalks.store.engine import (
    DATABASE_URL_ENV,
    DEFAULT_DB_FILENAME,
    SQLITE_BUSY_TIMEOUT_S,
    _alembic_config,
    _normalise_url,
    _postgres_engine,
    _sqlite_engine,
    _translate,
    default_database_url,
    head_revision,
    sqlite_path,
)
from tradetalks.store.jobs import JobRepository
from tradetalks.store.records import RecordRepository
from tradetalks.store.runs import RunRepository
from tradetalks.store.schema import MetaRow
from tradetalks.store.types import (
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
    to_json_value,
)

_PG_LOCK_KEY: Final = 0x7472616465  # advisory lock id held while migrating ("trade")


class Store(RecordRepository, RunRepository, JobRepository):
    """A negotiation-record database (SQLite or PostgreSQL). Build it with :func:`open_store`.

    Thread-safe (one engine, one connection per call); several processes may write to one database.
    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        super().__init__(engine, read_only=read_only)

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tooling; the API methods do not need it)."""
        return self._engine

    @property
    def url(self) -> str:
        """Database URL with the password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self) -> str:
        """Upgrade the schema to the newest revision (Alembic ``upgrade head``), in one transaction.

        Safe to call at every start and from several processes at once (SQLite: ``BEGIN IMMEDIATE``;
        PostgreSQL: an advisory lock). Returns the revision now in force.
        """
        from alembic import command
        from alembic.util.exc import CommandError

        if self.read_only:
            raise ReadOnlyStoreError("migrate: expected a writable database; found it open read-only")
        cfg = _alembic_config()
        try:
            with self._engine.connect() as conn:
                conn.execution_options(tradetalks_write=True)
                with conn.begin():
                    if self._pg:
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    _health.mark(conn)
        except CommandError as exc:
            raise SchemaVersionError(
                f"schema revision: expected one known to this tradetalks (head {head_revision()!r}); "
                f"found a database this version cannot upgrade ({exc})"
            ) from exc
        except SQLAlchemyError as exc:
            raise _translate(exc, "migrate") from exc
        rev = self.revision()
        assert rev is not None
        return rev

    def revision(self) -> str | None:
        """The Alembic revision of the database, ``None`` for an empty (never migrated) database."""
        from alembic.runtime.migration import MigrationContext

        with self._tx("revision", write=False) as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def health(self) -> dict[str, Any]:
        """State of the store: ``{"state": "ok"|"read-only", "dialect", "revision", "records"}``.

        Raises
        ------
        DatabaseUnavailableError, StoreCorruptError
            The database cannot be read now.
        """
        with self._tx("health", write=False) as conn:
            marked = conn.execute(select(MetaRow.value).where(MetaRow.key == "application")).scalar()
            n = int(conn.execute(text("SELECT count(*) FROM records")).scalar_one())
        return {
            "state": "read-only" if self.read_only else "ok",
            "dialect": self.dialect,
            "marked": marked == "tradetalks",
            "records": n,
            "detail": "open read-only: the database file or its folder is not writable"
            if self.read_only
            else "",
        }


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the negotiation-record database.

    Parameters
    ----------
    url
        SQLAlchemy URL: ``sqlite:///path/to/file.sqlite3`` or ``postgresql+psycopg://user:pw@host:5432/db``
        (``postgresql://`` is taken to mean psycopg 3). ``None``: :func:`default_database_url`
        (``$TRADETALKS_DATABASE_URL``, else a SQLite file in the user's data directory).
    migrate
        Run :meth:`Store.migrate` (idempotent) before returning.

    Raises
    ------
    StoreConfigError
        Bad URL or unsupported backend.
    DatabaseUnavailableError
        The database cannot be reached.
    SchemaVersionError
        The database has a schema this version does not know.
    ForeignDatabaseError
        The database belongs to another application (nothing is written).
    StoreCorruptError
        A garbled header or a page that fails the integrity check.
    """
    u = _normalise_url(url if url is not None else default_database_url())
    if u.get_backend_name() == "postgresql":
        return _open_postgres(u, migrate)
    return _open_sqlite(u, migrate)


def _open_sqlite(u: Any, migrate: bool) -> Store:
    path = sqlite_path(u)
    if path is None:  # in-memory or URI databases: nothing to inspect on disk
        return _finish(Store(_sqlite_engine(u)), migrate)
    kind = _health.inspect_sqlite(path)
    if not _health.writable(path):
        if kind != "new":
            return _open_read_only(u)
        raise DatabaseUnavailableError(
            f"database '{path}': expected a folder where the record can be created; found "
            f"'{path.parent}' not writable (or missing and not creatable)"
        )
    store = Store(_sqlite_engine(u))
    try:
        return _finish(store, migrate)
    except ReadOnlyStoreError:  # e.g. a file system mounted read-only
        store.close()
        if kind == "new":
            raise
        return _open_read_only(u)


def _open_read_only(u: Any) -> Store:
    """Open a SQLite file read-only: ``mode=ro`` first, ``immutable=1`` when even that cannot read it
    (a WAL database in a folder where the WAL index cannot be created)."""
    try:
        return _read_only(Store(_sqlite_engine(u, read_only=True), read_only=True))
    except StoreError:
        return _read_only(Store(_sqlite_engine(u, read_only=True, immutable=True), read_only=True))


def _read_only(store: Store) -> Store:
    """A read-only store must already have our current schema (it cannot be migrated)."""
    try:
        rev = store.revision()
    except BaseException:
        store.close()
        raise
    if rev != head_revision():
        store.close()
        raise SchemaVersionError(
            f"schema revision: expected {head_revision()!r} in a database opened read-only (it cannot be "
            f"migrated); found {rev!r}"
        )
    return store


def _open_postgres(u: Any, migrate: bool) -> Store:
    store = Store(_postgres_engine(u))
    if not migrate:  # the caller asked not to touch the database yet
        return store
    try:
        with store.engine.connect() as conn:
            _health.inspect_postgres(conn)
    except SQLAlchemyError as exc:
        store.close()
        raise _translate(exc, "open") from exc
    except StoreError:
        store.close()
        raise
    return _finish(store, migrate)


def _finish(store: Store, migrate: bool) -> Store:
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store


__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_DB_FILENAME",
    "MAX_LIMIT",
    "ROUND_KINDS",
    "SQLITE_BUSY_TIMEOUT_S",
    "Offer",
    "OfferSpec",
    "Party",
    "Record",
    "Round",
    "RoundSpec",
    "Run",
    "RunSpec",
    "Store",
    "default_database_url",
    "head_revision",
    "open_store",
    "to_json_value",
]
