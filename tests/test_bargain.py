"""Bargaining layer: solutions on frontiers with known analytic solutions, axioms, Rubinstein limit,
objective gradients, the traced Pareto frontier, specs and simulated rounds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.bargain import negotiate as neg
from tradetalks.bargain.frontier import trace_frontier
from tradetalks.bargain.objectives import (
    ObjectiveSpec,
    WeightedTerm,
    load_objectives,
    objective_gradients,
    objective_values,
    resolve,
)
from tradetalks.bargain.problem import build_space, escalate, to_package
from tradetalks.bargain.solutions import (
    UtilityFrontier,
    egalitarian,
    kalai_smorodinsky,
    nash,
    rubinstein,
    solve,
)
from tradetalks.bargain.space import free_trade, status_quo
from tradetalks.errors import BargainingError, SpecError
from tradetalks.model import ossa
from tradetalks.model.common import SolverOptions

from .test_ossa import random_economy

LINEAR = UtilityFrontier(lambda x: 1.0 - x, 0.0, 1.0)
QUAD = UtilityFrontier(lambda x: 1.0 - x * x, 0.0, 1.0)


# --- solutions on analytic frontiers -------------------------------------------------------------


def test_nash_known_solutions() -> None:
    """Nash (1950): on u_A + u_B = 1 with d = 0 the solution is (1/2, 1/2); on u_B = 1 − u_A² with d = 0,
    maximising u(1 − u²) gives u_A = 1/√3, u_B = 2/3 (Osborne & Rubinstein 1990, ch. 2). Tolerance 1e-7."""
    np.testing.assert_allclose(nash(LINEAR, [0, 0]).u, [0.5, 0.5], atol=1e-7)
    np.testing.assert_allclose(nash(QUAD, [0, 0]).u, [1 / np.sqrt(3), 2 / 3], atol=1e-7)
    # weighted (Kalai 1977): on the linear frontier u_A = β_A/(β_A + β_B)
    np.testing.assert_allclose(nash(LINEAR, [0, 0], beta=(2, 1)).u, [2 / 3, 1 / 3], atol=1e-7)
    # from a points-based (interpolated) frontier, within interpolation error
    xs = np.linspace(0, 1, 60)
    np.testing.assert_allclose(
        nash(UtilityFrontier.from_points(xs, 1 - xs**2), [0, 0]).u[0], 1 / np.sqrt(3), atol=1e-4
    )


@settings(max_examples=30, deadline=None)
@given(
    a=st.floats(0.1, 10.0),
    b=st.floats(0.1, 10.0),
    ca=st.floats(-5.0, 5.0),
    cb=st.floats(-5.0, 5.0),
    p=st.floats(1.2, 4.0),
)
def test_nash_affine_invariance(a: float, b: float, ca: float, cb: float, p: float) -> None:
    """Axiom (Nash 1950): rescaling utilities u_i → a_i u_i + c_i (a_i > 0) rescales the solution the same
    way. Frontier u_B = 1 − u_A^p, d = 0; transformed frontier v_B = cb + b(1 − ((v_A − ca)/a)^p). Tol 1e-6."""
    fr = UtilityFrontier(lambda x: 1.0 - x**p, 0.0, 1.0)
    tr = UtilityFrontier(lambda v: cb + b * (1.0 - max((v - ca) / a, 0.0) ** p), ca, ca + a)
    s0 = nash(fr, [0, 0]).u
    s1 = nash(tr, [ca, cb]).u
    np.testing.assert_allclose(s1, [ca + a * s0[0], cb + b * s0[1]], rtol=1e-6, atol=1e-6 * max(a, b))


def test_nash_symmetry_and_iia() -> None:
    """Axioms (Nash 1950). Symmetry: a frontier symmetric about the diagonal (u_A² + u_B² = 1) with d = 0
    gives u_A = u_B = 1/√2. IIA: truncating the frontier to u_A ≤ 0.8 (which keeps the solution
    0.577...) leaves the solution unchanged; truncating below it moves it to the boundary."""
    circ = UtilityFrontier(lambda x: float(np.sqrt(max(1 - x * x, 0.0))), 0.0, 1.0)
    np.testing.assert_allclose(nash(circ, [0, 0]).u, [1 / np.sqrt(2)] * 2, atol=1e-7)
    cut = UtilityFrontier(QUAD.f, 0.0, 0.8)
    np.testing.assert_allclose(nash(cut, [0, 0]).u, nash(QUAD, [0, 0]).u, atol=1e-8)
    cut2 = UtilityFrontier(QUAD.f, 0.0, 0.5)
    np.testing.assert_allclose(nash(cut2, [0, 0]).u[0], 0.5, atol=1e-6)


def test_kalai_smorodinsky_and_egalitarian_known() -> None:
    """Kalai & Smorodinsky (1975): on u_B = 1 − u_A², d = 0, ideal (1, 1), the solution is on the diagonal:
    u = 1 − u² → u = (√5 − 1)/2. On an asymmetric linear frontier u_A/2 + u_B = 1 (ideal (2, 1)) KS gives
    (1, 1/2); egalitarian (Kalai 1977) gives equal gains u_A = u_B = 2/3. Tolerance 1e-9."""
    g = (np.sqrt(5) - 1) / 2
    np.testing.assert_allclose(kalai_smorodinsky(QUAD, [0, 0]).u, [g, g], atol=1e-9)
    lin2 = UtilityFrontier(lambda x: 1.0 - x / 2.0, 0.0, 2.0)
    np.testing.assert_allclose(kalai_smorodinsky(lin2, [0, 0]).u, [1.0, 0.5], atol=1e-9)
    np.testing.assert_allclose(egalitarian(lin2, [0, 0]).u, [2 / 3, 2 / 3], atol=1e-9)
    # KS with a non-zero d: ideal from the individually rational part
    s = kalai_smorodinsky(LINEAR, [0.2, 0.0])
    ideal = np.array([1.0, 0.8])
    np.testing.assert_allclose((s.u - [0.2, 0]) / (ideal - [0.2, 0]), [(s.u[0] - 0.2) / 0.8] * 2, atol=1e-9)


def test_rubinstein_closed_form_and_nash_limit() -> None:
    """Rubinstein (1982): on u_A + u_B = 1, d = 0, the first proposer gets (1 − δ_B)/(1 − δ_A δ_B).
    Binmore, Rubinstein & Wolinsky (1986): with δ_i = exp(−r_i Δ), as Δ → 0 the outcome converges to the
    asymmetric Nash solution with β_i ∝ 1/r_i; on u_B = 1 − u_A² with r = (1, 2): β = (1, 1/2),
    u_A = √(β_A/(β_A + 2β_B))... checked against our Nash solver and the closed form 1/√2."""
    for da, db in [(0.9, 0.8), (0.5, 0.99), (0.99, 0.95)]:
        s = rubinstein(LINEAR, [0, 0], (da, db))
        assert s.u[0] == pytest.approx((1 - db) / (1 - da * db), abs=1e-10)
        s2 = rubinstein(LINEAR, [0, 0], (da, db), first=1)
        assert s2.u[1] == pytest.approx((1 - da) / (1 - da * db), abs=1e-10)
    target = nash(QUAD, [0, 0], beta=(1.0, 0.5)).u
    # closed form: maximise ln u + ½ ln(1 − u²) → 1 − u² = u² → u = 1/√2
    np.testing.assert_allclose(target, [1 / np.sqrt(2), 0.5], atol=1e-7)
    errs = []
    for step in (0.1, 0.01, 0.001):
        s = rubinstein(QUAD, [0, 0], (np.exp(-1.0 * step), np.exp(-2.0 * step)))
        errs.append(abs(s.u[0] - target[0]))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-3


def test_rubinstein_outside_option_and_errors() -> None:
    """Outside-option principle (Binmore, Shaked & Sutton 1989): an outside option binds only when the
    Rubinstein payoff falls below it; then the party gets exactly its outside option."""
    s = rubinstein(LINEAR, [0, 0], (0.9, 0.9), outside=[0.0, 0.3])
    assert s.params["outside_binding"] == "none"
    s = rubinstein(LINEAR, [0, 0], (0.9, 0.9), outside=[0.0, 0.6])
    np.testing.assert_allclose(s.u, [0.4, 0.6], atol=1e-10)
    with pytest.raises(BargainingError, match="discount"):
        rubinstein(LINEAR, [0, 0], (1.0, 0.5))
    with pytest.raises(BargainingError, match="zone of agreement"):
        nash(LINEAR, [0.7, 0.7])
    with pytest.raises(BargainingError, match="solution"):
        solve("nope", LINEAR, [0, 0])


def test_distance_to_frontier() -> None:
    """Distance of a point to the line u_A + u_B = 1 is |1 − u_A − u_B|/√2 (positive inside)."""
    assert LINEAR.distance([0.2, 0.3]) == pytest.approx(0.5 / np.sqrt(2), abs=1e-6)
    assert LINEAR.distance([0.5, 0.5]) == pytest.approx(0.0, abs=1e-6)
    assert LINEAR.distance([0.6, 0.6]) < 0


# --- objectives ------------------------------------------------------------------------------------


def test_objective_gradient_matches_finite_differences() -> None:
    """Implicit-function gradients of the full objective (political weights, bilateral balance, sector
    output, tariff revenue) equal central finite differences (relative 1e-5)."""
    data = random_economy(5, n=4, s=3)
    base = ossa.baseline_from_data(data, "balanced")
    spec = ObjectiveSpec(
        "C0",
        political_weights=(("s1", 1.3), ("default", 0.9)),
        balance=(WeightedTerm("C1", 0.5),),
        output=(WeightedTerm("s2", 0.3),),
        revenue=0.7,
    )
    obj = resolve(spec, data)
    t = base.tariff + 0.07
    t[np.arange(4), np.arange(4)] = 0
    opt = SolverOptions(tol=1e-13)
    eq = ossa.solve_equilibrium(base, t, options=opt)
    g = objective_gradients([obj], base, eq)[0]
    h = 1e-6
    for idx in [(1, 0, 0), (2, 0, 2), (0, 1, 1), (0, 2, 2), (3, 1, 0)]:
        tp, tm = t.copy(), t.copy()
        tp[idx] += h
        tm[idx] -= h
        fp = objective_values([obj], base, ossa.solve_equilibrium(base, tp, options=opt))[0, 0]
        fm = objective_values([obj], base, ossa.solve_equilibrium(base, tm, options=opt))[0, 0]
        assert g[idx] == pytest.approx((fp - fm) / (2 * h), rel=1e-5, abs=1e-9)


def test_objective_is_log_welfare_with_lambda_one() -> None:
    """Identity: with λ = 1 and no extra terms, U = 100 ln Ŵ (Ossa's G equals real income)."""
    data = random_economy(6, n=3, s=2)
    base = ossa.baseline_from_data(data, "balanced")
    eq = ossa.solve_equilibrium(base, base.tariff * 0.5)
    u = objective_values([resolve(ObjectiveSpec("C1"), data)], base, eq)[0, 0]
    assert u == pytest.approx(100 * np.log(ossa.welfare_hat(base, eq)[0, 1]), rel=1e-12)


def test_objective_toml_and_errors(tmp_path: Path) -> None:
    """A TOML file is validated into frozen specs; bad files raise SpecError naming file and field."""
    good = tmp_path / "obj.toml"
    good.write_text(
        '[objective.USA]\npolitical_weights = "one"\nbalance = [{partner = "JPN", weight = 0.02}]\n'
        'output = [{sector = "motor_vehicles", weight = 0.1}]\nrevenue = 0.01\n'
        "[objective.JPN]\npolitical_weights = {motor_vehicles = 1.5, default = 1.0}\n"
    )
    specs = load_objectives(good)
    assert specs["USA"].balance == (WeightedTerm("JPN", 0.02),)
    assert "Δbalance with JPN" in specs["USA"].describe()
    assert dict(specs["JPN"].political_weights) == {"motor_vehicles": 1.5, "default": 1.0}  # type: ignore[arg-type]
    bad = tmp_path / "bad.toml"
    bad.write_text('[objective.USA]\nbalance = [{partner = "JPN", weight = "a lot"}]\n')
    with pytest.raises(SpecError, match=r"bad\.toml.*objective\.USA\.balance\[0\]\.weight.*finite number"):
        load_objectives(bad)
    bad.write_text('[objective.USA]\npolitical_weights = "sometimes"\n')
    with pytest.raises(SpecError, match="political_weights"):
        load_objectives(bad)
    bad.write_text("[objective.USA]\nwelfare = [1\n")
    with pytest.raises(SpecError, match="valid TOML"):
        load_objectives(bad)
    data = random_economy(1, n=3, s=2)
    with pytest.raises(SpecError, match="balance"):
        resolve(ObjectiveSpec("C0", balance=(WeightedTerm("XXX", 1.0),)), data)
    with pytest.raises(SpecError, match="lambda_pol"):
        resolve(ObjectiveSpec("C0", political_weights="calibrated"), data)


# --- frontier on a model package space ---------------------------------------------------------------


@pytest.fixture(scope="module")
def small_problem():  # type: ignore[no-untyped-def]
    data = random_economy(11, n=3, s=3)
    base = ossa.baseline_from_data(data, "balanced")
    space = build_space(data, base, ("C0", "C1"), upper=1.0)
    d = status_quo(space)
    fr = trace_frontier(space, 12, nodeal=d.u)
    return data, base, space, d, fr


def test_frontier_not_dominated_by_sampled_packages(small_problem) -> None:  # type: ignore[no-untyped-def]
    """Property (definition of Pareto efficiency): no randomly sampled package (400 uniform draws in the
    bounds) gives both parties more than any frontier point by more than 1e-6 (objective units ≈ %)."""
    _, _, space, _, fr = small_problem
    assert fr.converged.all()
    rng = np.random.default_rng(0)
    xs = rng.uniform(space.lower, space.upper, (400, space.k))
    vals = space.values(xs)
    for p in fr.u:
        dominated = (vals[:, 0] > p[0] + 1e-6) & (vals[:, 1] > p[1] + 1e-6)
        assert not dominated.any(), (p, vals[dominated][:3])
    # and the sampled points lie on or inside the interpolated frontier (within interpolation error)
    curve = fr.curve()
    inside = [
        curve.distance(v) > -2e-3 * np.ptp(fr.u[:, 1]) for v in vals if fr.u[0, 0] <= v[0] <= fr.u[-1, 0]
    ]
    assert all(inside)


def test_frontier_zone_and_solutions_on_packages(small_problem) -> None:  # type: ignore[no-untyped-def]
    """Frontier points satisfy U ≥ d (zone of agreement) and are decreasing; each solution's package
    evaluated exactly in the model lies on the frontier (distance < 1e-3 of the frontier's span)."""
    _, _, space, d, fr = small_problem
    assert np.all(fr.u >= d.u - 1e-6)
    assert np.all(np.diff(fr.u[:, 1]) <= 1e-9)
    span = float(np.ptp(fr.u[:, 0]) + np.ptp(fr.u[:, 1]))
    curve = fr.curve()
    for name in ("nash", "ks", "egalitarian", "equal-gain", "rubinstein"):
        sol = solve(name, curve, d.u, delta=(0.9, 0.95))
        pkg = to_package(space, fr, sol)
        assert abs(pkg.distance) < 1e-3 * span, (name, pkg.distance)
        assert np.all(pkg.u >= d.u - 1e-6 * span)
        assert np.all((pkg.x >= space.lower - 1e-12) & (pkg.x <= space.upper + 1e-12))


def test_nodeal_points(small_problem) -> None:  # type: ignore[no-untyped-def]
    """Status quo is the baseline (U = 0 exactly); escalation adds duties on the named block only;
    free trade zeroes the parties' bilateral tariffs."""
    data, base, space, d, _ = small_problem
    np.testing.assert_allclose(d.u, 0.0, atol=1e-10)
    t = escalate(data, base.tariff, ["C0:C1:all:24", "C0:C1:s2:25"])  # percent
    np.testing.assert_allclose(t[1, 0, :2], base.tariff[1, 0, :2] + 0.24)
    np.testing.assert_allclose(t[1, 0, 2], base.tariff[1, 0, 2] + 0.49)
    np.testing.assert_array_equal(t[2], base.tariff[2])
    ft = free_trade(space)
    assert ft.tariff[0, 1].sum() == 0 and ft.tariff[1, 0].sum() == 0
    with pytest.raises(BargainingError, match="escalation item"):
        escalate(data, base.tariff, ["C0:C1:all"])


# --- simulated rounds -----------------------------------------------------------------------------------


def test_simulation_logs_and_concession_patterns() -> None:
    """Time-dependent tactics (Faratin et al. 1998): a conceder concedes faster than a Boulware agent, so
    Boulware vs conceder ends closer to the Boulware side's ideal; two linear agents on a symmetric frontier
    meet near the symmetric point; every round is logged with both objectives; offers lie on the frontier."""
    dates, dls = neg.schedule(
        dt.date(2025, 4, 17), [(dt.date(2025, 7, 9), "July 9"), (dt.date(2025, 8, 1), "August 1")], [30, 20]
    )
    assert dls[0].round == 29 and dls[1].round == 49 and dls[1].hard and not dls[0].hard
    assert dates[29] == dt.date(2025, 7, 9) and dates[-1] == dt.date(2025, 8, 1)
    d = np.zeros(2)
    bc = neg.simulate(
        QUAD, d, (neg.parse_strategy("boulware"), neg.parse_strategy("conceder")), dls, dates=dates
    )
    cb = neg.simulate(
        QUAD, d, (neg.parse_strategy("conceder"), neg.parse_strategy("boulware")), dls, dates=dates
    )
    assert bc.agreement and cb.agreement
    assert bc.u[0] > cb.u[0]
    ll = neg.simulate(LINEAR, d, (neg.parse_strategy("linear"), neg.parse_strategy("linear")), dls)
    assert abs(ll.u[0] - 0.5) < 0.05
    log = bc.log
    assert list(log["round"]) == list(range(bc.round + 1))
    np.testing.assert_allclose([QUAD(a) for a in log["u_A"]], log["u_B"], atol=1e-9)
    assert {"date", "phase", "proposer", "u_A", "u_B", "accepted"} <= set(log.columns)
    for strat in ("tit-for-tat", "model", "time:0.5,fit", "linear,const=0.3"):
        r = neg.simulate(QUAD, d, (neg.parse_strategy(strat), neg.parse_strategy("linear")), dls)
        assert r.agreement and np.all(r.u >= d)
    with pytest.raises(BargainingError, match="strategy"):
        neg.parse_strategy("stubborn")


def test_simulation_breakdown_after_hard_deadline() -> None:
    """Two agents accepting only above an unreachable constant never agree: after the hard deadline the
    outcome is the breakdown payoff (also when discounted). AC_next accepts anything ≥ breakdown in the
    last round, so an AC_next responder agrees by the deadline."""
    s = neg.Strategy(neg.Offering("boulware"), neg.Acceptance("const", 2.0))
    r = neg.simulate(LINEAR, [0.1, 0.2], (s, s), [neg.Deadline(9, "end", True)], delta=(0.9, 0.9))
    assert not r.agreement and r.round == 9
    np.testing.assert_allclose(r.u, [0.1, 0.2])
    np.testing.assert_allclose(r.u_discounted, [0.1, 0.2])
    assert len(r.log) == 10 and not r.log["accepted"].any()
    r2 = neg.simulate(LINEAR, [0.1, 0.2], (s, neg.Strategy()), [neg.Deadline(9, "end", True)])
    assert r2.agreement
