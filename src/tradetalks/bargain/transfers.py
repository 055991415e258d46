r"""Side payments as instruments of the package space, and the real July 2025 package as a point in it.

Instruments (US$bn; party P pays or buys, party R receives or sells)
-------------------------------------------------------------------
* **Pledge** ``pledge`` (US$bn pledged by P for projects in R). Valued through the pledge economics of issue
  10 (:func:`tradetalks.policy.pledge.value_pledge`, central case): the pledge costs P an annual transfer
  equivalent :math:`T = k\,v` with :math:`k` the central annual transfer per US$ pledged (US$4.3bn a year
  for the US$550bn vehicle); R receives it.
* **Purchases** ``purchases`` (US$bn a year of sector s bought by P from R, an increment over P's market
  purchases). Valued through :func:`tradetalks.policy.purchases.purchase_cost`: the buyer pays the
  purchase wedge (:math:`\Delta W_P \le 0`: being made to buy never raises the buyer's welfare); the seller
  gains the terms-of-trade transfer (zero at the default infinite export-supply elasticity). A party that
  values purchases for their own sake (e.g. the bilateral balance) says so with an objective weight on
  the side item of that name (``side_items`` in the objectives file), which adds linearly.

Objective units
---------------
Objectives are :math:`U = 100 \ln \hat G` (≈ % of government welfare). A lump-sum annual transfer of
:math:`T` US$bn changes a party's welfare one for one in money (to first order; income effects on the
terms of trade ignored, as in the pledge's break-even), i.e. by :math:`100\,T / E` with :math:`E` the
party's gross (tariff-inclusive) expenditure in the model baseline, in US$bn. The same factor converts
objective units back to US$bn (``usd_bn_per_unit``). Tariff instruments are evaluated in the Ossa (2014)
equilibrium (:mod:`tradetalks.bargain.space`), so the frontier spans tariffs and transfers on one basis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import BargainingError

FloatArray = npt.NDArray[np.float64]

PLEDGE = "pledge"
PURCHASES = "purchases"
SIDE_CASES = ("pledge-low", "pledge-high", "purchase-low", "purchase-high")
"""Side-item cases of the bargaining bands (:meth:`SideValuation.under`), as the evaluation's."""


