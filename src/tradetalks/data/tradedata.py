"""``TradeData``: one cross-section of trade, tariffs and parameters with named dimensions.

Conventions (DESIGN.md §3)
--------------------------
* ``trade[exporter, importer, sector]``: value of shipments at **pre-tariff** prices, US$ millions unless
  ``attrs['units']`` says otherwise; the diagonal (exporter == importer) is domestic sales.
* ``tariff[exporter, importer, sector]``: ad-valorem tariff imposed **by the importer** on the exporter's
  goods, a fraction (0.25 = 25 %); zero on the diagonal.
* ``sigma[sector]``: elasticity of substitution (> 1); ``theta[sector]``: trade elasticity (> 0).
* optional Caliendo–Parro shares: ``io_share[country, input_sector, sector]`` (share of input sector k in
  the intermediate bundle of sector j; sums to one over ``input_sector``), ``va_share[country, sector]``
  (value added / gross output, in (0, 1]), ``final_share[country, sector]`` (final-demand shares, sum to one
  over ``sector``).
* optional pair covariates ``pair_<name>[exporter, importer]`` (distance, contiguity, agreements, ...),
  used by gravity models.
* optional per-country-sector variables ``<name>[country, sector]`` (e.g. Ossa's political-economy
  weights ``lambda_pol``), passed to :meth:`TradeData.from_arrays` as ``country_sector``.

Exporter and importer share one label set in one order. Every operation returns a new, validated object.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from tradetalks.data.validation import validate_dataset
from tradetalks.errors import ConservationError, FileFormatError, LabelError

FloatArray = npt.NDArray[np.float64]

TRADE_DIMS = ("exporter", "importer", "sector")

_NETCDF_LOCK = threading.Lock()
"""The netCDF-4/HDF5 C libraries are not thread-safe: concurrent opens from threads (e.g. the web
service's worker pool) crash the process, so every read and write goes through this lock."""
CONSERVATION_RTOL = 1e-9


@dataclass(frozen=True, eq=False)
class TradeData:
    """Validated, immutable trade dataset.

    Build it with :meth:`from_arrays` (numpy) or directly from an :class:`xarray.Dataset`
    following the conventions of the module docstring. Construction validates everything and
    raises a subclass of :class:`tradetalks.errors.ValidationError` naming the offending field,
    labels and values.
    """

    ds: xr.Dataset

    def __post_init__(self) -> None:
        ds = self.ds.copy(deep=True)
        validate_dataset(ds)
        for name in ds.data_vars:
            ds[name].values.setflags(write=False)
        object.__setattr__(self, "ds", ds)

    # --- construction -------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        trade: npt.ArrayLike,
        countries: Iterable[str],
        sectors: Iterable[str],
        tariff: npt.ArrayLike | None = None,
        *,
        sigma: npt.ArrayLike | None = None,
        theta: npt.ArrayLike | None = None,
        io_share: npt.ArrayLike | None = None,
        va_share: npt.ArrayLike | None = None,
        final_share: npt.ArrayLike | None = None,
        pair: Mapping[str, npt.ArrayLike] | None = None,
        attrs: Mapping[str, Any] | None = None,
        country_sector: Mapping[str, npt.ArrayLike] | None = None,
        sector_coords: Mapping[str, Iterable[str]] | None = None,
    ) -> TradeData:
        """Build from numpy arrays ordered (exporter, importer, sector).

        Parameters
        ----------
        trade
            Flows, shape (N, N, S), pre-tariff values, diagonal = domestic sales.
        countries, sectors
            Labels (length N and S).
        tariff
            Importer-imposed tariffs (fractions), shape (N, N, S); zeros when omitted.
        sigma, theta
            Per-sector elasticities, shape (S,).
        io_share, va_share, final_share
            Caliendo–Parro shares, shapes (N, S, S) [country, input_sector, sector], (N, S), (N, S).
        pair
            Pair covariates, each (N, N); stored as ``pair_<name>``.
        attrs
            Metadata: ``name``, ``source``, ``year``, ``units``, ``citation``, ``licence``, ``caveats``.
        country_sector
            Further per-country-sector variables, each (N, S), stored under their own name with dims
            (country, sector) (e.g. ``lambda_pol``).
        sector_coords
            Non-index string coordinates along ``sector`` (e.g. ``sector_name``, long descriptions).
        """
        c = [str(x) for x in countries]
        s = [str(x) for x in sectors]
        coords = {"exporter": c, "importer": c, "sector": s}
        t = np.asarray(trade, dtype=float)
        tar = np.zeros_like(t) if tariff is None else np.asarray(tariff, dtype=float)
        data_vars: dict[str, Any] = {
            "trade": (TRADE_DIMS, t),
            "tariff": (TRADE_DIMS, tar),
        }
        if sigma is not None:
            data_vars["sigma"] = (("sector",), np.asarray(sigma, dtype=float))
        if theta is not None:
            data_vars["theta"] = (("sector",), np.asarray(theta, dtype=float))
        if io_share is not None:
            data_vars["io_share"] = (("country", "input_sector", "sector"), np.asarray(io_share, float))
            coords["input_sector"] = s
        if va_share is not None:
            data_vars["va_share"] = (("country", "sector"), np.asarray(va_share, float))
        if final_share is not None:
            data_vars["final_share"] = (("country", "sector"), np.asarray(final_share, float))
        for name, arr in (country_sector or {}).items():
            data_vars[name] = (("country", "sector"), np.asarray(arr, dtype=float))
        if io_share is not None or va_share is not None or final_share is not None or country_sector:
            coords["country"] = c
        for name, arr in (pair or {}).items():
            data_vars[f"pair_{name}"] = (("exporter", "importer"), np.asarray(arr, dtype=float))
        all_coords: dict[str, Any] = dict(coords)
        for name, values in (sector_coords or {}).items():
            all_coords[name] = ("sector", [str(v) for v in values])
        try:
            ds = xr.Dataset(data_vars, coords=all_coords, attrs=dict(attrs or {}))
        except ValueError as exc:  # conflicting sizes
            from tradetalks.errors import ShapeError

            raise ShapeError(
                "trade", f"arrays of shape (N, N, S) = ({len(c)}, {len(c)}, {len(s)})", str(exc)
            ) from exc
        return cls(ds)

    # --- accessors ----------------------------------------------------------------------

    @cached_property
    def _labels(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Country and sector labels, read once (the dataset is immutable; a hot path of evaluations)."""
        return (tuple(str(x) for x in self.ds["exporter"].values), tuple(str(x) for x in self.ds["sector"].values))

    @property
    def countries(self) -> list[str]:
        """Country labels (exporter = importer order)."""
        return list(self._labels[0])

    @property
    def sectors(self) -> list[str]:
        """Sector labels."""
        return list(self._labels[1])

    @property
    def n_countries(self) -> int:
        return int(self.ds.sizes["exporter"])

    @property
    def n_sectors(self) -> int:
        return int(self.ds.sizes["sector"])

    @property
    def attrs(self) -> dict[str, Any]:
        """A copy of the metadata."""
        return dict(self.ds.attrs)

    @property
    def name(self) -> str:
        return str(self.ds.attrs.get("name", "unnamed"))

    @property
    def trade(self) -> FloatArray:
        """Flows (exporter, importer, sector), read-only."""
        return np.asarray(self.ds.variables["trade"].values)  # no DataArray built: hot path

    @property
    def tariff(self) -> FloatArray:
        """Importer-imposed tariffs (exporter, importer, sector), read-only."""
        return np.asarray(self.ds.variables["tariff"].values)

    def has(self, var: str) -> bool:
        """Whether the optional variable ``var`` is present."""
        return var in self.ds.data_vars

    def param(self, var: str) -> FloatArray:
        """An optional per-sector / per-country variable as a read-only array.

        Raises
        ------
        DataError
            If the dataset lacks it.
        """
        if var not in self.ds.data_vars:
            from tradetalks.errors import DataError

            raise DataError(
                f"dataset '{self.name}' has no '{var}'; it has {sorted(map(str, self.ds.data_vars))}"
            )
        return np.asarray(self.ds.variables[var].values)

    @property
    def country_sector_variables(self) -> list[str]:
        """Names of the further (country, sector) variables (not the Caliendo–Parro shares)."""
        return [
            str(v)
            for v in self.ds.data_vars
            if self.ds[v].dims == ("country", "sector") and v not in ("va_share", "final_share")
        ]

    @property
    def pair_covariates(self) -> list[str]:
        """Names of the pair covariates (without the ``pair_`` prefix)."""
        return [str(v)[5:] for v in self.ds.data_vars if str(v).startswith("pair_")]

    def index(self, country: str) -> int:
        """Position of a country label."""
        try:
            return self.countries.index(country)
        except ValueError:
            raise LabelError(
                "country", f"one of {self.countries}", repr(country)
            ) from None

    def sector_index(self, sector: str) -> int:
        """Position of a sector label."""
        try:
            return self.sectors.index(sector)
        except ValueError:
            raise LabelError("sector", f"one of {self.sectors}", repr(sector)) from None

    # --- derived totals -----------------------------------------------------------------

    def output(self) -> FloatArray:
        """Gross output (sales at pre-tariff prices) by country and sector, ``Σ_j X_ijs``."""
        return np.asarray(self.trade.sum(axis=1), dtype=float)

    def expenditure(self) -> FloatArray:
        """Tariff-inclusive expenditure by importer and sector, ``Σ_i (1 + t_ijs) X_ijs``."""
        return np.asarray(((1.0 + self.tariff) * self.trade).sum(axis=0), dtype=float)

    def tariff_revenue(self) -> FloatArray:
        """Tariff revenue by importer, ``Σ_i Σ_s t_ijs X_ijs``."""
        return np.asarray((self.tariff * self.trade).sum(axis=(0, 2)), dtype=float)

    def trade_balance(self) -> FloatArray:
        """Net exports by country at pre-tariff values, ``Σ_j Σ_s X_ijs − Σ_i Σ_s X_jis``."""
        t = self.trade.sum(axis=2)
        return np.asarray(t.sum(axis=1) - t.sum(axis=0))

    # --- immutable operations -----------------------------------------------------------

    def replace(self, **variables: xr.DataArray | npt.ArrayLike) -> TradeData:
        """New dataset with some variables replaced (same dims as before for existing names)."""
        ds = self.ds.copy(deep=True)
        for name, value in variables.items():
            if isinstance(value, xr.DataArray):
                ds[name] = value
            else:
                dims = ds[name].dims if name in ds else TRADE_DIMS
                ds[name] = (dims, np.asarray(value, dtype=float))
        return TradeData(ds)

    def with_tariffs(self, tariff: npt.ArrayLike) -> TradeData:
        """New dataset with the tariff array replaced (same shape)."""
        return self.replace(tariff=tariff)

    def with_attrs(self, **attrs: Any) -> TradeData:
        """New dataset with metadata updated."""
        ds = self.ds.copy(deep=True)
        ds.attrs.update(attrs)
        return TradeData(ds)

    def select(
        self, countries: Iterable[str] | None = None, sectors: Iterable[str] | None = None
    ) -> TradeData:
        """Subset of countries and/or sectors (flows with dropped countries are discarded).

        Use :meth:`aggregate_countries` to keep a closed world (the rest into a region).
        """
        ds = self.ds
        if countries is not None:
            keep = list(countries)
            for c in keep:
                self.index(c)
            ds = ds.sel(exporter=keep, importer=keep)
            if "country" in ds.dims:
                ds = ds.sel(country=keep)
        if sectors is not None:
            keep_s = list(sectors)
            for s in keep_s:
                self.sector_index(s)
            ds = ds.sel(sector=keep_s)
            if "input_sector" in ds.dims:
                ds = ds.sel(input_sector=keep_s)
                ds["io_share"] = ds["io_share"] / ds["io_share"].sum("input_sector")
            if "final_share" in ds:
                ds["final_share"] = ds["final_share"] / ds["final_share"].sum("sector")
        return TradeData(ds)

    def aggregate_countries(self, mapping: Mapping[str, str]) -> TradeData:
        """Aggregate countries into regions.

        Parameters
        ----------
        mapping
            ``{country: region}``; countries not in the mapping keep their own label. Region order
            follows first appearance in the current country order.

        Notes
        -----
        Flows are summed, so flows among members of a region become the region's domestic sales
        (and bear no tariff). Tariffs on the remaining pairs are trade-weighted means,
        ``t_RQs = Σ t_ijs X_ijs / Σ X_ijs`` (simple means where the flows are all zero). Shares are
        aggregated with weights: ``va_share`` by gross output, ``io_share`` by intermediate use
        ``(1 − va) × output``, ``final_share`` by absorption; further (country, sector) variables
        such as ``lambda_pol`` are gross-output-weighted means; pair covariates are trade-weighted
        means. Total trade is conserved (checked).
        """
        for c in mapping:
            self.index(c)
        regions = [mapping.get(c, c) for c in self.countries]
        labels = list(dict.fromkeys(regions))
        n_r = len(labels)
        agg = np.zeros((n_r, self.n_countries))
        for k, r in enumerate(regions):
            agg[labels.index(r), k] = 1.0
        return self._aggregate(agg_c=agg, labels_c=labels, agg_s=None, labels_s=None)

    def aggregate_sectors(
        self, mapping: Mapping[str, str], elasticity_weights: str = "trade"
    ) -> TradeData:
        """Aggregate sectors into groups.

        Parameters
        ----------
        mapping
            ``{sector: group}``; sectors not in the mapping keep their label.
        elasticity_weights
            ``"trade"``: ``sigma`` and ``theta`` of a group are means weighted by the sectors'
            world international trade (the usual choice), ``"output"``: by world gross output.

        Notes
        -----
        Flows are summed; tariffs are trade-weighted by pair; IO shares are re-aggregated by
        input use (both dimensions); final shares are summed. Totals are conserved (checked).
        """
        for s in mapping:
            self.sector_index(s)
        groups = [mapping.get(s, s) for s in self.sectors]
        labels = list(dict.fromkeys(groups))
        agg = np.zeros((len(labels), self.n_sectors))
        for k, g in enumerate(groups):
            agg[labels.index(g), k] = 1.0
        if elasticity_weights not in ("trade", "output"):
            from tradetalks.errors import OptionError

            raise OptionError("elasticity_weights", ("trade", "output"), elasticity_weights)
        return self._aggregate(
            agg_c=None, labels_c=None, agg_s=agg, labels_s=labels, ew=elasticity_weights
        )

    def _aggregate(
        self,
        agg_c: FloatArray | None,
        labels_c: list[str] | None,
        agg_s: FloatArray | None,
        labels_s: list[str] | None,
        ew: str = "trade",
    ) -> TradeData:
        """Aggregate with 0/1 maps ``agg_c`` (new × old countries) and ``agg_s`` (new × old sectors);
        ``None`` keeps that dimension. Flows add up; tariffs, elasticities, shares and further variables
        are weighted means (:meth:`_aggregate_flows`, :meth:`_aggregate_parameters`,
        :meth:`_aggregate_country_sector`, :meth:`_aggregate_pairs`)."""
        n, s = self.n_countries, self.n_sectors
        ac = np.eye(n) if agg_c is None else agg_c
        as_ = np.eye(s) if agg_s is None else agg_s
        lc = self.countries if labels_c is None else labels_c
        ls = self.sectors if labels_s is None else labels_s
        x_new, t_new = self._aggregate_flows(ac, as_)
        kwargs = self._aggregate_parameters(ac, as_, ew)
        country_sector = self._aggregate_country_sector(ac, as_)
        sector_coords: dict[str, list[str]] | None = None
        if agg_s is None:
            sector_coords = {
                str(k): [str(v) for v in self.ds[k].values]
                for k in self.ds.coords
                if k not in self.ds.dims and self.ds[k].dims == ("sector",)
            }
        pair = self._aggregate_pairs(ac)
        attrs = self.attrs
        history = str(attrs.get("history", ""))
        step = "aggregated" + (" countries" if agg_c is not None else "") + (
            " sectors" if agg_s is not None else ""
        )
        attrs["history"] = (history + "; " if history else "") + step
        return TradeData.from_arrays(
            x_new,
            lc,
            ls,
            t_new,
            pair=pair or None,
            attrs=attrs,
            country_sector=country_sector or None,
            sector_coords=sector_coords or None,
            **kwargs,
        )

    def _aggregate_flows(self, ac: FloatArray, as_: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Summed flows and trade-weighted tariffs (simple means where no trade; zero on the new diagonal).

        Raises
        ------
        ConservationError
            Total trade changed (beyond ``CONSERVATION_RTOL``).
        """
        x = self.trade
        t = self.tariff
        x_new = np.einsum("ri,qj,gs,ijs->rqg", ac, ac, as_, x, optimize=True)
        rev = np.einsum("ri,qj,gs,ijs->rqg", ac, ac, as_, x * t, optimize=True)
        cnt = np.einsum("ri,qj,gs,ijs->rqg", ac, ac, as_, np.ones_like(x), optimize=True)
        tsum = np.einsum("ri,qj,gs,ijs->rqg", ac, ac, as_, t, optimize=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            t_new = np.where(x_new > 0, rev / np.where(x_new > 0, x_new, 1.0), tsum / cnt)
        idx = np.arange(ac.shape[0])
        t_new[idx, idx, :] = 0.0
        if not np.isclose(x_new.sum(), x.sum(), rtol=CONSERVATION_RTOL, atol=0.0):
            raise ConservationError(
                f"aggregation changed total trade: {x.sum():.6g} -> {x_new.sum():.6g}"
            )
        return x_new, t_new

    def _aggregate_parameters(self, ac: FloatArray, as_: FloatArray, ew: str) -> dict[str, Any]:
        """``sigma``/``theta`` weighted by (international, or all with ``ew != "trade"``) trade; CP shares:
        ``va_share`` by gross output, ``io_share`` by intermediate use, ``final_share`` by absorption."""
        n = self.n_countries
        x = self.trade
        kwargs: dict[str, Any] = {}
        offdiag = x * (1.0 - np.eye(n))[:, :, None]
        if self.has("sigma") or self.has("theta"):
            w_s = offdiag.sum(axis=(0, 1)) if ew == "trade" else x.sum(axis=(0, 1))
            w_s = np.where(w_s > 0, w_s, 1e-300)
            for var in ("sigma", "theta"):
                if self.has(var):
                    kwargs[var] = (as_ @ (w_s * self.param(var))) / (as_ @ w_s)
        go = x.sum(axis=1)  # (country, sector)
        if self.has("va_share"):
            va = self.param("va_share")
            va_new = (ac @ (go * va) @ as_.T) / np.where(ac @ go @ as_.T > 0, ac @ go @ as_.T, 1.0)
            kwargs["va_share"] = va_new
        if self.has("io_share"):
            io = self.param("io_share")
            va = self.param("va_share") if self.has("va_share") else np.zeros_like(go)
            use = io * (go * (1.0 - va))[:, None, :]  # (country, input, sector) intermediate use
            use_new = np.einsum("ri,hk,gs,iks->rhg", ac, as_, as_, use)
            tot = use_new.sum(axis=1, keepdims=True)
            w_fallback = np.einsum("ri,hk,gs,iks->rhg", ac, as_, as_, io)
            w_fallback = w_fallback / w_fallback.sum(axis=1, keepdims=True)
            kwargs["io_share"] = np.where(tot > 0, use_new / np.where(tot > 0, tot, 1.0), w_fallback)
        if self.has("final_share"):
            fs = self.param("final_share")
            absorb = self.expenditure().sum(axis=1)  # (country,)
            fs_new = np.einsum("ri,gs,is->rg", ac, as_, fs * absorb[:, None])
            kwargs["final_share"] = fs_new / fs_new.sum(axis=1, keepdims=True)
        return kwargs

    def _aggregate_country_sector(self, ac: FloatArray, as_: FloatArray) -> dict[str, FloatArray]:
        """Further (country, sector) variables as gross-output-weighted means (simple means where none)."""
        go = self.trade.sum(axis=1)  # (country, sector)
        country_sector: dict[str, FloatArray] = {}
        for name in self.country_sector_variables:
            v = self.param(name)
            den_cs = ac @ go @ as_.T
            num_cs = ac @ (go * v) @ as_.T
            simple = (ac @ v @ as_.T) / (ac @ np.ones_like(v) @ as_.T)
            country_sector[name] = np.where(den_cs > 0, num_cs / np.where(den_cs > 0, den_cs, 1.0), simple)
        return country_sector

    def _aggregate_pairs(self, ac: FloatArray) -> dict[str, FloatArray]:
        """Pair covariates as trade-weighted means over the merged pairs."""
        x = self.trade
        pair: dict[str, FloatArray] = {}
        for name in self.pair_covariates:
            p = self.param(f"pair_{name}")
            w = x.sum(axis=2)
            num = ac @ (p * w) @ ac.T
            den = ac @ w @ ac.T
            pair[name] = num / np.where(den > 0, den, 1.0)
        return pair

    # --- export, persistence ------------------------------------------------------------

    def to_dataset(self) -> xr.Dataset:
        """A copy of the underlying :class:`xarray.Dataset`."""
        return self.ds.copy(deep=True)

    def to_frame(self) -> pd.DataFrame:
        """Tidy DataFrame: one row per (exporter, importer, sector) with ``trade`` and ``tariff``."""
        df = self.ds[["trade", "tariff"]].to_dataframe().reset_index()
        return df[["exporter", "importer", "sector", "trade", "tariff"]]

    def save(self, path: str | Path) -> Path:
        """Write to netCDF (``.nc``). Returns the path written.

        The file is written to a temporary name and renamed, so a failed write leaves nothing.
        """
        p = Path(path)
        if p.suffix != ".nc":
            raise FileFormatError(f"save: expected a path ending in .nc; found '{p.name}'")
        tmp = p.with_name(p.name + ".tmp")
        ds = self.ds.copy(deep=True)
        ds.attrs = {k: _attr_value(v) for k, v in ds.attrs.items()}
        try:
            with _NETCDF_LOCK:
                ds.to_netcdf(tmp)
            tmp.replace(p)
        finally:
            if tmp.exists():
                tmp.unlink()
        return p

    @classmethod
    def load(cls, path: str | Path) -> TradeData:
        """Read a file written by :meth:`save` (validated on load)."""
        p = Path(path)
        if not p.exists():
            from tradetalks.errors import DatasetNotFoundError

            raise DatasetNotFoundError(f"no file at '{p}'")
        try:
            with _NETCDF_LOCK, xr.open_dataset(p) as opened:
                ds = opened.load()
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"'{p}': expected a netCDF file written by TradeData.save; {exc}") from exc
        for dim in ("exporter", "importer", "sector", "country", "input_sector"):
            if dim in ds.coords:
                ds = ds.assign_coords({dim: [str(v) for v in ds[dim].values]})
        return cls(ds)

    def __repr__(self) -> str:
        return (
            f"TradeData(name={self.name!r}, countries={self.n_countries}, sectors={self.n_sectors}, "
            f"vars={sorted(map(str, self.ds.data_vars))})"
        )


def _attr_value(v: Any) -> Any:
    if isinstance(v, (str, int, float, np.integer, np.floating)):
        return v
    return str(v)
