r"""Step decomposition of a deal's welfare effect: tariffs only → + partner's changes → + purchases → + pledge.

Each step adds one instrument to the previous one; the row gives the cumulative equivalent variation of
one country (US$bn a year at baseline prices) and the step's increment, so the increments add up to the
total exactly. The first two steps come from general-equilibrium solves (the caller's evaluation of the
package restricted to its tariffs, then with the partner's tariff changes); purchases enter as their cost
to the buyer (:mod:`tradetalks.policy.purchases`, never a gain for the buyer; the seller gains the
terms-of-trade part) and the pledge as the annual transfer of :mod:`tradetalks.policy.pledge` (a loss for
the investor, a gain for the host). With a GDP figure, rows also give % of GDP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tradetalks.errors import InputError

STEPS: tuple[str, ...] = ("tariffs only", "+ partner's tariff changes", "+ purchases", "+ pledge")


@dataclass(frozen=True)
class StepRow:
    """One step of the decomposition for one country (US$bn a year; % of GDP where GDP is known)."""

    step: str
    country: str
    ev_usd_bn: float
    increment_usd_bn: float
    pct_gdp: float | None
    increment_pct_gdp: float | None
    note: str


def step_rows(
    country: str,
    ev_tariffs_only: float,
    ev_with_partner: float,
    purchases_usd_bn: float,
    pledge_usd_bn: float,
    *,
    gdp_usd_bn: float | None = None,
    notes: Sequence[str] = ("GE solve", "GE solve", "purchase wedge cost (policy.purchases)",
                            "annual transfer (policy.pledge, central case)"),
) -> tuple[StepRow, ...]:
    """Rows of the step decomposition for one country.

    Parameters
    ----------
    country
        ISO3 label.
    ev_tariffs_only, ev_with_partner
        Equivalent variation (US$bn a year) of the package's own tariffs, then with the partner's changes.
    purchases_usd_bn
        Welfare effect of the purchase commitments on this country (<= 0 for the buyer).
    pledge_usd_bn
        Welfare effect of the pledge (minus the annual transfer for the investor, plus for the host).
    gdp_usd_bn
        GDP for the % of GDP columns (None: not shown).

    Raises
    ------
    InputError
        A non-finite figure or a non-positive GDP.
    """
    vals = (ev_tariffs_only, ev_with_partner, purchases_usd_bn, pledge_usd_bn)
    if any(v != v or v in (float("inf"), float("-inf")) for v in vals):
        raise InputError("step decomposition", "finite US$bn figures", repr(vals))
    if gdp_usd_bn is not None and not gdp_usd_bn > 0:
        raise InputError("gdp_usd_bn", "a positive GDP in US$bn", repr(gdp_usd_bn))
    cum = [ev_tariffs_only, ev_with_partner, ev_with_partner + purchases_usd_bn,
           ev_with_partner + purchases_usd_bn + pledge_usd_bn]
    rows = []
    prev = 0.0
    for step, c, note in zip(STEPS, cum, notes, strict=True):
        inc = c - prev
        pct = None if gdp_usd_bn is None else 100.0 * c / gdp_usd_bn
        ipct = None if gdp_usd_bn is None else 100.0 * inc / gdp_usd_bn
        rows.append(StepRow(step, country, c, inc, pct, ipct, note))
        prev = c
    return tuple(rows)
