"""Reader of the gegravity (USITC, Herman 2021) example data: 30 countries, manufacturing, 2006.

Raw layout (SOURCE.md of ``gegravity_sample``): ``sample_data_set.dlm`` (comma-separated), one row per
(exporter, importer) with ``trade`` (domestic sales where exporter == importer), ``Y``, ``E`` and the
cost proxies ``pta``, ``contiguity``, ``common_language``, ``lndist``, ``international``. Rows are
oriented exporter -> importer, as ours. No tariffs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tradetalks.data.readers._common import caveats, long_to_cube, pair_covariates, read_csv, require_columns
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError

FILE = "sample_data_set.dlm"
COVARIATES = ("pta", "contiguity", "common_language", "lndist", "international")


def read(folder: Path, **options: Any) -> TradeData:
    """Read the sample (US$ millions, one sector ``manufacturing``, no tariffs).

    Parameters
    ----------
    folder
        The ``gegravity_sample`` reference folder.
    """
    if options:
        raise OptionError("gegravity-sample options", (), sorted(options))
    df = read_csv(folder, FILE)
    require_columns(df, ["exporter", "importer", "year", "trade", *COVARIATES], FILE)
    countries = sorted(set(df["exporter"].astype(str)))
    trade = long_to_cube(df, "exporter", "importer", "trade", countries, source=FILE)
    pair = pair_covariates(df, COVARIATES, countries, FILE)
    attrs = {
        "name": "gegravity-sample",
        "source": "gegravity examples/sample_data_set.dlm (github.com/peter-herman/gegravity commit "
        "358cba1); trade/Y/E from Yotov et al. (2016) 1_TradeWithoutBorder.dta, cost proxies from "
        "the USITC Dynamic Gravity Dataset",
        "year": 2006,
        "units": "US$ millions (not stated; derived from Yotov et al. 2016)",
        "citation": "Herman, P. R. (2021). gegravity: General Equilibrium Gravity Modeling in Python. "
        "USITC Economics Working Paper 2021-04-B.",
        "licence": "MIT (c) 2021 Peter R. Herman",
        "sigma_source": "none in the data (the package example uses sigma = 5)",
        "caveats": caveats(
            "aggregate manufacturing only; no tariffs (set to zero)",
            "values are rounded to whole numbers in the file",
        ),
    }
    return TradeData.from_arrays(trade, countries, ["manufacturing"], pair=pair, attrs=attrs)


__all__ = ["read"]
