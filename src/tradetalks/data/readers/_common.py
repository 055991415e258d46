"""Helpers shared by the readers: file access with named errors, long tables to (i, j, s) cubes.

Every reader converts its raw files to the one orientation of DESIGN.md §3:
``trade[exporter, importer, sector]`` at pre-tariff values (US$ millions where the source allows) with
domestic sales on the diagonal, and ``tariff[exporter, importer, sector]`` imposed by the importer, a
fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradetalks.errors import FileFormatError, OptionError, ReferenceDataMissingError

FloatArray = npt.NDArray[np.float64]


def need(folder: Path, name: str) -> Path:
    """Path of a raw file, or :class:`ReferenceDataMissingError` naming it."""
    p = Path(folder) / name
    if not p.is_file():
        raise ReferenceDataMissingError(f"expected the raw file '{name}' in '{folder}'; it is absent")
    return p


def read_csv(folder: Path, name: str, **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` of a raw file with named errors."""
    p = need(folder, name)
    try:
        df: pd.DataFrame = pd.read_csv(p, **kwargs)
        return df
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"'{p}': could not be read as CSV: {exc}") from exc


def read_matrix(folder: Path, name: str, delimiter: str | None = None) -> FloatArray:
    """A numeric text matrix (tab/space or ``delimiter`` separated)."""
    p = need(folder, name)
    try:
        return np.atleast_2d(np.loadtxt(p, delimiter=delimiter, dtype=float))
    except ValueError as exc:
        raise FileFormatError(f"'{p}': expected a numeric matrix: {exc}") from exc


def require_columns(df: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    """Raise :class:`FileFormatError` when ``df`` lacks one of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise FileFormatError(
            f"'{source}': expected columns {list(columns)}; missing {missing} (found {list(df.columns)})"
        )


def check_shape(arr: FloatArray, shape: tuple[int, ...], source: str) -> None:
    """Raise :class:`FileFormatError` when ``arr`` does not have ``shape``."""
    if arr.shape != shape:
        raise FileFormatError(f"'{source}': expected a matrix of shape {shape}; found {arr.shape}")


def long_to_cube(
    df: pd.DataFrame,
    exporter: str,
    importer: str,
    value: str,
    countries: Sequence[str],
    sector: str | None = None,
    sectors: Sequence[Any] | None = None,
    source: str = "",
    fill: float | None = None,
) -> FloatArray:
    """Pivot a long table to an array ``[exporter, importer, sector]``.

    Parameters
    ----------
    df
        One row per (exporter, importer[, sector]).
    exporter, importer, value, sector
        Column names; ``sector=None`` gives a single-sector cube (S = 1).
    countries, sectors
        Label orders of the output (``sectors`` as the values found in the ``sector`` column).
    fill
        Value of absent cells; ``None`` makes an absent cell a :class:`FileFormatError`.
    """
    cols = [exporter, importer] + ([sector] if sector is not None else [])
    if df.duplicated(cols).any():
        dup = df.loc[df.duplicated(cols), cols].head(3).to_dict("records")
        raise FileFormatError(f"'{source}': duplicate rows for {dup}")
    idx_c = {c: k for k, c in enumerate(countries)}
    n = len(countries)
    sec_list: list[Any] = list(sectors) if sectors is not None else [None]
    idx_s = {s: k for k, s in enumerate(sec_list)}
    out = np.full((n, n, len(sec_list)), np.nan)
    ii = df[exporter].map(idx_c)
    jj = df[importer].map(idx_c)
    ss = df[sector].map(idx_s) if sector is not None else pd.Series(0, index=df.index)
    keep = ii.notna() & jj.notna() & ss.notna()
    out[ii[keep].to_numpy(dtype=int), jj[keep].to_numpy(dtype=int), ss[keep].to_numpy(dtype=int)] = df.loc[
        keep, value
    ].to_numpy(dtype=float)
    absent = np.isnan(out)
    if absent.any():
        if fill is None:
            k = np.argwhere(absent)[0]
            raise FileFormatError(
                f"'{source}': expected a row for every (exporter, importer, sector); "
                f"missing {int(absent.sum())} cells, first ({countries[k[0]]}, {countries[k[1]]}, "
                f"{sec_list[k[2]]})"
            )
        out[absent] = fill
    return out


def pair_covariates(
    df: pd.DataFrame, names: Sequence[str], countries: Sequence[str], source: str
) -> dict[str, FloatArray]:
    """Pair covariates of a long exporter/importer table as (N, N) arrays in ``countries`` order."""
    return {c: long_to_cube(df, "exporter", "importer", c, countries, source=source)[:, :, 0] for c in names}


def check_option(name: str, value: Any, allowed: Sequence[Any]) -> None:
    """Raise :class:`OptionError` when ``value`` is not in ``allowed``."""
    if value not in allowed:
        raise OptionError(name, tuple(allowed), value)


def caveats(*lines: str) -> str:
    """Caveats as one attribute string, one caveat per line (netCDF attributes are strings)."""
    return "\n".join(f"- {x}" for x in lines)
