"""The negotiation-record store (tradetalks.store) on SQLite and, when configured, PostgreSQL.

Every test that takes the ``store``/``url`` fixture runs twice: on a temporary SQLite file and on a
PostgreSQL server named by ``TRADETALKS_TEST_POSTGRES_URL`` (each test in its own schema, dropped
afterwards). Without that variable the PostgreSQL cases are skipped, except when ``CI=true``, where they
fail (``.ci/run`` starts a server and sets it).

These are behaviour tests of a persistence layer, not model tests: the expectations are the documented
contract (round-trips exact, one transaction per write, named errors) and independent facts (the
policy layer's timeline for the seed; hashlib over the documented byte stream for dataset_version).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tradetalks.data import TradeData
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
from tradetalks.store import (
    JAPAN_US_KEY,
    OfferSpec,
    Party,
    RoundSpec,
    RunSpec,
    Store,
    dataset_version,
    default_database_url,
    head_revision,
    open_store,
    seed_japan_us,
)

POSTGRES_ENV = "TRADETALKS_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
JPN = Party("JPN", "Japan")
USA = Party("USA", "United States")


def postgres_base_url() -> str:
    """The PostgreSQL URL of the test server; skip (or fail under CI=true) when it is not set."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    msg = f"{POSTGRES_ENV} is not set: PostgreSQL store tests need a server (.ci/run starts one)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " (CI=true)")
    pytest.skip(msg)


@contextlib.contextmanager
def backend_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of the given backend: its URL, cleaned up afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'record.sqlite3'}"
        return
    base = make_url(postgres_base_url())
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    schema = f"tt_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as u:
        yield u


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    s = open_store(url)
    try:
        yield s
    finally:
        s.close()


def _rounds(n: int, offers_per_round: int = 2) -> list[RoundSpec]:
    return [
        RoundSpec(
            date=dt.date(2025, 4, 1) + dt.timedelta(days=7 * k),
            title=f"Round {k + 1}",
            place="Washington",
            counterparts="Akazawa / Lutnick",
            notes="n",
            source_title="src",
            source_address="https://example.org/r",
            offers=tuple(
                OfferSpec(
                    ("JPN", "USA")[j % 2],
                    f"offer {k}.{j}",
                    {
                        "scenario": "jp-us-deal",
                        "meta": {
                            "us_auto_tariff_pct": 25.0 - k,
                            "purchases_usd_bn": [8, 7],
                            "note": "é ü 日本",
                        },
                    },
                )
                for j in range(offers_per_round)
            ),
        )
        for k in range(n)
    ]


def _table_counts(s: Store) -> dict[str, int]:
    with s.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("parties", "records", "record_parties", "rounds", "offers", "runs")
        }


# --- schema and migrations -------------------------------------------------------------------


def test_migrate_to_head_and_idempotent(store: Store) -> None:
    """open_store migrates to the shipped head; migrating again changes nothing."""
    assert store.revision() == head_revision() == "0003_jobs"
    assert store.migrate() == head_revision()
    assert store.migrate() == head_revision()
    assert _table_counts(store) == dict.fromkeys(
        ("parties", "records", "record_parties", "rounds", "offers", "runs"), 0
    )


