r"""Armington / structural gravity model: one or many sectors, perfect competition, endowments.

Model (Anderson–van Wincoop 2003; Yotov, Piermartini, Monteiro & Larch 2016, ch. 2; DESIGN.md §4)
--------------------------------------------------------------------------------------------------
Country i is endowed with a fixed quantity of the good of each sector s and sells it at the
factory-gate price p_is. Importer j spends a fixed (Cobb–Douglas) share α_js of its gross
expenditure E_j on sector s and buys the varieties of sector s with a CES aggregator; the trade
elasticity is θ_s = σ_s − 1. In exact hat algebra (x̂ = x'/x) with baseline flows X_ijs at
pre-tariff values, tariffs t (importer-imposed, τ = 1 + t), trade-cost shocks κ̂_ijs = t̂_ijs^{−θ_s}
(the "partial effect" exp(β) of GE_gravity) and factory-gate price changes p̂:

* λ_ijs = τ_ijs X_ijs / Σ_k τ_kjs X_kjs (tariff-inclusive expenditure shares),
* P̂_js^{−θ_s} = Σ_i λ_ijs κ̂_ijs τ̂_ijs^{−θ_s} p̂_is^{−θ_s},
* λ'_ijs = λ_ijs κ̂_ijs (τ̂_ijs p̂_is)^{−θ_s} / P̂_js^{−θ_s},
* X'_ijs = λ'_ijs α_js E'_j / τ'_ijs (pre-tariff flows),
* market clearing p̂_is Y_is = Σ_j X'_ijs,
* budget E'_j = (Y'_j + D'_j) / (1 − Σ_s α_js Σ_i λ'_ijs t'_ijs/τ'_ijs): tariff revenue is rebated
  lump-sum to the importer's households; Y'_j = Σ_s p̂_js Y_js,
* deficits D_j = Σ_is X_ijs − Σ_ks X_jks (pre-tariff imports − exports) are either
  **additive** (D'_j = D_j, in units of the numeraire; GE_gravity's default) or **multiplicative**
  (E^{net}'_j = φ_j Y'_j with φ_j = (Y_j + D_j)/Y_j, rescaled by Σ Y'/Σ φ Y' so that world spending
  equals world output; Anderson & Yotov 2016, the Yotov et al. 2016 book and GE_gravity ``mult``).

Numeraire: world output is fixed, Σ_is Y_is p̂_is = Σ_is Y_is — the output-weighted mean factor-price
change is one, as in :mod:`tradetalks.model.common` (GE_gravity normalises the same way).

Welfare: ``welfare_hat`` = real income Ê_j / P̂_j with P̂_j = Π_s P̂_js^{α_js} (E includes tariff
revenue and the deficit); ``real_gdp_hat`` = Ŷ_j / P̂_j (Yotov et al.'s real GDP, GE_gravity's
"real wage"). They coincide under multiplicative deficits or balanced trade without tariffs.

Tariffs versus trade costs: a tariff is a price wedge whose revenue is rebated to the importer; a
trade-cost shock κ̂ is iceberg (real resources, no revenue). The peer reference checks (gegravity,
GE_gravity, Yotov et al.) use cost shocks only.
Modules: this one solves the exact hat algebra on given flows (:func:`solve_hat`, :func:`residual`);
:mod:`tradetalks.model.armington_gravity` builds a baseline from trade costs (multilateral resistances,
gegravity / Yotov et al. GEPPML) and its counterfactuals; :mod:`tradetalks.model.armington_data` runs the
hat algebra on a :class:`~tradetalks.data.tradedata.TradeData` (:func:`~tradetalks.model.armington_data.
counterfactual`).

References
----------
Anderson, J. E. and E. van Wincoop (2003), "Gravity with Gravitas", AER 93(1).
Yotov, Y. V., R. Piermartini, J.-A. Monteiro and M. Larch (2016), An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model, WTO/UNCTAD, ch. 2.
Baier, S. L., Y. V. Yotov and T. Zylkin (2019), "On the widely differing effects of free trade
agreements", JIE 116 (GE_gravity).
Herman, P. (2021), "gegravity: General Equilibrium Gravity Modeling in Python", USITC WP 2021-04-B.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradetalks.errors import ElasticityError, ModelError, OptionError, ShapeError
from tradetalks.model.common import FloatArray, SolveInfo, SolverOptions, finish
from tradetalks.model.solver import newton

Deficits = Literal["additive", "multiplicative"]
DEFICITS: tuple[str, ...] = ("additive", "multiplicative")
FullGE = Literal["textbook", "gegravity"]
FULL_GE: tuple[str, ...] = ("textbook", "gegravity")

_TINY = 1e-300


def _check_option(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise OptionError(name, allowed, value)


# =============================================================================================
# Exact hat algebra on given flows
# =============================================================================================


@dataclass(frozen=True)
class HatSolution:
    """Counterfactual equilibrium of the hat-algebra model (arrays carry the batch axis if given).

    Attributes
    ----------
    price_hat
        Factory-gate price changes p̂_is, shape (..., N, S) (numeraire: world output fixed).
    price_index_hat
        Sector price-index changes P̂_js, (..., N, S).
    income_base, income_new
        Gross (tariff-inclusive) expenditure E_j = Y_j + R_j + D_j before and after, (..., N).
    output_new
        Output p̂_is Y_is, (..., N, S).
    trade_new
        Pre-tariff flows X'_ijs, (..., N, N, S).
    welfare_hat
        Real income Ê_j / Π_s P̂_js^{α_js}, (..., N).
    real_gdp_hat
        Real GDP Ŷ_j / Π_s P̂_js^{α_js}, (..., N).
    info
        Diagnostics (worst over the batch).
    """

    price_hat: FloatArray
    price_index_hat: FloatArray
    income_base: FloatArray
    income_new: FloatArray
    output_new: FloatArray
    trade_new: FloatArray
    welfare_hat: FloatArray
    real_gdp_hat: FloatArray
    info: SolveInfo


@dataclass(frozen=True)
class _Hat:
    """Precomputed constants of one hat-algebra problem, batch axis first (B, ...)."""

    a: FloatArray  # λ κ̂ τ̂^{-θ}, (B, N, N, S)
    m_new: FloatArray  # t'/τ', (B, N, N, S)
    alpha: FloatArray  # (B, N, S) gross expenditure shares of importer j
    y: FloatArray  # (B, N, S) baseline output
    theta: FloatArray  # (S,)
    deficit: FloatArray  # (B, N) additive deficits (new) in numeraire units
    phi: FloatArray  # (B, N) (Y + D) / Y for the multiplicative closure
    mult: bool
    active: npt.NDArray[np.bool_]  # (B, N, S) country-sectors with positive output
    anchor: int  # flat index (i*S + s) whose market-clearing equation is replaced by the numeraire

    def take(self, idx: npt.NDArray[np.intp]) -> _Hat:
        """The same problem restricted to batch members ``idx``."""
        return replace(
            self,
            a=self.a[idx],
            m_new=self.m_new[idx],
            alpha=self.alpha[idx],
            y=self.y[idx],
            deficit=self.deficit[idx],
            phi=self.phi[idx],
            active=self.active[idx],
        )


def _as_batch(x: FloatArray, core_ndim: int, name: str) -> FloatArray:
    if x.ndim == core_ndim:
        return x[None]
    if x.ndim == core_ndim + 1:
        return x
    raise ShapeError(name, f"an array with {core_ndim} or {core_ndim + 1} dimensions", f"shape {x.shape}")


def _forward(
    q: FloatArray, h: _Hat
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Evaluate the equilibrium at log prices q (B, N, S).

    Returns (residual F (B, N*S), new shares L, new pre-tariff flows Xn, gross expenditure E,
    sales V, 1 − ρ, S (the P̂^{-θ} sums)).
    """
    w = np.exp(q)
    u = w ** (-h.theta)  # (B, N, S)
    num = h.a * u[:, :, None, :]  # (B, i, j, s)
    ssum = num.sum(axis=1)  # (B, j, s)
    lam_new = num / np.where(ssum > 0, ssum, 1.0)[:, None, :, :]
    rho = np.einsum("bjs,bijs,bijs->bj", h.alpha, lam_new, h.m_new)
    yw = h.y * w
    yn = yw.sum(axis=2)  # (B, N)
    if h.mult:
        g = yn.sum(axis=1, keepdims=True) / (h.phi * yn).sum(axis=1, keepdims=True)
        net = h.phi * yn * g
    else:
        net = yn + h.deficit
    one_m_rho = 1.0 - rho
    e_new = net / one_m_rho
    xn = lam_new * (1.0 - h.m_new) * (h.alpha * e_new[:, :, None])[:, None, :, :]
    v = xn.sum(axis=2)  # (B, i, s)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(h.active, np.log(np.where(h.active, v, 1.0)) - np.log(np.where(h.active, yw, 1.0)), 0.0)
    b = q.shape[0]
    f = f.reshape(b, -1)
    y_tot = h.y.sum(axis=(1, 2))
    f[:, h.anchor] = np.log(yw.sum(axis=(1, 2)) / y_tot)
    return f, lam_new, xn, e_new, v, one_m_rho, ssum


