"""The web service's package-result cache (issue 15 item 7): shared by worker processes through a folder,
keyed by what determines a result, warm at start-up.

The figures compared are the service's own results of one evaluation read back from the cache: the test
checks equality of a stored and a recomputed evaluation (the same function of the same inputs), not a
model figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tradetalks.web import caching
from tradetalks.web import schemas as S
from tradetalks.web import services as sv
from tradetalks.web.app import create_app

SPEC = {"us_auto_tariff_pct": 17.5, "us_reciprocal_pct": 12.5, "jp_tariff_change_pp": -1.0}


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    before = caching.folder()
    caching.configure(tmp_path / "cache")
    caching.clear()
    yield tmp_path / "cache"
    caching.configure(before)
    caching.clear()


def _figures(im: S.Impact) -> tuple[float, ...]:
    return (im.us.welfare_pct, im.jp.welfare_pct, im.balance_after_usd_bn, im.us.real_wage_pct)


def test_a_result_written_by_one_process_is_read_by_another(folder: Path) -> None:
    spec = S.PackageSpec.model_validate(SPEC)
    here = sv.impact(spec)
    assert list(folder.glob("*/*.json")), "the evaluation was not written to the shared folder"
    # the other process uses this process's code fingerprint: source files edited in between (a shared
    # working tree) would change it, and the key with it, by design
    code = (
        "import json, sys\n"
        "from tradetalks.web import caching, schemas as S, services as sv\n"
        f"caching.code_fingerprint = lambda: {caching.code_fingerprint()!r}\n"
        f"caching.configure({str(folder)!r})\n"
        f"im = sv.impact(S.PackageSpec.model_validate({SPEC!r}))\n"
        "print(json.dumps({'stats': caching.stats, 'us': im.us.welfare_pct, 'jp': im.jp.welfare_pct}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600)
    other = json.loads(out.stdout.strip().splitlines()[-1])
    assert other["stats"]["folder"] == 1 and other["stats"]["computed"] == 0
    assert (other["us"], other["jp"]) == (here.us.welfare_pct, here.jp.welfare_pct)


def test_keys_follow_the_package_and_the_source(folder: Path) -> None:
    from tradetalks.web.desk import desk_package

    a = desk_package(S.PackageSpec.model_validate(SPEC))
    b = desk_package(S.PackageSpec.model_validate({**SPEC, "us_auto_tariff_pct": 17.6}))
    a2 = desk_package(S.PackageSpec.model_validate(SPEC))
    assert caching.package_key(a, "x") == caching.package_key(a2, "x")
    assert caching.package_key(a, "x") != caching.package_key(b, "x")
    assert caching.package_key(a, "x") != caching.package_key(a, "y")


def test_a_damaged_file_is_a_miss_and_is_replaced(folder: Path) -> None:
    spec = S.PackageSpec.model_validate({**SPEC, "us_reciprocal_pct": 7.5})
    first = sv.impact(spec)
    files = list(folder.glob("*/*.json"))
    assert len(files) == 1
    files[0].write_text("{not json")
    caching.clear()
    computed = caching.stats["computed"]
    again = sv.impact(spec)
    assert caching.stats["computed"] == computed + 1
    assert _figures(again) == _figures(first)
    S.Impact.model_validate_json(files[0].read_bytes())  # rewritten whole


def test_an_unwritable_folder_leaves_the_memory_level_working(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    before = caching.folder()
    caching.configure(blocker / "cache")  # a folder below a file cannot be created
    caching.clear()
    try:
        spec = S.PackageSpec.model_validate({**SPEC, "us_reciprocal_pct": 2.5})
        a = sv.impact(spec)
        hits = caching.stats["memory"]
        b = sv.impact(spec)
        assert caching.stats["memory"] == hits + 1 and _figures(a) == _figures(b)
    finally:
        caching.configure(before)
        caching.clear()


def test_startup_warming_makes_the_first_timeline_call_compute_nothing(tmp_path: Path) -> None:
    caching.clear()
    app = create_app(database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", warm=True)
    with TestClient(app, client=("127.0.0.1", 50000), base_url="http://localhost") as c:
        assert (tmp_path / "tradetalks-results-cache").is_dir()  # next to the SQLite record
        computed = caching.stats["computed"]
        r = c.get("/api/timeline")
        assert r.status_code == 200 and r.json()
        # only the stored offers (not warmed: they live in the record) may be evaluated
        offers = sum(len(e["offers"]) for e in r.json())
        assert caching.stats["computed"] - computed <= offers
        r = c.post("/api/package/evaluate", json={})
        assert r.status_code == 200
        assert caching.stats["computed"] - computed <= offers  # the default package was warmed too


def test_evaluation_process_gives_the_same_result_and_stops(folder: Path) -> None:
    """``use_processes(1)``: desk evaluations run in a spawned, warmed process (same figures as in this
    process); ``use_processes(0)`` ends it."""
    import asyncio
    import os

    spec = S.PackageSpec.model_validate({**SPEC, "us_reciprocal_pct": 11.0})
    want = _figures(sv.impact(spec))
    caching.clear()
    caching.use_processes(1)
    try:
        pool = caching._procs[0]
        assert pool is not None
        child = pool.submit(os.getpid).result()
        assert child != os.getpid()
        got = asyncio.run(caching.impact_async(spec))
        assert _figures(got) == want
    finally:
        caching.use_processes(0)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
