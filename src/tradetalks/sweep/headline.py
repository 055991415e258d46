r"""Headline figures of every solved member at once, by the outcome report's own formulas.

:func:`batch_headline` calls the pure array functions of :mod:`tradetalks.policy.outcome_arrays` — the ones
the outcome report (:func:`tradetalks.policy.outcome.outcome`) calls on a single GE result — on the
(B, N, N, S) arrays of a member batch, so a band is a band of exactly the figure the CLI prints, and the
formulas exist once. :func:`policy_headline` builds the full outcome report of one member (slow; used to
check the two paths give the same keys and values).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradetalks.data.tradedata import TradeData
from tradetalks.model import ossa_batch
from tradetalks.policy.outcome_arrays import (
    OutcomeArrays,
    country_figures,
    headline_figures,
    pair_figures,
    sector_output_pct,
)
from tradetalks.results.counterfactual import CounterfactualResult
from tradetalks.sweep.inputs import CostCase, ScenarioInputs
from tradetalks.sweep.members import MemberSolution

FloatArray = npt.NDArray[np.float64]


def unit_of(metric: str) -> str:
    """Unit of a headline key: ``%`` for ``*_pct`` figures (and sector output ``*.output_pct.*``), US$bn
    for levels."""
    return "%" if metric.endswith("_pct") or ".output_pct." in metric else "US$bn"


def member_arrays(sol: MemberSolution, gdp: FloatArray | None = None,
                  side_ev: FloatArray | None = None) -> OutcomeArrays:
    """The outcome formulas' inputs for every member of a solution (leading axis B; baseline arrays shared
    by every member keep a leading axis of 1, so their figures are computed once)."""
    pb, eq = sol.batch, sol.eq
    return OutcomeArrays(
        trade_base=pb.trade, trade_new=eq.trade_new,
        tariff_base=pb.tariff, tariff_new=eq.tariff_new, wage_hat=eq.w_hat, income_hat=eq.e_hat,
        welfare_hat=ossa_batch.welfare_hat_batch(pb, eq), expenditure=pb.expenditure,
        gdp=None if gdp is None else np.asarray(gdp, dtype=float),
        side_ev=None if side_ev is None else np.asarray(side_ev, dtype=float))


def batch_headline(sol: MemberSolution, countries: Sequence[str], sectors: Sequence[str],
                   parties: tuple[str, str] = ("USA", "JPN"), auto_sector: str = "motor_vehicles",
                   gdp: FloatArray | None = None, side_ev: FloatArray | None = None) -> dict[str, FloatArray]:
    r"""The headline figures of :meth:`tradetalks.policy.outcome.Outcome.headline` for every member at
    once — (B,) arrays under the same keys, computed by the same functions
    (:mod:`tradetalks.policy.outcome_arrays`) — and the parties' output change by sector
    (``<country>.output_pct.<sector>``, as the report's ``sector_output_pct``).

    ``gdp`` (N,) is the evaluation's GDP and ``side_ev`` (N,) or (B, N) the side-item welfare (US$ millions).
    """
    arrays = member_arrays(sol, gdp, side_ev)
    cs, ss = list(countries), list(sectors)
    auto = ss.index(auto_sector)
    idx = (cs.index(parties[0]), cs.index(parties[1]))
    out = headline_figures(cs, country_figures(arrays, auto), pair_figures(arrays, idx, parties, auto), parties)
    sec = sector_output_pct(arrays)
    for x, k in zip(parties, idx, strict=True):
        for q, sector in enumerate(ss):
            out[f"{x}.output_pct.{sector}"] = sec[:, k, q]
    b = sol.eq.w_hat.shape[0]
    return {k: np.broadcast_to(np.asarray(v, dtype=float), (b,)) for k, v in out.items()}


def member_side_ev(sol: MemberSolution, inputs: ScenarioInputs, case: CostCase | None = None) -> FloatArray | None:
    r"""The side items' welfare of every member (B, N), US$ millions a year: the evaluation's
    (``side_ev_usd_m``) with each purchase wedge re-costed at the member's own flow of the committed cell and
    its σ of the sector (:func:`tradetalks.policy.purchases.wedge_effects`),

    .. math:: S_b = S^{\text{eval}} + \sum_c \big[\Delta W_c(X'_{b,c}, f\sigma_{b,s_c}, \varepsilon)
              - \Delta W_c^{\text{eval}}\big] \text{ (buyer)}, \text{ likewise the seller's transfer},

    with ``case`` (:class:`CostCase`) giving the factor f on σ and the seller's ε (central: 1 and the
    evaluation's). A member at the evaluation's σ and flows gets the evaluation's side items. ``None`` when
    the evaluation has none."""
    from tradetalks.policy.purchases import wedge_effects

    base = getattr(inputs.template, "side_ev_usd_m", None)
    if base is None:
        return None
    b = sol.eq.w_hat.shape[0]
    side = np.broadcast_to(np.asarray(base, dtype=float), (b, np.shape(base)[0])).copy()
    f = 1.0 if case is None else case.factor
    for w in inputs.wedges:
        eps = w.cost.epsilon if case is None or np.isinf(case.epsilon) else case.epsilon
        flow = np.asarray(sol.eq.trade_new[:, w.exporter, w.importer, w.sector]) / 1000.0
        welfare, transfer = wedge_effects(w.cost.commitment, flow, f * sol.batch.sigma[:, w.sector], eps)
        side[:, w.importer] += 1000.0 * (welfare - w.cost.welfare_change_usd_bn)
        side[:, w.exporter] += 1000.0 * (transfer - w.cost.tot_transfer_usd_bn)
    return side


def template_headline(sol: MemberSolution, data: TradeData, inputs: ScenarioInputs,
                      parties: tuple[str, str] = ("USA", "JPN"), case: CostCase | None = None
                      ) -> dict[str, FloatArray]:
    """:func:`batch_headline` with what the evaluated scenario adds: the dataset's GDP (``gdp_usd_m``) and the
    members' side-item welfare (:func:`member_side_ev`, under a purchase-cost ``case``)."""
    return batch_headline(sol, data.countries, data.sectors, parties,
                          gdp=getattr(inputs.template, "gdp_usd_m", None), side_ev=member_side_ev(sol, inputs, case))


@dataclass(frozen=True, eq=False)
class CaseTable:
    """Headline figures of one scenario by member × side-item case: ``values`` (M, C, K) under ``metrics``,
    ``converged`` (M, C), case ``labels`` (the GE side cases, then the purchase-cost cases) and ``notes``."""

    labels: tuple[str, ...]
    metrics: tuple[str, ...]
    values: FloatArray
    converged: npt.NDArray[np.bool_]
    notes: Mapping[str, str]


def case_table(sol: MemberSolution | Sequence[MemberSolution], data: TradeData, inputs: ScenarioInputs,
               parties: tuple[str, str] = ("USA", "JPN")) -> CaseTable:
    """The headline figures of every member and side-item case of a solved scenario — the one table behind
    the bands (:func:`tradetalks.sweep.uncertainty.uncertainty`) and the sweeps' partitions. Purchase-cost
    cases reuse the central side case's equilibria with their own side-item welfare. Blocks of a solution
    (:func:`tradetalks.sweep.members.solve_blocks`) are tabulated one by one and stacked in member order."""
    if not isinstance(sol, MemberSolution):
        tabs = [_case_table(b, data, inputs, parties) for b in sol]
        first = tabs[0]
        return CaseTable(first.labels, first.metrics, np.concatenate([t.values for t in tabs]),
                         np.concatenate([t.converged for t in tabs]), first.notes)
    return _case_table(sol, data, inputs, parties)


def _case_table(sol: MemberSolution, data: TradeData, inputs: ScenarioInputs,
                parties: tuple[str, str]) -> CaseTable:
    heads = template_headline(sol, data, inputs, parties)
    metrics = tuple(heads)
    m, c = sol.n_members, sol.n_cases
    vals = [np.stack([heads[k] for k in metrics], axis=-1).reshape(m, c, len(metrics))]
    ok = [sol.converged.reshape(m, c)]
    labels = [k.label for k in inputs.side_cases]
    central = labels.index("central")
    notes = {k.label: k.note for k in inputs.side_cases}
    for case in inputs.cost_cases:
        h = template_headline(sol, data, inputs, parties, case)
        vals.append(np.stack([h[k] for k in metrics], axis=-1).reshape(m, c, len(metrics))[:, central:central + 1])
        ok.append(ok[0][:, central:central + 1])
        labels.append(case.label)
        notes[case.label] = case.note
    return CaseTable(tuple(labels), metrics, np.concatenate(vals, axis=1), np.concatenate(ok, axis=1), notes)


def policy_headline(template: Any, result: CounterfactualResult,
                    parties: tuple[str, str] = ("USA", "JPN")) -> Mapping[str, float]:
    """The policy layer's headline figures (the one outcome report) of an evaluated scenario whose GE result
    is ``result``, with the parties' sector output (``<country>.output_pct.<sector>``)."""
    from tradetalks.policy.outcome import outcome

    pr = dataclasses.replace(template, result=result, result_tariffs_only=result)
    o = outcome(pr, parties)
    out = o.headline()
    for country in o.sector_output_pct.columns:
        for sector, v in o.sector_output_pct[country].items():
            out[f"{country}.output_pct.{sector}"] = float(v)
    return out


__all__ = ["CaseTable", "batch_headline", "case_table", "member_arrays", "member_side_ev", "policy_headline",
           "template_headline", "unit_of"]
