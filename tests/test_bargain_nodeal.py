"""Issue 11: bilateral no-deal points, robust (multi-start) best responses, MFN cooperative tariffs,
self-enforcement and the counter-offer advisor — each checked from its definition or an analytic case."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradetalks.bargain.advisor import advise
from tradetalks.bargain.enforce import check_package, critical_delta, self_enforcement
from tradetalks.bargain.problem import build_space, nodeal_point
from tradetalks.cli.app import app
from tradetalks.errors import BargainingError, ModelError
from tradetalks.model import ossa, ossa_optimal, strategic

from .test_ossa import random_economy

BR_ALL = ("uniform", "zero", "current", "random", "random")


@pytest.fixture(scope="module")
def econ3():  # type: ignore[no-untyped-def]
    data = random_economy(31, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    return data, base


def test_bilateral_war_mutual_best_responses_third_countries_fixed(econ3) -> None:  # type: ignore[no-untyped-def]
    """Definition of the bilateral war (DESIGN §6): every third-country tariff — third countries' own and
    the parties' tariffs on third countries — is untouched, and each party's tariffs on the other are a best
    response: no party gains more than 1e-7 (relative Ĝ) by re-optimising them from five starting points."""
    data, base = econ3
    war = strategic.trade_war(base, [0, 1], bilateral=True, tol=1e-7)
    assert war.converged and war.bilateral
    np.testing.assert_array_equal(war.tariff[:, 2, :], base.tariff[:, 2, :])  # third country's tariffs
    np.testing.assert_array_equal(war.tariff[2, :2, :], base.tariff[2, :2, :])  # parties' tariffs on it
    assert not np.allclose(war.tariff[1, 0], base.tariff[1, 0])
    for me, other in ((0, 1), (1, 0)):
        br = ossa_optimal.optimal_tariff(base, me, tariff=war.tariff, partners=[other], starts=BR_ALL, seed=7)
        assert br.gov_welfare_hat[me] <= war.gov_welfare_hat[me] * (1 + 1e-7)
    # the no-deal point of the bargaining layer is this war
    space = build_space(data, base, ("C0", "C1"))
    d = nodeal_point(space, "bilateral-war")
    np.testing.assert_allclose(d.tariff, war.tariff, atol=1e-6)
    assert nodeal_point(space, "trade-war").name == "bilateral-war"  # old spelling
    g = nodeal_point(space, "global-war")
    assert g.name == "global-war" and not np.allclose(g.tariff[:, 2, :], base.tariff[:, 2, :])


def test_best_response_partners_and_converged_flag(econ3) -> None:  # type: ignore[no-untyped-def]
    """A bilateral best response moves only the named partner's tariffs; ``converged`` requires the
    first-order test (an optimiser stopped after one iteration is not converged); bad input is named."""
    _, base = econ3
    r = ossa_optimal.optimal_tariff(base, 0, partners=[2])
    np.testing.assert_array_equal(r.tariff[1, 0], base.tariff[1, 0])
    assert r.converged and r.projected_gradient < ossa.PG_TOL and r.partners == (2,)
    assert len(r.starts) == len(ossa_optimal.DEFAULT_STARTS) and r.spread >= 0
    stopped = ossa_optimal.optimal_tariff(base, 0, starts=("zero",), max_iter=1)
    assert not stopped.converged
    with pytest.raises(ModelError, match="partners"):
        ossa_optimal.optimal_tariff(base, 0, partners=[0])
    with pytest.raises(ModelError, match="starts"):
        ossa_optimal.optimal_tariff(base, 0, starts=("everywhere",))
    assert ossa_optimal.parse_starts("8")[-1] == "random" and len(ossa_optimal.parse_starts(8)) == 8


def test_mfn_cooperative_equal_gains_one_rate_per_sector(econ3) -> None:  # type: ignore[no-untyped-def]
    """Ossa's MFN-restricted cooperative tariffs: equal % gains from the start (1e-6 log points) and each
    player's tariff in a sector is the same for every partner."""
    _, base = econ3
    coop = strategic.cooperative(base, base.tariff, mfn=True, start="factual")
    assert coop.converged and coop.mfn
    assert np.ptp(coop.gains) < 1e-6 and coop.gain >= -1e-9
    for j in range(base.n):
        others = [i for i in range(base.n) if i != j]
        for i in others[1:]:
            np.testing.assert_allclose(coop.tariff[i, j, :], coop.tariff[others[0], j, :], atol=1e-12)


# --- self-enforcement -----------------------------------------------------------------------------------


