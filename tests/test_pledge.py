"""The pledge valued from its terms (policy/pledge.py): analytic identities, stated in each test."""

from __future__ import annotations

import dataclasses

import pytest

from tradetalks.errors import InputError
from tradetalks.policy.pledge import Band, PledgeTerms, equity_loss, value_pledge


def test_npv_identity_at_own_irr() -> None:
    """Identity: a project discounted at its own IRR has NPV 0, so with the whole cash flow to Japan
    (split 1/1) and rho = r the equity loss is 0 (to 1e-12), whatever the horizon."""
    for r, h in ((0.05, 20), (0.08, 10), (0.02, 30)):
        loss, recoup = equity_loss(r, r, 0.0, h, before=1.0, after=1.0)
        assert loss == pytest.approx(0.0, abs=1e-12)
        assert recoup is not None


def test_split_costs_japan() -> None:
    """With the MOU split (50/50, then 10 % to Japan) Japan gets less than the whole project: the loss is
    positive and rises with the loss rate and falls with the project return (monotone comparative statics)."""
    base, _ = equity_loss(0.05, 0.02, 0.0, 20)
    assert 0 < base < 1
    assert equity_loss(0.05, 0.02, 0.2, 20)[0] > base
    assert equity_loss(0.08, 0.02, 0.0, 20)[0] < base


def test_band_ordering_and_breakeven() -> None:
    """low <= central <= high cost; break-even = EV(deal without pledge) - EV(no deal) (first order)."""
    b = value_pledge(ev_deal_without_pledge=-3.0, ev_no_deal=-10.0)
    pv = [b.case(c).pv_cost_usd_bn for c in ("low", "central", "high")]
    assert pv[0] <= pv[1] <= pv[2]
    assert b.breakeven_usd_bn_per_year == pytest.approx(7.0, abs=1e-12)
    assert b.case("central").disbursed_to_date_usd_bn == 36.0
    assert dataclasses.is_dataclass(b) and b.lines()


def test_zero_loss_all_loans_costs_nothing() -> None:
    """Identity: loans at the discount rate with no losses cost Japan nothing (PV 0)."""
    z = Band(0.0, 0.0, 0.0, "test")
    t = dataclasses.replace(PledgeTerms(), loss_rate=z, equity_share=z, loan_share=Band(1.0, 1.0, 1.0, "test"))
    b = value_pledge(t)
    assert all(v.pv_cost_usd_bn == pytest.approx(0.0, abs=1e-12) for v in b.cases)


def test_bad_shares() -> None:
    t = dataclasses.replace(PledgeTerms(), equity_share=Band(0.8, 0.8, 0.8, "x"))
    with pytest.raises(InputError):
        value_pledge(t)
