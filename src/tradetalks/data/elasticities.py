r"""Per-sector trade elasticities: the eight published sets of ``tariffwar_cubes``, or a user CSV file.

One place resolves an elasticity choice for every caller (readers, CLI ``--elasticities``, web, sweeps).
A choice is either

* the name of a published set — ``IS``, ``U4``, ``CP``, ``BSY``, ``GYY``, ``Shap``, ``FGO``, ``LL``
  (:data:`ELASTICITY_SETS`, case-insensitive) — looked up in the table of the dataset (the
  ``tariffwar_cubes`` files store all eight; the bundled ``world2022`` ships them aggregated to its
  sectors), or
* a path to a CSV file of per-sector values: a column ``sector`` (the dataset's labels, every sector
  once) and one of ``epsilon`` / ``theta`` (trade elasticity ε) or ``sigma`` (σ = ε + 1).

Conventions: the trade elasticity is ε_s (``theta`` in :class:`~tradetalks.data.tradedata.TradeData`) and
the CES elasticity of substitution is σ_s = ε_s + 1 (``sigma``), as in the source files (SOURCE.md:
``sigma_S = epsilon_S + 1`` exactly). Every dataset built here records the set in its attributes:
``elasticities`` (the short name, e.g. ``"IS"`` or ``"file:my.csv"``), ``elasticities_source`` (the
citation), and ``sigma_source`` / ``theta_source`` (read by the result builders, so every result names
the set it used).

References (the sets; SOURCE.md of ``tariffwar_cubes``)
------------------------------------------------------
IS
    Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient-statistics approach. Journal of
    International Economics 131, 103489 (in-sample estimates; on ICIO a Caliendo–Parro triple-difference
    estimate on pooled ICIO 2011–2022).
U4
    Uniform ε = 4, after Simonovska, I. and M. Waugh (2014), Journal of International Economics 92(1).
CP
    Caliendo, L. and F. Parro (2015). Estimates of the trade and welfare effects of NAFTA. Review of
    Economic Studies 82(1): 1–44.
BSY
    Bagwell, K., R. Staiger and A. Yurukoglu (2021). Quantitative analysis of multiparty tariff
    negotiations. Econometrica 89(4): 1595–1631.
GYY
    Giri, R., K.-M. Yi and H. Yilmazkuday (2021). Gains from trade: does sectoral heterogeneity matter?
    Journal of International Economics 129, 103429.
Shap
    Shapiro, J. S. (2016). Trade costs, CO2, and the environment. American Economic Journal: Economic
    Policy 8(4): 220–254.
FGO
    Fontagné, L., H. Guimbard and G. Orefice (2022). Tariff-based product-level trade elasticities.
    Journal of International Economics 137, 103593.
LL
    Lashkaripour, A. and V. Lugovskyy (2023). Profits, scale economies, and the gains from trade and
    industrial policy. American Economic Review 113(10): 2759–2808.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from tradetalks.data.tradedata import TradeData
from tradetalks.errors import ElasticitySetError, FileFormatError

FloatArray = npt.NDArray[np.float64]

ElasticitySetName = Literal["IS", "U4", "CP", "BSY", "GYY", "Shap", "FGO", "LL"]
ELASTICITY_SETS: tuple[str, ...] = get_args(ElasticitySetName)
"""Names of the published sets, in the order of the source files."""
DEFAULT_ELASTICITIES: ElasticitySetName = "IS"
"""The set used when a caller names none: the source package's own in-sample estimates."""

SET_SOURCES: dict[str, str] = {
    "IS": "Lashkaripour (2021, JIE 131) in-sample estimates ('in_sample'; on ICIO: Caliendo-Parro "
    "triple-difference on pooled ICIO 2011-2022)",
    "U4": "uniform trade elasticity 4 after Simonovska and Waugh (2014, JIE 92) ('uniform_4')",
    "CP": "Caliendo and Parro (2015, REStud 82) ('caliendo_parro_2015')",
    "BSY": "Bagwell, Staiger and Yurukoglu (2021, Econometrica 89)",
    "GYY": "Giri, Yi and Yilmazkuday (2021, JIE 129)",
    "Shap": "Shapiro (2016, AEJ: Policy 8)",
    "FGO": "Fontagne, Guimbard and Orefice (2022, JIE 137)",
    "LL": "Lashkaripour and Lugovskyy (2023, AER 113)",
}
"""Short citation of each set (full references in the module docstring)."""

