"""Trade wars and trade talks (Ossa 2014): equilibrium properties checked from their definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.errors import ModelError, OptionError
from tradetalks.model import ossa, ossa_optimal, strategic
from tradetalks.model.common import SolverOptions

from .test_ossa import random_economy


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 1000), mfn=st.booleans())
def test_trade_war_tariffs_are_mutual_best_responses(seed: int, mfn: bool) -> None:
    """Definition of a Nash equilibrium: no player gains ≥ 1e-6 (relative) by deviating to its best
    response against the others' war tariffs, searched from several starting points."""
    data = random_economy(seed, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    war = strategic.trade_war(base, mfn=mfn, tol=1e-7)
    assert war.converged
    for j in range(base.n):
        br = ossa_optimal.optimal_tariff(
            base, j, tariff=war.tariff, mfn=mfn, starts=("uniform", "zero", "current")
        )
        assert br.gov_welfare_hat[j] <= war.gov_welfare_hat[j] * (1 + 1e-6)


def test_trade_war_passive_players_keep_tariffs() -> None:
    """Players outside the war keep their tariffs; the war between two players leaves them unchanged."""
    data = random_economy(4, n=4, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    war = strategic.trade_war(base, players=[0, 1])
    np.testing.assert_array_equal(war.tariff[:, 2:, :], base.tariff[:, 2:, :])
    assert war.players == (0, 1)
    with pytest.raises(ModelError, match="players"):
        strategic.trade_war(base, players=[0, 0])


@pytest.mark.parametrize("start", ["factual", "free-trade", "nash"])
def test_cooperative_equal_gains_and_efficiency(start: str) -> None:
    """Ossa's cooperative tariffs: (i) every player gains the same % from the start (to 1e-6 log points);
    (ii) efficiency — no random small feasible change of the tariffs raises every player's welfare."""
    data = random_economy(9, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    t0 = strategic.start_tariffs(base, start)
    coop = strategic.cooperative(base, t0, start=start)
    assert coop.converged
    assert np.ptp(coop.gains) < 1e-6
    assert coop.gain >= -1e-9  # the start point itself is feasible
    rng = np.random.default_rng(0)
    g = np.log(coop.gov_welfare_hat)
    n = base.n
    for _ in range(200):
        t = np.clip(coop.tariff + rng.normal(0, 0.01, coop.tariff.shape), 0, 10)
        t[np.arange(n), np.arange(n)] = 0
        eq = ossa.solve_equilibrium(base, t, options=SolverOptions(tol=1e-12))
        gt = np.log(ossa.gov_welfare_hat(base, eq)[0])
        assert not np.all(gt > g + 1e-9)


def test_start_point_option_checked() -> None:
    """Unknown start points are rejected with the allowed values."""
    base = ossa.baseline_from_data(random_economy(1), "balanced")
    with pytest.raises(OptionError, match="free-trade"):
        strategic.start_tariffs(base, "autarky")


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"tol": float("inf")}, "tol"),
        ({"tol": float("nan")}, "tol"),
        ({"tol": 0.0}, "tol"),
        ({"tol": -1e-4}, "tol"),
        ({"gain_tol": 2.0}, "gain_tol"),
        ({"max_rounds": 0}, "max_rounds"),
    ],
)
def test_trade_war_refuses_bad_tolerances(kwargs: dict[str, float], option: str) -> None:
    """Issue 15: tolerances outside (0, 1] (NaN, inf, ≤ 0) and counts below 1 are named errors, the rule of
    ``SolverOptions``, before any work."""
    base = ossa.baseline_from_data(random_economy(1), "balanced")
    with pytest.raises(OptionError, match=option):
        strategic.trade_war(base, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "option"), [({"tol": float("inf")}, "tol"), ({"max_outer": 0}, "max_outer")]
)
def test_cooperative_refuses_bad_tolerances(kwargs: dict[str, float], option: str) -> None:
    """As above for the cooperative tariffs."""
    base = ossa.baseline_from_data(random_economy(1), "balanced")
    with pytest.raises(OptionError, match=option):
        strategic.cooperative(base, base.tariff, **kwargs)  # type: ignore[arg-type]


class _Cancelled(Exception):
    pass


def test_progress_hook_reports_rounds_and_cancels() -> None:
    """The hook sees (round, max_rounds, change) once per round, the last call the final round; a hook that
    raises stops the war and its exception propagates unchanged (a job's cancel)."""
    base = ossa.baseline_from_data(random_economy(4, n=3, s=2), "balanced")
    calls: list[tuple[int, int, float]] = []
    war = strategic.trade_war(base, max_rounds=20, progress=lambda i, n, c: calls.append((i, n, c)))
    assert [c[0] for c in calls] == list(range(1, war.rounds + 1))
    assert all(c[1] == 20 and np.isfinite(c[2]) for c in calls)

    def cancel(i: int, n: int, c: float) -> None:
        raise _Cancelled

    with pytest.raises(_Cancelled):
        strategic.trade_war(base, progress=cancel)
    seen: list[int] = []

    def cancel_coop(i: int, n: int, v: float) -> None:
        seen.append(i)
        if i == 2:
            raise _Cancelled

    with pytest.raises(_Cancelled):
        strategic.cooperative(base, base.tariff, progress=cancel_coop)
    assert seen == [1, 2]


def test_cooperative_default_starts_best_kept_and_spread() -> None:
    """Issue 11 item 6: by default the cooperative tariffs run from the uniform, zero and current points and
    seeded random ones, keep the best converged run and report the range over starts (definition checks)."""
    base = ossa.baseline_from_data(random_economy(9, n=3, s=2), "balanced")
    coop = strategic.cooperative(base, base.tariff, start="factual")
    names = [name for name, _ in coop.starts]
    assert names == list(strategic.COOP_DEFAULT_STARTS)
    assert {"uniform", "zero", "current", "random"} <= set(names)
    values = [g for _, g in coop.starts]
    assert coop.converged
    assert coop.spread == pytest.approx(max(values) - min(values))
    assert coop.gain >= max(values) - 1e-8  # the kept run is the best (to the equal-gain tolerance)
    again = strategic.cooperative(base, base.tariff, start="factual")
    assert again.starts == coop.starts  # seeded: the same starts, the same answer
