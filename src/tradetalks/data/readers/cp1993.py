"""Reader of the Caliendo & Parro (2015) NAFTA inputs (REStud 82(1)): 31 countries × 40 sectors, 1993.

Raw layout (SOURCE.md of the folder)
------------------------------------
* ``xbilat1993.txt``: 620 × 31 = 20 tradable sectors × 31 importers (rows), columns = exporters;
  imports in **thousands** of US$ at pre-tariff values; the diagonal is zero (no domestic sales).
* ``tariffs1993.txt`` / ``tariffs2005.txt``: same layout (row = importer imposing, column = exporter),
  in **percent**.
* ``GO.txt``: 40 × 31 gross output in US$ (sectors × countries); ``B.txt``: value-added shares
  ``γ_n^j``; ``alphas.csv``: final-demand shares ``α_n^j``; ``IO.txt``: 31 blocks of 40 × 40,
  ``γ_n^{k,j}`` = share of input sector ``k`` (row) in the intermediate bundle of sector ``j`` (column);
  ``T.txt``: ``θ^j`` of the 20 tradables.

Conversion to our orientation
-----------------------------
* ``trade[i, n, j] = xbilat[(j−1)·31 + n, i] / 1000`` (US$ millions), for the 20 tradables;
* ``tariff[i, n, j] = tariffs[(j−1)·31 + n, i] / 100`` (fraction imposed by importer ``n``);
* **domestic sales** (the diagonal), which xbilat lacks: ``X_nn^j = max(GO_n^j − Σ_m X_nm^j, 0)``
  (gross output less exports, US$ millions). For 26 (country, tradable sector) cells exports exceed the
  recorded gross output and domestic sales are set to 0 (listed in ``attrs['caveats']``).
* the 20 **non-tradable** sectors have no bilateral flows in xbilat: their flows are built as
  ``X_nn^j = GO_n^j`` on the diagonal and 0 off it, with zero tariffs;
* ``theta`` = T.txt for the tradables and 8.22 for the non-tradables (the value the CP code uses there;
  with no trade it does not affect the equilibrium);
* ``io_share[n, k, j]`` from IO.txt; its one negative entry (CAN, input 20 "Other" into sector 11
  "Basic metals", −0.000846) is set to 0 and that column renormalised to sum to one; columns that
  are entirely zero (sector "private" everywhere, "public" in IND and TUR: value-added share 1, no
  intermediate inputs) get an own-sector share of 1, which is immaterial because ``1 − γ = 0``;
* ``va_share`` = B.txt, ``final_share`` = alphas.csv (columns renormalised to sum to one: they sum to
  one within 1.2e-5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tradetalks.data.readers._common import FloatArray, caveats, check_shape, read_matrix
from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError

COUNTRIES = (
    "ARG AUS AUT BRA CAN CHL CHN DNK FIN FRA DEU GRC HUN IND IDN IRL ITA JPN KOR MEX NLD NZL NOR "
    "PRT ZAF ESP SWE TUR GBR USA ROW"
).split()
SECTORS = (
    "agriculture mining food textile wood paper petroleum chemicals plastic minerals basic_metals "
    "metal_products machinery office electrical communication medical auto other_transport other "
    "electricity construction retail hotels land_transport water_transport air_transport "
    "aux_transport post finance real_estate renting_machinery computer r_and_d other_business "
    "public education health other_services private"
).split()
"""Short labels of the 40 sectors in SOURCE.md order: 20 tradables then 20 non-tradables."""
N, J, J_TRADABLE = 31, 40, 20
THETA_NONTRADABLE = 8.22


def _domestic(go: FloatArray, exports: FloatArray) -> tuple[FloatArray, list[str]]:
    """Domestic sales ``max(GO − exports, 0)`` (N, J_TRADABLE) and the cells that were clipped."""
    dom = go - exports
    clipped = [f"{COUNTRIES[n]}/{SECTORS[j]}" for n, j in np.argwhere(dom < 0)]
    return np.maximum(dom, 0.0), clipped


def read(folder: Path, **options: Any) -> TradeData:
    """Read the Caliendo–Parro (2015) 1993 data in our orientation (US$ millions).

    Parameters
    ----------
    folder
        The ``caliendo_parro2015`` reference folder.
    **options
        ``tariffs``: ``"1993"`` (default, the factual) or ``"2005"`` (all pairs' 2005 tariffs; the
        paper's NAFTA counterfactual swaps in 2005 tariffs only for the six NAFTA pairs).
    """
    which = str(options.pop("tariffs", "1993"))
    if options:
        raise OptionError("cp1993 options", ("tariffs",), sorted(options))
    if which not in ("1993", "2005"):
        raise OptionError("tariffs", ("1993", "2005"), which)
    raw = _read_raw(folder, which)
    trade, tariff, clipped = _flows(raw["xbilat"], raw["tariffs"], raw["GO"])
    io_blocks, neg_txt, empty = _io_shares(raw["IO"])
    alphas = raw["alphas"]
    fs = alphas.T / alphas.T.sum(axis=1, keepdims=True)
    theta = np.concatenate([raw["T"], np.full(J - J_TRADABLE, THETA_NONTRADABLE)])
    return TradeData.from_arrays(
        trade,
        COUNTRIES,
        SECTORS,
        tariff,
        theta=theta,
        io_share=io_blocks,
        va_share=raw["B"].T,
        final_share=fs,
        attrs=_attrs(which, clipped, neg_txt, empty),
    )


def _read_raw(folder: Path, which: str) -> dict[str, FloatArray]:
    """The raw matrices, shape-checked: ``xbilat``, ``tariffs`` (the chosen year), ``GO``, ``B``,
    ``alphas``, ``IO`` and ``T`` (flattened)."""
    xb = read_matrix(folder, "xbilat1993.txt")
    check_shape(xb, (J_TRADABLE * N, N), "xbilat1993.txt")
    tr = read_matrix(folder, f"tariffs{which}.txt")
    check_shape(tr, (J_TRADABLE * N, N), f"tariffs{which}.txt")
    go = read_matrix(folder, "GO.txt")
    check_shape(go, (J, N), "GO.txt")
    b = read_matrix(folder, "B.txt")
    check_shape(b, (J, N), "B.txt")
    alphas = read_matrix(folder, "alphas.csv", delimiter=",")
    check_shape(alphas, (J, N), "alphas.csv")
    io = read_matrix(folder, "IO.txt")
    check_shape(io, (N * J, J), "IO.txt")
    t_goods = read_matrix(folder, "T.txt").ravel()
    check_shape(t_goods, (J_TRADABLE,), "T.txt")
    return {"xbilat": xb, "tariffs": tr, "GO": go, "B": b, "alphas": alphas, "IO": io, "T": t_goods}


def _flows(xb: FloatArray, tr: FloatArray, go: FloatArray) -> tuple[FloatArray, FloatArray, list[str]]:
    """Flows (US$ millions) and tariffs (fractions) as ``[exporter, importer, sector]``, with domestic sales
    built from gross output, and the clipped (country, sector) cells."""
    # block j: rows importer n, columns exporter i  ->  [i, n, j]
    x_goods = xb.reshape(J_TRADABLE, N, N).transpose(2, 1, 0) / 1000.0
    t_goods_ij = tr.reshape(J_TRADABLE, N, N).transpose(2, 1, 0) / 100.0
    go_m = go.T / 1e6  # (country, sector), US$ millions
    trade = np.zeros((N, N, J))
    trade[:, :, :J_TRADABLE] = x_goods
    dom, clipped = _domestic(go_m[:, :J_TRADABLE], x_goods.sum(axis=1))
    idx = np.arange(N)
    trade[idx, idx, :J_TRADABLE] = dom
    trade[idx, idx, J_TRADABLE:] = go_m[:, J_TRADABLE:]
    tariff = np.zeros((N, N, J))
    tariff[:, :, :J_TRADABLE] = t_goods_ij
    tariff[idx, idx, :] = 0.0
    return trade, tariff, clipped


def _io_shares(io: FloatArray) -> tuple[FloatArray, str, list[str]]:
    """``io_share[n, k, j]`` with negative entries set to 0, empty columns given an own-sector share of 1
    and columns renormalised; also the negative entries (text) and the empty columns."""
    io_blocks = io.reshape(N, J, J).copy()  # [country, input k, using j]
    neg = np.argwhere(io_blocks < 0)
    io_blocks[io_blocks < 0] = 0.0
    col_sum = io_blocks.sum(axis=1)  # (country, using sector)
    empty = np.argwhere(col_sum <= 0)
    for n, j in empty:  # no intermediate inputs at all (value-added share 1): own-sector share 1
        io_blocks[n, j, j] = 1.0
    io_blocks /= io_blocks.sum(axis=1, keepdims=True)
    neg_txt = ", ".join(f"{COUNTRIES[n]} input {SECTORS[k]} -> {SECTORS[j]}" for n, k, j in neg) or "none"
    return io_blocks, neg_txt, [f"{COUNTRIES[n]}/{SECTORS[j]}" for n, j in empty]


def _attrs(which: str, clipped: list[str], neg_txt: str, empty: list[str]) -> dict[str, Any]:
    """Provenance, units and caveats of the dataset."""
    return {
        "name": "cp1993",
        "source": "Caliendo & Parro (2015) Data_and_Codes_CP via github.com/powell001/"
        "Caliendo_Parro_2015_Python (data/original_data, commit f9340d7); alphas.csv from "
        "github.com/yonggeun-jung/ACR_2012_approximation_public (commit 39f2f2d)",
        "year": 1993,
        "tariff_year": int(which),
        "units": "US$ millions (xbilat thousands of US$ / 1000; GO US$ / 1e6)",
        "citation": "Caliendo, L. and F. Parro (2015). Estimates of the Trade and Welfare Effects of "
        "NAFTA. Review of Economic Studies 82(1): 1-44.",
        "licence": "none stated in the source repositories",
        "theta_source": "T.txt (20 tradables); 8.22 for the 20 non-tradables as in the CP code",
        "caveats": caveats(
            f"tariffs are the {which} set for every pair (the paper swaps in 2005 tariffs only for "
            "the six NAFTA pairs)",
            "domestic sales of tradables built as gross output minus exports; exports exceed gross "
            f"output, so domestic sales are set to 0, in {len(clipped)} cells: {', '.join(clipped)}",
            "non-tradable sectors (electricity ... private) have no bilateral trade: their flows are "
            "gross output on the diagonal, zero elsewhere, zero tariffs",
            f"IO.txt negative entries set to 0 and the column renormalised: {neg_txt}",
            f"IO.txt columns with no intermediate inputs (value-added share 1 in B.txt) get an "
            f"own-sector share of 1 (immaterial, since 1 - va = 0): {len(empty)} cells, {', '.join(empty)}",
            "GO.txt holds placeholder values of 1 US$ for some (country, sector) cells",
            "alphas.csv (final shares) comes from a third-party export of CP's .mat files and is "
            "renormalised to sum to one (deviation <= 1.2e-5)",
            "trade is not balanced (CP purge imbalances first, the 'noS' case)",
        ),
    }


__all__ = ["COUNTRIES", "SECTORS", "read"]
