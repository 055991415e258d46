"""Derive ``src/tradetalks/policy/facts/gdp_world2022.csv``: GDP of the world2022 economies (US$ millions).

Source: ``liberation_day_2025/gdp.csv`` + ``country_labels.csv`` (World Bank WDI, indicator NY.GDP.MKTP.CD,
current US$, latest non-missing year per country: 2023 for every economy kept here, file updated
2025-03-24; see that folder's SOURCE.md and MODEL.md §1.1). EU = the sum of its 27 members; ROW = the sum
of every other economy of the file. Taiwan is not in WDI: its GDP is left unknown (empty), never invented.

Run: ``python scripts/derive_gdp_world2022.py`` (needs the reference folder; TRADETALKS_DATA_DIR).
"""

from __future__ import annotations

import csv
from pathlib import Path

from tradetalks.data.readers.world2022 import ORDER
from tradetalks.data.registry import dataset_folder

OUT = Path(__file__).resolve().parents[1] / "src/tradetalks/policy/facts/gdp_world2022.csv"
EU27 = ("AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT ROU SVK "
        "SVN SWE").split()


def main() -> None:
    folder = dataset_folder("liberation2025")
    with open(folder / "country_labels.csv", newline="") as f:
        iso = [r["iso3"] for r in csv.DictReader(f)]
    with open(folder / "gdp.csv", newline="") as f:
        gdp = [float(r["gdp"]) for r in csv.DictReader(f)]
    named = set(ORDER) - {"EU", "ROW"}
    out: dict[str, float] = dict.fromkeys(ORDER, 0.0)
    for c, g in zip(iso, gdp, strict=True):
        key = c if c in named else ("EU" if c in EU27 else "ROW")
        out[key] += g / 1e6
    with open(OUT, "w", newline="") as f:
        f.write("# GDP of the world2022 economies, US$ millions, current prices. Source: World Bank WDI "
                "NY.GDP.MKTP.CD (latest year per country: 2023), via liberation_day_2025/gdp.csv (Ignatenko, "
                "Lashkaripour, Macedoni & Simonovska 2025 replication data). EU = 27 members summed; ROW = all "
                "other WDI economies in that file. TWN: not in WDI, unknown. Derived by "
                "scripts/derive_gdp_world2022.py\n")
        w = csv.writer(f)
        w.writerow(["country", "gdp_usd_m", "year"])
        for c in ORDER:
            w.writerow([c, "" if c == "TWN" else f"{out[c]:.1f}", "" if c == "TWN" else 2023])


if __name__ == "__main__":
    main()
