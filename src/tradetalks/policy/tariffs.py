r"""The tariffs in force on a date: by product group, by model sector, and as a tariff matrix.

:func:`tariffs_on` stacks the measures in force (:mod:`tradetalks.policy.measures`) for the focus pair
(exports of Japan to the US) by product group, maps them to model sectors with the weights of
:mod:`tradetalks.policy.mapping`, and, given a :class:`~tradetalks.data.TradeData`, returns the tariff
matrix in force. Scope of the matrix:

* the US tariffs on Japan: every measure naming Japan or all origins;
* US tariffs on other partners (``third_countries="all_origins"``, the default): only the measures that
  say "all origins" (Section 232 autos/parts/steel/aluminium, the IEEPA 10 % baseline, Section 122);
  ``"wall"``: the partner-by-partner US tariff wall of :mod:`tradetalks.policy.wall` (USMCA shares,
  fentanyl duties, China's regime, the EU/Korea/UK deals, Section 232 families), its additional duties
  aggregated from HS2 chapters to the model's sectors at 2024 US imports (``ROW`` pools the other
  partners); ``"japan_only"`` leaves other partners at the dataset's rates;
* every other importer keeps the dataset's rates, unless a scenario changes them explicitly.

Sector rates add the mapped additional duties to the dataset's applied rate (taken as the MFN of the
"other" goods of the sector), so a date with no measure in force reproduces the dataset exactly:

.. math:: t'_{ijs} = t^{0}_{ijs} + \tfrac{1}{100}\Big[\sum_g w_{gs}\,a_g(m_g) + w_{\text{other},s}\,
          a_{\text{other}}(100\,t^0_{ijs})\Big].

The all-in rule applied to "other" at the sector's mean MFN understates the line-by-line average
(Jensen's inequality: the mean of max(15, m) is at least max(15, mean m)); stated with the results.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import LaterChangesUnknownWarning, OptionError, PolicyError, ReferenceDataMissingError
from tradetalks.policy.mapping import FOCUS_EXPORTER, FOCUS_IMPORTER, ProductMapping, default_mapping
from tradetalks.policy.measures import ALL, GroupRate, MeasureSet, default_measures, group_rate

FloatArray = npt.NDArray[np.float64]
ThirdCountries = Literal["all_origins", "japan_only", "wall"]
THIRD_COUNTRIES: tuple[str, ...] = ("all_origins", "japan_only", "wall")


@dataclass(frozen=True)
class TariffChange:
    """An explicit tariff change of a scenario, applied after the measures.

    Attributes
    ----------
    importer, exporter
        ISO3 labels; ``exporter="*"`` means every partner of the importer.
    sector, group
        Exactly one: a model sector (the sector's rate) or a product group (the group's total, mapped
        to sectors with the weights; only for importer USA).
    rate_pct
        Percent.
    mode
        ``"set"`` (replace) or ``"add"`` (percentage points on top).
    note
        Free text (the source of the change).
    """

    importer: str
    exporter: str
    rate_pct: float
    mode: Literal["set", "add"] = "set"
    sector: str | None = None
    group: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SectorRate:
    """Rate in force on one model sector of the focus pair, with the groups that make it up."""

    sector: str
    base_pct: float
    additional_pct: float
    contributions: tuple[tuple[str, float, float], ...]
    """(group, weight, additional duty of the group in points)."""

    @property
    def total_pct(self) -> float:
        return self.base_pct + self.additional_pct


@dataclass(frozen=True, eq=False)
class TariffsInForce:
    """Tariffs in force on a date (see :func:`tariffs_on`).

    Attributes
    ----------
    on
        Date.
    exporter, importer
        Focus pair of ``groups`` and ``sectors`` (JPN → USA).
    groups
        Stacked rate by product group.
    sectors
        Rate by model sector of the focus pair (empty without a dataset).
    matrix
        (N, N, S) tariffs in force (fractions), ``None`` without a dataset.
    dataset
        Name of the dataset.
    mapping
        The product → sector weights used.
    notes
        Scope and assumptions, to print with any result.
    """

    on: date
    exporter: str
    importer: str
    groups: dict[str, GroupRate]
    sectors: tuple[SectorRate, ...]
    matrix: FloatArray | None
    dataset: str
    mapping: ProductMapping | None
    notes: tuple[str, ...]

    def group_total_pct(self, group: str, mfn_pct: float | None = None) -> float:
        return self.groups[group].total_pct(mfn_pct)

    def sector(self, sector: str) -> SectorRate:
        for s in self.sectors:
            if s.sector == sector:
                return s
        raise PolicyError(f"no sector '{sector}' in the tariffs of {self.dataset or 'no dataset'}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (rates in percent)."""
        grp = {}
        for gid, r in self.groups.items():
            grp[gid] = {
                "mfn_pct": r.mfn_pct,
                "total_pct": None if r.mfn_pct is None else r.total_pct(),
                "formula": r.formula(),
                "measures": [
                    {"id": c.measure_id, "authority": c.authority, "slot": c.slot, "kind": c.kind,
                     "rate_pct": c.rate_pct, "additional_pct": c.additional_pct}
                    for c in r.components
                ],
                "exempted": list(r.exempted),
            }
        return {
            "date": self.on.isoformat(),
            "exporter": self.exporter,
            "importer": self.importer,
            "dataset": self.dataset,
            "groups": grp,
            "sectors": [
                {"sector": s.sector, "base_pct": s.base_pct, "additional_pct": s.additional_pct,
                 "total_pct": s.total_pct,
                 "groups": [{"group": g, "weight": w, "additional_pct": a} for g, w, a in s.contributions]}
                for s in self.sectors
            ],
            "notes": list(self.notes),
        }


