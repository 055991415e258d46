"""Reader of the WIOD 2014 file of Lashkaripour & Lugovskyy (2023): 44 countries × 16 sectors.

Raw layout (SOURCE.md of the folder): ``wiod2014_44x44x16_trade_tariff.csv``, one row per
(exporter, importer, sector16) with

* ``trade_raw_wiod2014``: gross flows (intermediate + final) from ``exporter`` to ``importer``, WIOD 2014,
  US$ millions, after the authors' inventory correction; diagonal = domestic;
* ``trade_balanced_RE`` / ``trade_balanced_FE``: flows after the authors' purge of trade imbalances
  (restricted / free entry), with 1 added to every cell before balancing;
* ``tariff_imposed_by_importer``: applied tariff (fraction) imposed by ``importer`` on ``exporter``.

That is our orientation already: ``trade[i, j, s]`` = row (exporter=i, importer=j, sector16=s).
``sigma`` comes from ``sector_params_sigma_mu.csv`` (σ = trade elasticity + 1; services 12), and the
scale elasticity ``mu`` is not used here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tradetalks.data.readers._common import (
    caveats,
    check_option,
    long_to_cube,
    read_csv,
    require_columns,
)
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import FileFormatError, OptionError

FILE = "wiod2014_44x44x16_trade_tariff.csv"
COUNTRIES = (
    "AUS AUT BEL BGR BRA CAN CHE CHN CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HRV HUN IDN IND IRL ITA "
    "JPN KOR LTU LUX LVA MEX MLT NLD NOR POL PRT ROU RUS SVK SVN SWE TUR TWN USA ROW"
).split()
SECTORS = (
    "agriculture",
    "mining",
    "food",
    "textiles",
    "wood",
    "paper",
    "petroleum",
    "chemicals",
    "rubber_plastic",
    "minerals",
    "metals",
    "electronics",
    "machinery",
    "motor_vehicles",
    "other_manufacturing",
    "services",
)
"""Short labels of the 16 sectors (codes 1-16 of industry_concordance_wiod56_to_16.csv)."""
SECTOR_NAMES = (
    "1 Agriculture, forestry and fishing (WIOD 1-3)",
    "2 Mining and quarrying (WIOD 4)",
    "3 Food, beverages and tobacco (WIOD 5)",
    "4 Textiles, wearing apparel and leather (WIOD 6)",
    "5 Wood and cork products (WIOD 7)",
    "6 Paper, printing and recorded media (WIOD 8-9)",
    "7 Coke and refined petroleum (WIOD 10)",
    "8 Chemicals and pharmaceuticals (WIOD 11-12)",
    "9 Rubber and plastic products (WIOD 13)",
    "10 Other non-metallic mineral products (WIOD 14)",
    "11 Basic and fabricated metals (WIOD 15-16)",
    "12 Computer, electronic, optical and electrical equipment (WIOD 17-18)",
    "13 Machinery and equipment n.e.c. (WIOD 19)",
    "14 Motor vehicles, trailers and other transport equipment (WIOD 20-21)",
    "15 Furniture and other manufacturing (WIOD 22)",
    "16 Services, utilities and construction (WIOD 23-56)",
)
FLOWS = {
    "raw": "trade_raw_wiod2014",
    "balanced_RE": "trade_balanced_RE",
    "balanced_FE": "trade_balanced_FE",
}
CITATION = (
    "Lashkaripour, A. and V. Lugovskyy (2023). Profits, Scale Economies, and the Gains from Trade "
    "and Industrial Policy. American Economic Review 113(10): 2759-2808. "
    "Timmer, M. P., E. Dietzenbacher, B. Los, R. Stehrer and G. J. de Vries (2015). An Illustrated "
    "User Guide to the World Input-Output Database: the Case of Global Automotive Production. "
    "Review of International Economics 23: 575-605."
)


def read(folder: Path, **options: Any) -> TradeData:
    """Read WIOD 2014 (Lashkaripour–Lugovskyy) in our orientation, US$ millions.

    Parameters
    ----------
    folder
        The ``lashkaripour_lugovskyy2023_wiod2014`` reference folder.
    **options
        ``flows``: ``"raw"`` (default; WIOD 2014 flows), ``"balanced_RE"`` or ``"balanced_FE"``
        (the authors' imbalance-purged flows, +1 in every cell).
    """
    flows = str(options.pop("flows", "raw"))
    if options:
        raise OptionError("wiod2014 options", ("flows",), sorted(options))
    check_option("flows", flows, tuple(FLOWS))
    df = read_csv(folder, FILE)
    require_columns(
        df, ["exporter", "importer", "sector16", FLOWS[flows], "tariff_imposed_by_importer"], FILE
    )
    found = list(dict.fromkeys(df["exporter"].astype(str)))
    if sorted(found) != sorted(COUNTRIES):
        raise FileFormatError(f"'{FILE}': expected the 44 countries {COUNTRIES}; found {found}")
    codes = list(range(1, 17))
    trade = long_to_cube(df, "exporter", "importer", FLOWS[flows], COUNTRIES, "sector16", codes, FILE)
    tariff = long_to_cube(
        df, "exporter", "importer", "tariff_imposed_by_importer", COUNTRIES, "sector16", codes, FILE
    )
    par = read_csv(folder, "sector_params_sigma_mu.csv")
    require_columns(par, ["sector16", "sigma"], "sector_params_sigma_mu.csv")
    sigma = par.set_index("sector16").reindex(codes)["sigma"].to_numpy(dtype=float)
    attrs = {
        "name": "wiod2014",
        "source": "Lashkaripour & Lugovskyy (2023) replication materials (WIOD 2014, Nov16 release), "
        "via github.com/InessaDeAngelis/AER_code_translation commit f7c192b; converted from "
        "Step_1.mat / Tab4_Data_*.mat",
        "year": 2014,
        "units": "US$ millions",
        "flows": flows,
        "citation": CITATION,
        "licence": "none stated in the source repository; WIOD data: see www.wiod.org",
        "sigma_source": "sector_params_sigma_mu.csv: sigma = trade elasticity + 1 (Lashkaripour-"
        "Lugovskyy 2023 estimates; services 12)",
        "caveats": caveats(
            "sector 16 lumps all services, utilities and construction; sector 14 is motor vehicles "
            "AND other transport equipment",
            "sector 16 (services) carries small tariffs for some pairs in the file (mean 0.5 %, "
            "max 15 %); kept as they are",
            "flows are gross (intermediate + final) after the authors' inventory correction",
            "balanced_RE/balanced_FE flows add 1 (US$ million) to every cell before balancing; their "
            "net exports are within 0.84 % of output, not exactly zero (raw: up to 9.5 %)",
            "tariffs are applied rates (fractions) imposed by the importer; the authors' code array "
            "tjik_3D has the importer FIRST (SOURCE.md)",
            "LUX petroleum (sector 7) has zero domestic sales",
            "ROW is a residual region",
        ),
    }
    return TradeData.from_arrays(
        trade,
        COUNTRIES,
        SECTORS,
        tariff,
        sigma=sigma,
        sector_coords={"sector_name": SECTOR_NAMES},
        attrs=attrs,
    )


__all__ = ["COUNTRIES", "SECTORS", "SECTOR_NAMES", "read"]
