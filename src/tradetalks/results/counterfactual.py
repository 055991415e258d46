"""Immutable result of one counterfactual, shared by every GE model.

Levels are in the dataset's units (US$ millions for the bundled and WIOD data) at the numeraire of
the model (``tradetalks.model.common``). ``*_base`` is the baseline the changes are measured from: the data
under the ``"data"`` closure, the purged zero-imbalance equilibrium under ``"balanced"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from tradetalks.errors import LabelError, OptionError
from tradetalks.model.common import SolveInfo

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CounterfactualResult:
    """Outcome of a counterfactual.

    Attributes
    ----------
    model
        ``"armington"``, ``"ossa"`` or ``"caliendo_parro"``.
    dataset
        Name of the baseline dataset.
    closure
        ``"data"`` or ``"balanced"`` (see :data:`tradetalks.model.common.Closure`).
    ds
        Variables (dims in brackets): ``welfare_pct[country]`` (real income change, %),
        ``gov_welfare_pct[country]`` (Ossa government welfare, % — absent in other models),
        ``wage_hat[country]``, ``income_base/new[country]`` (nominal expenditure / income),
        ``price_index_hat[country, sector]``,
        ``trade_base/new[exporter, importer, sector]`` (pre-tariff values),
        ``tariff_base/new[exporter, importer, sector]``, ``revenue_base/new[country]``,
        ``output_base/new[country, sector]`` (gross sales), ``profits_base/new[country]`` (Ossa).
    info
        Convergence diagnostics.
    params
        Parameters and options used (elasticities' source, political weights, numeraire).
    """

    model: str
    dataset: str
    closure: str
    ds: xr.Dataset
    info: SolveInfo
    params: Mapping[str, Any] = field(default_factory=dict)

    # --- convenience accessors ---------------------------------------------------------

    @cached_property
    def _labels(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Country and sector labels, read once (a hot path of package evaluations)."""
        return (tuple(str(c) for c in self.ds["country"].values), tuple(str(s) for s in self.ds["sector"].values))

    @property
    def countries(self) -> list[str]:
        return list(self._labels[0])

    @property
    def sectors(self) -> list[str]:
        return list(self._labels[1])

    @property
    def converged(self) -> bool:
        return self.info.converged

    def _ix(self, country: str) -> int:
        try:
            return self.countries.index(country)
        except ValueError:
            raise LabelError("country", f"one of {self.countries}", repr(country)) from None

    def welfare(self, country: str) -> float:
        """Real-income (welfare) change of a country, %."""
        return float(self.ds["welfare_pct"].values[self._ix(country)])

    def bilateral_balance(self, country: str, partner: str) -> tuple[float, float]:
        """Goods balance of ``country`` with ``partner`` (exports − imports, pre-tariff), before and after.

        Returns
        -------
        (before, after)
            In the dataset's units (US$ millions for WIOD-based data). Negative = deficit.
        """
        i, j = self._ix(country), self._ix(partner)
        out = []
        for v in ("trade_base", "trade_new"):
            x = self.ds[v].values
            out.append(float(x[i, j, :].sum() - x[j, i, :].sum()))
        return out[0], out[1]

    def exports(self, which: str = "new") -> FloatArray:
        """Exports by country (excluding domestic sales), summed over sectors."""
        x = self.ds[f"trade_{which}"].values
        n = x.shape[0]
        return np.asarray(x.sum(axis=(1, 2)) - x[np.arange(n), np.arange(n), :].sum(axis=1))

    def imports(self, which: str = "new") -> FloatArray:
        """Imports by country (excluding domestic purchases), pre-tariff, summed over sectors."""
        x = self.ds[f"trade_{which}"].values
        n = x.shape[0]
        return np.asarray(x.sum(axis=(0, 2)) - x[np.arange(n), np.arange(n), :].sum(axis=1))

    # --- tidy output ---------------------------------------------------------------------

    def to_dataset(self) -> xr.Dataset:
        """A copy of all variables with attributes (model, closure, diagnostics)."""
        ds = self.ds.copy(deep=True)
        ds.attrs.update(
            {"model": self.model, "dataset": self.dataset, "closure": self.closure, **self.info.as_dict()}
        )
        return ds

    def to_frame(self, kind: str = "country") -> pd.DataFrame:
        """Labelled table.

        Parameters
        ----------
        kind
            ``"country"``: one row per country (welfare %, government welfare %, wage change %,
            exports, imports, trade balance and tariff revenue before/after, US$ millions);
            ``"sector"``: one row per (country, sector): output before/after and % change, price
            index change %; ``"flows"``: one row per (exporter, importer, sector) with levels and
            % change.
        """
        ds = self.ds
        if kind == "country":
            df = pd.DataFrame(index=pd.Index(self.countries, name="country"))
            df["welfare_pct"] = ds["welfare_pct"].values
            if "gov_welfare_pct" in ds:
                df["gov_welfare_pct"] = ds["gov_welfare_pct"].values
            df["wage_pct"] = 100.0 * (ds["wage_hat"].values - 1.0)
            for which in ("base", "new"):
                df[f"exports_{which}"] = self.exports(which)
                df[f"imports_{which}"] = self.imports(which)
                df[f"balance_{which}"] = df[f"exports_{which}"] - df[f"imports_{which}"]
                df[f"revenue_{which}"] = ds[f"revenue_{which}"].values
            return df
        if kind == "sector":
            base = ds["output_base"].to_series()
            new = ds["output_new"].to_series()
            df = pd.DataFrame({"output_base": base, "output_new": new})
            with np.errstate(divide="ignore", invalid="ignore"):
                df["output_pct"] = 100.0 * (new / base - 1.0)
            df["price_index_pct"] = 100.0 * (ds["price_index_hat"].to_series() - 1.0)
            return df
        if kind == "flows":
            base = ds["trade_base"].to_series()
            new = ds["trade_new"].to_series()
            df = pd.DataFrame({"trade_base": base, "trade_new": new})
            with np.errstate(divide="ignore", invalid="ignore"):
                df["trade_pct"] = 100.0 * (new / base - 1.0)
            df["tariff_base"] = ds["tariff_base"].to_series()
            df["tariff_new"] = ds["tariff_new"].to_series()
            return df
        raise OptionError("kind", ("country", "sector", "flows"), kind)


def build_dataset(
    countries: list[str],
    sectors: list[str],
    *,
    welfare_pct: FloatArray,
    wage_hat: FloatArray,
    price_index_hat: FloatArray,
    trade_base: FloatArray,
    trade_new: FloatArray,
    tariff_base: FloatArray,
    tariff_new: FloatArray,
    income_base: FloatArray,
    income_new: FloatArray,
    gov_welfare_pct: FloatArray | None = None,
    profits_base: FloatArray | None = None,
    profits_new: FloatArray | None = None,
    extra: Mapping[str, tuple[tuple[str, ...], FloatArray]] | None = None,
) -> xr.Dataset:
    """Assemble the result dataset with named dims (one helper for every model)."""
    tr = ("exporter", "importer", "sector")
    data: dict[str, Any] = {
        "welfare_pct": (("country",), welfare_pct),
        "wage_hat": (("country",), wage_hat),
        "price_index_hat": (("country", "sector"), price_index_hat),
        "trade_base": (tr, trade_base),
        "trade_new": (tr, trade_new),
        "tariff_base": (tr, tariff_base),
        "tariff_new": (tr, tariff_new),
        "revenue_base": (("country",), (tariff_base * trade_base).sum(axis=(0, 2))),
        "revenue_new": (("country",), (tariff_new * trade_new).sum(axis=(0, 2))),
        "output_base": (("country", "sector"), trade_base.sum(axis=1)),
        "output_new": (("country", "sector"), trade_new.sum(axis=1)),
        "income_base": (("country",), income_base),
        "income_new": (("country",), income_new),
    }
    if gov_welfare_pct is not None:
        data["gov_welfare_pct"] = (("country",), gov_welfare_pct)
    if profits_base is not None and profits_new is not None:
        data["profits_base"] = (("country",), profits_base)
        data["profits_new"] = (("country",), profits_new)
    for k, v in (extra or {}).items():
        data[k] = v
    return xr.Dataset(data, coords=_coords(tuple(countries), tuple(sectors)))


@lru_cache(maxsize=32)
def _coords(countries: tuple[str, ...], sectors: tuple[str, ...]) -> xr.Coordinates:
    """The labelled coordinates, their indexes built once per label set (immutable; shared by results)."""
    return xr.Coordinates({"country": list(countries), "exporter": list(countries), "importer": list(countries),
                           "sector": list(sectors)})
