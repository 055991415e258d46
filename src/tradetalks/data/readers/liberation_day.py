r"""Reader of ``liberation_day_2025``: 2023 goods trade of 194 economies, GDP and the 2025 US "reciprocal" schedule.

Raw layout (``shared/data/raw/liberation_day_2025/SOURCE.md`` and ``MODEL.md`` §1): ``trade_cepii.csv`` is
a 194 × 194 matrix, row = exporter, column = importer (file order = ``country_labels.csv``), thousands of
current US$ (CEPII BACI, 2023), blank = no flow, no diagonal; ``gdp.csv`` current US$ (WDI);
``tariffs.csv`` the US rate announced on 2025-04-02 for each economy (fraction).

Conversion (MODEL.md §1.3–1.4, Ignatenko, Lashkaripour, Macedoni and Simonovska 2025). Blanks → 0. The
domestic sales the data lack are built from GDP as the paper does: calibrate the two income shares ``ν``
(:func:`calibrate_nu`, targets 0.12 for the rest of the world and 0.26 for the US), set the preliminary
transfer ``T⁰_n = (1−ν_n)[M_n − Σ_d (1−ν_d) X⁰_nd]`` and ``X_nn = max(0, GDP_n + T⁰_n − M_n)`` (the clip
binds for GMB and MHL). Values are converted to US$ millions. :func:`read_baseline` returns these arrays
for the one-sector model (:mod:`tradetalks.model.onesector`); :func:`read` (registry name
``liberation2025``) wraps them as a one-sector :class:`TradeData` with zero baseline tariffs, GDP and the
2025 US schedule as country variables. ``TradeData`` needs positive domestic sales, so there the two
clipped diagonals are set to US$ 1 (1e-6 US$ m) — a difference below any reported digit; the model reads
the exact arrays of :func:`read_baseline`.

Citation: Ignatenko, A., A. Lashkaripour, L. Macedoni and I. Simonovska (2025), "Making America great
again? The economic impacts of Liberation Day tariffs", Journal of International Economics; CEPII BACI
(Gaulier and Zignago 2010); World Bank WDI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import FileFormatError, OptionError

FloatArray = npt.NDArray[np.float64]

FILES = ("country_labels.csv", "trade_cepii.csv", "gdp.csv", "tariffs.csv")
NU_TARGETS = (0.12, 0.26)
"""Targets of the ν calibration (rest of world, US), hard-coded in the paper's code (MODEL.md §2)."""
EU25_CODES = (
    10,
    13,
    17,
    45,
    47,
    50,
    56,
    57,
    59,
    61,
    71,
    78,
    80,
    83,
    88,
    107,
    108,
    109,
    119,
    133,
    144,
    145,
    149,
    164,
    165,
)
"""1-based ``iso_code`` ids of the paper code's 25-member "EU" average (CZE and SVK are missing; MODEL.md §4.2)."""
DIAG_FLOOR = 1e-6
"""Domestic sales (US$ m) given to the two clipped economies in the TradeData view only."""


@dataclass(frozen=True, eq=False)
class LiberationData:
    """Arrays of the 2023 one-sector baseline (US$ millions).

    Attributes
    ----------
    countries
        ISO3 codes in file order.
    names
        Country names.
    trade
        (N, N) completed flows ``X[exporter, importer]`` incl. the constructed domestic sales.
    trade_raw
        (N, N) BACI flows, zero diagonal.
    gdp
        (N,) WDI GDP.
    us_tariff
        (N,) announced US rate on each economy (fraction; 0 for USA and RUS as in the file).
    nu
        (N,) income share ``ν_n`` (``ν_R`` for all but the US, ``ν_US`` for the US).
    nu_pair
        ``(ν_R, ν_US)``.
    """

    countries: tuple[str, ...]
    names: tuple[str, ...]
    trade: FloatArray
    trade_raw: FloatArray
    gdp: FloatArray
    us_tariff: FloatArray
    nu: FloatArray
    nu_pair: tuple[float, float]

    def index(self, iso3: str) -> int:
        """Position of an ISO3 code."""
        try:
            return self.countries.index(iso3)
        except ValueError:
            from tradetalks.errors import LabelError

            raise LabelError("country", "an ISO3 code of the 194 economies", repr(iso3)) from None


