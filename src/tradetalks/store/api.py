"""The negotiation-record store: :func:`open_store` and :class:`Store` (see ``tradetalks.store`` for the map).

Transactions
------------
Every public write method runs in exactly one database transaction and either commits all of its rows or
none (a record is created together with its parties, rounds and offers; a round together with its
offers). On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (the write lock is taken at once, so
two writers queue on the busy timeout instead of failing on a lock upgrade), the journal is in WAL mode
with ``synchronous=FULL`` and foreign keys are enforced. On PostgreSQL writes run at READ COMMITTED and
lock the parent row (``SELECT ... FOR UPDATE``) where they number children; reads run at REPEATABLE READ
so that a record and its rounds come from one snapshot.

Errors
------
Database failures never escape as SQLAlchemy exceptions: they become subclasses of
:class:`tradetalks.errors.StoreError` (``DuplicateError``, ``RecordNotFoundError``, ``StoreInputError``,
``SchemaVersionError``, ``DatabaseUnavailableError``, ``StoreConfigError``), whose messages say what was
expected and what was found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import (
    ArgumentError,
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
    OfferNotFoundError,
    RecordNotFoundError,
    RoundNotFoundError,
    RunNotFoundError,
    SchemaVersionError,
    StoreConfigError,
    StoreError,
    StoreInputError,
)
from tradetalks.store.schema import (
    OfferRow,
    PartyRow,
    RecordPartyRow,
    RecordRow,
    RoundRow,
    RunRow,
    utcnow,
)

#: Environment variable naming the database (a SQLAlchemy URL).
DATABASE_URL_ENV: Final = "TRADETALKS_DATABASE_URL"
#: File name of the default SQLite database inside the user's data directory.
DEFAULT_DB_FILENAME: Final = "tradetalks.sqlite3"
#: Seconds a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_S: Final = 30.0
#: Kinds of round (a meeting of negotiators, a phone call, a leaders' summit, a deal or other event).
ROUND_KINDS: Final = ("round", "call", "summit", "deal", "other")
#: Largest page a list method returns.
MAX_LIMIT: Final = 1000

_PARTY_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{0,15}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_PG_LOCK_KEY: Final = 0x7472616465  # advisory lock id held while migrating ("trade")


# --- value types ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """A government or bloc at the table.

    Attributes
    ----------
    code
        Upper-case identifier, ISO3-like (``JPN``, ``USA``, ``EU``): 1–16 characters ``[A-Z0-9_-]``
        starting with a letter.
    name
        Display name (1–200 characters).
    """

    code: str
    name: str


@dataclass(frozen=True)
class OfferSpec:
    """An offer to store: what ``party`` put on the table.

    Attributes
    ----------
    party
        Code of one of the record's parties.
    label
        Short description (1–500 characters).
    package
        The package specification as a JSON object (a ``dict`` with string keys; numbers must be
        finite; numpy scalars and arrays are converted to numbers and lists).
    """

    party: str
    label: str
    package: Mapping[str, Any]


@dataclass(frozen=True)
class RoundSpec:
    """A round to store.

    Attributes
    ----------
    date
        Day of the round (the last day when it spanned several).
    title
        What happened (1–500 characters).
    number
        Position in the record (>= 1, unique per record); ``None`` takes the next free number.
    kind
        One of :data:`ROUND_KINDS`.
    place, counterparts, notes
        Free text (``counterparts`` e.g. ``"Akazawa / Lutnick, Bessent"``).
    source_title, source_address
        Where the facts come from.
    offers
        Offers made in this round, stored in the same transaction.
    """

    date: dt.date
    title: str
    number: int | None = None
    kind: str = "round"
    place: str = ""
    counterparts: str = ""
    notes: str = ""
    source_title: str = ""
    source_address: str = ""
    offers: tuple[OfferSpec, ...] = ()


@dataclass(frozen=True)
class RunSpec:
    """An evaluation run to store, with everything needed to reproduce it.

    Attributes
    ----------
    inputs
        The request as a JSON object (scenario or package spec, options, ...).
    dataset_name
        Registry name of the dataset.
    dataset_version
        Content hash from :func:`tradetalks.store.dataset_version`.
    model, closure
        Model name (``armington``, ``ossa``, ``caliendo_parro``, ...) and closure/variant.
    results
        The results as a JSON object.
    record_id, offer_id
        Optional links to the record and the offer that was evaluated (the offer must belong to the
        record when both are given).
    tradetalks_version
        Package version that computed the results; ``None`` records the running version.
    """

    inputs: Mapping[str, Any]
    dataset_name: str
    dataset_version: str
    model: str
    closure: str
    results: Mapping[str, Any]
    record_id: int | None = None
    offer_id: int | None = None
    tradetalks_version: str | None = None


@dataclass(frozen=True)
class Offer:
    """A stored offer (``package`` is a plain JSON object; treat it as read-only)."""

    id: int
    round_id: int
    party: str
    label: str
    package: dict[str, Any]
    created_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (timestamps as ISO 8601 strings)."""
        return {
            "id": self.id,
            "round_id": self.round_id,
            "party": self.party,
            "label": self.label,
            "package": self.package,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Round:
    """A stored round with its offers (ordered by id)."""

    id: int
    record_id: int
    number: int
    date: dt.date
    kind: str
    title: str
    place: str
    counterparts: str
    notes: str
    source_title: str
    source_address: str
    created_at: dt.datetime
    offers: tuple[Offer, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO 8601 strings)."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "number": self.number,
            "date": self.date.isoformat(),
            "kind": self.kind,
            "title": self.title,
            "place": self.place,
            "counterparts": self.counterparts,
            "notes": self.notes,
            "source_title": self.source_title,
            "source_address": self.source_address,
            "created_at": self.created_at.isoformat(),
            "offers": [o.as_dict() for o in self.offers],
        }


