"""Run every benchmark module (benchmarks/bench_*.py) side by side and write benchmarks/results.json.

Each module exposes ``run() -> list[dict]`` (see ``_util.row``). Usage: ``make bench`` or
``python benchmarks/run.py [name-filter]``.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str]) -> int:
    console = Console()
    flt = argv[0] if argv else ""
    rows: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if flt and flt not in path.stem:
            continue
        console.print(f"[bold]{path.stem}[/] ...")
        t0 = time.perf_counter()
        mod = _load(path)
        for r in mod.run():
            r["module"] = path.stem
            rows.append(r)
        console.print(f"  done in {time.perf_counter() - t0:.1f} s")
    tab = Table(title="Benchmarks (median seconds, peak MB; ratio = peer / ours)")
    for col in ("benchmark", "ours s", "ours MB", "peer s", "peer MB", "ratio", "goal"):
        tab.add_column(col, justify="right" if col not in ("benchmark", "goal") else "left")

    def f(v: Any, fmt: str) -> str:
        return "-" if v is None else format(v, fmt)

    for r in rows:
        tab.add_row(
            r["name"],
            f(r["ours_median_s"], ".4g"),
            f(r["ours_peak_mb"], ".1f"),
            f(r["peer_median_s"], ".4g"),
            f(r["peer_peak_mb"], ".1f"),
            f(r["ratio"], ".0f"),
            str(r.get("goal", "")),
        )
    console.print(tab)
    # keep what this run did not redo: other modules' rows and other sections (load tests)
    path = HERE / "results.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    ran = {r["module"] for r in rows}
    kept = [r for r in old.get("benchmarks", []) if r.get("module") not in ran]
    out = {
        **old,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": 2},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "benchmarks": kept + rows,
    }
    path.write_text(json.dumps(out, indent=2))
    console.print(f"wrote {HERE / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