def _jacobian(
    q: FloatArray,
    h: _Hat,
    lam_new: FloatArray,
    xn: FloatArray,
    e_new: FloatArray,
    v: FloatArray,
    one_m_rho: FloatArray,
) -> FloatArray:
    """Analytic Jacobian ∂F/∂q of :func:`_forward`'s residual, shape (B, N*S, N*S)."""
    b, n, s = q.shape
    th = h.theta
    w = np.exp(q)
    yw = h.y * w
    # d rho_j / d q_kr = -θ_r α_jr L_kjr (m_kjr - mbar_jr)
    mbar = np.einsum("bijs,bijs->bjs", lam_new, h.m_new)
    drho = (
        -th[None, None, None, :]
        * h.alpha[:, :, None, :]
        * np.transpose(lam_new * (h.m_new - mbar[:, None, :, :]), (0, 2, 1, 3))
    )  # (B, j, k, r)
    # d net_j / d q_kr
    eye = np.eye(n)
    if h.mult:
        yn = yw.sum(axis=2)
        sy = yn.sum(axis=1, keepdims=True)
        spy = (h.phi * yn).sum(axis=1, keepdims=True)
        g = sy / spy
        dg = g[:, :, None] * yw * (1.0 / sy[:, :, None] - h.phi[:, :, None] / spy[:, :, None])  # (B,k,r)
        dnet = (h.phi * g)[:, :, None, None] * eye[None, :, :, None] * yw[:, None, :, :] + (h.phi * yn)[
            :, :, None, None
        ] * dg[:, None, :, :]
    else:
        dnet = eye[None, :, :, None] * yw[:, None, :, :]
    de = dnet / one_m_rho[:, :, None, None] + (e_new / one_m_rho)[:, :, None, None] * drho  # (B,j,k,r)
    # second term: Σ_j Xn_ijs / E_j dE_j/dq_kr
    xe = np.transpose(xn / e_new[:, None, :, None], (0, 3, 1, 2))  # (B, s, i, j)
    t2 = np.matmul(xe, de.reshape(b, 1, n, n * s))  # (B, s, i, k*r)
    t2 = np.transpose(t2.reshape(b, s, n, n, s), (0, 2, 1, 3, 4))  # (B, i, s, k, r)
    # first term (same sector only): -θ_s [δ_ik V_is - Σ_j Xn_ijs L_kjs]
    t1s = np.matmul(np.transpose(xn, (0, 3, 1, 2)), np.transpose(lam_new, (0, 3, 2, 1)))  # (B,s,i,k)
    t1s = -th[None, :, None, None] * (eye[None, None] * np.transpose(v, (0, 2, 1))[:, :, :, None] - t1s)
    sidx = np.arange(s)
    t2[:, :, sidx, :, sidx] += np.transpose(t1s, (1, 0, 2, 3))
    vv = np.where(h.active, v, 1.0)
    jac = (t2 / vv[:, :, :, None, None]).reshape(b, n * s, n * s) - np.eye(n * s)[None]
    act = h.active.reshape(b, n * s)
    jac = np.where(act[:, :, None], jac, np.eye(n * s)[None])  # inactive: F = 0, q fixed
    jac[:, h.anchor, :] = (yw / yw.sum(axis=(1, 2), keepdims=True)).reshape(b, n * s)
    return jac


