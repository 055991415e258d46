"""Trade-war benchmarks (issue #5): a two-player war (USA vs JPN) on world2014 and the full 7-region war
on ossa2014; goal under 60 s each. No Python peer computes Nash tariffs in this model; figures are
absolute.
"""

from __future__ import annotations

from typing import Any

from _util import measure, row

from tradetalks.data import available, load
from tradetalks.model import ossa, strategic


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    data = load("world2014")
    base = ossa.baseline_from_data(data, "balanced")
    players = [data.index("USA"), data.index("JPN")]
    rows.append(
        row(
            "trade war USA-JPN world2014 (2 x 11 x 16 tariffs)",
            measure(lambda: strategic.trade_war(base, players), repeat=3, warmup=0),
            goal="< 60 s",
        )
    )
    if available("ossa2014"):
        d7 = load("ossa2014")
        b7 = ossa.baseline_from_data(d7, "balanced")
        rows.append(
            row(
                "trade war 7 regions ossa2014 (1,386 tariffs)",
                measure(lambda: strategic.trade_war(b7), repeat=3, warmup=0),
                goal="< 60 s",
            )
        )
        rows.append(
            row(
                "cooperative tariffs from Nash, ossa2014",
                measure(
                    lambda: strategic.cooperative(b7, strategic.start_tariffs(b7, "nash"), start="nash"),
                    repeat=1,
                    warmup=0,
                ),
                goal="-",
            )
        )
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
