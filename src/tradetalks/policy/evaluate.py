r"""Evaluate a scenario or package deal with the Ossa (2014) GE model.

:func:`evaluate` takes a :class:`~tradetalks.policy.package.Package` (or a scenario spec) to its tariff matrix
with :func:`~tradetalks.policy.package.package_tariffs` (the one package -> tariffs path),
converts investment pledges into net-export changes, solves the counterfactual with
:func:`tradetalks.model.ossa.solve_counterfactual`, and then solves the import-demand shifters that make
every purchase commitment hold in the new equilibrium.

Purchase commitments
--------------------
A commitment of importer j to buy :math:`\bar X` from exporter i in sector s is met by a preference
shifter :math:`\hat b_{ijs}` in the CES demand (``demand_shift``). Each shifter solves the scalar equation

.. math:: F_k(\ln \hat b_k) = X'_{ijs}(\hat b) / \bar X_k - 1 = 0

by Brent's method (:func:`scipy.optimize.brentq`), commitment by commitment, in Gauss–Seidel sweeps
until every :math:`|F_k|` is below ``commitment_rtol`` (default 1e-6). ``X'`` is increasing in
:math:`\hat b_{ijs}` (the shifter raises i's share of j's spending on s), so each root is bracketed by
:math:`\ln\hat b \in [0, h]` with h doubled until :math:`F_k(h) > 0`. Targets: ``"level"``: :math:`\bar X`
= amount (shifter 1, "not binding", when the flow already exceeds it); ``"incremental"``: the flow of
the scenario without the purchase commitments plus the amount.

Investment pledges
------------------
A pledge becomes :math:`\Delta NX_{investor} = +D`, :math:`\Delta NX_{host} = -D` (see
:class:`~tradetalks.policy.spec.InvestmentPledge` for D). Under the ``"data"`` closure net exports in the
new equilibrium are :math:`NX + \Delta NX`; under ``"balanced"``, :math:`0 + \Delta NX`.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46.
Brent, R. P. (1973). Algorithms for Minimization without Derivatives, ch. 4.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import PolicyError
from tradetalks.model.common import SolverOptions
from tradetalks.policy.package import Package, Purchase, package_tariffs, pledge_nx_change
from tradetalks.policy.spec import ScenarioSpec
from tradetalks.policy.tariffs import TariffsInForce, effective_rates
from tradetalks.results.counterfactual import CounterfactualResult

FloatArray = npt.NDArray[np.float64]

EVALUATE_OPTIONS = SolverOptions(tol=1e-11)
"""Solver options of every package evaluation (CLI, web, Python): one tolerance, so every surface gives
the same figures to the last digits."""
MAX_SWEEPS = 50
MAX_LOG_SHIFT = 40.0


@dataclass(frozen=True)
class CommitmentOutcome:
    """A purchase commitment in the solved equilibrium (values in the dataset's units, US$ millions);
    ``kind`` in the file spelling (``"incremental"`` | ``"level"``)."""

    name: str
    exporter: str
    importer: str
    sector: str
    kind: str
    amount: float
    target: float
    flow_base: float
    flow_without: float
    flow_achieved: float
    shifter: float
    binding: bool

    @property
    def rel_error(self) -> float:
        """``achieved / target − 1`` (0 when the commitment does not bind)."""
        return 0.0 if not self.binding else self.flow_achieved / self.target - 1.0


@dataclass(frozen=True)
class PledgeOutcome:
    """An investment pledge as a net-export change (US$ millions per year)."""

    name: str
    investor: str
    host: str
    mode: str
    nx_change: float
    description: str


@dataclass(frozen=True, eq=False)
class PackageResult:
    """Outcome of :func:`evaluate`.

    Attributes
    ----------
    package
        The evaluated :class:`~tradetalks.policy.package.Package`.
    tariffs
        Tariffs of the package (matrix, groups, sectors, notes): :func:`package_tariffs`.
    result
        The GE counterfactual with every modelled item.
    result_tariffs_only
        The counterfactual with the tariffs (and pledges) but no purchase commitment (the reference of
        incremental commitments); the same object as ``result`` when there is no commitment.
    commitments, pledges
        How each side item was modelled and met.
    demand_shift, nx_change
        The arrays passed to the solver.
    assumptions
        Every modelling choice and scope note, to print with the results.
    """

    package: Package
    tariffs: TariffsInForce
    result: CounterfactualResult
    result_tariffs_only: CounterfactualResult
    commitments: tuple[CommitmentOutcome, ...]
    pledges: tuple[PledgeOutcome, ...]
    demand_shift: FloatArray | None
    nx_change: FloatArray | None
    assumptions: tuple[str, ...]
    gdp_usd_m: FloatArray | None = None
    """GDP by country (US$ millions) when the dataset carries a ``gdp`` variable, else ``None``."""

    def effective_rate(self, importer: str = "USA", after: bool = False) -> dict[str, float]:
        """Trade-weighted tariff (percent) of an importer by partner, at baseline or new flows."""
        data_like = self.result
        x = data_like.ds["trade_new" if after else "trade_base"].values
        t = data_like.ds["tariff_new"].values
        countries = data_like.countries
        j = countries.index(importer)
        out: dict[str, float] = {}
        for i, c in enumerate(countries):
            if i == j:
                continue
            tot = float(x[i, j].sum())
            out[c] = 100.0 * float((t[i, j] * x[i, j]).sum()) / tot if tot > 0 else 0.0
        mask = np.arange(len(countries)) != j
        tot_all = float(x[mask, j].sum())
        out["ALL"] = 100.0 * float((t[mask, j] * x[mask, j]).sum()) / tot_all if tot_all > 0 else 0.0
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the side items and assumptions (the GE result has its own tables)."""
        return {
            "scenario": self.package.name,
            "date": self.package.base_date.isoformat(),
            "dataset": self.result.dataset,
            "closure": self.result.closure,
            "converged": self.result.converged,
            "commitments": [
                {**c.__dict__, "rel_error": c.rel_error} for c in self.commitments
            ],
            "pledges": [p.__dict__ for p in self.pledges],
            "assumptions": list(self.assumptions),
        }


def as_package(spec_or_package: ScenarioSpec | Package) -> Package:
    """A :class:`Package` from a validated scenario spec (or the package itself)."""
    return spec_or_package if isinstance(spec_or_package, Package) else Package.from_spec(spec_or_package)


def scenario_tariffs(spec: ScenarioSpec | Package, data: TradeData) -> TariffsInForce:
    """The tariffs of a scenario or package on a dataset (:func:`~tradetalks.policy.package.package_tariffs`)."""
    return package_tariffs(as_package(spec), data)


def _pledges(package: Package, countries: Sequence[str]) -> tuple[FloatArray | None, tuple[PledgeOutcome, ...]]:
    d = pledge_nx_change(package, countries)
    if d is None:
        return None, ()
    outs = tuple(PledgeOutcome(p.name, p.investor, p.host, p.valuation, p.nx_change_usd_m(), p.describe())
                 for p in package.pledges if p.valuation != "ignore")
    return d, outs


def evaluate(
    package: Package | ScenarioSpec,
    data: TradeData,
    *,
    options: SolverOptions = EVALUATE_OPTIONS,
) -> PackageResult:
    """Evaluate a package (or a validated scenario spec) with the Ossa model (see the module docstring).

    Parameters
    ----------
    package
        The package; a :class:`~tradetalks.policy.spec.ScenarioSpec` is converted with
        :meth:`Package.from_spec`.
    data
        Dataset with ``sigma`` (the package's ``dataset`` field names the default; the caller loads it).
    options
        Solver options of every GE solve.

    Returns
    -------
    PackageResult

    Raises
    ------
    SpecError
        Labels the dataset lacks.
    PolicyError
        A commitment that no demand shift can meet.
    """
    from tradetalks.model import ossa

    pkg = as_package(package)
    tf = package_tariffs(pkg, data)
    matrix = tf.matrix
    assert matrix is not None
    closure = pkg.options.closure
    base = ossa.baseline_from_data(data, closure, options)
    nx_change, pledges = _pledges(pkg, data.countries)

    nx_new = None if nx_change is None else base.nx + nx_change
    warm: dict[str, tuple[FloatArray, FloatArray]] = {}

    def equilibrium(shift: FloatArray | None) -> ossa.Equilibrium:
        # warm-started array-level solve: the root-finder below calls this many times
        eq = ossa.solve_warm(base, matrix, warm.get("x"), demand_shift=shift, nx_new=nx_new, options=options)
        warm["x"] = (np.log(eq.w_hat), np.log(eq.e_hat))
        return eq

    def solve(shift: FloatArray | None) -> CounterfactualResult:
        return ossa.result_from_equilibrium(data, base, equilibrium(shift), closure)

    r0 = solve(None)
    commitments = pkg.purchases if pkg.options.purchase_commitments == "demand_shift" else ()
    if not commitments:
        return PackageResult(pkg, tf, r0, r0, (), pledges, None, nx_change, _assumptions(pkg, tf, data, pledges),
                             _gdp(data))
    result, outs, shift = _meet_commitments(data, commitments, r0, equilibrium, solve, pkg.options.commitment_rtol)
    return PackageResult(pkg, tf, result, r0, outs, pledges, shift, nx_change, _assumptions(pkg, tf, data, pledges),
                         _gdp(data))


def _gdp(data: TradeData) -> FloatArray | None:
    """The dataset's GDP by country (variable ``gdp``, dims ``country`` or ``exporter``), if it has one."""
    for name in ("gdp", "gdp_usd_m"):
        if name in data.ds.data_vars:
            v = np.asarray(data.ds[name].values, dtype=float)
            if v.shape == (data.n_countries,):
                return v
    return None


def _meet_commitments(
    data: TradeData,
    commitments: Sequence[Purchase],
    r0: CounterfactualResult,
    equilibrium: Callable[[FloatArray | None], Any],
    solve: Callable[[FloatArray | None], CounterfactualResult],
    rtol: float,
) -> tuple[CounterfactualResult, tuple[CommitmentOutcome, ...], FloatArray]:
    """Gauss–Seidel sweeps of Brent root-finds on the demand shifters (see the module docstring)."""
    n, s = data.n_countries, data.n_sectors
    cells = [(data.index(c.exporter), data.index(c.importer), data.sector_index(c.sector)) for c in commitments]
    x0 = r0.ds["trade_new"].values
    xb = r0.ds["trade_base"].values
    targets = []
    for c, (i, j, k) in zip(commitments, cells, strict=True):
        amount = c.usd_bn_per_year * 1000.0
        targets.append(float(x0[i, j, k]) + amount if c.meaning == "increment" else amount)
    binding = [c.meaning == "increment" or targets[q] > float(x0[i, j, k])
               for q, (c, (i, j, k)) in enumerate(zip(commitments, cells, strict=True))]
    logb = np.zeros(len(commitments))

    def shift_of(lb: FloatArray) -> FloatArray:
        arr = np.ones((n, n, s))
        for q, (i, j, k) in enumerate(cells):
            arr[i, j, k] *= np.exp(lb[q])
        return arr

    def gap(q: int, lbq: float) -> float:
        lb = logb.copy()
        lb[q] = lbq
        eq = equilibrium(shift_of(lb))
        i, j, k = cells[q]
        return float(eq.trade_new[0, i, j, k]) / targets[q] - 1.0

    result = r0
    for _sweep in range(MAX_SWEEPS):
        for q in range(len(commitments)):
            if binding[q]:
                logb[q] = _root(q, logb[q], gap, commitments[q], targets[q])
        result = solve(shift_of(logb))
        xn = result.ds["trade_new"].values
        errs = [abs(float(xn[i, j, k]) / targets[q] - 1.0) for q, (i, j, k) in enumerate(cells) if binding[q]]
        if not errs or max(errs) <= rtol:
            break
    else:
        raise PolicyError(f"purchase commitments not met to {rtol:g} after {MAX_SWEEPS} sweeps")
    xn = result.ds["trade_new"].values
    outs = tuple(
        CommitmentOutcome(
            c.name, c.exporter, c.importer, c.sector, "incremental" if c.meaning == "increment" else "level",
            c.usd_bn_per_year * 1000.0, targets[q],
            float(xb[i, j, k]), float(x0[i, j, k]), float(xn[i, j, k]), float(np.exp(logb[q])), binding[q],
        )
        for q, (c, (i, j, k)) in enumerate(zip(commitments, cells, strict=True))
    )
    return result, outs, shift_of(logb)


def _root(q: int, start: float, gap: Callable[[int, float], float], c: Purchase, target: float) -> float:
    """Bracket and solve ``gap(q, .) = 0`` around ``start`` (Brent)."""
    width = 1.0
    lo, hi = start - width, start + width
    while gap(q, lo) > 0 and lo > -MAX_LOG_SHIFT:
        width *= 2.0
        lo = start - width
    width = 1.0
    while gap(q, hi) < 0:
        width *= 2.0
        hi = start + width
        if hi >= MAX_LOG_SHIFT:
            raise PolicyError(
                f"purchase commitment '{c.name}': no demand shift up to exp({MAX_LOG_SHIFT:g}) meets "
                f"{target:,.0f} US$m of {c.sector} from {c.exporter} to {c.importer}"
            )
    return float(optimize.brentq(lambda v: gap(q, v), lo, hi, xtol=1e-13, rtol=1e-14, maxiter=200))


def _assumptions(spec: Package, tf: TariffsInForce, data: TradeData,
                 pledges: tuple[PledgeOutcome, ...]) -> tuple[str, ...]:
    out = [f"Tariffs in force on {spec.base_date.isoformat()}"
           + (f"; measures switched on: {', '.join(spec.measures_on)}" if spec.measures_on else "")
           + (f"; switched off: {', '.join(spec.measures_off)}" if spec.measures_off else "")]
    out += list(tf.notes)
    out += [f"Tariff measure: {t.importer} on {t.exporter}, {t.group or t.sector}: {t.mode} {t.rate_pct:g} %"
            + (f" ({t.note})" if t.note else "") for t in spec.tariffs]
    out += spec.options.describe()
    if spec.mapping:
        out.append(f"Mapping overrides: {dict(spec.mapping)}")
    if spec.purchases:
        out.append("Purchase commitments: US$ amounts applied as stated to the dataset "
                   f"({data.name}, {data.attrs.get('year', '?')}, {data.attrs.get('units', 'US$ millions')}) "
                   "without deflation; increment = over the package's flow without commitments, level = the flow to reach")
    out += [f"Pledge {p.name}: {p.description}" for p in pledges]
    out += [f"Not modelled: {u.description} ({u.value}): {u.reason}" for u in spec.unmodelled]
    return tuple(out)


__all__ = ["EVALUATE_OPTIONS", "CommitmentOutcome", "PackageResult", "PledgeOutcome", "as_package", "effective_rates", "evaluate",
           "scenario_tariffs"]