def test_models_match_migrations(store: Store) -> None:
    """Alembic's autogenerate finds no difference between the migrated database and schema.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from tradetalks.store.schema import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_unmigrated_database_gives_schema_error(url: str) -> None:
    with open_store(url, migrate=False) as s:
        assert s.revision() is None
        with pytest.raises(SchemaVersionError, match=r"expected a database migrated.*Store.migrate"):
            s.list_records()


def test_unknown_revision_gives_schema_error(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(SchemaVersionError, match="expected one known to this tradetalks"):
        store.migrate()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    """WAL journal, enforced foreign keys, full sync and a busy timeout on every SQLite connection."""
    with open_store(f"sqlite:///{tmp_path / 'p.sqlite3'}") as s, s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_database_constraints_hold_without_the_api(store: Store) -> None:
    """Uniqueness, foreign keys and NOT NULL are enforced by the database itself."""
    rec = store.create_record("t", [JPN, USA], rounds=_rounds(1))
    now = "2025-01-01 00:00:00"
    bad = [
        f"INSERT INTO rounds (record_id, number, date, kind, title, place, counterparts, notes, source_title, "
        f"source_address, created_at) VALUES ({rec.id}, 1, '2025-01-01', 'round', 'x', '', '', '', '', '', '{now}')",
        "INSERT INTO rounds (record_id, number, date, kind, title, place, counterparts, notes, source_title, "
        f"source_address, created_at) VALUES (99999, 1, '2025-01-01', 'round', 'x', '', '', '', '', '', '{now}')",
        f"INSERT INTO records (title, description, created_at) VALUES (NULL, '', '{now}')",
        f"INSERT INTO records (title, description, created_at) VALUES ('', '', '{now}')",
        "INSERT INTO parties (code, name) VALUES ('JPN', 'again')",
    ]
    for sql in bad:
        with (
            pytest.raises(Exception, match=r"(?i)unique|foreign|null|check|constraint"),
            store.engine.begin() as c,
        ):
            c.execute(text(sql))


# --- records, rounds, offers -----------------------------------------------------------------


def test_create_record_round_trip(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    rec = store.create_record("Japan-US talks", [JPN, USA], key="jp-us", description="d", rounds=_rounds(3))
    after = dt.datetime.now(dt.UTC)
    assert rec.title == "Japan-US talks" and rec.key == "jp-us" and rec.description == "d"
    assert rec.parties == (JPN, USA)
    assert rec.n_rounds == 3
    assert rec.created_at.tzinfo is dt.UTC and before <= rec.created_at <= after
    assert store.get_record(rec.id) == rec
    assert store.get_record_by_key("jp-us") == rec
    rounds = store.list_rounds(rec.id)
    assert [r.number for r in rounds] == [1, 2, 3]
    assert [r.date for r in rounds] == [dt.date(2025, 4, 1), dt.date(2025, 4, 8), dt.date(2025, 4, 15)]
    r0 = rounds[0]
    assert (r0.title, r0.place, r0.counterparts, r0.kind) == (
        "Round 1",
        "Washington",
        "Akazawa / Lutnick",
        "round",
    )
    assert (r0.source_title, r0.source_address, r0.notes) == ("src", "https://example.org/r", "n")
    assert [o.party for o in r0.offers] == ["JPN", "USA"]
    assert r0.offers[1].package == {
        "scenario": "jp-us-deal",
        "meta": {"us_auto_tariff_pct": 25.0, "purchases_usd_bn": [8, 7], "note": "é ü 日本"},
    }
    assert store.get_round(r0.id) == r0
    assert store.get_offer(r0.offers[0].id) == r0.offers[0]
    d = rec.as_dict()
    assert d["parties"] == [{"code": "JPN", "name": "Japan"}, {"code": "USA", "name": "United States"}]
    assert r0.as_dict()["offers"][0]["package"]["meta"]["note"] == "é ü 日本"


def test_parties_by_code_and_existing_names_kept(store: Store) -> None:
    store.create_record("a", [JPN, USA])
    rec = store.create_record("b", ["USA", Party("JPN", "Nippon"), Party("EU", "European Union")])
    assert rec.parties == (USA, JPN, Party("EU", "European Union"))
    assert store.list_parties() == [Party("EU", "European Union"), JPN, USA]


def test_list_and_count_records(store: Store) -> None:
    ids = [store.create_record(f"r{i}", [JPN, USA]).id for i in range(5)]
    assert store.count_records() == 5
    assert [r.id for r in store.list_records()] == ids
    assert [r.id for r in store.list_records(limit=2, offset=1)] == ids[1:3]
    assert store.list_records(offset=10) == []


def test_add_round_numbers_and_duplicates(store: Store) -> None:
    rec = store.create_record("t", [JPN, USA], rounds=_rounds(2))
    r3 = store.add_round(rec.id, RoundSpec(date=dt.date(2025, 7, 22), title="deal", kind="deal"))
    assert r3.number == 3 and r3.kind == "deal" and r3.offers == ()
    r10 = store.add_round(rec.id, RoundSpec(date=dt.date(2025, 8, 1), title="x", number=10))
    assert r10.number == 10
    assert store.add_round(rec.id, RoundSpec(date=dt.date(2025, 8, 2), title="y")).number == 11
    counts = _table_counts(store)
    with pytest.raises(DuplicateError, match=r"round number: expected a number not yet used.*found 2"):
        store.add_round(
            rec.id, RoundSpec(date=dt.date(2025, 8, 3), title="z", number=2, offers=_rounds(1)[0].offers)
        )
    assert _table_counts(store) == counts  # neither the round nor its offers
    assert store.get_record(rec.id).n_rounds == 5


def test_add_offer(store: Store) -> None:
    rec = store.create_record("t", [JPN, USA], rounds=_rounds(1, offers_per_round=0))
    rid = store.list_rounds(rec.id)[0].id
    pkg = {"scenario": "jp-us-deal", "meta": {"rate": np.float64(15.0), "v": np.arange(3)}}
    off = store.add_offer(rid, OfferSpec("USA", "counter", pkg))
    assert (
        off.package == {"scenario": "jp-us-deal", "meta": {"rate": 15.0, "v": [0, 1, 2]}}
        and off.party == "USA"
    )
    assert store.get_round(rid).offers == (off,)
    with pytest.raises(
        StoreInputError,
        match=r"offer party: expected one of the record's parties \['JPN', 'USA'\]; found 'KOR'",
    ):
        store.add_offer(rid, OfferSpec("KOR", "x", {}))


def test_failed_create_record_writes_nothing(store: Store) -> None:
    """One transaction: a bad offer in the last round leaves no record, round, offer or new party."""
    store.create_record("existing", [JPN, USA])
    counts = _table_counts(store)
    rounds = [
        *_rounds(3),
        RoundSpec(date=dt.date(2025, 9, 1), title="bad", offers=(OfferSpec("CHN", "x", {}),)),
    ]
    with pytest.raises(StoreInputError, match="expected one of the record's parties"):
        store.create_record("new", [JPN, USA, Party("KOR", "Korea")], rounds=rounds)
    assert _table_counts(store) == counts
    assert Party("KOR", "Korea") not in store.list_parties()


def test_duplicate_key(store: Store) -> None:
    store.create_record("a", [JPN, USA], key="k1")
    with pytest.raises(DuplicateError, match=r"record key: expected a key not yet used; found 'k1'"):
        store.create_record("b", [JPN, USA], key="k1")
    assert store.count_records() == 1


def test_delete_record(store: Store) -> None:
    rec = store.create_record("t", [JPN, USA], rounds=_rounds(2))
    keep = store.create_record("keep", [JPN, USA], rounds=_rounds(1))
    offer = store.list_rounds(rec.id)[0].offers[0]
    run = store.add_run(_run_spec(record_id=rec.id, offer_id=offer.id))
    store.delete_record(rec.id)
    with pytest.raises(RecordNotFoundError):
        store.get_record(rec.id)
    with pytest.raises(OfferNotFoundError):
        store.get_offer(offer.id)
    left = store.get_run(run.id)
    assert (left.record_id, left.offer_id) == (None, None)
    assert _table_counts(store)["rounds"] == 1 and store.list_rounds(keep.id)[0].offers
    with pytest.raises(RecordNotFoundError):
        store.delete_record(rec.id)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda s: s.get_record(987654),
            RecordNotFoundError,
            "record id: expected an existing record; found 987654",
        ),
        (lambda s: s.get_record_by_key("nope"), RecordNotFoundError, "found 'nope'"),
        (lambda s: s.list_rounds(987654), RecordNotFoundError, "found 987654"),
        (lambda s: s.get_round(987654), RoundNotFoundError, "round id: expected an existing round"),
        (lambda s: s.get_offer(987654), OfferNotFoundError, "offer id: expected an existing offer"),
        (lambda s: s.get_run(987654), RunNotFoundError, "run id: expected an existing run"),
        (
            lambda s: s.add_round(987654, RoundSpec(dt.date(2025, 1, 1), "x")),
            RecordNotFoundError,
            "found 987654",
        ),
        (lambda s: s.add_offer(987654, OfferSpec("JPN", "x", {})), RoundNotFoundError, "found 987654"),
        (lambda s: s.add_run(_run_spec(record_id=987654)), RecordNotFoundError, "found 987654"),
        (lambda s: s.add_run(_run_spec(offer_id=987654)), OfferNotFoundError, "found 987654"),
    ],
)
def test_not_found(store: Store, call: object, error: type[StoreError], pattern: str) -> None:
    assert callable(call)
    with pytest.raises(error, match=pattern):
        call(store)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"title": "  "}, r"title: expected a non-empty string; found '  '"),
        ({"title": "x" * 501}, r"title: expected at most 500 characters; found 501"),
        ({"title": 5}, r"title: expected a string; found int 5"),
        ({"parties": [JPN]}, r"parties: expected at least two distinct parties; found \['JPN'\]"),
        ({"parties": [JPN, JPN]}, r"expected at least two distinct parties; found \['JPN', 'JPN'\]"),
        ({"parties": "JPN"}, r"parties: expected a sequence of parties; found str"),
        ({"parties": [JPN, "ZZZ"]}, r"party: expected a known party code .* found unknown 'ZZZ'"),
        ({"parties": [JPN, Party("usa", "x")]}, r"party code: expected .* found 'usa'"),
        ({"parties": [JPN, Party("USA", "")]}, r"party name: expected a non-empty string"),
        ({"key": "Bad Key"}, r"key: expected 1-100 characters \[a-z0-9._-\]; found 'Bad Key'"),
        (
            {"rounds": [RoundSpec(dt.date(2025, 1, 1), "x", kind="lunch")]},
            r"round kind: expected one of .*found 'lunch'",
        ),
        ({"rounds": [RoundSpec(dt.datetime(2025, 1, 1, 12), "x")]}, r"round date: expected a datetime.date"),
        (
            {"rounds": [RoundSpec(dt.date(2025, 1, 1), "x", number=0)]},
            r"round number: expected an integer >= 1; found 0",
        ),
        ({"rounds": [RoundSpec(dt.date(2025, 1, 1), "")]}, r"round title: expected a non-empty string"),
        (
            {
                "rounds": [
                    RoundSpec(dt.date(2025, 1, 1), "x", offers=(OfferSpec("JPN", "o", {"a": float("nan")}),))
                ]
            },
            r"package.a: expected a finite number; found nan",
        ),
        (
            {
                "rounds": [
                    RoundSpec(dt.date(2025, 1, 1), "x", offers=(OfferSpec("JPN", "o", {"a": [1, {2: 3}]}),))
                ]
            },
            r"package.a\[1\]: expected string keys without NUL characters; found key 2",
        ),
        (
            {
                "rounds": [
                    RoundSpec(dt.date(2025, 1, 1), "x", offers=(OfferSpec("JPN", "o", {"a": "x\x00"}),))
                ]
            },
            r"package.a: expected text without NUL characters",
        ),
        ({"title": "a\x00b"}, r"title: expected text without NUL characters"),
        (
            {
                "rounds": [
                    RoundSpec(dt.date(2025, 1, 1), "x", offers=(OfferSpec("JPN", "o", {"a": object()}),))
                ]
            },
            r"package.a: expected a JSON value .* found object",
        ),
        (
            {"rounds": [RoundSpec(dt.date(2025, 1, 1), "x", offers=(OfferSpec("JPN", "o", [1, 2]),))]},  # type: ignore[arg-type]
            r"package: expected a JSON object \(mapping\); found list",
        ),
    ],
)
def test_bad_record_input(store: Store, kwargs: dict[str, object], pattern: str) -> None:
    args: dict[str, object] = {"title": "t", "parties": [JPN, USA]}
    args.update(kwargs)
    with pytest.raises(StoreInputError, match=pattern):
        store.create_record(**args)  # type: ignore[arg-type]
    assert store.count_records() == 0


def test_threads_share_one_store(store: Store) -> None:
    """Eight threads write through one Store at once (as the web service does): nothing lost."""
    from concurrent.futures import ThreadPoolExecutor

    rec = store.create_record("shared", [JPN, USA])

    def work(t: int) -> list[int]:
        out = []
        for i in range(5):
            out.append(store.create_record(f"t{t}-{i}", [USA, JPN], rounds=_rounds(2)).id)
            store.add_round(rec.id, RoundSpec(dt.date(2025, 5, 1), f"shared {t}-{i}"))
        return out

    with ThreadPoolExecutor(8) as pool:
        ids = [i for chunk in pool.map(work, range(8)) for i in chunk]
    assert len(set(ids)) == 40 and store.count_records() == 41
    assert [r.number for r in store.list_rounds(rec.id)] == list(range(1, 41))
    assert _table_counts(store)["offers"] == 40 * 2 * 2


def test_bad_paging_and_ids(store: Store) -> None:
    with pytest.raises(StoreInputError, match=r"limit: expected an integer in \[1, 1000\]; found 0"):
        store.list_records(limit=0)
    with pytest.raises(StoreInputError, match=r"offset: expected a non-negative integer; found -1"):
        store.list_records(offset=-1)
    with pytest.raises(
        StoreInputError, match=r"record id: expected an integer id in \[1, 2147483647\]; found '1'"
    ):
        store.get_record("1")  # type: ignore[arg-type]


# --- runs and dataset versions ---------------------------------------------------------------


def _tiny_data(tariff_jp_us: float = 0.025) -> TradeData:
    trade = np.array([[[100.0, 50.0], [10.0, 5.0]], [[8.0, 4.0], [200.0, 80.0]]])
    tariff = np.zeros_like(trade)
    tariff[1, 0, :] = tariff_jp_us
    return TradeData.from_arrays(trade, ["JPN", "USA"], ["autos", "other"], tariff, sigma=[5.0, 4.0])


def _run_spec(record_id: int | None = None, offer_id: int | None = None) -> RunSpec:
    return RunSpec(
        inputs={"scenario": "jp-us-deal", "options": {"closure": "data"}},
        dataset_name="world2014",
        dataset_version="sha256:" + "0" * 64,
        model="armington",
        closure="data",
        results={"welfare_pct": {"JPN": -0.1, "USA": 0.05}, "converged": True},
        record_id=record_id,
        offer_id=offer_id,
    )


def test_dataset_version_is_the_documented_hash() -> None:
    """dataset_version equals SHA-256 of the byte stream in the module docstring, recomputed here."""
    data = _tiny_data()
    h = hashlib.sha256()
    for name in ("trade", "tariff", "sigma", "theta"):
        h.update(name.encode() + b"\0")
        if name == "theta":
            h.update(b"absent\0")
            continue
        arr = np.asarray(data.ds[name].values, dtype="<f8")
        h.update(b"<f8\0" + ",".join(map(str, arr.shape)).encode() + b"\0" + arr.tobytes() + b"\0")
    h.update(b"JPN\0USA\0\0autos\0other\0")
    assert dataset_version(data) == "sha256:" + h.hexdigest()


def test_dataset_version_changes_with_content_only() -> None:
    a, b = _tiny_data(), _tiny_data()
    assert dataset_version(a) == dataset_version(b)
    assert dataset_version(a) != dataset_version(_tiny_data(0.15))
    renamed = TradeData.from_arrays(
        a.ds["trade"].values, ["JPN", "USA"], ["cars", "other"], a.ds["tariff"].values, sigma=[5.0, 4.0]
    )
    assert dataset_version(renamed) != dataset_version(a)
    assert len(dataset_version(a)) == len("sha256:") + 64


def test_runs_round_trip_and_filters(store: Store) -> None:
    rec = store.create_record("t", [JPN, USA], rounds=_rounds(1))
    other = store.create_record("o", [JPN, USA], rounds=_rounds(1))
    offer = store.list_rounds(rec.id)[0].offers[0]
    version = dataset_version(_tiny_data())
    spec = RunSpec(
        inputs={"package": {"us_auto_tariff_pct": 15}},
        dataset_name="tiny",
        dataset_version=version,
        model="armington",
        closure="balanced",
        results={"welfare": np.array([0.1, -0.2]), "n": np.int64(3)},
        record_id=rec.id,
        offer_id=offer.id,
    )
    run = store.add_run(spec)
    assert run.results == {"welfare": [0.1, -0.2], "n": 3}
    assert run.dataset_version == version and run.tradetalks_version == "0.1.0"
    assert run.created_at.tzinfo is dt.UTC
    assert store.get_run(run.id) == run
    free = store.add_run(_run_spec())
    assert store.list_runs(record_id=rec.id) == [run]
    assert store.list_runs(offer_id=offer.id) == [run]
    assert store.list_runs() == [run, free]
    with pytest.raises(
        StoreInputError,
        match=rf"expected an offer of record {other.id}; found offer {offer.id} of record {rec.id}",
    ):
        store.add_run(_run_spec(record_id=other.id, offer_id=offer.id))
    with pytest.raises(StoreInputError, match=r"results.x: expected a finite number; found inf"):
        store.add_run(RunSpec({}, "d", "v", "m", "c", {"x": float("inf")}))
    assert len(store.list_runs()) == 2


# --- seed ------------------------------------------------------------------------------------


def test_seed_japan_us_idempotent_and_from_timeline(store: Store) -> None:
    """The seeded rounds are the policy timeline's rounds, deals and summits, in date order, once."""
    from tradetalks.policy.timeline import timeline

    events = timeline(kinds=("round", "deal", "summit"))
    rec = seed_japan_us(store)
    again = seed_japan_us(store)
    assert again == rec and store.count_records() == 1
    assert rec.key == JAPAN_US_KEY and [p.code for p in rec.parties] == ["JPN", "USA"]
    rounds = store.list_rounds(rec.id)
    assert len(rounds) == len(events) == rec.n_rounds
    assert [r.number for r in rounds] == list(range(1, len(events) + 1))
    assert [(r.date, r.title, r.source_address) for r in rounds] == [
        (e.date, e.title, e.source.address) for e in events
    ]
    first = next(r for r in rounds if r.date == dt.date(2025, 4, 16))
    assert "Akazawa" in first.counterparts and first.place == "Washington" and first.kind == "round"
    deal = next(r for r in rounds if r.date == dt.date(2025, 7, 22))
    assert deal.kind == "deal" and {o.party for o in deal.offers} == {"JPN", "USA"}
    assert all(o.package["scenario"] == "jp-us-deal" for o in deal.offers)
    assert sum(len(r.offers) for r in rounds) == 2


