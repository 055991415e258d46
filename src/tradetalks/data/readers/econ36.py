"""Reader of the econ7115 teaching data (Zi Wang, W02 "Armington_opt"): 36 countries, aggregate, 2001.

Raw layout (SOURCE.md of ``econ7115_36c_2001``): ``xtr2001.csv`` rows ``iso_o`` (exporter), columns
``xtr2001<ISO>`` (importer), 36 × 36 including domestic sales on the diagonal; ``tariff2001.csv`` rows
``iso_o`` (exporter), columns ``tariff<ISO>`` = the importer's tariff, fraction. That is our
orientation already (the raw tariff diagonal has CHN = 0.04, which we set to zero: no tariff on
domestic sales). ``sigma`` = 3.059, the value the course code uses (from a PPML gravity estimate:
log-tariff coefficient −2.059).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tradetalks.data.readers._common import caveats, read_csv, require_columns
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import FileFormatError, OptionError

SIGMA = 3.059


def _square(folder: Path, name: str, prefix: str) -> tuple[list[str], np.ndarray]:
    df = read_csv(folder, name)
    require_columns(df, ["iso_o"], name)
    rows = [str(x) for x in df["iso_o"]]
    cols = [c for c in df.columns if c != "iso_o"]
    labels = [c[len(prefix) :] if c.startswith(prefix) else c for c in cols]
    if labels != rows:
        raise FileFormatError(
            f"'{name}': expected columns {prefix}<ISO> in the row order {rows}; found {labels}"
        )
    return rows, df[cols].to_numpy(dtype=float)


def read(folder: Path, **options: Any) -> TradeData:
    """Read the 36-country aggregate data for 2001 (units not stated; one sector ``all``).

    Parameters
    ----------
    folder
        The ``econ7115_36c_2001`` reference folder.
    """
    if options:
        raise OptionError("econ36-2001 options", (), sorted(options))
    countries, x = _square(folder, "xtr2001.csv", "xtr2001")
    countries_t, t = _square(folder, "tariff2001.csv", "tariff")
    if countries_t != countries:
        raise FileFormatError(f"tariff2001.csv: expected countries {countries}; found {countries_t}")
    t = t.copy()
    nonzero_diag = [f"{c}={v:.4g}" for c, v in zip(countries, np.diag(t), strict=True) if v != 0]
    np.fill_diagonal(t, 0.0)
    attrs = {
        "name": "econ36-2001",
        "source": "econ7115 (Zi Wang, HKBU) slides&code/W02/code/Armington_opt/data_matlab "
        "(github.com/WangZi-HKBU/econ7115 commit 760d747)",
        "year": 2001,
        "units": "not stated (magnitudes look like US$ millions)",
        "citation": "Wang, Z. Econ7115 International Trade teaching materials, HKBU, W02 "
        "(Armington optimal tariffs).",
        "licence": "none stated in the source repository",
        "sigma_source": "3.059 from the course's PPML gravity estimate (log tariff coef. -2.059, "
        "se 0.544), as used in main_cf.m",
        "caveats": caveats(
            "units and original data source not stated",
            "one aggregate sector; tariffs are aggregate importer tariffs (fractions)",
            "36 countries and no rest of the world: the world is closed on these 36",
            "the raw tariff file has non-zero diagonal entries (a tariff on domestic sales), set to 0 "
            f"here: {', '.join(nonzero_diag) or 'none'}",
        ),
    }
    return TradeData.from_arrays(x[:, :, None], countries, ["all"], t[:, :, None], sigma=[SIGMA], attrs=attrs)


__all__ = ["SIGMA", "read"]
