"""The record store knows its state (issue 15): marks, foreign databases, integrity, read-only, unwritable folders.

SQLite and PostgreSQL (``TRADETALKS_TEST_POSTGRES_URL``, exported by ``.ci/postgres.sh``). A file or folder is
made unwritable with ``chmod`` (or, when the tests run as root, for whom permissions do not apply, with
``chattr +i``); the test is skipped when neither works on the file system.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from tests.test_store import backend_url
from tradetalks.errors import (
    DatabaseUnavailableError,
    ForeignDatabaseError,
    ReadOnlyStoreError,
    StoreCorruptError,
)
from tradetalks.store import OfferSpec, RoundSpec, head_revision, open_store, seed_japan_us
from tradetalks.store.health import APPLICATION_ID, USER_VERSION
from tradetalks.web.app import create_app

TOKEN = "health-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make ``path`` (file or folder) unwritable for this process, and restore it afterwards."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("running as root and chattr +i is not supported here: cannot make a path unwritable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        path.chmod(mode)


def _seeded(path: Path, rounds: int = 0) -> int:
    with open_store(f"sqlite:///{path}") as st:
        rec = seed_japan_us(st)
        for k in range(rounds):
            st.add_round(
                rec.id,
                RoundSpec(
                    dt.date(2026, 1, 1) + dt.timedelta(days=k),
                    "t" * 400,
                    notes="n" * 3000,
                    offers=(OfferSpec("JPN", "o", {"scenario": "jp-us-deal", "meta": {"x": "y" * 2000}}),),
                ),
            )
        return rec.id


def _client(url: str) -> TestClient:
    return TestClient(
        create_app(api_token=TOKEN, database_url=url), client=("127.0.0.1", 5000), base_url="http://localhost"
    )


# --- marks and foreign databases ------------------------------------------------------------------------


def test_sqlite_marks(tmp_path: Path) -> None:
    """A new SQLite store carries our application_id and user_version and the tradetalks_meta row."""
    db = tmp_path / "r.sqlite3"
    open_store(f"sqlite:///{db}").close()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == USER_VERSION
    assert (
        con.execute("SELECT value FROM tradetalks_meta WHERE key = 'application'").fetchone()[0]
        == "tradetalks"
    )
    con.close()


def test_sqlite_foreign_application_id(tmp_path: Path) -> None:
    """A SQLite file marked by another application is refused unread and unwritten."""
    db = tmp_path / "other.sqlite3"
    con = sqlite3.connect(db)
    con.execute("PRAGMA application_id = 12345")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(ForeignDatabaseError, match="application_id"):
        open_store(f"sqlite:///{db}")
    assert db.read_bytes() == before


def test_unmarked_tradetalks_database_is_marked(tmp_path: Path) -> None:
    """A tradetalks database of the first schema (no marks yet) is recognised, migrated and marked."""
    from alembic import command

    from tradetalks.store.engine import _alembic_config

    db = tmp_path / "old.sqlite3"
    rid = _seeded(db)
    with open_store(f"sqlite:///{db}") as st, st.engine.connect() as conn:
        conn.execution_options(tradetalks_write=True)
        with conn.begin():
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001_initial")
            conn.exec_driver_sql("PRAGMA application_id = 0")
    with open_store(f"sqlite:///{db}") as st:
        assert st.revision() == head_revision() and st.health()["marked"]
        assert st.get_record(rid).n_rounds > 0


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_foreign_database_refused(kind: str, tmp_path: Path) -> None:
    """A database of another application gets no tables and no seed data of ours."""
    with backend_url(kind, tmp_path) as url:
        eng = create_engine(url)
        with eng.begin() as conn:
            conn.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(50))"))
            conn.execute(text("INSERT INTO customers (id, name) VALUES (1, 'ACME')"))
        with pytest.raises(ForeignDatabaseError):
            open_store(url)
        with eng.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {"customers"}
        eng.dispose()
        with _client(url) as c:
            r = c.get("/api/records")
            assert r.status_code == 503 and r.json()["error"] == "ForeignDatabaseError"
            assert c.get("/api/health").json()["store"]["state"] == "unavailable"


def test_postgres_marks_and_unreachable_server(tmp_path: Path) -> None:
    """PostgreSQL stores carry the tradetalks_meta row; an unreachable server is 503 with a message."""
    with backend_url("postgresql", tmp_path) as url, open_store(url) as st:
        assert st.health() == {**st.health(), "state": "ok", "marked": True, "dialect": "postgresql"}
    with _client("postgresql://nobody@127.0.0.1:1/none") as c:
        r = c.get("/api/records")
        assert r.status_code == 503 and r.json()["error"] == "DatabaseUnavailableError"
        h = c.get("/api/health")
        assert h.status_code == 503 and "DatabaseUnavailableError" in h.json()["store"]["detail"]


# --- integrity --------------------------------------------------------------------------------------------


def test_corrupted_middle_page(tmp_path: Path) -> None:
    """A page in the middle of the file overwritten: StoreCorruptError at open (503 on the web), not a
    silent wrong answer later."""
    db = tmp_path / "r.sqlite3"
    _seeded(db, rounds=30)
    data = bytearray(db.read_bytes())
    pages = len(data) // 4096
    assert pages > 20
    off = (pages // 2) * 4096
    data[off : off + 64] = b"\xde\xad\xbe\xef" * 16
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError):
        open_store(f"sqlite:///{db}")
    with _client(f"sqlite:///{db}") as c:
        assert c.get("/api/timeline").status_code == 503
        assert c.get("/api/health").json()["status"] == "unavailable"


# --- read-only files and unwritable folders ---------------------------------------------------------------


def test_read_only_file(tmp_path: Path) -> None:
    """A database file that cannot be written opens read-only: reads work, writes are ReadOnlyStoreError
    (503 on the web), /api/health says degraded."""
    db = tmp_path / "r.sqlite3"
    rid = _seeded(db)
    with unwritable(db):
        with open_store(f"sqlite:///{db}") as st:
            assert st.read_only and st.get_record(rid).n_rounds > 0
            with pytest.raises(ReadOnlyStoreError):
                st.create_record("x", ["JPN", "USA"])
        with _client(f"sqlite:///{db}") as c:
            assert c.get("/api/records").status_code == 200
            assert c.get(f"/api/records/{rid}").status_code == 200
            r = c.post("/api/records", json={"title": "x"}, headers=AUTH)
            assert r.status_code == 503 and r.json()["error"] == "ReadOnlyStoreError"
            h = c.get("/api/health").json()
            assert (
                h["status"] == "degraded" and h["store"]["state"] == "read-only" and not h["writes_enabled"]
            )


def test_unwritable_folder(tmp_path: Path) -> None:
    """In a folder that cannot be written, an existing database opens read-only and a new one is
    DatabaseUnavailableError naming the folder (503, and /api/health says so instead of 'ok')."""
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "r.sqlite3"
    rid = _seeded(db)
    with unwritable(folder):
        with open_store(f"sqlite:///{db}") as st:
            assert st.read_only and st.get_record(rid).id == rid
        with pytest.raises(DatabaseUnavailableError, match="not writable"):
            open_store(f"sqlite:///{folder / 'new.sqlite3'}")
        with _client(f"sqlite:///{folder / 'new.sqlite3'}") as c:
            assert c.get("/api/records").status_code == 503
            h = c.get("/api/health")
            assert h.status_code == 503 and h.json()["status"] == "unavailable"
        assert not (folder / "new.sqlite3").exists()