def _newton(h: _Hat, q0: FloatArray, options: SolverOptions) -> tuple[FloatArray, FloatArray, int, bool]:
    """Solve F(q) = 0 for a batch with the shared damped Newton solver (:mod:`tradetalks.model.solver`);
    returns (q, |F|_inf per batch member, iterations, all converged)."""
    b, n, s = q0.shape

    def fun(x: FloatArray, idx: npt.NDArray[np.intp], want_jac: bool) -> tuple[FloatArray, FloatArray | None]:
        hs = h.take(idx)
        q = x.reshape(-1, n, s)
        f, lam_new, xn, e_new, v, omr, _ = _forward(q, hs)
        return f, (_jacobian(q, hs, lam_new, xn, e_new, v, omr) if want_jac else None)

    res = newton(fun, q0.reshape(b, n * s), options)
    return res.x.reshape(b, n, s), res.residual, res.iterations, bool(res.converged.all())


def solve_hat(
    trade: npt.ArrayLike,
    theta: npt.ArrayLike,
    *,
    tariff: npt.ArrayLike | None = None,
    tariff_new: npt.ArrayLike | None = None,
    kappa_hat: npt.ArrayLike | None = None,
    deficits: str = "additive",
    deficit_new: npt.ArrayLike | None = None,
    options: SolverOptions | None = None,
    warm_start: npt.ArrayLike | None = None,
) -> HatSolution:
    r"""Solve the Armington counterfactual by exact hat algebra on given flows (pure, vectorised).

    Parameters
    ----------
    trade
        Baseline flows X_ijs at pre-tariff values, shape (N, N, S) (exporter, importer, sector),
        diagonal = domestic sales.
    theta
        Trade elasticity θ_s = σ_s − 1 by sector, shape (S,) (or a scalar).
    tariff, tariff_new
        Importer-imposed tariffs (fractions) before and after, shape (N, N, S) or, for
        ``tariff_new``, (B, N, N, S) for a batch of scenarios. Default: zero / unchanged.
    kappa_hat
        Trade-cost shock as its direct effect on flows at constant prices, κ̂ = t̂^{−θ}
        = exp(partial effect); shape (N, N, S) or (B, N, N, S). Default: ones.
    deficits
        ``"additive"`` (D'_j = D_j) or ``"multiplicative"`` (E^{net}_j/Y_j fixed); module docstring.
    deficit_new
        Additive closure only: new deficits D'_j (N,) in numeraire units, e.g. zeros to purge
        imbalances (the "balanced" closure). Default: the data's deficits.
    options
        Tolerance (max-norm of the log market-clearing residual), iteration limit, strict mode.
    warm_start
        Initial p̂ (N, S) or (B, N, S).

    Returns
    -------
    HatSolution
        Without a batch axis in the inputs, the arrays have none either.

    Notes
    -----
    Newton's method with the analytic Jacobian of the log market-clearing residual
    log(Σ_j X'_ijs) − log(p̂_is Y_is) in log prices; Walras' law makes one equation redundant and it
    is replaced by the numeraire Σ Y p̂ = Σ Y. Step halving keeps the residual decreasing.
    """
    opts = options or SolverOptions()
    _check_option("deficits", deficits, DEFICITS)
    t0 = time.perf_counter()
    x, th, tar, tn4, kh4, batched = _hat_inputs(trade, theta, tariff, tariff_new, kappa_hat)
    h, income_base = _hat_problem(x, th, tar, tn4, kh4, deficits, deficit_new)
    bsz, n, s = h.y.shape
    if warm_start is None:
        q0 = np.zeros((bsz, n, s))
    else:
        ws = np.asarray(warm_start, dtype=float)
        q0 = np.broadcast_to(np.log(_as_batch(ws, 2, "warm_start")), (bsz, n, s)).copy()
    q, norm, it, conv = _newton(h, q0, opts)
    info = SolveInfo(
        converged=conv,
        iterations=it,
        residual=float(np.max(norm)),
        seconds=time.perf_counter() - t0,
        method="newton (analytic Jacobian)",
    )
    finish(info, "armington hat-algebra equilibrium", opts)
    return _hat_solution(q, h, x, tar, income_base, batched, info)