def test_enforcement_analytic_two_country_game() -> None:
    """Analytic two-country tariff game (prisoner's dilemma of Johnson 1953 in reduced form):
    u_i = a t_i − b t_i² − c t_j. Best response t = a/(2b) whatever the other does; free-trade deal u = 0;
    deviation u = a²/(4b); war u = a²/(4b) − c a/(2b). Hence gain g = a²/(4b), loss ℓ = c a/(2b) − a²/(4b)
    and the critical discount factor δ* = g/(g + ℓ) = a/(2c). Checked to 1e-12."""
    a, b, c = 1.0, 2.0, 1.5

    def payoff(t: np.ndarray) -> np.ndarray:
        return np.array([a * t[0] - b * t[0] ** 2 - c * t[1], a * t[1] - b * t[1] ** 2 - c * t[0]])

    def deviate(i: int, t: np.ndarray) -> np.ndarray:
        out = np.array(t, dtype=float)
        out[i] = a / (2 * b)
        return out

    war = payoff(np.full(2, a / (2 * b)))
    en = self_enforcement(("A", "B"), payoff, deviate, np.zeros(2), war, delta=0.5)
    np.testing.assert_allclose(en.gain, a * a / (4 * b), rtol=1e-12)
    np.testing.assert_allclose(en.loss, c * a / (2 * b) - a * a / (4 * b), rtol=1e-12)
    np.testing.assert_allclose(en.critical_delta, a / (2 * c), rtol=1e-12)
    assert en.self_enforcing == (0.5 >= a / (2 * c))
    assert self_enforcement(("A", "B"), payoff, deviate, np.zeros(2), war, delta=0.2).self_enforcing is False
    # no loss from no deal: never sustainable; no gain from deviating: always
    np.testing.assert_array_equal(critical_delta([1.0, 0.0], [0.0, 1.0]), [np.inf, 0.0])
    with pytest.raises(BargainingError, match="delta"):
        self_enforcement(("A", "B"), payoff, deviate, np.zeros(2), war, delta=1.0)


def test_enforcement_on_model_two_countries() -> None:
    """Two-country Ossa economy, free trade between the parties plus a pledge, against their bilateral war: each
    deviation is a best response (gain ≥ 0, and no gain from a further re-optimisation), the no-deal loss is
    positive when free trade beats the war, and the critical δ obeys δ* = g/(g + ℓ) (1e-12; ∞ when the deal is
    worse than no deal)."""
    data = random_economy(5, n=2, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    space = build_space(data, base, ("C0", "C1"), transfers=True, pledge_upper=50.0, purchases_upper=1.0)
    war = nodeal_point(space, "bilateral-war")
    x = np.zeros(space.k)
    x[-2] = 2.0  # a pledge by C1: the side payment continues during the deviation period
    en = check_package(space, x, war, 0.9)
    assert np.all(en.gain >= -1e-10)
    for k in (0, 1):
        g, ell = en.gain[k], en.loss[k]
        want = 0.0 if g <= 0 else (np.inf if ell <= 0 else g / (g + ell))
        assert en.critical_delta[k] == pytest.approx(want, rel=1e-12)
    for k in (0, 1):
        again = ossa_optimal.optimal_tariff(base, k, tariff=en.deviation_tariff[k], starts=BR_ALL)
        u_again = space.values_of_tariff(again.tariff)[k] + space.side_value(x)[k]
        assert u_again <= en.u_deviate[k] + 1e-7


# --- counter-offer advisor ----------------------------------------------------------------------------


def test_counter_offer_advisor_preferred_by_both_and_undominated(econ3) -> None:  # type: ignore[no-untyped-def]
    """Every advised package (best counter-offer, smallest concession) is weakly preferred by both sides to
    the offer (1e-7); no package among 400 uniformly sampled ones that both prefer to the offer gives us more
    than the advised best point (1e-7)."""
    data, base = econ3
    space = build_space(data, base, ("C0", "C1"), upper=0.6)
    offer = np.array([0.3, 0.05, 0.0, 0.1])  # C0's tariffs on C1 high, C1's low
    adv = advise(space, offer, us=1)
    assert adv.in_set(adv.best_u) and adv.in_set(adv.concession_u)
    assert adv.gain >= 0
    rng = np.random.default_rng(3)
    xs = rng.uniform(space.lower, space.upper, (400, space.k))
    u = space.values(xs)
    inside = np.all(u >= adv.offer_u - 1e-12, axis=1)
    assert inside.any()
    assert not np.any(u[inside, 1] > adv.best_u[1] + 1e-7)
    # the concession is no farther from our position than the best counter-offer is
    w = space.upper - space.lower
    assert (
        np.sum(((adv.concession_x - adv.position_x) / w) ** 2)
        <= np.sum(((adv.best_x - adv.position_x) / w) ** 2) + 1e-9
    )
    with pytest.raises(BargainingError, match="offer"):
        advise(space, np.zeros(3))


# --- CLI --------------------------------------------------------------------------------------------


def test_cli_bargain_bilateral_war_default_and_escalation(tmp_path: Path) -> None:
    """`bargain --parties` runs against the bilateral war by default and with `--from escalation`;
    `--enforce` adds the self-enforcement check; `counter-offer` advises packages both prefer."""
    path = tmp_path / "econ.nc"
    random_economy(31, n=3, s=2).save(path)
    runner = CliRunner()
    base = ["--dataset", str(path), "--parties", "C0,C1", "--points", "6", "--starts", "3", "--json"]
    res = runner.invoke(app, ["bargain", *base, "--enforce", "0.9"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["no_deal"]["breakdown (if talks collapse)"]["name"] == "bilateral-war"
    assert out["self_enforcement"]["delta"] == 0.9
    res = runner.invoke(app, ["bargain", *base, "--from", "escalation", "--escalate", "C0:C1:all:20"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["no_deal"]["breakdown (if talks collapse)"]["name"] == "escalation"
    res = runner.invoke(
        app,
        ["counter-offer", "--dataset", str(path), "--parties", "C0,C1", "--us", "C1", "--offer", "C0:all=30",
         "--offer", "C1:all=5", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    adv = json.loads(res.stdout)
    assert adv["best_counter_offer"]["u"]["C1"] >= adv["offer"]["u"]["C1"] - 1e-7
    res = runner.invoke(app, ["bargain", "--dataset", str(path), "--parties", "C0,C1", "--from", "nowhere"])
    assert res.exit_code == 2 and "--from" in res.output