# --- opening ---------------------------------------------------------------------------------


def test_default_url_env_and_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "via-env.sqlite3"
    monkeypatch.setenv("TRADETALKS_DATABASE_URL", f"sqlite:///{target}")
    with open_store() as s:
        assert s.count_records() == 0
    assert target.exists()
    monkeypatch.delenv("TRADETALKS_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path / 'xdg' / 'tradetalks' / 'tradetalks.sqlite3'}"
    with open_store() as s:
        assert s.dialect == "sqlite"
    assert (tmp_path / "xdg" / "tradetalks" / "tradetalks.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("not a url", r"database URL: expected a SQLAlchemy URL .* found 'not a url'"),
        ("mysql://u@h/db", r"expected a 'sqlite' or 'postgresql' URL; found backend 'mysql'"),
        (
            "postgresql+psycopg2://u@h/db",
            r"expected 'postgresql\+psycopg' \(psycopg 3\); found 'postgresql\+psycopg2'",
        ),
        ("sqlite+pysqlcipher:///x", r"expected 'sqlite'; found 'sqlite\+pysqlcipher'"),
    ],
)
def test_bad_url(url: str, pattern: str) -> None:
    with pytest.raises(StoreConfigError, match=pattern):
        open_store(url)


def test_unreachable_server() -> None:
    with pytest.raises(DatabaseUnavailableError, match="expected a reachable, writable database"):
        open_store("postgresql://nobody:pw@127.0.0.1:1/nodb?connect_timeout=2")


