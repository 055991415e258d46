r"""US tariff scenarios of the 2025 literature, for any dataset and for the two global models.

Scenarios (Ignatenko, Lashkaripour, Macedoni and Simonovska 2025; the ``ustariff`` package of
Lashkaripour built on Lashkaripour 2021):

* ``schedule2025`` — the US "reciprocal" rates announced on 2025-04-02 (Executive Order 14257, Annex I),
  by partner, with the 10 % floor of the paper (MODEL.md §1.4 step 6: Russia 0 → 10 %);
* ``uniform:R`` — one US rate ``R`` on every partner;
* ``targeted:ISO:R`` — rate ``R`` on one partner, others as in the data;
* ``optimal`` — the US's optimal uniform tariff of the model (Lashkaripour: eq. 14 solved jointly with the
  equilibrium; one-sector: the paper's closed form, MODEL.md §3.6),

each crossed with retaliation ``none``, ``reciprocal`` (each partner puts on US goods the rate the US puts on
it) or ``optimal`` (the partners' common optimal rate against the US: one-sector, the paper's closed form;
multi-sector, the rest of the world as one region sets ``t = 1/Σ_k ε_k ω_k`` with ω its trade-weighted
inverse export-supply elasticity to the US, found by a fixed point with the equilibrium). Retaliation tariffs are built by
:mod:`tradetalks.policy.retaliation`, the one builder shared with the sweeps.

**Replace, not add.** A scenario rate *replaces* the factual US tariff on that partner in every sector,
as the peer packages do (so ``targeted:JPN:0.15`` *lowers* the US tariff on Japanese food from its MFN
level); ``combine="add"`` adds it to the factual tariffs instead. Retaliation likewise replaces (or adds to)
the partner's tariff on US goods.

Aggregates in a dataset get trade-weighted rates of their members (US imports in 2023 from the
liberation_day_2025 data): ``EU`` 20 %, ``ROW`` the import-weighted mean of the announced rates of the
economies the dataset does not list. Taiwan is not in those data; its announced rate, 32 %, is taken
from Annex I of Executive Order 14257 (2 April 2025).

Output: :func:`run_scenarios` gives one row per country × scenario × elasticity set × dataset-year with
the solver's convergence status (CSV or Parquet with :func:`write_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import OptionError, PolicyError
from tradetalks.policy.retaliation import reciprocal_tariffs, retaliate_at_rates, set_rates

FloatArray = npt.NDArray[np.float64]
Retaliation = Literal["none", "reciprocal", "optimal"]
RETALIATIONS: tuple[str, ...] = ("none", "reciprocal", "optimal")
Combine = Literal["replace", "add"]
KINDS: tuple[str, ...] = ("schedule2025", "uniform", "targeted", "optimal")
US = "USA"
FLOOR_2025 = 0.10
"""The 10 % baseline rate applied to every partner (MODEL.md §1.4 step 6)."""
EXTRA_RATES_2025 = {"TWN": 0.32}
"""Announced rates for economies absent from liberation_day_2025 (Executive Order 14257, Annex I, 2025-04-02)."""
EU27 = (
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT "
    "ROU SVK SVN SWE"
).split()


@dataclass(frozen=True)
class USScenario:
    """One US tariff scenario.

    Attributes
    ----------
    kind
        ``schedule2025``, ``uniform``, ``targeted`` or ``optimal``.
    retaliation
        ``none``, ``reciprocal`` or ``optimal``.
    rate
        The rate of ``uniform`` / ``targeted`` (fraction).
    partner
        The partner of ``targeted``.
    combine
        ``replace`` (default; the peer packages' convention) or ``add``.
    """

    kind: str
    retaliation: str = "none"
    rate: float | None = None
    partner: str | None = None
    combine: str = "replace"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise OptionError("scenario", KINDS, self.kind)
        if self.retaliation not in RETALIATIONS:
            raise OptionError("retaliation", RETALIATIONS, self.retaliation)
        if self.combine not in ("replace", "add"):
            raise OptionError("combine", ("replace", "add"), self.combine)
        if self.kind in ("uniform", "targeted") and (self.rate is None or not 0 <= self.rate <= 10):
            raise OptionError("rate", "a fraction in [0, 10]", self.rate)
        if self.kind == "targeted" and not self.partner:
            raise OptionError("partner", "an economy label", self.partner)

    @property
    def label(self) -> str:
        base = self.kind
        if self.kind == "uniform":
            base = f"uniform {100 * (self.rate or 0):g}%"
        elif self.kind == "targeted":
            base = f"targeted {self.partner} {100 * (self.rate or 0):g}%"
        extra = "" if self.combine == "replace" else " (added)"
        return f"{base}{extra} | retaliation {self.retaliation}"


def parse_scenario(text: str, retaliation: str = "none", combine: str = "replace") -> USScenario:
    """``schedule2025`` | ``uniform:0.1`` | ``targeted:JPN:0.25`` | ``optimal`` → :class:`USScenario`."""
    parts = text.strip().split(":")
    try:
        if parts[0] == "uniform" and len(parts) == 2:
            return USScenario("uniform", retaliation, rate=float(parts[1]), combine=combine)
        if parts[0] == "targeted" and len(parts) == 3:
            return USScenario(
                "targeted", retaliation, rate=float(parts[2]), partner=parts[1], combine=combine
            )
    except ValueError:
        raise OptionError("scenario rate", "a number (fraction, e.g. 0.25)", text) from None
    if parts[0] in ("schedule2025", "optimal") and len(parts) == 1:
        return USScenario(parts[0], retaliation, combine=combine)
    raise OptionError("scenario", ("schedule2025", "uniform:RATE", "targeted:ISO3:RATE", "optimal"), text)


def all_scenarios(
    kinds: Iterable[USScenario], retaliations: Sequence[str] = RETALIATIONS
) -> list[USScenario]:
    """Each scenario × each retaliation mode."""
    return [USScenario(s.kind, r, s.rate, s.partner, s.combine) for s in kinds for r in retaliations]


# --------------------------------------------------------------------------------------------
# the 2025 schedule on a dataset's economies
# --------------------------------------------------------------------------------------------


def schedule_2025(countries: Sequence[str], folder: Path | None = None) -> dict[str, float]:
    """The announced US rate (10 % floor) on each economy of a dataset, by label.

    ISO3 labels take their rate; ``EU``/``EU27`` 20 %; ``TWN`` 32 % (:data:`EXTRA_RATES_2025`); any other
    label (``ROW``, aggregates) the 2023-US-import-weighted mean over the economies not listed.

    Raises
    ------
    ReferenceDataMissingError
        The liberation_day_2025 reference folder is absent.
    """
    from tradetalks.data.readers.liberation_day import read_baseline
    from tradetalks.data.registry import dataset_folder

    lb = read_baseline(folder if folder is not None else dataset_folder("liberation2025"))
    rates = {c: max(FLOOR_2025, float(r)) for c, r in zip(lb.countries, lb.us_tariff, strict=True)}
    rates.update(EXTRA_RATES_2025)
    us_imp = {c: float(v) for c, v in zip(lb.countries, lb.trade_raw[:, lb.index(US)], strict=True)}
    listed = set(countries) | ({*EU27} if {"EU", "EU27"} & set(countries) else set())
    rest = [c for c in lb.countries if c not in listed and c != US]
    w = np.array([us_imp[c] for c in rest])
    rest_rate = float(np.average([rates[c] for c in rest], weights=w)) if w.sum() > 0 else FLOOR_2025
    out: dict[str, float] = {}
    for c in countries:
        if c == US:
            continue
        if c in rates:
            out[c] = rates[c]
        elif c in ("EU", "EU27"):
            out[c] = 0.20
        else:
            out[c] = rest_rate
    return out


def us_tariffs(
    data: TradeData, rates: dict[str, float], combine: str = "replace", tariff: FloatArray | None = None
) -> FloatArray:
    """Tariffs with the US rate on each listed partner in every sector: replaced (default) or added.

    Parameters
    ----------
    rates
        Rate by partner label; partners not listed keep their factual US tariffs.
    tariff
        Tariffs to start from (default the data's).
    """
    us = data.index(US)
    t = data.tariff if tariff is None else tariff
    return set_rates(t, ((data.index(c), us, r) for c, r in rates.items()), combine)


def reciprocal(
    data: TradeData, t: FloatArray, rates: dict[str, float], combine: str = "replace"
) -> FloatArray:
    """Each partner puts on US goods (every sector) the rate the US puts on it in ``rates``
    (:func:`tradetalks.policy.retaliation.retaliate_at_rates`)."""
    return retaliate_at_rates(t, data.index(US), {data.index(c): r for c, r in rates.items()}, combine)


def scenario_rates(data: TradeData, sc: USScenario, folder: Path | None = None) -> dict[str, float]:
    """The US rate on each partner a (non-optimal) scenario sets."""
    partners = [c for c in data.countries if c != US]
    if sc.kind == "schedule2025":
        return schedule_2025(data.countries, folder)
    if sc.kind == "uniform":
        return {c: float(sc.rate or 0.0) for c in partners}
    if sc.kind == "targeted":
        data.index(str(sc.partner))
        return {str(sc.partner): float(sc.rate or 0.0)}
    raise PolicyError(f"scenario '{sc.kind}': its rates come from the model (optimal), not a schedule")


# --------------------------------------------------------------------------------------------
# running scenarios on the two global models
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScenarioOutcome:
    """One solved scenario: a per-country table and convergence."""

    scenario: USScenario
    frame: pd.DataFrame
    converged: bool
    iterations: int
    residual: float
    us_rate: float | None
    retaliation_rate: float | None


def _lk_frame(res: object) -> pd.DataFrame:
    from tradetalks.results.counterfactual import CounterfactualResult

    assert isinstance(res, CounterfactualResult)
    df = res.to_frame("country")
    inc0 = res.ds["income_base"].values
    inc1 = res.ds["income_new"].values
    out = pd.DataFrame(index=df.index)
    out["welfare_pct"] = df["welfare_pct"]
    out["wage_pct"] = df["wage_pct"]
    out["exports_pct"] = 100.0 * (df["exports_new"] / df["exports_base"] - 1.0)
    out["imports_pct"] = 100.0 * (df["imports_new"] / df["imports_base"] - 1.0)
    out["exports_gdp_pct"] = 100.0 * ((df["exports_new"] / inc1) / (df["exports_base"] / inc0) - 1.0)
    out["imports_gdp_pct"] = 100.0 * ((df["imports_new"] / inc1) / (df["imports_base"] / inc0) - 1.0)
    out["balance_base"] = df["balance_base"]
    out["balance_new"] = df["balance_new"]
    out["revenue_gdp_pct"] = 100.0 * df["revenue_new"] / inc1
    return out


def _rest_retaliation_rate(base: object, eq: object, us: int) -> float:
    """Rest of the world as one region: ``1/Σ_k ε_k ω_k`` with ω its export-supply term to the US."""
    from tradetalks.model.lashkaripour import LBaseline, LEquilibrium

    assert isinstance(base, LBaseline) and isinstance(eq, LEquilibrium)
    mask = np.arange(base.n) != us
    x = eq.trade_new[mask, us, :]  # (N-1, S) flows into the US
    share_rest = eq.lam_new[mask, us, :].sum(axis=0)  # (S,) the region's share of US spending
    omega = x.sum(axis=0) * (1.0 - share_rest) / max(float(x.sum()), 1e-300)
    return float(1.0 / max(float((base.eps * omega).sum()), 1.0))


def run_lashkaripour(
    data: TradeData,
    sc: USScenario,
    *,
    baseline: object | None = None,
    folder: Path | None = None,
    fixed_point_tol: float = 1e-8,
    max_rounds: int = 50,
) -> ScenarioOutcome:
    """Solve one scenario on the Lashkaripour (2021) model from the balanced baseline."""
    from tradetalks.model import lashkaripour as lk
    from tradetalks.model import lashkaripour_data as lkd
    from tradetalks.model import lashkaripour_equilibrium as lke
    from tradetalks.model import lashkaripour_tariffs as lkt
    from tradetalks.model.common import SolverOptions

    base = baseline if baseline is not None else lkd.baseline_from_data(data)
    assert isinstance(base, lk.LBaseline)
    us = data.index(US)
    opts = SolverOptions()
    partners = [c for c in data.countries if c != US]
    rates = None if sc.kind == "optimal" else scenario_rates(data, sc, folder)
    t_ret: float | None = None
    us_rate: float | None = None

    def solve(t_others: FloatArray) -> tuple[lk.LEquilibrium, float | None]:
        if rates is None:
            sol = lkt.optimal_uniform_tariff(base, us, others=t_others, options=opts)
            return sol.eq, float(sol.tariffs[0])
        return lke.solve_equilibrium(base, _apply(t_others), options=opts), None

    def _apply(t_others: FloatArray) -> FloatArray:
        assert rates is not None
        return us_tariffs(data, rates, sc.combine, t_others)

    t0 = np.array(base.tariff)
    if sc.retaliation == "reciprocal" and rates is not None:
        t0 = reciprocal_tariffs(t0, us_tariffs(data, rates, sc.combine, t0), combine=sc.combine, imposer=us,
                                partners=[data.index(c) for c in rates])
    eq, us_rate = solve(t0)
    fixed_point_ok = True
    if sc.retaliation == "reciprocal" and rates is None:  # mirror the optimal uniform rate
        assert us_rate is not None
        fixed_point_ok = False
        for _ in range(max_rounds):
            t1 = reciprocal(data, np.array(base.tariff), {c: us_rate for c in partners}, sc.combine)
            eq, new = solve(t1)
            assert new is not None
            done = abs(new - us_rate) < fixed_point_tol
            us_rate = new
            if done:
                fixed_point_ok = True
                break
    if sc.retaliation == "optimal":
        t_ret = _rest_retaliation_rate(base, eq, us)
        fixed_point_ok = False
        for _ in range(max_rounds):
            t1 = reciprocal(data, np.array(base.tariff), {c: t_ret for c in partners}, sc.combine)
            eq, us_new = solve(t1)
            new = _rest_retaliation_rate(base, eq, us)
            done = abs(new - t_ret) < fixed_point_tol and (
                us_rate is None or us_new is None or abs(us_new - us_rate) < fixed_point_tol
            )
            t_ret, us_rate = new, us_new
            if done:
                fixed_point_ok = True
                break
    res = lkd.result_from_equilibrium(data, base, eq, {"scenario": sc.label})
    frame = _lk_frame(res)
    ok = eq.info.converged and fixed_point_ok  # the equilibrium and, with retaliation, the rates' fixed point
    return ScenarioOutcome(sc, frame, ok, eq.info.iterations, eq.info.residual, us_rate, t_ret)


def run_onesector(
    data_or_base: object,
    sc: USScenario,
    *,
    data: TradeData | None = None,
    params: object | None = None,
    folder: Path | None = None,
) -> ScenarioOutcome:
    """Solve one scenario on the one-sector model with employment (zero-tariff or data baseline)."""
    from tradetalks.model import onesector as os1
    from tradetalks.model import onesector_cases as os1c

    base = data_or_base
    assert isinstance(base, os1.OSBaseline)
    p = params if params is not None else os1.OSParams()
    assert isinstance(p, os1.OSParams)
    n = base.n
    us = base.index(US)
    partners = [c for c in base.countries if c != US]
    t = np.array(base.tariff)
    us_rate: float | None = None
    t_ret: float | None = None
    if sc.kind == "optimal":
        us_rate = os1c.optimal_us_tariff(
            base, p, denominator="income" if sc.retaliation == "optimal" else "expenditure"
        )
        rates = {c: us_rate for c in partners}
    elif sc.kind == "schedule2025":
        rates = schedule_2025(list(base.countries), folder)
    elif sc.kind == "uniform":
        rates = {c: float(sc.rate or 0.0) for c in partners}
    else:
        base.index(str(sc.partner))
        rates = {str(sc.partner): float(sc.rate or 0.0)}
    idx = {base.index(c): r for c, r in rates.items()}
    t = set_rates(t, ((j, us, r) for j, r in idx.items()), sc.combine)
    if sc.retaliation == "reciprocal":
        t = reciprocal_tariffs(base.tariff, t, combine=sc.combine, imposer=us, partners=list(idx))
    elif sc.retaliation == "optimal":
        t_ret = os1c.optimal_retaliation_rate(base, p)
        t = retaliate_at_rates(t, us, dict.fromkeys(range(n), t_ret), sc.combine)
    res = os1c.run(base, t, sc.label, p)
    info = res.eq.info
    return ScenarioOutcome(sc, res.frame, info.converged, info.iterations, info.residual, us_rate, t_ret)


def run_scenarios(
    datasets: Sequence[tuple[str, str | None, TradeData]],
    scenarios: Sequence[USScenario],
    model: str = "lashkaripour",
    progress: Callable[[str], None] | None = None,
    flows: str = "data",
) -> pd.DataFrame:
    """Every scenario on every (dataset, elasticity set) — one row per country × scenario × set × dataset.

    Parameters
    ----------
    datasets
        ``(dataset name, elasticity set or None, loaded data)`` triples.
    model
        ``lashkaripour`` (multi-sector, balanced baseline) or ``onesector`` (sectors summed; ν from the
        data when present, else the Eaton–Kortum case).
    progress
        Called with a short description after each solve.
    flows
        Lashkaripour model: ``"data"`` (pre-tariff flows) or ``"gross"`` (flows are spending gross of
        tariffs, as the tariffwar/ustariff packages read their cubes).
    """
    from tradetalks.model import lashkaripour as lk
    from tradetalks.model import lashkaripour_data as lkd
    from tradetalks.model import onesector as os1

    if model not in ("lashkaripour", "onesector"):
        raise OptionError("model", ("lashkaripour", "onesector"), model)
    rows = []
    for name, eset, data in datasets:
        if model == "lashkaripour":
            base: object = lkd.baseline_from_data(data, flows=flows)
        else:
            base = os1.baseline_from_data(data)
        year = data.attrs.get("year", "")
        for sc in scenarios:
            if model == "lashkaripour":
                out = run_lashkaripour(data, sc, baseline=base)
            else:
                out = run_onesector(base, sc)
            f = out.frame.copy()
            f.insert(0, "dataset", name)
            f.insert(1, "year", year)
            if eset:
                elabel = eset
            elif model == "lashkaripour":
                elabel = lk.elasticities_of(data)[1]
            else:
                elabel = "eps 4 (1 sector)"
            f.insert(2, "elasticities", elabel)
            f.insert(3, "model", model)
            f.insert(
                4, "scenario", sc.kind if sc.kind not in ("uniform", "targeted") else sc.label.split(" | ")[0]
            )
            f.insert(5, "retaliation", sc.retaliation)
            f.insert(6, "combine", sc.combine)
            f["us_rate"] = out.us_rate
            f["retaliation_rate"] = out.retaliation_rate
            f["converged"] = out.converged
            f["iterations"] = out.iterations
            f["residual"] = out.residual
            rows.append(f.reset_index())
            if progress is not None:
                progress(f"{name} {eset or ''} {sc.label}")
    return pd.concat(rows, ignore_index=True)


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a scenario table as ``.csv`` or ``.parquet`` (by suffix)."""
    p = Path(path)
    if p.suffix == ".parquet":
        df.to_parquet(p, index=False)
    elif p.suffix == ".csv":
        df.to_csv(p, index=False)
    else:
        raise OptionError("output file", (".csv", ".parquet"), p.suffix or str(p))
    return p


__all__ = [
    "RETALIATIONS",
    "ScenarioOutcome",
    "USScenario",
    "all_scenarios",
    "parse_scenario",
    "reciprocal",
    "run_lashkaripour",
    "run_onesector",
    "run_scenarios",
    "scenario_rates",
    "schedule_2025",
    "us_tariffs",
    "write_table",
]
