"""Bad inputs at every entry point (issue 15): CLI options, scenario files, datasets, the web API, the store.

Each input must get its *named* error (the class name appears in the message) and a non-zero exit code, or
its 4xx answer, with no traceback, and nothing written. The classes replayed are those of the issue's probe:
numbers typed unguarded, NaN passing ``> 0`` checks, limits that differed by entry point, "converged" when
nothing was solved, failures outside the project's own classes (decoding, recursion, dtype, overflow, OS
errors), silently accepted nonsense, store health and web exposure.

The test of the record views stores a bad offer through every path that can store one (each refused), then
plants one in the database directly, as an older version could have, and checks that the timeline and the
record views stay 200 and report it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tradetalks.cli.app import app
from tradetalks.data import load
from tradetalks.errors import (
    ForeignDatabaseError,
    InvalidRecordError,
    StoreCorruptError,
    StoreError,
    StoreInputError,
)
from tradetalks.store import OfferSpec, RoundSpec, open_store
from tradetalks.web.app import create_app

runner = CliRunner()
TOKEN = "bad-inputs-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = ("127.0.0.1", 50001)
BASE = "http://localhost"
HUGE_NAME = "x" * 100_000


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cli(args: list[str]) -> tuple[int, str]:
    res = runner.invoke(app, args)
    out = _flat(res.output + (res.stderr if res.stderr_bytes is not None else ""))
    return res.exit_code, out


# --- CLI options -------------------------------------------------------------------------------------

# (argv, named error in the message); every one exits 2 before any model work starts
CLI_CASES: list[tuple[list[str], str]] = [
    (["solve", "--tariff", "USA:JPN:*=e"], "NumberFormatError"),
    (["solve", "--tariff", "USA:JPN:*=1.2.3"], "NumberFormatError"),
    (["solve", "--tariff", "USA:JPN:*=nan"], "TariffRule"),  # not even matched as a number: format error
    (["solve", "--tariff", "USA:JPN:*=5000"], "BoundsError"),
    (["solve", "--tariff", "USA:USA:*=10"], "LabelError"),
    (["solve", "--tariff", "USA:XXX:*=10"], "LabelError"),
    (["solve", "--tol", "inf"], "OptionError"),
    (["solve", "--tol", "nan"], "OptionError"),
    (["solve", "--tol", "-1"], "OptionError"),
    (["solve", "--max-iter", "0"], "OptionError"),
    (["solve", "--dataset", HUGE_NAME], "BoundsError"),  # registry.check_name: a length check first
    (["solve", "--dataset", "no-such-dataset"], "DatasetNotFoundError"),
    (["war", "--tol", "inf"], "NonFiniteError"),
    (["war", "--tol", "nan"], "NonFiniteError"),
    (["war", "--tol", "-1"], "BoundsError"),
    (["war", "--max-rounds", "0"], "BoundsError"),
    (["war", "--max-rounds", "100000000"], "BoundsError"),
    (["bargain", "--solution", "nash", "--parties", "JPN,USA", "--beta", "abc"], "BoundsError"),
    (["bargain", "--solution", "nash", "--parties", "JPN,USA", "--beta", "abc,1"], "NumberFormatError"),
    (["bargain", "--solution", "nash", "--parties", "JPN,USA", "--beta", "nan,1"], "NonFiniteError"),
    (["bargain", "--solution", "nash", "--parties", "JPN,USA", "--beta", "-1,1"], "BoundsError"),
    (["bargain", "--solution", "rubinstein", "--parties", "JPN,USA", "--delta", "5,5"], "BoundsError"),
    (["bargain", "--solution", "rubinstein", "--parties", "JPN,USA", "--delta", "x,y"], "NumberFormatError"),
    (["bargain", "--solution", "rubinstein", "--parties", "JPN,USA", "--delta", "inf,0.9"], "NonFiniteError"),
    (["bargain", "--solution", "nash", "--parties", "JPN,USA", "--points", "0"], "BoundsError"),
    (["frontier", "--parties", "JPN,USA", "--points", "100000"], "BoundsError"),
    (["negotiate", "--parties", "JPN,USA", "--rounds", "100000000"], "BoundsError"),
    (["negotiate", "--parties", "JPN,USA", "--rounds", "0"], "BoundsError"),
    (["negotiate", "--parties", "JPN,USA", "--strategy-a", "time:nan"], "NonFiniteError"),
    (["negotiate", "--parties", "JPN,USA", "--strategy-a", "time:abc"], "NumberFormatError"),
    (["negotiate", "--parties", "JPN,USA", "--strategy-b", "boulware,const=abc"], "NumberFormatError"),
    (["negotiate", "--parties", "JPN,USA", "--strategy-b", "boulware,const=inf"], "NonFiniteError"),
    (["negotiate", "--parties", "JPN,USA", "--delta", "0.9"], "BoundsError"),
    (["tariffs", "--exporter", "XXX"], "LabelError"),
    (["tariffs", "--exporter", "USA", "--importer", "USA"], "LabelError"),
    (["tariffs", "--on", "1800-01-01"], "OptionError"),
    (["tariffs", "--on", "2999-01-01"], "OptionError"),
    (["record", "show", "99999999999999999999999"], "BoundsError"),
    (["record", "show", HUGE_NAME], "BoundsError"),
]


@pytest.mark.parametrize(("args", "error"), CLI_CASES, ids=[" ".join(a)[:60] for a, _ in CLI_CASES])
def test_cli_option(args: list[str], error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad option value: its named error, exit code 2, no traceback."""
    monkeypatch.setenv("TRADETALKS_DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    if error == "TariffRule":  # 'nan' is not a number token in a rule: the rule's format error
        error = "FileFormatError"
    code, out = _cli(args)
    assert code == 2, out[:500]
    assert error in out and "Traceback" not in out, out[:500]
    assert len(out) < 2000  # a huge input is never echoed in full


def test_cli_unexpected_error_has_a_reference(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A bug (an unexpected exception) gets a one-line message with a log reference, exit 70; the
    traceback goes to the log file, and to the screen only with --debug (TRADETALKS_DEBUG=1)."""
    import typer

    from tradetalks.cli.common import guard

    probe = typer.Typer()

    @probe.command()
    @guard
    def boom() -> None:
        raise ZeroDivisionError("simulated bug")

    @probe.command()
    def other() -> None:  # a second command keeps typer's sub-command layout
        pass

    monkeypatch.setenv("TRADETALKS_LOG_DIR", str(tmp_path))
    res = runner.invoke(probe, ["boom"])
    out = _flat(res.output)
    assert res.exit_code == 70 and "internal error E-" in out and "Traceback" not in out
    assert "ZeroDivisionError" in (tmp_path / "tradetalks-errors.log").read_text()
    monkeypatch.setenv("TRADETALKS_DEBUG", "1")
    res = runner.invoke(probe, ["boom"])
    assert res.exit_code == 70 and "Traceback" in res.output


# --- scenario files ------------------------------------------------------------------------------------

GOOD_HEAD = 'name = "bad-file"\ndate = 2025-08-07\ntitle = "x"\n'
PLEDGE = '[[investment_pledge]]\nname = "p"\ninvestor = "JPN"\nhost = "USA"\nusd_bn = {}\nhorizon_years = 3\n'
FILE_CASES: list[tuple[str, bytes, str]] = [
    ("utf16", (GOOD_HEAD).encode("utf-16"), "EncodingError"),
    ("latin1", (GOOD_HEAD + 'description = "caf\xe9"\n').encode("latin-1"), "EncodingError"),
    ("binary", b"\x00\x01\x02\xff\xfe" * 50, "EncodingError"),
    ("nested", (GOOD_HEAD + "x = " + "[" * 5000 + "]" * 5000 + "\n").encode(), "NestingError"),
    ("nested-tables", (GOOD_HEAD + "y = " + "{a = " * 400 + "1" + "}" * 400 + "\n").encode(), "NestingError"),
    ("pledge-1e12", (GOOD_HEAD + PLEDGE.format("1e12")).encode(), "SpecError"),
    ("pledge-nan", (GOOD_HEAD + PLEDGE.format("nan")).encode(), "SpecError"),
    ("pledge-inf", (GOOD_HEAD + PLEDGE.format("inf")).encode(), "SpecError"),
    ("pledge-huge-int", (GOOD_HEAD + PLEDGE.format("9" * 400)).encode(), "SpecError"),
    ("pledge-string", (GOOD_HEAD + PLEDGE.format('"lots"')).encode(), "SpecError"),
    ("pledge-self", (GOOD_HEAD + PLEDGE.format("10").replace('"JPN"', '"USA"')).encode(), "SpecError"),
    ("not-toml", b"this is = = not toml", "SpecError"),
    ("date-1800", GOOD_HEAD.replace("2025-08-07", "1800-01-01").encode(), "SpecError"),
]


@pytest.mark.parametrize(("name", "content", "error"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_scenario_file(name: str, content: bytes, error: str, tmp_path: Path) -> None:
    """A bad scenario file: its named error naming the file, exit code 2, no traceback, no output file."""
    path = tmp_path / f"{name}.toml"
    path.write_bytes(content)
    out_csv = tmp_path / "out.csv"
    code, out = _cli(["evaluate", str(path), "--csv", str(out_csv)])
    assert code == 2, out[:500]
    assert error in out and "Traceback" not in out, out[:500]
    assert not out_csv.exists()


def test_scenario_file_too_large(tmp_path: Path) -> None:
    """A file beyond the size bound is refused before it is parsed."""
    path = tmp_path / "big.toml"
    path.write_bytes(GOOD_HEAD.encode() + b"# " + b"x" * 6_000_000 + b"\n")
    code, out = _cli(["evaluate", str(path)])
    assert code == 2 and "BoundsError" in out and "Traceback" not in out


def test_output_path_in_missing_folder(tmp_path: Path) -> None:
    """An output path in a folder that does not exist: OutputPathError, exit 2, nothing written."""
    target = tmp_path / "no" / "such" / "folder" / "agg.nc"
    cmap = tmp_path / "c.toml"
    cmap.write_text('ASIA = ["JPN", "CHN", "KOR", "TWN", "IND"]\n')
    code, out = _cli(["data", "aggregate", "world2014", "--countries", str(cmap), "--out", str(target)])
    assert code == 2 and ("OutputPathError" in out or "FileFormatError" in out), out[:500]
    assert "Traceback" not in out and not target.parent.exists()


def test_tariff_rule_file_not_utf8(tmp_path: Path) -> None:
    """A UTF-16 rules file: EncodingError."""
    rules = tmp_path / "rules.csv"
    rules.write_bytes("importer,exporter,sector,tariff_pct\nUSA,JPN,*,10\n".encode("utf-16"))
    code, out = _cli(["solve", "--tariff-file", str(rules)])
    assert code == 2 and "EncodingError" in out and "Traceback" not in out


# --- datasets ------------------------------------------------------------------------------------------


def _nc(tmp_path: Path, name: str, change: Any) -> Path:
    ds = load("world2014").ds.copy(deep=True)
    ds = change(ds)
    path = tmp_path / f"{name}.nc"
    ds.to_netcdf(path)
    return path


def _set(var: str, value: float) -> Any:
    def change(ds: Any) -> Any:
        a = ds[var].values.copy()
        a[0, 1, 0] = value
        ds[var] = (ds[var].dims, a)
        return ds

    return change


DATA_CASES: list[tuple[str, Any, str]] = [
    ("trade-strings", lambda ds: ds.assign(trade=ds["trade"].astype(str)), "DataTypeError"),
    ("flow-1e300", _set("trade", 1e300), "FlowRangeError"),
    ("flow-nan", _set("trade", float("nan")), "MissingValueError"),
    ("flow-inf", _set("trade", float("inf")), "MissingValueError"),
    ("flow-negative", _set("trade", -1.0), "NegativeFlowError"),
    ("tariff-200", _set("tariff", 200.0), "TariffRangeError"),
    (
        "sigma-1e6",
        lambda ds: (
            ds.assign(sigma=ds["sigma"] * 0 + 1e6)
            if "sigma" in ds
            else ds.assign(sigma=("sector", [1e6] * ds.sizes["sector"]))
        ),
        "ElasticityError",
    ),
]


@pytest.mark.parametrize(("name", "change", "error"), DATA_CASES, ids=[c[0] for c in DATA_CASES])
def test_dataset_file(name: str, change: Any, error: str, tmp_path: Path) -> None:
    """A dataset file with a bad variable: its named validation error, exit code 2."""
    path = _nc(tmp_path, name, change)
    code, out = _cli(["data", "validate", str(path)])
    assert code == 2, out[:500]
    assert error in out and "Traceback" not in out, out[:500]


# --- web API -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("bad-web")) / "record.sqlite3"
    app_ = create_app(api_token=TOKEN, database_url=f"sqlite:///{db}", job_burst=3, job_starts_per_minute=6)
    with TestClient(app_, client=LOCAL, base_url=BASE) as c:
        yield c


WEB_CASES: list[tuple[str, str, object, dict[str, str], int]] = [
    ("POST", "/api/package/evaluate", {"extra_rules": ["USA:JPN:motor_vehicles=e"]}, {}, 422),
    ("POST", "/api/package/evaluate", {"extra_rules": ["USA:JPN:motor_vehicles=1.2.3"]}, {}, 422),
    ("POST", "/api/package/evaluate", {"extra_rules": ["USA:USA:motor_vehicles=10"]}, {}, 422),
    ("POST", "/api/package/evaluate", {"investment_usd_bn": 1e12}, {}, 422),
    ("POST", "/api/package/evaluate", {"us_auto_tariff_pct": "NaN"}, {}, 422),
    (
        "POST",
        "/api/package/evaluate",
        b'{"us_auto_tariff_pct": NaN}',
        {"content-type": "application/json"},
        422,
    ),
    (
        "POST",
        "/api/package/evaluate",
        b'{"us_auto_tariff_pct": Infinity}',
        {"content-type": "application/json"},
        422,
    ),
    ("POST", "/api/package/evaluate", b'{"dataset": "\xc3\x28"}', {"content-type": "application/json"}, 400),
    (
        "POST",
        "/api/package/evaluate",
        b"[" * 10_000 + b"]" * 10_000,
        {"content-type": "application/json"},
        400,
    ),
    ("POST", "/api/runs", {"package": {"extra_rules": ["USA:JPN:*=e"]}}, AUTH, 422),
    ("POST", "/api/jobs/simulate", {"strategy_us": "boulware,const=abc"}, AUTH, 422),
    ("POST", "/api/jobs/simulate", {"strategy_us": "time:nan"}, AUTH, 422),
    ("GET", "/api/records/99999999999999999999", None, {}, 422),
    ("GET", "/api/records/9223372036854775808", None, {}, 422),
    ("GET", "/api/runs/-1", None, {}, 422),
    ("GET", "/api/package/defaults?dataset=" + "x" * 5000, None, {}, 422),
    ("GET", "/api/datasets", None, {"host": "evil.example"}, 400),
    ("GET", "/api/datasets", None, {"x-forwarded-for": "203.0.113.7"}, 401),
    ("GET", "/api/datasets", None, {"forwarded": "for=203.0.113.7"}, 401),
    ("POST", "/api/records", {"title": "x" * 70_000}, AUTH, 413),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    WEB_CASES,
    ids=[f"{m} {p[:50]} {s}" for m, p, _, _, s in WEB_CASES],
)
def test_web_request(
    client: TestClient, method: str, path: str, body: object, headers: dict[str, str], status: int
) -> None:
    """A bad request: its 4xx with a JSON message naming the problem (never a 5xx, no traceback)."""
    kw: dict[str, Any] = {"headers": headers}
    if isinstance(body, bytes):
        kw["content"] = body
    elif body is not None:
        kw["json"] = body
    r = client.request(method, path, **kw)
    assert r.status_code == status, r.text[:500]
    payload = r.json()
    assert payload.get("error") and payload.get("detail"), payload
    assert "Traceback" not in r.text and len(r.text) < 20_000


def test_web_security_headers_and_job_limit(client: TestClient) -> None:
    """Every answer carries the security headers; heavy job starts beyond the per-client burst get 429."""
    r = client.get("/api/datasets")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    page = client.get("/")
    assert "<script>" not in page.text.replace(" ", "")  # no inline scripts under the CSP
    codes = [
        client.post("/api/jobs/war", json={"players": ["USA", "JPN"], "dataset": "no-such-data"}).status_code
        for _ in range(5)
    ]
    assert 429 in codes and all(c in (202, 429) for c in codes), codes
    for j in client.get("/api/jobs").json():
        client.delete(f"/api/jobs/{j['id']}", headers=AUTH)


# --- the record store ----------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_store_garbled_header(tmp_path: Path) -> None:
    """A garbled header: StoreCorruptError (503 on the web, not 422), file untouched."""
    db = tmp_path / "garbled.sqlite3"
    open_store(f"sqlite:///{db}").close()
    data = bytearray(db.read_bytes())
    data[0:16] = b"Garbage-Garbage!"
    db.write_bytes(bytes(data))
    before = _digest(db)
    with pytest.raises(StoreCorruptError, match="header"):
        open_store(f"sqlite:///{db}")
    assert _digest(db) == before
    web = create_app(api_token=TOKEN, database_url=f"sqlite:///{db}")
    with TestClient(web, client=LOCAL, base_url=BASE) as c:
        r = c.get("/api/records")
        assert r.status_code == 503 and r.json()["error"] == "StoreCorruptError"
        h = c.get("/api/health")
        assert h.status_code == 503 and h.json()["store"]["state"] == "unavailable"


def test_store_foreign_sqlite(tmp_path: Path) -> None:
    """Another application's SQLite file: ForeignDatabaseError, nothing written into it."""
    db = tmp_path / "other.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers (name) VALUES ('ACME')")
    con.commit()
    con.close()
    before = _digest(db)
    with pytest.raises(ForeignDatabaseError):
        open_store(f"sqlite:///{db}")
    assert _digest(db) == before


def test_store_ids_overflow_and_bad_values(tmp_path: Path) -> None:
    """Ids beyond the id columns and out-of-range payload numbers are StoreInputErrors, nothing written."""
    with open_store(f"sqlite:///{tmp_path / 'r.sqlite3'}") as st:
        for bad in (2**63, 2**70, -1, 0):
            with pytest.raises(StoreInputError):
                st.get_record(bad)
        rec = st.create_record("t", ["JPN", "USA"] if st.list_parties() else [_p("JPN"), _p("USA")])
        with pytest.raises(StoreInputError):
            st.add_round(
                rec.id,
                RoundSpec(
                    dt.date(2025, 1, 1),
                    "r",
                    offers=(OfferSpec("JPN", "o", {"scenario": "jp-us-deal", "meta": {"n": 2**80}}),),
                ),
            )
        assert st.list_rounds(rec.id) == []


def _p(code: str) -> Any:
    from tradetalks.store import Party

    return Party(code, code)


BAD_PACKAGES: list[dict[str, Any]] = [
    {"scenario": "no-such-scenario"},
    {
        "spec": {
            "name": "x",
            "date": "2025-08-07",
            "investment_pledge": [{"name": "p", "investor": "JPN", "host": "USA", "usd_bn": 1e12}],
        }
    },
    {"unknown": 1},
    {},
    {"web_package": {"us_auto_tariff_pct": -5}},
]


def test_bad_offer_through_every_path_and_views_stay_200(tmp_path: Path) -> None:
    """A bad offer is refused through every path that can store one (Store.add_offer, Store.add_round,
    Store.create_record, POST /api/records/{id}/rounds); one planted directly in the database is left out
    of the timeline and the record view, which stay 200 and name it."""
    db = tmp_path / "record.sqlite3"
    web = create_app(api_token=TOKEN, database_url=f"sqlite:///{db}")
    with TestClient(web, client=LOCAL, base_url=BASE) as c:
        assert c.get("/api/timeline").status_code == 200  # opens and seeds the store
        st = web.state.ctx.store()
        rec = st.create_record("offers", [_p("JPN"), _p("USA")])
        rnd = st.add_round(rec.id, RoundSpec(dt.date(2025, 5, 1), "r1"))
        for pkg in BAD_PACKAGES:
            with pytest.raises((InvalidRecordError, StoreInputError)):
                st.add_offer(rnd.id, OfferSpec("JPN", "bad", pkg))
            with pytest.raises((InvalidRecordError, StoreInputError)):
                st.add_round(
                    rec.id, RoundSpec(dt.date(2025, 5, 2), "r2", offers=(OfferSpec("JPN", "bad", pkg),))
                )
            with pytest.raises(StoreError):
                st.create_record(
                    "bad",
                    [_p("JPN"), _p("USA")],
                    rounds=(RoundSpec(dt.date(2025, 5, 3), "r", offers=(OfferSpec("USA", "bad", pkg),)),),
                )
        r = c.post(
            f"/api/records/{rec.id}/rounds",
            headers=AUTH,
            json={
                "date": "2025-05-04",
                "title": "web",
                "offers": [{"party": "USA", "label": "bad", "package": {"us_auto_tariff_pct": float("1e9")}}],
            },
        )
        assert r.status_code == 422
        assert [x.title for x in st.list_rounds(rec.id)] == ["r1"]  # nothing else was written
        assert st.count_records() == 2

        # plant bad offers as an older version could have written them: in the seeded deal round and here
        seed_rounds = st.list_rounds(web.state.ctx.state["seed_id"])
        deal = next(x for x in seed_rounds if x.offers)
        con = sqlite3.connect(db)
        for round_id in (deal.id, rnd.id):
            con.execute(
                "INSERT INTO offers (round_id, party_id, label, package, created_at) VALUES "
                "(?, (SELECT id FROM parties WHERE code = 'JPN'), 'planted', ?, '2025-01-01 00:00:00')",
                (
                    round_id,
                    '{"spec": {"name": "x", "date": "2025-08-07", "investment_pledge": [{"name": "p", '
                    '"investor": "JPN", "host": "USA", "usd_bn": 1e12}]}}',
                ),
            )
        con.commit()
        con.close()
        tl = c.get("/api/timeline")
        assert tl.status_code == 200 and tl.headers.get("x-skipped-offers")
        assert all(o["label"] != "planted" for e in tl.json() for o in e["offers"])
        view = c.get(f"/api/records/{rec.id}")
        assert view.status_code == 200 and len(view.json()["skipped_offers"]) == 1
        assert c.get("/api/records").status_code == 200
        code, out = _cli(["record", "rounds", str(rec.id), "--db", f"sqlite:///{db}"])
        assert code == 0 and "left out" in out


def test_nonconverged_result_exits_3() -> None:
    """A solve stopped before its tolerance: the result is printed, the exit code is 3 (not 0), and
    ``--allow-nonconverged`` accepts it (exit 0)."""
    args = ["solve", "--tariff", "USA:JPN:*=25", "--max-iter", "1", "--json"]
    code, out = _cli(args)
    assert code == 3, out[:300]
    assert "did not converge" in out and "--allow-nonconverged" in out and "Traceback" not in out
    code, out = _cli(["--allow-nonconverged", *args])
    assert code == 0 and '"converged": false' in out
