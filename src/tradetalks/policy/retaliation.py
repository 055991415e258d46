r"""Retaliation: the one builder of the tariffs partners put back on an imposing country (issue 13).

Used by the sweeps (:mod:`tradetalks.sweep.spec`, retaliation mode ``reciprocal``) and the US scenarios
(:mod:`tradetalks.policy.us_scenarios`, modes ``reciprocal`` and ``optimal``). Tariffs are importer-imposed,
indexed [exporter, importer, (sector, ...)]; each function works on (N, N, S) or (N, N) arrays and
returns a new array.

* :func:`set_rates` — the primitive: importer j's tariff on exporter i's goods, in every sector, is set to
  r (``combine="replace"``) or raised by r (``"add"``).
* :func:`retaliate_at_rates` — each listed partner puts rate :math:`r_p` on the imposer's goods (the
  partners' optimal rate, or a mirrored uniform rate).
* :func:`reciprocal_tariffs` — reciprocal retaliation against a scenario's tariff changes: ``add``: every
  exporter i whose goods importer j taxes more than in the base raises its own tariff on j's goods by the
  same points, sector by sector, :math:`t'_{jis} = t_{jis} + \max(t_{ijs} - t^0_{ijs}, 0)`;
  ``replace``: i puts on j's goods the rate j puts on i's, :math:`t'_{jis} = t_{ijs}`. Capped at ``upper``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Combine = Literal["replace", "add"]
COMBINE: tuple[str, ...] = ("replace", "add")
TARIFF_CAP = 10.0
"""Upper bound of a tariff after retaliation (1,000 %; the Ossa model's bound)."""


def set_rates(t: npt.ArrayLike, cells: Iterable[tuple[int, int, float]], combine: str = "replace") -> FloatArray:
    """Tariffs with importer j's rate on exporter i set to (``replace``) or raised by (``add``) r in every
    sector, for each ``(i, j, r)`` in ``cells`` (own-country cells i = j are left alone)."""
    out = np.array(t, dtype=float)
    for i, j, r in cells:
        if i == j:
            continue
        out[i, j] = r if combine == "replace" else out[i, j] + r
    return out


def retaliate_at_rates(t: npt.ArrayLike, imposer: int, rates: Mapping[int, float],
                       combine: str = "replace") -> FloatArray:
    """Each partner p (index → rate) puts rate ``rates[p]`` on the imposer's goods in every sector."""
    return set_rates(t, ((imposer, p, r) for p, r in rates.items()), combine)


def reciprocal_tariffs(
    base: npt.ArrayLike, scenario: npt.ArrayLike, *, combine: str = "add", imposer: int | None = None,
    partners: Sequence[int] | None = None, upper: float = TARIFF_CAP,
) -> FloatArray:
    """Tariffs of ``scenario`` after reciprocal retaliation against its changes from ``base`` (module
    docstring).

    Parameters
    ----------
    base, scenario
        (N, N, S) or (N, N) importer-imposed tariffs [exporter, importer, ...] before and in the scenario.
    combine
        ``"add"``: mirror the rises, point for point; ``"replace"``: mirror the rates.
    imposer
        Only retaliation against this importer (default: against every importer).
    partners
        Only these exporters retaliate (default: every exporter).
    upper
        Cap of the resulting tariffs.
    """
    b = np.asarray(base, dtype=float)
    s = np.asarray(scenario, dtype=float)
    n = s.shape[0]
    mask = np.zeros((n, n), dtype=bool)  # mask[i, j]: exporter i retaliates against importer j
    rows = list(range(n)) if partners is None else list(partners)
    cols = list(range(n)) if imposer is None else [imposer]
    mask[np.ix_(rows, cols)] = True
    np.fill_diagonal(mask, False)
    extra = (slice(None),) * 2 + (None,) * (s.ndim - 2)
    m = mask.T[extra]  # [j, i]: j's goods taxed by i
    if combine == "add":
        rise = np.maximum(s - b, 0.0)
        out = s + np.where(m, np.swapaxes(rise, 0, 1), 0.0)
    else:
        out = np.where(m, np.swapaxes(s, 0, 1), s)
    return np.asarray(np.minimum(out, upper))


__all__ = ["COMBINE", "TARIFF_CAP", "Combine", "reciprocal_tariffs", "retaliate_at_rates", "set_rates"]
