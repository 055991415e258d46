"""Crash safety and concurrency of the negotiation-record store, with real OS processes.

* Killed writer: a child process creates records (each with 4 rounds x 2 offers, one transaction per
  record) in a loop, printing ``done <i>`` after each commit; it is SIGKILLed while a record is being
  written (every statement is slowed by 3 ms so the kill lands inside a transaction). Afterwards the
  database opens, every record present is complete, and the number of records is the number of commits
  reported before the kill (the record in flight, which needs >= 105 ms, is killed 30 ms in: absent).
* Two writers at once: two processes seed the Japan-US record (idempotent under the race), create
  records and append auto-numbered rounds to one shared record concurrently; nothing is lost or
  duplicated and the round numbers are exactly 1..n.

Both run on SQLite and on PostgreSQL (see tests/test_store.py for the backend fixture).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.test_store import BACKENDS, JPN, USA, backend_url
from tradetalks.store import JAPAN_US_KEY, Store, head_revision, open_store

ROUNDS_PER_RECORD = 4
OFFERS_PER_ROUND = 2

WORKER = r"""
import datetime as dt
import sys
import time

from sqlalchemy import event

from tradetalks.store import OfferSpec, Party, RoundSpec, open_store, seed_japan_us

url, mode, tag, n, shared = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
store = open_store(url)
if mode == "slow":
    @event.listens_for(store.engine, "after_cursor_execute")
    def _slow(*args):
        time.sleep(0.003)
if mode == "race":
    seed_japan_us(store)
parties = [Party("JPN", "Japan"), Party("USA", "United States")]
print("ready", flush=True)
for i in range(n):
    rounds = [
        RoundSpec(
            date=dt.date(2025, 4, 1) + dt.timedelta(days=k),
            title=f"{tag}-{i}-round-{k}",
            offers=tuple(
                OfferSpec(("JPN", "USA")[j], f"{tag}-{i}-{k}-{j}", {"scenario": "jp-us-deal", "meta": {"i": i, "k": k, "j": j, "tag": tag}})
                for j in range(2)
            ),
        )
        for k in range(4)
    ]
    print(f"start {i}", flush=True)
    rec = store.create_record(f"{tag}-{i}", parties, rounds=rounds)
    print(f"done {i} {rec.id}", flush=True)
    if shared:
        store.add_round(
            shared,
            RoundSpec(
                date=dt.date(2025, 7, 22),
                title=f"shared-{tag}-{i}",
                offers=(OfferSpec("JPN", f"shared-{tag}-{i}", {"scenario": "jp-us-deal", "meta": {"tag": tag, "i": i}}),),
            ),
        )
store.close()
print("finished", flush=True)
"""


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as u:
        with open_store(u):  # migrate once before the children start
            pass
        yield u


def _spawn(tmp_path: Path, url: str, mode: str, tag: str, n: int, shared: int = 0) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, str(script), url, mode, tag, str(n), str(shared)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _check_complete(store: Store, title: str) -> None:
    """A record is complete: 4 rounds numbered 1..4, each with its 2 offers and their payloads."""
    rec = next(r for r in store.list_records(limit=1000) if r.title == title)
    tag, i = title.rsplit("-", 1)
    rounds = store.list_rounds(rec.id)
    assert [r.number for r in rounds] == list(range(1, ROUNDS_PER_RECORD + 1))
    for k, rd in enumerate(rounds):
        assert rd.title == f"{title}-round-{k}"
        assert [o.package for o in rd.offers] == [
            {"scenario": "jp-us-deal", "meta": {"i": int(i), "k": k, "j": j, "tag": tag}}
            for j in range(OFFERS_PER_ROUND)
        ]


def _counts(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("records", "rounds", "offers")
        )


def test_killed_writer_loses_nothing_committed(url: str, tmp_path: Path) -> None:
    """SIGKILL mid-transaction: committed records intact and complete, the in-flight one absent or whole."""
    proc = _spawn(tmp_path, url, "slow", "k", 10_000)
    assert proc.stdout is not None
    done: list[int] = []
    started = -1
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        parts = line.split()
        if parts[0] == "done":
            done.append(int(parts[1]))
        elif parts[0] == "start":
            started = int(parts[1])
            if len(done) >= 12:
                time.sleep(0.03)  # inside the transaction of record `started` (about 35 statements x 3 ms)
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    rest = proc.stdout.read().split()
    done += [int(rest[k + 1]) for k, w in enumerate(rest) if w == "done"]
    assert done == list(range(len(done))) and started == len(done)

    with open_store(url) as store:
        assert store.revision() == head_revision()
        if store.dialect == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        n_records, n_rounds, n_offers = _counts(store)
        # Every reported commit is there and the record in flight is not: it was killed 30 ms into a
        # transaction that needs at least 35 x 3 ms, so it cannot have committed.
        assert n_records == len(done)
        assert n_rounds == ROUNDS_PER_RECORD * n_records
        assert n_offers == OFFERS_PER_ROUND * n_rounds
        titles = sorted(r.title for r in store.list_records(limit=1000))
        assert titles == sorted(f"k-{i}" for i in range(n_records))
        for t in titles:
            _check_complete(store, t)
        # and the database takes new writes
        store.create_record("after-the-crash", [JPN, USA])
        assert store.count_records() == n_records + 1


def test_two_writers_lose_nothing(url: str, tmp_path: Path) -> None:
    """Two processes write at once: every record complete, no duplicates, shared round numbers 1..2n."""
    n = 12
    with open_store(url) as store:
        shared = store.create_record("shared", [JPN, USA]).id
    procs = [_spawn(tmp_path, url, "race", tag, n, shared) for tag in ("a", "b")]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert out.split("\n")[-2] == "finished"
    with open_store(url) as store:
        records = store.list_records(limit=1000)
        titles = [r.title for r in records]
        assert len(titles) == len(set(titles)) == 2 + 2 * n  # shared + Japan-US + 2n
        assert sum(r.key == JAPAN_US_KEY for r in records) == 1
        for tag in ("a", "b"):
            for i in range(n):
                _check_complete(store, f"{tag}-{i}")
        rounds = store.list_rounds(shared)
        assert [r.number for r in rounds] == list(range(1, 2 * n + 1))
        assert sorted(r.title for r in rounds) == sorted(f"shared-{t}-{i}" for t in "ab" for i in range(n))
        assert all(len(r.offers) == 1 for r in rounds)