ElasticityChoice = str | Path
"""A set name from :data:`ELASTICITY_SETS` or a path to a per-sector CSV file."""


@dataclass(frozen=True)
class Elasticities:
    """One resolved elasticity choice for a list of sectors.

    Attributes
    ----------
    name
        Set name (``"IS"``, ...) or ``"file:<file name>"``.
    sectors
        Sector labels, in the order of ``epsilon``.
    epsilon
        Trade elasticity ε_s (> 0), shape (S,).
    source
        Citation or file path.
    """

    name: str
    sectors: tuple[str, ...]
    epsilon: FloatArray
    source: str

    @property
    def sigma(self) -> FloatArray:
        """Elasticity of substitution σ_s = ε_s + 1."""
        return np.asarray(self.epsilon + 1.0, dtype=float)

    def attrs(self) -> dict[str, str]:
        """Dataset attributes naming the set (read by the result builders)."""
        desc = f"elasticity set {self.name}: {self.source}"
        return {
            "elasticities": self.name,
            "elasticities_source": self.source,
            "sigma_source": desc + " (sigma = epsilon + 1)",
            "theta_source": desc + " (theta = epsilon)",
        }


def set_name(name: str) -> ElasticitySetName:
    """Canonical spelling of a set name (case-insensitive).

    Raises
    ------
    ElasticitySetError
        Not one of :data:`ELASTICITY_SETS`.
    """
    for s in ELASTICITY_SETS:
        if s.lower() == str(name).strip().lower():
            return s  # type: ignore[return-value]
    raise ElasticitySetError(
        "elasticities", (*ELASTICITY_SETS, "<path to a CSV file with columns sector, epsilon|sigma>"), name
    )


def is_file_choice(choice: ElasticityChoice) -> bool:
    """Whether a choice names a file (a :class:`~pathlib.Path`, or a string ending in ``.csv`` or
    naming an existing file) rather than a set."""
    if isinstance(choice, Path):
        return True
    s = str(choice)
    return s.lower().endswith(".csv") or (s not in ELASTICITY_SETS and Path(s).is_file())


def read_file(path: str | Path, sectors: Sequence[str]) -> Elasticities:
    """Per-sector elasticities from a CSV file.

    Parameters
    ----------
    path
        CSV with a column ``sector`` and one of ``epsilon``, ``theta`` (ε) or ``sigma`` (σ = ε + 1).
    sectors
        The dataset's sector labels; each must appear exactly once.

    Raises
    ------
    FileFormatError
        Absent or unreadable file, missing columns, unknown/missing/duplicate sectors, ε ≤ 0.
    """
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"elasticities file '{p}': expected a CSV file; it does not exist")
    try:
        df = pd.read_csv(p)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"elasticities file '{p}': could not be read as CSV: {exc}") from exc
    cols = {str(c).strip().lower(): c for c in df.columns}
    value_col = next((c for c in ("epsilon", "theta", "sigma") if c in cols), None)
    if "sector" not in cols or value_col is None:
        raise FileFormatError(
            f"elasticities file '{p}': expected columns 'sector' and one of 'epsilon', 'theta', 'sigma'; "
            f"found {list(df.columns)}"
        )
    labels = df[cols["sector"]].astype(str).str.strip()
    dup = sorted(set(labels[labels.duplicated()]))
    unknown = sorted(set(labels) - set(sectors))
    missing = [s for s in sectors if s not in set(labels)]
    if dup or unknown or missing:
        raise FileFormatError(
            f"elasticities file '{p}': expected each of the dataset's sectors {list(sectors)} once; "
            f"found duplicates {dup}, unknown {unknown}, missing {missing}"
        )
    values = pd.to_numeric(df[cols[value_col]], errors="coerce").to_numpy(dtype=float)
    by_label = dict(zip(labels, values, strict=True))
    eps = np.array([by_label[s] for s in sectors], dtype=float)
    if value_col == "sigma":
        eps = eps - 1.0
    bad = [s for s, e in zip(sectors, eps, strict=True) if not np.isfinite(e) or e <= 0]
    if bad:
        need = "sigma > 1" if value_col == "sigma" else f"{value_col} > 0"
        raise FileFormatError(f"elasticities file '{p}': expected {need} in every sector; not so in {bad}")
    return Elasticities(f"file:{p.name}", tuple(sectors), eps, f"user file {p}")


