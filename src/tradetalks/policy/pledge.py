r"""The US$550bn investment pledge valued from its terms: present value, band, break-even transfer.

Terms (sourced in ``../shared/data/raw/us-japan-2025/deal_commitments.csv``): Japan funds projects chosen by
the US up to US$550bn by 2029-01-19 (window end); cash flows are split 50/50 until Japan recoups its
capital, then 90 % to the US (MOU of 2025-09-04); financing by investments, loans and loan guarantees of
state-backed institutions (JBIC, NEXI) in shares not stated in the sources; first tranche US$36bn
(2026-02-17). Everything not sourced is an explicit assumption with a low / central / high value.

Model (per US$ committed, annual periods, Japan's discount rate :math:`\rho`)
--------------------------------------------------------------------------
* Equity share :math:`e`: the project returns an annuity with internal rate :math:`r` over :math:`H`
  years on the capital not lost (loss rate :math:`\lambda`), :math:`c = (1-\lambda)\,r/(1-(1+r)^{-H})`.
  Japan receives :math:`0.5c` a year until its receipts reach 1 (recoupment), then :math:`0.1c`:

  .. math:: L_e = 1 - \sum_{t=1}^{H} \frac{\kappa_t c}{(1+\rho)^t},\quad
            \kappa_t = 0.5 \text{ before recoupment}, 0.1 \text{ after}.

* Loan share :math:`l`: lent at Japan's discount rate (no concessional spread is sourced); the cost is the
  expected loss, :math:`L_l = \lambda`.
* Guarantee share :math:`g = 1-e-l`: no outlay, the cost is the expected call, :math:`L_g = \lambda`.

Japan's loss per dollar :math:`L = eL_e + lL_l + gL_g`; disbursed evenly from the first tranche to the
window end, each year's commitment :math:`K_t` discounted: :math:`PV = \sum_t K_t L/(1+\rho)^{t}`.
The annual transfer equivalent over the horizon is :math:`T = PV\,\rho/(1-(1+\rho)^{-H})` (US$bn a year), the
number a welfare evaluation books as a yearly transfer from Japan to the US.

Break-even: with :math:`EV^{deal}` Japan's equivalent variation of the deal *without* the pledge and
:math:`EV^{no\,deal}` that of no deal (US$bn a year), a lump-sum transfer lowers EV one for one (to first
order: income effects on the terms of trade ignored), so Japan is indifferent at
:math:`T^* = EV^{deal} - EV^{no\,deal}`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from tradetalks.errors import InputError

Case = Literal["low", "central", "high"]
CASES: tuple[Case, ...] = ("low", "central", "high")


@dataclass(frozen=True)
class Band:
    """An assumption with low / central / high values and the reason for them."""

    low: float
    central: float
    high: float
    basis: str

    def value(self, case: Case) -> float:
        return {"low": self.low, "central": self.central, "high": self.high}[case]


@dataclass(frozen=True)
class PledgeTerms:
    """The vehicle's terms. Sourced figures carry their source; the rest are :class:`Band` assumptions.

    ``low`` is the case least costly to Japan, ``high`` the most costly.
    """

    total_usd_bn: float = 550.0
    split_before_recoup: float = 0.5
    split_after_recoup: float = 0.1
    first_tranche: date = date(2026, 2, 17)
    first_tranche_usd_bn: float = 36.0
    window_end: date = date(2029, 1, 19)
    source: str = ("WH fact sheet 2025-07-23 (US$550bn; investments, loans and guarantees); MOU 2025-09-04 via "
                   "Swarajya/FT (50/50 until recoupment, then 90 % US); Reuters 2026-02-17 (first tranche "
                   "US$36bn); Bloomberg via newsbeep (window to 2029-01-19)")
    discount_rate: Band = Band(0.01, 0.02, 0.03, "ASSUMPTION: Japan's public funding cost (JGB/JBIC); not in the stored sources")
    project_return: Band = Band(0.08, 0.05, 0.03, "ASSUMPTION: project IRR; 5 % central as in the earlier evaluation")
    loss_rate: Band = Band(0.0, 0.10, 0.30, "ASSUMPTION: share of capital lost (defaults, called guarantees)")
    equity_share: Band = Band(0.02, 0.10, 0.30, "ASSUMPTION: the sources say 'investments, loans and loan guarantees' without shares; most is said to be loans and guarantees")
    loan_share: Band = Band(0.49, 0.45, 0.35, "ASSUMPTION: rest split between loans and guarantees")
    horizon_years: Band = Band(20.0, 20.0, 20.0, "ASSUMPTION: project life and transfer horizon")


@dataclass(frozen=True)
class PledgeValue:
    """Value of the pledge to Japan in one case (US$bn; negative = cost to Japan)."""

    case: Case
    discount_rate: float
    project_return: float
    loss_rate: float
    equity_share: float
    loan_share: float
    horizon_years: int
    loss_per_dollar: float
    equity_loss_per_dollar: float
    recoup_year: int | None
    pv_cost_usd_bn: float
    annual_transfer_usd_bn: float
    disbursed_to_date_usd_bn: float


@dataclass(frozen=True)
class PledgeBand:
    """The three cases and, when given, the break-even annual transfer."""

    terms: PledgeTerms
    cases: tuple[PledgeValue, ...]
    breakeven_usd_bn_per_year: float | None

    def case(self, c: Case) -> PledgeValue:
        return next(v for v in self.cases if v.case == c)

    def lines(self) -> tuple[str, ...]:
        out = [f"pledge: {self.terms.total_usd_bn:g} US$bn; {self.terms.source}"]
        for v in self.cases:
            out.append(
                f"  {v.case:<7} rho={v.discount_rate:.1%} r={v.project_return:.1%} loss={v.loss_rate:.0%} "
                f"equity={v.equity_share:.0%} loans={v.loan_share:.0%}: PV cost {v.pv_cost_usd_bn:.1f} US$bn, "
                f"{v.annual_transfer_usd_bn:.2f} US$bn/yr over {v.horizon_years} yr"
            )
        if self.breakeven_usd_bn_per_year is not None:
            out.append(f"  break-even annual transfer (Japan indifferent deal vs no deal): "
                       f"{self.breakeven_usd_bn_per_year:.2f} US$bn/yr")
        return tuple(out)


def equity_loss(r: float, rho: float, loss: float, horizon: int, before: float = 0.5,
                after: float = 0.1) -> tuple[float, int | None]:
    """Loss per equity dollar under the recoupment split, and the recoupment year (None if never)."""
    c = (1.0 - loss) * (r / (1.0 - (1.0 + r) ** -horizon) if r > 0 else 1.0 / horizon)
    got = pv = 0.0
    recoup: int | None = None
    for t in range(1, horizon + 1):
        share = before if recoup is None else after
        pay = share * c
        if recoup is None and got + pay >= 1.0:
            # the year of recoupment: the part up to 1 at the pre-recoupment share, the rest after
            part = 1.0 - got
            pay = part + (c - part / before) * after
            recoup = t
        got += pay
        pv += pay / (1.0 + rho) ** t
    return 1.0 - pv, recoup


def value_pledge(terms: PledgeTerms = PledgeTerms(), on: date = date(2026, 11, 30),
                 ev_deal_without_pledge: float | None = None,
                 ev_no_deal: float | None = None) -> PledgeBand:
    """Present value of the pledge in the low, central and high cases, and the break-even transfer.

    Parameters
    ----------
    terms
        The vehicle's terms and assumption bands.
    on
        Valuation date (disbursed to date = the tranches dated on or before it).
    ev_deal_without_pledge, ev_no_deal
        Japan's equivalent variation (US$bn a year) of the deal without the pledge and of no deal; both
        given → the break-even annual transfer.

    Raises
    ------
    InputError
        Shares outside [0, 1] or summing above 1; a non-positive horizon.
    """
    vals = []
    years = max(1, round((terms.window_end - terms.first_tranche).days / 365.25))
    for case in CASES:
        rho, r, lam = (terms.discount_rate.value(case), terms.project_return.value(case),
                       terms.loss_rate.value(case))
        e, l_, h = terms.equity_share.value(case), terms.loan_share.value(case), int(terms.horizon_years.value(case))
        if not (0 <= e <= 1 and 0 <= l_ <= 1 and e + l_ <= 1 + 1e-12) or h < 1:
            raise InputError("pledge shares", "equity, loan shares in [0, 1] summing to <= 1 and horizon >= 1",
                             f"equity={e}, loans={l_}, horizon={h}")
        le, recoup = equity_loss(r, rho, lam, h, terms.split_before_recoup, terms.split_after_recoup)
        loss = e * le + (1.0 - e) * lam
        k = terms.total_usd_bn / years
        pv = sum(k * loss / (1.0 + rho) ** t for t in range(years))
        ann = pv * rho / (1.0 - (1.0 + rho) ** -h) if rho > 0 else pv / h
        disbursed = terms.first_tranche_usd_bn if on >= terms.first_tranche else 0.0
        vals.append(PledgeValue(case, rho, r, lam, e, l_, h, loss, le, recoup, pv, ann, disbursed))
    be = None
    if ev_deal_without_pledge is not None and ev_no_deal is not None:
        be = float(ev_deal_without_pledge - ev_no_deal)
    return PledgeBand(terms, tuple(vals), be)


def with_case_values(terms: PledgeTerms, **central: float) -> PledgeTerms:
    """Terms with some central values replaced (keeping low/high), e.g. ``discount_rate=0.04``."""
    kw = {k: replace(getattr(terms, k), central=v) for k, v in central.items()}
    return replace(terms, **kw)
