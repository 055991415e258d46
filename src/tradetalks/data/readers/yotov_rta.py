"""Reader of Yotov et al. (2016) RTA panel (Chapter 2, Application 2): 69 countries, one year.

Raw layout (SOURCE.md of ``yotov_agtpa``): ``ch2_app2_rta_panel_1986_2006_4yr.csv``, one row per
(exporter, importer, year) for 1986, 1990, ..., 2006, with ``trade`` (aggregate manufacturing;
exporter == importer rows are domestic sales), ``DIST`` (km), ``CNTG``, ``LANG``, ``CLNY``, ``RTA``.
Rows are oriented exporter -> importer, as ours. Germany is ``DEU`` in this file.

Pair covariates: ``ln_dist = ln(DIST)``, ``CNTG``, ``LANG``, ``CLNY``, ``RTA``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tradetalks.data.readers._common import (
    caveats,
    check_option,
    long_to_cube,
    pair_covariates,
    read_csv,
    require_columns,
)
from tradetalks.data.readers.yotov_borders import CITATION
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError

FILE = "ch2_app2_rta_panel_1986_2006_4yr.csv"
YEARS = (1986, 1990, 1994, 1998, 2002, 2006)


def read(folder: Path, **options: Any) -> TradeData:
    """Read one year of the RTA panel (US$ millions, one sector ``manufacturing``, no tariffs).

    Parameters
    ----------
    folder
        The ``yotov_agtpa`` reference folder.
    **options
        ``year``: one of 1986, 1990, 1994, 1998, 2002, 2006 (default 2006).
    """
    year = int(options.pop("year", 2006))
    if options:
        raise OptionError("yotov-rta-panel options", ("year",), sorted(options))
    check_option("year", year, YEARS)
    df = read_csv(folder, FILE)
    require_columns(
        df, ["exporter", "importer", "year", "trade", "DIST", "CNTG", "LANG", "CLNY", "RTA"], FILE
    )
    df = df[df["year"] == year].copy()
    df["ln_dist"] = np.log(df["DIST"].astype(float))
    countries = sorted(set(df["exporter"].astype(str)))
    trade = long_to_cube(df, "exporter", "importer", "trade", countries, source=FILE)
    pair = pair_covariates(df, ("ln_dist", "CNTG", "LANG", "CLNY", "RTA"), countries, FILE)
    attrs = {
        "name": "yotov-rta-panel",
        "source": "Yotov et al. (2016) application files, Chapter2/Datasets/Chapter2Application2.dta "
        "(via github.com/pachadotdev/tradepolicy commit 342a655), years 1986-2006 every 4 years",
        "year": year,
        "units": "US$ millions (not stated in the files; values look like US$ millions)",
        "citation": CITATION,
        "licence": "CC BY 4.0 (tradepolicy R package); data are the authors'/UNCTAD's",
        "sigma_source": "none in the data",
        "caveats": caveats(
            "aggregate manufacturing only; no tariffs (set to zero)",
            "ln_dist = ln(DIST in km), including the internal distance on the diagonal",
            "some international flows are zero (839 in 1986, 138 in 2006)",
            "RTA from Mario Larch's RTA database",
        ),
    }
    return TradeData.from_arrays(trade, countries, ["manufacturing"], pair=pair, attrs=attrs)


__all__ = ["YEARS", "read"]