@dataclass(frozen=True)
class SideValuation:
    """How a side instrument's value v changes the two parties' objectives.

    Attributes
    ----------
    name
        Instrument name.
    kind
        ``"pledge"`` (v in US$bn pledged) or ``"purchase"`` (v in US$bn a year, an increment).
    payer
        Party index (0 = A, 1 = B) who pays (pledge) or buys (purchases); the other receives or sells.
    expenditure_bn
        (E_A, E_B): the parties' gross expenditure in the model baseline, US$bn a year.
    per_unit
        Pledge: annual transfer (US$bn a year) per US$bn pledged.
    baseline_bn, sigma, sector
        Purchases: the buyer's market purchases of the sector from the seller (US$bn a year) and the
        sector's elasticity of substitution.
    source
        Where the valuation comes from (printed with results).
    """

    name: str
    kind: Literal["pledge", "purchase"]
    payer: int
    expenditure_bn: tuple[float, float]
    per_unit: float = 0.0
    baseline_bn: float = 0.0
    sigma: float = 4.0
    sector: str = ""
    source: str = ""
    epsilon: float = math.inf

    def under(self, case: str) -> SideValuation:
        """This valuation under a side-item case of the bands (:data:`SIDE_CASES`): ``pledge-low|high`` the
        low / high annual transfer per US$ pledged of :func:`tradetalks.policy.pledge.value_pledge`,
        ``purchase-low|high`` the purchase cost case of :data:`tradetalks.policy.purchases.COST_CASES`
        (σ times its factor, the seller's ε); unchanged by a case of the other kind."""
        if case not in SIDE_CASES:
            raise BargainingError(f"side-item case: expected one of {SIDE_CASES}; found {case!r}")
        kind, level = case.split("-")
        if kind == "pledge" and self.kind == "pledge":
            from tradetalks.policy.pledge import value_pledge

            band = value_pledge()
            per = band.case("low" if level == "low" else "high").annual_transfer_usd_bn / band.terms.total_usd_bn
            return replace(self, per_unit=per, source=f"{self.source}; case {case}")
        if kind == "purchase" and self.kind == "purchase":
            from tradetalks.policy.purchases import COST_CASES

            f, eps = COST_CASES[level]
            return replace(self, sigma=self.sigma * f, epsilon=self.epsilon if math.isinf(eps) else eps,
                           source=f"{self.source}; case {case}")
        return self

    def annual_usd_bn(self, v: float) -> FloatArray:
        """(ΔW_A, ΔW_B) in US$bn a year at instrument value v."""
        out = np.zeros(2)
        if self.kind == "pledge":
            t = self.per_unit * max(v, 0.0)
            out[self.payer], out[1 - self.payer] = -t, t
            return out
        from tradetalks.policy.purchases import PurchaseCommitment, purchase_cost

        c = PurchaseCommitment("buyer", "seller", self.sector or "sector", max(v, 0.0), "increment")
        pc = purchase_cost(c, self.baseline_bn, self.sigma, self.epsilon)
        out[self.payer], out[1 - self.payer] = pc.welfare_change_usd_bn, pc.tot_transfer_usd_bn
        return out

    def value(self, v: float) -> FloatArray:
        """(ΔU_A, ΔU_B) in objective units (100 × US$bn / E)."""
        return np.asarray(100.0 * self.annual_usd_bn(v) / np.asarray(self.expenditure_bn))

    def derivative(self, v: float) -> FloatArray:
        """d(ΔU)/dv (analytic for the pledge; central difference of step 1e-4 US$bn for purchases)."""
        if self.kind == "pledge":
            d = np.zeros(2)
            d[self.payer], d[1 - self.payer] = -self.per_unit, self.per_unit
            return np.asarray(100.0 * d / np.asarray(self.expenditure_bn))
        h = 1e-4
        lo = max(v - h, 0.0)
        return np.asarray((self.value(v + h) - self.value(lo)) / (v + h - lo))


def usd_bn_per_unit(data_expenditure_m: FloatArray, parties: Sequence[int]) -> FloatArray:
    """US$bn a year per objective unit (1 = 1 % of government welfare ≈ 1 % of gross expenditure)."""
    return np.asarray([float(data_expenditure_m[p]) / 1000.0 / 100.0 for p in parties])


def pledge_per_unit() -> tuple[float, str]:
    """Central annual transfer per US$ pledged from the issue-10 pledge valuation, with its description."""
    from tradetalks.policy.pledge import value_pledge

    band = value_pledge()
    c = band.case("central")
    k = c.annual_transfer_usd_bn / band.terms.total_usd_bn
    lo, hi = (band.case(x).annual_transfer_usd_bn for x in ("low", "high"))
    src = (
        f"tradetalks.policy.pledge.value_pledge central case: {c.annual_transfer_usd_bn:.2f} US$bn a year for "
        f"{band.terms.total_usd_bn:g} US$bn pledged (band {lo:.2f}–{hi:.2f})"
    )
    return k, src


def side_valuations(
    data: TradeData,
    expenditure_m: FloatArray,
    parties: tuple[str, str],
    *,
    payer: str | None = None,
    purchase_sector: str | None = None,
) -> tuple[SideValuation, SideValuation]:
    """The pledge and purchase valuations of a two-party space (default payer/buyer: Japan when it is a
    party, otherwise party B; default purchase sector: agriculture or the first sector)."""
    cs = list(data.countries)
    if payer is None:
        payer = "JPN" if "JPN" in parties else parties[1]
    if payer not in parties:
        raise BargainingError(
            f"side payments: expected the payer among the parties {parties}; found {payer!r}"
        )
    p = parties.index(payer)
    seller = parties[1 - p]
    sec = purchase_sector or ("agriculture" if "agriculture" in data.sectors else data.sectors[0])
    if sec not in data.sectors:
        raise BargainingError(f"purchases: expected a sector among {data.sectors}; found {sec!r}")
    k = data.sectors.index(sec)
    e = (
        float(expenditure_m[cs.index(parties[0])]) / 1000.0,
        float(expenditure_m[cs.index(parties[1])]) / 1000.0,
    )
    per, src = pledge_per_unit()
    trade = np.asarray(data.ds["trade"].values, dtype=float)
    base_bn = float(trade[cs.index(seller), cs.index(payer), k]) / 1000.0
    sigma = float(np.asarray(data.param("sigma"))[k]) if data.has("sigma") else 4.0
    pledge = SideValuation(PLEDGE, "pledge", p, e, per_unit=per, source=src)
    purchase = SideValuation(
        PURCHASES,
        "purchase",
        p,
        e,
        baseline_bn=base_bn,
        sigma=sigma,
        sector=sec,
        source=f"tradetalks.policy.purchases.purchase_cost (increment over {base_bn:.1f} US$bn a year of {sec} "
        f"bought by {payer} from {seller}; sigma {sigma:.2f}; seller's export supply infinitely elastic)",
    )
    return pledge, purchase


