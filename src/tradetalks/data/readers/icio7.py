"""Reader of the econ7115 teaching data (Zi Wang, W05 assignment): 7 economies × 44 sectors, 2017.

Raw layout (SOURCE.md of ``econ7115_7x44_2017``)
------------------------------------------------
* ``TradeFlow2017.csv``: ``iso_o`` (exporter), ``iso_d`` (importer), ``indcode``, ``tradevalue``
  (including domestic sales) — our orientation already; units not stated, magnitudes imply US$ millions;
* ``tariff_prewar2017.csv``: ``AHS_simple`` = applied tariff imposed by ``iso_d`` on ``iso_o``, fraction;
* ``IOshare.csv``: ``valueshare[iso_o, input_ind, output_ind]``; ``vashare.csv``; ``finalshare.csv``;
* ``cal_elasticities.csv``: ``θ`` and ``ψ`` by industry (services θ = 10).

IO shares. SOURCE.md (quoting the assignment PDF) says ``valueshare`` is already multiplied by
``1 − va``. The file does not bear that out: for every (country, output sector) the values sum to one
over ``input_ind`` (within 1e-7), while ``1 − va`` ranges from 0.10 to 0.87. So we read ``valueshare``
as the share of input ``k`` in the intermediate bundle of sector ``j`` directly. Had the columns summed
to ``1 − va`` we would have divided by that sum; the reader does exactly that, dividing each column by
its own sum, which is the identity here and the documented conversion otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tradetalks.data.readers._common import FloatArray, caveats, long_to_cube, read_csv, require_columns
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import FileFormatError, OptionError

COUNTRIES = ("BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA")
N_SECTORS, N_GOODS = 44, 22
SECTORS = tuple(f"s{k:02d}" for k in range(1, N_SECTORS + 1))
"""Labels ``s01`` ... ``s44``: the repository does not name the sectors (1-22 goods, 23-44 services)."""


def read(folder: Path, **options: Any) -> TradeData:
    """Read the 7 × 44 data for 2017 in our orientation (US$ millions, pre-war tariffs).

    Parameters
    ----------
    folder
        The ``econ7115_7x44_2017`` reference folder.
    """
    if options:
        raise OptionError("icio7-2017 options", (), sorted(options))
    codes = list(range(1, N_SECTORS + 1))
    tf = read_csv(folder, "TradeFlow2017.csv")
    require_columns(tf, ["iso_o", "iso_d", "indcode", "tradevalue"], "TradeFlow2017.csv")
    trade = long_to_cube(tf, "iso_o", "iso_d", "tradevalue", COUNTRIES, "indcode", codes, "TradeFlow2017.csv")
    ta = read_csv(folder, "tariff_prewar2017.csv")
    require_columns(ta, ["iso_o", "iso_d", "indcode", "AHS_simple"], "tariff_prewar2017.csv")
    tariff = long_to_cube(
        ta, "iso_o", "iso_d", "AHS_simple", COUNTRIES, "indcode", codes, "tariff_prewar2017.csv"
    )
    va_share, final_share = _va_final_shares(folder, codes)
    el = read_csv(folder, "cal_elasticities.csv", encoding="utf-8-sig")
    el.columns = [str(c).strip().lstrip("\\") for c in el.columns]
    require_columns(el, ["industry", "theta"], "cal_elasticities.csv")
    theta = el.set_index("industry").reindex(codes)["theta"].to_numpy(float)
    return TradeData.from_arrays(
        trade,
        COUNTRIES,
        SECTORS,
        tariff,
        theta=theta,
        io_share=_io_share(folder),
        va_share=va_share,
        final_share=final_share,
        attrs=dict(ATTRS),
    )


def _io_share(folder: Path) -> FloatArray:
    """``io_share[country, input, output]`` from ``IOshare.csv``, each column divided by its own sum (see
    the module docstring)."""
    io = read_csv(folder, "IOshare.csv")
    require_columns(io, ["iso_o", "input_ind", "output_ind", "valueshare"], "IOshare.csv")
    # reuse the cube pivot: (country, input) play (exporter, importer) is not possible; pivot directly
    io_arr = np.full((len(COUNTRIES), N_SECTORS, N_SECTORS), np.nan)
    ci = io["iso_o"].map({c: k for k, c in enumerate(COUNTRIES)})
    if ci.isna().any():
        raise FileFormatError(f"IOshare.csv: unknown countries {sorted(set(io['iso_o'][ci.isna()]))}")
    io_arr[ci.to_numpy(int), io["input_ind"].to_numpy(int) - 1, io["output_ind"].to_numpy(int) - 1] = io[
        "valueshare"
    ].to_numpy(float)
    if np.isnan(io_arr).any():
        raise FileFormatError("IOshare.csv: expected a row for every (country, input, output)")
    return np.asarray(io_arr / io_arr.sum(axis=1, keepdims=True))


def _va_final_shares(folder: Path, codes: list[int]) -> tuple[FloatArray, FloatArray]:
    """Value-added shares (``vashare.csv``) and final-demand shares (``finalshare.csv``), (country, sector)."""
    va = read_csv(folder, "vashare.csv")
    require_columns(va, ["iso_o", "indcode", "vashare"], "vashare.csv")
    va_share = (
        va.pivot(index="iso_o", columns="indcode", values="vashare")
        .reindex(index=list(COUNTRIES), columns=codes)
        .to_numpy(float)
    )
    fs = read_csv(folder, "finalshare.csv")
    require_columns(fs, ["iso_o", "input_ind", "finalshare"], "finalshare.csv")
    final_share = (
        fs.pivot(index="iso_o", columns="input_ind", values="finalshare")
        .reindex(index=list(COUNTRIES), columns=codes)
        .to_numpy(float)
    )
    return va_share, final_share


ATTRS: dict[str, Any] = {
    "name": "icio7-2017",
    "source": "econ7115 (Zi Wang, HKBU) assignments/W05/data (github.com/WangZi-HKBU/econ7115 "
    "commit 760d747)",
    "year": 2017,
    "units": "US$ millions (not stated; magnitudes imply US$ millions of gross output)",
    "citation": "Wang, Z. Econ7115 International Trade teaching materials, HKBU, W05 assignment "
    "(US-China trade war); sectoral elasticities as in Lashkaripour and Lugovskyy (2023).",
    "licence": "none stated in the source repository",
    "theta_source": "cal_elasticities.csv (goods: Lashkaripour-Lugovskyy 2023 values; services 10)",
    "caveats": caveats(
        "sector labels are not given in the repository: s01-s22 are goods (tariffed), s23-s44 "
        "services (zero tariffs); the OECD ICIO ordering (s20 motor vehicles) is inferred, not "
        "verified",
        "IOshare.csv sums to one over input sectors (not to 1 - va as the assignment PDF says); "
        "used as intermediate-bundle shares",
        "tariffs are simple (unweighted) applied averages AHS_simple, pre-war 2017",
        "economies as in Ossa (2014): BRA CHN EU IND JPN ROW USA",
    ),
}
"""Provenance, units and caveats of the dataset."""


__all__ = ["COUNTRIES", "SECTORS", "read"]