#: Note of a result whose third-country wall fell back to the all-origins measures (no weights table).
WALL_MISSING_NOTE = ("third_countries = 'wall' needs the us_imports_hs2_2024 reference table, which is absent: "
                     "third countries face only the US 'all origins' measures (as third_countries = 'all_origins')")

NOTES: tuple[str, ...] = (
    "Rates in percent ad valorem on the customs value; a tariff is imposed by the importer.",
    "US tariffs on Japan: every measure naming Japan or all origins; other partners: only the "
    "'all origins' measures (their own deals, country rates, USMCA rules and China's regime are not modelled).",
    "Sector rates = dataset's applied rate (MFN of the sector's 'other' goods) + trade-weighted additional "
    "duties of the product groups (weights shown by `tradetalks tariffs --mapping`); the same weights "
    "are applied to every exporter.",
    "The 15 % all-in rule on 'other' goods is applied at the sector's mean MFN (understates the "
    "line-by-line mean).",
)


def _group_totals(
    ms: MeasureSet,
    on: date,
    exporter: str,
    importer: str,
    switch_on: Iterable[str],
    switch_off: Iterable[str],
) -> dict[str, GroupRate]:
    return {
        g.id: group_rate(ms, g.id, on, exporter, importer, switch_on=switch_on, switch_off=switch_off)
        for g in ms.groups
    }


def _group_overrides(changes: Sequence[TariffChange], exporter: str, importer: str) -> dict[str, TariffChange]:
    return {
        c.group: c
        for c in changes
        if c.group is not None and c.importer == importer and c.exporter in (exporter, ALL)
    }


def _additional(rate: GroupRate, mfn: float, override: TariffChange | None) -> float:
    """Additional duty of a group (points over MFN) after an optional group-level change."""
    add = rate.additional_pct(mfn)
    if override is None:
        return add
    if override.mode == "set":
        return override.rate_pct - mfn
    return add + override.rate_pct