# --------------------------------------------------------------------------------------------
# the real July 2025 package as a point of the space
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RealDeal:
    """The real package as a point x of a space, with its objectives and distance from the frontier.

    Attributes
    ----------
    x, u
        Instrument values and objectives (evaluated exactly).
    loss_units
        Efficiency loss per party: how much more party A (B) could get on the frontier with the other held
        at its real-deal objective (objective units ≈ % of government welfare).
    loss_usd_bn
        The same in US$bn a year (at the party's gross expenditure).
    frontier_u
        (2, 2): the two frontier points (A's max at B's real value, B's max at A's real value).
    notes
        What was mapped and what was left out.
    """

    x: FloatArray
    u: FloatArray
    loss_units: FloatArray
    loss_usd_bn: FloatArray
    frontier_u: FloatArray
    notes: tuple[str, ...]

    def as_dict(self, parties: tuple[str, str], names: Sequence[str]) -> dict[str, Any]:
        return {
            "u": {parties[0]: float(self.u[0]), parties[1]: float(self.u[1])},
            "package": {n: float(v) for n, v in zip(names, self.x, strict=True)},
            "efficiency_loss_pct": {p: float(v) for p, v in zip(parties, self.loss_units, strict=True)},
            "efficiency_loss_usd_bn_per_year": {
                p: float(v) for p, v in zip(parties, self.loss_usd_bn, strict=True)
            },
            "frontier_points": self.frontier_u.tolist(),
            "notes": list(self.notes),
            "units": "efficiency loss of party P: P's frontier gain with the other party held at its real-deal "
            "objective; % of government welfare (100 ln G) and US$bn a year at P's gross expenditure",
        }


def real_deal_x(
    space: Any, data: TradeData, scenario: str = "jp-us-deal"
) -> tuple[FloatArray, tuple[str, ...]]:
    """The real package's instrument vector: :func:`package_x` of the built-in scenario's
    :class:`~tradetalks.policy.package.Package`."""
    from tradetalks.policy.package import Package
    from tradetalks.policy.scenarios import builtin_spec

    return package_x(space, data, Package.from_spec(builtin_spec(scenario)))


def package_x(space: Any, data: TradeData, package: Any) -> tuple[FloatArray, tuple[str, ...]]:
    """A :class:`~tradetalks.policy.package.Package` as a point of the space: its tariffs through the one
    package path (:func:`tradetalks.policy.package.package_tariffs`, third countries kept at their reference
    rates), block means on the space's tariff instruments; the pledge and the purchases from the package's
    side items (instruments the space lacks are left out, and said so in the notes)."""
    from tradetalks.policy.package import package_tariffs

    pkg = replace(package, options=replace(package.options, third_countries="japan_only"))
    t = package_tariffs(pkg, data).matrix
    assert t is not None
    x = space.reference_x()
    notes = [
        f"tariffs: package {pkg.name!r} through policy.package.package_tariffs (third countries at reference)"
    ]
    names = {ins.name for ins in space.instruments}
    for k, ins in enumerate(space.instruments):
        if ins.kind == "tariff":
            x[k] = float(np.mean(t[ins.exporter, ins.importer, list(ins.sectors)]))
        elif ins.name == PLEDGE:
            x[k] = float(sum(p.usd_bn for p in pkg.pledges))
            notes.append(f"pledge: {x[k]:g} US$bn from the package's investment pledges")
        elif ins.name == PURCHASES:
            x[k] = float(sum(p.usd_bn_per_year for p in pkg.purchases))
            notes.append(
                f"purchases: {x[k]:g} US$bn a year (sum of the package's commitments, taken as an increment in "
                "one sector: an upper bound on their cost)"
            )
    left = [
        kind
        for kind, items, name in (("pledges", pkg.pledges, PLEDGE), ("purchases", pkg.purchases, PURCHASES))
        if items and name not in names
    ]
    if left:
        notes.append("not instruments of this space: " + ", ".join(left))
    if pkg.unmodelled:
        notes.append("not modelled: " + ", ".join(u.name for u in pkg.unmodelled))
    return np.clip(x, space.lower, space.upper), tuple(notes)


