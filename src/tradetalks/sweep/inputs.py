r"""What a batched re-solve needs of one evaluated scenario: tariffs, closure, purchase commitments and the
side-item cases (issue 13).

Side items
----------
A side-item case is one assumption about the package's side items, carried into the GE solve as a change of
net exports (transfers, US$ millions a year): ``low`` / ``central`` / ``high`` valuations of the investment
pledges (:mod:`tradetalks.policy.pledge`). ``central`` is always the package as evaluated. Purchase
commitments met by a wedge are re-costed in every member at its own flows and σ; their cost cases
(``purchase-low`` / ``purchase-high``, :data:`tradetalks.policy.purchases.COST_CASES`) change only the side
items' welfare, not the equilibrium, and are applied to the central case's solutions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import SweepSpecError

FloatArray = npt.NDArray[np.float64]

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
class CostCase:
    """One purchase-cost assumption (:data:`tradetalks.policy.purchases.COST_CASES`): the wedges are costed
    with the member's σ of the sector times ``factor`` and the seller's export-supply elasticity
    ``epsilon`` (``inf``: the evaluation's own). It changes no equilibrium (the cost is a partial-equilibrium
    wedge added to the EV, :mod:`tradetalks.policy.purchases`), so it is applied to the central side case's
    solutions."""

    label: str
    factor: float
    epsilon: float
    note: str


@dataclass(frozen=True, eq=False)
class Wedge:
    """A purchase commitment met by a wedge (:func:`tradetalks.policy.purchases.purchase_cost`) as the bands
    re-cost it in every member: cell indices, the commitment, and its cost in the evaluation."""

    exporter: int
    importer: int
    sector: int
    cost: Any


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
    cost_cases
        Purchase-cost cases (``purchase-low``, ``purchase-high``), applied to the central side case.
    wedges
        Purchase commitments met by a wedge, re-costed at each member's flows and σ
        (:func:`tradetalks.sweep.headline.member_side_ev`).
    """

    name: str
    tariff: FloatArray
    closure: str
    commitments: tuple[Commitment, ...]
    side_cases: tuple[SideCase, ...]
    template: Any
    cost_cases: tuple[CostCase, ...] = ()
    wedges: tuple[Wedge, ...] = ()


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


def _purchase_cases(pr: Any, data: TradeData) -> tuple[tuple[CostCase, ...], tuple[Wedge, ...]]:
    """The package's wedge commitments and their cost cases (:data:`tradetalks.policy.purchases.COST_CASES`
    ``low`` and ``high``); none without a binding wedge."""
    from tradetalks.policy.purchases import COST_CASES

    wedges = tuple(Wedge(data.index(c.exporter), data.index(c.importer), data.sector_index(c.sector), c.cost)
                   for c in getattr(pr, "commitments", ()) if getattr(c, "cost", None) is not None)
    if getattr(pr, "side_ev_usd_m", None) is None or not any(w.cost.binds for w in wedges):
        return (), wedges
    cases = tuple(CostCase(f"purchase-{case}", f, eps, f"purchase cost {case}: demand elasticity x {f:g}, "
                           f"seller's export-supply elasticity {eps:g} (policy.purchases.COST_CASES; stated)")
                  for case in ("low", "high") for f, eps in [COST_CASES[case]])
    return cases, wedges


def inputs_from_evaluation(pr: Any, data: TradeData, side_cases: Sequence[SideCase] | None = None) -> ScenarioInputs:
    """Collect the scenario's tariffs, closure, commitments and side-item cases from a policy evaluation.

    Parameters
    ----------
    pr
        A :class:`tradetalks.policy.evaluate.PackageResult`.
    data
        The dataset it was evaluated on.
    side_cases
        Side-item cases; default: the pledges' low / central / high cases (:func:`_pledge_cases`); the
        purchase-cost cases (:func:`_purchase_cases`) come with them.
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
    return ScenarioInputs(str(name), tariff, str(pr.result.closure), comms, cases, pr, *_purchase_cases(pr, data))


__all__ = ["PLEDGE_FACTORS", "Commitment", "CostCase", "ScenarioInputs", "SideCase", "Wedge", "inputs_from_evaluation"]