def _hat_inputs(
    trade: npt.ArrayLike,
    theta: npt.ArrayLike,
    tariff: npt.ArrayLike | None,
    tariff_new: npt.ArrayLike | None,
    kappa_hat: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, bool]:
    """Checked inputs of :func:`solve_hat`: flows ``x`` (N, N, S), ``θ`` (S,), baseline tariffs, the new
    tariffs and cost shocks broadcast to one batch (B, N, N, S), and whether the caller passed a batch."""
    x = np.asarray(trade, dtype=float)
    if x.ndim != 3 or x.shape[0] != x.shape[1]:
        raise ShapeError("trade", "an array of shape (N, N, S)", f"shape {x.shape}")
    n, _, s = x.shape
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ModelError("trade: expected finite, non-negative flows; found negative or non-finite values")
    th = np.broadcast_to(np.asarray(theta, dtype=float), (s,)).copy()
    if np.any(~(th > 0)):
        raise ElasticityError("theta", "positive trade elasticities (θ = σ − 1 > 0)", f"{th.tolist()}")
    tar = np.zeros_like(x) if tariff is None else np.asarray(tariff, dtype=float)
    if tar.shape != x.shape:
        raise ShapeError("tariff", f"shape {x.shape}", f"shape {tar.shape}")
    batched = False
    tn = tar if tariff_new is None else np.asarray(tariff_new, dtype=float)
    kh = np.ones_like(x) if kappa_hat is None else np.asarray(kappa_hat, dtype=float)
    for name, arr in (("tariff_new", tn), ("kappa_hat", kh)):
        if arr.shape[-3:] != x.shape or arr.ndim not in (3, 4):
            raise ShapeError(name, f"shape {x.shape} or (B, {n}, {n}, {s})", f"shape {arr.shape}")
        batched = batched or arr.ndim == 4
    if np.any(kh < 0) or not np.all(np.isfinite(kh)):
        raise ModelError("kappa_hat: expected finite, non-negative cost-shock factors exp(partial effect)")
    if np.any(tn <= -1.0) or np.any(tar <= -1.0):
        raise ModelError("tariff: expected tariffs above -100 %")
    tn4 = _as_batch(tn, 3, "tariff_new")
    kh4 = _as_batch(kh, 3, "kappa_hat")
    bsz = max(tn4.shape[0], kh4.shape[0])
    tn4 = np.broadcast_to(tn4, (bsz, n, n, s))
    kh4 = np.broadcast_to(kh4, (bsz, n, n, s))
    return x, th, tar, tn4, kh4, batched


