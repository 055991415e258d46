"""Reader of Ossa (2014) "Trade Wars and Trade Talks with Data" (AER 104(12)) replication inputs.

Raw layout (SOURCE.md of the folder): ``trade_ijs.csv`` and ``tariff_ijs.csv`` are 231 × 7 matrices,
33 sectors × 7 exporters stacked by sector (row ``(s−1)·7 + i``), column ``j`` = importer. Trade is the
value of shipments from ``i`` to ``j`` **excluding** tariffs (Ossa's code builds expenditure as
``TRADE·(1+TARIFF)``), diagonal blocks are domestic sales; tariffs are imposed by the importer ``j``,
fractions. So the raw orientation is already ours: ``trade[i, j, s] = raw[(s−1)·7 + i, j]``.

Also read: ``sigma_s.csv`` column 1 (Feenstra 1994 estimates, Ossa's main specification) as ``sigma``;
``lambda_pol_N_by_S.csv`` (7 × 33 calibrated political-economy weights, rows = regions) as
``lambda_pol[country, sector]``.

The rescaled elasticities of Ossa's robustness tables (``sigma_s.csv`` columns 2–4: means 3.5, 5 and 6.5;
column 5 constant) are registered as ``ossa2014-sigma3.5``, ``ossa2014-sigma5``, ``ossa2014-sigma6.5`` and
``ossa2014-sigma-const``. Ossa re-calibrates the political-economy weights for each σ from his
non-cooperative tariff measures, so those datasets carry **no** ``lambda_pol`` (the main case's weights would
not fit another σ); they carry ``tariff_noncoop`` from which :mod:`tradetalks.model.political` re-calibrates
them (``tradetalks.model.political_source.weights_for``).

``tariff_noncoop.csv`` (33 sectors × 7 regions, fractions; SOURCE.md) is read on every σ as
``tariff_noncoop[country, sector]`` (transposed to our orientation). Its Brazil, India and ROW columns are
zeros (no measures); as in Ossa's code they are replaced by the import-weighted mean applied tariffs
(:func:`mean_applied_tariffs`, Ossa's ``MEANTARIFF``), here weighted by the data's flows. Ossa weights them
by the deficit-purged flows; the calibration (:func:`tradetalks.model.political.ossa_targets`) recomputes
the filled rows on the purged baseline, which attrs ``tariff_noncoop_filled`` names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.readers._common import caveats, check_shape, read_csv, read_matrix
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import FileFormatError, OptionError, ShapeError

REGIONS = ("BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA")
"""Short labels of regions.csv (Brazil, China, EU, India, Japan, ROW, US), in the file order."""

N, S = 7, 33

FloatArray = npt.NDArray[np.float64]

SIGMA_NAMES = {
    1: "ossa2014",
    2: "ossa2014-sigma3.5",
    3: "ossa2014-sigma5",
    4: "ossa2014-sigma6.5",
    5: "ossa2014-sigma-const",
}
"""Registry names of the ``sigma_s.csv`` columns (Ossa's main case and his rescaled elasticities)."""


def mean_applied_tariffs(trade: npt.ArrayLike, tariff: npt.ArrayLike) -> FloatArray:
    r"""Import-weighted mean applied tariff by importer and sector, (N, S) [importer, sector].

    .. math:: \bar t_{js} = \sum_{i \ne j} \frac{X_{ijs}}{\sum_{k \ne j} X_{kjs}}\, t_{ijs}

    with pre-tariff flows X as weights (Ossa's ``MEANTARIFF``); sectors without imports get 0.

    Raises
    ------
    ShapeError
        Not two (N, N, S) arrays of one shape.
    """
    x = np.array(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    if x.ndim != 3 or t.shape != x.shape or x.shape[0] != x.shape[1]:
        raise ShapeError("trade/tariff", "two (N, N, S) arrays of one shape", f"{x.shape} and {t.shape}")
    idx = np.arange(x.shape[0])
    x[idx, idx, :] = 0.0
    tot = x.sum(axis=0)
    num = (x * t).sum(axis=0)
    return np.asarray(np.divide(num, tot, out=np.zeros_like(num), where=tot > 0))


def read(folder: Path, **options: Any) -> TradeData:
    """Read the Ossa (2014) inputs in our orientation (US$ millions, 7 regions × 33 GTAP sectors).

    Parameters
    ----------
    folder
        The ``ossa2014`` reference folder.
    **options
        ``sigma_column`` (1–5, default 1): which column of ``sigma_s.csv`` to use as ``sigma``
        (1 = Feenstra estimates; 2–4 rescaled to means 3.5, 5.0, 6.5; 5 = constant 3.42).
    """
    col = int(options.pop("sigma_column", 1))  # registry names ossa2014-sigma* fix it
    if options:
        raise OptionError("ossa2014 options", ("sigma_column",), sorted(options))
    if col not in range(1, 6):
        raise OptionError("sigma_column", (1, 2, 3, 4, 5), col)
    trade_raw = read_matrix(folder, "trade_ijs.csv", delimiter=",")
    tariff_raw = read_matrix(folder, "tariff_ijs.csv", delimiter=",")
    check_shape(trade_raw, (S * N, N), "trade_ijs.csv")
    check_shape(tariff_raw, (S * N, N), "tariff_ijs.csv")
    # rows (s, i), columns j  ->  [i, j, s]
    trade = trade_raw.reshape(S, N, N).transpose(1, 2, 0)
    tariff = tariff_raw.reshape(S, N, N).transpose(1, 2, 0)
    sigma_all = read_matrix(folder, "sigma_s.csv", delimiter=",")
    check_shape(sigma_all, (S, 5), "sigma_s.csv")
    lam = read_matrix(folder, "lambda_pol_N_by_S.csv", delimiter=",")
    check_shape(lam, (N, S), "lambda_pol_N_by_S.csv")
    noncoop = read_matrix(folder, "tariff_noncoop.csv", delimiter=",")
    check_shape(noncoop, (S, N), "tariff_noncoop.csv")
    noncoop = noncoop.T.copy()  # [sector, region] -> [country, sector]
    unmeasured = ~np.any(noncoop != 0, axis=1)
    noncoop[unmeasured] = mean_applied_tariffs(trade, tariff)[unmeasured]
    codes = [str(x).strip() for x in read_csv(folder, "labels.csv", header=None)[0]]
    if len(codes) != S:
        raise FileFormatError(f"labels.csv: expected {S} sector codes; found {len(codes)}")
    sec = read_csv(folder, "sectors.csv")
    names = dict(zip(sec.iloc[:, 1].astype(str), sec.iloc[:, 2].astype(str), strict=True))
    long_names = [names.get(c, c) for c in codes]
    attrs = {
        "name": SIGMA_NAMES.get(col, "ossa2014"),
        "source": "Ossa (2014) AER replication package (GTAP data), via github.com/adamsconchallos/trade "
        "commit 17a67ae; files Data/CSV files/*.csv",
        "year": "not stated in the files (GTAP base year of Ossa 2014; not verified)",
        "units": "US$ millions (inferred: not stated in the files)",
        "citation": "Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review "
        "104(12): 4104-46.",
        "licence": "none stated in the source repository",
        "sigma_source": f"sigma_s.csv column {col}"
        + (" (Feenstra 1994 method estimates, Ossa's main case)" if col == 1 else ""),
        "lambda_pol_source": "lambda_pol_N_by_S.csv: Ossa's calibrated political-economy weights",
        "tariff_noncoop_source": "tariff_noncoop.csv: Ossa's measures of non-cooperative tariffs (fractions); "
        "unmeasured regions filled with import-weighted mean applied tariffs",
        "tariff_noncoop_filled": ",".join(r for r, u in zip(REGIONS, unmeasured, strict=True) if u),
        "caveats": caveats(
            "units and data year are not stated in the raw files; US domestic sales over the 33 "
            "sectors are 5.27e6, consistent with US$ millions",
            "tariffs and flows are GTAP's; many bilateral flows are tiny (< 1e-5 of imports)",
            "sector 34 'xxx All other sectors' of sectors.csv is not in the data",
            "trade is not balanced; Ossa purges imbalances before his counterfactuals",
        ),
    }
    if col != 1:
        attrs["lambda_pol_source"] = (
            "not included: Ossa's weights are calibrated for sigma column 1; re-calibrated for this sigma "
            "from tariff_noncoop by tradetalks.model.political_source.weights_for"
        )
    return TradeData.from_arrays(
        trade,
        REGIONS,
        codes,
        tariff,
        sigma=sigma_all[:, col - 1],
        country_sector={"lambda_pol": lam, "tariff_noncoop": noncoop} if col == 1 else {"tariff_noncoop": noncoop},
        sector_coords={"sector_name": long_names},
        attrs=attrs,
    )


__all__ = ["REGIONS", "mean_applied_tariffs", "read"]
