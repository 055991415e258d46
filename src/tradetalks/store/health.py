"""How the record store knows its state: our mark, integrity at open, read-only fallback, health report.

Marks
-----
* Every tradetalks database has the table ``tradetalks_meta`` with the row ``application = tradetalks``
  (created by migration ``0002_meta``), on SQLite and PostgreSQL alike.
* SQLite files also carry ``PRAGMA application_id`` = :data:`APPLICATION_ID` (``"TRDT"``) and
  ``PRAGMA user_version`` = :data:`USER_VERSION` in the file header.

At open (:func:`inspect_sqlite`, :func:`inspect_postgres`) a database is *new* (no tables: ours to
create), *ours* (marked, or an unmarked tradetalks database of an earlier version, which gets marked), or
*foreign* (anything else: :class:`~tradetalks.errors.ForeignDatabaseError`, nothing is written). A SQLite
file whose header is not SQLite's, or that fails ``PRAGMA quick_check`` (a corrupted page), is refused
with :class:`~tradetalks.errors.StoreCorruptError`. All of these are 503 answers on the web.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Final, Literal

from sqlalchemy import Connection, inspect, text

from tradetalks.errors import ForeignDatabaseError, StoreCorruptError

APPLICATION_ID: Final = 0x54524454  # "TRDT"
USER_VERSION: Final = 3  # number of the newest migration
META_TABLE: Final = "tradetalks_meta"
SQLITE_HEADER: Final = b"SQLite format 3\x00"
OUR_TABLES: Final = frozenset({"parties", "records", "rounds", "offers", "runs"})

Kind = Literal["new", "ours", "foreign"]


def writable(path: Path) -> bool:
    """True when the file (if it exists) and its folder can be written (SQLite WAL needs both)."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:  # a missing folder is created in the nearest
        folder = folder.parent  # existing ancestor, which must then be writable
    folder_ok = os.access(folder, os.W_OK | os.X_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def _classify(tables: set[str], marked: bool | None) -> Kind:
    if not tables:
        return "new"
    if marked:
        return "ours"
    if OUR_TABLES <= tables and "alembic_version" in tables:
        return "ours"  # a tradetalks database from before the marks: marked at migration
    return "foreign"


def inspect_sqlite(path: Path) -> Kind:
    """Classify a SQLite file without writing to it.

    Raises
    ------
    StoreCorruptError
        Not a SQLite file (garbled header) or ``PRAGMA quick_check`` reports damage.
    ForeignDatabaseError
        A SQLite database of another application.
    """
    if not path.exists() or path.stat().st_size == 0:
        return "new"
    with path.open("rb") as fh:
        head = fh.read(100)
    if not head.startswith(SQLITE_HEADER):
        raise StoreCorruptError(
            f"database file '{path}': expected a SQLite database (header 'SQLite format 3'); "
            f"found {head[:16]!r} - the file is damaged or not a database"
        )
    app_id = int.from_bytes(head[68:72], "big", signed=True) if len(head) >= 72 else 0
    if app_id not in (0, APPLICATION_ID):
        raise ForeignDatabaseError(
            f"database file '{path}': expected a tradetalks database (application_id {APPLICATION_ID:#x}); "
            f"found application_id {app_id:#x} of another application - nothing was written"
        )
    flags = "mode=ro" if os.access(path.parent, os.W_OK) else "immutable=1"
    try:
        con = sqlite3.connect(f"file:{path.resolve().as_posix()}?{flags}", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StoreCorruptError(f"database file '{path}': cannot be opened ({exc})") from None
    try:
        check = [str(r[0]) for r in con.execute("PRAGMA quick_check(5)").fetchall()]
        if check != ["ok"]:
            raise StoreCorruptError(
                f"database file '{path}': expected an intact database; quick_check found {'; '.join(check)[:300]}"
            )
        tables = {str(r[0]) for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        marked = None
        if META_TABLE in tables:
            row = con.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'application'").fetchone()
            marked = row is not None and row[0] == "tradetalks"
    except sqlite3.DatabaseError as exc:
        raise StoreCorruptError(f"database file '{path}': expected an intact database; found {exc}") from None
    finally:
        con.close()
    kind = _classify(tables, app_id == APPLICATION_ID or marked)
    if kind == "foreign":
        raise ForeignDatabaseError(
            f"database file '{path}': expected a tradetalks database; found one of another application "
            f"(tables {sorted(tables)[:8]}) - nothing was written"
        )
    return kind


def inspect_postgres(conn: Connection) -> Kind:
    """Classify the PostgreSQL schema the connection uses (read-only)."""
    tables = set(inspect(conn).get_table_names())
    marked = None
    if META_TABLE in tables:
        row = conn.execute(text(f"SELECT value FROM {META_TABLE} WHERE key = 'application'")).first()
        marked = row is not None and row[0] == "tradetalks"
    kind = _classify(tables, marked)
    if kind == "foreign":
        raise ForeignDatabaseError(
            f"database: expected a tradetalks database (table {META_TABLE}); found one of another "
            f"application (tables {sorted(tables)[:8]}) - nothing was written"
        )
    return kind


def mark(conn: Connection) -> None:
    """Write the SQLite header marks (inside the migration transaction; the meta row is migration 0002's)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.exec_driver_sql(f"PRAGMA user_version = {USER_VERSION}")