def _third_country_wall(on: date, data: TradeData, mp: ProductMapping, exporter: str, importer: str,
                        third_countries: str) -> tuple[dict[tuple[str, str], float], tuple[str, ...]]:
    """Additional US duties on third countries by (partner, sector) from the wall (``third_countries =
    "wall"``), and the note saying where they come from; empty for the other options."""
    countries = data.countries
    if not (third_countries == "wall" and importer == "USA" and importer in countries):
        return {}, ()
    from tradetalks.policy.wall_sectors import sector_additional

    others = [c for c in countries if c not in (importer, exporter)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LaterChangesUnknownWarning)
            add = sector_additional(on, others, [s for s in data.sectors if s not in mp.untaxed_sectors])
    except ReferenceDataMissingError:
        # The one fallback for every caller (package evaluation, `tradetalks tariffs`): without the
        # weights table (neither the reference folder nor the bundled compact table) third countries face the
        # all-origins measures, and the result says so.
        return {}, (WALL_MISSING_NOTE,)
    return add, (f"US tariffs on third countries: the partner-by-partner US tariff wall in force on "
                 f"{on.isoformat()} (policy.wall; 2025-26 measures added to the dataset's tariffs, "
                 "trade-weighted at 2024 US imports by HS2 chapter)",)


def _exporter_rates(t: FloatArray, t0: FloatArray, i: int, j: int, sectors: Sequence[str], mp: ProductMapping,
                    ms: MeasureSet, rates: dict[str, GroupRate],
                    overrides: dict[str, TariffChange]) -> list[SectorRate]:
    """Set ``t[i, j, :]``: each taxed sector's applied rate plus the trade-weighted additional duties of its
    product groups (in place); the sector rows with their contributions."""
    rows: list[SectorRate] = []
    for k, s in enumerate(sectors):
        if s in mp.untaxed_sectors:
            continue
        base = 100.0 * float(t0[i, j, k])
        contrib: list[tuple[str, float, float]] = []
        for gid, w in mp.sector_weights(s).items():
            if w <= 0.0:
                continue
            g = ms.group(gid)
            mfn = base if g.mfn_pct is None else g.mfn_pct
            contrib.append((gid, w, _additional(rates[gid], mfn, overrides.get(gid))))
        add = float(sum(w * a for _, w, a in contrib))
        t[i, j, k] = (base + add) / 100.0
        rows.append(SectorRate(s, base, add, tuple(contrib)))
    return rows


def tariffs_on(
    on: date,
    data: TradeData | None = None,
    *,
    exporter: str = FOCUS_EXPORTER,
    importer: str = FOCUS_IMPORTER,
    switch_on: Iterable[str] = (),
    switch_off: Iterable[str] = (),
    mapping: ProductMapping | None = None,
    third_countries: str = "all_origins",
    changes: Sequence[TariffChange] = (),
    measures: MeasureSet | None = None,
) -> TariffsInForce:
    """Tariffs in force on a date.

    Parameters
    ----------
    on
        The date.
    data
        Optional dataset: gives the sector rates of the focus pair and the (N, N, S) matrix in force.
    exporter, importer
        Focus pair of the product-group and sector listing (default JPN → USA).
    switch_on, switch_off
        Measure ids forced in or out of force (scenario choices).
    mapping
        Product → sector weights (default: :func:`~tradetalks.policy.mapping.default_mapping` of ``data``).
    third_countries
        ``"all_origins"`` (default) or ``"japan_only"`` (see the module docstring).
    changes
        Explicit tariff changes, applied after the measures.
    measures
        The measure set (default: the facts).

    Returns
    -------
    TariffsInForce
    """
    if third_countries not in THIRD_COUNTRIES:
        raise OptionError("third_countries", THIRD_COUNTRIES, third_countries)
    ms = measures if measures is not None else default_measures()
    on_ids, off_ids = tuple(switch_on), tuple(switch_off)
    ms.check_ids(on_ids + off_ids)
    groups = _group_totals(ms, on, exporter, importer, on_ids, off_ids)
    if data is None:
        return TariffsInForce(on, exporter, importer, groups, (), None, "", mapping, NOTES)
    mp = mapping if mapping is not None else default_mapping(data)
    t0 = data.tariff  # read once: the loops below index it per cell
    t = np.array(t0, dtype=float)
    countries, sectors = data.countries, data.sectors
    sector_rows: list[SectorRate] = []
    wall_add, wall_notes = _third_country_wall(on, data, mp, exporter, importer, third_countries)
    if importer in countries:
        j = countries.index(importer)
        for i, exp in enumerate(countries):
            if exp == importer or (third_countries == "japan_only" and exp != exporter):
                continue
            if wall_add and exp != exporter:
                for k, s in enumerate(sectors):
                    if s not in mp.untaxed_sectors:
                        t[i, j, k] = float(t0[i, j, k]) + wall_add.get((exp, s), 0.0) / 100.0
                continue
            rates = groups if exp == exporter else _group_totals(ms, on, exp, importer, on_ids, off_ids)
            rows = _exporter_rates(t, t0, i, j, sectors, mp, ms, rates, _group_overrides(changes, exp, importer))
            if exp == exporter:
                sector_rows = rows
    t = _apply_sector_changes(t, data, changes)
    if np.any(t < 0):
        raise PolicyError("tariff changes give negative tariffs; expected rates >= 0")
    return TariffsInForce(on, exporter, importer, groups, tuple(sector_rows), t, data.name, mp,
                          NOTES + wall_notes)


