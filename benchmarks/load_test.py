"""Load test of the web service on loopback: N concurrent clients for T seconds evaluating packages and
writing records; reports errors, lost/duplicated records, median and p99 latency.

Starts ``tradetalks.web.app:create_app()`` under uvicorn on a free 127.0.0.1 port with a fresh SQLite record
(or ``--url`` of a running server with ``--token``), then runs httpx async clients. Every client loops: evaluate
a random package (POST /api/package/evaluate), create a record with a unique key (POST /api/records), and
every third iteration store an evaluation run for it (POST /api/runs). Afterwards all records are listed and
each key written must appear exactly once. Bounded: stops after ``--seconds`` and at most ``--max-requests``.

With ``--workers N`` (default 2) the server runs as ``uvicorn --factory --workers N`` in a child process
(several worker processes sharing the record store); ``--workers 0`` runs one in-process server thread.
The figures (p50/p99 per endpoint, errors, lost/duplicated records) are merged into
``benchmarks/results.json`` under the key ``load_test`` (other keys are kept).

Usage::

    .venv/bin/python benchmarks/load_test.py --clients 50 --seconds 30 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

from tradetalks.web.local import free_port, serve_in_thread


def start_workers(token: str, db: Path, workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    """``uvicorn tradetalks.web.app:create_app --factory --workers N`` on a free loopback port."""
    port = free_port()
    env = {**os.environ, "TRADETALKS_API_TOKEN": token, "TRADETALKS_DATABASE_URL": f"sqlite:///{db}",
           "TRADETALKS_EVAL_PROCESSES": os.environ.get("TRADETALKS_EVAL_PROCESSES", "1")}  # as `serve --workers N`
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tradetalks.web.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-proxy-headers",
         "--limit-concurrency", "500", "--backlog", "512", "--timeout-worker-healthcheck", "120"],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    seen: set[int] = set()  # every worker answers only once warm (start-up warming): wait for all of them
    for _ in range(1200):
        try:
            r = httpx.get(base + "/api/health", timeout=2.0)
            if r.status_code == 200:
                seen.add(int(r.json().get("worker", 0)))
                if len(seen) >= workers:
                    return base, proc
                continue
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("server exited during start")
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not start")


def _package(rng: random.Random) -> dict[str, object]:
    return {
        "us_auto_tariff_pct": round(rng.uniform(2.5, 27.5), 1),
        "us_reciprocal_pct": round(rng.uniform(0, 25), 1),
        "reciprocal_stacking": rng.choice(["additional", "all-in"]),
        "jp_tariff_change_pp": round(rng.uniform(-3, 0), 2),
        "purchases_agriculture_usd_bn": rng.choice([0, 0, 8]),
        "purchases_energy_usd_bn": rng.choice([0, 7]),
        "investment_usd_bn": rng.choice([0, 550]),
        "investment_mode": "returns-transfer",
    }


async def client(k: int, base: str, token: str, deadline: float, budget: list[int],
                 lat: dict[str, list[float]], errors: list[str], written: list[str]) -> None:
    rng = random.Random(k)
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60.0) as c:
        i = 0
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 3
            i += 1

            async def call(kind: str, method: str, path: str, **kw: object) -> httpx.Response | None:
                t0 = time.perf_counter()
                try:
                    r = await c.request(method, path, **kw)  # type: ignore[arg-type]
                except httpx.HTTPError as exc:
                    errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                    return None
                lat[kind].append(time.perf_counter() - t0)
                if r.status_code >= 400:
                    errors.append(f"{kind}: HTTP {r.status_code}: {r.text[:200]}")
                    return None
                return r

            await call("evaluate", "POST", "/api/package/evaluate", json=_package(rng))
            key = f"load-{k}-{i}"
            r = await call("record", "POST", "/api/records", json={"title": f"load client {k} #{i}", "key": key},
                           headers=auth)
            if r is not None:
                written.append(key)
                if i % 3 == 0:
                    await call("run", "POST", "/api/runs", json={"package": _package(rng), "record_id": r.json()["id"]},
                               headers=auth)


def _pct(v: list[float], q: float) -> float:
    return 1000 * v[min(len(v) - 1, int(q * len(v)))]


def tree_cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) used so far by a process and its children (Linux /proc), or None."""
    if pid is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    try:
        while todo:  # the process, its workers and their evaluation processes
            p = todo.pop()
            for task in Path(f"/proc/{p}/task").iterdir():  # children of every thread (a pool forks from its own)
                todo += [int(k) for k in (task / "children").read_text().split()]
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / tick
    except (OSError, ValueError, IndexError):
        return None
    return total