def _hat_problem(
    x: FloatArray,
    th: FloatArray,
    tar: FloatArray,
    tn4: FloatArray,
    kh4: FloatArray,
    deficits: str,
    deficit_new: npt.ArrayLike | None,
) -> tuple[_Hat, FloatArray]:
    """The constants of the system (shares λ, α, output, deficits, anchor) and baseline gross expenditure
    ``E_j = Y_j + R_j + D_j`` (N,)."""
    bsz, n, _, s = tn4.shape
    tau = 1.0 + tar
    gross = tau * x
    e_js = gross.sum(axis=0)  # (N, S)
    lam = gross / np.where(e_js > 0, e_js, 1.0)[None]
    y = x.sum(axis=1)  # (N, S)
    e_tot = e_js.sum(axis=1)
    if np.any(e_tot <= 0) or np.any(y.sum(axis=1) <= 0):
        raise ModelError("trade: expected positive total output and expenditure for every country")
    alpha = e_js / e_tot[:, None]
    deficit = x.sum(axis=(0, 2)) - x.sum(axis=(1, 2))
    revenue = (tar * x).sum(axis=(0, 2))
    income_base = y.sum(axis=1) + revenue + deficit  # = e_tot
    if deficit_new is not None:
        if deficits != "additive":
            raise OptionError("deficit_new", "only with deficits='additive'", deficits)
        dn = np.asarray(deficit_new, dtype=float)
        if dn.shape != (n,):
            raise ShapeError("deficit_new", f"shape ({n},)", f"shape {dn.shape}")
    else:
        dn = deficit
    phi = (y.sum(axis=1) + deficit) / y.sum(axis=1)
    taun = 1.0 + tn4
    a = lam[None] * kh4 * (taun / tau[None]) ** (-th)
    active = np.broadcast_to(y > 0, (bsz, n, s))
    anchor = int(np.argmax(y.reshape(-1)))
    h = _Hat(
        a=a,
        m_new=tn4 / taun,
        alpha=np.broadcast_to(alpha, (bsz, n, s)),
        y=np.broadcast_to(y, (bsz, n, s)),
        theta=th,
        deficit=np.broadcast_to(dn, (bsz, n)),
        phi=np.broadcast_to(phi, (bsz, n)),
        mult=deficits == "multiplicative",
        active=active,
        anchor=anchor,
    )
    return h, income_base