@dataclass(frozen=True)
class Record:
    """A stored negotiation record (without its rounds; see :meth:`Store.list_rounds`)."""

    id: int
    key: str | None
    title: str
    description: str
    parties: tuple[Party, ...]
    created_at: dt.datetime
    n_rounds: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "parties": [{"code": p.code, "name": p.name} for p in self.parties],
            "created_at": self.created_at.isoformat(),
            "n_rounds": self.n_rounds,
        }


@dataclass(frozen=True)
class Run:
    """A stored evaluation run (``inputs``/``results`` are plain JSON objects; treat as read-only)."""

    id: int
    record_id: int | None
    offer_id: int | None
    inputs: dict[str, Any]
    dataset_name: str
    dataset_version: str
    model: str
    closure: str
    tradetalks_version: str
    results: dict[str, Any]
    created_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "offer_id": self.offer_id,
            "inputs": self.inputs,
            "dataset_name": self.dataset_name,
            "dataset_version": self.dataset_version,
            "model": self.model,
            "closure": self.closure,
            "tradetalks_version": self.tradetalks_version,
            "results": self.results,
            "created_at": self.created_at.isoformat(),
        }


# --- validation helpers --------------------------------------------------------------------------


def _text(field_name: str, value: object, *, max_len: int, allow_empty: bool) -> str:
    if not isinstance(value, str):
        raise StoreInputError(f"{field_name}: expected a string; found {type(value).__name__} {value!r}")
    if "\x00" in value:
        raise StoreInputError(f"{field_name}: expected text without NUL characters; found one")
    s = value.strip()
    if not s and not allow_empty:
        raise StoreInputError(f"{field_name}: expected a non-empty string; found {value!r}")
    if len(s) > max_len:
        raise StoreInputError(f"{field_name}: expected at most {max_len} characters; found {len(s)}")
    return s


def _party_code(value: object) -> str:
    if not isinstance(value, str) or not _PARTY_CODE.match(value):
        raise StoreInputError(
            "party code: expected 1-16 characters [A-Z0-9_-] starting with an upper-case letter "
            f"(e.g. 'JPN'); found {value!r}"
        )
    return value


