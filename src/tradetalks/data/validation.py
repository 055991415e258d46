"""Validation rules for :class:`tradetalks.data.TradeData` (DESIGN.md §3).

Each rule raises a named subclass of :class:`tradetalks.errors.ValidationError` whose message names the
field, the offending labels and the value. Rules run on construction and on load.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from tradetalks.errors import (
    DataTypeError,
    ElasticityError,
    FlowRangeError,
    LabelError,
    MissingDomesticSalesError,
    MissingValueError,
    NegativeFlowError,
    ShapeError,
    ShareError,
    TariffRangeError,
)
from tradetalks.inputs import ELASTICITY_MAX, FLOW_MAX

TARIFF_MIN = 0.0
TARIFF_MAX = 10.0
SHARE_ATOL = 1e-4
"""Shares must sum to one within this absolute tolerance (published IO tables are rounded)."""

MAX_LISTED = 5


def _where(da: xr.DataArray, mask: np.ndarray) -> str:
    """Human-readable list of the first offending cells: ``(JPN, USA, autos)=-1``."""
    idx = np.argwhere(mask)
    out = []
    for row in idx[:MAX_LISTED]:
        labels = [
            str(da[d].values[k]) if d in da.coords else str(k) for d, k in zip(da.dims, row, strict=True)
        ]
        out.append(f"({', '.join(labels)})={float(da.values[tuple(row)]):.6g}")
    more = f" and {len(idx) - MAX_LISTED} more" if len(idx) > MAX_LISTED else ""
    return ", ".join(out) + more


def _check_labels(ds: xr.Dataset) -> None:
    for dim in ("exporter", "importer", "sector"):
        if dim not in ds.dims:
            raise ShapeError("dims", "dimensions (exporter, importer, sector)", f"dims {tuple(ds.dims)}")
    for any_dim in ds.dims:
        dim = str(any_dim)
        if dim not in ds.coords:
            raise LabelError(dim, "a label for every position", "no labels")
        labels = [str(v) for v in ds[dim].values]
        seen: set[str] = set()
        dup = sorted({x for x in labels if x in seen or seen.add(x)})  # type: ignore[func-returns-value]
        if dup:
            raise LabelError(str(dim), "unique labels", f"duplicates {dup}")
    exp = [str(v) for v in ds["exporter"].values]
    imp = [str(v) for v in ds["importer"].values]
    if exp != imp:
        raise LabelError(
            "importer",
            "the same country labels in the same order as exporter",
            f"exporter={exp[:8]}..., importer={imp[:8]}...",
        )
    if "country" in ds.dims and [str(v) for v in ds["country"].values] != exp:
        raise LabelError(
            "country", "the exporter labels in the same order", str(list(ds["country"].values))[:200]
        )
    if "input_sector" in ds.dims and [str(v) for v in ds["input_sector"].values] != [
        str(v) for v in ds["sector"].values
    ]:
        raise LabelError(
            "input_sector", "the sector labels in the same order", str(list(ds["input_sector"].values))[:200]
        )


def _check_finite(ds: xr.Dataset, name: str) -> None:
    da = ds[name]
    if not (np.issubdtype(da.dtype, np.floating) or np.issubdtype(da.dtype, np.integer)) or da.dtype == bool:
        raise DataTypeError(name, "numbers (a float or integer variable)", f"dtype {da.dtype}")
    bad = ~np.isfinite(da.values)
    if bad.any():
        raise MissingValueError(name, "finite numbers", f"NaN/inf at {_where(da, bad)}")


def validate_dataset(ds: xr.Dataset) -> None:
    """Check every rule; raise the first violation.

    The rules run in this order: variables, labels and dims of ``trade``/``tariff``
    (:func:`_check_core`), flows (:func:`_check_trade`), tariffs (:func:`_check_tariff`), elasticities
    (:func:`_check_elasticities`), CP shares (:func:`_check_shares`), further variables
    (:func:`_check_other_variables`).

    Raises
    ------
    ShapeError, LabelError, MissingValueError, NegativeFlowError, MissingDomesticSalesError,
    TariffRangeError, ElasticityError, ShareError
    """
    _check_core(ds)
    _check_trade(ds)
    _check_tariff(ds)
    _check_elasticities(ds)
    _check_shares(ds)
    _check_other_variables(ds)


def _check_core(ds: xr.Dataset) -> None:
    """``trade`` and ``tariff`` present with dims (exporter, importer, sector), valid labels, finite numbers."""
    if "trade" not in ds.data_vars:
        raise ShapeError(
            "trade", "a variable 'trade' (exporter, importer, sector)", f"variables {list(ds.data_vars)}"
        )
    if "tariff" not in ds.data_vars:
        raise ShapeError(
            "tariff", "a variable 'tariff' (exporter, importer, sector)", f"variables {list(ds.data_vars)}"
        )
    _check_labels(ds)
    for name in ("trade", "tariff"):
        if ds[name].dims != ("exporter", "importer", "sector"):
            raise ShapeError(name, "dims (exporter, importer, sector)", f"dims {ds[name].dims}")
        _check_finite(ds, name)


def _check_trade(ds: xr.Dataset) -> None:
    """Flows in ``[0, FLOW_MAX]`` and positive domestic sales for every country."""
    trade = ds["trade"]
    huge = trade.values > FLOW_MAX
    if huge.any():
        raise FlowRangeError(
            "trade", f"flows at most {FLOW_MAX:.0e} (keeps the solvers finite)", _where(trade, huge)
        )
    neg = trade.values < 0
    if neg.any():
        raise NegativeFlowError("trade", "non-negative flows", f"negative at {_where(trade, neg)}")
    n = ds.sizes["exporter"]
    diag = trade.values[np.arange(n), np.arange(n), :].sum(axis=-1)
    missing = diag <= 0
    if missing.any():
        labels = [str(ds["exporter"].values[k]) for k in np.flatnonzero(missing)]
        raise MissingDomesticSalesError(
            "trade",
            "positive domestic sales (exporter == importer) for every country",
            f"zero domestic sales for {labels}",
        )


def _check_tariff(ds: xr.Dataset) -> None:
    """Tariffs are fractions in ``[TARIFF_MIN, TARIFF_MAX]`` and zero on domestic sales."""
    n = ds.sizes["exporter"]
    tariff = ds["tariff"]
    out = (tariff.values < TARIFF_MIN) | (tariff.values > TARIFF_MAX)
    if out.any():
        raise TariffRangeError(
            "tariff", f"fractions in [{TARIFF_MIN}, {TARIFF_MAX}]", f"{_where(tariff, out)}"
        )
    eye = np.eye(n, dtype=bool)[:, :, None] & np.ones(ds.sizes["sector"], dtype=bool)
    diag_nz = eye & (tariff.values != 0)
    if diag_nz.any():
        raise TariffRangeError(
            "tariff", "zero on the diagonal (no tariff on domestic sales)", _where(tariff, diag_nz)
        )


def _check_elasticities(ds: xr.Dataset) -> None:
    """``sigma`` in ``(1, ELASTICITY_MAX]`` and ``theta`` in ``(0, ELASTICITY_MAX]`` by sector, when present."""
    for name, lower, strict_desc in (("sigma", 1.0, "> 1"), ("theta", 0.0, "> 0")):
        if name in ds.data_vars:
            _check_finite(ds, name)
            if ds[name].dims != ("sector",):
                raise ShapeError(name, "dims (sector,)", f"dims {ds[name].dims}")
            bad = (ds[name].values <= lower) | (ds[name].values > ELASTICITY_MAX)
            if bad.any():
                raise ElasticityError(
                    name,
                    f"values {strict_desc} and <= {ELASTICITY_MAX:g} in every sector",
                    _where(ds[name], bad),
                )


def _check_shares(ds: xr.Dataset) -> None:
    """Caliendo–Parro shares, when present: ``va_share`` in (0, 1]; ``io_share`` (country, input_sector,
    sector) and ``final_share`` non-negative and summing to one within ``SHARE_ATOL``."""
    if "va_share" in ds.data_vars:
        _check_finite(ds, "va_share")
        va = ds["va_share"]
        bad = (va.values <= 0) | (va.values > 1)
        if bad.any():
            raise ShareError("va_share", "value-added shares in (0, 1]", _where(va, bad))
    if "io_share" in ds.data_vars:
        _check_finite(ds, "io_share")
        io = ds["io_share"]
        if io.dims != ("country", "input_sector", "sector"):
            raise ShapeError("io_share", "dims (country, input_sector, sector)", f"dims {io.dims}")
        if (io.values < 0).any():
            raise ShareError("io_share", "non-negative shares", _where(io, io.values < 0))
        tot = io.sum("input_sector")
        bad = np.abs(tot.values - 1.0) > SHARE_ATOL
        if bad.any():
            raise ShareError(
                "io_share",
                f"shares summing to 1 over input_sector (±{SHARE_ATOL})",
                f"sums {_where(tot, bad)}",
            )
    if "final_share" in ds.data_vars:
        _check_finite(ds, "final_share")
        fs = ds["final_share"]
        if (fs.values < 0).any():
            raise ShareError("final_share", "non-negative shares", _where(fs, fs.values < 0))
        tot = fs.sum("sector")
        bad = np.abs(tot.values - 1.0) > SHARE_ATOL
        if bad.any():
            raise ShareError(
                "final_share", f"shares summing to 1 over sector (±{SHARE_ATOL})", f"sums {_where(tot, bad)}"
            )


def _check_other_variables(ds: xr.Dataset) -> None:
    """Further per-country / per-sector variables are finite; ``pair_*`` covariates have dims (exporter,
    importer) and are finite."""
    known = {"trade", "tariff", "sigma", "theta", "io_share", "va_share", "final_share"}
    for var in map(str, ds.data_vars):
        if var in known or var.startswith("pair_"):
            continue
        if "country" in ds[var].dims or "sector" in ds[var].dims:
            # further per-country / per-sector variables (e.g. Ossa's lambda_pol[country, sector])
            _check_finite(ds, var)
    for var in map(str, ds.data_vars):
        if var.startswith("pair_"):
            if ds[var].dims != ("exporter", "importer"):
                raise ShapeError(var, "dims (exporter, importer)", f"dims {ds[var].dims}")
            _check_finite(ds, var)
