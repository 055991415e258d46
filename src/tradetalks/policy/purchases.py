r"""Purchase commitments whose cost falls on the buyer.

Model (stated with every result)
--------------------------------
The buyer's government makes its market buy at least :math:`\bar M` a year of sector s from the
seller, paying a per-unit subsidy (a purchase wedge) financed by lump-sum taxes on the buyer's
households. The market's demand for the seller's variety is CES, :math:`M(p) = M_0 (p/p_0)^{-\sigma}`
(value at baseline prices; :math:`\sigma` the sector's elasticity of substitution), and the seller
supplies it at a rising price, :math:`p_w = p_0 (M/M_0)^{1/\varepsilon}` (export-supply elasticity
:math:`\varepsilon`, infinite = constant price). Quantities are in baseline US$, prices indexed to 1.

* The target binds only above the market's own purchases. A *level* target :math:`L` gives
  :math:`\bar M = \max(M_0, L)`; an *increment* :math:`\Delta` gives :math:`\bar M = M_0 + \Delta`.
* To buy :math:`\bar M` the consumer price must fall to :math:`p_c = p_0 (\bar M/M_0)^{-1/\sigma}` while
  the seller is paid :math:`p_w = p_0(\bar M/M_0)^{1/\varepsilon}`; the wedge costs the government
  :math:`G = (p_w - p_c)\bar M`.
* Buyer's welfare change (US$, money metric) :math:`\Delta W = \Delta CS - G`, with
  :math:`\Delta CS = \int_{p_c}^{p_0} M(p)\,dp`.

Since :math:`M(p) \le \bar M` on :math:`[p_c, p_0]`, :math:`\Delta CS \le (p_0 - p_c)\bar M`, so
:math:`\Delta W \le (p_0 - p_w)\bar M \le 0`: being made to buy never raises the buyer's welfare; it
is zero exactly when the target does not bind. The loss is the Harberger triangle of the wedge plus the
terms-of-trade loss on all units bought from the seller (:math:`(p_w - p_0)\bar M`), which is the seller's
gain. Partial equilibrium, one sector: cross-sector and general-equilibrium effects are ignored.

Reference figures: US food and agricultural exports to Japan were about US$14bn (14.6 in 2022, USDA via
AgroSpectrum; ``trade_by_product.csv``) against the deal's US$8bn a year of agricultural purchases: as a level
target, it does not bind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradetalks.errors import InputError

TargetKind = Literal["level", "increment"]
FloatArray = npt.NDArray[np.float64]

MODEL = ("purchase wedge financed by the buyer's government (lump-sum taxes); CES demand for the seller's "
         "variety (sigma), export supply elasticity epsilon; partial equilibrium; never raises the buyer's welfare")


@dataclass(frozen=True)
class PurchaseCommitment:
    """A commitment: the buyer buys ``usd_bn`` a year of ``sector`` from ``seller`` (a level or an increment)."""

    buyer: str
    seller: str
    sector: str
    usd_bn: float
    kind: TargetKind = "increment"
    source: str = ""


@dataclass(frozen=True)
class PurchaseCost:
    """Cost to the buyer of one commitment (US$bn a year; welfare_change <= 0)."""

    commitment: PurchaseCommitment
    baseline_usd_bn: float
    target_usd_bn: float
    binds: bool
    consumer_price: float
    seller_price: float
    subsidy_cost_usd_bn: float
    consumer_gain_usd_bn: float
    welfare_change_usd_bn: float
    tot_transfer_usd_bn: float
    sigma: float
    epsilon: float
    model: str = MODEL

    def line(self) -> str:
        c = self.commitment
        if not self.binds:
            return (f"{c.buyer} buys {c.sector} from {c.seller}: target {self.target_usd_bn:.1f} US$bn <= "
                    f"market purchases {self.baseline_usd_bn:.1f}: does not bind, cost 0")
        return (f"{c.buyer} buys {c.sector} from {c.seller}: {self.baseline_usd_bn:.1f} -> {self.target_usd_bn:.1f} "
                f"US$bn; wedge cost {self.subsidy_cost_usd_bn:.2f}, buyer welfare {self.welfare_change_usd_bn:+.3f} "
                f"US$bn/yr (of which {self.tot_transfer_usd_bn:.3f} to the seller)")


def purchase_cost(c: PurchaseCommitment, baseline_usd_bn: float, sigma: float,
                  epsilon: float = math.inf) -> PurchaseCost:
    """Cost to the buyer of meeting a purchase commitment (equations in the module docstring).

    Parameters
    ----------
    c
        The commitment.
    baseline_usd_bn
        The market's purchases of the sector from the seller without the commitment, US$bn a year.
    sigma
        Elasticity of substitution of the sector (> 0).
    epsilon
        Export-supply elasticity of the seller (> 0; ``inf`` = constant seller price).

    Raises
    ------
    InputError
        Negative amounts, non-positive elasticities.
    """
    if baseline_usd_bn < 0 or c.usd_bn < 0 or not math.isfinite(baseline_usd_bn):
        raise InputError("purchase", "non-negative finite US$bn", f"baseline={baseline_usd_bn}, target={c.usd_bn}")
    if not sigma > 0 or not epsilon > 0:
        raise InputError("elasticities", "sigma > 0 and epsilon > 0", f"sigma={sigma}, epsilon={epsilon}")
    m0 = baseline_usd_bn
    target = max(m0, c.usd_bn) if c.kind == "level" else m0 + c.usd_bn
    if target <= m0:
        return PurchaseCost(c, m0, c.usd_bn if c.kind == "level" else target, False, 1.0, 1.0, 0.0, 0.0, 0.0,
                            0.0, sigma, epsilon)
    if m0 <= 0:
        raise InputError("purchase baseline", "positive market purchases for a binding target (CES demand)",
                         f"{m0}")
    pc, pw, gov, cs, dw, tot = (float(v) for v in wedge_terms(m0, target, sigma, epsilon))
    return PurchaseCost(c, m0, target, True, pc, pw, gov, cs, dw, tot, sigma, epsilon)


def wedge_terms(m0: npt.ArrayLike, target: npt.ArrayLike, sigma: npt.ArrayLike, epsilon: float
                ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    r"""The wedge's prices and money amounts for a binding target (equations in the module docstring),
    elementwise over arrays of market purchases :math:`M_0 > 0`, targets :math:`\bar M > M_0` (US$bn) and
    elasticities σ > 0: consumer price :math:`p_c`, seller price :math:`p_w`, government cost :math:`G`,
    consumer gain :math:`\Delta CS`, buyer's welfare change :math:`\Delta W` and the seller's
    terms-of-trade gain :math:`(p_w - 1)\bar M`. The one implementation behind :func:`purchase_cost` and
    :func:`wedge_effects`."""
    m0_, target_, sg = (np.asarray(v, dtype=float) for v in (m0, target, sigma))
    ratio = target_ / m0_
    pc = ratio ** (-1.0 / sg)
    pw = np.ones_like(ratio) if math.isinf(epsilon) else ratio ** (1.0 / epsilon)
    gov = (pw - pc) * target_
    # consumer surplus gain: integral of m0 p^-sigma from pc to 1
    unit = np.abs(sg - 1.0) < 1e-12
    cs = m0_ * np.where(unit, -np.log(pc), (1.0 - pc ** (1.0 - sg)) / np.where(unit, 1.0, 1.0 - sg))
    return pc, pw, gov, cs, cs - gov, (pw - 1.0) * target_


def wedge_effects(c: PurchaseCommitment, baseline_usd_bn: npt.ArrayLike, sigma: npt.ArrayLike,
                  epsilon: float = math.inf) -> tuple[FloatArray, FloatArray]:
    """:func:`purchase_cost`'s buyer welfare change and seller transfer (US$bn a year) for arrays of market
    purchases and elasticities (e.g. one per elasticity draw, issue 13); 0 where the target does not bind.

    Raises
    ------
    InputError
        As :func:`purchase_cost`.
    """
    m0 = np.asarray(baseline_usd_bn, dtype=float)
    sg = np.broadcast_to(np.asarray(sigma, dtype=float), m0.shape)
    if c.usd_bn < 0 or not np.all(np.isfinite(m0)) or np.any(m0 < 0):
        raise InputError("purchase", "non-negative finite US$bn",
                         f"baseline min {np.min(m0, initial=0.0)}, target={c.usd_bn}")
    if not np.all(sg > 0) or not epsilon > 0:
        raise InputError("elasticities", "sigma > 0 and epsilon > 0", f"sigma min={np.min(sg)}, epsilon={epsilon}")
    target = np.maximum(m0, c.usd_bn) if c.kind == "level" else m0 + c.usd_bn
    binds = target > m0
    if np.any(binds & (m0 <= 0)):
        raise InputError("purchase baseline", "positive market purchases for a binding target (CES demand)",
                         f"min {np.min(m0)}")
    safe = np.where(binds, m0, 1.0)
    *_, dw, tot = wedge_terms(safe, np.where(binds, target, 2.0), sg, epsilon)
    return np.where(binds, dw, 0.0), np.where(binds, tot, 0.0)


# --------------------------------------------------------------------------------------------
# issue 13: low / central / high cost cases of a commitment (side-item cases of the uncertainty bands)
# --------------------------------------------------------------------------------------------

COST_CASES: dict[str, tuple[float, float]] = {"low": (2.0, math.inf), "central": (1.0, math.inf),
                                               "high": (1.0, 2.0)}
"""Stated (not sourced) cost cases of a purchase commitment as (factor on the sector's σ, seller's
export-supply elasticity ε): ``central`` is the evaluation's own case (σ of the dataset, constant seller
price); ``low`` — the buyer's demand twice as elastic (the committed goods are close substitutes of what
it buys elsewhere, so a smaller price cut absorbs them); ``high`` — the seller's price rises with the
quantity bought (ε = 2, e.g. capacity-limited energy exports), so the buyer also pays a terms-of-trade
loss on every unit."""


def cost_case(cost: PurchaseCost, case: str) -> PurchaseCost:
    """The same commitment at the same market purchases, costed under one of :data:`COST_CASES`
    (relative to the σ and ε ``cost`` was computed with)."""
    if case not in COST_CASES:
        raise InputError("purchase cost case", f"one of {sorted(COST_CASES)}", repr(case))
    f, eps = COST_CASES[case]
    return purchase_cost(cost.commitment, cost.baseline_usd_bn, cost.sigma * f,
                         cost.epsilon if math.isinf(eps) else eps)
