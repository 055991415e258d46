"""Reader of Yotov et al. (2016) "trade without borders" data (Chapter 2, Application 1): 69 × 69, 2006.

Raw layout (SOURCE.md of ``yotov_agtpa``): ``ch2_app1_trade_without_border_2006.csv``, one row per
(exporter, importer) with ``trade`` (aggregate manufacturing; exporter == importer rows are domestic
sales), ``ln_DIST``, ``CNTG``, ``INTL_BRDR`` (1 if international), ``Y`` (exporter output = sum of its
shipments) and ``E`` (importer expenditure). Rows are oriented exporter -> importer, as ours.

Labels: Germany is coded ``ZZZ`` in this file (the book's reference country for the fixed effects,
sorted last). We relabel it ``DEU`` (the code used in the book's panel and results files); pass
``relabel_germany=False`` to keep the file's ``ZZZ``. Romania is ``ROM`` as in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tradetalks.data.readers._common import caveats, long_to_cube, pair_covariates, read_csv, require_columns
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError

FILE = "ch2_app1_trade_without_border_2006.csv"
COVARIATES = ("ln_DIST", "CNTG", "INTL_BRDR")
CITATION = (
    "Yotov, Y. V., R. Piermartini, J.-A. Monteiro and M. Larch (2016). An Advanced Guide to Trade "
    "Policy Analysis: The Structural Gravity Model. Geneva: WTO and UNCTAD."
)


def read(folder: Path, **options: Any) -> TradeData:
    """Read the 2006 cross-section (US$ millions, one sector ``manufacturing``, no tariffs).

    Parameters
    ----------
    folder
        The ``yotov_agtpa`` reference folder.
    **options
        ``relabel_germany`` (default True): label Germany ``DEU`` instead of the file's ``ZZZ``.
    """
    relabel = bool(options.pop("relabel_germany", True))
    if options:
        raise OptionError("yotov-borders-2006 options", ("relabel_germany",), sorted(options))
    df = read_csv(folder, FILE)
    require_columns(df, ["exporter", "importer", "trade", "Y", "E", *COVARIATES], FILE)
    if relabel:
        df = df.replace({"exporter": {"ZZZ": "DEU"}, "importer": {"ZZZ": "DEU"}})
    countries = sorted(set(df["exporter"].astype(str)))
    trade = long_to_cube(df, "exporter", "importer", "trade", countries, source=FILE)
    pair = pair_covariates(df, COVARIATES, countries, FILE)
    attrs = {
        "name": "yotov-borders-2006",
        "source": "Yotov et al. (2016) application files, Chapter2/Datasets/1_TradeWithoutBorder.dta "
        "(via github.com/pachadotdev/tradepolicy commit 342a655), converted to CSV",
        "year": 2006,
        "units": "US$ millions (not stated in the files; values look like US$ millions)",
        "citation": CITATION,
        "licence": "CC BY 4.0 (tradepolicy R package); data are the authors'/UNCTAD's",
        "sigma_source": "none in the data (the book's GE analysis uses sigma = 7)",
        "caveats": caveats(
            "aggregate manufacturing only; no tariffs (set to zero)",
            "Germany is coded ZZZ in the file" + (" and relabelled DEU here" if relabel else ""),
            "138 international flows are zero",
            "Y (output) and E (expenditure) columns equal the sums of shipments and purchases",
        ),
    }
    return TradeData.from_arrays(trade, countries, ["manufacturing"], pair=pair, attrs=attrs)


__all__ = ["read"]
