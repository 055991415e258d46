"""Uncertainty on headline figures and sweeps over scenarios, elasticity draws and datasets (issue 13).

- :mod:`tradetalks.sweep.draws` — elasticity members: central, Monte Carlo draws, named published sets.
- :mod:`tradetalks.sweep.inputs` — what a re-solve needs of an evaluated scenario (tariffs, commitments,
  side-item cases); :mod:`tradetalks.sweep.members` — the members solved in batched Newton solves;
  :mod:`tradetalks.sweep.headline` — their headline figures by the outcome report's own formulas
  (:mod:`tradetalks.policy.outcome_arrays`).
- :mod:`tradetalks.sweep.uncertainty` — bands (5–95 %) of the headline figures; :func:`bands_for_evaluation`
  behind ``evaluate --uncertainty``.
- :mod:`tradetalks.sweep.spec`, :mod:`tradetalks.sweep.run` — sweep specs (TOML), partitioned execution on
  Dask or in-process, Parquet output with a manifest, resume, reading back.
"""

from tradetalks.sweep.draws import DrawOptions, ElasticityDraws, make_draws
from tradetalks.sweep.uncertainty import UncertaintyResult, bands_for_evaluation

__all__ = ["DrawOptions", "ElasticityDraws", "UncertaintyResult", "bands_for_evaluation", "make_draws"]