def efficiency_loss(
    space: Any, x: npt.ArrayLike, expenditure_m: FloatArray, notes: Sequence[str] = ()
) -> RealDeal:
    """Distance of package x from the frontier: each party's best frontier value with the other held at
    its value at x (exact constrained maximisation warm-started at x)."""
    from tradetalks.bargain.frontier import maximise

    xa = np.asarray(x, dtype=float)
    u = space.evaluate(xa, gradient=False).u.copy()
    fu = np.zeros((2, 2))
    loss = np.zeros(2)
    for who in (0, 1):
        r = maximise(space, who, float(u[1 - who]), xa)
        best = max(float(r.u[who]), float(u[who])) if r.u[1 - who] >= u[1 - who] - 1e-6 else float(u[who])
        fu[who] = r.u
        loss[who] = best - float(u[who])
    a, b = space.objectives[0].country, space.objectives[1].country
    per = usd_bn_per_unit(expenditure_m, [a, b])
    return RealDeal(xa, u, loss, loss * per, fu, tuple(notes))


def package_of(space: Any, x: npt.ArrayLike, name: str = "bargaining package") -> Any:
    """The :class:`tradetalks.policy.package.Package` of an instrument vector (issue 9's one package type):
    each tariff instrument becomes sector measures ``mode="set"`` on the base date 2025-01-01 (when no 2025
    measure is in force, so the measures in force are the dataset's tariffs, the space's usual reference);
    the pledge an investment pledge and the purchases an increment commitment.

    Through :func:`tradetalks.policy.package.package_tariffs` its tariff matrix equals
    ``space.tariffs(x)`` when the space's reference is the dataset's tariffs (tested). The pledge is
    valued in the space through :func:`pledge_per_unit`; in the Package it carries ``valuation="ignore"``
    with that note, so an evaluation of the Package does not count it twice.
    """
    from datetime import date

    from tradetalks.policy.package import Package, PackageOptions, Pledge, Purchase, TariffMeasure

    xa = np.asarray(x, dtype=float)
    cs, ss = space.countries, space.sectors
    measures = []
    purchases = []
    pledges = []
    for k, ins in enumerate(space.instruments):
        if ins.kind == "tariff":
            for s in ins.sectors:
                measures.append(
                    TariffMeasure(
                        cs[ins.importer], cs[ins.exporter], 100.0 * float(xa[k]), "set", sector=ss[s]
                    )
                )
            continue
        val = next((v for v in space.valuations if v.name == ins.name), None)
        if val is None:
            continue
        payer = space.parties[val.payer]
        other = space.parties[1 - val.payer]
        if val.kind == "pledge" and xa[k] > 0:
            pledges.append(
                Pledge(ins.name, payer, other, float(xa[k]), 1.0, valuation="ignore", note=val.source)
            )
        elif val.kind == "purchase" and xa[k] > 0:
            purchases.append(
                Purchase(ins.name, val.sector, other, payer, float(xa[k]), "increment", note=val.source)
            )
    return Package(
        name,
        date(2025, 1, 1),
        tariffs=tuple(measures),
        purchases=tuple(purchases),
        pledges=tuple(pledges),
        options=PackageOptions(third_countries="japan_only"),
    )
