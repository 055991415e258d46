"""Reference tests of the one-sector model with employment (tradetalks.model.onesector) and its reader.

Sources: ``shared/data/raw/liberation_day_2025/MODEL.md`` (data facts and the intermediate calibration
values it states: ν and φ), and analytic identities of the model (zero shock, Walras' law, budgets, the
measured-deficit identity of MODEL.md §3.3, the gravity identity for the domestic share).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradetalks.data.readers import liberation_day as ld
from tradetalks.data.registry import reference_dir, reference_required
from tradetalks.errors import ShapeError
from tradetalks.model import onesector as os1
from tradetalks.model import onesector_cases as os1c


@pytest.fixture(scope="module")
def lib() -> ld.LiberationData:
    folder = reference_dir() / "liberation_day_2025"
    if not folder.is_dir():
        msg = f"reference folder '{folder}' not found; set TRADETALKS_DATA_DIR"
        if reference_required():
            pytest.fail(msg)
        pytest.skip(msg)
    return ld.read_baseline(folder)


@pytest.fixture(scope="module")
def base(lib: ld.LiberationData) -> os1.OSBaseline:
    return os1.baseline_from_liberation(lib)


def _ustr(lib: ld.LiberationData) -> np.ndarray:
    n = len(lib.countries)
    us = lib.index("USA")
    t = np.zeros((n, n))
    t[:, us] = np.maximum(0.10, lib.us_tariff)
    t[us, us] = 0.0
    return t


def test_reader_facts(lib: ld.LiberationData) -> None:
    """MODEL.md §0–§2: 194 economies in file order (USA 185, ZWE last), China's rate 0.54, Japan's 0.24,
    the clip binds for GMB and MHL only, and the calibrated ν ≈ (0.11434, 0.27047) (MODEL.md's stated
    intermediate values; tolerance 1e-5)."""
    assert len(lib.countries) == 194
    assert lib.countries[184] == "USA" and lib.countries[-1] == "ZWE"
    assert lib.us_tariff[lib.index("CHN")] == pytest.approx(0.54)
    assert lib.us_tariff[lib.index("JPN")] == pytest.approx(0.24)
    zero = [lib.countries[i] for i in np.flatnonzero(np.diag(lib.trade) <= 0)]
    assert zero == ["GMB", "MHL"]
    assert lib.nu_pair[0] == pytest.approx(0.11434, abs=1e-5)
    assert lib.nu_pair[1] == pytest.approx(0.27047, abs=1e-5)


def test_baseline_identities(base: os1.OSBaseline) -> None:
    """MODEL.md §1.4 step 4: Σ T = 0 (1e-12 of world income); φ_RoW ≈ 1.15072, φ_US ≈ 1.43285 (1e-5)."""
    assert abs(base.transfer.sum()) / base.income.sum() < 1e-12
    phi = base.phi(os1.OSParams())
    assert phi[0] == pytest.approx(1.15072, abs=1e-5)
    assert phi[base.index("USA")] == pytest.approx(1.43285, abs=1e-5)


def test_zero_shock(base: os1.OSBaseline) -> None:
    """Identity: the factual (zero) tariffs reproduce the baseline: all hats 1, welfare change 0 (1e-12)."""
    eq = os1.solve_equilibrium(base, np.zeros((base.n, base.n)))
    for v in (eq.w_hat, eq.e_hat, eq.l_hat, eq.p_hat, eq.welfare_hat):
        assert np.abs(v - 1.0).max() < 1e-12


@pytest.mark.parametrize("rebate", ["income_tax", "lump_sum"])
def test_budgets_and_walras(base: os1.OSBaseline, lib: ld.LiberationData, rebate: str) -> None:
    """Identities at the 2025 schedule with reciprocal retaliation: every income equation (incl. ZWE's,
    dropped for the numeraire: Walras' law), budget and labour supply holds, expenditure equals
    tariff-inclusive purchases (1e-10); and MODEL.md §3.3's measured deficit
    D'_n = T'_n + ν_n Σ_o X'_on − Σ_d ν_d X'_nd (1e-10 of world income)."""
    params = os1.OSParams(rebate=rebate)  # type: ignore[arg-type]
    t = _ustr(lib)
    us = lib.index("USA")
    t[us, :] = t[:, us]
    eq = os1.solve_equilibrium(base, t, params)
    assert eq.info.converged
    res = os1.budget_residuals(base, eq, params)
    assert max(res.values()) < 1e-10, res
    x = eq.trade_new
    d_new = x.sum(axis=0) - x.sum(axis=1)
    world = (base.income * eq.w_hat * eq.l_hat).sum() / base.income.sum()
    ident = base.transfer * world + base.nu * x.sum(axis=0) - (base.nu[None, :] * x).sum(axis=1)
    assert np.abs(d_new - ident).max() / base.income.sum() < 1e-10


def test_domestic_share_gravity_identity(base: os1.OSBaseline, lib: ld.LiberationData) -> None:
    """Analytic (MODEL.md §3.2 with φ ≡ 1, ν ≡ 0, the EK case): λ̂_nn = (ŵ_n L̂_n^{−ψ} / P̂_n)^{−ε} (ACR form
    with the scale term), tolerance 1e-10."""
    ek = os1.baseline(base.trade, base.countries)  # ν = 0 -> φ = 1
    params = os1.OSParams()
    eq = os1.solve_equilibrium(ek, _ustr(lib), params)
    i = np.arange(ek.n)
    lam_new = (1.0 + eq.tariff_new) * eq.trade_new / (eq.e_hat * ek.expenditure)[None, :]
    ok = ek.lam[i, i] > 0
    lam_hat = np.divide(lam_new[i, i], ek.lam[i, i], out=np.ones(ek.n), where=ok)
    rhs = (eq.w_hat * eq.l_hat ** (-params.psi) / eq.p_hat) ** (-params.eps)
    assert np.abs(lam_hat[ok] / rhs[ok] - 1.0).max() < 1e-10


def test_jacobian_matches_complex_step(base: os1.OSBaseline, lib: ld.LiberationData) -> None:
    """The analytic Jacobian equals complex-step differentiation (Martins et al. 2003) to 1e-12 (on the
    first 40 economies plus the US, to keep the test fast)."""
    p = os1.OSParams()
    keep = [*range(40), lib.index("USA")]
    base = os1.baseline(
        base.trade[np.ix_(keep, keep)], tuple(base.countries[k] for k in keep), nu=base.nu[keep]
    )
    t = _ustr(lib)[np.ix_(keep, keep)]
    cx = os1._Ctx(base, p, base.phi(p), t, np.log1p(t), base.transfer)
    x = 0.03 * np.random.default_rng(0).standard_normal(3 * base.n)
    assert np.abs(os1._jacobian(cx, x) - os1._complex_step_jacobian(cx, x)).max() < 1e-12


def test_headline_and_closed_forms(base: os1.OSBaseline, lib: ld.LiberationData) -> None:
    """Signs the model implies (MODEL.md §3.6): the US schedule raises US tariff revenue and lowers the US
    deficit; the slot-7 optimal tariff (income denominator) is below slot 4's because the US runs a deficit."""
    r = os1c.run(base, _ustr(lib), "USTR")
    h = r.headline()
    assert h["deficit_pct"].to_numpy(dtype=float)[0] < 0  # first row: USA
    assert h["revenue_share"].to_numpy(dtype=float)[0] > 0
    assert os1c.optimal_us_tariff(base, denominator="income") < os1c.optimal_us_tariff(base)


def test_bad_tariff_shape(base: os1.OSBaseline) -> None:
    with pytest.raises(ShapeError):
        os1.solve_equilibrium(base, np.zeros((3, 3)))


@pytest.mark.parametrize("rebate", ["income_tax", "lump_sum"])
def test_generic_dataset_with_baseline_tariffs(rebate: str) -> None:
    """Identities on a dataset with non-zero baseline tariffs (world2014 summed over sectors, the EK case):
    factual tariffs return the baseline (1e-12); at a US tariff of 20 % every income, budget and labour
    equation holds (1e-10); the analytic Jacobian equals the complex-step one (1e-12)."""
    from tradetalks.data.registry import load

    b = os1.baseline_from_data(load("world2014"))
    p = os1.OSParams(rebate=rebate)  # type: ignore[arg-type]
    z = os1.solve_equilibrium(b, b.tariff, p)
    assert np.abs(z.welfare_hat - 1).max() < 1e-12 and np.abs(z.l_hat - 1).max() < 1e-12
    t = b.tariff.copy()
    t[1:, 0] = 0.2
    eq = os1.solve_equilibrium(b, t, p)
    assert max(os1.budget_residuals(b, eq, p).values()) < 1e-10
    cx = os1._Ctx(b, p, b.phi(p), t, np.log1p(t) - np.log1p(b.tariff), b.transfer)
    x = 0.05 * np.random.default_rng(1).standard_normal(3 * b.n)
    assert np.abs(os1._jacobian(cx, x) - os1._complex_step_jacobian(cx, x)).max() < 1e-12


def test_paper_case_optimal_is_uniform(lib: ld.LiberationData) -> None:
    """MODEL.md §3.6 slot 4: only the uniform optimal US rate, no floor, no other tariffs; slot 7 adds the
    common retaliation rate on US goods (and uses the income-denominator US rate)."""
    r4 = os1c.paper_case(lib, 4)
    us = lib.index("USA")
    t = r4.eq.tariff_new
    others = np.delete(np.arange(t.shape[0]), us)
    assert np.allclose(t[others, us], os1c.optimal_us_tariff(r4.base))
    assert np.count_nonzero(t) == len(others)
    r7 = os1c.paper_case(lib, 7)
    assert np.allclose(r7.eq.tariff_new[us, others], os1c.optimal_retaliation_rate(r7.base))
    assert r4.eq.info.converged and r7.eq.info.converged