def resolve(
    choice: ElasticityChoice | None,
    sectors: Sequence[str],
    table: Mapping[str, npt.ArrayLike] | None = None,
    table_source: str = "",
) -> Elasticities:
    """Resolve a choice to per-sector elasticities.

    Parameters
    ----------
    choice
        A set name (:data:`ELASTICITY_SETS`), a CSV path, or ``None`` for :data:`DEFAULT_ELASTICITIES`.
    sectors
        The dataset's sector labels.
    table
        ``{set name: ε by sector}`` stored with the dataset (``None`` if it stores none).
    table_source
        Where the table comes from (appended to the citation).

    Raises
    ------
    ElasticitySetError
        Unknown set name, or a set name for a dataset that stores no sets.
    FileFormatError
        A bad CSV file (see :func:`read_file`).
    """
    if choice is not None and is_file_choice(choice):
        return read_file(choice, sectors)
    name = set_name(DEFAULT_ELASTICITIES if choice is None else str(choice))
    if table is None or name not in table:
        have = sorted(table) if table else []
        raise ElasticitySetError(
            "elasticities (this dataset stores the sets " + (", ".join(have) or "none") + ")",
            (*tuple(have), "<path to a CSV file>"),
            name,
        )
    eps = np.asarray(table[name], dtype=float).ravel()
    if eps.shape != (len(sectors),):
        raise FileFormatError(
            f"elasticity set {name}: expected {len(sectors)} sector values; found shape {eps.shape}"
        )
    src = SET_SOURCES[name] + (f"; values from {table_source}" if table_source else "")
    return Elasticities(name, tuple(sectors), eps, src)


def apply(data: TradeData, el: Elasticities) -> TradeData:
    """A copy of ``data`` with ``sigma`` = ε + 1 and ``theta`` = ε set and the set named in its attrs.

    Raises
    ------
    ElasticitySetError
        The elasticities are for other sectors than the dataset's.
    """
    if list(el.sectors) != data.sectors:
        raise ElasticitySetError("elasticities sectors", tuple(data.sectors), list(el.sectors))
    ds = data.to_dataset()
    ds["sigma"] = xr.DataArray(el.sigma, dims=("sector",))
    ds["theta"] = xr.DataArray(np.asarray(el.epsilon, dtype=float), dims=("sector",))
    ds.attrs.update(el.attrs())
    return TradeData(ds)


def label(data: TradeData) -> str:
    """The elasticity set a dataset carries, for printing next to a result.

    ``attrs['elasticities']`` when a set was chosen through this module, else the dataset's own
    ``sigma_source`` / ``theta_source`` note, else ``"none"``.
    """
    a = data.attrs
    for key in ("elasticities", "sigma_source", "theta_source"):
        if a.get(key):
            return str(a[key])
    return "none"


def with_elasticities(data: TradeData, choice: ElasticityChoice | None) -> TradeData:
    """Apply a user choice to a dataset that is already loaded.

    A CSV file works on every dataset; a set name needs the dataset's stored sets, so load those
    datasets with :func:`load_with_elasticities` (or the reader option ``elasticities=``) instead.
    ``None`` returns ``data`` unchanged.
    """
    if choice is None:
        return data
    return apply(data, resolve(choice, data.sectors, None))


def load_with_elasticities(name_or_path: str | Path, elasticities: ElasticityChoice | None = None,
                           **options: Any) -> TradeData:
    """Load a dataset with an elasticity choice — the one entry point for ``--elasticities``.

    Datasets whose reader stores the published sets (``icio2011``..``icio2022``, ``wiod16-2000``..
    ``wiod16-2014``, ``world2022``) take a set name or a file; the others take a CSV file only (their
    own ``sigma`` is kept when ``elasticities`` is ``None``).

    Raises
    ------
    ElasticitySetError
        A set name for a dataset that stores no sets, or an unknown name.
    """
    import importlib

    from tradetalks.data.registry import DATASETS, load

    key = str(name_or_path)
    if key in DATASETS:
        mod = importlib.import_module(f"tradetalks.data.readers.{DATASETS[key].module}")
        if getattr(mod, "ACCEPTS_ELASTICITIES", False):
            if elasticities is not None:
                options["elasticities"] = elasticities
            return load(key, **options)
    return with_elasticities(load(name_or_path, **options), elasticities)


__all__ = [
    "DEFAULT_ELASTICITIES",
    "ELASTICITY_SETS",
    "SET_SOURCES",
    "Elasticities",
    "ElasticityChoice",
    "ElasticitySetName",
    "apply",
    "is_file_choice",
    "label",
    "load_with_elasticities",
    "read_file",
    "resolve",
    "set_name",
    "with_elasticities",
]
