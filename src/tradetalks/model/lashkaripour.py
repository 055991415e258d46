r"""Lashkaripour (2021): multi-sector Armington/Eaton–Kortum model, its global tariff war and optimal tariffs.

The economy (Lashkaripour 2021, "The cost of a global tariff war: a sufficient-statistics approach",
Journal of International Economics 131, 103489; DESIGN.md §4). One factor (labour) per country, mobile
across sectors; Cobb–Douglas across sectors with expenditure shares ``e_jk``; CES within sector ``k`` with
trade elasticity ``ε_k = σ_k − 1``; perfect competition, no profits, no input–output links; tariff revenue
rebated to the importer's households. Indices: ``i`` exporter, ``j`` importer, ``k`` sector; arrays are
``[exporter, importer, sector]`` as in :class:`~tradetalks.data.tradedata.TradeData` (flows ``X`` at
pre-tariff prices). With ``λ_ijk`` the tariff-inclusive share of ``i`` in ``j``'s spending on ``k`` and
``τ̂ = (1 + t')/(1 + t)``, the equilibrium in exact hat algebra, unknowns ``ŵ_i`` and ``Ŷ_i``, is

.. math::

    \lambda'_{ijk} = \frac{\lambda_{ijk} (\hat w_i \hat\tau_{ijk})^{-\varepsilon_k}}
                         {\sum_m \lambda_{mjk} (\hat w_m \hat\tau_{mjk})^{-\varepsilon_k}},\qquad
    \hat P_{jk} = \Bigl[\sum_m \lambda_{mjk} (\hat w_m \hat\tau_{mjk})^{-\varepsilon_k}\Bigr]^{-1/\varepsilon_k}

    X'_{ijk} = \lambda'_{ijk}\, e_{jk}\, \hat Y_j Y_j / (1 + t'_{ijk})          (pre-tariff flows)

    \hat w_i R_i = \sum_{j,k} X'_{ijk}                                          (wage income = sales net of tariffs)

    \hat Y_i Y_i = \hat w_i R_i + \sum_{j,k} t'_{jik} X'_{jik} + D_i'             (income = wages + tariff revenue)

with ``R_i`` the baseline wage bill, ``Y_i`` total income (= expenditure) and ``D_i'`` the trade deficit
(zero after purging). Numeraire (:mod:`tradetalks.model.common`): the world wage bill is fixed,
``Σ_i R_i ŵ_i = Σ_i R_i``; it replaces the last wage equation (Walras' law). Welfare is real income
``Ŵ_i = Ŷ_i / Π_k P̂_ik^{e_ik}``.

Baseline. As in the paper (and its MATLAB package ``tariffwar``), the data's imbalances are purged
first: :func:`~tradetalks.model.lashkaripour_equilibrium.purge_deficits` solves the same system at the factual tariffs with ``D' = 0``
(Dekle–Eaton–Kortum) and rebuilds the flows; every counterfactual is measured from that balanced world.

Nash tariff war. Each country's best response is uniform across partners and sectors and satisfies
(Lashkaripour 2021, eq. 14)

.. math::

    t_i = \frac{1}{\sum_k \varepsilon_k \omega_{ik}},\qquad
    \omega_{ik} = \frac{\sum_{j\ne i} X'_{ijk}(1 - \lambda'_{ijk})}{\sum_{j\ne i}\sum_k X'_{ijk}}

(ω: trade-weighted inverse export-supply elasticity at the new equilibrium). The Nash equilibrium solves
this for every ``i`` jointly with the equilibrium — ``3N`` unknowns ``(ŵ, Ŷ, t)``, no nested
optimisation (:func:`~tradetalks.model.lashkaripour_tariffs.nash_war`). The unilaterally optimal uniform tariff of one country, others' tariffs
held fixed, solves the same condition for that country only
(:func:`~tradetalks.model.lashkaripour_tariffs.optimal_uniform_tariff`). A
Nash/optimal tariff *replaces* the factual tariff on every import of the country that sets it.

Numerics. The project's batched Newton solver (:mod:`tradetalks.model.solver`) with analytic Jacobians
in ``(ln ŵ, ln Ŷ[, t])``; wage and income residuals in units of the world wage bill, the first-order
conditions as ``t_i Σ_k ε_k ω_ik − 1``. Many counterfactuals are solved in one batch
(:func:`~tradetalks.model.lashkaripour_equilibrium.solve_batch`).

Modules. This one holds the baseline (:class:`LBaseline`, :func:`calibrate`, :func:`calibrate_data`), the
solved equilibrium type (:class:`LEquilibrium`) and its welfare and market-clearing checks;
:mod:`tradetalks.model.lashkaripour_equilibrium` the residuals, the analytic Jacobian and the solvers
(``solve_batch``, ``solve_equilibrium``, ``purge_deficits``); :mod:`tradetalks.model.lashkaripour_tariffs`
the Nash war and optimal uniform tariffs; :mod:`tradetalks.model.lashkaripour_data` the TradeData-facing
wrappers (``baseline_from_data``, ``solve_counterfactual``, ``war_from_data``, ``optimal_from_data``).

References
----------
Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. Journal of
International Economics 131, 103489.
Dekle, R., J. Eaton and S. Kortum (2008). Global Rebalancing with Gravity. IMF Staff Papers 55(3).
Costinot, A. and A. Rodríguez-Clare (2014). Trade Theory with Numbers. Handbook of Int. Econ. 4, ch. 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ElasticityError, ModelError, ShapeError
from tradetalks.model.common import SolveInfo

FloatArray = npt.NDArray[np.float64]

MODEL_NAME = "lashkaripour"
FOC_FLOOR = 1.0
"""Floor on ``Σ_k ε_k ω_ik`` in the first-order condition (caps a near-autarkic country's tariff at 100 %;
binds for no economy in the WIOD/ICIO data)."""


# --------------------------------------------------------------------------------------------
# baseline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LBaseline:
    """Baseline arrays of the model (build with :func:`calibrate`, balance with
    :func:`~tradetalks.model.lashkaripour_equilibrium.purge_deficits`).

    Attributes
    ----------
    trade, tariff
        (N, N, S) pre-tariff flows ``[exporter, importer, sector]`` and importer-imposed tariffs.
    eps
        (S,) trade elasticities ``ε_k = σ_k − 1``.
    lam
        (N, N, S) tariff-inclusive shares ``λ_ijk`` (sum to one over exporters; 1 on the diagonal where an
        importer absorbs nothing of a sector).
    e
        (N, S) Cobb–Douglas expenditure shares ``e_jk``.
    income
        (N,) total expenditure ``Y_j = Σ_{i,k} (1 + t_ijk) X_ijk``.
    wage_bill
        (N,) ``R_i = Σ_{j,k} X_ijk`` (sales net of tariffs).
    deficit
        (N,) ``D_i = Y_i − R_i − tariff revenue_i`` (imports − exports at pre-tariff prices).
    """

    trade: FloatArray
    tariff: FloatArray
    eps: FloatArray
    lam: FloatArray
    e: FloatArray
    income: FloatArray
    wage_bill: FloatArray
    deficit: FloatArray

    @property
    def n(self) -> int:
        return int(self.trade.shape[0])

    @property
    def s(self) -> int:
        return int(self.trade.shape[2])

    @property
    def revenue(self) -> FloatArray:
        """Tariff revenue by importer, ``Σ_{i,k} t_ijk X_ijk``, (N,)."""
        return np.asarray((self.tariff * self.trade).sum(axis=(0, 2)))


def calibrate(trade: npt.ArrayLike, tariff: npt.ArrayLike, eps: npt.ArrayLike) -> LBaseline:
    """Shares and totals of a dataset (no equilibrium imposed; imbalances kept).

    Parameters
    ----------
    trade, tariff
        (N, N, S) pre-tariff flows and importer-imposed tariffs (fractions).
    eps
        (S,) trade elasticities, each > 0.

    Raises
    ------
    ShapeError, ElasticityError, ModelError
        Mismatched shapes, ``ε ≤ 0``, negative flows or tariffs, a country with no sales.
    """
    x = np.asarray(trade, dtype=float)
    t = np.asarray(tariff, dtype=float)
    ep = np.asarray(eps, dtype=float)
    if x.ndim != 3 or x.shape[0] != x.shape[1] or t.shape != x.shape:
        raise ShapeError("trade/tariff", "two (N, N, S) arrays of one shape", f"{x.shape} and {t.shape}")
    n, _, s = x.shape
    if ep.shape != (s,):
        raise ShapeError("eps", f"shape ({s},)", f"shape {ep.shape}")
    if np.any(~(ep > 0)):
        raise ElasticityError("eps", "trade elasticities > 0", f"min {np.nanmin(ep):.4g}")
    if np.any(~(x >= 0)) or np.any(~(t >= 0)):
        raise ModelError("trade/tariff: expected non-negative finite values; found negative or NaN entries")
    spend = (1.0 + t) * x
    absorb = spend.sum(axis=0)  # (N, S)
    lam = np.divide(spend, absorb[None], out=np.zeros_like(spend), where=absorb[None] > 0)
    idx = np.arange(n)
    lam[idx, idx, :] += np.where(absorb > 0, 0.0, 1.0)
    income = absorb.sum(axis=1)
    if np.any(income <= 0):
        raise ModelError(f"expenditure: expected > 0 for every country; found {income.min():.4g}")
    e = absorb / income[:, None]
    wage = x.sum(axis=(1, 2))
    if np.any(wage <= 0):
        raise ModelError(f"sales: expected > 0 for every country; found {wage.min():.4g}")
    rev = (t * x).sum(axis=(0, 2))
    return LBaseline(x, t, ep, lam, e, income, wage, income - wage - rev)


def elasticities_of(data: TradeData) -> tuple[FloatArray, str]:
    """Trade elasticities ``ε_k`` of a dataset and their source: ``σ − 1`` if it has ``sigma``, else ``theta``.

    Raises
    ------
    DataError
        The dataset has neither.
    """
    src = str(
        data.attrs.get("elasticities", data.attrs.get("sigma_source", data.attrs.get("theta_source", "")))
    )
    if data.has("sigma"):
        return np.asarray(data.param("sigma"), dtype=float) - 1.0, src
    return np.asarray(data.param("theta"), dtype=float), src


FLOWS: tuple[str, ...] = ("data", "gross")


def calibrate_data(data: TradeData, flows: str = "data") -> LBaseline:
    """:func:`calibrate` on a dataset (ε from ``sigma − 1`` or ``theta``).

    Parameters
    ----------
    flows
        ``"data"``: the dataset's flows are pre-tariff values (the project's convention); ``"gross"``: they
        are importer spending gross of tariffs, so pre-tariff flows are ``X / (1 + t)`` — how the
        ``tariffwar`` package reads its cubes (tariffwar_cubes/SOURCE.md, ``compute_derived_cubes``).
    """
    if flows not in FLOWS:
        from tradetalks.errors import OptionError

        raise OptionError("flows", FLOWS, flows)
    eps, _ = elasticities_of(data)
    x = data.trade if flows == "data" else data.trade / (1.0 + data.tariff)
    return calibrate(x, data.tariff, eps)


# --------------------------------------------------------------------------------------------
# solutions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LEquilibrium:
    """A solved equilibrium (one member of a batch).

    Attributes
    ----------
    w_hat, y_hat
        (N,) wage and income changes.
    p_hat
        (N, S) sectoral price-index changes ``P̂_jk``.
    lam_new
        (N, N, S) new tariff-inclusive shares.
    trade_new, tariff_new
        (N, N, S) new pre-tariff flows and the tariffs applied.
    deficit_new
        (N,) deficits imposed.
    info
        Convergence diagnostics.
    """

    w_hat: FloatArray
    y_hat: FloatArray
    p_hat: FloatArray
    lam_new: FloatArray
    trade_new: FloatArray
    tariff_new: FloatArray
    deficit_new: FloatArray
    info: SolveInfo

    @property
    def revenue_new(self) -> FloatArray:
        """New tariff revenue by importer, (N,)."""
        return np.asarray((self.tariff_new * self.trade_new).sum(axis=(0, 2)))


def rebase(base: LBaseline, eq: LEquilibrium) -> LBaseline:
    """The equilibrium ``eq`` as a new baseline (its flows, tariffs and deficits)."""
    return calibrate(eq.trade_new, eq.tariff_new, base.eps)


def welfare_hat(base: LBaseline, eq: LEquilibrium) -> FloatArray:
    """Real income ``Ŵ_i = Ŷ_i / Π_k P̂_ik^{e_ik}``, (N,)."""
    return np.asarray(eq.y_hat / np.exp((base.e * np.log(eq.p_hat)).sum(axis=1)))


def market_residuals(base: LBaseline, eq: LEquilibrium) -> dict[str, float]:
    """Largest violations, relative to the world wage bill: ``wages`` (ŵR = sales net of tariffs, every
    country incl. the one dropped for the numeraire), ``budget`` (Ŷ Y = ŵR + revenue + D'), ``balance``
    (imports − exports = D'), ``shares`` (λ' sum to one), ``numeraire``."""
    scale = float(base.wage_bill.sum())
    x = eq.trade_new
    wage_new = base.wage_bill * eq.w_hat
    sales = x.sum(axis=(1, 2))
    inc_new = base.income * eq.y_hat
    spend = ((1.0 + eq.tariff_new) * x).sum(axis=(0, 2))
    return {
        "wages": float(np.abs(sales - wage_new).max() / scale),
        "budget": float(np.abs(inc_new - wage_new - eq.revenue_new - eq.deficit_new).max() / scale),
        "expenditure": float(np.abs(spend - inc_new).max() / scale),
        "balance": float(np.abs(x.sum(axis=(0, 2)) - sales - eq.deficit_new).max() / scale),
        "shares": float(np.abs(eq.lam_new.sum(axis=0) - 1.0).max()),
        "numeraire": float(abs(wage_new.sum() / scale - 1.0)),
    }


__all__ = [
    "FLOWS",
    "FOC_FLOOR",
    "MODEL_NAME",
    "LBaseline",
    "LEquilibrium",
    "calibrate",
    "calibrate_data",
    "elasticities_of",
    "market_residuals",
    "rebase",
    "welfare_hat",
]
