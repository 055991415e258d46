r"""Draws of the trade elasticities: Monte Carlo around the central values, and named published sets.

Monte Carlo
-----------
The trade elasticity of sector s is :math:`\varepsilon_s = \sigma_s - 1` (Krugman/CES). Draw d is

.. math::

    \varepsilon_{ds} = \varepsilon_s \exp\!\big(c_s z_{ds} - c_s^2/2\big), \qquad
    z_{ds} = \sqrt{\rho}\, \zeta_d + \sqrt{1-\rho}\, \eta_{ds}, \quad \zeta_d, \eta_{ds} \sim N(0, 1),

a mean-preserving log-normal: :math:`E[\varepsilon_{ds}] = \varepsilon_s` exactly, so the Monte Carlo mean
of any functional linear in ε converges to its central value. :math:`c_s` is the coefficient of variation
of the log: from a published standard error, :math:`c_s = \sqrt{\ln(1 + (se_s/\varepsilon_s)^2)}`, where
the dataset carries one (variable ``sigma_se`` or ``theta_se``); otherwise a **stated dispersion** (default
0.25, i.e. about ±25 % for one standard deviation), the same for every sector. ρ (default 0.5) is the
share of the variance common to all sectors: ρ = 1 scales every elasticity by one factor, ρ = 0 draws each
sector independently. ε stays positive, so σ > 1 in every draw.

The reference data folder of this project holds no published standard errors for the elasticities of
the datasets it ships (Ossa's Feenstra estimates, the Lashkaripour–Lugovskyy and tariffwar sets come as
point values), so the stated dispersion is the default; the result says which was used.

Random numbers come from :class:`numpy.random.Generator` (PCG64) seeded by ``numpy.random.SeedSequence
([seed, stream])``: the same seed gives the same draws on any machine and in any process, and draw d does
not depend on how many draws are taken after it.

Named sets
----------
The tariffwar datasets (``icio2011``..``icio2022``, ``wiod16-2000``..``wiod16-2014``) carry eight
published sets (``IS U4 CP BSY GYY Shap FGO LL``, see their SOURCE.md); :func:`set_sigmas` loads them.
A dataset without named sets gets :class:`~tradetalks.errors.ElasticitySetError` when sets are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import xarray as xr

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ElasticitySetError, SweepSpecError

FloatArray = npt.NDArray[np.float64]

DEFAULT_DISPERSION = 0.25
"""Stated coefficient of variation of the log trade elasticity when no standard errors are available."""
DEFAULT_CORRELATION = 0.5
"""Stated share of the log-elasticity variance common to all sectors."""

NAMED_SETS: tuple[str, ...] = ("IS", "U4", "CP", "BSY", "GYY", "Shap", "FGO", "LL")
"""The eight published sets of the tariffwar cubes (order of their SOURCE.md)."""

MemberKind = str
"""``"central"``, ``"mc"`` (Monte Carlo draw) or ``"set"`` (a named published set)."""


@dataclass(frozen=True)
class DrawOptions:
    """How to draw elasticities.

    Attributes
    ----------
    n_draws
        Monte Carlo draws (0: none; the central member is always included).
    seed
        Seed of the random numbers.
    dispersion
        Stated coefficient of variation of ln ε (used when the dataset has no standard errors, or always
        when ``use_standard_errors`` is false). 0 gives draws equal to the central values.
    correlation
        ρ, the share of the variance common to all sectors, in [0, 1].
    sets
        Named published sets to add (each one member).
    use_standard_errors
        Use the dataset's ``sigma_se`` / ``theta_se`` when it has them.
    """

    n_draws: int = 0
    seed: int = 0
    dispersion: float = DEFAULT_DISPERSION
    correlation: float = DEFAULT_CORRELATION
    sets: tuple[str, ...] = ()
    use_standard_errors: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.n_draws, int) or self.n_draws < 0:
            raise SweepSpecError("draws", "a whole number >= 0", repr(self.n_draws))
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SweepSpecError("seed", "a whole number >= 0", repr(self.seed))
        if not (np.isfinite(self.dispersion) and 0.0 <= self.dispersion <= 2.0):
            raise SweepSpecError("dispersion", "a coefficient of variation in [0, 2]", repr(self.dispersion))
        if not (0.0 <= self.correlation <= 1.0):
            raise SweepSpecError("correlation", "a share in [0, 1]", repr(self.correlation))
        bad = [s for s in self.sets if s not in _set_names()]
        if bad:
            raise ElasticitySetError("elasticity sets", list(_set_names()), bad)


@dataclass(frozen=True, eq=False)
class ElasticityDraws:
    """Members of an uncertainty analysis: the central σ, Monte Carlo draws and named sets.

    Attributes
    ----------
    sigma
        (M, S) elasticities of substitution σ = ε + 1; member 0 is the central value.
    kind
        (M,) ``"central"``, ``"mc"`` or ``"set"``.
    label
        (M,) ``"central"``, ``"mc-0"``, ``"mc-1"``, ..., ``"set-CP"``.
    sectors
        Sector labels.
    seed, dispersion_source
        The seed and where the dispersion came from (``"stated cv 0.25, rho 0.5"`` or ``"standard errors"``).
    """

    sigma: FloatArray
    kind: tuple[str, ...]
    label: tuple[str, ...]
    sectors: tuple[str, ...]
    seed: int
    dispersion_source: str
    options: DrawOptions = field(default_factory=DrawOptions)

    @property
    def size(self) -> int:
        return int(self.sigma.shape[0])

    def to_dataarray(self) -> xr.DataArray:
        """σ with dims ``member`` × ``sector`` and the member's kind as a coordinate."""
        return xr.DataArray(
            self.sigma,
            dims=("member", "sector"),
            coords={"member": list(self.label), "kind": ("member", list(self.kind)), "sector": list(self.sectors)},
            name="sigma",
            attrs={"seed": self.seed, "dispersion": self.dispersion_source},
        )


