"""Reader of the GE_gravity (R port, GEGravity) example data: 44 WIOD countries, aggregate trade.

Raw layout (SOURCE.md of ``gegravity_r_tradedata0014``): ``TradeData0014.csv``, one row per
(exporter, importer, year) for 2000, 2005, 2010, 2014, with ``trade`` (domestic sales where
exporter == importer) and dummies ``eu_enlargement``, ``other_fta``, ``FTA``. Rows are oriented
exporter -> importer, as ours. ``TradeData0014_Results.csv`` adds, for the year 2000 only,
``new_eu_pair`` and ``eu_effect`` (the partial effect 0.224 for pairs that became EU pairs 2000-14).

One sector (all goods and services, WIOD), no tariffs (zeros): a structural-gravity dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tradetalks.data.readers._common import (
    caveats,
    check_option,
    long_to_cube,
    pair_covariates,
    read_csv,
    require_columns,
)
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError

FILE = "TradeData0014.csv"
RESULTS = "TradeData0014_Results.csv"
YEARS = (2000, 2005, 2010, 2014)
COVARIATES = ("eu_enlargement", "other_fta", "FTA")


def read(folder: Path, **options: Any) -> TradeData:
    """Read one year of the GE_gravity example (US$ millions, one aggregate sector ``all``).

    Parameters
    ----------
    folder
        The ``gegravity_r_tradedata0014`` reference folder.
    **options
        ``year``: 2000 (default), 2005, 2010 or 2014. For 2000 the pair covariates also include
        ``new_eu_pair`` and ``eu_effect`` from the Results file.
    """
    year = int(options.pop("year", 2000))
    if options:
        raise OptionError("wiod-agg-2000-2014 options", ("year",), sorted(options))
    check_option("year", year, YEARS)
    df = read_csv(folder, FILE)
    require_columns(df, ["exporter", "importer", "year", "trade", *COVARIATES], FILE)
    df = df[df["year"] == year]
    countries = list(dict.fromkeys(df["exporter"].astype(str)))
    trade = long_to_cube(df, "exporter", "importer", "trade", countries, source=FILE)
    pair = pair_covariates(df, COVARIATES, countries, FILE)
    if year == 2000:
        res = read_csv(folder, RESULTS)
        require_columns(res, ["exporter", "importer", "year", "new_eu_pair", "eu_effect"], RESULTS)
        res = res[res["year"] == 2000]
        for c in ("new_eu_pair", "eu_effect"):
            pair[c] = long_to_cube(res, "exporter", "importer", c, countries, source=RESULTS)[:, :, 0]
    attrs = {
        "name": "wiod-agg-2000-2014",
        "source": "GEGravity R package example data TradeData0014 (github.com/VKudlay/GEGravity "
        "commit a5c1db9), converted from .rda; aggregated from WIOD (2016 release)",
        "year": year,
        "units": "US$ millions (not stated in the package; WIOD values)",
        "citation": "Baier, S. L., Y. V. Yotov and T. Zylkin (2019). On the Widely Differing Effects "
        "of Free Trade Agreements: Lessons from Twenty Years of Trade Integration. Journal of "
        "International Economics 116: 206-226; Zylkin & Kudlay, GEGravity (R package); data: "
        "Timmer et al. (2015), WIOD.",
        "licence": "GPL-3 (GEGravity package DESCRIPTION)",
        "sigma_source": "none in the data (the package vignette uses a trade elasticity theta = 4)",
        "caveats": caveats(
            "one aggregate sector (all goods and services); no tariffs (set to zero)",
            "FTA dummies from the NSF-Kellogg database; FTA = 1 on the diagonal",
            "new_eu_pair / eu_effect are only given for the baseline year 2000",
            "a package example (software regression target), not a journal table",
        ),
    }
    return TradeData.from_arrays(trade, countries, ["all"], pair=pair, attrs=attrs)


__all__ = ["YEARS", "read"]
