"""Database URLs and engines of the record store, translation of driver errors, the Alembic set-up.

See :mod:`tradetalks.store.health` for how a database is recognised as ours and checked at open.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from tradetalks.errors import (
    DatabaseUnavailableError,
    DuplicateError,
    SchemaVersionError,
    StoreConfigError,
    StoreCorruptError,
    StoreError,
    StoreInputError,
)
from tradetalks.store.types import _dumps

#: Environment variable naming the database (a SQLAlchemy URL).
DATABASE_URL_ENV: Final = "TRADETALKS_DATABASE_URL"
#: File name of the default SQLite database inside the user's data directory.
DEFAULT_DB_FILENAME: Final = "tradetalks.sqlite3"
#: Seconds a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_S: Final = 30.0


def default_database_url() -> str:
    """The URL used when none is given: ``$TRADETALKS_DATABASE_URL`` or a SQLite file in the user's
    data directory (``platformdirs.user_data_path("tradetalks") / "tradetalks.sqlite3"``)."""
    env = os.environ.get(DATABASE_URL_ENV, "").strip()
    if env:
        return env
    import platformdirs

    folder = platformdirs.user_data_path("tradetalks", appauthor=False)
    return f"sqlite:///{folder / DEFAULT_DB_FILENAME}"


def _normalise_url(url: str) -> URL:
    try:
        u = make_url(url)
    except ArgumentError as exc:
        raise StoreConfigError(
            f"database URL: expected a SQLAlchemy URL such as 'sqlite:///path.db' or "
            f"'postgresql+psycopg://user@host/db'; found {url!r}"
        ) from exc
    backend = u.get_backend_name()
    if backend == "postgresql":
        if u.drivername in ("postgresql", "postgres"):
            u = u.set(drivername="postgresql+psycopg")
        elif u.drivername != "postgresql+psycopg":
            raise StoreConfigError(
                f"database URL driver: expected 'postgresql+psycopg' (psycopg 3); found {u.drivername!r}"
            )
    elif backend == "sqlite":
        if u.drivername != "sqlite":
            raise StoreConfigError(f"database URL driver: expected 'sqlite'; found {u.drivername!r}")
    else:
        raise StoreConfigError(
            f"database URL: expected a 'sqlite' or 'postgresql' URL; found backend {backend!r}"
        )
    return u


def sqlite_path(u: URL) -> Path | None:
    """The file of a SQLite URL (``None`` for in-memory and ``file:`` URI databases)."""
    database = u.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _sqlite_engine(u: URL, *, read_only: bool = False, immutable: bool = False) -> Engine:
    database = u.database or ""
    path = sqlite_path(u)
    connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    if path is not None and read_only:
        # read-only: a URI connection that never creates or writes the file; 'immutable' when even the
        # WAL index cannot be created (folder not writable)
        flags = {"immutable": "1"} if immutable else {"mode": "ro"}
        u = u.set(database=f"file:{path.resolve().as_posix()}", query={**flags, "uri": "true"})
    elif path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailableError(
                f"database folder '{path.parent}': expected a folder that exists or can be created; "
                f"found: {exc.strerror or exc}"
            ) from None
    engine = create_engine(u, connect_args=connect_args, json_serializer=_dumps)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cur.execute("PRAGMA foreign_keys = ON")
            if database not in ("", ":memory:") and not read_only:
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("tradetalks_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _postgres_engine(u: URL) -> Engine:
    try:
        return create_engine(u, pool_pre_ping=True, json_serializer=_dumps)
    except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
        raise StoreConfigError(
            "database driver: expected psycopg 3 ('pip install psycopg[binary]'); found none"
        ) from exc


def _is_missing_table(exc: DBAPIError) -> bool:
    msg = str(exc.orig).lower()
    return "no such table" in msg or ("relation" in msg and "does not exist" in msg)


def _is_unique_violation(exc: IntegrityError) -> bool:
    msg = str(exc.orig).lower()
    return "unique" in msg or "duplicate key" in msg


def _driver_message(exc: SQLAlchemyError) -> str:
    """The first line of the driver's message (no SQL, no caret lines)."""
    orig = getattr(exc, "orig", None)
    msg = str(orig if orig is not None else exc).strip()
    return msg.splitlines()[0] if msg else type(exc).__name__


def _is_corrupt(message: str) -> bool:
    m = message.lower()
    return "not a database" in m or "malformed" in m or "file is encrypted" in m or "corrupt" in m


def _translate(exc: SQLAlchemyError, what: str) -> StoreError:
    """Turn a SQLAlchemy error into a named store error (message: one line, no SQL)."""
    found = _driver_message(exc)
    if isinstance(exc, IntegrityError):
        if _is_unique_violation(exc):
            return DuplicateError(f"{what}: expected unique values; found a duplicate ({found})")
        return StoreInputError(
            f"{what}: expected values that satisfy the schema; found a violation ({found})"
        )
    if isinstance(exc, (OperationalError, ProgrammingError)) and _is_missing_table(exc):
        return SchemaVersionError(
            f"{what}: expected a database migrated to the current schema; found missing tables "
            f"({found}); call Store.migrate() (open_store migrates by default)"
        )
    if isinstance(exc, DatabaseError) and _is_corrupt(found):
        return StoreCorruptError(f"{what}: expected an intact tradetalks database; found {found}")
    if isinstance(exc, OperationalError) and "readonly" in found.lower().replace("-", "").replace(" ", ""):
        from tradetalks.errors import ReadOnlyStoreError

        return ReadOnlyStoreError(f"{what}: expected a writable database; found {found}")
    if isinstance(exc, OperationalError):
        return DatabaseUnavailableError(f"{what}: expected a reachable, writable database; found {found}")
    return StoreError(f"{what}: expected the database to accept the statement; found {found}")


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "tradetalks.store:migrations")
    return cfg


def head_revision() -> str:
    """The newest schema revision shipped with this tradetalks."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head