def central_sigma(data: TradeData) -> FloatArray:
    """σ of a dataset as the Ossa model uses it (σ = θ + 1 when the dataset has only θ)."""
    if data.has("sigma") or not data.has("theta"):
        return np.asarray(data.param("sigma"), dtype=float)
    return np.asarray(data.param("theta"), dtype=float) + 1.0


def _log_cv(data: TradeData, eps: FloatArray, opts: DrawOptions) -> tuple[FloatArray, str]:
    if opts.use_standard_errors:
        for name in ("sigma_se", "theta_se"):
            if name in data.ds.data_vars:
                se = np.asarray(data.ds[name].values, dtype=float)
                return np.sqrt(np.log1p((se / eps) ** 2)), f"standard errors ({name})"
    return np.full(eps.shape, opts.dispersion), f"stated dispersion: cv of ln(sigma-1) {opts.dispersion:g}, " \
        f"common share rho {opts.correlation:g}"


def mc_sigma(central: FloatArray, log_cv: FloatArray, n: int, seed: int, correlation: float,
             stream: int = 0) -> FloatArray:
    """(n, S) Monte Carlo draws of σ around ``central`` (see the module docstring); pure function."""
    eps = central - 1.0
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream])))
    z = rng.standard_normal((n, eps.size + 1))  # column 0: the common factor; draw d uses row d only
    zz = np.sqrt(correlation) * z[:, :1] + np.sqrt(1.0 - correlation) * z[:, 1:]
    # σ + ε (m − 1) rather than 1 + ε m: with zero dispersion every draw equals the central σ bit for bit
    return np.asarray(central + eps * np.expm1(log_cv * zz - 0.5 * log_cv**2))


def _set_names() -> tuple[str, ...]:
    try:
        from tradetalks.data.elasticities import ELASTICITY_SETS
    except ImportError:  # pragma: no cover - the elasticities module of issue 12 not installed
        return NAMED_SETS
    return tuple(ELASTICITY_SETS)


def available_sets(name: str) -> tuple[str, ...]:
    """Names of the published elasticity sets a registered dataset carries (``()`` for most datasets).

    A dataset whose reader takes ``elasticities=NAME`` (``world2022``, the tariffwar datasets) has them all.
    """
    import importlib

    from tradetalks.data.registry import DATASETS

    if name not in DATASETS:
        return ()
    mod = importlib.import_module(f"tradetalks.data.readers.{DATASETS[name].module}")
    return _set_names() if getattr(mod, "ACCEPTS_ELASTICITIES", False) else ()


def check_sets(dataset: str, sets: Sequence[str]) -> None:
    """Raise :class:`~tradetalks.errors.ElasticitySetError` when ``dataset`` lacks one of ``sets``."""
    have = available_sets(dataset)
    missing = [s for s in sets if s not in have]
    if missing:
        raise ElasticitySetError(
            f"elasticity sets of dataset '{dataset}'",
            list(have) if have else "none (named sets come with world2022 and the tariffwar datasets "
            "icio2011..icio2022, wiod16-2000..wiod16-2014)",
            missing,
        )


def set_sigmas(data: TradeData, sets: Sequence[str]) -> FloatArray:
    """(len(sets), S) σ of named published sets of a registered dataset (``elasticities=NAME``).

    Raises
    ------
    ElasticitySetError
        The dataset has no such set.
    """
    if not sets:
        return np.zeros((0, data.n_sectors))
    check_sets(str(data.name), sets)
    from tradetalks.data.registry import dataset_folder

    folder = str(dataset_folder(str(data.name)))
    return np.asarray(np.stack([_set_sigma(str(data.name), s, folder) for s in sets]))


@lru_cache(maxsize=256)
def _set_sigma(name: str, set_name: str, folder: str) -> FloatArray:
    """σ of one published set of a registered dataset, read once per process (keyed by the dataset's folder
    too, so another ``TRADETALKS_DATA_DIR`` reads again); a read-only array."""
    from tradetalks.data.elasticities import load_with_elasticities

    out = np.array(central_sigma(load_with_elasticities(name, set_name)), dtype=float)
    out.flags.writeable = False
    return out


def make_draws(data: TradeData, opts: DrawOptions, stream: int = 0) -> ElasticityDraws:
    """The members of an uncertainty analysis of ``data``: central, ``opts.n_draws`` Monte Carlo draws,
    then the named sets.

    Parameters
    ----------
    data
        Dataset with ``sigma`` or ``theta``.
    opts
        Number of draws, seed, dispersion, sets.
    stream
        Extra seed component (e.g. the index of the dataset in a sweep); 0 by default.
    """
    central = central_sigma(data)
    log_cv, source = _log_cv(data, central - 1.0, opts)
    mc = mc_sigma(central, log_cv, opts.n_draws, opts.seed, opts.correlation, stream)
    sets = set_sigmas(data, opts.sets)
    sigma = np.concatenate([central[None], mc, sets], axis=0)
    kind = ("central",) + ("mc",) * opts.n_draws + ("set",) * len(opts.sets)
    label = ("central", *(f"mc-{d}" for d in range(opts.n_draws)), *(f"set-{s}" for s in opts.sets))
    return ElasticityDraws(sigma, kind, label, tuple(data.sectors), opts.seed, source, opts)


__all__ = ["DEFAULT_CORRELATION", "DEFAULT_DISPERSION", "NAMED_SETS", "DrawOptions", "ElasticityDraws",
           "available_sets", "central_sigma", "check_sets", "make_draws", "mc_sigma", "set_sigmas"]
