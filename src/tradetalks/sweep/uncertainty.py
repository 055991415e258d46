r"""Bands on headline figures: one evaluated scenario re-solved over elasticity draws and side-item cases.

Members
-------
Each scenario is solved for M elasticity members (the central σ, Monte Carlo draws, named published
sets; :mod:`tradetalks.sweep.draws`) crossed with C side-item cases (low / central / high valuation of
investment pledges as net-export changes), B = M × C equilibria in **one batched Newton solve**
(:func:`tradetalks.model.ossa_batch.solve_equilibrium_batch`; members differ in σ and, under the ``balanced``
closure, in their purged baseline). The tariff matrix of the scenario does not depend on σ and is taken
from the one policy evaluation.

Purchase commitments are met in every member as in the policy evaluation (a demand shifter
:math:`\hat b` on the committed cell such that the new flow equals the target: ``level`` = amount,
``incremental`` = the member's own flow without commitments + amount; a level target that the flow
already exceeds does not bind). The shifters of all members are found together by the iteration

.. math:: \ln \hat b \leftarrow \ln \hat b - \frac{\ln(X'/\bar X)}{1 - s'},

where :math:`1 - s'` (one minus the new import share of the cell) is :math:`\partial \ln X'/\partial \ln
\hat b` at given wages and incomes, each step a warm-started batched solve, to a relative error of
``COMMITMENT_RTOL``.

Headline figures of each member come from the one report of the policy layer
(:func:`tradetalks.policy.report.headline`), so a band is a band of exactly the figure the CLI prints.

Bands
-----
A band is the 5–95 % range (linear interpolation between order statistics) of a figure over the members
of a source: ``mc`` (Monte Carlo draws at the central side items), ``sets`` (named sets at the central
side items), ``side`` (central σ, each side-item case) or ``all`` (every member and case, equal weights).
Members whose solve (or commitment fit) did not converge are counted (``n``, ``n_converged``,
``share_converged``) and left out of the percentiles — never dropped silently. Bands of a difference
between two scenarios are taken member by member (common random numbers).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ConvergenceWarning, SweepSpecError
from tradetalks.model import ossa, ossa_batch
from tradetalks.model.common import SolveInfo, SolverOptions
from tradetalks.results.counterfactual import CounterfactualResult
from tradetalks.sweep.draws import DrawOptions, ElasticityDraws, central_sigma, make_draws

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

BandSource = Literal["mc", "sets", "side", "all"]
BAND_SOURCES: tuple[str, ...] = ("mc", "sets", "side", "all")
PERCENTILES: tuple[float, float] = (5.0, 95.0)
COMMITMENT_RTOL = 1e-10
MAX_COMMITMENT_STEPS = 40
PLEDGE_FACTORS: dict[str, float] = {"low": 0.0, "central": 1.0, "high": 1.5}
"""Stated low / central / high valuation of an investment pledge as multiples of the scenario's own annual
net-export change: low = no transfer (loans and guarantees at market terms), high = 1.5 times the stated
one. Used only when the policy layer offers no valuation band of its own."""


@dataclass(frozen=True)
class Commitment:
    """A purchase commitment as the batched re-fit needs it (cell indices, US$ millions a year)."""

    name: str
    exporter: int
    importer: int
    sector: int
    kind: str
    amount: float


@dataclass(frozen=True, eq=False)
class SideCase:
    """One side-item assumption: the net-export change it implies (US$ millions a year) and what it is."""

    label: str
    nx_change: FloatArray | None
    note: str


@dataclass(frozen=True, eq=False)
class ScenarioInputs:
    """What a batched re-solve needs of one evaluated scenario (built by :func:`inputs_from_evaluation`).

    Attributes
    ----------
    name
        Scenario name.
    tariff
        (N, N, S) tariffs of the scenario.
    closure
        ``"data"`` or ``"balanced"``.
    commitments
        Purchase commitments to meet in every member.
    side_cases
        Side-item cases; the one labelled ``central`` is the scenario as evaluated.
    template
        The evaluated object the headline function takes (its GE result is replaced member by member).
    """

    name: str
    tariff: FloatArray
    closure: str
    commitments: tuple[Commitment, ...]
    side_cases: tuple[SideCase, ...]
    template: Any


def _pledge_cases(pr: Any, data: TradeData) -> tuple[SideCase, ...]:
    """Side-item cases of an evaluated package's investment pledges.

    ``central`` is the package as evaluated. ``low`` and ``high`` replace each pledge's annual net-export
    change by the low and high annual transfer of :func:`tradetalks.policy.pledge.value_pledge` (the
    vehicle valued from its terms; per US$ pledged, scaled to the pledge's amount). Without that module,
    the stated :data:`PLEDGE_FACTORS` multiples of the evaluated change are used.
    """
    nx = getattr(pr, "nx_change", None)
    if nx is None or not np.any(np.asarray(nx) != 0):
        return (SideCase("central", None, "no side item with a valuation band"),)
    nx = np.asarray(nx, dtype=float)
    pledges = [p for p in getattr(getattr(pr, "package", None), "pledges", ()) if p.valuation != "ignore"]
    try:
        from tradetalks.policy.pledge import value_pledge
    except ImportError:  # pragma: no cover - before the pledge valuation of issue 10
        pledges = []
    if not pledges:
        return tuple(SideCase(k, nx * f, f"pledge transfer x {f:g} of the package's ({k}; stated)")
                     for k, f in PLEDGE_FACTORS.items())
    band = value_pledge()
    per_bn = {c: v.annual_transfer_usd_bn / band.terms.total_usd_bn for c in ("low", "high")
              for v in [band.case(c)]}
    cases = []
    for c in ("low", "high"):
        d = np.zeros(data.n_countries)
        for p in pledges:
            t = per_bn[c] * p.usd_bn * 1000.0  # US$ millions a year
            d[data.index(p.investor)] += t
            d[data.index(p.host)] -= t
        cases.append(SideCase(c, d, f"pledge as the {c} annual transfer of policy.pledge.value_pledge "
                              f"({per_bn[c] * 1000:.2f} US$m a year per US$bn pledged)"))
    central = SideCase("central", nx, "pledge as valued in the package evaluated")
    return (cases[0], central, cases[1])


def inputs_from_evaluation(pr: Any, data: TradeData, side_cases: Sequence[SideCase] | None = None) -> ScenarioInputs:
    """Collect the scenario's tariffs, closure, commitments and side-item cases from a policy evaluation.

    Parameters
    ----------
    pr
        A :class:`tradetalks.policy.evaluate.PackageResult`.
    data
        The dataset it was evaluated on.
    side_cases
        Side-item cases; default: the pledges' low / central / high cases (:func:`_pledge_cases`).
    """
    tariff = np.asarray(pr.result.ds["tariff_new"].values, dtype=float)
    comms = tuple(
        Commitment(c.name, data.index(c.exporter), data.index(c.importer), data.sector_index(c.sector), c.kind,
                   float(c.amount))
        for c in getattr(pr, "commitments", ()) if getattr(c, "cost", None) is None  # wedges: no demand shift
    )
    cases = tuple(side_cases) if side_cases is not None else _pledge_cases(pr, data)
    if "central" not in [c.label for c in cases]:
        raise SweepSpecError("side_cases", "one case labelled 'central'", str([c.label for c in cases]))
    name = pr.package.name if hasattr(pr, "package") else pr.spec.name
    return ScenarioInputs(str(name), tariff, str(pr.result.closure), comms, cases, pr)


# --------------------------------------------------------------------------------------------
# batched solve of members
# --------------------------------------------------------------------------------------------


def _repeat(pb: ossa_batch.OssaParamBatch, c: int) -> ossa_batch.OssaParamBatch:
    if c == 1:
        return pb
    fields = {f.name: getattr(pb, f.name) for f in dataclasses.fields(pb)}
    per_member = ("sigma", "labour_income")  # always (B, ...); the others are (1, ...) when shared
    return ossa_batch.OssaParamBatch(**{k: (a if a.shape[0] == 1 and k not in per_member else np.repeat(a, c, axis=0))
                                  for k, a in fields.items()})


@dataclass(frozen=True, eq=False)
class MemberSolution:
    """Solved members of one scenario: B = M × C (member-major), their baselines and convergence."""

    batch: ossa_batch.OssaParamBatch
    eq: ossa.Equilibrium
    converged: BoolArray
    n_members: int
    n_cases: int


def _shift(n: int, s: int, b: int, comms: Sequence[Commitment], logb: FloatArray) -> FloatArray:
    arr = np.ones((b, n, n, s))
    for q, c in enumerate(comms):
        arr[:, c.exporter, c.importer, c.sector] *= np.exp(logb[:, q])
    return arr


BLOCK = 128
"""Members per batched Newton solve: blocks of this size keep the (B, N, N, S) arrays in cache (measured
on world2014: 128 per block is 2-3 times faster per solve than 1,000 at once)."""


def solve_members(
    data: TradeData, inputs: ScenarioInputs, sigma: FloatArray, options: SolverOptions = SolverOptions(),
    block: int = BLOCK,
) -> MemberSolution:
    """Solve a scenario for every elasticity member × side-item case, in batched solves of about ``block``
    equilibria each (see module)."""
    c = len(inputs.side_cases)
    step = max(1, block // c)
    # every member starts from the equilibrium at the dataset's central sigma (first side case): each member's
    # Newton path then depends on its own inputs only, so blocks and partitions give the same numbers
    start = _solve_block(data, dataclasses.replace(inputs, side_cases=inputs.side_cases[:1], commitments=()),
                         central_sigma(data)[None], options)
    warm = (np.log(start.eq.w_hat), np.log(start.eq.e_hat)) if start.converged.all() else None
    parts = [_solve_block(data, inputs, sigma[k:k + step], options, warm) for k in range(0, sigma.shape[0], step)]
    return parts[0] if len(parts) == 1 else _concat(parts)


def _concat(parts: Sequence[MemberSolution]) -> MemberSolution:
    def cat(arrs: Sequence[FloatArray], per_member: bool) -> FloatArray:
        if not per_member and all(a.shape[0] == 1 for a in arrs):
            return arrs[0]
        return np.concatenate(arrs, axis=0)

    sizes = [p.eq.w_hat.shape[0] for p in parts]
    fields = [f.name for f in dataclasses.fields(ossa_batch.OssaParamBatch)]
    batch = ossa_batch.OssaParamBatch(**{
        k: cat([np.broadcast_to(getattr(p.batch, k), (n, *getattr(p.batch, k).shape[1:]))
                if getattr(p.batch, k).shape[0] != 1 or k in ("sigma", "labour_income") else getattr(p.batch, k)
                for p, n in zip(parts, sizes, strict=True)], k in ("sigma", "labour_income"))
        for k in fields})
    eqs = [p.eq for p in parts]
    info = SolveInfo(all(e.info.converged for e in eqs), max(e.info.iterations for e in eqs),
                          max(e.info.residual for e in eqs), sum(e.info.seconds for e in eqs), eqs[0].info.method)
    def cat_eq(k: str) -> FloatArray:
        return np.concatenate([getattr(e, k) for e in eqs])

    eq = ossa.Equilibrium(cat_eq("w_hat"), cat_eq("e_hat"), cat_eq("trade_new"), cat_eq("share"), cat_eq("p_hat"),
                          cat_eq("tariff_new"), cat_eq("nx_new"), info, np.concatenate([e.converged_each for e in eqs]))
    return MemberSolution(batch, eq, np.concatenate([p.converged for p in parts]),
                          sum(p.n_members for p in parts), parts[0].n_cases)


def _solve_block(
    data: TradeData, inputs: ScenarioInputs, sigma: FloatArray, options: SolverOptions,
    x0: tuple[FloatArray, FloatArray] | None = None,
) -> MemberSolution:
    m, c = sigma.shape[0], len(inputs.side_cases)
    pb = ossa_batch.calibrate_batch(data.trade, data.tariff, sigma)
    quiet = dataclasses.replace(options, strict=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # counted per member below, never hidden
        if inputs.closure == "balanced":
            pb = ossa_batch.purge_deficits_batch(pb, quiet)
        pb = _repeat(pb, c)
        b, n = m * c, data.n_countries
        nx0 = np.broadcast_to(pb.nx, (b, n))
        d = np.stack([np.zeros(n) if k.nx_change is None else np.asarray(k.nx_change, float)
                      for k in inputs.side_cases])
        nx_new = nx0 + np.tile(d, (m, 1))
        eq = ossa_batch.solve_equilibrium_batch(pb, inputs.tariff, nx_new=nx_new, x0=x0, options=quiet)
        ok = eq.converged_each.copy()
        comms = inputs.commitments
        if comms:
            eq, met = _fit_commitments(pb, inputs.tariff, nx_new, comms, eq, quiet)
            ok &= met & eq.converged_each
    return MemberSolution(pb, eq, ok, m, c)


def _fit_commitments(
    pb: ossa_batch.OssaParamBatch, tariff: FloatArray, nx_new: FloatArray, comms: Sequence[Commitment],
    eq0: ossa.Equilibrium, options: SolverOptions,
) -> tuple[ossa.Equilibrium, BoolArray]:
    ii = np.array([k.exporter for k in comms])
    jj = np.array([k.importer for k in comms])
    kk = np.array([k.sector for k in comms])
    amount = np.array([k.amount for k in comms])
    incr = np.array([k.kind == "incremental" for k in comms])
    flow0 = eq0.trade_new[:, ii, jj, kk]
    target = np.where(incr, flow0 + amount, amount)
    binding = incr | (target > flow0)
    b, n = eq0.w_hat.shape
    s = pb.trade.shape[3]
    logb = np.zeros((b, len(comms)))
    eq = eq0
    done = ~binding.any(axis=1)
    for _ in range(MAX_COMMITMENT_STEPS):
        x0 = (np.log(eq.w_hat), np.log(eq.e_hat))
        eq = ossa_batch.solve_equilibrium_batch(pb, tariff, demand_shift=_shift(n, s, b, comms, logb), nx_new=nx_new,
                                          x0=x0, options=options)
        flow = eq.trade_new[:, ii, jj, kk]
        ratio = np.where(binding, flow / target, 1.0)
        done = np.all(np.abs(ratio - 1.0) <= COMMITMENT_RTOL, axis=1)
        if np.all(done | ~eq.converged_each):
            break
        slope = np.maximum(1.0 - eq.share[:, ii, jj, kk], 0.05)
        logb = logb - np.where(binding, np.log(np.maximum(ratio, 1e-300)) / slope, 0.0)
    return eq, np.asarray(done, dtype=bool)


def _member_eq(eq: ossa.Equilibrium, k: int) -> ossa.Equilibrium:
    sl = slice(k, k + 1)
    return ossa.Equilibrium(eq.w_hat[sl], eq.e_hat[sl], eq.trade_new[sl], eq.share[sl], eq.p_hat[sl],
                            eq.tariff_new[sl], eq.nx_new[sl], eq.info, eq.converged_each[sl])


def member_result(data: TradeData, sol: MemberSolution, k: int, closure: str) -> CounterfactualResult:
    """Member ``k`` of a solution as an ordinary :class:`CounterfactualResult`."""
    return ossa.result_from_equilibrium(data, sol.batch.member(k), _member_eq(sol.eq, k), closure)


def policy_headline(template: Any, result: CounterfactualResult) -> Mapping[str, float]:
    """The policy layer's headline figures (the one outcome report) of an evaluated scenario whose GE result
    is ``result``."""
    pr = dataclasses.replace(template, result=result, result_tariffs_only=result)
    try:
        from tradetalks.policy.outcome import outcome
    except ImportError:  # pragma: no cover - before the outcome report of issue 9
        from tradetalks.policy.report import headline

        return headline(pr)
    o = outcome(pr)
    out = o.headline()
    for country in o.sector_output_pct.columns:  # sector output by party: '<country>.output_pct.<sector>'
        for sector, v in o.sector_output_pct[country].items():
            out[f"{country}.output_pct.{sector}"] = float(v)
    return out


def unit_of(metric: str) -> str:
    """Unit of a headline key: ``%`` for ``*_pct`` figures (and sector output ``*.output_pct.*``), US$bn
    for levels."""
    return "%" if metric.endswith("_pct") or ".output_pct." in metric else "US$bn"


def batch_headline(sol: MemberSolution, countries: Sequence[str], sectors: Sequence[str],
                   parties: tuple[str, str] = ("USA", "JPN"), auto_sector: str = "motor_vehicles",
                   gdp: FloatArray | None = None, side_ev: FloatArray | None = None) -> dict[str, FloatArray]:
    r"""The headline figures of :meth:`tradetalks.policy.outcome.Outcome.headline` for every member at
    once, (B,) arrays under the same keys and with the same definitions (see :mod:`tradetalks.policy.outcome`:
    welfare :math:`100(\hat W - 1)`, EV :math:`(\hat W - 1) E`, % of GDP :math:`100\,EV/GDP` (NaN without
    the dataset's GDP, ``gdp`` (N,) US$ millions),
    wages, real wages :math:`\hat w \hat W/\hat E`, exports, imports, revenue, the bilateral balance,
    effective rates, auto output and exports; others = third countries), and the parties' output change by
    sector (``<country>.output_pct.<sector>``, as the report's ``sector_output_pct``).

    Building the report member by member costs tens of milliseconds each (labelled tables); this does it
    on the batch arrays. ``tests/test_uncertainty.py`` holds the two equal member by member.
    """
    pb, eq = sol.batch, sol.eq
    b, n = eq.w_hat.shape
    xb = np.broadcast_to(pb.trade, eq.trade_new.shape)
    xn = eq.trade_new
    tb = np.broadcast_to(pb.tariff, xn.shape)
    tn = eq.tariff_new
    cs = list(countries)
    a_, b_ = parties
    s = list(sectors).index(auto_sector)
    w = ossa_batch.welfare_hat_batch(pb, eq)
    e0 = np.broadcast_to(pb.expenditure, (b, n))
    gdp_b = np.full((b, n), np.nan) if gdp is None else np.broadcast_to(np.asarray(gdp, dtype=float), (b, n))
    ev = (w - 1.0) * e0 + (0.0 if side_ev is None else np.asarray(side_ev, dtype=float))  # + purchases (H-int)
    diag = np.arange(n)
    out: dict[str, FloatArray] = {}

    def flows(x: FloatArray, axis: tuple[int, int]) -> FloatArray:
        return np.asarray(x.sum(axis=axis) - x[:, diag, diag, :].sum(axis=-1))

    def weighted(t: FloatArray, x: FloatArray) -> FloatArray:
        tot = x.sum(axis=-1)
        return np.where(tot > 0, 100.0 * (t * x).sum(axis=-1) / np.where(tot > 0, tot, 1.0), 0.0)

    ia, ib = cs.index(a_), cs.index(b_)
    out[f"balance.{a_}-{b_}.before"] = (xb[:, ia, ib].sum(-1) - xb[:, ib, ia].sum(-1)) / 1e3
    out[f"balance.{a_}-{b_}.after"] = (xn[:, ia, ib].sum(-1) - xn[:, ib, ia].sum(-1)) / 1e3
    exp_b, exp_n = flows(xb, (2, 3)), flows(xn, (2, 3))
    imp_b, imp_n = flows(xb, (1, 3)), flows(xn, (1, 3))
    rev_b, rev_n = (tb * xb).sum(axis=(1, 3)), (tn * xn).sum(axis=(1, 3))
    out_b, out_n = xb.sum(axis=2)[:, :, s], xn.sum(axis=2)[:, :, s]
    for x, y in ((a_, b_), (b_, a_)):
        k, m = cs.index(x), cs.index(y)
        p_hat = eq.e_hat[:, k] / w[:, k]
        out[f"{x}.welfare_pct"] = 100.0 * ev[:, k] / e0[:, k]
        out[f"{x}.welfare_gdp_pct"] = np.where(gdp_b[:, k] > 0, 100.0 * ev[:, k] / gdp_b[:, k], np.nan)
        out[f"{x}.wage_pct"] = 100.0 * (eq.w_hat[:, k] - 1.0)
        out[f"{x}.real_wage_pct"] = 100.0 * (eq.w_hat[:, k] / p_hat - 1.0)
        out[f"{x}.exports_before"], out[f"{x}.exports_after"] = exp_b[:, k] / 1e3, exp_n[:, k] / 1e3
        out[f"{x}.imports_before"], out[f"{x}.imports_after"] = imp_b[:, k] / 1e3, imp_n[:, k] / 1e3
        out[f"{x}.revenue_before"], out[f"{x}.revenue_after"] = rev_b[:, k] / 1e3, rev_n[:, k] / 1e3
        out[f"{x}.welfare_ev"] = ev[:, k] / 1e3
        out[f"{x}.auto_output_pct"] = np.where(out_b[:, k] > 0, 100.0 * (out_n[:, k] / np.where(
            out_b[:, k] > 0, out_b[:, k], 1.0) - 1.0), 0.0)
        e_0, e_1 = xb[:, k, m, s], xn[:, k, m, s]
        out[f"{x}.auto_exports_to_{y}_pct"] = np.where(e_0 > 0, 100.0 * (e_1 / np.where(e_0 > 0, e_0, 1.0) - 1.0),
                                                       np.nan)
        out[f"{x}.tariff_on_{y}_statutory_pct"] = weighted(tn[:, m, k], xb[:, m, k])
        out[f"{x}.tariff_on_{y}_after_response_pct"] = weighted(tn[:, m, k], xn[:, m, k])
        out[f"{x}.tariff_on_{y}_before_pct"] = weighted(tb[:, m, k], xb[:, m, k])
    third = [k for k, c in enumerate(cs) if c not in parties]
    out["others.welfare_pct"] = 100.0 * (ev[:, third] / e0[:, third]).mean(axis=1) if third else np.full(b, np.nan)
    out["others.welfare_ev"] = ev[:, third].sum(axis=1) / 1e3 if third else np.full(b, np.nan)
    sec_b, sec_n = xb.sum(axis=2), xn.sum(axis=2)  # (B, N, S) gross output by sector
    with np.errstate(divide="ignore", invalid="ignore"):
        for x in parties:
            k = cs.index(x)
            for q, sector in enumerate(sectors):
                out[f"{x}.output_pct.{sector}"] = 100.0 * (sec_n[:, k, q] / sec_b[:, k, q] - 1.0)
    return out


def template_headline(sol: MemberSolution, data: TradeData, template: Any,
                      parties: tuple[str, str] = ("USA", "JPN")) -> dict[str, FloatArray]:
    """:func:`batch_headline` with what the evaluated scenario adds: the dataset's GDP and the side items'
    welfare (``gdp_usd_m``, ``side_ev_usd_m`` of the evaluation; held at their central values). The one call
    used by bands and sweeps alike."""
    return batch_headline(sol, data.countries, data.sectors, parties,
                          gdp=getattr(template, "gdp_usd_m", None), side_ev=getattr(template, "side_ev_usd_m", None))


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Headline figures of scenarios over elasticity members and side-item cases.

    Attributes
    ----------
    values
        ``DataArray`` with dims ``scenario`` × ``member`` × ``side`` × ``metric`` (coordinate ``kind`` on
        ``member``: central / mc / set; attribute ``units`` per metric in ``units``).
    converged
        ``DataArray`` scenario × member × side: whether that member's solve and commitments converged.
    draws
        The elasticity members.
    dataset
        Name of the dataset.
    side_notes
        What each side-item case assumes.
    """

    values: xr.DataArray
    converged: xr.DataArray
    draws: ElasticityDraws
    dataset: str
    side_notes: Mapping[str, str]

    @property
    def n_draws(self) -> int:
        return int(sum(k == "mc" for k in self.draws.kind))

    @property
    def seed(self) -> int:
        return self.draws.seed

    @property
    def units(self) -> dict[str, str]:
        return {str(m): unit_of(str(m)) for m in self.values["metric"].values}

    def _select(self, over: str) -> tuple[xr.DataArray, xr.DataArray]:
        if over not in BAND_SOURCES:
            raise SweepSpecError("band source", f"one of {BAND_SOURCES}", repr(over))
        v, ok = self.values, self.converged
        kind = v["kind"]
        if over == "mc":
            sel = {"member": kind == "mc", "side": v["side"] == "central"}
        elif over == "sets":
            sel = {"member": kind == "set", "side": v["side"] == "central"}
        elif over == "side":
            sel = {"member": kind == "central"}
        else:
            sel = {}
        return v.isel({k: np.flatnonzero(np.asarray(x)) for k, x in sel.items()}), \
            ok.isel({k: np.flatnonzero(np.asarray(x)) for k, x in sel.items()})

    def band_frame(self, over: str = "all", diff: tuple[str, str] | None = None) -> pd.DataFrame:
        """Bands as a table: index (scenario, metric) — or metric alone for a difference — and columns
        ``central``, ``p5``, ``p95``, ``min``, ``max``, ``mean``, ``sd``, ``n``, ``n_converged``,
        ``share_converged``, ``unit``, ``source``.

        Parameters
        ----------
        over
            ``"mc"``, ``"sets"``, ``"side"`` or ``"all"`` (see the module docstring).
        diff
            ``(a, b)``: bands of scenario a minus scenario b, member by member.
        """
        central = self.values.sel(member="central", side="central")
        v, ok = self._select(over)
        if diff is not None:
            a, b = diff
            v = v.sel(scenario=a) - v.sel(scenario=b)
            ok = ok.sel(scenario=a) & ok.sel(scenario=b)
            central = central.sel(scenario=a) - central.sel(scenario=b)
            v, ok, central = v.expand_dims(scenario=[f"{a} - {b}"]), ok.expand_dims(scenario=[f"{a} - {b}"]), \
                central.expand_dims(scenario=[f"{a} - {b}"])
        rows = []
        for scen in v["scenario"].values:
            vv = v.sel(scenario=scen).transpose("member", "side", "metric").values.reshape(-1, v.sizes["metric"])
            oo = ok.sel(scenario=scen).transpose("member", "side").values.reshape(-1)
            good = vv[oo]
            for q, metric in enumerate(v["metric"].values):
                col = good[:, q]
                col = col[np.isfinite(col)]
                have = col.size > 0
                p5, p95 = np.percentile(col, PERCENTILES) if have else (np.nan, np.nan)
                rows.append({
                    "scenario": str(scen), "metric": str(metric),
                    "central": float(central.sel(scenario=scen, metric=metric)),
                    "p5": float(p5), "p95": float(p95),
                    "min": float(col.min()) if have else np.nan, "max": float(col.max()) if have else np.nan,
                    "mean": float(col.mean()) if have else np.nan,
                    "sd": float(col.std(ddof=1)) if col.size > 1 else np.nan,
                    "n": int(oo.size), "n_converged": int(oo.sum()),
                    "share_converged": float(oo.mean()) if oo.size else np.nan,
                    "unit": unit_of(str(metric)), "source": over,
                })
        return pd.DataFrame(rows).set_index(["scenario", "metric"])

    def describe(self) -> str:
        """One line: members, seed, dispersion, sets, side cases, converged share."""
        ok = self.converged.values
        sets = [lab[4:] for lab, k in zip(self.draws.label, self.draws.kind, strict=True) if k == "set"]
        return (f"{self.n_draws} Monte Carlo draws (seed {self.seed}; {self.draws.dispersion_source})"
                + (f", sets {', '.join(sets)}" if sets else "")
                + f", side items {'/'.join(str(s) for s in self.values['side'].values)}"
                + f"; {int(ok.sum())} of {ok.size} solves converged ({100.0 * ok.mean():.1f} %)")

    def summary_dict(self, diff: tuple[str, str] | None = None) -> dict[str, Any]:
        """JSON-ready summary: the draws' set-up and the bands of every source."""
        out: dict[str, Any] = {
            "dataset": self.dataset, "n_draws": self.n_draws, "seed": self.seed,
            "dispersion": self.draws.dispersion_source,
            "sets": [lab[4:] for lab, k in zip(self.draws.label, self.draws.kind, strict=True) if k == "set"],
            "side_cases": dict(self.side_notes),
            "n_solves": int(self.converged.size), "n_converged": int(self.converged.values.sum()),
            "share_converged": float(self.converged.values.mean()),
            "percentiles": list(PERCENTILES),
            "bands": {},
        }
        for src in BAND_SOURCES:
            frames = [self.band_frame(src)] + ([self.band_frame(src, diff)] if diff else [])
            df = pd.concat(frames)
            recs = df.reset_index().to_dict(orient="records")
            out["bands"][src] = [
                {str(k): (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
                for r in recs
            ]
        return out

    def to_dataset(self) -> xr.Dataset:
        """Values, convergence flags and σ of the members as one ``xarray.Dataset``."""
        return xr.Dataset({"value": self.values, "converged": self.converged,
                           "sigma": self.draws.to_dataarray()},
                          attrs={"dataset": self.dataset, "seed": self.seed, "dispersion": self.draws.dispersion_source})


def uncertainty(
    data: TradeData,
    scenarios: Sequence[ScenarioInputs],
    draws: ElasticityDraws,
    *,
    report: Literal["batched", "outcome"] = "batched",
    parties: tuple[str, str] = ("USA", "JPN"),
    options: SolverOptions = SolverOptions(),
) -> UncertaintyResult:
    """Headline figures of each scenario for every elasticity member and side-item case.

    Parameters
    ----------
    data
        The dataset the scenarios were evaluated on.
    scenarios
        From :func:`inputs_from_evaluation`.
    draws
        From :func:`tradetalks.sweep.draws.make_draws` on ``data``.
    report
        ``"batched"``: :func:`batch_headline` on the batch arrays (fast); ``"outcome"``: the policy layer's
        outcome report built member by member (:func:`policy_headline`; slow, the reference).
    parties
        The two parties of the headline figures.
    options
        Solver options (non-converged members are recorded, never raised).
    """
    side_labels: list[str] = []
    for sc in scenarios:
        side_labels += [c.label for c in sc.side_cases if c.label not in side_labels]
    side_labels.sort(key=lambda x: {"low": 0, "central": 1, "high": 2}.get(x, 3))
    notes: dict[str, str] = {}
    per_scen: list[FloatArray] = []
    conv: list[BoolArray] = []
    metrics: list[str] | None = None
    m = draws.size
    for sc in scenarios:
        sol = solve_members(data, sc, draws.sigma, options)
        for c in sc.side_cases:
            if len(sc.side_cases) > 1 or c.label not in notes:
                notes[c.label] = c.note
        if report == "batched":
            heads = template_headline(sol, data, sc.template, parties)
        else:
            rows = [policy_headline(sc.template, member_result(data, sol, k, sc.closure))
                    for k in range(sol.eq.w_hat.shape[0])]
            heads = {key: np.array([r[key] for r in rows]) for key in rows[0]}
        metrics = metrics or list(heads)
        vals = np.stack([heads[key] for key in metrics], axis=-1).reshape(m, sol.n_cases, len(metrics))
        ok = sol.converged.reshape(m, sol.n_cases)
        # a scenario without a side band does not depend on the side items: its central case fills every case
        idx = [[c.label for c in sc.side_cases].index(lab) if lab in [c.label for c in sc.side_cases]
               else [c.label for c in sc.side_cases].index("central") for lab in side_labels]
        per_scen.append(vals[:, idx, :])
        conv.append(ok[:, idx])
    assert metrics is not None
    coords = {"scenario": [sc.name for sc in scenarios], "member": list(draws.label),
              "kind": ("member", list(draws.kind)), "side": side_labels, "metric": metrics}
    values = xr.DataArray(np.stack(per_scen), dims=("scenario", "member", "side", "metric"), coords=coords,
                          name="value")
    converged = xr.DataArray(np.stack(conv), dims=("scenario", "member", "side"),
                             coords={k: v for k, v in coords.items() if k != "metric"}, name="converged")
    return UncertaintyResult(values, converged, draws, str(data.name), notes)


def bands_for_evaluation(
    results: Mapping[str, Any],
    data: TradeData,
    n_draws: int,
    *,
    seed: int = 0,
    sets: Sequence[str] = (),
    dispersion: float | None = None,
    correlation: float | None = None,
    options: SolverOptions = SolverOptions(),
) -> UncertaintyResult:
    """Bands for the scenarios of an evaluation (what ``tradetalks evaluate --uncertainty N`` prints).

    Parameters
    ----------
    results
        Scenario name → evaluated scenario (:class:`tradetalks.policy.evaluate.PackageResult`), all on
        ``data``.
    data
        The dataset.
    n_draws
        Monte Carlo draws of the elasticities (≥ 0).
    seed
        Seed of the draws.
    sets
        Named published elasticity sets to add (the dataset must carry them).
    dispersion, correlation
        Stated dispersion of the draws (defaults of :class:`~tradetalks.sweep.draws.DrawOptions`).

    Raises
    ------
    SweepSpecError, ElasticitySetError
        Negative draws, bad dispersion, a set the dataset lacks — before any solve.
    """
    kw: dict[str, Any] = {}
    if dispersion is not None:
        kw["dispersion"] = dispersion
    if correlation is not None:
        kw["correlation"] = correlation
    opts = DrawOptions(n_draws=n_draws, seed=seed, sets=tuple(sets), **kw)
    draws = make_draws(data, opts)
    inputs = [inputs_from_evaluation(pr, data) for pr in results.values()]
    return uncertainty(data, inputs, draws, options=options)


__all__ = ["BAND_SOURCES", "PLEDGE_FACTORS", "Commitment", "MemberSolution", "ScenarioInputs", "SideCase",
           "UncertaintyResult", "bands_for_evaluation", "batch_headline", "inputs_from_evaluation", "member_result",
           "policy_headline", "solve_members", "template_headline", "uncertainty", "unit_of"]
