"""Bargaining layer: government objectives, no-deal points, package spaces, the Pareto frontier,
bargaining solutions and simulated negotiation rounds (DESIGN.md §6).

Modules: :mod:`~tradetalks.bargain.objectives` (objectives and their exact gradients, TOML specs),
:mod:`~tradetalks.bargain.space` (package space, no-deal points), :mod:`~tradetalks.bargain.frontier`
(ε-constraint frontier), :mod:`~tradetalks.bargain.solutions` (Nash, Kalai–Smorodinsky, egalitarian,
equal-gain, Rubinstein), :mod:`~tradetalks.bargain.negotiate` (alternating offers toward deadlines),
:mod:`~tradetalks.bargain.chart` (Plotly / matplotlib charts), :mod:`~tradetalks.bargain.problem`
(workflows behind the CLI), :mod:`~tradetalks.bargain.enforce` (self-enforcement, critical δ),
:mod:`~tradetalks.bargain.advisor` (counter-offers), :mod:`~tradetalks.bargain.transfers` (side payments as
instruments, the real deal as a point), :mod:`~tradetalks.bargain.inverse` (implied bargaining weight). Trade wars and Ossa's cooperative tariffs are in
:mod:`tradetalks.model.strategic`.
"""

from tradetalks.bargain.frontier import Frontier, trace_frontier
from tradetalks.bargain.objectives import ObjectiveSpec, load_objectives, resolve
from tradetalks.bargain.solutions import UtilityFrontier, egalitarian, kalai_smorodinsky, nash, rubinstein

__all__ = [
    "Frontier",
    "ObjectiveSpec",
    "UtilityFrontier",
    "egalitarian",
    "kalai_smorodinsky",
    "load_objectives",
    "nash",
    "resolve",
    "rubinstein",
    "trace_frontier",
]