def _positive_id(field_name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise StoreInputError(f"{field_name}: expected a positive integer id; found {value!r}")
    return int(value)


def _page(limit: int, offset: int) -> tuple[int, int]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise StoreInputError(f"limit: expected an integer in [1, {MAX_LIMIT}]; found {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise StoreInputError(f"offset: expected a non-negative integer; found {offset!r}")
    return limit, offset


def to_json_value(value: object, path: str = "$") -> Any:
    """Convert ``value`` to plain JSON types, or raise :class:`StoreInputError` naming the bad path.

    Accepted: ``None``, ``bool``, ``int``, finite ``float``, ``str``, lists/tuples, dicts with string
    keys, numpy scalars and arrays (converted). Rejected: NaN/inf, other objects.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise StoreInputError(f"{path}: expected text without NUL characters; found one")
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            raise StoreInputError(f"{path}: expected a finite number; found {f}")
        return f
    if isinstance(value, np.ndarray):
        return to_json_value(value.tolist(), path)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str) or "\x00" in k:
                raise StoreInputError(f"{path}: expected string keys without NUL characters; found key {k!r}")
            out[k] = to_json_value(v, f"{path}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise StoreInputError(
        f"{path}: expected a JSON value (null, bool, number, string, list, object); "
        f"found {type(value).__name__}"
    )


def _json_object(field_name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise StoreInputError(f"{field_name}: expected a JSON object (mapping); found {type(value).__name__}")
    out = to_json_value(value, field_name)
    assert isinstance(out, dict)
    return out


def _dumps(obj: Any) -> str:
    return json.dumps(obj, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


# --- URL and engine ------------------------------------------------------------------------------


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


def _sqlite_engine(u: URL) -> Engine:
    database = u.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        u,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        json_serializer=_dumps,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cur.execute("PRAGMA foreign_keys = ON")
            if database not in ("", ":memory:"):
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


def _translate(exc: SQLAlchemyError, what: str) -> StoreError:
    """Turn a SQLAlchemy error into a named store error (message: one line, no SQL)."""
    found = _driver_message(exc)
    if isinstance(exc, IntegrityError):
        if _is_unique_violation(exc):
            return DuplicateError(f"{what}: expected unique values; found a duplicate ({found})")
        return StoreInputError(f"{what}: expected values that satisfy the schema; found a violation ({found})")
    if isinstance(exc, (OperationalError, ProgrammingError)) and _is_missing_table(exc):
        return SchemaVersionError(
            f"{what}: expected a database migrated to the current schema; found missing tables "
            f"({found}); call Store.migrate() (open_store migrates by default)"
        )
    if isinstance(exc, OperationalError):
        return DatabaseUnavailableError(f"{what}: expected a reachable, writable database; found {found}")
    return StoreError(f"{what}: expected the database to accept the statement; found {found}")


# --- the store -----------------------------------------------------------------------------------


class Store:
    """A negotiation-record database (SQLite or PostgreSQL). Build it with :func:`open_store`.

    Thread-safe (one engine, one connection per call); several processes may write to one database.
    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pg = engine.dialect.name == "postgresql"

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

    @contextlib.contextmanager
    def _tx(self, what: str, *, write: bool) -> Iterator[Connection]:
        """One transaction: commit on success, roll back on any exception (mapped to StoreError)."""
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

    def migrate(self) -> str:
        """Upgrade the schema to the newest revision (Alembic ``upgrade head``), in one transaction.

        Safe to call at every start and from several processes at once (SQLite: ``BEGIN IMMEDIATE``;
        PostgreSQL: an advisory lock). Returns the revision now in force.
        """
        from alembic import command
        from alembic.util.exc import CommandError

        cfg = _alembic_config()
        try:
            with self._engine.connect() as conn:
                conn.execution_options(tradetalks_write=True)
                with conn.begin():
                    if self._pg:
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
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

    # --- parties -----------------------------------------------------------------------------

    def _ensure_parties(self, conn: Connection, parties: Sequence[Party | str]) -> list[Party]:
        """Resolve codes to existing parties and create new ones (``INSERT ... ON CONFLICT DO NOTHING``).

        New parties are inserted in code order, so that concurrent writers take row locks in one order
        (no deadlock on PostgreSQL); an existing code keeps its stored name.
        """
        codes: list[str] = []
        new: dict[str, str] = {}
        for p in parties:
            if isinstance(p, Party):
                code = _party_code(p.code)
                new.setdefault(code, _text("party name", p.name, max_len=200, allow_empty=False))
            elif isinstance(p, str):
                code = _party_code(p)
            else:
                raise StoreInputError(f"parties: expected Party objects or codes; found {type(p).__name__}")
            codes.append(code)
        for code in sorted(new):
            conn.execute(_insert_ignore(conn, PartyRow, {"code": code, "name": new[code]}, ["code"]))
        rows = conn.execute(select(PartyRow.code, PartyRow.name).where(PartyRow.code.in_(codes))).all()
        names = {str(r.code): str(r.name) for r in rows}
        for code in codes:
            if code not in names:
                raise StoreInputError(
                    f"party: expected a known party code or a Party(code, name) to create; found unknown {code!r}"
                )
        return [Party(c, names[c]) for c in codes]

    def list_parties(self) -> list[Party]:
        """Every party, ordered by code."""
        with self._tx("list parties", write=False) as conn:
            rows = conn.execute(select(PartyRow.code, PartyRow.name).order_by(PartyRow.code)).all()
        return [Party(r.code, r.name) for r in rows]

    # --- records -----------------------------------------------------------------------------

    def create_record(
        self,
        title: str,
        parties: Sequence[Party | str],
        *,
        key: str | None = None,
        description: str = "",
        rounds: Sequence[RoundSpec] = (),
    ) -> Record:
        """Create a record with its parties, rounds and offers in one transaction.

        Parameters
        ----------
        title
            1–500 characters.
        parties
            At least two distinct parties: :class:`Party` objects (created when new; an existing code keeps
            its stored name) or codes of parties already stored.
        key
            Optional unique slug (``[a-z0-9._-]``, at most 100), e.g. ``"japan-us-2025"``.
        description
            Free text.
        rounds
            Rounds (with their offers) stored in the same transaction.

        Raises
        ------
        StoreInputError, DuplicateError (key taken, repeated round number)
        """
        title_s = _text("title", title, max_len=500, allow_empty=False)
        desc = _text("description", description, max_len=100_000, allow_empty=True)
        if key is not None and (not isinstance(key, str) or not _KEY.match(key)):
            raise StoreInputError(f"key: expected 1-100 characters [a-z0-9._-]; found {key!r}")
        if isinstance(parties, (str, Party)) or not isinstance(parties, Sequence):
            raise StoreInputError(f"parties: expected a sequence of parties; found {type(parties).__name__}")
        with self._tx("create record", write=True) as conn:
            resolved = self._ensure_parties(conn, parties)
            codes = [p.code for p in resolved]
            if len(set(codes)) != len(codes) or len(codes) < 2:
                raise StoreInputError(f"parties: expected at least two distinct parties; found {codes}")
            if key is not None:
                taken = conn.execute(select(RecordRow.id).where(RecordRow.key == key)).scalar()
                if taken is not None:
                    raise DuplicateError(f"record key: expected a key not yet used; found {key!r} (record {taken})")
            now = utcnow()
            rid = conn.execute(
                insert(RecordRow)
                .values(key=key, title=title_s, description=desc, created_at=now)
                .returning(RecordRow.id)
            ).scalar_one()
            pids = _party_ids(conn, codes)
            conn.execute(
                insert(RecordPartyRow),
                [{"record_id": rid, "party_id": pids[c], "position": i} for i, c in enumerate(codes)],
            )
            for spec in rounds:
                self._insert_round(conn, rid, codes, spec)
            return self._load_record(conn, rid)

    def list_records(self, *, limit: int = 100, offset: int = 0) -> list[Record]:
        """Records ordered by id (oldest first)."""
        limit, offset = _page(limit, offset)
        with self._tx("list records", write=False) as conn:
            ids = conn.execute(select(RecordRow.id).order_by(RecordRow.id).limit(limit).offset(offset)).scalars()
            return self._load_records(conn, list(ids))

    def count_records(self) -> int:
        """Number of records."""
        with self._tx("count records", write=False) as conn:
            return int(conn.execute(select(func.count()).select_from(RecordRow)).scalar_one())

    def get_record(self, record_id: int) -> Record:
        """One record by id; :class:`RecordNotFoundError` when absent."""
        rid = _positive_id("record id", record_id)
        with self._tx("get record", write=False) as conn:
            return self._load_record(conn, rid)

    def get_record_by_key(self, key: str) -> Record:
        """One record by its key; :class:`RecordNotFoundError` when absent."""
        with self._tx("get record", write=False) as conn:
            rid = conn.execute(select(RecordRow.id).where(RecordRow.key == key)).scalar()
            if rid is None:
                raise RecordNotFoundError(f"record key: expected an existing record key; found {key!r}")
            return self._load_record(conn, int(rid))

    def delete_record(self, record_id: int) -> None:
        """Delete a record with its rounds and offers (runs stay, unlinked)."""
        rid = _positive_id("record id", record_id)
        with self._tx("delete record", write=True) as conn:
            self._lock_record(conn, rid)
            conn.execute(
                update(RunRow)
                .where(RunRow.offer_id.in_(_offer_ids_of_record(rid)))
                .values(offer_id=None)
            )
            conn.execute(update(RunRow).where(RunRow.record_id == rid).values(record_id=None))
            conn.execute(delete(OfferRow).where(OfferRow.round_id.in_(_round_ids_of_record(rid))))
            conn.execute(delete(RoundRow).where(RoundRow.record_id == rid))
            conn.execute(delete(RecordPartyRow).where(RecordPartyRow.record_id == rid))
            conn.execute(delete(RecordRow).where(RecordRow.id == rid))

    # --- rounds and offers -------------------------------------------------------------------

    def add_round(self, record_id: int, spec: RoundSpec) -> Round:
        """Add a round (and its offers) to a record in one transaction.

        ``spec.number=None`` takes the next free number (``max + 1``; safe under concurrent writers).
        Raises :class:`RecordNotFoundError`, :class:`DuplicateError` (number taken),
        :class:`StoreInputError`.
        """
        rid = _positive_id("record id", record_id)
        with self._tx("add round", write=True) as conn:
            self._lock_record(conn, rid)
            codes = _record_party_codes(conn, rid)
            round_id = self._insert_round(conn, rid, codes, spec)
            return self._load_rounds(conn, [round_id])[0]

    def list_rounds(self, record_id: int) -> list[Round]:
        """The rounds of a record, ordered by number, each with its offers."""
        rid = _positive_id("record id", record_id)
        with self._tx("list rounds", write=False) as conn:
            if conn.execute(select(RecordRow.id).where(RecordRow.id == rid)).scalar() is None:
                raise RecordNotFoundError(f"record id: expected an existing record; found {rid}")
            ids = conn.execute(
                select(RoundRow.id).where(RoundRow.record_id == rid).order_by(RoundRow.number)
            ).scalars()
            return self._load_rounds(conn, list(ids))

    def get_round(self, round_id: int) -> Round:
        """One round (with offers); :class:`RoundNotFoundError` when absent."""
        rid = _positive_id("round id", round_id)
        with self._tx("get round", write=False) as conn:
            found = self._load_rounds(conn, [rid])
        if not found:
            raise RoundNotFoundError(f"round id: expected an existing round; found {rid}")
        return found[0]

    def add_offer(self, round_id: int, spec: OfferSpec) -> Offer:
        """Add an offer to a round; the party must be one of the record's parties."""
        rid = _positive_id("round id", round_id)
        with self._tx("add offer", write=True) as conn:
            record_id = conn.execute(select(RoundRow.record_id).where(RoundRow.id == rid)).scalar()
            if record_id is None:
                raise RoundNotFoundError(f"round id: expected an existing round; found {rid}")
            codes = _record_party_codes(conn, int(record_id))
            oid = self._insert_offer(conn, rid, codes, spec)
            return _load_offers(conn, [oid])[0]

    def get_offer(self, offer_id: int) -> Offer:
        """One offer; :class:`OfferNotFoundError` when absent."""
        oid = _positive_id("offer id", offer_id)
        with self._tx("get offer", write=False) as conn:
            found = _load_offers(conn, [oid])
        if not found:
            raise OfferNotFoundError(f"offer id: expected an existing offer; found {oid}")
        return found[0]

    # --- runs --------------------------------------------------------------------------------

    def add_run(self, spec: RunSpec) -> Run:
        """Store an evaluation run (one transaction)."""
        from tradetalks import __version__

        if not isinstance(spec, RunSpec):
            raise StoreInputError(f"run: expected a RunSpec; found {type(spec).__name__}")
        inputs = _json_object("inputs", spec.inputs)
        results = _json_object("results", spec.results)
        record_id = None if spec.record_id is None else _positive_id("record id", spec.record_id)
        offer_id = None if spec.offer_id is None else _positive_id("offer id", spec.offer_id)
        values: dict[str, Any] = {
            "inputs": inputs,
            "results": results,
            "dataset_name": _text("dataset_name", spec.dataset_name, max_len=200, allow_empty=False),
            "dataset_version": _text("dataset_version", spec.dataset_version, max_len=100, allow_empty=False),
            "model": _text("model", spec.model, max_len=100, allow_empty=False),
            "closure": _text("closure", spec.closure, max_len=100, allow_empty=True),
            "tradetalks_version": _text(
                "tradetalks_version",
                __version__ if spec.tradetalks_version is None else spec.tradetalks_version,
                max_len=50,
                allow_empty=False,
            ),
            "record_id": record_id,
            "offer_id": offer_id,
            "created_at": utcnow(),
        }
        with self._tx("add run", write=True) as conn:
            if record_id is not None:
                self._lock_record(conn, record_id, for_update=False)
            if offer_id is not None:
                rec_of_offer = conn.execute(
                    select(RoundRow.record_id)
                    .join(OfferRow, OfferRow.round_id == RoundRow.id)
                    .where(OfferRow.id == offer_id)
                ).scalar()
                if rec_of_offer is None:
                    raise OfferNotFoundError(f"offer id: expected an existing offer; found {offer_id}")
                if record_id is not None and rec_of_offer != record_id:
                    raise StoreInputError(
                        f"offer id: expected an offer of record {record_id}; "
                        f"found offer {offer_id} of record {rec_of_offer}"
                    )
            run_id = conn.execute(insert(RunRow).values(**values).returning(RunRow.id)).scalar_one()
            return _load_runs(conn, select(RunRow).where(RunRow.id == run_id))[0]

    def get_run(self, run_id: int) -> Run:
        """One run; :class:`RunNotFoundError` when absent."""
        rid = _positive_id("run id", run_id)
        with self._tx("get run", write=False) as conn:
            found = _load_runs(conn, select(RunRow).where(RunRow.id == rid))
        if not found:
            raise RunNotFoundError(f"run id: expected an existing run; found {rid}")
        return found[0]

    def list_runs(
        self,
        *,
        record_id: int | None = None,
        offer_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Run]:
        """Runs ordered by id, optionally only those of a record and/or an offer."""
        limit, offset = _page(limit, offset)
        stmt = select(RunRow)
        if record_id is not None:
            stmt = stmt.where(RunRow.record_id == _positive_id("record id", record_id))
        if offer_id is not None:
            stmt = stmt.where(RunRow.offer_id == _positive_id("offer id", offer_id))
        stmt = stmt.order_by(RunRow.id).limit(limit).offset(offset)
        with self._tx("list runs", write=False) as conn:
            return _load_runs(conn, stmt)

    # --- internals ---------------------------------------------------------------------------

    def _lock_record(self, conn: Connection, rid: int, *, for_update: bool = True) -> None:
        stmt = select(RecordRow.id).where(RecordRow.id == rid)
        if self._pg and for_update:
            stmt = stmt.with_for_update()
        if conn.execute(stmt).scalar() is None:
            raise RecordNotFoundError(f"record id: expected an existing record; found {rid}")

    def _insert_round(self, conn: Connection, record_id: int, codes: list[str], spec: RoundSpec) -> int:
        if not isinstance(spec, RoundSpec):
            raise StoreInputError(f"round: expected a RoundSpec; found {type(spec).__name__}")
        if not isinstance(spec.date, dt.date) or isinstance(spec.date, dt.datetime):
            raise StoreInputError(f"round date: expected a datetime.date; found {spec.date!r}")
        if spec.kind not in ROUND_KINDS:
            raise StoreInputError(f"round kind: expected one of {ROUND_KINDS}; found {spec.kind!r}")
        if not isinstance(spec.offers, (tuple, list)):
            raise StoreInputError(f"round offers: expected a tuple of OfferSpec; found {type(spec.offers).__name__}")
        used = set(
            conn.execute(select(RoundRow.number).where(RoundRow.record_id == record_id)).scalars()
        )
        if spec.number is None:
            number = max(used, default=0) + 1
        else:
            if isinstance(spec.number, bool) or not isinstance(spec.number, int) or spec.number < 1:
                raise StoreInputError(f"round number: expected an integer >= 1; found {spec.number!r}")
            number = spec.number
            if number in used:
                raise DuplicateError(
                    f"round number: expected a number not yet used in record {record_id} "
                    f"(used: {sorted(used)}); found {number}"
                )
        round_id = conn.execute(
            insert(RoundRow)
            .values(
                record_id=record_id,
                number=number,
                date=spec.date,
                kind=spec.kind,
                title=_text("round title", spec.title, max_len=500, allow_empty=False),
                place=_text("place", spec.place, max_len=200, allow_empty=True),
                counterparts=_text("counterparts", spec.counterparts, max_len=500, allow_empty=True),
                notes=_text("notes", spec.notes, max_len=100_000, allow_empty=True),
                source_title=_text("source_title", spec.source_title, max_len=500, allow_empty=True),
                source_address=_text("source_address", spec.source_address, max_len=1000, allow_empty=True),
                created_at=utcnow(),
            )
            .returning(RoundRow.id)
        ).scalar_one()
        for offer in spec.offers:
            self._insert_offer(conn, int(round_id), codes, offer)
        return int(round_id)

    def _insert_offer(self, conn: Connection, round_id: int, codes: list[str], spec: OfferSpec) -> int:
        if not isinstance(spec, OfferSpec):
            raise StoreInputError(f"offer: expected an OfferSpec; found {type(spec).__name__}")
        if spec.party not in codes:
            raise StoreInputError(
                f"offer party: expected one of the record's parties {codes}; found {spec.party!r}"
            )
        pid = _party_ids(conn, [spec.party])[spec.party]
        oid = conn.execute(
            insert(OfferRow)
            .values(
                round_id=round_id,
                party_id=pid,
                label=_text("offer label", spec.label, max_len=500, allow_empty=False),
                package=_json_object("package", spec.package),
                created_at=utcnow(),
            )
            .returning(OfferRow.id)
        ).scalar_one()
        return int(oid)

    def _load_record(self, conn: Connection, rid: int) -> Record:
        found = self._load_records(conn, [rid])
        if not found:
            raise RecordNotFoundError(f"record id: expected an existing record; found {rid}")
        return found[0]

    def _load_records(self, conn: Connection, ids: list[int]) -> list[Record]:
        if not ids:
            return []
        rows = conn.execute(select(RecordRow).where(RecordRow.id.in_(ids)).order_by(RecordRow.id)).all()
        prow = conn.execute(
            select(RecordPartyRow.record_id, PartyRow.code, PartyRow.name)
            .join(PartyRow, PartyRow.id == RecordPartyRow.party_id)
            .where(RecordPartyRow.record_id.in_(ids))
            .order_by(RecordPartyRow.record_id, RecordPartyRow.position)
        ).all()
        parties: dict[int, list[Party]] = {}
        for r in prow:
            parties.setdefault(r.record_id, []).append(Party(r.code, r.name))
        counts = {
            int(rid): int(n)
            for rid, n in conn.execute(
                select(RoundRow.record_id, func.count())
                .where(RoundRow.record_id.in_(ids))
                .group_by(RoundRow.record_id)
            ).all()
        }
        return [
            Record(
                id=r.id,
                key=r.key,
                title=r.title,
                description=r.description,
                parties=tuple(parties.get(r.id, [])),
                created_at=r.created_at,
                n_rounds=int(counts.get(r.id, 0)),
            )
            for r in rows
        ]

    def _load_rounds(self, conn: Connection, ids: list[int]) -> list[Round]:
        if not ids:
            return []
        rows = conn.execute(select(RoundRow).where(RoundRow.id.in_(ids))).all()
        offer_ids = conn.execute(
            select(OfferRow.id).where(OfferRow.round_id.in_(ids)).order_by(OfferRow.id)
        ).scalars()
        offers: dict[int, list[Offer]] = {}
        for o in _load_offers(conn, list(offer_ids)):
            offers.setdefault(o.round_id, []).append(o)
        by_id = {
            r.id: Round(
                id=r.id,
                record_id=r.record_id,
                number=r.number,
                date=r.date,
                kind=r.kind,
                title=r.title,
                place=r.place,
                counterparts=r.counterparts,
                notes=r.notes,
                source_title=r.source_title,
                source_address=r.source_address,
                created_at=r.created_at,
                offers=tuple(offers.get(r.id, [])),
            )
            for r in rows
        }
        return [by_id[i] for i in ids if i in by_id]


def _insert_ignore(conn: Connection, table: type[PartyRow], values: dict[str, Any], keys: list[str]) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)


def _party_ids(conn: Connection, codes: list[str]) -> dict[str, int]:
    rows = conn.execute(select(PartyRow.code, PartyRow.id).where(PartyRow.code.in_(codes))).all()
    return {str(code): int(pid) for code, pid in rows}


def _record_party_codes(conn: Connection, rid: int) -> list[str]:
    return list(
        conn.execute(
            select(PartyRow.code)
            .join(RecordPartyRow, RecordPartyRow.party_id == PartyRow.id)
            .where(RecordPartyRow.record_id == rid)
            .order_by(RecordPartyRow.position)
        ).scalars()
    )


def _round_ids_of_record(rid: int) -> Any:
    return select(RoundRow.id).where(RoundRow.record_id == rid).scalar_subquery()


def _offer_ids_of_record(rid: int) -> Any:
    return (
        select(OfferRow.id)
        .join(RoundRow, RoundRow.id == OfferRow.round_id)
        .where(RoundRow.record_id == rid)
        .scalar_subquery()
    )


def _load_offers(conn: Connection, ids: list[int]) -> list[Offer]:
    if not ids:
        return []
    rows = conn.execute(
        select(OfferRow, PartyRow.code)
        .join(PartyRow, PartyRow.id == OfferRow.party_id)
        .where(OfferRow.id.in_(ids))
        .order_by(OfferRow.id)
    ).all()
    return [
        Offer(
            id=r.id,
            round_id=r.round_id,
            party=r.code,
            label=r.label,
            package=dict(r.package),
            created_at=r.created_at,
        )
        for r in rows
    ]


def _load_runs(conn: Connection, stmt: Any) -> list[Run]:
    return [
        Run(
            id=r.id,
            record_id=r.record_id,
            offer_id=r.offer_id,
            inputs=dict(r.inputs),
            dataset_name=r.dataset_name,
            dataset_version=r.dataset_version,
            model=r.model,
            closure=r.closure,
            tradetalks_version=r.tradetalks_version,
            results=dict(r.results),
            created_at=r.created_at,
        )
        for r in conn.execute(stmt).all()
    ]


# --- Alembic -------------------------------------------------------------------------------------


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
    """
    u = _normalise_url(url if url is not None else default_database_url())
    engine = _postgres_engine(u) if u.get_backend_name() == "postgresql" else _sqlite_engine(u)
    store = Store(engine)
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store


__all__ = [
    "DATABASE_URL_ENV",
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
    "default_database_url",
    "head_revision",
    "open_store",
    "to_json_value",
]