def _apply_sector_changes(t: FloatArray, data: TradeData, changes: Sequence[TariffChange]) -> FloatArray:
    out = t.copy()
    for c in changes:
        if c.sector is None:
            continue
        j = data.index(c.importer)
        k = data.sector_index(c.sector)
        exps = range(data.n_countries) if c.exporter == ALL else [data.index(c.exporter)]
        for i in exps:
            if i == j:
                continue
            out[i, j, k] = c.rate_pct / 100.0 if c.mode == "set" else out[i, j, k] + c.rate_pct / 100.0
    return out


def effective_rates(data: TradeData, tariff: npt.ArrayLike | None = None, importer: str = FOCUS_IMPORTER,
                    trade: npt.ArrayLike | None = None) -> pd.DataFrame:
    r"""Trade-weighted effective tariff of one importer, by partner and sector and by partner.

    .. math:: \bar t_{ij} = \frac{\sum_s t_{ijs} X_{ijs}}{\sum_s X_{ijs}}

    Parameters
    ----------
    data
        Dataset (its flows are the statutory weights).
    tariff
        (N, N, S) tariffs (fractions); default the dataset's.
    importer
        The importer whose tariffs are averaged.
    trade
        Optional (N, N, S) weights instead of the dataset's flows, e.g. the flows after the model's
        trade response (``CounterfactualResult.ds["trade_new"]``).

    Returns
    -------
    DataFrame
        One row per (exporter, sector) with ``trade`` and ``rate_pct``, plus one row per exporter with
        ``sector == "ALL"`` (trade-weighted over sectors) and one ``exporter == "ALL"`` row (all partners).
    """
    t = data.tariff if tariff is None else np.asarray(tariff, dtype=float)
    x = data.trade if trade is None else np.asarray(trade, dtype=float)
    j = data.index(importer)
    rows: list[dict[str, Any]] = []
    for i, exp in enumerate(data.countries):
        if i == j:
            continue
        for k, s in enumerate(data.sectors):
            rows.append({"exporter": exp, "sector": s, "trade": float(x[i, j, k]),
                         "rate_pct": 100.0 * float(t[i, j, k])})
        tot = float(x[i, j, :].sum())
        rows.append({"exporter": exp, "sector": "ALL", "trade": tot,
                     "rate_pct": 100.0 * float((t[i, j, :] * x[i, j, :]).sum()) / tot if tot > 0 else 0.0})
    mask = np.ones(data.n_countries, dtype=bool)
    mask[j] = False
    tot_all = float(x[mask, j, :].sum())
    rows.append({"exporter": "ALL", "sector": "ALL", "trade": tot_all,
                 "rate_pct": 100.0 * float((t[mask, j, :] * x[mask, j, :]).sum()) / tot_all if tot_all > 0 else 0.0})
    return pd.DataFrame(rows)
