r"""Which political-economy weights λ a dataset gets: Ossa's published ones for the σ they were calibrated
for, re-calibrated (:mod:`tradetalks.model.political`) for any other σ, cached per process.

:func:`political_weights_for` is the one decision every entry point calls (optimal-tariff, war, bargain,
frontier, negotiate, counter-offer, TOML objectives, the web); :func:`weights_for` is the cached calibration
engine behind it.

References
----------
Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12), 4104–46 (Section IV:
political-economy weights from non-cooperative tariffs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import DataError, PoliticalWeightsError
from tradetalks.model.ossa import FloatArray, OssaBaseline
from tradetalks.model.political import (
    CountryFit,
    PoliticalWeights,
    calibrate_country,
    calibrate_political_weights,
    check_second_order,
)

_CACHE: dict[tuple[str, int], CountryFit] = {}


def _key(base: OssaBaseline, target: FloatArray) -> str:
    h = hashlib.sha1()
    for a in (base.trade, base.tariff, base.sigma, target):
        h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    return h.hexdigest()


def weights_for(
    data: TradeData,
    base: OssaBaseline,
    countries: Sequence[int] | None = None,
    *,
    recalibrate: bool = False,
    second_order: bool = True,
) -> tuple[FloatArray, PoliticalWeights | None]:
    """λ (N, S) for government welfare on a dataset: its own ``lambda_pol`` when it has one (Ossa's
    published weights), otherwise re-calibrated from its ``tariff_noncoop`` on ``base`` (the rescaled-σ
    datasets ``ossa2014-sigma*``), for ``countries`` only (others' rows are ones). Fits are cached in memory
    per baseline and target, so a process calibrates each country once. This is the calibration engine;
    entry points call :func:`political_weights_for`, which decides between published and re-calibrated
    weights from the dataset's σ.

    Parameters
    ----------
    data
        The dataset (its ``tariff_noncoop`` and attrs ``tariff_noncoop_filled``).
    base
        Its deficit-purged baseline (Ossa calibrates there).
    countries
        Countries whose weights are needed (default all).
    recalibrate
        Re-calibrate even when the dataset carries ``lambda_pol`` (e.g. its σ was replaced by
        ``--elasticities``, so the published weights no longer belong to it).
    second_order
        Also compute each fit's curvature (:func:`check_second_order`).

    Returns
    -------
    tuple
        λ (N, S) and the :class:`PoliticalWeights` (``None`` when the dataset's own weights were used).

    Raises
    ------
    DataError
        The dataset has neither ``lambda_pol`` nor ``tariff_noncoop``.
    """
    if data.has("lambda_pol") and not recalibrate:
        return np.asarray(data.param("lambda_pol"), dtype=float), None
    if not data.has("tariff_noncoop"):
        raise DataError(
            f"political weights: expected a dataset with lambda_pol or tariff_noncoop (Ossa 2014); "
            f"{data.name} has neither"
        )
    filled = {c for c in str(data.attrs.get("tariff_noncoop_filled", "")).split(",") if c}
    measured = np.array([c not in filled for c in data.countries])
    noncoop = np.asarray(data.param("tariff_noncoop"), dtype=float)
    noncoop = np.where(measured[:, None], noncoop, 0.0)

    def cached_fit(j: int, target: FloatArray) -> CountryFit:
        key = (_key(base, target), j)
        fit = _CACHE.get(key)
        if fit is None:
            fit = calibrate_country(base, j, target)
        if second_order and np.isnan(fit.curvature):
            fit = replace(fit, curvature=check_second_order(base, fit))
        _CACHE[key] = fit
        return fit

    pw = calibrate_political_weights(
        base, noncoop, measured=measured, countries=countries, fit_country=cached_fit
    )
    return pw.weights, pw


# --- issue 11 item 7 (HPW): the one decision of which λ a (dataset, σ) gets -------------------------------

_PUBLISHED_SIGMA: dict[str, FloatArray] = {}


def _sigma_is_published(data: TradeData) -> bool:
    """Whether ``data``'s σ is the one its ``lambda_pol`` was calibrated for: the dataset's own σ (no elasticity
    set applied) or, after ``--elasticities``, a σ equal (to 1e-12) to the registry dataset's own."""
    if "elasticities" not in data.attrs:
        return True
    from tradetalks.data.registry import DATASETS, load

    if data.name not in DATASETS:
        return False
    if data.name not in _PUBLISHED_SIGMA:
        _PUBLISHED_SIGMA[data.name] = np.asarray(load(data.name).param("sigma"), dtype=float)
    own = _PUBLISHED_SIGMA[data.name]
    sig = np.asarray(data.param("sigma"), dtype=float)
    return bool(own.shape == sig.shape and np.allclose(sig, own, rtol=1e-12, atol=0.0))


@dataclass(frozen=True, eq=False)
class ResolvedWeights:
    """The λ (N, S) used for government welfare on a dataset, with where it comes from.

    Attributes
    ----------
    weights
        (N, S) λ.
    source
        ``"published"`` (the dataset's ``lambda_pol``, its σ being the one they were calibrated for) or
        ``"re-calibrated"`` (from ``tariff_noncoop`` for the dataset's σ, :func:`weights_for`).
    sigma
        The σ the weights belong to (the dataset's elasticity label).
    calibration
        The :class:`PoliticalWeights` of a re-calibration (``None`` for published weights).
    """

    weights: FloatArray
    source: str
    sigma: str
    calibration: PoliticalWeights | None = None
    published_note: str = ""

    def fit_of(self, country: int) -> CountryFit | None:
        """The calibration of one country (``None`` for published weights)."""
        if self.calibration is None:
            return None
        return next((f for f in self.calibration.fits if f.country == country), None)

    def describe(self, countries: Sequence[str] = ()) -> str:
        """One line for tables: the source, the σ and the fit (worst first-order residual, convergence)."""
        if self.calibration is None:
            return f"published ({self.published_note or 'the dataset lambda_pol'}; calibrated for {self.sigma})"
        pw = self.calibration
        shifts = ", ".join(
            f"{countries[f.country]} {100 * f.shift:+.1f} pp" for f in pw.fits if f.country < len(countries)
        )
        return (
            f"re-calibrated for {self.sigma} from Ossa's non-cooperative tariffs (his MFN first-order conditions; "
            f"{len(pw.fits)} countries, worst first-order residual {pw.foc_residual:.1e}, converged={pw.converged}"
            + (f"; shifts {shifts}" if shifts else "")
            + ")"
        )

    def as_dict(self, countries: Sequence[str] = ()) -> dict[str, object]:
        """JSON-ready provenance (no arrays except the per-country shifts and residuals)."""
        out: dict[str, object] = {"source": self.source, "sigma": self.sigma, "note": self.describe(countries)}
        if self.calibration is not None:
            pw = self.calibration
            out["fit"] = {
                "converged": pw.converged,
                "foc_residual": pw.foc_residual,
                "iterations": pw.iterations,
                "countries": {
                    (countries[f.country] if f.country < len(countries) else str(f.country)): {
                        "shift_pct": 100 * f.shift,
                        "foc_residual": f.foc_residual,
                        "converged": f.converged,
                    }
                    for f in pw.fits
                },
            }
        return out


def political_weights_for(data: TradeData, base: OssaBaseline | None = None) -> ResolvedWeights:
    """The one decision of the political-economy weights λ of a dataset (every entry point calls it).

    * the dataset's ``lambda_pol`` (Ossa's published weights) when its σ is the one they were calibrated for
      (its own σ, or an ``--elasticities`` choice equal to it);
    * otherwise λ re-calibrated for the dataset's σ from its ``tariff_noncoop`` (:func:`weights_for`, all
      countries, cached per process), on the deficit-purged baseline whatever the analysis' closure.

    Parameters
    ----------
    data
        The dataset, with the σ actually used (after ``--sigma`` / ``--elasticities``).
    base
        Its deficit-purged (``"balanced"``) baseline when already built; built here otherwise.

    Returns
    -------
    ResolvedWeights

    Raises
    ------
    PoliticalWeightsError
        Neither published weights for this σ nor non-cooperative tariff measures to calibrate from.
    """
    from tradetalks.data.elasticities import label

    sigma = label(data)
    if data.has("lambda_pol") and _sigma_is_published(data):
        note = str(data.attrs.get("lambda_pol_source", "the dataset's lambda_pol"))
        return ResolvedWeights(np.asarray(data.param("lambda_pol"), dtype=float), "published", sigma,
                               published_note=note)
    if not data.has("tariff_noncoop"):
        found = ("lambda_pol calibrated for another sigma and no tariff_noncoop" if data.has("lambda_pol")
                 else "neither lambda_pol nor tariff_noncoop")
        raise PoliticalWeightsError(
            f"political weights on {data.name}: expected Ossa's (2014) weights for its sigma ({sigma}) or his "
            f"non-cooperative tariff measures to re-calibrate them; found {found}"
        )
    if base is None:
        from tradetalks.model.ossa import baseline_from_data

        base = baseline_from_data(data, "balanced")
    lam, pw = weights_for(data, base, recalibrate=True, second_order=False)
    return ResolvedWeights(lam, "re-calibrated", sigma, pw)


__all__ = ["ResolvedWeights", "political_weights_for", "weights_for"]