def calibrate_nu(
    x0: FloatArray, gdp: FloatArray, us: int, targets: tuple[float, float] = NU_TARGETS
) -> tuple[float, float]:
    """Two-region calibration of ``(ν_R, ν_US)`` (MODEL.md §2) on the zero-diagonal flows and GDP.

    Solves ``r11 ν1 + (1−r11) ν2 = 0.12`` and ``(1−r22) ν1 + r22 ν2 = 0.26`` where ``r11``, ``r22`` are
    each region's home share of sales implied by ``Ē_r = Ȳ_r + (1−ν_r)[Σ_q X̄_qr − Σ_s (1−ν_s) X̄_rs]``.
    """
    mask = np.ones(x0.shape[0], dtype=bool)
    mask[us] = False
    xb = np.array([[x0[np.ix_(mask, mask)].sum(), x0[mask, us].sum()], [x0[us, mask].sum(), 0.0]])
    yb = np.array([gdp[mask].sum(), gdp[us]])

    def eqs(nu: FloatArray) -> FloatArray:
        e = yb + (1.0 - nu) * (xb.sum(axis=0) - ((1.0 - nu)[None, :] * xb).sum(axis=1))
        r11 = (e[0] - xb[1, 0]) / (e[0] - xb[1, 0] + xb[0, 1])
        r22 = (e[1] - xb[0, 1]) / (e[1] - xb[0, 1] + xb[1, 0])
        return np.array(
            [r11 * nu[0] + (1 - r11) * nu[1] - targets[0], (1 - r22) * nu[0] + r22 * nu[1] - targets[1]]
        )

    sol = optimize.root(eqs, np.array([0.1, 0.24]), method="hybr", tol=1e-14)
    nu = np.maximum(sol.x, 0.0)
    return float(nu[0]), float(nu[1])


def _csv(folder: Path, name: str, **kw: Any) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise FileFormatError(f"liberation_day_2025: expected the file '{path}'; it is absent")
    df: pd.DataFrame = pd.read_csv(path, **kw)
    return df


def read_baseline(folder: Path) -> LiberationData:
    """Read the files and build the completed 2023 matrix (MODEL.md §1.3–1.4 steps 1–3).

    Raises
    ------
    FileFormatError
        A file is absent or has the wrong shape.
    """
    labels = _csv(folder, "country_labels.csv")
    x = _csv(folder, "trade_cepii.csv").to_numpy(dtype=float)
    gdp = _csv(folder, "gdp.csv")["gdp"].to_numpy(dtype=float)
    tar = _csv(folder, "tariffs.csv")["applied_tariff"].to_numpy(dtype=float)
    n = len(labels)
    if x.shape != (n, n) or gdp.shape != (n,) or tar.shape != (n,):
        raise FileFormatError(
            f"liberation_day_2025: expected a {n}x{n} trade matrix and {n} GDP and tariff rows; found "
            f"{x.shape}, {gdp.shape}, {tar.shape}"
        )
    countries = tuple(str(c) for c in labels["iso3"])
    if "USA" not in countries:
        raise FileFormatError("liberation_day_2025: expected USA among the economies; it is absent")
    us = countries.index("USA")
    x0 = np.nan_to_num(x, nan=0.0) / 1e3  # thousands of US$ -> US$ millions
    np.fill_diagonal(x0, 0.0)
    g = gdp / 1e6  # US$ -> US$ millions
    nu_r, nu_us = calibrate_nu(x0, g, us)
    nu = np.full(n, nu_r)
    nu[us] = nu_us
    imports = x0.sum(axis=0)
    t0 = (1.0 - nu) * (imports - ((1.0 - nu)[None, :] * x0).sum(axis=1))
    xc = x0.copy()
    np.fill_diagonal(xc, np.maximum(0.0, g + t0 - imports))
    return LiberationData(
        countries=countries,
        names=tuple(str(c) for c in labels["CountryName"]),
        trade=xc,
        trade_raw=x0,
        gdp=g,
        us_tariff=tar,
        nu=nu,
        nu_pair=(nu_r, nu_us),
    )


def read(folder: Path, **options: Any) -> TradeData:
    """Registry reader of ``liberation2025``: one sector ("goods", incl. the constructed domestic sales),
    194 economies, US$ millions, zero baseline tariffs; country variables ``gdp``, ``us_tariff_2025`` and
    ``nu``."""
    if options:
        raise OptionError("liberation2025 options", (), sorted(options))
    lb = read_baseline(Path(folder))
    x = lb.trade.copy()
    d = np.diag(x).copy()
    np.fill_diagonal(x, np.maximum(d, DIAG_FLOOR))
    return TradeData.from_arrays(
        x[:, :, None],
        lb.countries,
        ["goods"],
        theta=[4.0],
        country_sector={
            "gdp": lb.gdp[:, None],
            "us_tariff_2025": lb.us_tariff[:, None],
            "nu": lb.nu[:, None],
        },
        attrs={
            "name": "liberation2025",
            "source": "liberation_day_2025 (Ignatenko, Lashkaripour, Macedoni and Simonovska 2025; CEPII BACI 2023)",
            "year": 2023,
            "units": "US$ millions",
            "theta_source": "trade elasticity 4 (Ignatenko et al. 2025 baseline)",
            "caveats": "goods only; domestic sales built from GDP (MODEL.md 1.4); GMB and MHL domestic sales "
            "clipped to 0 by the paper, set to US$ 1 here",
        },
    )


__all__ = ["EU25_CODES", "LiberationData", "calibrate_nu", "read", "read_baseline"]
