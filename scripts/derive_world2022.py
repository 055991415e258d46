"""Derive the bundled dataset ``world2022`` from the OECD ICIO 2022 cube of ``tariffwar_cubes``.

Usage (from the repository root; needs the reference folder, see ``TRADETALKS_DATA_DIR``)::

    .venv/bin/python scripts/derive_world2022.py

Steps:

1. read ``tariffwar_cubes/mat/ICIO2022.mat`` with :mod:`tradetalks.data.readers.tariffwar` (81 economies ×
   28 sectors, raw unbalanced flows, US$ millions; applied tariffs imposed by the importer; no floor on
   domestic cells), once per elasticity set;
2. check the economy selection: every ICIO economy outside the required list whose 2022 trade with the
   US plus Japan (both directions, all sectors) exceeds ``PARTNER_THRESHOLD_USD_M`` must be exactly
   :data:`~tradetalks.data.readers.world2022.SELECTED`;
3. aggregate the sectors 28 → 17 (:data:`~tradetalks.data.readers.world2022.SECTOR_GROUPS`) with
   :meth:`TradeData.aggregate_sectors` (flows summed; tariffs trade-weighted by pair; σ and θ weighted by
   world international trade of the 81 economies), then the economies 81 → 21
   (:func:`~tradetalks.data.readers.world2022.region_map`) with :meth:`TradeData.aggregate_countries`
   (flows among members of a region become its domestic sales; tariffs trade-weighted);
4. write ``src/tradetalks/data/bundled/world2022.nc`` (IS set), ``world2022_elasticities.csv`` (ε of all
   eight sets by world2022 sector) and the ``world2022`` section of ``PROVENANCE.md`` (between markers;
   the rest of the file is left as it is).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
import pandas as pd

from tradetalks.data import load
from tradetalks.data.elasticities import DEFAULT_ELASTICITIES, ELASTICITY_SETS, SET_SOURCES
from tradetalks.data.readers._common import caveats
from tradetalks.data.readers.world2022 import (
    BUNDLED_FILE,
    ELASTICITIES_FILE,
    EU27,
    ORDER,
    PARTNER_THRESHOLD_USD_M,
    REQUIRED,
    SECTOR_GROUPS,
    SECTOR_NAMES,
    SELECTED,
    region_map,
    sector_map,
)
from tradetalks.data.registry import dataset_folder
from tradetalks.data.tradedata import TradeData

SCRIPT = "scripts/derive_world2022.py"
BEGIN = "<!-- world2022: begin (written by scripts/derive_world2022.py) -->"
END = "<!-- world2022: end -->"


def partners_above_threshold(icio: TradeData) -> list[str]:
    """ICIO economies (not required, not EU, not ROW) trading more than the threshold with USA + JPN."""
    x = icio.trade.sum(axis=2)
    u, j = icio.index("USA"), icio.index("JPN")
    out = []
    for k, c in enumerate(icio.countries):
        if c in REQUIRED or c in EU27 or c in ("USA", "JPN", "ROW"):
            continue
        total = x[k, u] + x[u, k] + x[k, j] + x[j, k]
        if total > PARTNER_THRESHOLD_USD_M:
            out.append((total, c))
    return [c for _, c in sorted(out, reverse=True)]


def derive(icio: TradeData) -> TradeData:
    """ICIO 2022 (one elasticity set) → world2022 (same set)."""
    by_sector = icio.aggregate_sectors(sector_map())
    world = by_sector.aggregate_countries(region_map(icio.countries)).select(countries=list(ORDER))
    ds = world.to_dataset()
    ds = ds.assign_coords(sector_name=("sector", list(SECTOR_NAMES)))
    return TradeData(ds)


def main() -> None:
    today = dt.date.today().isoformat()
    raw = dataset_folder("icio2022") / "mat" / "ICIO2022.mat"
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    icio = load("icio2022", elasticities=DEFAULT_ELASTICITIES)
    found = partners_above_threshold(icio)
    if found != list(SELECTED):
        raise SystemExit(f"economy selection changed: expected {list(SELECTED)}, found {found}")
    world = derive(icio)
    table = {}
    for name in ELASTICITY_SETS:
        w = derive(load("icio2022", elasticities=name))
        table[name] = w.param("theta")
    pd.DataFrame({"sector": list(SECTOR_GROUPS), **table}).to_csv(ELASTICITIES_FILE, index=False, float_format="%.10g")
    rest = sorted(c for c, r in region_map(icio.countries).items() if r == "ROW" and c != "ROW")
    world = world.with_attrs(
        name="world2022",
        source=f"derived from tariffwar_cubes/mat/ICIO2022.mat (OECD ICIO 2023 edition, 2022; sha256 "
        f"{digest[:16]}...) by {SCRIPT}",
        derived_by=SCRIPT,
        derived_on=today,
        history="icio2022 (raw flows, elasticities IS) -> aggregate_sectors(28 -> 17) -> "
        "aggregate_countries(81 -> 21) -> select(ORDER)",
        regions="EU = " + " ".join(EU27) + "; ROW = " + " ".join(rest) + " and ICIO's ROW",
        sector_groups="; ".join(f"{g} = {' + '.join(m)}" for g, m in SECTOR_GROUPS.items()),
        elasticity_sets_file=ELASTICITIES_FILE.name,
        citation="OECD (2023), Inter-Country Input-Output tables, 2023 edition. Teti, F. (2024). 30+ years "
        "of trade policy: evidence from 160 countries. ECARES WP 2024-04 (Global Tariff Database). "
        "Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. "
        "Journal of International Economics 131, 103489 (cubes and elasticity sets: "
        "github.com/ahmadlp/tariffwar, commit 98636984981426dd17be3a9e532973a2995ce601).",
        licence="none stated for the tariffwar repository; OECD ICIO: OECD terms (re-use with credit)",
        caveats=caveats(
            "aggregated from 81 ICIO economies: flows among members of a region (EU, ROW) are its "
            "domestic sales; tariffs of a region are trade-weighted means over member pairs",
            "flows are gross (intermediate + final use), US$ millions, NOT balanced (the source "
            "package purges deficits before its counterfactuals)",
            "tariffs are Teti Global Tariff Database applied rates of 2021 (ICIO 2022 carries 2021 "
            "tariffs): MFN-like, no Section 301 premium on China, no 2025 US measures; US tariffs on "
            "CAN and MEX are 0",
            "'services' (all ICIO D-Z codes) carries non-zero tariffs in the source (off-diagonal mean "
            "2.9 % in ICIO 2022); kept as they are",
            "'motor_vehicles' is ICIO C29 alone; ships, aircraft and rail are 'other_transport'",
            "sigma = epsilon + 1 and theta = epsilon of the chosen set, trade-weighted over the ICIO "
            "sectors of each group (world2022_elasticities.csv holds all eight sets)",
            "some economies have a zero domestic cell in some sector (e.g. SGP mining)",
        ),
    )
    world.save(BUNDLED_FILE)
    size_kb = BUNDLED_FILE.stat().st_size / 1024
    csv_kb = ELASTICITIES_FILE.stat().st_size / 1024
    eps_rows = "\n".join(
        f"| {s} | " + " | ".join(f"{table[n][k]:.3g}" for n in ELASTICITY_SETS) + " |"
        for k, s in enumerate(SECTOR_GROUPS)
    )
    section = f"""{BEGIN}