def _hat_solution(
    q: FloatArray,
    h: _Hat,
    x: FloatArray,
    tar: FloatArray,
    income_base: FloatArray,
    batched: bool,
    info: SolveInfo,
) -> HatSolution:
    """Prices, price indices ``P̂_js = (Σ_i λ κ̂ (τ̂ p̂)^{-θ})^{-1/θ}``, flows, income and welfare at the solution
    ``q = ln p̂`` (batch axis dropped unless the caller passed a batch)."""
    bsz, n, _ = q.shape
    th = h.theta
    e_js = ((1.0 + tar) * x).sum(axis=0)  # (N, S)
    alpha = e_js / e_js.sum(axis=1)[:, None]
    y = x.sum(axis=1)
    _, _, xn, e_new, _, _, ssum = _forward(q, h)
    p_hat = np.exp(q)
    pidx = np.where(ssum > 0, ssum, 1.0) ** (-1.0 / th)  # P̂_js
    pidx = np.where(e_js[None] > 0, pidx, 1.0)
    p_agg = np.exp((alpha[None] * np.log(pidx)).sum(axis=2))
    y_new = h.y * p_hat
    welfare = (e_new / income_base[None]) / p_agg
    rgdp = (y_new.sum(axis=2) / y.sum(axis=1)[None]) / p_agg

    def out(arr: FloatArray) -> FloatArray:
        return arr if batched else arr[0]

    return HatSolution(
        price_hat=out(p_hat),
        price_index_hat=out(pidx),
        income_base=income_base if not batched else np.broadcast_to(income_base, (bsz, n)).copy(),
        income_new=out(e_new),
        output_new=out(y_new),
        trade_new=out(xn),
        welfare_hat=out(welfare),
        real_gdp_hat=out(rgdp),
        info=info,
    )


def residual(
    price_hat: npt.ArrayLike,
    trade: npt.ArrayLike,
    theta: npt.ArrayLike,
    *,
    tariff: npt.ArrayLike | None = None,
    tariff_new: npt.ArrayLike | None = None,
    kappa_hat: npt.ArrayLike | None = None,
    deficits: str = "additive",
) -> FloatArray:
    """Market-clearing excess supply log(p̂_is Y_is) − log(Σ_j X'_ijs) at given prices, (N, S).

    No numeraire is imposed (for checks of Walras' law and homogeneity). Zero-output
    country-sectors return 0.
    """
    _check_option("deficits", deficits, DEFICITS)
    x = np.asarray(trade, dtype=float)
    n, _, s = x.shape
    th = np.broadcast_to(np.asarray(theta, dtype=float), (s,)).copy()
    tar = np.zeros_like(x) if tariff is None else np.asarray(tariff, dtype=float)
    tn = tar if tariff_new is None else np.asarray(tariff_new, dtype=float)
    kh = np.ones_like(x) if kappa_hat is None else np.asarray(kappa_hat, dtype=float)
    tau = 1.0 + tar
    gross = tau * x
    e_js = gross.sum(axis=0)
    lam = gross / np.where(e_js > 0, e_js, 1.0)[None]
    y = x.sum(axis=1)
    alpha = e_js / e_js.sum(axis=1)[:, None]
    deficit = x.sum(axis=(0, 2)) - x.sum(axis=(1, 2))
    phi = (y.sum(axis=1) + deficit) / y.sum(axis=1)
    h = _Hat(
        a=(lam * kh * ((1.0 + tn) / tau) ** (-th))[None],
        m_new=(tn / (1.0 + tn))[None],
        alpha=alpha[None],
        y=y[None],
        theta=th,
        deficit=deficit[None],
        phi=phi[None],
        mult=deficits == "multiplicative",
        active=(y > 0)[None],
        anchor=0,
    )
    q = np.log(np.asarray(price_hat, dtype=float)).reshape(1, n, s)
    _, _, _, _, v, _, _ = _forward(q, h)
    yw = y * np.exp(q[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(y > 0, np.log(np.where(y > 0, yw, 1.0)) - np.log(np.where(y > 0, v[0], 1.0)), 0.0)
    return np.asarray(r)


__all__ = ["DEFICITS", "FULL_GE", "Deficits", "FullGE", "HatSolution", "residual", "solve_hat"]