async def run(base: str, token: str, clients: int, seconds: float, max_requests: int, workers: int = 0,
              server_pid: int | None = None) -> int:
    lat: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    written: list[str] = []
    budget = [max_requests]
    load_before = os.getloadavg()
    cpu_before = tree_cpu_s(server_pid)
    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*(client(k, base, token, deadline, budget, lat, errors, written) for k in range(clients)))
    wall = time.perf_counter() - t0
    load_after = os.getloadavg()
    cpu_after = tree_cpu_s(server_pid)
    server_cores = (None if cpu_before is None or cpu_after is None
                    else round((cpu_after - cpu_before) / wall, 2))
    # every key written exactly once?
    seen: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=base, timeout=60.0) as c:
        offset = 0
        while True:
            page = (await c.get("/api/records", params={"limit": 1000, "offset": offset})).json()
            recs = page["records"]
            for rec in recs:
                if rec.get("key") and str(rec["key"]).startswith("load-"):
                    seen[str(rec["key"])] += 1
            if len(recs) < 1000:
                break
            offset += 1000
    lost = [k for k in written if seen[k] == 0]
    dup = [k for k, n in seen.items() if n > 1]
    extra = [k for k in seen if k not in set(written)]
    alll = [x for v in lat.values() for x in v]
    print(f"clients {clients}, {wall:.1f} s, {len(alll)} requests ({len(alll) / wall:.1f}/s)")
    for kind in sorted(lat):
        v = sorted(lat[kind])
        print(f"  {kind:9s} n={len(v):5d}  median {1000 * statistics.median(v):8.1f} ms  "
              f"p99 {1000 * v[min(len(v) - 1, int(0.99 * len(v)))]:8.1f} ms")
    v = sorted(alll)
    if v:
        print(f"  {'all':9s} n={len(v):5d}  median {1000 * statistics.median(v):8.1f} ms  "
              f"p99 {1000 * v[min(len(v) - 1, int(0.99 * len(v)))]:8.1f} ms")
    print(f"load average (1, 5, 15 min) before {load_before}, after {load_after}; server processes used "
          f"{server_cores} cores on average (of {os.cpu_count()})")
    print(f"errors {len(errors)}; records written {len(written)}, found {sum(seen.values())}, "
          f"lost {len(lost)}, duplicated {len(dup)}, unexpected {len(extra)}")
    for e in errors[:10]:
        print("  ", e)
    endpoints = {
        kind: {"n": len(v), "p50_ms": round(_pct(sorted(v), 0.5), 1), "p99_ms": round(_pct(sorted(v), 0.99), 1)}
        for kind, v in sorted(lat.items())
        if v
    }
    _save({
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "clients": clients, "seconds": round(wall, 1), "workers": workers, "requests": len(alll),
        "requests_per_s": round(len(alll) / wall, 1), "endpoints": endpoints,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "server_cpu_cores_used": server_cores,
        "errors": len(errors), "records_written": len(written), "lost": len(lost), "duplicated": len(dup),
        "goal": "p99 < 2000 ms for package evaluations and record writes, 0 errors, nothing lost or duplicated",
    })
    return 0 if not errors and not lost and not dup and not extra else 1


def _save(entry: dict[str, object]) -> None:
    """Merge ``entry`` into benchmarks/results.json under ``load_test`` (other keys are kept)."""
    path = Path(__file__).resolve().parent / "results.json"
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc["load_test"] = entry
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--max-requests", type=int, default=100_000)
    ap.add_argument("--url", default=None, help="a running server on loopback (default: start one)")
    ap.add_argument("--token", default="load-test-token")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (0: one in-process thread)")
    a = ap.parse_args()
    a.clients = max(1, min(a.clients, 500))  # bounded
    a.seconds = max(1.0, min(a.seconds, 600.0))
    if a.url is not None and not a.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise SystemExit("--url must be a loopback address")
    proc = None
    stack = contextlib.ExitStack()
    if a.url is None:
        tmp = Path(tempfile.mkdtemp(prefix="tt-load-"))
        if a.workers > 0:
            base, proc = start_workers(a.token, tmp / "record.sqlite3", a.workers)
        else:
            from tradetalks.web.app import create_app

            app = create_app(api_token=a.token, database_url=f"sqlite:///{tmp / 'record.sqlite3'}")
            base = stack.enter_context(serve_in_thread(app, limit_concurrency=500, backlog=512))
    else:
        base = a.url
    try:
        return asyncio.run(run(base, a.token, a.clients, a.seconds, a.max_requests, a.workers,
                               None if proc is None else proc.pid))
    finally:
        stack.close()
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