def test_password_hidden(tmp_path: Path) -> None:
    with open_store("postgresql://user:s3cret@127.0.0.1:1/db", migrate=False) as s:  # no connection made
        assert s.url == "postgresql+psycopg://user:***@127.0.0.1:1/db" and s.dialect == "postgresql"


# --- CLI: tradetalks record ... ---------------------------------------------------------------


def test_cli_record_commands(tmp_path: Path) -> None:
    """`tradetalks record list|show|rounds` seed on first start and print the stored rows as JSON."""
    import json

    from typer.testing import CliRunner

    from tradetalks.cli.app import app
    from tradetalks.policy.timeline import timeline

    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'cli.sqlite3'}"]
    res = runner.invoke(app, ["record", "list", *db, "--json"])
    assert res.exit_code == 0, res.output
    records = json.loads(res.output)
    assert [r["key"] for r in records] == [JAPAN_US_KEY]
    rid = records[0]["id"]
    res = runner.invoke(app, ["record", "list", *db, "--json"])  # second start: still one record
    assert len(json.loads(res.output)) == 1
    res = runner.invoke(app, ["record", "show", JAPAN_US_KEY, *db, "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["parties"][0] == {"code": "JPN", "name": "Japan"}
    res = runner.invoke(app, ["record", "rounds", str(rid), *db, "--json"])
    assert res.exit_code == 0, res.output
    rounds = json.loads(res.output)
    assert len(rounds) == len(timeline(kinds=("round", "deal", "summit")))
    assert rounds[1]["date"] == "2025-04-16" and rounds[1]["source_address"].startswith("https://")
    for cmd in (["show", "99"], ["rounds", "99"], ["show", "no-such-key"]):
        res = runner.invoke(app, ["record", *cmd, *db])
        assert res.exit_code == 2
        assert "RecordNotFoundError" in res.output and "expected an existing record" in " ".join(
            res.output.split()
        )
    for cmd in (["list"], ["show", "1"], ["rounds", "1"]):
        res = runner.invoke(app, ["record", *cmd, *db])
        assert res.exit_code == 0 and "Japan" in res.output
    res = runner.invoke(app, ["record", "list", "--db", "mysql://x@y/z"])
    assert res.exit_code == 2 and "StoreConfigError" in res.output


def test_downgrade_to_base_and_up_again(store: Store) -> None:
    """The initial revision's downgrade drops every table; upgrading again rebuilds them."""
    from alembic import command
    from sqlalchemy import inspect

    from tradetalks.store.api import _alembic_config

    seed_japan_us(store)
    with store.engine.connect() as conn:
        conn.execution_options(tradetalks_write=True)
        with conn.begin():
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    assert store.revision() is None
    assert store.migrate() == head_revision()
    assert store.count_records() == 0
