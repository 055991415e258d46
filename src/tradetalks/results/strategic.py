r"""Labelled results of the strategic solvers (issue 9, item 3): optimal tariffs, trade wars, cooperative
tariffs, frontier points and negotiation logs, as frozen types with ``to_frame()`` / ``to_dataset()`` on
named dimensions.

:class:`TariffOutcome` carries the full tariff array (exporter × importer × sector; not only medians) and
the columns of Ossa's (2014) tables:

* welfare :math:`100(\hat W_j - 1)` and government welfare :math:`100(\hat G_j - 1)`;
* the wage column: :math:`100(\hat w_j - \overline{\hat w})`, a region's wage change minus the unweighted
  mean over all regions (Ossa's convention; the numeraire makes wage levels arbitrary);
* the profit column: :math:`100(\hat\Pi_j/\hat w_j - 1)`, total profits' change deflated by the own wage,
  with :math:`\Pi_j = \sum_s \frac{1}{\sigma_s}\sum_k X_{jks}`;
* the median tariff of each country over its bilateral import tariffs pooled across partners and sectors,
  unweighted.

Adapters select by label: ``res.to_dataset().sel(importer="JPN")``.

Reference: Ossa, R. (2014). Trade Wars and Trade Talks with Data. AER 104(12), 4104–46, Tables 3–5.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from tradetalks.errors import OptionError

FloatArray = npt.NDArray[np.float64]
SolverKind = Literal["optimal-tariff", "trade-war", "cooperative"]


@dataclass(frozen=True, eq=False)
class TariffOutcome:
    """The tariffs a strategic solver chose and what they do (see the module docstring).

    Attributes
    ----------
    kind
        ``"optimal-tariff"``, ``"trade-war"`` or ``"cooperative"``.
    countries, sectors
        Labels.
    players
        Countries whose tariffs the solver set.
    tariff, tariff_base
        (N, N, S) tariffs after / before (fractions; exporter × importer × sector).
    welfare_hat, gov_welfare_hat, wage_hat, profits_hat
        (N,) changes relative to the baseline (hats).
    closure
        Trade-imbalance closure of the baseline.
    converged, iterations, residual, seconds
        Solver diagnostics (``residual``: the solver's own optimality or change measure).
    info
        Further solver-specific diagnostics (JSON-ready).
    """

    kind: SolverKind
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    players: tuple[str, ...]
    tariff: FloatArray
    tariff_base: FloatArray
    welfare_hat: FloatArray
    gov_welfare_hat: FloatArray
    wage_hat: FloatArray
    profits_hat: FloatArray
    closure: str
    converged: bool
    iterations: int
    residual: float
    seconds: float
    info: Mapping[str, Any] = field(default_factory=dict)

    def median_tariff_pct(self) -> FloatArray:
        """Each country's median import tariff (%), pooled over partners and sectors (unweighted)."""
        n = len(self.countries)
        return np.array([100.0 * float(np.median(self.tariff[np.arange(n) != j, j, :])) for j in range(n)])

    def to_dataset(self) -> xr.Dataset:
        """Variables on named dims: ``tariff_pct`` / ``tariff_base_pct`` (exporter, importer, sector);
        ``welfare_pct``, ``gov_welfare_pct``, ``wage_pct`` (Ossa's relative wage), ``profit_pct``,
        ``median_tariff_pct``, ``player`` (country)."""
        tr = ("exporter", "importer", "sector")
        c = ("country",)
        w = self.wage_hat
        ds = xr.Dataset(
            {
                "tariff_pct": (tr, 100.0 * self.tariff),
                "tariff_base_pct": (tr, 100.0 * self.tariff_base),
                "welfare_pct": (c, 100.0 * (self.welfare_hat - 1.0)),
                "gov_welfare_pct": (c, 100.0 * (self.gov_welfare_hat - 1.0)),
                "wage_pct": (c, 100.0 * (w - float(np.mean(w)))),
                "profit_pct": (c, 100.0 * (self.profits_hat / w - 1.0)),
                "median_tariff_pct": (c, self.median_tariff_pct()),
                "player": (c, np.array([x in self.players for x in self.countries])),
            },
            coords={"country": list(self.countries), "exporter": list(self.countries),
                    "importer": list(self.countries), "sector": list(self.sectors)},
            attrs={"kind": self.kind, "closure": self.closure, "converged": int(self.converged),
                   "iterations": self.iterations, "residual": self.residual, "seconds": self.seconds},
        )
        for v, unit in (("tariff_pct", "%"), ("tariff_base_pct", "%"), ("welfare_pct", "% change"),
                        ("gov_welfare_pct", "% change"), ("wage_pct", "pp relative to the mean wage change"),
                        ("profit_pct", "% change, deflated by the own wage"), ("median_tariff_pct", "%")):
            ds[v].attrs["units"] = unit
        return ds

    def to_frame(self, kind: str = "country") -> pd.DataFrame:
        """``"country"``: one row per country (Ossa's table columns and the median tariff); ``"tariffs"``:
        one row per (exporter, importer, sector) with the tariff before and after, %, diagonal dropped."""
        ds = self.to_dataset()
        if kind == "country":
            return ds[["player", "welfare_pct", "gov_welfare_pct", "wage_pct", "profit_pct",
                       "median_tariff_pct"]].to_dataframe()
        if kind == "tariffs":
            df = ds[["tariff_base_pct", "tariff_pct"]].to_dataframe()
            idx = df.index
            return df[idx.get_level_values("exporter") != idx.get_level_values("importer")]
        raise OptionError("kind", ("country", "tariffs"), kind)

    def tariffs_of(self, importer: str) -> dict[str, dict[str, float]]:
        """The full import-tariff vector of one country, % by partner and sector (JSON-ready)."""
        t = self.to_dataset()["tariff_pct"].sel(importer=importer)
        return {str(e): {str(s): float(t.sel(exporter=e, sector=s)) for s in self.sectors}
                for e in self.countries if e != importer}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: per-country rows, every player's full tariff vector, diagnostics."""
        df = self.to_frame("country")
        return {
            "kind": self.kind, "closure": self.closure, "players": list(self.players),
            "countries": {str(c): {k: (bool(v) if k == "player" else float(v)) for k, v in row.items()}
                          for c, row in df.iterrows()},
            "tariffs_pct": {p: self.tariffs_of(p) for p in self.players},
            "converged": self.converged, "iterations": self.iterations, "residual": self.residual,
            "seconds": self.seconds, "info": dict(self.info),
            "units": {"tariffs_pct": "% (importer -> exporter -> sector)", "wage_pct": "pp vs the mean",
                      "profit_pct": "% deflated by own wage", "welfare_pct": "% change"},
        }


def profits_hat(trade_base: FloatArray, trade_new: FloatArray, sigma: FloatArray) -> FloatArray:
    r""":math:`\hat\Pi_j = \sum_s \sum_k X'_{jks}/\sigma_s \,/\, \sum_s \sum_k X_{jks}/\sigma_s` (Ossa 2014)."""
    sg = np.asarray(sigma, dtype=float)
    p0 = (np.asarray(trade_base).sum(axis=1) / sg).sum(-1)
    p1 = (np.asarray(trade_new).sum(axis=1) / sg).sum(-1)
    return np.asarray(p1 / p0)


def tariff_outcome(
    kind: SolverKind,
    base: Any,
    solved: Any,
    countries: Sequence[str],
    sectors: Sequence[str],
    players: Sequence[int],
    *,
    closure: str,
    iterations: int,
    residual: float,
    info: Mapping[str, Any] | None = None,
) -> TariffOutcome:
    """A :class:`TariffOutcome` from an Ossa baseline and a solver's result (``OptimalTariffResult``,
    ``TradeWarResult`` or ``CooperativeResult``: ``tariff``, ``welfare_hat``, ``gov_welfare_hat``,
    ``equilibrium``, ``converged``, ``seconds``)."""
    eq = solved.equilibrium
    n = len(countries)
    w = np.asarray(eq.w_hat, dtype=float).reshape(-1, n)[0]
    x1 = np.asarray(eq.trade_new, dtype=float).reshape((-1, *np.shape(base.trade)))[0]
    return TariffOutcome(
        kind=kind, countries=tuple(countries), sectors=tuple(sectors),
        players=tuple(countries[k] for k in players),
        tariff=np.asarray(solved.tariff, dtype=float), tariff_base=np.asarray(base.tariff, dtype=float),
        welfare_hat=np.asarray(solved.welfare_hat, dtype=float).reshape(-1)[:n],
        gov_welfare_hat=np.asarray(solved.gov_welfare_hat, dtype=float).reshape(-1)[:n],
        wage_hat=w, profits_hat=profits_hat(base.trade, x1, base.sigma), closure=closure,
        converged=bool(solved.converged), iterations=int(iterations), residual=float(residual),
        seconds=float(getattr(solved, "seconds", 0.0)), info=dict(info or {}),
    )


@dataclass(frozen=True, eq=False)
class FrontierTable:
    """Pareto-frontier points: both parties' objectives and the package (instrument values) at each.

    ``u`` (K, 2) objectives; ``x`` (K, I) instrument values (fractions for tariffs); ``converged`` (K,).
    """

    parties: tuple[str, str]
    instruments: tuple[str, ...]
    u: FloatArray
    x: FloatArray
    converged: npt.NDArray[np.bool_]
    nodeal: FloatArray | None = None
    units: str = "100 ln Ĝ"

    def to_dataset(self) -> xr.Dataset:
        """``u`` (point, party), ``x`` (point, instrument), ``converged`` (point)."""
        k = np.arange(len(self.u))
        return xr.Dataset(
            {"u": (("point", "party"), np.asarray(self.u)), "x": (("point", "instrument"), np.asarray(self.x)),
             "converged": (("point",), np.asarray(self.converged))},
            coords={"point": k, "party": list(self.parties), "instrument": list(self.instruments)},
            attrs={"units": self.units},
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per point: ``u_<party>`` and one column per instrument (tariffs in %), ``converged``."""
        df = pd.DataFrame({f"u_{p}": np.asarray(self.u)[:, i] for i, p in enumerate(self.parties)})
        for i, name in enumerate(self.instruments):
            df[name] = np.asarray(self.x)[:, i] * (100.0 if not name.startswith("side:") else 1.0)
        df["converged"] = np.asarray(self.converged)
        df.index.name = "point"
        return df


def frontier_table(frontier: Any, instruments: Sequence[str]) -> FrontierTable:
    """A :class:`FrontierTable` from :class:`tradetalks.bargain.frontier.Frontier` (``parties``, ``u``,
    ``x``, ``converged``, ``nodeal``) and the names of its instruments."""
    return FrontierTable(tuple(frontier.parties), tuple(instruments), np.asarray(frontier.u, dtype=float),
                         np.asarray(frontier.x, dtype=float), np.asarray(frontier.converged, dtype=bool),
                         None if getattr(frontier, "nodeal", None) is None else np.asarray(frontier.nodeal))


@dataclass(frozen=True, eq=False)
class NegotiationLog:
    """Round-by-round offers of a simulated negotiation, with the outcome."""

    parties: tuple[str, str]
    strategies: tuple[str, str]
    log: pd.DataFrame
    agreement: bool
    round: int
    reason: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The log, one row per round (a copy)."""
        df = self.log.copy()
        if "round" in df.columns:
            df = df.set_index("round")
        return df

    def to_dataset(self) -> xr.Dataset:
        """Numeric columns of the log on a ``round`` dimension."""
        df = self.to_frame()
        num = df.select_dtypes(include=["number", "bool"])
        ds = xr.Dataset.from_dataframe(num)
        ds.attrs.update({"parties": ",".join(self.parties), "strategies": ",".join(self.strategies),
                         "agreement": int(self.agreement), "final_round": self.round, "reason": self.reason})
        return ds


def negotiation_log(result: Any) -> NegotiationLog:
    """A :class:`NegotiationLog` from :func:`tradetalks.bargain.negotiate.simulate`'s result."""
    return NegotiationLog(tuple(result.parties), tuple(result.strategies), result.log.copy(),
                          bool(result.agreement), int(result.round), str(getattr(result, "reason", "")))


__all__ = ["FrontierTable", "NegotiationLog", "SolverKind", "TariffOutcome", "frontier_table", "negotiation_log",
           "profits_hat", "tariff_outcome"]