# world2022 — provenance

`world2022.nc` is a bundled dataset of tradetalks: OECD ICIO 2022 trade and 2021 applied tariffs,
aggregated to {len(ORDER)} economies × {len(SECTOR_GROUPS)} sectors. `world2022_elasticities.csv` holds the
trade elasticities ε of the eight published sets aggregated to its sectors. Both are derived by our
script `{SCRIPT}`; the raw file is not shipped.

- **Source file**: `tariffwar_cubes/mat/ICIO2022.mat` (sha256 `{digest}`), from the `mat/` folder of
  github.com/ahmadlp/tariffwar (commit 98636984981426dd17be3a9e532973a2995ce601): OECD ICIO 2023 edition,
  81 economies × 28 sectors (27 goods sectors + services aggregate), gross flows in US$ millions with
  domestic sales on the diagonal; Teti (2024) Global Tariff Database applied tariffs of 2021.
- **Derivation** ({today}): read with `tradetalks.data.readers.tariffwar` (MATLAB v7.3/HDF5 via h5py,
  `Xjik_3D`/`tjik_3D` transposed to `[exporter, importer, sector]`, tariffs imposed by the importer);
  `TradeData.aggregate_sectors` (28 → 17; flows summed, tariffs trade-weighted by pair, ε and σ weighted
  by world international trade) then `TradeData.aggregate_countries` (81 → {len(ORDER)}; flows summed,
  flows within a region become its domestic sales, tariffs trade-weighted
  `t_RQs = Σ t_ijs X_ijs / Σ X_ijs`). Total flows are conserved (checked).
- **Economies**: {", ".join(ORDER)}. Required by design: {", ".join(REQUIRED)}, EU and ROW. Added by rule:
  every other ICIO economy whose 2022 trade with the US plus Japan (both directions, all sectors)
  exceeded US$ {PARTNER_THRESHOLD_USD_M / 1000:.0f} bn ({", ".join(SELECTED)}; next was RUS).
  EU = {" ".join(EU27)}. ROW = {" ".join(rest)} and ICIO's ROW.
- **Sectors**: {"; ".join(f"`{g}` = {' + '.join(m)}" for g, m in SECTOR_GROUPS.items())} (labels of the
  icio2022 reader; OECD codes in the `sector_name` coordinate). `motor_vehicles` is ICIO C29 alone.
- **Elasticities**: `sigma` = ε + 1 and `theta` = ε of the set IS (Lashkaripour 2021, in-sample) in the
  `.nc`; any set by `tradetalks.data.load("world2022", elasticities="CP")` or a CSV file. ε by sector:

| sector | {" | ".join(ELASTICITY_SETS)} |
|---|{"---|" * len(ELASTICITY_SETS)}
{eps_rows}

  Sets: {"; ".join(f"{n} = {SET_SOURCES[n]}" for n in ELASTICITY_SETS)}.
- **Size**: world2022.nc {size_kb:.0f} kB, world2022_elasticities.csv {csv_kb:.1f} kB.

## Citation

OECD (2023), Inter-Country Input-Output tables, 2023 edition (OECD data terms: re-use with credit).

Teti, F. (2024). 30+ years of trade policy: evidence from 160 countries. ECARES Working Paper 2024-04.

Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. *Journal of
International Economics* 131, 103489 (the cubes and elasticity sets: github.com/ahmadlp/tariffwar).

No licence is stated for the tariffwar repository.
{END}
"""
    prov = BUNDLED_FILE.parent / "PROVENANCE.md"
    text = prov.read_text(encoding="utf-8") if prov.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END) + "\n?", re.S)
    text = pattern.sub("", text).rstrip("\n") + "\n\n" + section
    prov.write_text(text, encoding="utf-8")
    assert np.isclose(world.trade.sum(), icio.trade.sum(), rtol=1e-12)
    print(f"wrote {BUNDLED_FILE} ({size_kb:.0f} kB), {ELASTICITIES_FILE.name} ({csv_kb:.1f} kB) and PROVENANCE.md")


if __name__ == "__main__":
    main()
